package experiment

import (
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/period"
)

// Counts are one variant's outcomes so far, as the caller aggregates them from the decision
// log and its feedback (Tally does it from rows). Only decisions that count in the experiment
// belong here: those whose Assignment had a Variant (not excluded senders, not senders
// without an id).
type Counts struct {
	// Served counts the decisions that gave this variant.
	Served int64 `json:"served"`
	// Rated counts those with a rating (1–5; a message's latest rating when it has several);
	// RatingSum and RatingSumSq are the sum of those ratings and of their squares.
	Rated       int64   `json:"rated"`
	RatingSum   float64 `json:"rating_sum"`
	RatingSumSq float64 `json:"rating_sum_sq"`
	// ResolvedKnown counts the decisions with a resolved yes or no (the latest), Resolved the
	// yeses.
	ResolvedKnown int64 `json:"resolved_known"`
	Resolved      int64 `json:"resolved"`
	// Repeats counts the decisions marked repeat: the customer asked again for the need an
	// automatic answer had just answered (package reply's 重述).
	Repeats int64 `json:"repeats"`
	// NewSenders counts, by China day (2006-01-02), the senders first served this variant that
	// day within the results' period: how the experiment's traffic was allocated over time
	// (Report.Allocation). A sender's variant is a hash, so under fixed weights each new sender
	// is an independent draw at the weights; a change of weights shows as a change of these
	// shares. Only Tally fills it (from decisions with a time); nil when unknown. A pointer so
	// that Counts stay comparable with == (as callers compare counts without times).
	NewSenders *DayCounts `json:"new_senders,omitempty"`
}

// DayCounts are counts by China day (2006-01-02).
type DayCounts map[string]int64

// Results are the experiments' outcomes by variant id (the answer id). A nil Results is
// empty. The caller builds a new value on each refresh; a Set keeps the one it was built with.
type Results map[string]Counts

// Resolution is whether a customer said the answer resolved the question.
type Resolution uint8

// Resolutions.
const (
	ResolvedUnknown Resolution = iota // not said
	ResolvedYes
	ResolvedNo
)

// Outcome is one decision's result: its rating (0 when none), resolution and repeat mark.
type Outcome struct {
	Rating   int
	Resolved Resolution
	Repeat   bool
}

// Add counts one served decision of variant with its outcome. A rating outside 1–5 counts as
// no rating.
func (r Results) Add(variant string, o Outcome) {
	c := r[variant]
	c.Served++
	if o.Rating >= 1 && o.Rating <= 5 {
		x := float64(o.Rating)
		c.Rated++
		c.RatingSum += x
		c.RatingSumSq += x * x
	}
	switch o.Resolved {
	case ResolvedYes:
		c.ResolvedKnown++
		c.Resolved++
	case ResolvedNo:
		c.ResolvedKnown++
	}
	if o.Repeat {
		c.Repeats++
	}
	r[variant] = c
}

func (c Counts) ratings() moments { return moments{n: c.Rated, sum: c.RatingSum, sumSq: c.RatingSumSq} }

// Tally turns decision-log rows into Results: decisions (msg_id, variant, sender, repeat) and
// feedback (msg_id, time, rating, resolved) in any order, feedback possibly before its decision
// and several per message, of which the latest rating and the latest resolved value count — as
// the store's reports read them. Decisions without a variant do not count, nor do senders
// Exclude names. The zero Tally is ready; not safe for concurrent use.
type Tally struct {
	// Exclude reports senders (as the log has them, e.g. keyed hashes of the experiments
	// file's exclude_senders) whose decisions never count, even those made before they were
	// listed. nil excludes none.
	Exclude func(sender string) bool

	msgs map[string]*tallied
}

// Decided is one decision of the log as Tally.Record counts it.
type Decided struct {
	MsgID, Variant string
	Sender         string    // as the log has it (a keyed hash)
	Route          string    // auto, suggest or handoff (RouteSuggest); "" when unknown
	Time           time.Time // zero when unknown
	Repeat         bool
}

