package intent_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// withRanker copies the shared bundle, adds ranker (nil: none) and policy, reseals the manifest
// and loads it.
func withRanker(t *testing.T, ranker *intent.Classifier, p intent.Policy) (*intent.Engine, error) {
	t.Helper()
	dir := copyBundle(t)
	if ranker != nil {
		var b bytes.Buffer
		if _, err := ranker.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, intent.RankerFile), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, intent.PolicyFile), data, 0o644); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, intent.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	var m intent.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if err := intent.WriteManifest(dir, &m); err != nil {
		t.Fatal(err)
	}
	return intent.Load(context.Background(), dir)
}

// biasedRanker always ranks the labels in the order of bias, whatever the message says.
func biasedRanker(t *testing.T, labels []string, bias map[string]float32) *intent.Classifier {
	t.Helper()
	b := make([]float32, len(labels))
	for i, l := range labels {
		b[i] = bias[l]
	}
	c, err := intent.NewClassifier(labels, nil, nil, b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// With a ranker, the ranker orders the intents and the classifier's probabilities stay their
// confidences (a bundle from before RankerPolicy.Agreement): an intent the classifier finds
// unlikely is not answered alone.
func TestEngineRankerOrdersClassifierConfides(t *testing.T) {
	base := engine(t)
	ctx := context.Background()
	p := base.Policy()
	p.RetrievalGate, p.Fusion, p.Ranker = 0, intent.Fusion{Classifier: 1}, nil
	alone := base.WithPolicy(p)
	text := "怎么开发票"
	an := base.Analyzer().Analyze(text)
	probs := intent.Fuse(alone.Score(ctx, an), p.Fusion, p.Temperature, nil)
	labels := base.Classifier().Labels()
	idx := map[string]int{}
	for i, l := range labels {
		idx[l] = i
	}
	if r := alone.Classify(ctx, intent.Request{Text: text}); r.Intent != "invoice" {
		t.Fatalf("classifier alone: %q is %s, want invoice", text, r.Intent)
	}

	p.Ranker = &intent.RankerPolicy{Temperature: 1, Fusion: intent.Fusion{Classifier: 1}}
	e, err := withRanker(t, biasedRanker(t, labels, map[string]float32{"return_goods": 3, "shipping_time": 2}), p)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if e.Ranker() == nil {
		t.Fatal("Ranker() = nil with ranker.bin in the bundle")
	}
	r := e.Classify(ctx, intent.Request{Text: text})
	if r.Intent != "return_goods" || len(r.Candidates) < 2 || r.Candidates[1].Intent != "shipping_time" {
		t.Fatalf("with a ranker: %s, candidates %+v; want return_goods then shipping_time, the ranker's order", r.Intent, r.Candidates)
	}
	for _, c := range r.Candidates {
		if want := probs[idx[c.Intent]]; c.Confidence != float64(int64(want*1e4+0.5))/1e4 {
			t.Errorf("candidate %s confidence %v, want the classifier's probability %.4f", c.Intent, c.Confidence, want)
		}
	}
	if r.Route == intent.RouteAuto {
		t.Errorf("route auto at the classifier's confidence %v for the ranker's choice", r.Confidence)
	}

	// With Agreement, each candidate's confidence is the geometric mean of the two models'
	// probabilities of it, so the ranker's own doubt lowers it too.
	bias := map[string]float32{"return_goods": 3, "shipping_time": 2}
	rankerProbs := make([]float64, len(labels))
	sum := 0.0
	for i, l := range labels {
		rankerProbs[i] = math.Exp(float64(bias[l]))
		sum += rankerProbs[i]
	}
	p.Ranker.Agreement = true
	both, err := withRanker(t, biasedRanker(t, labels, bias), p)
	if err != nil {
		t.Fatal(err)
	}
	defer both.Close()
	rb := both.Classify(ctx, intent.Request{Text: text})
	if rb.Intent != "return_goods" {
		t.Fatalf("with agreement the ranker still orders: got %s", rb.Intent)
	}
	for _, c := range rb.Candidates {
		j := idx[c.Intent]
		if want := math.Sqrt(probs[j] * rankerProbs[j] / sum); math.Abs(c.Confidence-want) > 1e-4 {
			t.Errorf("with agreement, candidate %s confidence %v, want sqrt(classifier %.4f × ranker %.4f) = %.4f",
				c.Intent, c.Confidence, probs[j], rankerProbs[j]/sum, want)
		}
	}

	// Without Policy.Ranker the ranker is not used: the classifier orders, as before.
	p.Ranker = nil
	off, err := withRanker(t, biasedRanker(t, labels, map[string]float32{"return_goods": 3}), p)
	if err != nil {
		t.Fatal(err)
	}
	defer off.Close()
	if r := off.Classify(ctx, intent.Request{Text: text}); r.Intent != "invoice" {
		t.Errorf("policy without ranker: %s, want the classifier's invoice", r.Intent)
	}
}

func TestLoadRejectsRankerOfOtherIntents(t *testing.T) {
	p := engine(t).Policy()
	p.Ranker = &intent.RankerPolicy{Temperature: 1}
	_, err := withRanker(t, biasedRanker(t, []string{"a", "b"}, nil), p)
	if err == nil || !strings.Contains(err.Error(), intent.RankerFile) {
		t.Errorf("a ranker with other intents: error %v, want one naming %s", err, intent.RankerFile)
	}
}

// WithPriors moves the intent mix: an intent made rare loses the messages it barely won, and
// its confidence falls with its share; nil shares undo it.
func TestEngineWithPriors(t *testing.T) {
	base := engine(t)
	ctx := context.Background()
	text := "怎么开发票"
	before := base.Classify(ctx, intent.Request{Text: text})
	if before.Intent != "invoice" {
		t.Fatalf("%s: %s, want invoice", text, before.Intent)
	}
	p := base.Policy()
	if len(p.Priors) != len(base.Classifier().Labels()) {
		t.Fatalf("policy priors %v: want a share for each of %v", p.Priors, base.Classifier().Labels())
	}
	rare, err := base.WithPriors(map[string]float64{"invoice": p.Priors["invoice"] / 1e4})
	if err != nil {
		t.Fatal(err)
	}
	after := rare.Classify(ctx, intent.Request{Text: text})
	if after.Intent == "invoice" || after.Candidates[0].Confidence >= before.Confidence {
		t.Errorf("invoice 10⁴ times rarer: %s (%.4f), want another intent, less sure than %.4f", after.Intent, after.Confidence, before.Confidence)
	}
	same, err := rare.WithPriors(nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := same.Classify(ctx, intent.Request{Text: text}); r.Intent != before.Intent || r.Confidence != before.Confidence {
		t.Errorf("nil shares: %s (%.4f), want the training mix's %s (%.4f)", r.Intent, r.Confidence, before.Intent, before.Confidence)
	}
	for _, bad := range []float64{2, 0, -0.1} {
		if _, err := base.WithPriors(map[string]float64{"invoice": bad}); err == nil {
			t.Errorf("a share of %v accepted", bad)
		}
	}
	p.Priors = nil
	if _, err := base.WithPolicy(p).WithPriors(map[string]float64{"invoice": 0.5}); err == nil {
		t.Error("a bundle without training priors adapted")
	}
}
