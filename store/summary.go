package store

import (
	"cmp"
	"context"
	"database/sql"
	"math"
	"slices"
	"time"
)

// SummaryQuery chooses the decisions a Summary covers and how it groups them.
type SummaryQuery struct {
	Since, Until time.Time // Since ≤ decision time < Until; zero = unbounded
	// Bucket is the width of the time series: time.Hour, 24*time.Hour, …; 0 = no series.
	// Day-sized buckets start at midnight in Location (UTC when nil).
	Bucket   time.Duration
	Location *time.Location
	// Hourly asks for Summary.Hourly as well, from the same scan: a dashboard by the day still
	// draws its hours of the day, and a second scan of the period cost as much as the first.
	Hourly bool
	// LowConfidence is the Unmatched threshold (DefaultLowConfidence when zero).
	LowConfidence float64
}

// maxBuckets bounds a series (a year of hours), so a tiny Bucket cannot exhaust memory.
const maxBuckets = 24 * 366

// Stats are the dashboard's numbers for a set of decisions. Feedback counts toward the
// decision it belongs to, whenever it arrived; for each message the latest rating and the
// latest resolved value count (a customer who rates twice is one rating). Rates are 0 when
// their denominator is.
type Stats struct {
	Messages     int64 `json:"messages"`
	Unrecognised int64 `json:"unrecognised"` // 未识别: out of scope, and no rule decided it (Unrecognised)
	Unmatched    int64 `json:"unmatched"`    // none, handed off or low confidence
	Handoffs     int64 `json:"handoffs"`     // route handoff, 转人工
	Suggested    int64 `json:"suggested"`    // route suggest
	// Silent counts route silent: an operator's rule sent nothing and handed nothing off. The
	// automatic answers are Messages − Handoffs − Suggested − Silent.
	Silent      int64 `json:"silent"`
	Repeats     int64 `json:"repeats"`     // the customer asked again, 重述
	Escalations int64 `json:"escalations"` // a non-empty escalation
	Ratings     int64 `json:"ratings"`     // messages with a rating
	BadRatings  int64 `json:"bad_ratings"` // ratings ≤ 2
	Resolved    int64 `json:"resolved"`    // messages whose latest resolved value is true
	// ResolvedKnown counts messages with any resolved value, the denominator of ResolvedRate.
	ResolvedKnown int64 `json:"resolved_known"`
	Corrections   int64 `json:"corrections"` // messages an agent gave another intent

	UnrecognisedRate float64 `json:"unrecognised_rate"` // Unrecognised / Messages
	HandoffRate      float64 `json:"handoff_rate"`      // Handoffs / Messages
	RepeatRate       float64 `json:"repeat_rate"`       // Repeats / Messages
	ResolvedRate     float64 `json:"resolved_rate"`     // Resolved / ResolvedKnown, 解决率
	MeanRating       float64 `json:"mean_rating"`       // over Ratings, 满意度
	BadRatingShare   float64 `json:"bad_rating_share"`  // BadRatings / Ratings
	// Latency percentiles in microseconds, nearest rank over every decision's LatencyMicros.
	LatencyP50 int64 `json:"latency_p50_us"`
	LatencyP99 int64 `json:"latency_p99_us"`
}

// Bucket is one step of a time series.
type Bucket struct {
	Start time.Time `json:"start"`
	Stats
}

// Group is the Stats of the decisions sharing a key: an intent, a channel, or an answer id
// (with its variant, for A/B results).
type Group struct {
	Key     string `json:"key"`
	Variant string `json:"variant,omitempty"`
	Stats
}

