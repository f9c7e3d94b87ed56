package nlp

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/sugarme/tokenizer/model/bpe"
)

// subwordDomainWords are the frequent words the synthetic corpus hides among random characters.
var subwordDomainWords = []string{"运费险", "七天无理由", "蓝牙耳机", "iphone15"}

// subwordNoiseCorpus returns lines of random CJK characters (from a block of 2000, so that no
// pair of them is frequent) with the domain words inserted, plus separators of every kind.
func subwordNoiseCorpus(seed uint64, lines int) []string {
	r := rand.New(rand.NewPCG(seed, 1))
	seps := []string{" ", "，", "。", "?", "！", "😀", "<PHONE>", "\t", "~"}
	noise := func(b *strings.Builder, max int) {
		for n := r.IntN(max + 1); n > 0; n-- {
			b.WriteRune(rune(0x4E00 + r.IntN(2000)))
		}
	}
	out := make([]string, lines)
	for i := range out {
		var b strings.Builder
		for c := 1 + r.IntN(3); c > 0; c-- {
			noise(&b, 5)
			b.WriteString(subwordDomainWords[r.IntN(len(subwordDomainWords))])
			noise(&b, 5)
			b.WriteString(seps[r.IntN(len(seps))])
		}
		out[i] = b.String()
	}
	return out
}

// subwordLexiconCorpus returns lines made of words from a synthetic Zipf-distributed lexicon
// (so that BPE finds thousands of merges, like on real chats), and a list of test messages:
// single spans of 10–30 characters drawn the same way with another seed.
func subwordLexiconCorpus(lines, messages int) (corpus, msgs []string) {
	r := rand.New(rand.NewPCG(7, 7))
	charZipf := rand.NewZipf(r, 1.1, 4, 1499)
	lexicon := make([]string, 4000)
	for i := range lexicon {
		var b strings.Builder
		for n := 2 + r.IntN(3); n > 0; n-- {
			b.WriteRune(rune(0x4E00 + 3*int(charZipf.Uint64())))
		}
		lexicon[i] = b.String()
	}
	clause := func(r *rand.Rand, z *rand.Zipf, minRunes, maxRunes int) string {
		var b strings.Builder
		n := 0
		for n < minRunes {
			w := lexicon[z.Uint64()]
			b.WriteString(w)
			n += utf8.RuneCountInString(w)
		}
		s := b.String()
		for utf8.RuneCountInString(s) > maxRunes {
			_, size := utf8.DecodeLastRuneInString(s)
			s = s[:len(s)-size]
		}
		return s
	}
	z := rand.NewZipf(r, 1.05, 2, uint64(len(lexicon)-1))
	corpus = make([]string, lines)
	for i := range corpus {
		var b strings.Builder
		for c := 1 + r.IntN(3); c > 0; c-- {
			b.WriteString(clause(r, z, 4+r.IntN(12), 40))
			b.WriteString([]string{"，", "。", " ", "？"}[r.IntN(4)])
		}
		corpus[i] = b.String()
	}
	r2 := rand.New(rand.NewPCG(8, 8))
	z2 := rand.NewZipf(r2, 1.05, 2, uint64(len(lexicon)-1))
	for range messages {
		msgs = append(msgs, clause(r2, z2, 10+r2.IntN(21), 30))
	}
	return corpus, msgs
}

// subwordTrained trains on texts into a new temporary directory and loads the model.
func subwordTrained(tb testing.TB, texts []string, vocabSize, minFreq int) (string, *Subword) {
	tb.Helper()
	dir := tb.TempDir()
	if err := TrainSubword(texts, vocabSize, minFreq, dir); err != nil {
		tb.Fatalf("TrainSubword: %v", err)
	}
	s, err := LoadSubword(dir)
	if err != nil {
		tb.Fatalf("LoadSubword: %v", err)
	}
	return dir, s
}

// subwordCheckUnits checks the invariants of Units' output for span: every unit is a substring
// of span of two or more runes, and the units appear in order without overlapping.
func subwordCheckUnits(t *testing.T, span string, units []string) {
	t.Helper()
	pos := 0
	for _, u := range units {
		if utf8.RuneCountInString(u) < 2 {
			t.Errorf("Units(%q): unit %q is shorter than two runes", span, u)
		}
		i := strings.Index(span[pos:], u)
		if i < 0 {
			t.Errorf("Units(%q) = %q: unit %q is not a substring in order", span, units, u)
			return
		}
		pos += i + len(u)
	}
}

