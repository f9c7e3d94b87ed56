package sentiment

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// body drops a model file's comment lines.
func body(s string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		if !strings.HasPrefix(line, "#") {
			b.WriteString(line)
		}
	}
	return b.String()
}

// TestModelUpToDate retrains the embedded model from the labelled set's dev part and the shop's
// lexicon with the model's own configuration and wants the same bytes: the generator is
// deterministic and sentiment/model.txt is not stale. After editing the labelled set or
// corpora/shop/dict/sentiment.txt, run `go run ./sentiment/internal/gen`.
func TestModelUpToDate(t *testing.T) {
	lex, dev, _ := shopSet(t)
	m, err := Train(dev, lex, DefaultModel().Config())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if buf.String() != body(defaultModelText) {
		t.Fatal("sentiment/model.txt differs from a fresh training on its inputs: run `go run ./sentiment/internal/gen`")
	}
	raw, err := os.ReadFile(shopData)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		fmt.Sprintf("# data corpora/shop/sentiment/sentiment.jsonl sha256 %x (dev part: %d messages)\n", sha256.Sum256(raw), len(dev)),
		fmt.Sprintf("# lexicon corpora/shop/dict/sentiment.txt sha256 %s\n", lex.Sum()),
	} {
		if !strings.Contains(defaultModelText, want) {
			t.Errorf("sentiment/model.txt lacks %q: regenerate it", want)
		}
	}
}

func TestTrainDeterministic(t *testing.T) {
	lex, dev, _ := shopSet(t)
	cfg := TrainConfig{MaxN: 3, Lambda: 0.003, Iterations: 50}
	var out [2]bytes.Buffer
	for i := range out {
		m, err := Train(dev, lex, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Write(&out[i]); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(out[0].Bytes(), out[1].Bytes()) {
		t.Fatal("two trainings on the same input wrote different models")
	}
}

func TestTrainFits(t *testing.T) {
	lex, err := LoadLexicon(shopLexicon)
	if err != nil {
		t.Fatal(err)
	}
	ex := []Example{
		{Text: "请问什么时候发货", Tag: Neutral},
		{Text: "这件有黑色吗", Tag: Neutral},
		{Text: "质量太差了 失望", Tag: Negative},
		{Text: "垃圾 什么破东西!!!", Tag: Negative, Strong: true},
		{Text: "充电宝冒烟了", Tag: Urgent},
		{Text: "我要打12315", Tag: Urgent},
	}
	m, err := Train(ex, lex, TrainConfig{})
	if err != nil {
		t.Fatal(err)
	}
	a := mustNew(t, lex, Options{Model: m})
	for _, e := range ex {
		r := a.Analyze(e.Text)
		if r.Tag != e.Tag {
			t.Errorf("%s: %s (probs %v), want %s", e.Text, r.Tag, r.Probs, e.Tag)
		}
		if e.Tag == Negative && r.Strong != e.Strong {
			t.Errorf("%s: strong %v (strength %.2f), want %v", e.Text, r.Strong, r.Strength, e.Strong)
		}
	}
	if _, err := Train(nil, lex, TrainConfig{}); err == nil {
		t.Error("Train with no examples: no error")
	}
	if _, err := Train(ex, lex, TrainConfig{MaxN: 4}); err == nil {
		t.Error("Train with 4-grams: no error")
	}
}

func TestModelRoundTrip(t *testing.T) {
	var a, b bytes.Buffer
	if err := DefaultModel().Write(&a, "a comment"); err != nil {
		t.Fatal(err)
	}
	m, err := ReadModel(bytes.NewReader(a.Bytes()), "m.txt")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Write(&b, "a comment"); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("a model read back writes different bytes")
	}
	if body(a.String()) != body(defaultModelText) {
		t.Error("the embedded model does not write back as it was read")
	}
	if m.Grams() == 0 || !slices.Equal(m.Reasons(), []string{"time", "safety", "money", "threat"}) {
		t.Errorf("model: %d n-grams, reasons %v", m.Grams(), m.Reasons())
	}
}

func TestReadModelErrors(t *testing.T) {
	head := modelMagic + "\n" + TrainConfig{}.withDefaults().String() + "\nclasses neutral negative strong urgent\n"
	for _, c := range []struct{ name, src, want string }{
		{"not a model", "hello\n", "m.txt:1: not a sentiment model"},
		{"bad config", modelMagic + "\nconfig ngram=7\n", "m.txt:2: n-gram length 7"},
		{"unknown config key", modelMagic + "\nconfig depth=2\n", "m.txt:2: config depth=2: unknown key"},
		{"wrong classes", modelMagic + "\nconfig\nclasses a b\n", "m.txt:3: want classes"},
		{"few weights", head + "bias\t1\t2\n", "m.txt:4: want a name and 4 tab-separated weights, got 3 fields"},
		{"bad weight", head + "bias\t1\t2\tx\t4\n", "m.txt:4: weight \"x\" of bias"},
		{"unknown feature", head + "bias\t0\t0\t0\t0\nw:太\t0\t0\t0\t0\n", "m.txt:5: unknown feature \"w:太\""},
		{"bad n-gram", head + "c2:太\t0\t0\t0\t0\n", "m.txt:4: unknown feature \"c2:太\""},
		{"duplicate", head + "c1:太\t0\t0\t0\t0\n# x\nc1:太\t0\t0\t0\t0\n", "m.txt:6: c1:太 is already at line 4"},
		{"truncated", modelMagic + "\n", "m.txt: truncated"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadModel(strings.NewReader(c.src), "m.txt")
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("err = %v, want prefix %q", err, c.want)
			}
		})
	}
}

