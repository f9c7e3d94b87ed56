package train

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// A shop trained on kb.yaml alone has no dev split: its evaluation set was two thirds built-in
// out-of-scope examples, and all of it examples the parent trained on, which the gate's models
// continued from the parent kept by rote. Every batch was graded 1.0000 against a control of
// 1.0000, and the gate could not tell right corrections from wrong ones by what they did. With
// the built-in examples capped and the gate's models fitted afresh, right corrections (the
// sample shop's holdout labels) raise the accuracy on the held-out examples and are promoted,
// and a consistent wrong batch (its returns "corrected" to invoices) lowers it and is refused.
func TestLearnGateKnowledgeBaseAlone(t *testing.T) {
	shop := filepath.Join("..", "corpora", "shop")
	cfg := DefaultConfig()
	cfg.KB, cfg.DictDir = filepath.Join(shop, "kb.yaml"), filepath.Join(shop, "dict")
	cfg.Out, cfg.Progress = filepath.Join(t.TempDir(), "models", "kb"), io.Discard
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	eng, err := intent.Load(context.Background(), cfg.Out)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	evalSet, _, err := readEvalSet(cfg.Out, eng)
	if err != nil {
		t.Fatal(err)
	}
	builtin := len(evalSet) - len(without(evalSet, noneSeedLabels()))
	if share := float64(builtin) / float64(len(evalSet)); share > 0.11 {
		t.Errorf("%d of the %d evaluation messages are built-in out-of-scope examples (%.0f%%), want at most %.0f%%",
			builtin, len(evalSet), 100*share, 10.0)
	}

	f, err := os.Open(filepath.Join(shop, "holdout", "holdout_2026-11.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	labels := eng.Classifier().Labels()
	// The wrong batch is as consistent as the right one, each intent moved to the next: only
	// what it does to the evaluation set tells it from the right one.
	var right, wrong []Correction
	sc := bufio.NewScanner(f)
	for sc.Scan() && len(right) < 80 {
		var m struct{ Text, Intent string }
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		if i := slices.Index(labels, m.Intent); i >= 0 && m.Intent != intent.NoneIntent {
			right = append(right, Correction{Text: m.Text, Intent: m.Intent, Source: "feedback"})
			wrong = append(wrong, Correction{Text: m.Text, Intent: labels[(i+1)%len(labels)], Source: "feedback"})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}

	res, err := Learn(context.Background(), cfg.Out, filepath.Join(t.TempDir(), "right"), right, LearnConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("right: %s", res.Reason)
	if res.ControlAccuracy >= 1 {
		t.Errorf("the control gets the whole evaluation set right (%.4f): it is not held out of the models the gate judges", res.ControlAccuracy)
	}
	if !res.Promoted || res.CandidateAccuracy <= res.ControlAccuracy {
		t.Errorf("right corrections: promoted %v, accuracy %.4f against the control's %.4f; want promoted and higher", res.Promoted, res.CandidateAccuracy, res.ControlAccuracy)
	}
	res, err = Learn(context.Background(), cfg.Out, filepath.Join(t.TempDir(), "wrong"), wrong, LearnConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("wrong: %s", res.Reason)
	if res.Promoted || res.CandidateAccuracy >= res.ControlAccuracy {
		t.Errorf("each intent moved to the next: promoted %v, accuracy %.4f against the control's %.4f; want refused, and lower", res.Promoted, res.CandidateAccuracy, res.ControlAccuracy)
	}
}

// noneSeedLabels is the built-in out-of-scope examples as labelled messages.
func noneSeedLabels() []Labelled {
	var out []Labelled
	for _, t := range NoneSeeds() {
		out = append(out, Labelled{Text: t, Intent: intent.NoneIntent})
	}
	return out
}