func TestSubwordDomainWords(t *testing.T) {
	_, s := subwordTrained(t, subwordNoiseCorpus(1, 3000), 8000, 3)
	tests := []struct {
		span string
		want []string
	}{
		{"运费险", []string{"运费险"}},
		{"七天无理由", []string{"七天无理由"}},
		{"蓝牙耳机", []string{"蓝牙耳机"}},
		{"iphone15", []string{"iphone15"}},
		{"我想买运费险可以吗", []string{"运费险"}},
		{"蓝牙耳机七天无理由", []string{"蓝牙耳机", "七天无理由"}},
		{"运费险怎么买", []string{"运费险"}},
		{"一丁运费险七丄", []string{"运费险"}}, // known noise characters around it
		{"运", nil},
		{"", nil},
		{"怎么买", nil},
	}
	for _, tt := range tests {
		got := s.Units(tt.span, nil)
		if !slices.Equal(got, tt.want) {
			t.Errorf("Units(%q) = %q, want %q", tt.span, got, tt.want)
		}
	}

	// Units appends to dst.
	dst := s.Units("运费险", []string{"x"})
	if !slices.Equal(dst, []string{"x", "运费险"}) {
		t.Errorf("Units with dst = %q, want [x 运费险]", dst)
	}
}

func TestSubwordDeterministic(t *testing.T) {
	texts := subwordNoiseCorpus(2, 2000)
	corpus, _ := subwordLexiconCorpus(3000, 0)
	texts = append(texts, corpus...)
	shuffled := slices.Clone(texts)
	rand.New(rand.NewPCG(3, 3)).Shuffle(len(shuffled), func(i, j int) {
		shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
	})

	var want [2][]byte
	for run, in := range [][]string{texts, texts, shuffled} {
		dir := t.TempDir()
		if err := TrainSubword(in, 3000, 2, dir); err != nil {
			t.Fatal(err)
		}
		for i, name := range []string{SubwordVocabFile, SubwordMergesFile} {
			got, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			if run == 0 {
				want[i] = got
			} else if !bytes.Equal(got, want[i]) {
				t.Errorf("run %d: %s differs from the first run", run, name)
			}
		}
		// No temporary files are left behind.
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 {
			t.Errorf("run %d: dir holds %d entries, want 2", run, len(entries))
		}
	}
	if n := bytes.Count(want[1], []byte("\n")); n < 300 {
		t.Errorf("only %d merges learned; the test corpus should give many", n)
	}
}

