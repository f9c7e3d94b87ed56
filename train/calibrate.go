package train

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// scored is one dev example with everything the ranker sees.
type scored struct {
	scores intent.Scores
	label  int
}

// nll is the mean negative log-likelihood of the gold labels under fusion f and temperature t.
func nll(items []scored, f intent.Fusion, t float64) float64 {
	var buf []float64
	sum := 0.0
	for _, it := range items {
		buf = intent.Fuse(it.scores, f, t, buf[:0])
		sum -= math.Log(max(buf[it.label], 1e-12))
	}
	return sum / float64(len(items))
}

// FitTemperature finds the temperature that minimises dev log-loss (temperature scaling): a
// golden-section search over log T in [0.05, 20].
func fitTemperature(items []scored) float64 {
	if len(items) == 0 {
		return 1
	}
	f := func(logT float64) float64 { return nll(items, intent.Fusion{Classifier: 1}, math.Exp(logT)) }
	return math.Exp(goldenMin(f, math.Log(0.05), math.Log(20), 40))
}

func goldenMin(f func(float64) float64, a, b float64, iters int) float64 {
	const g = 0.6180339887498949
	c, d := b-g*(b-a), a+g*(b-a)
	fc, fd := f(c), f(d)
	for range iters {
		if fc < fd {
			b, d, fd = d, c, fc
			c = b - g*(b-a)
			fc = f(c)
		} else {
			a, c, fc = c, d, fd
			d = a + g*(b-a)
			fd = f(d)
		}
	}
	return (a + b) / 2
}

// fitFusion chooses the ranker's weights by coordinate descent on dev log-loss plus a small
// penalty on the evidence weights, starting from the calibrated classifier alone. Weights stay in
// sane bounds so a small dev split cannot push them to extremes, and fusion is switched off when
// it does not at least match the classifier alone in dev accuracy.
func fitFusion(items []scored, t float64) intent.Fusion {
	alone := intent.Fusion{Classifier: 1, BM25Half: 5}
	if len(items) == 0 {
		return alone
	}
	f := alone
	const penalty = 0.01
	loss := func(f intent.Fusion) float64 {
		return nll(items, f, t) + penalty*(f.BM25*f.BM25+f.Agree*f.Agree+f.Overlap*f.Overlap)
	}
	type param struct {
		v      *float64
		lo, hi float64
	}
	params := []param{{&f.Classifier, 0.1, 5}, {&f.BM25, 0, 5}, {&f.Agree, 0, 5}, {&f.Overlap, 0, 5}, {&f.BM25Half, 0.5, 50}}
	best := loss(f)
	for _, step := range []float64{2, 1, 0.5, 0.25, 0.1} {
		for improved := true; improved; {
			improved = false
			for _, p := range params {
				for _, dir := range []float64{1, -1} {
					old := *p.v
					*p.v = min(p.hi, max(p.lo, old+dir*step))
					if *p.v == old {
						continue
					}
					if v := loss(f); v < best-1e-6 {
						best, improved = v, true
					} else {
						*p.v = old
					}
				}
			}
		}
	}
	if fusedAccuracy(items, f, t) < fusedAccuracy(items, alone, t) {
		return alone
	}
	return f
}

// fitRanker calibrates the ranker on the items' ranker logits and evidence as the classifier is:
// temperature, then fusion. Nil without a ranker.
func fitRanker(items []scored) *intent.RankerPolicy {
	if len(items) == 0 || items[0].scores.Ranker == nil {
		return nil
	}
	ranked := rankedItems(items)
	t := fitTemperature(ranked)
	return &intent.RankerPolicy{Temperature: t, Fusion: fitFusion(ranked, t), Agreement: true}
}

// rankedItems returns the items scored as the ranker sees them (Scores.Ranked).
func rankedItems(items []scored) []scored {
	out := make([]scored, len(items))
	for i, it := range items {
		out[i] = scored{scores: it.scores.Ranked(), label: it.label}
	}
	return out
}

func fusedAccuracy(items []scored, f intent.Fusion, t float64) float64 {
	var buf []float64
	right := 0
	for _, it := range items {
		buf = intent.Fuse(it.scores, f, t, buf[:0])
		if argmax(buf) == it.label {
			right++
		}
	}
	return float64(right) / float64(len(items))
}

