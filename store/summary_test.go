package store_test

import (
	"encoding/json"
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
