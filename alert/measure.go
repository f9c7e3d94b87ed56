package alert

import (
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

// reading is a measure's state at one instant.
type reading struct {
	on    bool    // the condition holds
	value float64 // what is compared with the threshold
	num   int64   // events counted in the value (the numerator of a share)
	count int64   // events in the window (the denominator of a share)
	// held: the value is over the threshold but on too few events to fire; a firing rule is not
	// resolved by traffic thinning out, only by the value falling (or the traffic stopping)
	held bool
}

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
	case MeasureErrorRate:
		return &shareMeasure{num: newRing(r.Window), den: newRing(r.Window), threshold: r.Threshold, min: r.MinCount,
			classify: func(e *Event) (bool, bool) {
				bad := e.Kind == KindServerError
				return bad || e.Kind == KindDecision, bad
			}}
	case MeasureP99Latency:
		return &latencyMeasure{all: newRing(r.Window), slow: newRing(r.Window), hist: newHistRing(r.Window),
			threshold: time.Duration(r.Threshold * float64(time.Second)), min: r.MinCount}
	case MeasureSpool:
		return &gaugeMeasure{threshold: int64(r.Threshold)}
	}
	return nil
}

// countMeasure: at least threshold matching events in the window.
type countMeasure struct {
	ring
	threshold int64
	match     func(*Event) bool
}

func (m *countMeasure) add(e *Event) bool {
	if !m.match(e) {
		return false
	}
	m.ring.add(e.Time, 1)
	return true
}

func (m *countMeasure) read(now time.Time) reading {
	n := m.sum(now)
	return reading{on: n >= m.threshold, value: float64(n), num: n, count: n}
}

// shareMeasure: num/den ≥ threshold once den ≥ min.
type shareMeasure struct {
	num, den  ring
	threshold float64
	min       int64
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
	if d > 0 {
		r.value = float64(n) / float64(d)
	}
	r.on = d > 0 && d >= m.min && r.value >= m.threshold
	r.held = d > 0 && d < m.min && r.value >= m.threshold
	return r
}

// latencyMeasure: p99 ≥ threshold once the window holds min messages. The condition is exact —
// with nearest-rank p99, p99 ≥ T exactly when fewer than ⌈0.99·n⌉ latencies are below T — so
// it needs two counters; the histogram only gives the value shown in the alert.
type latencyMeasure struct {
	all, slow ring
	hist      histRing
	threshold time.Duration
	min       int64
}

func (m *latencyMeasure) add(e *Event) bool {
	if e.Kind != KindDecision {
		return false
	}
	m.all.add(e.Time, 1)
	if e.Latency >= m.threshold {
		m.slow.add(e.Time, 1)
	}
	m.hist.add(e.Time, e.Latency)
	return true
}

func (m *latencyMeasure) read(now time.Time) reading {
	n, slow := m.all.sum(now), m.slow.sum(now)
	rank := (99*n + 99) / 100 // ⌈0.99·n⌉
	return reading{num: slow, count: n, on: n > 0 && n >= m.min && n-slow < rank}
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

// gaugeMeasure: the last reported value ≥ threshold.
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
	return reading{on: m.value >= m.threshold, value: float64(m.value), num: m.value, count: m.value}
}

// keywordMatcher finds the keyword groups a comment touches. Matching runs on nlp.Normalize'd
// text (full-width folded, lower case), so 回复慢 also matches a comment typed in full-width
// punctuation or mixed case. A handful of short words over a short comment: strings.Contains
// is cheaper than building an automaton.
type keywordMatcher struct {
	groups []KeywordGroup // words normalised
	last   []time.Time    // when each group last fired, for its cooldown
}

func newKeywordMatcher(groups []KeywordGroup) *keywordMatcher {
	km := &keywordMatcher{groups: make([]KeywordGroup, len(groups)), last: make([]time.Time, len(groups))}
	for i, g := range groups {
		g.Words = append([]string(nil), g.Words...)
		for j, w := range g.Words {
			g.Words[j] = nlp.Normalize(strings.TrimSpace(w))
		}
		km.groups[i] = g
	}
	return km
}

// match returns the first word of group i found in the normalised comment, or "".
func (km *keywordMatcher) match(i int, norm string) string {
	for _, w := range km.groups[i].Words {
		if w != "" && strings.Contains(norm, w) {
			return w
		}
	}
	return ""
}
