package board

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/period"
	"github.com/zhiyi-ai/zhiyi/store"
)

// Source is what a board reads from the decision log; *store.DB implements it.
type Source interface {
	Summary(ctx context.Context, q store.SummaryQuery) (*store.Summary, error)
}

// Bucket widths a board understands by name.
const (
	Hour = time.Hour
	Day  = 24 * time.Hour
)

// AutoHourly is the longest period whose series Build draws by the hour when Query.Bucket is
// zero; longer periods go by the day.
const AutoHourly = 3 * Day

// MaxPoints bounds a series (the store's own bound: a year of hours).
const MaxPoints = 24 * 366

// ErrQuery is returned by Build for a query it cannot answer: no start, a start after the end,
// a bucket that is neither hours nor days, or a series longer than MaxPoints.
var ErrQuery = errors.New("cannot report on this period")

// CST is China Standard Time, the shops' clock: the default Location of a Query, the zone
// period.Parse reads dates in.
var CST = period.CST

// Query chooses a board's period and how it groups it.
type Query struct {
	Since time.Time // required
	Until time.Time // zero = now
	// Bucket is the series' step: Hour, Day, or a multiple of either. Zero means Hour for
	// periods up to AutoHourly, Day beyond.
	Bucket time.Duration
	// Location is the clock days and hours of the day are read in (CST when nil).
	Location *time.Location
	// LowConfidence is the confidence below which a decision counts as unmatched
	// (store.DefaultLowConfidence when zero).
	LowConfidence float64
	// Labels maps intent ids to the knowledge base's Chinese labels, for the page and the text;
	// the JSON keeps ids. Optional.
	Labels map[string]string
	// Now is the time a zero Until stands for (time.Now when zero); tests set it.
	Now time.Time
}

// Board is the dashboard of a period: the decision log's numbers in total (at the top level of
// its JSON: messages, unrecognised, handoff_rate, resolved_rate, mean_rating, repeat_rate …, the
// names of store.Stats), as a time series, by hour of the day, and by intent, channel and answer
// (with its variant). Other tools read these JSON names: keep them.
type Board struct {
	Since    time.Time `json:"since"`
	Until    time.Time `json:"until"`
	Bucket   string    `json:"bucket"`    // "hour", "day", or a duration such as "6h0m0s"
	TimeZone string    `json:"time_zone"` // the Location's name: series starts and by_hour are in it
	// Shop names the shop the log is of (zhiyi report: the alerts file's shop:, or --model's
	// kb.yaml shop), in Title: one group robot several shops report to tells them apart.
	Shop string `json:"shop,omitempty"`
	store.Stats
	// Auto is the messages answered automatically, Messages − Handoffs − Suggested − Silent: the
	// first number of a weekly review, which the text and JSON left to the reader's arithmetic.
	Auto int64 `json:"auto"`
	// Series is the period in steps of Bucket, empty steps included, starts in TimeZone.
	Series []store.Bucket `json:"series"`
	// ByHour is the hour of the day (0–23 in TimeZone), summed over the period's days.
	ByHour    []HourStats   `json:"by_hour"`
	ByIntent  []store.Group `json:"by_intent"`
	ByChannel []store.Group `json:"by_channel"`
	ByAnswer  []store.Group `json:"by_answer"` // key is the answer id, variant its A/B variant
	// BadComments are the comments most often left on the period's bad ratings, and
	// BadCommented how many bad ratings had one, when BadComments set them.
	BadComments  []CommentCount `json:"bad_comments,omitempty"`
	BadCommented int64          `json:"bad_commented,omitempty"`
	// Previous is the period of the same length just before, when Compare set it.
	Previous *Previous `json:"previous,omitempty"`
	// Labels are Query.Labels, for rendering.
	Labels map[string]string `json:"-"`
	// Generated is when Build ran, in Location.
	Generated time.Time `json:"-"`
}