// prediction is one dev decision, for choosing thresholds.
type prediction struct {
	intent     string
	confidence float64
	correct    bool
}

// threshold returns the lowest confidence t such that the predictions at or above t are right at
// least target of the time, with at least minCount of them; 1.01 (never) when none qualifies.
func threshold(preds []prediction, target float64, minCount int) float64 {
	sorted := append([]prediction(nil), preds...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].confidence > sorted[j].confidence })
	best := 1.01
	right := 0
	for i, p := range sorted {
		if p.correct {
			right++
		}
		n := i + 1
		// Only cut between distinct confidences.
		if i+1 < len(sorted) && sorted[i+1].confidence == p.confidence {
			continue
		}
		if n >= minCount && float64(right)/float64(n) >= target {
			best = p.confidence
		}
	}
	return best
}

// precisionCurve is the precision of a set of predictions at or above each confidence.
type precisionCurve struct {
	conf  []float64 // descending
	right []int     // right[i]: right among the predictions at or above conf[i]
}

func newPrecisionCurve(preds []prediction) precisionCurve {
	sorted := append([]prediction(nil), preds...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].confidence > sorted[j].confidence })
	c := precisionCurve{conf: make([]float64, len(sorted)), right: make([]int, len(sorted))}
	right := 0
	for i, p := range sorted {
		if p.correct {
			right++
		}
		c.conf[i], c.right[i] = p.confidence, right
	}
	return c
}

// at returns the precision of the predictions at or above t (1 when there are none).
func (c precisionCurve) at(t float64) float64 {
	n := sort.Search(len(c.conf), func(i int) bool { return c.conf[i] < t })
	if n == 0 {
		return 1
	}
	return float64(c.right[n-1]) / float64(n)
}

// intentThreshold returns the bar one intent needs given the global one (auto). Its precision at
// a cut t is that of its predictions at or above t, shrunk toward all intents' precision at t
// (all) by prior predictions' worth; a cut qualifies when that reaches target with at least
// prior/2 of its own above it (a prior cannot vouch for three or four). The bar is the lowest
// qualifying cut when that is above auto (1.01, never, when none qualifies). When it is at or
// below auto, the intent keeps auto — if it also holds at auto: one right on hundreds of unsure
// messages and wrong on half of its confident ones qualified at a low cut and was answered at
// auto (a statistician's review); it gets the lowest qualifying cut above auto instead, or never.
//
// A bar above auto may be the intent's lowest confident dev prediction when none lies between
// them: it is not answered alone where dev never saw it. Taking auto there instead (an intent
// judged at auto alone) cost SMP2017 → CAIS automatic precision 0.90 → 0.85 (docs/benchmarks.md,
// twenty-fifth session). An intent has a few dozen dev predictions: required to reach target on
// twenty of its own, one with eighteen confident ones, three of them ambiguous in their
// conversation, was never answered alone (product_info on the sample shop, right on all 16 of
// the holdout's confident ones).
func intentThreshold(list []prediction, all precisionCurve, target, prior, auto float64) float64 {
	own := newPrecisionCurve(list)
	qualifies := func(i int) bool { // the cut at own.conf[i]: its predictions 0..i
		if i+1 < len(own.conf) && own.conf[i+1] == own.conf[i] {
			return false // only cut between distinct confidences
		}
		n := float64(i + 1)
		return n >= prior/2 && (float64(own.right[i])+prior*all.at(own.conf[i]))/(n+prior) >= target
	}
	lowest := func(from, to int) float64 { // the lowest qualifying cut among own.conf[from:to]
		best := 1.01
		for i := from; i < to; i++ {
			if qualifies(i) {
				best = own.conf[i]
			}
		}
		return best
	}
	if best := lowest(0, len(own.conf)); best > auto {
		return best
	}
	atAuto := sort.Search(len(own.conf), func(i int) bool { return own.conf[i] < auto }) // own predictions at or above auto
	right := 0
	if atAuto > 0 {
		right = own.right[atAuto-1]
	}
	if (float64(right)+prior*all.at(auto))/(float64(atAuto)+prior) >= target {
		return auto
	}
	return lowest(0, atAuto)
}