// TestSubwordFileFormat checks the files against the format and against sugarme/tokenizer:
// the library loads them, and its MergeWord agrees with Units.
func TestSubwordFileFormat(t *testing.T) {
	corpus, msgs := subwordLexiconCorpus(5000, 500)
	dir, s := subwordTrained(t, corpus, 4000, 3)
	vocabPath, mergesPath := filepath.Join(dir, SubwordVocabFile), filepath.Join(dir, SubwordMergesFile)

	data, err := os.ReadFile(vocabPath)
	if err != nil {
		t.Fatal(err)
	}
	var vocab map[string]int
	if err := json.Unmarshal(data, &vocab); err != nil {
		t.Fatalf("vocab.json is not a JSON object of ids: %v", err)
	}
	if len(vocab) > 4000 {
		t.Errorf("vocabulary has %d tokens, want at most 4000", len(vocab))
	}
	ids := make([]bool, len(vocab))
	for tok, id := range vocab {
		if id < 0 || id >= len(ids) || ids[id] {
			t.Fatalf("token %q has id %d: ids are not 0..%d", tok, id, len(ids)-1)
		}
		ids[id] = true
	}
	merges, err := os.ReadFile(mergesPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(merges), "\n"), "\n")
	if !strings.HasPrefix(lines[0], "#version") {
		t.Errorf("merges.txt starts with %q, want a #version line", lines[0])
	}
	if len(lines) < 1000 {
		t.Errorf("merges.txt has %d lines, want many", len(lines))
	}

	lib, err := bpe.NewBpeFromFiles(vocabPath, mergesPath)
	if err != nil {
		t.Fatalf("sugarme/tokenizer cannot load the files: %v", err)
	}
	if got := len(*lib.Merges); got != len(lines)-1 {
		t.Errorf("library loaded %d merges, want %d", got, len(lines)-1)
	}
	checked := 0
	for _, msg := range msgs {
		// The library panics on unknown characters, and on a pair that occurs at overlapping
		// positions (一一一) it may merge the right one first, where standard BPE merges the
		// leftmost: compare only messages without either.
		comparable := true
		prev := rune(-1)
		for _, r := range msg {
			if _, ok := vocab[string(r)]; !ok || r == prev {
				comparable = false
			}
			prev = r
		}
		if !comparable {
			continue
		}
		var want []string
		for _, tok := range lib.WordToTokens(*lib.MergeWord(msg)) {
			if utf8.RuneCountInString(tok.Value) > 1 {
				want = append(want, tok.Value)
			}
		}
		if got := s.Units(msg, nil); !slices.Equal(got, want) {
			t.Errorf("Units(%q) = %q, library MergeWord gives %q", msg, got, want)
		}
		checked++
	}
	if checked < len(msgs)/4 {
		t.Errorf("compared only %d of %d messages with the library", checked, len(msgs))
	}
}

func TestSubwordTrainNoStdout(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	err = TrainSubword(subwordNoiseCorpus(4, 500), 8000, 3, t.TempDir())
	os.Stdout = stdout
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(r)
	r.Close()
	if len(out) > 0 {
		t.Errorf("TrainSubword printed to stdout: %q", out)
	}
}

func TestTrainSubwordErrors(t *testing.T) {
	texts := subwordNoiseCorpus(5, 50)
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		texts     []string
		vocabSize int
		dir       string
		wantIs    error
	}{
		{"zero vocabulary", texts, 0, t.TempDir(), nil},
		{"missing dir", texts, 100, filepath.Join(t.TempDir(), "nope"), fs.ErrNotExist},
		{"dir is a file", texts, 100, file, nil},
		{"no spans", []string{"", " ，。 ", "😀!"}, 100, t.TempDir(), nil},
		{"no texts", nil, 100, t.TempDir(), nil},
	}
	for _, tt := range tests {
		err := TrainSubword(tt.texts, tt.vocabSize, 3, tt.dir)
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
			t.Errorf("%s: error %v is not %v", tt.name, err, tt.wantIs)
		}
	}

	// Tiny inputs train fine; a vocabulary smaller than the alphabet means no merges.
	for _, in := range [][]string{{"a"}, {"ab"}, {"ab ab ab"}, {"\xff\xfe ab"}} {
		if _, s := subwordTrained(t, in, 1, 1); len(s.Units("ab", nil)) != 0 {
			t.Errorf("vocabulary size 1 on %q learned a merge", in)
		}
	}
	if _, s := subwordTrained(t, []string{"ab ab ab"}, 100, 1); !slices.Equal(s.Units("ab", nil), []string{"ab"}) {
		t.Errorf("vocabulary size 100 on \"ab ab ab\" did not learn ab")
	}
}