// HourStats are the numbers of one hour of the day over the period: the counts and rates of
// store.Stats under the same names. Percentiles do not add up across hours, so instead of
// them LatencyP50Max and LatencyP99Max are the slowest single hour's percentiles at this hour
// of day — an upper bound of the hour of day's own percentile.
type HourStats struct {
	Hour          int     `json:"hour"`
	Messages      int64   `json:"messages"`
	Unrecognised  int64   `json:"unrecognised"`
	Unmatched     int64   `json:"unmatched"`
	Handoffs      int64   `json:"handoffs"`
	Suggested     int64   `json:"suggested"`
	Silent        int64   `json:"silent"`
	Repeats       int64   `json:"repeats"`
	Escalations   int64   `json:"escalations"`
	Ratings       int64   `json:"ratings"`
	BadRatings    int64   `json:"bad_ratings"`
	Resolved      int64   `json:"resolved"`
	ResolvedKnown int64   `json:"resolved_known"`
	Corrections   int64   `json:"corrections"`
	UnrecogRate   float64 `json:"unrecognised_rate"`
	HandoffRate   float64 `json:"handoff_rate"`
	RepeatRate    float64 `json:"repeat_rate"`
	ResolvedRate  float64 `json:"resolved_rate"`
	MeanRating    float64 `json:"mean_rating"`
	BadShare      float64 `json:"bad_rating_share"`
	LatencyP50Max int64   `json:"latency_p50_max_us"`
	LatencyP99Max int64   `json:"latency_p99_max_us"`
}

// Build reads the period's numbers from src in one Summary: the totals, the series and the hours
// of the day (ByHour). Its errors are ErrQuery's and src's.
func Build(ctx context.Context, src Source, q Query) (*Board, error) {
	return build(ctx, src, q, true)
}

// build is Build; without series it reads the totals and groups alone (the period before, which
// Compare shows as totals).
func build(ctx context.Context, src Source, q Query, series bool) (*Board, error) {
	now := q.Now
	if now.IsZero() {
		now = time.Now()
	}
	if q.Until.IsZero() {
		q.Until = now
	}
	loc := q.Location
	if loc == nil {
		loc = CST
	}
	switch {
	case q.Since.IsZero():
		return nil, fmt.Errorf("%w: the period needs a start", ErrQuery)
	case !q.Since.Before(q.Until):
		return nil, fmt.Errorf("%w: the period starts (%s) at or after its end (%s)", ErrQuery,
			q.Since.In(loc).Format(time.DateTime), q.Until.In(loc).Format(time.DateTime))
	}
	if q.Bucket == 0 {
		q.Bucket = Hour
		if q.Until.Sub(q.Since) > AutoHourly {
			q.Bucket = Day
		}
	}
	if q.Bucket <= 0 || q.Bucket%Hour != 0 {
		return nil, fmt.Errorf("%w: bucket %s is not a whole number of hours", ErrQuery, q.Bucket)
	}
	if n := q.Until.Sub(q.Since) / q.Bucket; n > MaxPoints {
		advice := "choose a wider bucket or a shorter period"
		if q.Bucket >= Day {
			advice = "choose a shorter period (--since, --until)" // no bucket is wider than a day
		}
		return nil, fmt.Errorf("%w: %s in steps of %s is %d points, more than %d: %s",
			ErrQuery, q.Until.Sub(q.Since), bucketName(q.Bucket), n, MaxPoints, advice)
	}
	if hours := q.Until.Sub(q.Since) / Hour; hours > MaxPoints {
		return nil, fmt.Errorf("%w: the period is longer than a year (%d hours)", ErrQuery, hours)
	}
	sq := store.SummaryQuery{Since: q.Since, Until: q.Until, Location: loc, LowConfidence: q.LowConfidence}
	if series {
		// by the day, the hours of the day (ByHour) come from the same scan
		sq.Bucket, sq.Hourly = q.Bucket, q.Bucket != Hour
	}
	sum, err := src.Summary(ctx, sq)
	if err != nil {
		return nil, err
	}
	hourly := sum.Hourly
	if q.Bucket == Hour {
		hourly = sum.Series
	}
	b := &Board{Since: q.Since.In(loc), Until: q.Until.In(loc), Bucket: bucketName(q.Bucket), TimeZone: loc.String(),
		Stats: sum.Stats, Auto: sum.Messages - sum.Handoffs - sum.Suggested - sum.Silent, Series: sum.Series, ByHour: byHour(hourly, loc),
		ByIntent: nonNil(sum.ByIntent), ByChannel: nonNil(sum.ByChannel), ByAnswer: nonNil(sum.ByAnswer),
		Labels: q.Labels, Generated: now.In(loc)} // shown beside the period, on its clock
	if b.Series == nil {
		b.Series = []store.Bucket{}
	}
	for i := range b.Series {
		b.Series[i].Start = b.Series[i].Start.In(loc)
	}
	return b, nil
}

