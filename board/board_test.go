package board_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/board"
	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/store"
)

// TestMain removes the sample shop's bundle (BenchmarkUnmatched) and stops the PostgreSQL
// server (testsvc.SharedPostgres) at the end.
func TestMain(m *testing.M) {
	code := m.Run()
	shoptest.Cleanup()
	testsvc.StopSharedPostgres()
	os.Exit(code)
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// T0 is midnight, 2 November 2026, China Standard Time (16:00 UTC the day before).
var T0 = time.Date(2026, 11, 2, 0, 0, 0, 0, board.CST)

// evil is an intent id a hostile or broken model might log.
const evil = `<script>alert("x")</script>`

// fillLog writes the decisions and feedback whose numbers the tests compute by hand into a
// fresh SQLite database in dir.
func fillLog(t testing.TB, dir string) *store.DB {
	t.Helper()
	return fill(t, store.Config{DataDir: dir})
}

// fill opens the database cfg names and writes fillLog's decisions and feedback into it.
func fill(t testing.TB, cfg store.Config) *store.DB {
	t.Helper()
	ctx := testCtx(t)
	db, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	at := func(d time.Duration) time.Time { return T0.Add(d) }
	ds := []store.Decision{
		{MsgID: "d1", Time: at(9*time.Hour + 10*time.Minute), Channel: "wecom", Text: "怎么开发票", Intent: "invoice", Route: store.RouteAuto,
			Confidence: 0.95, AnswerID: "invoice.a", Variant: "a", LatencyMicros: 100},
		{MsgID: "d2", Time: at(9*time.Hour + 20*time.Minute), Channel: "wecom", Text: "发票怎么开啊", Intent: "invoice", Route: store.RouteAuto,
			Confidence: 0.9, AnswerID: "invoice.b", Variant: "b", Repeat: true, LatencyMicros: 200},
		{MsgID: "d3", Time: at(9*time.Hour + 40*time.Minute), Channel: "kf", Text: "今天天气怎么样", Intent: store.NoneIntent, Route: store.RouteHandoff,
			Confidence: 0.2, LatencyMicros: 300},
		{MsgID: "d4", Time: at(14*time.Hour + 5*time.Minute), Channel: "kf", Text: "东西不要了", Intent: "return_goods", Route: store.RouteSuggest,
			Confidence: 0.6, AnswerID: "return_goods.a", LatencyMicros: 400},
		{MsgID: "d5", Time: at(33*time.Hour + 30*time.Minute), Channel: "wecom", Text: "我要退货 快点", Intent: "return_goods", Route: store.RouteHandoff,
			Confidence: 0.8, LatencyMicros: 500},
		{MsgID: "d6", Time: at(44 * time.Hour), Channel: "wecom", Text: "那个呢", Intent: evil, Route: store.RouteAuto,
			Confidence: 0.4, AnswerID: "x.a", LatencyMicros: 600},
		// outside the period: an hour before, and at its end (exclusive)
		{MsgID: "before", Time: at(-time.Hour), Channel: "wecom", Text: "在吗", Intent: store.NoneIntent, Route: store.RouteHandoff, Confidence: 0.1, LatencyMicros: 9000},
		{MsgID: "after", Time: at(48 * time.Hour), Channel: "wecom", Text: "在吗", Intent: store.NoneIntent, Route: store.RouteHandoff, Confidence: 0.1, LatencyMicros: 9000},
	}
	if _, err := db.AppendDecisions(ctx, ds); err != nil {
		t.Fatal(err)
	}
	yes, no := true, false
	for _, f := range []store.Feedback{
		{MsgID: "d1", Rating: 5, Resolved: &yes, Time: at(10 * time.Hour)},
		{MsgID: "d2", Rating: 2, Resolved: &no, Time: at(10 * time.Hour)},
		{MsgID: "d2", Rating: 4, Resolved: &yes, Time: at(11 * time.Hour)}, // the latest counts
		{MsgID: "d3", Rating: 1, Comment: "听不懂", Time: at(10 * time.Hour)},
		{MsgID: "d4", Resolved: &no, CorrectIntent: "invoice", AgentID: "agent-7", Time: at(15 * time.Hour)},
		{MsgID: "d5", Rating: 3, Time: at(50 * time.Hour)}, // after the period: counts with its decision
		{MsgID: "before", Rating: 5, Time: at(time.Hour)},
	} {
		if err := db.AddFeedback(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestBuildNumbers(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testBuildNumbers(t, fillLog(t, t.TempDir())) })
	t.Run("postgres", func(t *testing.T) {
		dsn := testsvc.SharedPostgres(t).NewDatabase(t)
		testBuildNumbers(t, fill(t, store.Config{URL: dsn, DataDir: t.TempDir()}))
	})
}

func testBuildNumbers(t *testing.T, db *store.DB) {
	b, err := board.Build(testCtx(t), db, board.Query{Since: T0, Until: T0.Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]any
	if err := json.Unmarshal(raw, &top); err != nil {
		t.Fatal(err)
	}
	// by hand: 6 messages (d1–d6); d3 out of scope; d3, d5 handed off; d6 below 0.5; d2 a
	// repeat; ratings 5, 4 (d2's latest), 1, 3; resolved d1 yes, d2 yes (latest), d4 no;
	// d4 corrected; latencies 100…600.
	want := map[string]float64{
		"messages": 6, "unrecognised": 1, "unmatched": 3, "handoffs": 2, "suggested": 1, "repeats": 1,
		"ratings": 4, "bad_ratings": 1, "resolved": 2, "resolved_known": 3, "corrections": 1,
		"unrecognised_rate": 1.0 / 6, "handoff_rate": 2.0 / 6, "repeat_rate": 1.0 / 6, "resolved_rate": 2.0 / 3,
		"mean_rating": 13.0 / 4, "bad_rating_share": 0.25, "latency_p50_us": 300, "latency_p99_us": 600,
	}
	for k, v := range want {
		got, ok := top[k].(float64)
		if !ok || !near(got, v) {
			t.Errorf("%s = %v, want %v", k, top[k], v)
		}
	}
	if top["bucket"] != "hour" || top["time_zone"] != "CST" || top["since"] != "2026-11-02T00:00:00+08:00" {
		t.Errorf("bucket %v, zone %v, since %v: want hour (2 days), CST, the start in +08:00", top["bucket"], top["time_zone"], top["since"])
	}
	for _, k := range []string{"series", "by_hour", "by_intent", "by_channel", "by_answer"} {
		if _, ok := top[k].([]any); !ok {
			t.Errorf("%s is not a list: %v", k, top[k])
		}
	}
	if len(b.Series) != 48 || b.Series[9].Messages != 3 || b.Series[14].Messages != 1 || b.Series[33].Messages != 1 {
		t.Fatalf("series: %d buckets, want 48 with 3 at 09:00, 1 at 14:00 and 1 at 09:00 next day", len(b.Series))
	}
	if s := b.Series[9]; s.Start != T0.Add(9*time.Hour) || s.Start.Location() != board.CST || s.LatencyP99 != 300 || s.Unrecognised != 1 {
		t.Errorf("09:00 bucket: %+v", s)
	}
	h9 := b.ByHour[9]
	if h9.Messages != 4 || h9.Handoffs != 2 || h9.Ratings != 4 || !near(h9.MeanRating, 3.25) || !near(h9.HandoffRate, 0.5) ||
		h9.LatencyP99Max != 500 || h9.LatencyP50Max != 500 || h9.Resolved != 2 || h9.ResolvedKnown != 2 {
		t.Errorf("by_hour[9] = %+v; want 4 messages over both days, 2 handoffs, mean rating 3.25, worst p99 500", h9)
	}
	if b.ByHour[14].Messages != 1 || b.ByHour[20].Messages != 1 || b.ByHour[0].Messages != 0 {
		t.Errorf("by_hour: 14h %d, 20h %d, 0h %d", b.ByHour[14].Messages, b.ByHour[20].Messages, b.ByHour[0].Messages)
	}
	keys := func(gs []store.Group) string {
		var s []string
		for _, g := range gs {
			s = append(s, g.Key+"/"+g.Variant)
		}
		return strings.Join(s, " ")
	}
	if got := keys(b.ByIntent); got != "invoice/ return_goods/ "+evil+"/ none/" {
		t.Errorf("by_intent %s", got)
	}
	if got := keys(b.ByChannel); got != "wecom/ kf/" || b.ByChannel[0].Messages != 4 {
		t.Errorf("by_channel %s", got)
	}
	if got := keys(b.ByAnswer); got != "invoice.a/a invoice.b/b return_goods.a/ x.a/" {
		t.Errorf("by_answer %s", got)
	}
	if g := b.ByIntent[1]; g.Key != "return_goods" || g.Corrections != 1 || g.ResolvedKnown != 1 || g.Resolved != 0 || g.Handoffs != 1 {
		t.Errorf("return_goods: %+v", g)
	}
}

func TestBuildDays(t *testing.T) {
	db := fillLog(t, t.TempDir())
	b, err := board.Build(testCtx(t), db, board.Query{Since: T0, Until: T0.Add(48 * time.Hour), Bucket: board.Day})
	if err != nil {
		t.Fatal(err)
	}
	if b.Bucket != "day" || len(b.Series) != 2 || b.Series[0].Messages != 4 || b.Series[1].Messages != 2 ||
		b.Series[1].Start != T0.Add(24*time.Hour) {
		t.Fatalf("day series: %s, %+v", b.Bucket, b.Series)
	}
	if b.Series[0].LatencyP99 != 400 || b.Series[1].LatencyP50 != 500 {
		t.Errorf("day latencies: p99 %d on day 1, p50 %d on day 2", b.Series[0].LatencyP99, b.Series[1].LatencyP50)
	}
	// the hours of the day come from the second (hourly) summary
	if b.ByHour[9].Messages != 4 || b.ByHour[20].Messages != 1 {
		t.Errorf("by_hour with day buckets: 9h %d, 20h %d", b.ByHour[9].Messages, b.ByHour[20].Messages)
	}
	// a week goes by the day on its own
	b, err = board.Build(testCtx(t), db, board.Query{Since: T0.Add(-5 * 24 * time.Hour), Until: T0.Add(48 * time.Hour)})
	if err != nil || b.Bucket != "day" || len(b.Series) != 7 || b.Messages != 7 {
		t.Fatalf("a week: %v, bucket %s, %d points, %d messages", err, b.Bucket, len(b.Series), b.Messages)
	}
}

func TestBuildErrors(t *testing.T) {
	db := fillLog(t, t.TempDir())
	for name, q := range map[string]board.Query{
		"no start":     {Until: T0},
		"backwards":    {Since: T0, Until: T0.Add(-time.Hour)},
		"empty":        {Since: T0, Until: T0},
		"90m buckets":  {Since: T0, Until: T0.Add(time.Hour), Bucket: 90 * time.Minute},
		"too many":     {Since: T0.Add(-400 * 24 * time.Hour), Until: T0, Bucket: board.Hour},
		"over a year":  {Since: T0.Add(-400 * 24 * time.Hour), Until: T0, Bucket: board.Day},
		"negative bkt": {Since: T0, Until: T0.Add(time.Hour), Bucket: -time.Hour},
	} {
		if _, err := board.Build(testCtx(t), db, q); !errors.Is(err, board.ErrQuery) {
			t.Errorf("%s: %v, want ErrQuery", name, err)
		}
	}
	// a day is the widest bucket: the advice is a shorter period
	if _, err := board.Build(testCtx(t), db, board.Query{Since: T0.Add(-100000 * 24 * time.Hour), Until: T0, Bucket: board.Day}); err == nil ||
		strings.Contains(err.Error(), "wider bucket") || !strings.Contains(err.Error(), "shorter period") {
		t.Errorf("100000 days by the day: %v, want the advice of a shorter period alone", err)
	}
	db.Close()
	if _, err := board.Build(testCtx(t), db, board.Query{Since: T0, Until: T0.Add(time.Hour)}); !errors.Is(err, store.ErrClosed) {
		t.Errorf("closed store: %v", err)
	}
}

func TestBuildEmpty(t *testing.T) {
	db, err := store.Open(testCtx(t), store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	b, err := board.Build(testCtx(t), db, board.Query{Since: T0, Until: T0.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(b)
	for _, want := range []string{`"messages":0`, `"by_intent":[]`, `"by_answer":[]`, `"series":[{`} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("no %s in %s", want, raw)
		}
	}
	var page, text bytes.Buffer
	if err := b.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	if err := b.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.String(), "No decisions in this period") || !strings.Contains(text.String(), "no decisions in this period") {
		t.Errorf("an empty period should say so:\n%s", text.String())
	}
}
