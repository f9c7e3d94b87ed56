package train

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// overconfident makes n two-label items whose logits always favour label 0 by gap, while label
// 0 is right only a share right of the time.
func overconfident(n int, gap float32, right float64) []scored {
	items := make([]scored, n)
	for i := range items {
		label := 1
		if float64(i) < right*float64(n) {
			label = 0
		}
		items[i] = scored{scores: intent.Scores{Logits: []float32{gap, 0}}, label: label}
	}
	return items
}

func TestFitTemperatureLowersNLL(t *testing.T) {
	classifierOnly := intent.Fusion{Classifier: 1}
	for _, tc := range []struct {
		name  string
		items []scored
		// the temperature that makes sigmoid(gap/T) equal to the share right
		want float64
	}{
		{"over-confident", overconfident(200, 8, 0.75), 8 / math.Log(3)},
		{"under-confident", overconfident(200, 0.5, 0.9), 0.5 / math.Log(9)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			temp := fitTemperature(tc.items)
			before, after := nll(tc.items, classifierOnly, 1), nll(tc.items, classifierOnly, temp)
			if !(after < before) {
				t.Errorf("temperature %.3f: dev NLL %.4f, not below %.4f at T=1", temp, after, before)
			}
			if math.Abs(temp-tc.want)/tc.want > 0.02 {
				t.Errorf("temperature %.4f, want ≈ %.4f", temp, tc.want)
			}
			// The fitted temperature is a minimum: nudging it either way does not help.
			for _, f := range []float64{0.9, 1.1} {
				if v := nll(tc.items, classifierOnly, temp*f); v < after-1e-9 {
					t.Errorf("NLL at T=%.3f is %.6f, below %.6f at the fitted T=%.3f", temp*f, v, after, temp)
				}
			}
		})
	}
	if temp := fitTemperature(nil); temp != 1 {
		t.Errorf("fitTemperature(no items) = %v, want 1", temp)
	}
}

// Temperature scaling must never change the decision, only the confidence.
func TestFuseKeepsOrderAtAnyTemperature(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		logits := make([]float32, 2+rng.IntN(8))
		for j := range logits {
			logits[j] = float32(rng.NormFloat64() * 4)
		}
		s := intent.Scores{Logits: logits}
		ref := intent.Fuse(s, intent.Fusion{}, 1, nil)
		for _, temp := range []float64{0.05, 0.3, 1, 2.5, 20} {
			for _, f := range []intent.Fusion{{}, {Classifier: 1}, {Classifier: 0.3, BM25Half: 5}} {
				p := intent.Fuse(s, f, temp, nil)
				sum := 0.0
				for _, v := range p {
					sum += v
				}
				if math.Abs(sum-1) > 1e-9 {
					t.Fatalf("Fuse(%v, %+v, T=%v) sums to %v", logits, f, temp, sum)
				}
				if argmax(p) != argmax(ref) {
					t.Fatalf("Fuse(%v, %+v, T=%v) = %v: argmax moved from %d to %d", logits, f, temp, p, argmax(ref), argmax(p))
				}
				for a := range logits {
					for b := range logits {
						if logits[a] > logits[b] && p[a] < p[b] {
							t.Fatalf("Fuse(%v, %+v, T=%v) = %v: label %d scores above %d but gets less probability", logits, f, temp, p, a, b)
						}
					}
				}
			}
		}
	}
}

