package store_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/store"
)

// Other tools read these names at the top level of `zhiyi report --json` (issue 15).
func TestSummaryJSON(t *testing.T) {
	db := openSQLite(t)
	now := time.Now()
	if _, err := db.AppendDecisions(testCtx(t), []store.Decision{
		{MsgID: "a", Time: now, Intent: "invoice", Route: store.RouteAuto, Confidence: 0.9, Channel: "wecom", AnswerID: "invoice.a", Repeat: true},
		{MsgID: "b", Time: now, Intent: store.NoneIntent, Route: store.RouteHandoff, Confidence: 0.1, Channel: "wecom"},
	}); err != nil {
		t.Fatal(err)
	}
	sum, err := db.Summary(testCtx(t), store.SummaryQuery{Since: now.Add(-time.Hour), Until: now.Add(time.Hour), Bucket: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(sum)
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]any
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"messages": 2, "unrecognised": 1, "handoff_rate": 0.5, "resolved_rate": 0,
		"mean_rating": 0, "repeat_rate": 0.5, "bad_rating_share": 0, "unrecognised_rate": 0.5}
	for k, v := range want {
		if got, ok := top[k].(float64); !ok || got != v {
			t.Errorf("%s = %v, want %v in %s", k, top[k], v, b)
		}
	}
	for _, k := range []string{"series", "by_intent", "by_channel", "by_answer", "latency_p99_us", "since", "until"} {
		if _, ok := top[k]; !ok {
			t.Errorf("no %q in %s", k, b)
		}
	}
}

// A summary by the day with Hourly gives the hourly series a summary by the hour gives, from the
// one scan (board.Build draws its hours of the day from it).
func TestSummaryHourlyFromTheSameScan(t *testing.T) {
	db := openSQLite(t)
	cst := time.FixedZone("CST", 8*3600)
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, cst)
	var ds []store.Decision
	for i := range 60 {
		route := store.RouteAuto
		if i%4 == 0 {
			route = store.RouteHandoff
		}
		ds = append(ds, store.Decision{MsgID: fmt.Sprintf("m%02d", i), Time: start.Add(time.Duration(i*97) * time.Minute),
			Intent: []string{"invoice", "refund", store.NoneIntent}[i%3], Route: route, Confidence: 0.5, Channel: "wecom", LatencyMicros: int64(50 + i)})
	}
	if _, err := db.AppendDecisions(testCtx(t), ds); err != nil {
		t.Fatal(err)
	}
	if err := db.AddFeedback(testCtx(t), store.Feedback{MsgID: "m07", Rating: 1, Time: start.Add(12 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	period := store.SummaryQuery{Since: start, Until: start.Add(5 * 24 * time.Hour), Location: cst}
	byHour, byDay := period, period
	byHour.Bucket = time.Hour
	byDay.Bucket, byDay.Hourly = 24*time.Hour, true
	h, err := db.Summary(testCtx(t), byHour)
	if err != nil {
		t.Fatal(err)
	}
	d, err := db.Summary(testCtx(t), byDay)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Series) != 5 || len(d.Hourly) != 120 {
		t.Fatalf("%d days and %d hours, want 5 and 120", len(d.Series), len(d.Hourly))
	}
	if !reflect.DeepEqual(d.Hourly, h.Series) {
		t.Errorf("hourly from the daily summary differs from the hourly summary's series:\n%+v\n%+v", d.Hourly, h.Series)
	}
	if h.Hourly != nil {
		t.Errorf("hourly given unasked: %d buckets", len(h.Hourly))
	}
	var msgs int64
	for _, b := range d.Hourly {
		msgs += b.Messages
	}
	if msgs != d.Messages || d.BadRatings != 1 {
		t.Errorf("hours hold %d messages of %d, %d bad ratings", msgs, d.Messages, d.BadRatings)
	}
}