// Summary is a period's dashboard: the totals (at the top level of its JSON: messages,
// unrecognised, handoff_rate, resolved_rate, mean_rating, repeat_rate …), a time series, and
// the same numbers by intent, channel and answer, each sorted by messages, most first.
type Summary struct {
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`
	Stats
	Series    []Bucket `json:"series,omitempty"`
	Hourly    []Bucket `json:"hourly,omitempty"` // by the hour, when SummaryQuery.Hourly asks
	ByIntent  []Group  `json:"by_intent"`
	ByChannel []Group  `json:"by_channel"`
	ByAnswer  []Group  `json:"by_answer"`
}

// acc accumulates one Stats.
type acc struct {
	Stats
	ratingSum int64
	latencies []int32
}

// msgFeedback is what a message's feedback adds to the numbers.
type msgFeedback struct {
	rating    int
	resolved  int8 // -1 unknown, 0 false, 1 true
	corrected bool
}

// row is the part of a decision the summary reads.
type row struct {
	msgID, channel, intent, route, answer, variant, escalation, rule, reason string
	at, latency                                                              int64
	confidence                                                               float64
	repeat                                                                   bool
}

func (a *acc) add(r *row, fb *msgFeedback, low float64) {
	a.Messages++
	d := Decision{Intent: r.intent, Route: r.route, Confidence: r.confidence, Rule: r.rule, Reason: r.reason}
	if d.Unrecognised() {
		a.Unrecognised++
	}
	if d.Unmatched(low) != "" {
		a.Unmatched++
	}
	switch r.route {
	case RouteHandoff:
		a.Handoffs++
	case RouteSuggest:
		a.Suggested++
	case RouteSilent:
		a.Silent++
	}
	if r.repeat {
		a.Repeats++
	}
	if r.escalation != "" {
		a.Escalations++
	}
	if fb != nil {
		if fb.rating > 0 {
			a.Ratings++
			a.ratingSum += int64(fb.rating)
			if fb.rating <= 2 {
				a.BadRatings++
			}
		}
		if fb.resolved >= 0 {
			a.ResolvedKnown++
			if fb.resolved == 1 {
				a.Resolved++
			}
		}
		if fb.corrected {
			a.Corrections++
		}
	}
	a.latencies = append(a.latencies, int32(min(max(r.latency, 0), math.MaxInt32)))
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// finish fills the rates and percentiles and returns the Stats.
func (a *acc) finish() Stats {
	s := a.Stats
	s.UnrecognisedRate = ratio(s.Unrecognised, s.Messages)
	s.HandoffRate = ratio(s.Handoffs, s.Messages)
	s.RepeatRate = ratio(s.Repeats, s.Messages)
	s.ResolvedRate = ratio(s.Resolved, s.ResolvedKnown)
	s.MeanRating = ratio(a.ratingSum, s.Ratings)
	s.BadRatingShare = ratio(s.BadRatings, s.Ratings)
	if n := len(a.latencies); n > 0 {
		slices.Sort(a.latencies)
		s.LatencyP50 = int64(a.latencies[rank(0.50, n)])
		s.LatencyP99 = int64(a.latencies[rank(0.99, n)])
	}
	return s
}

// rank is the nearest-rank percentile's index: the smallest value with at least p of the
// values at or below it.
func rank(p float64, n int) int {
	return max(int(math.Ceil(p*float64(n)))-1, 0)
}

type groupKey struct{ key, variant string }

// Summary aggregates the decisions of a period and their feedback (see Summary and Stats).
// The numbers are computed here in Go from two scans, so both backends agree to the last
// digit, percentiles included.
func (db *DB) Summary(ctx context.Context, q SummaryQuery) (*Summary, error) {
	if db.closed.Load() {
		return nil, ErrClosed
	}
	low := q.LowConfidence
	if low <= 0 {
		low = DefaultLowConfidence
	}
	fbs, err := db.summaryFeedback(ctx, q)
	if err != nil {
		return nil, err
	}
	var (
		total                      acc
		buckets, hours                   = map[int64]*acc{}, map[int64]*acc{}
		intents, channels, answers       = map[groupKey]*acc{}, map[groupKey]*acc{}, map[groupKey]*acc{}
		first, last                int64 = math.MaxInt64, math.MinInt64
		firstHour, lastHour        int64 = math.MaxInt64, math.MinInt64
		loc                              = q.Location
	)
	if loc == nil {
		loc = time.UTC
	}
	get := func(m map[groupKey]*acc, k groupKey) *acc {
		a := m[k]
		if a == nil {
			a = &acc{}
			m[k] = a
		}
		return a
	}
	var w where
	w.span("at", q.Since, q.Until)
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT msg_id, at, channel, intent, route, answer_id, variant, confidence, is_repeat, escalation, latency_us, rule, reason FROM decisions`+w.String()), w.args...)
	if err != nil {
		return nil, db.wrap("cannot summarise", err)
	}
	defer rows.Close()
	var r row
	for rows.Next() {
		if err := rows.Scan(&r.msgID, &r.at, &r.channel, &r.intent, &r.route, &r.answer, &r.variant,
			&r.confidence, &r.repeat, &r.escalation, &r.latency, &r.rule, &r.reason); err != nil {
			return nil, db.wrap("cannot summarise", err)
		}
		fb := fbs[r.msgID]
		total.add(&r, fb, low)
		if q.Bucket > 0 {
			addToBucket(buckets, &first, &last, bucketStart(fromMicros(r.at), q.Bucket, loc).UnixMicro(), &r, fb, low)
		}
		if q.Hourly {
			addToBucket(hours, &firstHour, &lastHour, bucketStart(fromMicros(r.at), time.Hour, loc).UnixMicro(), &r, fb, low)
		}
		get(intents, groupKey{key: r.intent}).add(&r, fb, low)
		get(channels, groupKey{key: r.channel}).add(&r, fb, low)
		if r.answer != "" {
			get(answers, groupKey{r.answer, r.variant}).add(&r, fb, low)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap("cannot summarise", err)
	}
	s := &Summary{Since: q.Since, Until: q.Until, Stats: total.finish(),
		ByIntent: groups(intents), ByChannel: groups(channels), ByAnswer: groups(answers)}
	if q.Bucket > 0 {
		s.Series = periodSeries(q, buckets, first, last, q.Bucket, loc)
	}
	if q.Hourly {
		s.Hourly = periodSeries(q, hours, firstHour, lastHour, time.Hour, loc)
	}
	return s, nil
}