// barResamples is how many bootstrap resamples of an intent's dev predictions its bar is the
// mean of.
const barResamples = 200

// baggedIntentThreshold is intentThreshold averaged over bootstrap resamples of the intent's
// predictions. On one split the bar jumps between its lowest qualifying cut and never when one
// or two predictions change (return_goods on the sample shop's chats went from 0.944 to never
// when two built-in examples were left out of training); the mean moves with the share of
// resamples that qualify, so a borderline intent is answered only where it is most confident.
// Each intent's resamples are seeded by its name: the same data gives the same bars.
func baggedIntentThreshold(name string, list []prediction, all precisionCurve, target, prior, auto float64) float64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	rng := rand.New(rand.NewPCG(h.Sum64(), uint64(len(list))))
	sample := make([]prediction, len(list))
	sum, lo, hi := 0.0, math.Inf(1), math.Inf(-1)
	for range barResamples {
		for i := range sample {
			sample[i] = list[rng.IntN(len(list))]
		}
		t := intentThreshold(sample, all, target, prior, auto)
		sum, lo, hi = sum+t, min(lo, t), max(hi, t)
	}
	if lo == hi {
		return lo // every resample agrees: that bar, without the sum's rounding (auto stays auto)
	}
	return sum / barResamples
}

// choosePolicy sets the auto and suggest thresholds from dev predictions: auto where precision
// reaches target, and a stricter one for an intent whose perIntentMin or more dev predictions
// say it needs one. An intent's own threshold only ever raises the bar: chosen on a few dozen
// predictions, a lower one (0.19 for return_goods on the sample shop's September dev) answered
// the next month's messages at 0.930 precision where the raised ones alone gave 0.961
// (docs/benchmarks.md, eleventh session). Raising only costs answers, lowering costs wrong ones.
// So when dev never reaches target overall (auto 1.01), no intent is answered alone, however
// good its own few predictions look. An intent's precision is shrunk toward all intents' by
// perIntentMin/2 predictions' worth (intentThreshold), so that a handful of ambiguous messages
// raise its bar without closing it.
func choosePolicy(p *intent.Policy, preds []prediction, target float64, perIntentMin int) {
	var inScope []prediction
	byIntent := map[string][]prediction{}
	for _, pr := range preds {
		if pr.intent == intent.NoneIntent {
			continue
		}
		inScope = append(inScope, pr)
		byIntent[pr.intent] = append(byIntent[pr.intent], pr)
	}
	p.TargetPrecision = target
	p.Auto = threshold(inScope, target, 20)
	p.Suggest = min(threshold(inScope, 0.6, 20), p.Auto)
	if p.Suggest > 0.5 {
		p.Suggest = 0.5 // show the agent something whenever the model has a fair guess
	}
	p.AutoByIntent = map[string]float64{}
	all := newPrecisionCurve(inScope)
	for name, list := range byIntent {
		if len(list) < perIntentMin {
			continue
		}
		if t := baggedIntentThreshold(name, list, all, target, float64(perIntentMin/2), p.Auto); t > p.Auto {
			p.AutoByIntent[name] = t
		}
	}
	if len(p.AutoByIntent) == 0 {
		p.AutoByIntent = nil
	}
}

// gateCandidates are the retrieval gates training tries, most skipping first.
var gateCandidates = []float64{0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99}

// chooseGate picks the lowest retrieval gate (so the most messages skip retrieval) whose fused
// dev accuracy stays within tolerance of always retrieving. It returns 0 (always retrieve) when
// no gate qualifies, and the items with evidence removed where the gate skips retrieval.
func chooseGate(items []scored, f intent.Fusion, t, tolerance float64) (float64, []scored) {
	if len(items) == 0 || f.IsZero() {
		return 0, items
	}
	always := fusedAccuracy(items, f, t)
	for _, g := range gateCandidates {
		gated := applyGate(items, g, t)
		if fusedAccuracy(gated, f, t) >= always-tolerance {
			return g, gated
		}
	}
	return 0, items
}

func applyGate(items []scored, g, t float64) []scored {
	out := make([]scored, len(items))
	for i, it := range items {
		out[i] = it
		if intent.TopProb(it.scores.Logits, t) >= g {
			out[i].scores.Evidence = nil
		}
	}
	return out
}