func TestNgrams(t *testing.T) {
	for _, c := range []struct {
		text string
		maxN int
		want string
	}{
		{"太差", 3, "c1:太 c2:^太 c1:差 c2:太差 c3:^太差 c2:差$ c3:太差$"},
		{"差", 3, "c1:差 c2:^差 c2:差$ c3:^差$"},
		{"差了!", 3, "c1:差 c2:^差 c1:了 c2:差了 c3:^差了 c1:! c2:了! c3:差了! c2:!$ c3:了!$"},
		{"差了", 1, "c1:差 c1:了"},
		{"", 3, ""},
	} {
		var got []string
		ngrams(c.text, c.maxN, func(n int, lead bool, gram string, trail bool, at int) {
			got = append(got, ngramName(n, lead, gram, trail))
			if c.text[at:at+len(gram)] != gram {
				t.Errorf("ngrams(%q): %q at byte %d is %q", c.text, gram, at, c.text[at:at+len(gram)])
			}
		})
		if s := strings.Join(got, " "); s != c.want {
			t.Errorf("ngrams(%q, %d) = %s, want %s", c.text, c.maxN, s, c.want)
		}
	}
}

// TestNgramNames checks that an n-gram's name in a model file parses back to the same n-gram and
// hash, for every n-gram of the labelled set: the loader and the analyser agree on every key.
func TestNgramNames(t *testing.T) {
	_, dev, test := shopSet(t)
	for _, e := range append(dev, test...) {
		ngrams(e.Text, maxNgram, func(n int, lead bool, gram string, trail bool, _ int) {
			name := ngramName(n, lead, gram, trail)
			n2, lead2, gram2, trail2, ok := parseNgramName(name)
			if !ok || n2 != n || lead2 != lead || gram2 != gram || trail2 != trail {
				t.Fatalf("%q: parsed as %d %v %q %v %v", name, n2, lead2, gram2, trail2, ok)
			}
			if ngramHash(n, lead, gram, trail) != ngramHash(n2, lead2, gram2, trail2) {
				t.Fatalf("%q: hash differs", name)
			}
		})
	}
}

func TestConfigString(t *testing.T) {
	c := TrainConfig{MaxN: 3, Lambda: 0.0003, Iterations: 10, Rate: 0.25, Without: GroupLexicon | GroupEmoji, StrongThreshold: 0.6, StrongLexicon: 2.5}
	got, err := parseConfig(c.String())
	if err != nil || got != c {
		t.Errorf("parseConfig(%q) = %+v, %v", c.String(), got, err)
	}
	if s := (TrainConfig{}).withDefaults().String(); s != "config ngram=2 lambda=0.001 iterations=300 rate=0.5 without= strong=0.5 lexstrong=0" {
		t.Errorf("defaults: %s", s)
	}
	// A model written before lexstrong existed reads as "never".
	if c, err := parseConfig("config ngram=2 lambda=0.01 iterations=300 rate=0.5 without= strong=0.4"); err != nil || c.StrongLexicon != 0 {
		t.Errorf("config without lexstrong: %+v, %v", c, err)
	}
	if _, err := parseConfig("config ngram=2 lexstrong=-1"); err == nil {
		t.Error("a negative lexstrong parsed")
	}
}