// RouteSuggest is the decision log's route of an answer suggested to an agent (store's
// RouteSuggest; explog's test checks they agree). A gray answer is routed so.
const RouteSuggest = "suggest"

// RouteAuto is the route of an answer sent without an agent: a released answer's.
const RouteAuto = "auto"

// Filter selects the decisions Tally.Select counts.
type Filter struct {
	Since time.Time // decisions at or after; zero: all
	Route string    // decisions routed so; "": every route
}

type tallied struct {
	variant    string
	sender     string
	route      string
	at         time.Time
	decided    bool
	repeat     bool
	rating     int
	ratingAt   time.Time
	resolved   Resolution
	resolvedAt time.Time
}

func (t *Tally) msg(id string) *tallied {
	if t.msgs == nil {
		t.msgs = map[string]*tallied{}
	}
	m := t.msgs[id]
	if m == nil {
		m = &tallied{}
		t.msgs[id] = m
	}
	return m
}

// Decision adds a decision without its time and route (see Record). One without a variant, or
// from an excluded sender, is ignored.
func (t *Tally) Decision(msgID, variant, sender string, repeat bool) {
	t.Record(Decided{MsgID: msgID, Variant: variant, Sender: sender, Repeat: repeat})
}

// Record adds a decision with its time and route, which Select filters on and NewSenders
// counts by. One without a variant, or from an excluded sender, is ignored.
func (t *Tally) Record(d Decided) {
	if d.MsgID == "" || d.Variant == "" || t.Exclude != nil && t.Exclude(d.Sender) {
		return
	}
	m := t.msg(d.MsgID)
	m.variant, m.sender, m.route, m.at, m.decided, m.repeat = d.Variant, d.Sender, d.Route, d.Time, true, d.Repeat
}

// Feedback adds a feedback on msgID: rating 1–5 (0: none) and resolved (nil: not said), given
// at at. A later feedback's rating or resolved value replaces an earlier one's; at a tie, the
// one added last wins.
func (t *Tally) Feedback(msgID string, at time.Time, rating int, resolved *bool) {
	if msgID == "" {
		return
	}
	m := t.msg(msgID)
	if rating >= 1 && rating <= 5 && !at.Before(m.ratingAt) {
		m.rating, m.ratingAt = rating, at
	}
	if resolved != nil && !at.Before(m.resolvedAt) {
		m.resolved, m.resolvedAt = ResolvedNo, at
		if *resolved {
			m.resolved = ResolvedYes
		}
	}
}

// Results returns the counts by variant of every decision added so far, with its feedback.
func (t *Tally) Results() Results { return t.Select(Filter{}) }

// Select returns the counts by variant of the decisions f selects, with their feedback, and
// each variant's NewSenders among them. A decision without a time is selected only when
// f.Since is zero, one without a route only when f.Route is "". Select only reads: several
// goroutines may call it on a Tally no one adds to any more.
func (t *Tally) Select(f Filter) Results {
	r := Results{}
	first := map[[2]string]time.Time{} // (sender, variant) → their first decision
	for _, m := range t.msgs {
		if !m.decided || m.at.Before(f.Since) || f.Route != "" && m.route != f.Route {
			continue
		}
		r.Add(m.variant, Outcome{Rating: m.rating, Resolved: m.resolved, Repeat: m.repeat})
		if m.at.IsZero() || m.sender == "" {
			continue
		}
		k := [2]string{m.sender, m.variant}
		if at, ok := first[k]; !ok || m.at.Before(at) {
			first[k] = m.at
		}
	}
	for k, at := range first {
		c := r[k[1]]
		if c.NewSenders == nil {
			c.NewSenders = &DayCounts{}
		}
		(*c.NewSenders)[at.In(period.CST).Format(time.DateOnly)]++
		r[k[1]] = c
	}
	return r
}