func nonNil(g []store.Group) []store.Group {
	if g == nil {
		return []store.Group{}
	}
	return g
}

func bucketName(d time.Duration) string {
	switch d {
	case Hour:
		return "hour"
	case Day:
		return "day"
	}
	return d.String()
}

// byHour folds an hourly series into the 24 hours of the day in loc.
func byHour(series []store.Bucket, loc *time.Location) []HourStats {
	out := make([]HourStats, 24)
	var ratingSum [24]float64
	for i := range out {
		out[i].Hour = i
	}
	for _, b := range series {
		h := &out[b.Start.In(loc).Hour()]
		s := &b.Stats
		h.Messages += s.Messages
		h.Unrecognised += s.Unrecognised
		h.Unmatched += s.Unmatched
		h.Handoffs += s.Handoffs
		h.Suggested += s.Suggested
		h.Silent += s.Silent
		h.Repeats += s.Repeats
		h.Escalations += s.Escalations
		h.Ratings += s.Ratings
		h.BadRatings += s.BadRatings
		h.Resolved += s.Resolved
		h.ResolvedKnown += s.ResolvedKnown
		h.Corrections += s.Corrections
		// The store's mean is a sum of whole ratings over their count: the sum comes back exactly.
		ratingSum[h.Hour] += math.Round(s.MeanRating * float64(s.Ratings))
		h.LatencyP50Max = max(h.LatencyP50Max, s.LatencyP50)
		h.LatencyP99Max = max(h.LatencyP99Max, s.LatencyP99)
	}
	for i := range out {
		h := &out[i]
		h.UnrecogRate = ratio(h.Unrecognised, h.Messages)
		h.HandoffRate = ratio(h.Handoffs, h.Messages)
		h.RepeatRate = ratio(h.Repeats, h.Messages)
		h.ResolvedRate = ratio(h.Resolved, h.ResolvedKnown)
		h.BadShare = ratio(h.BadRatings, h.Ratings)
		if h.Ratings > 0 {
			h.MeanRating = ratingSum[i] / float64(h.Ratings)
		}
	}
	return out
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// rate is a/b for a chart: NaN (no point) when b is zero, so an hour without feedback is a
// gap, not a fall to zero.
func rate(a, b int64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

// Label returns the intent's Chinese label and id ("退货 return_goods"), or the id alone. The
// intent none is 范围外 (out of scope), not 未识别: its messages include those a rule answered,
// which the report does not count as unrecognised. With Labels given, an intent they lack —
// renamed or deleted since its messages were decided — is marked so ("shipping_time
// （已不在知识库）"): its rows stay under the id they were logged with.
func (b *Board) Label(id string) string {
	if id == store.NoneIntent {
		return "范围外 none"
	}
	l, ok := b.Labels[id]
	if l != "" && l != id {
		return l + " " + id
	}
	if !ok && b.Labels != nil && id != "" {
		return id + NotInKBMark
	}
	return id
}

// NotInKBMark follows an intent id that the knowledge base the board was labelled from lacks.
const NotInKBMark = "（已不在知识库）"

// NotInKB returns the by-intent groups whose intent Labels lacks (none aside): intents renamed
// or deleted since their messages were decided. Nil without Labels.
func (b *Board) NotInKB() []store.Group {
	if b.Labels == nil {
		return nil
	}
	var out []store.Group
	for _, g := range b.ByIntent {
		if _, ok := b.Labels[g.Key]; !ok && g.Key != store.NoneIntent && g.Key != "" {
			out = append(out, g)
		}
	}
	return out
}