// With two labels the confidence of the leader is a function of the logit gap alone, and it
// grows with the gap.
func TestConfidenceMonotoneInGap(t *testing.T) {
	for _, temp := range []float64{0.2, 1, 3.7} {
		prev := 0.0
		for gap := float32(0); gap <= 30; gap += 0.25 {
			p := intent.Fuse(intent.Scores{Logits: []float32{gap - 3, -3}}, intent.Fusion{Classifier: 1}, temp, nil)
			q := intent.Fuse(intent.Scores{Logits: []float32{gap + 5, 5}}, intent.Fusion{Classifier: 1}, temp, nil)
			if math.Abs(p[0]-q[0]) > 1e-6 {
				t.Errorf("T=%v gap %v: confidence %v or %v depending on the offset", temp, gap, p[0], q[0])
			}
			if p[0] < prev {
				t.Errorf("T=%v: confidence fell from %v to %v as the gap grew to %v", temp, prev, p[0], gap)
			}
			prev = p[0]
		}
		if prev < 0.99 {
			t.Errorf("T=%v: confidence %v at gap 30", temp, prev)
		}
	}
}

func preds(spec ...any) []prediction {
	var out []prediction
	for i := 0; i < len(spec); i += 2 {
		out = append(out, prediction{intent: "x", confidence: spec[i].(float64), correct: spec[i+1].(bool)})
	}
	return out
}

