package experiment

import "time"

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
}

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

type tallied struct {
	variant    string
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

// Decision adds a decision. One without a variant, or from an excluded sender, is ignored.
func (t *Tally) Decision(msgID, variant, sender string, repeat bool) {
	if msgID == "" || variant == "" || t.Exclude != nil && t.Exclude(sender) {
		return
	}
	m := t.msg(msgID)
	m.variant, m.decided, m.repeat = variant, true, repeat
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
func (t *Tally) Results() Results {
	r := Results{}
	for _, m := range t.msgs {
		if m.decided {
			r.Add(m.variant, Outcome{Rating: m.rating, Resolved: m.resolved, Repeat: m.repeat})
		}
	}
	return r
}
