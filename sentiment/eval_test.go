package sentiment

import (
	"strings"
	"testing"
)

func TestParseExamples(t *testing.T) {
	src := `{"text":"这款会不会起球","sentiment":"neutral"}
{"text":"垃圾！！！","sentiment":"负面","strong":true,"note":"profanity"}

{"text":"充电宝冒烟了","sentiment":"urgent"}
{"text":"电话13812345678 急","sentiment":"urgent"}
{"text":"好的","sentiment":"中性"}
`
	ex, err := ParseExamples(strings.NewReader(src), "set.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if len(ex) != 5 {
		t.Fatalf("%d examples, want 5", len(ex))
	}
	e := ex[1]
	if e.Text != "垃圾!!!" || e.Raw != "垃圾！！！" || e.Tag != Negative || !e.Strong || e.Note != "profanity" || e.Line != 2 {
		t.Errorf("example 2 = %+v", e)
	}
	if ex[3].Text != "电话<PHONE> 急" || ex[3].Line != 5 {
		t.Errorf("personal data is masked as at serving time: %+v", ex[3])
	}
	dev, test := Split(ex)
	if len(test) != 1 || test[0].Line != 5 || len(dev) != 4 {
		t.Errorf("Split: dev %d, test %+v; want line 5 alone in test", len(dev), test)
	}
}

func TestParseExamplesErrors(t *testing.T) {
	for _, c := range []struct{ name, src, want string }{
		{"bad JSON", "{\"text\":\"a\",\"sentiment\":\"neutral\"}\n{\"text\":\n", "set.jsonl:2: "},
		{"unknown field", `{"text":"a","sentiment":"neutral","label":"x"}`, `set.jsonl:1: json: unknown field "label"`},
		{"unknown tag", `{"text":"a","sentiment":"angry"}`, `set.jsonl:1: sentiment: unknown tag "angry"`},
		{"strong urgent", `{"text":"a","sentiment":"urgent","strong":true}`, `set.jsonl:1: "strong" is only for negative messages`},
		{"empty text", `{"text":" ","sentiment":"neutral"}`, "set.jsonl:1: empty text"},
		{"empty file", "\n", "set.jsonl: no examples"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseExamples(strings.NewReader(c.src), "set.jsonl")
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("err = %v, want prefix %q", err, c.want)
			}
		})
	}
}

// TestLabelledSet checks the sample shop's set against what its README promises.
func TestLabelledSet(t *testing.T) {
	_, dev, test := shopSet(t)
	var all, inTest [numTags]int
	strong := 0
	seen := map[string]int{}
	for _, e := range append(append([]Example(nil), dev...), test...) {
		all[e.Tag]++
		if e.Strong {
			strong++
		}
		if at, dup := seen[e.Text]; dup {
			t.Errorf("line %d repeats line %d: %s", e.Line, at, e.Raw)
		}
		seen[e.Text] = e.Line
	}
	for _, e := range test {
		inTest[e.Tag]++
	}
	n := len(dev) + len(test)
	if n < 300 || len(test) != n/5 {
		t.Errorf("%d messages, %d in test; want ≥ 300 and every fifth", n, len(test))
	}
	for tag, c := range all {
		if c < 80 {
			t.Errorf("%s: %d messages, want ≥ 80", Tag(tag), c)
		}
	}
	t.Logf("%d messages (neutral %d, negative %d of which strong %d, urgent %d); test part %v", n, all[Neutral], all[Negative], strong, all[Urgent], inTest)
}

