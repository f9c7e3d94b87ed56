package intent

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

// The intent mix: a model's probabilities assume the mix of intents it was trained on
// (Policy.Priors). When the traffic's mix moves — a 双11 week of logistics questions — the
// probabilities can be moved with it without retraining: estimate the new mix from the model's
// own probabilities (EstimatePriors) and rescale by it (WithPriors, or a live Mix).

// EstimatePriors re-estimates the intent mix of a set of messages from a model's probabilities on
// them, by expectation–maximisation (Saerens, Latinne and Decaestecker 2002): starting from the
// mix the model was trained on, each round rescales every message's probabilities by the ratio
// of the current estimate to the training mix, and takes their mean as the next estimate. shrink
// adds that many pseudo-messages at the training mix to every round's mean (a Dirichlet prior:
// a few hundred messages over dozens of intents cannot tell a rare intent's share from zero, and
// a share driven to zero stops the model from ever answering it); 0 is plain EM. It stops when
// no share moves by more than 1e-6, or after 200 rounds, and returns the estimate and the rounds
// run.
func EstimatePriors(probs [][]float64, trained []float64, shrink float64) ([]float64, int) {
	k := len(trained)
	est := append([]float64(nil), trained...)
	if len(probs) == 0 {
		return est, 0
	}
	next := make([]float64, k)
	adj := make([]float64, k)
	ratio := make([]float64, k)
	n := float64(len(probs)) + shrink
	for round := 1; round <= 200; round++ {
		for j := range ratio {
			ratio[j] = est[j] / trained[j]
		}
		for j := range next {
			next[j] = shrink * trained[j]
		}
		for _, p := range probs {
			copy(adj, p)
			AdjustPriors(adj, ratio)
			for j, v := range adj {
				next[j] += v
			}
		}
		moved := 0.0
		for j := range next {
			next[j] /= n
			moved = math.Max(moved, math.Abs(next[j]-est[j]))
		}
		est, next = next, est
		if moved <= 1e-6 {
			return est, round
		}
	}
	return est, 200
}

// AdjustPriors rescales probabilities in place for another intent mix: each by its intent's
// ratio of new to training prior, then renormalised (Bayes' rule with the likelihoods kept).
func AdjustPriors(probs, ratio []float64) {
	sum := 0.0
	for j := range probs {
		probs[j] *= ratio[j]
		sum += probs[j]
	}
	if sum > 0 {
		for j := range probs {
			probs[j] /= sum
		}
	}
}

// trainedMix is the bundle's training mix in label order.
func (e *Engine) trainedMix() ([]float64, error) {
	if e.policy.Priors == nil {
		return nil, errors.New("the bundle records no training intent mix (policy priors): train it again")
	}
	labels := e.clf.Labels()
	trained := make([]float64, len(labels))
	for j, l := range labels {
		v, ok := e.policy.Priors[l]
		if !ok {
			return nil, fmt.Errorf("the bundle's training intent mix lacks %s", l)
		}
		trained[j] = v
	}
	return trained, nil
}

// AdaptPriors estimates the intent mix of texts from the engine's own calibrated probabilities
// on them as a live Mix with cfg does from its window (the same messages count: those with
// words; the same shrink and bounds; no minimum count), and returns the engine deciding for that
// mix (WithPriors), and the mix. It learns nothing from labels: it is what serving does with its
// traffic, over a whole set at once.
func (e *Engine) AdaptPriors(ctx context.Context, texts []string, cfg MixConfig) (*Engine, map[string]float64, error) {
	trained, err := e.trainedMix()
	if err != nil {
		return nil, nil, fmt.Errorf("adapt priors: %w", err)
	}
	cfg.defaults()
	probs := make([][]float64, 0, len(texts))
	for _, t := range texts {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		if an := e.an.Analyze(t); observable(an) {
			probs = append(probs, Fuse(e.Score(ctx, an), e.policy.Fusion, e.policy.Temperature, nil))
		}
	}
	est := cfg.estimate(probs, trained)
	mix := e.mixOf(est)
	adapted, err := e.WithPriors(mix)
	return adapted, mix, err
}

// observable reports whether a message counts toward the intent mix: one with words (or masked
// personal data) to understand. Punctuation or a lone emoji says nothing of the mix.
func observable(an nlp.Analysis) bool { return len(an.Terms) > 0 || an.Masked != 0 }

func (e *Engine) mixOf(shares []float64) map[string]float64 {
	mix := make(map[string]float64, len(shares))
	for j, l := range e.clf.Labels() {
		mix[l] = shares[j]
	}
	return mix
}

// MixConfig configures how the intent mix is estimated (a live Mix, AdaptPriors). Zero fields
// take the defaults.
type MixConfig struct {
	// Window is how many of the latest messages a live Mix estimates from (default 2000).
	Window int
	// MinMessages is how many messages a live Mix must have seen before it moves (default 300).
	MinMessages int
	// Shrink is EstimatePriors' pseudo-messages at the training mix (default DefaultMixShrink;
	// negative: none, plain EM).
	Shrink float64
	// MaxRatio bounds each intent's move: its share stays within MaxRatio times and 1/MaxRatio
	// of its training share, so a surge of one intent cannot push the others out (default
	// DefaultMixMaxRatio; negative: unbounded).
	MaxRatio float64
}