func TestThreshold(t *testing.T) {
	for _, tc := range []struct {
		name     string
		preds    []prediction
		target   float64
		minCount int
		want     float64
	}{
		// Cut at 0.9: 1/1; 0.8: 2/2; 0.7: 2/3; 0.6: 3/4; 0.5: 3/5.
		{"lowest qualifying cut", preds(0.5, false, 0.9, true, 0.7, false, 0.6, true, 0.8, true), 0.75, 1, 0.6},
		{"higher target", preds(0.5, false, 0.9, true, 0.7, false, 0.6, true, 0.8, true), 0.8, 1, 0.8},
		{"min count", preds(0.5, false, 0.9, true, 0.7, false, 0.6, true, 0.8, true), 0.75, 3, 0.6},
		{"min count unreachable", preds(0.5, false, 0.9, true, 0.7, false, 0.6, true, 0.8, true), 0.75, 6, 1.01},
		{"all right", preds(0.3, true, 0.2, true), 0.95, 1, 0.2},
		{"all wrong", preds(0.99, false, 0.98, false), 0.5, 1, 1.01},
		{"none", nil, 0.5, 1, 1.01},
		// Equal confidences cannot be split: at 0.8 the two predictions come together (1/2).
		{"ties", preds(0.8, true, 0.8, false, 0.9, true), 0.9, 1, 0.9},
		{"ties qualify together", preds(0.8, true, 0.8, true, 0.9, false), 0.6, 1, 0.8},
	} {
		if got := threshold(tc.preds, tc.target, tc.minCount); got != tc.want {
			t.Errorf("%s: threshold = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// threshold against its definition, on random predictions: the result is the lowest
// confidence whose cut reaches the target precision with enough predictions.
func TestThresholdMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 300 {
		var ps []prediction
		for range rng.IntN(40) {
			c := float64(rng.IntN(20)) / 20 // coarse, so ties are common
			ps = append(ps, prediction{confidence: c, correct: rng.Float64() < c+0.1})
		}
		target, minCount := 0.5+0.5*rng.Float64(), 1+rng.IntN(10)
		orig := slices.Clone(ps)
		got := threshold(ps, target, minCount)
		if !slices.Equal(ps, orig) {
			t.Fatal("threshold reordered its argument")
		}
		want := 1.01
		for _, p := range ps {
			n, right := 0, 0
			for _, q := range ps {
				if q.confidence >= p.confidence {
					n++
					if q.correct {
						right++
					}
				}
			}
			if n >= minCount && float64(right)/float64(n) >= target && p.confidence < want {
				want = p.confidence
			}
		}
		if got != want {
			t.Fatalf("threshold(%v, %.3f, %d) = %v, want %v", ps, target, minCount, got, want)
		}
	}
}

func TestChoosePolicy(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for round := range 100 {
		var ps []prediction
		for range 20 + rng.IntN(200) {
			name := []string{"a", "b", "c", intent.NoneIntent}[rng.IntN(4)]
			c := rng.Float64()
			ps = append(ps, prediction{intent: name, confidence: c, correct: rng.Float64() < c*(0.8+0.4*rng.Float64())})
		}
		p := intent.DefaultPolicy()
		target := 0.8 + 0.19*rng.Float64()
		choosePolicy(&p, ps, target, 40)
		if p.Auto < p.Suggest {
			t.Fatalf("round %d: auto %v below suggest %v", round, p.Auto, p.Suggest)
		}
		if p.Suggest > 0.5 || p.Suggest < 0 || p.Auto > 1.01 {
			t.Fatalf("round %d: auto %v, suggest %v out of range", round, p.Auto, p.Suggest)
		}
		if p.TargetPrecision != target {
			t.Fatalf("round %d: target precision %v, want %v", round, p.TargetPrecision, target)
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		for name, v := range p.AutoByIntent {
			if name == intent.NoneIntent || v < 0 || v > 1.01 {
				t.Fatalf("round %d: per-intent threshold %q = %v", round, name, v)
			}
		}
	}
}

func TestChoosePolicyPerIntent(t *testing.T) {
	var ps []prediction
	add := func(name string, n int, conf float64, correct bool) {
		for range n {
			ps = append(ps, prediction{intent: name, confidence: conf, correct: correct})
		}
	}
	// "easy" is right at 0.7 and above; "hard" is wrong at 0.7, 0.8 and three times at 0.9, and
	// only right at 0.95; "rare" has too few predictions for its own threshold; out-of-scope
	// predictions are ignored.
	add("easy", 40, 0.7, true)
	add("easy", 40, 0.9, true)
	add("hard", 20, 0.7, false)
	add("hard", 20, 0.8, false)
	add("hard", 3, 0.9, false)
	add("hard", 40, 0.95, true)
	add("rare", 5, 0.3, true)
	add(intent.NoneIntent, 50, 0.99, false)
	p := intent.DefaultPolicy()
	choosePolicy(&p, ps, 0.95, 40)
	// Globally, cutting at 0.9 gives 80/83 right and 0.8 gives 80/103: auto is 0.9, where "hard"
	// is 40/43 (shrunk toward all intents': under 0.95). Its bar is 0.95 on most resamples of
	// its predictions and 0.9 on those that draw few of its misses there: between the two.
	if p.Auto != 0.9 {
		t.Errorf("auto = %v, want 0.9", p.Auto)
	}
	// "easy" would reach the target at 0.7 on its own, but an intent's threshold only raises
	// the bar: it keeps the global one.
	if hard, ok := p.AutoByIntent["hard"]; len(p.AutoByIntent) != 1 || !ok || hard <= 0.92 || hard > 0.95 {
		t.Errorf("per-intent thresholds %v, want hard's alone, in (0.92, 0.95]", p.AutoByIntent)
	}
	if got := p.AutoThreshold("easy"); got != p.Auto {
		t.Errorf("easy intent threshold %v, want the global %v", got, p.Auto)
	}
	if p.Suggest > p.Auto || p.Suggest > 0.5 {
		t.Errorf("suggest %v (auto %v)", p.Suggest, p.Auto)
	}
	if got := p.AutoThreshold("rare"); got != p.Auto {
		t.Errorf("rare intent threshold %v, want the global %v", got, p.Auto)
	}

	// Nothing reaches the target: nothing is answered automatically.
	p = intent.DefaultPolicy()
	choosePolicy(&p, preds(0.9, false, 0.8, false), 0.95, 40)
	if p.Auto != 1.01 || p.AutoByIntent != nil {
		t.Errorf("with no precise cut: auto %v, per intent %v; want 1.01 and none", p.Auto, p.AutoByIntent)
	}

	// Overall dev never reaches the target, though one intent's own 40 would: it is not
	// answered alone either (an intent's threshold only raises the bar).
	ps = nil
	add("easy", 40, 0.9, true)
	add("hard", 60, 0.95, false)
	p = intent.DefaultPolicy()
	choosePolicy(&p, ps, 0.95, 40)
	if p.Auto != 1.01 || p.AutoThreshold("easy") != 1.01 {
		t.Errorf("overall never precise: auto %v, easy %v; want 1.01 for both", p.Auto, p.AutoThreshold("easy"))
	}
}

// An intent with few confident predictions, a few of them wrong, gets a raised bar rather than
// none: its precision is shrunk toward all intents' (intentThreshold). Only its precision at and
// above the global bar counts: many right answers below it do not vouch for wrong ones above.
func TestIntentThresholdShrinks(t *testing.T) {
	var all []prediction
	add := func(ps *[]prediction, n int, conf float64, correct bool) {
		for range n {
			*ps = append(*ps, prediction{intent: "x", confidence: conf, correct: correct})
		}
	}
	add(&all, 200, 0.95, true) // all intents: right at 0.95, 9 in 10 at 0.8
	add(&all, 90, 0.8, true)
	add(&all, 10, 0.8, false)
	curve := newPrecisionCurve(all)
	const auto = 0.8 // all intents reach 0.95 at 0.8: 290 of 300
	tests := []struct {
		name string
		own  func(*[]prediction)
		want float64
	}{
		{"3 of 18 wrong at 0.8, right above: from 0.95", func(ps *[]prediction) {
			add(ps, 12, 0.95, true)
			add(ps, 3, 0.8, true)
			add(ps, 3, 0.8, false)
		}, 0.95},
		{"right everywhere: the global bar", func(ps *[]prediction) {
			add(ps, 10, 0.95, true)
			add(ps, 10, 0.6, true)
		}, auto},
		{"right, all far above the bar: its lowest", func(ps *[]prediction) {
			add(ps, 20, 0.95, true)
		}, 0.95},
		{"3 of 4 right, too few of its own: never", func(ps *[]prediction) {
			add(ps, 3, 0.99, true)
			add(ps, 1, 0.99, false)
		}, 1.01},
		{"wrong at the top as well: never", func(ps *[]prediction) {
			add(ps, 10, 0.95, false)
			add(ps, 10, 0.8, true)
		}, 1.01},
		{"right on 300 below the bar, half wrong at it: never", func(ps *[]prediction) {
			add(ps, 5, 0.9, true)
			add(ps, 5, 0.9, false)
			add(ps, 300, 0.3, true)
		}, 1.01},
		{"wrong wherever dev saw it, below the bar: never", func(ps *[]prediction) {
			add(ps, 40, 0.5, false)
		}, 1.01},
	}
	for _, tt := range tests {
		var own []prediction
		tt.own(&own)
		if got := intentThreshold(own, curve, 0.95, 20, auto); got != tt.want {
			t.Errorf("%s: threshold %v, want %v", tt.name, got, tt.want)
		}
	}
}

// choosePolicy gives an intent whose predictions at the global bar fall short a bar of its own,
// however many of its unsure predictions are right.
func TestChoosePolicyJudgesIntentsAtTheBar(t *testing.T) {
	var preds []prediction
	add := func(name string, n int, conf float64, correct bool) {
		for range n {
			preds = append(preds, prediction{intent: name, confidence: conf, correct: correct})
		}
	}
	add("y", 200, 0.95, true)
	add("y", 200, 0.30, false)
	add("x", 5, 0.90, true)
	add("x", 5, 0.90, false)
	add("x", 300, 0.30, true)
	var p intent.Policy
	choosePolicy(&p, preds, 0.95, 40)
	if p.Auto > 0.9 {
		t.Fatalf("global bar %v, want x's confident predictions at or above it", p.Auto)
	}
	if bar := p.AutoThreshold("x"); bar <= 0.9 {
		t.Errorf("x answered alone from %v, where 5 of its 10 predictions are right", bar)
	}
	// y is right at 0.95 and wrong far below: its bar is its lowest confident prediction
	if bar := p.AutoThreshold("y"); bar != 0.95 {
		t.Errorf("y's bar %v, want 0.95", bar)
	}
}

// The thresholds are chosen again on dev as served: a dev message that continues a conversation
// counts with its decision in context instead of its decision alone, and the others alone.
func TestServedThresholds(t *testing.T) {
	r := run{sum: &Summary{}}
	r.prog = io.Discard
	r.cfg.TargetPrecision = 0.95
	r.policy = intent.DefaultPolicy()
	for i := range 40 { // alone, "到哪了" looks like a confident tracking question, and is not one
		r.devPreds = append(r.devPreds,
			devPrediction{text: "到哪了", prediction: prediction{intent: "track", confidence: 0.97, correct: false}},
			devPrediction{text: fmt.Sprintf("快递到哪了 %d", i), prediction: prediction{intent: "track", confidence: 0.9, correct: true}})
	}
	choosePolicy(&r.policy, func() (ps []prediction) {
		for _, d := range r.devPreds {
			ps = append(ps, d.prediction)
		}
		return ps
	}(), 0.95, 40)
	if r.policy.Auto != 1.01 {
		t.Fatalf("alone: auto %v, want 1.01 (the confident misses)", r.policy.Auto)
	}
	// in their conversations (after a refund question) the 40 are decided right
	var served []devPrediction
	for range 40 {
		served = append(served, devPrediction{text: "到哪了", prediction: prediction{intent: "refund", confidence: 0.96, correct: true}})
	}
	r.servedThresholds(served)
	if r.policy.Auto != 0.9 {
		t.Errorf("as served: auto %v, want 0.9 (80 right, the served decisions replacing the same messages alone)", r.policy.Auto)
	}
	if r.sum.Policy.Auto != r.policy.Auto {
		t.Error("the summary does not record the policy chosen as served")
	}
}

// An intent's bar is the mean over bootstrap resamples (baggedIntentThreshold): where one more
// confident miss flips the one-split bar from a cut to never, the bagged one moves a little,
// and it is the same on the same data.
func TestBaggedIntentThresholdIsStable(t *testing.T) {
	var all []prediction
	for range 300 {
		all = append(all, prediction{intent: "x", confidence: 0.9, correct: true})
	}
	curve := newPrecisionCurve(all)
	const auto, target, prior = 0.8, 0.95, 20
	intentWith := func(misses int) []prediction {
		var ps []prediction
		for range 30 {
			ps = append(ps, prediction{intent: "x", confidence: 0.95, correct: true})
		}
		for range misses {
			ps = append(ps, prediction{intent: "x", confidence: 0.95, correct: false})
		}
		for range 20 {
			ps = append(ps, prediction{intent: "x", confidence: 0.85, correct: false})
		}
		return ps
	}
	// find the knife edge: one miss more turns the one-split bar from 0.95 to never
	edge := -1
	for m := range 10 {
		if intentThreshold(intentWith(m), curve, target, prior, auto) == 0.95 &&
			intentThreshold(intentWith(m+1), curve, target, prior, auto) == 1.01 {
			edge = m
			break
		}
	}
	if edge < 0 {
		t.Fatal("no knife edge in the setup")
	}
	before := baggedIntentThreshold("x", intentWith(edge), curve, target, prior, auto)
	after := baggedIntentThreshold("x", intentWith(edge+1), curve, target, prior, auto)
	t.Logf("edge %d: bagged bar %.4f → %.4f", edge, before, after)
	if d := after - before; d < 0 || d > 0.03 {
		t.Errorf("one more miss moved the bagged bar %.4f → %.4f (the one-split bar: 0.95 → never)", before, after)
	}
	if again := baggedIntentThreshold("x", intentWith(edge), curve, target, prior, auto); again != before {
		t.Errorf("the same data gave %v, then %v", before, again)
	}
}
