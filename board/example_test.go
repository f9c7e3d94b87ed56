package board_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/zhiyi-ai/zhiyi/board"
	"github.com/zhiyi-ai/zhiyi/store"
)

// A day of the decision log as zhiyi report --json gives it: the top-level names other tools
// read.
func Example() {
	dir, _ := os.MkdirTemp("", "zhiyi-board-example-")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	day := time.Date(2026, 11, 2, 0, 0, 0, 0, board.CST)
	db.AppendDecisions(ctx, []store.Decision{
		{MsgID: "m1", Time: day.Add(9 * time.Hour), Text: "怎么开发票", Intent: "invoice", Route: store.RouteAuto, Confidence: 0.96, LatencyMicros: 80},
		{MsgID: "m2", Time: day.Add(10 * time.Hour), Text: "在不在", Intent: store.NoneIntent, Route: store.RouteHandoff, Confidence: 0.2, LatencyMicros: 120},
		{MsgID: "m3", Time: day.Add(10 * time.Hour), Text: "发票呢", Intent: "invoice", Route: store.RouteAuto, Confidence: 0.9, Repeat: true, LatencyMicros: 90},
		{MsgID: "m4", Time: day.Add(11 * time.Hour), Text: "我要退货", Intent: "return_goods", Route: store.RouteSuggest, Confidence: 0.7, LatencyMicros: 100},
	})
	yes := true
	db.AddFeedback(ctx, store.Feedback{MsgID: "m1", Rating: 5, Resolved: &yes})
	db.AddFeedback(ctx, store.Feedback{MsgID: "m3", Rating: 2})

	b, err := board.Build(ctx, db, board.Query{Since: day, Until: day.Add(24 * time.Hour)})
	if err != nil {
		fmt.Println(err)
		return
	}
	raw, _ := json.Marshal(b)
	var top map[string]any
	json.Unmarshal(raw, &top)
	for _, k := range []string{"messages", "unrecognised", "handoff_rate", "resolved_rate", "mean_rating", "repeat_rate", "latency_p99_us", "bucket"} {
		fmt.Println(k, top[k])
	}
	fmt.Println("series", len(b.Series), "busiest hour", b.ByHour[10].Hour, b.ByHour[10].Messages)
	// Output:
	// messages 4
	// unrecognised 1
	// handoff_rate 0.25
	// resolved_rate 1
	// mean_rating 3.5
	// repeat_rate 0.25
	// latency_p99_us 120
	// bucket hour
	// series 24 busiest hour 10 2
}

// A bar chart is inline SVG: an image named by its title, its numbers in words in <desc> for a
// screen reader, a tooltip on every bar; labels are escaped.
func ExampleBarChart() {
	fmt.Println(board.BarChart(board.Bars{Title: "按意图", Width: 320, Items: []board.Bar{
		{Label: "发票 invoice", Value: 2, Note: "50%"},
		{Label: "<b>", Value: 1, Color: board.ColorBad},
	}}))
	// Output:
	// <svg xmlns="http://www.w3.org/2000/svg" class="chart" width="320" height="80" viewBox="0 0 320 80" role="img" aria-label="按意图"><desc>发票 invoice：2 · 50%；&lt;b&gt;：1。</desc><text x="4" y="16" font-size="13" font-weight="bold">按意图</text><g><title>发票 invoice: 2 · 50%</title><text x="144.0" y="41.0" font-size="11" text-anchor="end">发票 invoice</text><rect x="150.0" y="31.0" width="20.0" height="16.0" fill="#4682b4"/><text x="174.0" y="41.0" font-size="11">2 · 50%</text></g><g><title>&lt;b&gt;: 1</title><text x="144.0" y="63.0" font-size="11" text-anchor="end">&lt;b&gt;</text><rect x="150.0" y="53.0" width="10.0" height="16.0" fill="#dc143c"/><text x="164.0" y="63.0" font-size="11">1</text></g></svg>
}

// zhiyi export: a row per decision with its latest feedback (the last rating given), the text
// masked, times in CST. JSON lines keep =1+1 as written; CSV puts it behind an apostrophe.
func ExampleWriteRows() {
	dir, _ := os.MkdirTemp("", "zhiyi-rows-example-")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	day := time.Date(2026, 11, 2, 0, 0, 0, 0, board.CST)
	db.AppendDecisions(ctx, []store.Decision{
		{MsgID: "m1", Time: day.Add(9 * time.Hour), Text: "发票寄到13812345678", Intent: "invoice", Route: store.RouteAuto},
		{MsgID: "m2", Time: day.Add(10 * time.Hour), Text: "=1+1", Intent: store.NoneIntent, Route: store.RouteHandoff},
	})
	db.AddFeedback(ctx, store.Feedback{MsgID: "m1", Rating: 2, Time: day.Add(9*time.Hour + time.Minute)})
	db.AddFeedback(ctx, store.Feedback{MsgID: "m1", Rating: 5, Time: day.Add(9*time.Hour + 2*time.Minute)})

	n, err := board.WriteRows(ctx, db, board.RowsQuery{Since: day, Format: board.RowsJSON}, os.Stdout)
	fmt.Println(n, err)
	// Output:
	// {"msg_id":"m1","time":"2026-11-02T09:00:00+08:00","text":"发票寄到<PHONE>","intent":"invoice","confidence":0,"route":"auto","latency_us":0,"rating":5}
	// {"msg_id":"m2","time":"2026-11-02T10:00:00+08:00","text":"=1+1","intent":"none","confidence":0,"route":"handoff","latency_us":0}
	// 2 <nil>
}