// The defaults of MixConfig, chosen on the drift suite's cases that are not the holdout or the
// stress set (docs/benchmarks.md).
const (
	DefaultMixShrink   = 1000
	DefaultMixMaxRatio = 3
)

func (c *MixConfig) defaults() {
	if c.Window <= 0 {
		c.Window = 2000
	}
	if c.MinMessages <= 0 {
		c.MinMessages = 300
	}
	switch {
	case c.Shrink == 0:
		c.Shrink = DefaultMixShrink
	case c.Shrink < 0:
		c.Shrink = 0
	}
	switch {
	case c.MaxRatio == 0:
		c.MaxRatio = DefaultMixMaxRatio
	case c.MaxRatio < 0:
		c.MaxRatio = math.Inf(1)
	}
}

// estimate is EstimatePriors with the config's shrink, then bounded: every share within
// [trained/MaxRatio, trained·MaxRatio] and the shares summing to one (boundShares).
func (c *MixConfig) estimate(probs [][]float64, trained []float64) []float64 {
	est, _ := EstimatePriors(probs, trained, c.Shrink)
	if math.IsInf(c.MaxRatio, 1) {
		return est
	}
	return boundShares(est, trained, c.MaxRatio)
}

// boundShares moves est in place to the mix whose every share is est's scaled by one factor and
// then held within [trained/r, trained·r] (r > 1, trained summing to one), the factor chosen so
// that the shares sum to one: the free shares keep their proportions, and none leaves its band
// (clipping and renormalising once could push a share back out). The sum grows with the
// factor from 1/r to r, so bisection finds it.
func boundShares(est, trained []float64, r float64) []float64 {
	const tiny = 1e-12 // a share EM drove to zero can still grow to its band
	at := func(s float64, j int) float64 {
		return min(max(s*max(est[j], tiny), trained[j]/r), trained[j]*r)
	}
	sum := func(s float64) float64 {
		t := 0.0
		for j := range est {
			t += at(s, j)
		}
		return t
	}
	lo, hi := 0.0, 1.0
	for sum(hi) < 1 {
		lo, hi = hi, 2*hi
	}
	for range 100 {
		if mid := (lo + hi) / 2; sum(mid) < 1 {
			lo = mid
		} else {
			hi = mid
		}
	}
	total := sum(hi)
	for j := range est {
		est[j] = at(hi, j) / total
	}
	return est
}

// Mix follows the intent mix of the messages an engine decides and moves the engine's decisions
// to it: serving's answer to prior shift. The engine from WithLiveMix records each message's
// probabilities (as trained, before any adjustment) in a ring of the latest Window; Update
// re-estimates the mix from them and the engine decides with it from then on. Safe for
// concurrent use.
type Mix struct {
	cfg     MixConfig
	labels  []string
	trained []float64

	mu   sync.Mutex
	ring []float32 // Window rows of len(labels)
	next int       // the row the next message goes to
	rows int       // the rows holding a message: ring[:rows*len(labels)], Window once full
	seen int64     // messages recorded, ever (carried over a reload: more than rows hold)

	ratio  atomic.Pointer[[]float64] // nil: the training mix
	shares atomic.Pointer[[]float64] // the estimate ratio came from
}

// WithLiveMix returns an engine that shares everything with e but records every message it
// decides in a new Mix and decides with the Mix's latest estimate (none until Update finds
// enough messages). It replaces any fixed mix (WithPriors).
func (e *Engine) WithLiveMix(cfg MixConfig) (*Engine, *Mix, error) {
	trained, err := e.trainedMix()
	if err != nil {
		return nil, nil, fmt.Errorf("live intent mix: %w", err)
	}
	cfg.defaults()
	m := &Mix{cfg: cfg, labels: e.clf.Labels(), trained: trained, ring: make([]float32, cfg.Window*len(trained))}
	c := *e
	c.priorRatio, c.mix = nil, m
	return &c, m, nil
}

// Mix returns the live mix the engine decides with, nil without one (WithLiveMix).
func (e *Engine) Mix() *Mix { return e.mix }

// ReadOnlyMix returns an engine that shares everything with e and decides with its live mix's
// estimate but adds nothing to it: for messages that are not traffic (the console's test mode).
// Without a live mix it is e.
func (e *Engine) ReadOnlyMix() *Engine {
	if e.mix == nil {
		return e
	}
	c := *e
	c.mixReadOnly = true
	return &c
}

// observe records one message's probabilities, exps[j]·inv.
func (m *Mix) observe(exps []float64, inv float64) {
	k := len(m.trained)
	m.mu.Lock()
	row := m.ring[m.next*k : m.next*k+k]
	for j := range row {
		row[j] = float32(exps[j] * inv)
	}
	if m.next++; m.next == m.cfg.Window {
		m.next = 0
	}
	if m.rows < m.cfg.Window {
		m.rows++
	}
	m.seen++
	m.mu.Unlock()
}

