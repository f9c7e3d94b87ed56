package alert

import (
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/stat"
	"github.com/zhiyi-ai/zhiyi/nlp"
)

// reading is a measure's state at one instant. on and off are not each other's negation:
// between them lies a band in which a rule keeps its state (hysteresis), so that a value
// hovering around the threshold fires once and resolves once instead of flapping with the
// cooldown.
type reading struct {
	on    bool    // the condition clearly holds: a rule that is ok fires
	off   bool    // the condition is clearly gone: a rule that fires resolves
	value float64 // what is compared with the threshold
	num   int64   // events counted in the value (the numerator of a share)
	count int64   // events in the window (the denominator of a share)
}

// resolveBelow is the hysteresis of counts, gauges and p99: a firing rule resolves when its
// value is under resolveBelow × threshold. Shares resolve on their Wilson upper bound too.
const resolveBelow = 0.8

// wilsonZ is the normal quantile of the Wilson score bounds: 2.326, a one-sided 99 % bound
// (the ends of a two-sided 98 % interval). A rule is looked at on every message and every
// second, hundreds of overlapping looks a day, so a bound is exceeded by chance more often than
// its level says: replaying a shop of 4 messages a minute at a steady 35 % handoff against
// 50 %, z = 1.96 still fired once in 24 shop days, 2.326 once in 90, for half a minute more
// before a real jump to 80 % fires (alert/hysteresis_test.go).
const wilsonZ = 2.326

// wilson is the Wilson score bounds of k successes in n trials (n > 0) at wilsonZ.
func wilson(k, n int64) (lo, hi float64) { return stat.Wilson(k, n, wilsonZ) }

// measure watches one quantity over its window. add reports whether the event concerns it (then
// the rule is checked at once); read evaluates the condition at now. Not safe for concurrent use.
type measure interface {
	add(e *Event) bool
	read(now time.Time) reading
}

// valuer is a measure whose value is too dear to compute on every read; the rule asks for it
// when it emits an alert.
type valuer interface {
	value(now time.Time, rd reading) float64
}

func newMeasure(r *Rule) measure {
	switch r.Measure {
	case MeasureUnrecognised:
		return &countMeasure{ring: newRing(r.Window), threshold: int64(r.Threshold),
			match: func(e *Event) bool { return e.Kind == KindDecision && e.Unrecognised }}
	case MeasureDropped:
		return &countMeasure{ring: newRing(r.Window), threshold: int64(r.Threshold),
			match:  func(e *Event) bool { return e.Kind == KindDropped && e.Dropped > 0 },
			weight: func(e *Event) int64 { return e.Dropped }}
	case MeasureBadRatings:
		max := r.MaxRating
		return &countMeasure{ring: newRing(r.Window), threshold: int64(r.Threshold),
			match: func(e *Event) bool {
				// a rating changed from bad to bad (1 → 2) is the same bad rating
				bad := func(r int) bool { return r >= 1 && r <= max }
				return e.Kind == KindFeedback && bad(e.Rating) && !bad(e.prevRating)
			}}
	case MeasureHandoffShare:
		return &shareMeasure{num: newRing(r.Window), den: newRing(r.Window), threshold: r.Threshold, min: r.MinCount,
			classify: func(e *Event) (bool, bool) { return e.Kind == KindDecision, e.Route == RouteHandoff }}
	case MeasureUnrecognisedShare:
		return &shareMeasure{num: newRing(r.Window), den: newRing(r.Window), threshold: r.Threshold, min: r.MinCount,
			classify: func(e *Event) (bool, bool) { return e.Kind == KindDecision, e.Unrecognised }}
	case MeasureErrorRate:
		// Every 5xx is a customer's message that got no answer: like a count, the share fires
		// as it stands, not when it is clearly above the threshold (at 100 requests the bound
		// asked for 4 %, and a small shop failing 3 % of its messages was never told).
		return &shareMeasure{num: newRing(r.Window), den: newRing(r.Window), threshold: r.Threshold, min: r.MinCount, asIs: true,
			classify: func(e *Event) (bool, bool) {
				bad := e.Kind == KindServerError
				return bad || e.Kind == KindDecision, bad
			}}
	case MeasureP99Latency:
		th := time.Duration(r.Threshold * float64(time.Second))
		return &latencyMeasure{all: newRing(r.Window), slow: newRing(r.Window), warm: newRing(r.Window),
			hist: newHistRing(r.Window), threshold: th, resolve: time.Duration(resolveBelow * float64(th)), min: r.MinCount}
	case MeasureSpool:
		return &gaugeMeasure{threshold: int64(r.Threshold)}
	}
	return nil
}

// countMeasure: at least threshold matching events in the window; resolved under
// resolveBelow × threshold. A count is not a sample but the thing itself (20 customers not
// understood are 20 customers), so it fires on the count as it stands.
type countMeasure struct {
	ring
	threshold int64
	match     func(*Event) bool
	weight    func(*Event) int64 // how many an event counts for (nil: one)
}

func (m *countMeasure) add(e *Event) bool {
	if !m.match(e) {
		return false
	}
	n := int64(1)
	if m.weight != nil {
		n = m.weight(e)
	}
	m.ring.add(e.Time, n)
	return true
}

func (m *countMeasure) read(now time.Time) reading {
	n := m.sum(now)
	return reading{on: n >= m.threshold, off: float64(n) < resolveBelow*float64(m.threshold),
		value: float64(n), num: n, count: n}
}

// errorsAlone is how many 5xx in error_rate's window fire it though the window holds fewer
// requests than its min_count.
const errorsAlone = 10

