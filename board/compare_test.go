package board_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/board"
	"github.com/zhiyi-ai/zhiyi/store"
)

// A weekly review asks what changed since last week, and which intents grew in a promotion
// week: report --compare sets the week before beside the week, from the same SQLite log, with
// an intent asked only last week counted as shrunk to 0.
func TestCompareWithThePeriodBefore(t *testing.T) {
	ctx := testCtx(t)
	db, err := store.Open(ctx, store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	week := T0.AddDate(0, 0, 7)
	var ds []store.Decision
	add := func(id, in, route string, at time.Time) {
		ds = append(ds, store.Decision{MsgID: id, Time: at, Intent: in, Route: route, Confidence: 0.9})
	}
	add("p1", "price_coupon", store.RouteAuto, T0.Add(time.Hour))
	add("p2", "installment", store.RouteAuto, T0.Add(2*time.Hour))
	add("p3", "installment", store.RouteHandoff, T0.Add(3*time.Hour))
	add("p4", "greeting", store.RouteAuto, week.Add(-time.Microsecond)) // the last of the week before
	for i, at := range []time.Duration{0, time.Hour, 2 * time.Hour, 3 * time.Hour} {
		add("w"+string(rune('a'+i)), "price_coupon", store.RouteAuto, week.Add(at))
	}
	add("w9", "greeting", store.RouteSuggest, week.Add(4*time.Hour))
	if _, err := db.AppendDecisions(ctx, ds); err != nil {
		t.Fatal(err)
	}
	q := board.Query{Since: week, Until: week.AddDate(0, 0, 7), Labels: map[string]string{"price_coupon": "价格与优惠券", "installment": "分期付款", "greeting": "问候"}}
	b, err := board.Build(ctx, db, q)
	if err != nil {
		t.Fatal(err)
	}
	if err := board.Compare(ctx, db, q, b); err != nil {
		t.Fatal(err)
	}
	p := b.Previous
	if p == nil || !p.Since.Equal(T0) || !p.Until.Equal(week) || p.Messages != 4 || p.Auto != 3 || p.Handoffs != 1 {
		t.Fatalf("previous %+v; want the week before: 4 messages, 3 answered automatically, 1 handoff", p)
	}
	want := []board.IntentChange{
		{Key: "price_coupon", Previous: 1, Messages: 4, Change: 3},
		{Key: "installment", Previous: 2, Messages: 0, Change: -2},
		{Key: "greeting", Previous: 1, Messages: 1, Change: 0},
	}
	if len(p.Intents) != len(want) {
		t.Fatalf("intents %+v, want %+v", p.Intents, want)
	}
	for i := range want {
		if p.Intents[i] != want[i] {
			t.Errorf("intent %d: %+v, want %+v", i, p.Intents[i], want[i])
		}
	}
	var text bytes.Buffer
	if err := b.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(strings.Fields(text.String()), " ") // the columns' padding aside
	for _, line := range []string{"消息量 messages 4 → 5 +25.0%", "自动回复 answered 75% → 80%", "价格与优惠券 price_coupon 1 → 4 +3", "分期付款 installment 2 → 0 -2"} {
		if !strings.Contains(got, line) {
			t.Errorf("the text has no %q:\n%s", line, text.String())
		}
	}
	// the HTML page (report --html) shows the same rows
	page := pageText(t, b)
	for _, line := range []string{"与上一周期相比", "消息量 messages 4 5 +25.0%", "自动回复 answered 75% 80%", "价格与优惠券 price_coupon 1 4 +3", "分期付款 installment 2 0 -2"} {
		if !strings.Contains(page, line) {
			t.Errorf("the HTML page has no %q:\n%s", line, page)
		}
	}
}

// TestCompareRowsEmptyPeriod: the first week a shop logs, beside a week with no messages, shows
// no rate for that week ("–"): 未识别 0% → 5.7% read as a rise, in the report and the robot's
// message alike.
func TestCompareRowsEmptyPeriod(t *testing.T) {
	b := &board.Board{Stats: store.Stats{Messages: 10, UnrecognisedRate: 0.2}, Auto: 5, Previous: &board.Previous{}}
	for _, r := range b.CompareRows() {
		if r.Name == "消息量 messages" || r.Name == "解决率 resolved" || r.Name == "满意度 mean rating" {
			continue
		}
		if r.Previous != "–" || r.Current == "–" {
			t.Errorf("%s: %s → %s; want – beside the week's rate", r.Name, r.Previous, r.Current)
		}
	}
}