// ratios returns the ratios to decide with, nil for the training mix.
func (m *Mix) ratios() []float64 {
	if r := m.ratio.Load(); r != nil {
		return *r
	}
	return nil
}

// MixEstimate is what one Update found.
type MixEstimate struct {
	// Messages is how many of the latest messages it was estimated from.
	Messages int
	// Applied says the engine decides with Shares now (false: too few messages yet).
	Applied bool
	// Shares is the estimated mix, intent → share (nil when not applied).
	Shares map[string]float64
	// Moved is the largest change of a share from the training mix.
	Moved float64
}

// Update re-estimates the mix from the latest messages and, once MinMessages have been seen,
// makes the engine decide with it. It takes milliseconds (EM over the window) and runs beside
// the requests, which keep deciding with the previous estimate until it is done.
func (m *Mix) Update() MixEstimate {
	k := len(m.trained)
	m.mu.Lock()
	n := m.rows
	seen := m.seen
	rows := make([]float64, n*k)
	for i, v := range m.ring[:n*k] {
		rows[i] = float64(v)
	}
	m.mu.Unlock()
	if seen < int64(m.cfg.MinMessages) {
		return MixEstimate{Messages: n}
	}
	probs := make([][]float64, n)
	for i := range probs {
		probs[i] = rows[i*k : i*k+k]
	}
	est := m.cfg.estimate(probs, m.trained)
	ratio := make([]float64, k)
	res := MixEstimate{Messages: n, Applied: true, Shares: make(map[string]float64, k)}
	for j := range est {
		ratio[j] = est[j] / m.trained[j]
		res.Shares[m.labels[j]] = est[j]
		res.Moved = math.Max(res.Moved, math.Abs(est[j]-m.trained[j]))
	}
	m.shares.Store(&est)
	m.ratio.Store(&ratio)
	return res
}

// Carry starts m from what prev has recorded: the latest of prev's messages fill m's window in
// order and, when prev decides with an estimate, m re-estimates at once (its own training mix as
// the base, its own bounds). A reload — SIGHUP, /admin/reload, a bundle learnt from corrections —
// must not send a surge's decisions back to the training mix until the window fills again. The
// messages' probabilities are the previous model's, re-expressed at m's training mix when the
// two differ (Bayes' rule, as AdjustPriors: the previous model's evidence, m's prior): exact for
// the same bundle loaded again, close for one learnt from it; the next Update mixes in the new
// model's. It carries nothing and returns false when the two do not follow the same intents in
// the same order (a retrain that renamed or added one). m must not have recorded messages yet.
func (m *Mix) Carry(prev *Mix) bool {
	if prev == nil || prev == m || !slices.Equal(prev.labels, m.labels) {
		return false
	}
	k := len(m.trained)
	prev.mu.Lock()
	n := min(prev.rows, m.cfg.Window)
	rows := make([]float32, 0, n*k)
	for i := range n { // oldest first: the ring's row next-n, …, next-1
		r := (prev.next - n + i + prev.cfg.Window) % prev.cfg.Window
		rows = append(rows, prev.ring[r*k:r*k+k]...)
	}
	seen := prev.seen
	prev.mu.Unlock()
	estimated := prev.Estimated()

	if !slices.Equal(prev.trained, m.trained) {
		// prev's rows are its posteriors at prev.trained; m's EM reads them as posteriors at
		// m.trained, and would find the traffic's mix moved by the ratio of the two
		ratio := make([]float64, k)
		for j := range ratio {
			ratio[j] = m.trained[j] / prev.trained[j]
		}
		row := make([]float64, k)
		for i := 0; i < len(rows); i += k {
			for j := range row {
				row[j] = float64(rows[i+j])
			}
			AdjustPriors(row, ratio)
			for j, v := range row {
				rows[i+j] = float32(v)
			}
		}
	}

	m.mu.Lock()
	copy(m.ring, rows)
	m.next = n % m.cfg.Window
	m.rows = n
	m.seen = seen
	m.mu.Unlock()
	if estimated {
		m.Update()
	}
	return true
}

// Share returns intent's share in the mix the engine decides with now: the latest estimate, or
// the training mix before there is one. Unknown intents have 0.
func (m *Mix) Share(intent string) float64 {
	shares := m.trained
	if s := m.shares.Load(); s != nil {
		shares = *s
	}
	for j, l := range m.labels {
		if l == intent {
			return shares[j]
		}
	}
	return 0
}

// Estimated reports whether the engine decides with an estimate (false: the training mix, too
// few messages yet).
func (m *Mix) Estimated() bool { return m.shares.Load() != nil }

// Trained returns intent's share in the training mix (0 for an unknown intent).
func (m *Mix) Trained(intent string) float64 {
	for j, l := range m.labels {
		if l == intent {
			return m.trained[j]
		}
	}
	return 0
}

// Window returns how many of the latest messages the estimate is made from.
func (m *Mix) Window() int { return m.cfg.Window }

// Labels returns the intents the mix is over, in the model's order.
func (m *Mix) Labels() []string { return m.labels }

// Seen returns how many messages the mix has recorded.
func (m *Mix) Seen() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.seen
}