func TestSubwordLoadErrors(t *testing.T) {
	const vocab = `{"a":0,"b":1,"c":2,"ab":3,"abc":4}`
	const merges = "#version: 0.2\na b\nab c\n"
	tests := []struct {
		name     string
		vocab    *string // nil: file missing
		merges   *string
		wantFile string
		wantIs   error
	}{
		{"missing vocab", nil, subwordPtr(merges), SubwordVocabFile, fs.ErrNotExist},
		{"missing merges", subwordPtr(vocab), nil, SubwordMergesFile, fs.ErrNotExist},
		{"vocab not JSON", subwordPtr(`{"a":0,`), subwordPtr(merges), SubwordVocabFile, nil},
		{"vocab null", subwordPtr(`null`), subwordPtr(merges), SubwordVocabFile, nil},
		{"vocab array", subwordPtr(`["a","b"]`), subwordPtr(merges), SubwordVocabFile, nil},
		{"vocab string ids", subwordPtr(`{"a":"0"}`), subwordPtr(merges), SubwordVocabFile, nil},
		{"vocab negative id", subwordPtr(`{"a":-1}`), subwordPtr(""), SubwordVocabFile, nil},
		{"vocab id past 16 bits", subwordPtr(`{"a":0,"b":65536}`), subwordPtr(""), SubwordVocabFile, nil},
		{"vocab duplicate id", subwordPtr(`{"a":0,"b":0}`), subwordPtr(""), SubwordVocabFile, nil},
		{"vocab empty token", subwordPtr(`{"":0}`), subwordPtr(""), SubwordVocabFile, nil},
		{"merge of three parts", subwordPtr(vocab), subwordPtr("#version: 0.2\na b c\n"), SubwordMergesFile, nil},
		{"merge of one part", subwordPtr(vocab), subwordPtr("#version: 0.2\nab\n"), SubwordMergesFile, nil},
		{"blank merge line", subwordPtr(vocab), subwordPtr("#version: 0.2\na b\n\nab c\n"), SubwordMergesFile, nil},
		{"merge of unknown token", subwordPtr(vocab), subwordPtr("a x\n"), SubwordMergesFile, nil},
		{"merge result not in vocab", subwordPtr(vocab), subwordPtr("b c\n"), SubwordMergesFile, nil},
		{"binary merges", subwordPtr(vocab), subwordPtr("\x00\x01\x02"), SubwordMergesFile, nil},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		if tt.vocab != nil {
			if err := os.WriteFile(filepath.Join(dir, SubwordVocabFile), []byte(*tt.vocab), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if tt.merges != nil {
			if err := os.WriteFile(filepath.Join(dir, SubwordMergesFile), []byte(*tt.merges), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		s, err := LoadSubword(dir)
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		if s != nil {
			t.Errorf("%s: non-nil model with error", tt.name)
		}
		if !strings.Contains(err.Error(), tt.wantFile) {
			t.Errorf("%s: error %q does not name %s", tt.name, err, tt.wantFile)
		}
		if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
			t.Errorf("%s: error %v is not %v", tt.name, err, tt.wantIs)
		}
	}

	// The hand-written model loads and merges; the header line is optional.
	for _, m := range []string{merges, "a b\nab c", ""} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, SubwordVocabFile), []byte(vocab), 0o644)
		os.WriteFile(filepath.Join(dir, SubwordMergesFile), []byte(m), 0o644)
		s, err := LoadSubword(dir)
		if err != nil {
			t.Fatalf("merges %q: %v", m, err)
		}
		want := []string{"abc", "ab"}
		if m == "" {
			want = nil
		}
		if got := s.Units("abcxab", nil); !slices.Equal(got, want) {
			t.Errorf("merges %q: Units(abcxab) = %q, want %q", m, got, want)
		}
	}
}

func subwordPtr(s string) *string { return &s }

// subwordOddSpans are inputs Units must survive.
var subwordOddSpans = []string{
	"", "a", "运", "😀", "😀😀运费险😀", "\xff", "\xff运费险\xfe", "运\x00费险", "\u200b运费险",
	"\ufffd\ufffd", "运费险运费险运费险", "险险险险险", "iiiiiiiiiii", "<PHONE>", "运费险 七天无理由",
	"ＩＰＨＯＮＥ１５", "e\u0301e\u0301", "\U0010FFFF", strings.Repeat("运费险", 200),
	strings.Repeat("\xe8\xbf", 50), "运费" + strings.Repeat("险", 127) + "运费险",
}