// shareMeasure: num/den clearly ≥ threshold, once den ≥ min.
//
// The window is a sample of the traffic, and it is looked at on every message: a small shop's
// 40 messages at a steady 35 % handoff show 50 % by chance several times a day, and each look
// is another chance. So a share fires only when the Wilson lower bound of num/den reaches the
// threshold — the share is above it beyond reasonable doubt — and resolves only when it is
// clearly back below: the upper bound under the threshold, or (for thin traffic, where the
// bound cannot get there: 0 errors in 100 requests still allow 5 %) the share itself under
// resolveBelow × threshold. Thin traffic alone does not resolve a firing share whose value
// still holds; an empty window does. asIs (error_rate) fires on the share itself, as a count
// does: each 5xx is a message that got no answer, not a sample of something else.
type shareMeasure struct {
	num, den  ring
	threshold float64
	min       int64
	asIs      bool // fire on the share itself, not its lower bound (error_rate)
	classify  func(*Event) (inDen, inNum bool)
}

func (m *shareMeasure) add(e *Event) bool {
	inDen, inNum := m.classify(e)
	if !inDen {
		return false
	}
	m.den.add(e.Time, 1)
	if inNum {
		m.num.add(e.Time, 1)
	}
	return true
}

func (m *shareMeasure) read(now time.Time) reading {
	d, n := m.den.sum(now), m.num.sum(now)
	r := reading{num: n, count: d}
	if d == 0 {
		r.off = true
		return r
	}
	r.value = float64(n) / float64(d)
	lo, hi := wilson(n, d)
	// A threshold of 1 (every message) is reached by no lower bound: there, all of at least
	// min messages is the evidence.
	enough := d >= m.min
	if m.asIs {
		lo = r.value
		// a small shop never reaches min requests in the window: errorsAlone failures are
		// enough evidence (20 of 20 requests failing for two hours raised no alert)
		enough = enough || n >= errorsAlone
	}
	r.on = enough && (lo >= m.threshold || (m.threshold >= 1 && n == d))
	r.off = hi < m.threshold || r.value < resolveBelow*m.threshold
	return r
}

// latencyMeasure: p99 ≥ threshold once the window holds min messages; resolved when p99 is
// under resolve (resolveBelow × threshold) or the window is empty. Both conditions are exact —
// with nearest-rank p99, p99 ≥ T exactly when fewer than ⌈0.99·n⌉ latencies are below T — so
// they need a counter each; the histogram only gives the value shown in the alert.
type latencyMeasure struct {
	all, slow, warm    ring // every message; those ≥ threshold; those ≥ resolve
	hist               histRing
	threshold, resolve time.Duration
	min                int64
}

func (m *latencyMeasure) add(e *Event) bool {
	if e.Kind != KindDecision {
		return false
	}
	m.all.add(e.Time, 1)
	if e.Latency >= m.threshold {
		m.slow.add(e.Time, 1)
	}
	if e.Latency >= m.resolve {
		m.warm.add(e.Time, 1)
	}
	m.hist.add(e.Time, e.Latency)
	return true
}

func (m *latencyMeasure) read(now time.Time) reading {
	n, slow, warm := m.all.sum(now), m.slow.sum(now), m.warm.sum(now)
	rank := (99*n + 99) / 100 // ⌈0.99·n⌉
	return reading{num: slow, count: n, on: n > 0 && n >= m.min && n-slow < rank, off: n-warm >= rank}
}

// value is the p99 shown in an alert; reading the histogram costs latBuckets additions, so it
// is done only when the state changes.
func (m *latencyMeasure) value(now time.Time, rd reading) float64 {
	q := m.hist.quantile(now, 0.99)
	if rd.on {
		// The bucket's upper bound is ≥ the true p99 ≥ threshold; never show less than it.
		q = max(q, m.threshold)
	}
	return q.Seconds()
}

// gaugeMeasure: the last reported value ≥ threshold; resolved under resolveBelow × threshold.
type gaugeMeasure struct {
	value     int64
	threshold int64
}

func (m *gaugeMeasure) add(e *Event) bool {
	if e.Kind != KindSpool {
		return false
	}
	m.value = e.Spool
	return true
}

func (m *gaugeMeasure) read(time.Time) reading {
	return reading{on: m.value >= m.threshold, off: float64(m.value) < resolveBelow*float64(m.threshold),
		value: float64(m.value), num: m.value, count: m.value}
}

// keywordMatcher finds the keyword groups a comment touches. Matching runs on nlp.Normalize'd
// and nlp.Fold'ed text (full-width folded, lower case, simplified script), so 回复慢 also
// matches a comment typed in full-width punctuation or mixed case, and 听不懂 a Hong Kong or
// Taiwan customer's 聽不懂 (Taiwan's 回覆 stays 回覆 when folded: the default words list it). A handful of short words over a short comment: strings.Contains
// is cheaper than building an automaton.
type keywordMatcher struct {
	groups []KeywordGroup // words normalised
	held   []commentHold  // each group's cooldown and the comments it holds back
}

func newKeywordMatcher(groups []KeywordGroup) *keywordMatcher {
	km := &keywordMatcher{groups: make([]KeywordGroup, len(groups)), held: make([]commentHold, len(groups))}
	for i, g := range groups {
		g.Words = append([]string(nil), g.Words...)
		for j, w := range g.Words {
			g.Words[j] = nlp.Fold(nlp.Normalize(strings.TrimSpace(w)))
		}
		km.groups[i] = g
	}
	return km
}

// match returns the first word of group i found in the normalised, folded comment, or "".
func (km *keywordMatcher) match(i int, norm string) string {
	for _, w := range km.groups[i].Words {
		if w != "" && strings.Contains(norm, w) {
			return w
		}
	}
	return ""
}