// addToBucket adds a row to the bucket starting at start (micros), widening [first, last].
func addToBucket(buckets map[int64]*acc, first, last *int64, start int64, r *row, fb *msgFeedback, low float64) {
	*first, *last = min(*first, start), max(*last, start)
	b := buckets[start]
	if b == nil {
		b = &acc{}
		buckets[start] = b
	}
	b.add(r, fb, low)
}

// periodSeries is the series of buckets of width over q's whole period (empty buckets
// included), or over the decisions' own span where the period is unbounded.
func periodSeries(q SummaryQuery, buckets map[int64]*acc, first, last int64, width time.Duration, loc *time.Location) []Bucket {
	if !q.Since.IsZero() {
		first = min(first, bucketStart(q.Since, width, loc).UnixMicro())
	}
	if !q.Until.IsZero() {
		last = max(last, bucketStart(q.Until.Add(-time.Microsecond), width, loc).UnixMicro())
	}
	return series(buckets, first, last, width, loc)
}

// summaryFeedback reads the feedback of the period's decisions, oldest first, keeping each
// message's latest rating and resolved value.
func (db *DB) summaryFeedback(ctx context.Context, q SummaryQuery) (map[string]*msgFeedback, error) {
	var w where
	w.periodFeedback(q.Since, q.Until)
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT f.msg_id, f.rating, f.resolved, f.correct_intent, d.intent
		FROM feedback f JOIN decisions d ON d.msg_id = f.msg_id`+w.String()+` ORDER BY f.at, f.seq`), w.args...)
	if err != nil {
		return nil, db.wrap("cannot summarise feedback", err)
	}
	defer rows.Close()
	out := map[string]*msgFeedback{}
	var (
		id, correct, intent string
		rating              int
		resolved            sql.NullBool
	)
	for rows.Next() {
		if err := rows.Scan(&id, &rating, &resolved, &correct, &intent); err != nil {
			return nil, db.wrap("cannot summarise feedback", err)
		}
		fb := out[id]
		if fb == nil {
			fb = &msgFeedback{resolved: -1}
			out[id] = fb
		}
		if rating > 0 {
			fb.rating = rating
		}
		if resolved.Valid {
			fb.resolved = 0
			if resolved.Bool {
				fb.resolved = 1
			}
		}
		if correct != "" {
			fb.corrected = correct != intent
		}
	}
	return out, db.wrap("cannot summarise feedback", rows.Err())
}

// bucketStart returns the start of t's bucket: midnight in loc for day multiples, else t
// truncated to the bucket width (hours are the same in every whole-hour zone).
func bucketStart(t time.Time, width time.Duration, loc *time.Location) time.Time {
	const day = 24 * time.Hour
	if width%day == 0 {
		// Whole days: count local calendar days since 1970-01-01 and round down to a multiple.
		n := int64(width / day)
		t = t.In(loc)
		days := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).Unix() / 86400
		days -= ((days % n) + n) % n
		u := time.Unix(days*86400, 0).UTC()
		return time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, loc).UTC()
	}
	return t.Truncate(width).UTC()
}

// series lists the buckets from first to last in order, empty ones included.
func series(buckets map[int64]*acc, first, last int64, width time.Duration, loc *time.Location) []Bucket {
	if first > last {
		return nil
	}
	var out []Bucket
	for t := fromMicros(first); t.UnixMicro() <= last && len(out) < maxBuckets; {
		b := Bucket{Start: t}
		if a := buckets[t.UnixMicro()]; a != nil {
			b.Stats = a.finish()
		}
		out = append(out, b)
		if width%(24*time.Hour) == 0 {
			t = bucketStart(t.In(loc).AddDate(0, 0, int(width/(24*time.Hour))), width, loc)
		} else {
			t = t.Add(width)
		}
	}
	return out
}

func groups(m map[groupKey]*acc) []Group {
	out := make([]Group, 0, len(m))
	for k, a := range m {
		out = append(out, Group{Key: k.key, Variant: k.variant, Stats: a.finish()})
	}
	slices.SortFunc(out, func(a, b Group) int {
		if c := cmp.Compare(b.Messages, a.Messages); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		return cmp.Compare(a.Variant, b.Variant)
	})
	return out
}