func TestSubwordUnitsOddInput(t *testing.T) {
	_, s := subwordTrained(t, subwordNoiseCorpus(6, 1000), 8000, 3)
	for _, span := range subwordOddSpans {
		dst := []string{"keep"}
		got := s.Units(span, dst)
		if len(got) == 0 || got[0] != "keep" {
			t.Errorf("Units(%q) lost dst: %q", span, got)
			continue
		}
		subwordCheckUnits(t, span, got[1:])
		if direct := s.units(span, nil); !slices.Equal(direct, got[1:]) {
			t.Errorf("Units(%q) = %q, units = %q", span, got[1:], direct)
		}
	}
	if got := s.Units(strings.Repeat("运费险", 200), nil); len(got) < 190 {
		t.Errorf("long span gave %d units, want about 200", len(got))
	}

	// A nil or empty model yields nothing.
	var nilModel *Subword
	if got := nilModel.Units("运费险", nil); got != nil {
		t.Errorf("nil model: %q", got)
	}
	if got := (&Subword{}).Units("运费险", nil); got != nil {
		t.Errorf("empty model: %q", got)
	}
	// A model whose tables are inconsistent must not panic out of Units.
	bad := &Subword{chars: newSubwordMap(map[uint32]uint32{'a': 0, 'b': 1}), merges: newSubwordMap(map[uint32]uint32{subwordMergeKey(0, 1): 7})}
	if got := bad.Units("abab", []string{"keep"}); len(got) == 0 || got[0] != "keep" {
		t.Errorf("inconsistent model: %q", got)
	}
}

func TestSubwordConcurrent(t *testing.T) {
	_, s := subwordTrained(t, subwordNoiseCorpus(7, 2000), 8000, 3)
	spans := append(slices.Clone(subwordOddSpans), subwordNoiseCorpus(8, 200)...)
	want := make([][]string, len(spans))
	for i, span := range spans {
		want[i] = s.Units(span, nil)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			var dst []string
			for k := range 20 * len(spans) {
				i := (k + g) % len(spans)
				dst = s.Units(spans[i], dst[:0])
				if !slices.Equal(dst, want[i]) {
					t.Errorf("goroutine %d: Units(%q) = %q, want %q", g, spans[i], dst, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
}

func FuzzSubwordUnits(f *testing.F) {
	for _, span := range subwordOddSpans {
		f.Add(span)
	}
	for _, w := range subwordDomainWords {
		f.Add(w)
	}
	dir := f.TempDir()
	if err := TrainSubword(subwordNoiseCorpus(9, 1000), 8000, 3, dir); err != nil {
		f.Fatal(err)
	}
	s, err := LoadSubword(dir)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, span string) {
		got := s.units(span, nil) // without the recover, so that a panic fails the fuzzer
		subwordCheckUnits(t, span, got)
		if again := s.Units(span, nil); !slices.Equal(again, got) {
			t.Errorf("Units(%q) = %q, then %q", span, got, again)
		}
	})
}

// BenchmarkSubwordUnits measures one message (a span of 10–30 characters) per op: Units, and
// for comparison sugarme/tokenizer's BPE.MergeWord and BPE.Tokenize (cached) on the same model.
func BenchmarkSubwordUnits(b *testing.B) {
	corpus, msgs := subwordLexiconCorpus(20000, 512)
	dir, s := subwordTrained(b, corpus, 8000, 3)
	lib, err := bpe.NewBpeFromFiles(filepath.Join(dir, SubwordVocabFile), filepath.Join(dir, SubwordMergesFile))
	if err != nil {
		b.Fatal(err)
	}
	known := msgs[:0]
	units := 0
	for _, msg := range msgs {
		ok := true
		for _, r := range msg {
			if _, found := (*lib.Vocab)[string(r)]; !found {
				ok = false
			}
		}
		if ok {
			known = append(known, msg)
			units += len(s.Units(msg, nil))
		}
	}
	b.Logf("model: %d tokens, %d merges; %d messages, %.1f units each", len(*lib.Vocab), len(*lib.Merges), len(known), float64(units)/float64(len(known)))

	b.Run("Units", func(b *testing.B) {
		b.ReportAllocs()
		var dst [48]string
		i := 0
		for b.Loop() {
			s.Units(known[i%len(known)], dst[:0])
			i++
		}
	})
	b.Run("LibraryMergeWord", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			lib.WordToTokens(*lib.MergeWord(known[i%len(known)]))
			i++
		}
	})
	b.Run("LibraryTokenizeCached", func(b *testing.B) {
		b.ReportAllocs()
		for _, msg := range known {
			lib.Tokenize(msg) // fill the cache: every message is seen before
		}
		i := 0
		for b.Loop() {
			if _, err := lib.Tokenize(known[i%len(known)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}