func TestMeasure(t *testing.T) {
	ex := []Example{{Tag: Neutral}, {Tag: Neutral}, {Tag: Negative}, {Tag: Negative, Strong: true}, {Tag: Urgent}}
	res := []Result{{Tag: Neutral}, {Tag: Negative}, {Tag: Negative}, {Tag: Negative, Strong: true}, {Tag: Negative, Strong: true}}
	m := Measure(ex, res)
	neg := m.Tags[Negative]
	if neg.Support != 2 || neg.Predicted != 4 || neg.Correct != 2 || neg.Precision != 0.5 || neg.Recall != 1 {
		t.Errorf("negative: %+v", neg)
	}
	if u := m.Tags[Urgent]; u.Recall != 0 || u.Precision != 0 || u.F1 != 0 {
		t.Errorf("urgent: %+v", u)
	}
	if h := m.Handoff; h.Support != 2 || h.Predicted != 2 || h.Correct != 2 {
		t.Errorf("handoff: %+v", h)
	}
	if m.Confusion[Urgent][Negative] != 1 || m.Accuracy != 0.6 {
		t.Errorf("confusion %v accuracy %v", m.Confusion, m.Accuracy)
	}
}

func TestCrossValidateFolds(t *testing.T) {
	lex, dev, _ := shopSet(t)
	if _, err := CrossValidate(dev[:3], lex, TrainConfig{}, 5); err == nil {
		t.Error("5 folds of 3 examples: no error")
	}
	res, err := CrossValidate(dev[:40], lex, TrainConfig{Iterations: 20}, 4)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Probs == ([numTags]float32{}) {
			t.Fatalf("example %d got no out-of-fold result", i)
		}
	}
}

func TestTune(t *testing.T) {
	lex, dev, _ := shopSet(t)
	grid := Grid{MaxN: []int{1, 2}, Lambda: []float64{0.01}, Without: []FeatureGroup{0}, Strong: []float64{0.4, 0.6},
		Base: TrainConfig{Iterations: 40}}
	cfg, trials, err := Tune(dev[:120], lex, grid, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(trials) != 4 {
		t.Fatalf("%d trials, want 2 configurations and 2 thresholds", len(trials))
	}
	best := trials[0]
	if trials[1].CV.MacroF1 > best.CV.MacroF1 {
		best = trials[1]
	}
	if cfg.MaxN != best.Config.MaxN || cfg.Iterations != 40 || (cfg.StrongThreshold != 0.4 && cfg.StrongThreshold != 0.6) {
		t.Errorf("chose %s from %+v", cfg, trials)
	}
}

// TestTuneStrongLexicon: the lexicon score is chosen with the strong threshold, on repeats of
// cross-validation pooled, and the chosen pair is the trial with the best handoff F1.
func TestTuneStrongLexicon(t *testing.T) {
	lex, dev, _ := shopSet(t)
	grid := Grid{MaxN: []int{2}, Lambda: []float64{0.01}, Without: []FeatureGroup{0}, Strong: []float64{0.5, 0.9},
		StrongLexicon: []float64{0, 2}, Repeats: 2, Base: TrainConfig{Iterations: 40}}
	cfg, trials, err := Tune(dev[:120], lex, grid, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(trials) != 1+4 {
		t.Fatalf("%d trials, want 1 configuration and 2 × 2 strong settings", len(trials))
	}
	if n := trials[0].CV.N; n != 2*120 {
		t.Errorf("a trial measures %d results, want the 2 repeats of 120 pooled", n)
	}
	best := trials[1]
	for _, tr := range trials[2:] {
		if tr.CV.Handoff.F1 > best.CV.Handoff.F1 {
			best = tr
		}
	}
	chosen := -1.0
	for _, tr := range trials[1:] {
		if tr.Config == cfg {
			chosen = tr.CV.Handoff.F1
		}
	}
	if chosen != best.CV.Handoff.F1 { // ties may go either way; the F1 may not
		t.Errorf("chose %s (handoff F1 %.3f), best %.3f at %s", cfg, chosen, best.CV.Handoff.F1, best.Config)
	}
	// The lexicon's word makes 气死 strong at lexstrong=2 whatever the Strength; not at 0.
	neg := []float32{2}
	res := []Result{{Tag: Negative, Strength: 0.1}}
	if !restrong(res, neg, 0.5, 2)[0].Strong || restrong(res, neg, 0.5, 0)[0].Strong {
		t.Error("restrong ignores the lexicon score")
	}
}
