package storetest

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/store"
)

// The Summary cases: every number of a small, known period, by hand.

func summary(t *testing.T, s store.Store, q store.SummaryQuery) *store.Summary {
	t.Helper()
	sum, err := s.Summary(ctx(t), q)
	if err != nil {
		t.Fatalf("Summary: %v", err)
	}
	return sum
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func testSummary(t *testing.T, s store.Store) {
	appendAll(t, s, sample(s)...)
	add := func(f store.Feedback) {
		t.Helper()
		if err := s.AddFeedback(ctx(t), f); err != nil {
			t.Fatal(err)
		}
	}
	add(store.Feedback{MsgID: "m01", Rating: 1, Time: at(1)})
	add(store.Feedback{MsgID: "m01", Rating: 5, Resolved: boolp(true), Time: at(2)}) // latest rating wins: 5
	add(store.Feedback{MsgID: "m03", Rating: 2, Resolved: boolp(true), Time: at(11)})
	add(store.Feedback{MsgID: "m03", Resolved: boolp(false), Time: at(12)}) // latest resolved wins: false
	add(store.Feedback{MsgID: "m05", Rating: 1, CorrectIntent: "invoice", Time: at(31)})
	add(store.Feedback{MsgID: "m09", Rating: 4, Resolved: boolp(true), Time: at(161)})

	sum := summary(t, s, store.SummaryQuery{})
	want := store.Stats{Messages: 10, Unrecognised: 2, Unmatched: 4, Handoffs: 3, Suggested: 3, Repeats: 2,
		Escalations: 1, Ratings: 4, BadRatings: 2, Resolved: 2, ResolvedKnown: 3, Corrections: 1,
		UnrecognisedRate: 0.2, HandoffRate: 0.3, RepeatRate: 0.2, ResolvedRate: 2.0 / 3, MeanRating: 12.0 / 4,
		BadRatingShare: 0.5, LatencyP50: 500, LatencyP99: 10000}
	checkStats(t, "total", sum.Stats, want)

	byIntent := map[string]store.Stats{}
	for _, g := range sum.ByIntent {
		byIntent[g.Key] = g.Stats
	}
	if len(sum.ByIntent) != 5 || sum.ByIntent[0].Key != "invoice" {
		t.Errorf("by intent: %+v", sum.ByIntent)
	}
	if g := byIntent["invoice"]; g.Messages != 3 || g.Ratings != 1 || g.MeanRating != 5 || g.LatencyP50 != 200 || g.LatencyP99 != 800 {
		t.Errorf("invoice: %+v", g)
	}
	if g := byIntent["none"]; g.Messages != 2 || g.Unrecognised != 2 || g.Corrections != 1 || g.BadRatingShare != 1 {
		t.Errorf("none: %+v", g)
	}
	var chans []string
	for _, g := range sum.ByChannel {
		chans = append(chans, fmt.Sprintf("%s:%d", g.Key, g.Messages))
	}
	if got := strings.Join(chans, ","); got != "wecom:5,kf:3,mp:2" {
		t.Errorf("by channel: %s", got)
	}
	var answers []string
	for _, g := range sum.ByAnswer {
		answers = append(answers, fmt.Sprintf("%s/%s:%d:%d:%d", g.Key, g.Variant, g.Messages, g.Ratings, g.Resolved))
	}
	if got, want := strings.Join(answers, ","), "invoice.a/:3:1:1,shipping.a/:2:1:1,return.a/a:1:1:0,return.a/b:1:0:0"; got != want {
		t.Errorf("by answer: %s, want %s", got, want)
	}

	// A period: the feedback of its decisions only.
	sum = summary(t, s, store.SummaryQuery{Since: at(60), Until: at(180)})
	checkStats(t, "period", sum.Stats, store.Stats{Messages: 5, Unrecognised: 1, Unmatched: 2, Handoffs: 2, Suggested: 1,
		Repeats: 2, Escalations: 1, Ratings: 1, Resolved: 1, ResolvedKnown: 1, UnrecognisedRate: 0.2, HandoffRate: 0.4,
		RepeatRate: 0.4, ResolvedRate: 1, MeanRating: 4, LatencyP50: 800, LatencyP99: 10000})

	empty := summary(t, s, store.SummaryQuery{Since: at(1000)})
	checkStats(t, "empty", empty.Stats, store.Stats{})
}

func checkStats(t *testing.T, name string, got, want store.Stats) {
	t.Helper()
	g, w := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range g.NumField() {
		f := g.Type().Field(i).Name
		switch gv := g.Field(i).Interface().(type) {
		case float64:
			if !near(gv, w.Field(i).Float()) {
				t.Errorf("%s: %s = %v, want %v", name, f, gv, w.Field(i).Float())
			}
		default:
			if gv != w.Field(i).Interface() {
				t.Errorf("%s: %s = %v, want %v", name, f, gv, w.Field(i).Interface())
			}
		}
	}
}

func testSummarySeries(t *testing.T, s store.Store) {
	appendAll(t, s, sample(s)...)
	sum := summary(t, s, store.SummaryQuery{Bucket: time.Hour})
	var got []string
	for _, b := range sum.Series {
		got = append(got, fmt.Sprintf("%s:%d:%d", b.Start.Format("15"), b.Messages, b.Handoffs))
	}
	if want := "09:5:1,10:2:2,11:3:0"; strings.Join(got, ",") != want {
		t.Errorf("hourly series = %s, want %s", strings.Join(got, ","), want)
	}
	// Bounds widen the series with empty buckets; days start at midnight in Location.
	sum = summary(t, s, store.SummaryQuery{Since: T0.Add(-2 * time.Hour), Until: T0.Add(5 * time.Hour), Bucket: time.Hour})
	if len(sum.Series) != 7 || sum.Series[0].Messages != 0 || !sum.Series[2].Start.Equal(T0) || sum.Series[2].Messages != 5 {
		t.Errorf("bounded series: %+v", sum.Series)
	}
	shanghai := time.FixedZone("CST", 8*3600)
	sum = summary(t, s, store.SummaryQuery{Bucket: 24 * time.Hour, Location: shanghai})
	if len(sum.Series) != 1 || !sum.Series[0].Start.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, shanghai)) || sum.Series[0].Messages != 10 {
		t.Errorf("daily series: %+v", sum.Series)
	}
	// T0 is 17:00 in Shanghai, the last decision 19:50: all on 1 March, between two empty days.
	sum = summary(t, s, store.SummaryQuery{Since: T0.Add(-24 * time.Hour), Until: T0.Add(24 * time.Hour), Bucket: 24 * time.Hour, Location: shanghai})
	if len(sum.Series) != 3 || sum.Series[1].Messages != 10 {
		t.Errorf("bounded daily series: %+v", sum.Series)
	}
}
