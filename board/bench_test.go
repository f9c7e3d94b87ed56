package board_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/board"
	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
	"github.com/zhiyi-ai/zhiyi/store"
)

// The benchmarks read a week of decisions: ZHIYI_BOARD_ROWS of them (default 50 000; the
// numbers in the package doc are for 1 000 000), written once into ZHIYI_BOARD_DIR (default a
// temporary directory) and reused from there by later runs.
var weekLog = sync.OnceValues(func() (*store.DB, error) {
	n := 50_000
	if v, err := strconv.Atoi(os.Getenv("ZHIYI_BOARD_ROWS")); err == nil && v > 0 {
		n = v
	}
	dir := os.Getenv("ZHIYI_BOARD_DIR")
	if dir == "" {
		d, err := os.MkdirTemp("", "zhiyi-board-bench-")
		if err != nil {
			return nil, err
		}
		dir = d
	}
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		return nil, err
	}
	var have int
	db.Decisions(ctx, store.Query{Newest: true, Limit: 1}, func(*store.Decision) error { have = n; return nil })
	if have > 0 {
		return db, nil // written by an earlier run
	}
	texts := []string{"东西不要了怎么寄回去", "我要开发票，公司抬头", "什么时候发货啊", "快递到哪了", "能便宜点吗",
		"我的电话 13812345678 尽快联系", "转人工", "这个尺码偏大吗", "退款什么时候到账", "你们这个质量太差了"}
	intents := []string{"return_goods", "invoice", "shipping", "logistics", "bargain", "callback", "human_agent", "size", "refund", "none"}
	channels := []string{"wecom", "kf", "mp"}
	rng := rand.New(rand.NewPCG(1, 2))
	start := weekStart
	step := 7 * 24 * time.Hour / time.Duration(n)
	batch := make([]store.Decision, 0, 512)
	var fbs []store.Feedback
	for i := range n {
		k := rng.IntN(len(texts))
		route := store.RouteAuto
		switch {
		case intents[k] == "none" || intents[k] == "human_agent":
			route = store.RouteHandoff
		case rng.IntN(4) == 0:
			route = store.RouteSuggest
		}
		d := store.Decision{MsgID: fmt.Sprintf("m%09d", i), Time: start.Add(time.Duration(i) * step),
			Channel: channels[rng.IntN(3)], Text: texts[k], Intent: intents[k], Route: route, Confidence: 0.3 + 0.7*rng.Float64(),
			AnswerID: intents[k] + ".a", Variant: []string{"", "b"}[rng.IntN(2)], Repeat: rng.IntN(30) == 0,
			LatencyMicros: 60 + int64(rng.ExpFloat64()*80)}
		batch = append(batch, d)
		if rng.IntN(10) == 0 {
			res := rng.IntN(3) > 0
			fbs = append(fbs, store.Feedback{MsgID: d.MsgID, Rating: 1 + rng.IntN(5), Resolved: &res, Time: d.Time.Add(time.Minute)})
		}
		if len(batch) == cap(batch) || i == n-1 {
			if _, err := db.AppendDecisions(ctx, batch); err != nil {
				return nil, err
			}
			batch = batch[:0]
		}
	}
	for _, f := range fbs {
		if err := db.AddFeedback(ctx, f); err != nil {
			return nil, err
		}
	}
	return db, nil
})

var weekStart = time.Date(2026, 11, 2, 0, 0, 0, 0, board.CST)

func benchLog(b *testing.B) *store.DB {
	b.Helper()
	db, err := weekLog()
	if err != nil {
		b.Fatal(err)
	}
	return db
}

// BenchmarkBuild is zhiyi report over a week: one Summary by the hour, or two (days, then
// hours for by_hour).
func BenchmarkBuild(b *testing.B) {
	db := benchLog(b)
	for _, bucket := range []time.Duration{board.Hour, board.Day} {
		b.Run(bucketName(bucket), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := board.Build(context.Background(), db, board.Query{Since: weekStart, Until: weekStart.Add(7 * 24 * time.Hour), Bucket: bucket}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkWeek is what 看板 and zhiyi report --compare read for a week by the day: the board,
// the week before for comparison, and the bad ratings' words.
func BenchmarkWeek(b *testing.B) {
	db := benchLog(b)
	ctx := context.Background()
	q := board.Query{Since: weekStart.Add(3 * 24 * time.Hour), Until: weekStart.Add(10 * 24 * time.Hour), Bucket: board.Day}
	b.ReportAllocs()
	for b.Loop() {
		bd, err := board.Build(ctx, db, q)
		if err == nil {
			err = board.Compare(ctx, db, q, bd)
		}
		if err == nil {
			err = board.BadComments(ctx, db, bd)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

func bucketName(d time.Duration) string {
	if d == board.Hour {
		return "hour"
	}
	return "day"
}

// BenchmarkWriteHTML renders a week by the hour (168 points a chart).
func BenchmarkWriteHTML(b *testing.B) {
	bd, err := board.Build(context.Background(), benchLog(b), board.Query{Since: weekStart, Until: weekStart.Add(7 * 24 * time.Hour), Bucket: board.Hour})
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	bd.WriteHTML(&buf)
	b.ReportMetric(float64(buf.Len()), "page-bytes")
	b.ReportAllocs()
	for b.Loop() {
		if err := bd.WriteHTML(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnmatched clusters the sample shop's holdout, logged as unmatched decisions
// (ZHIYI_UNMATCHED_ROWS of them, default 5000, each worded its own way: see vary), with the sample shop's
// bundle: zhiyi unmatched and GET /admin/unmatched.
func BenchmarkUnmatched(b *testing.B) {
	n := 5000
	if v, err := strconv.Atoi(os.Getenv("ZHIYI_UNMATCHED_ROWS")); err == nil && v > 0 {
		n = v
	}
	dir, err := shoptest.Bundle()
	if err != nil {
		b.Fatal(err)
	}
	eng, err := intent.Load(context.Background(), dir)
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	texts, err := shoptest.Holdout()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DataDir: filepath.Join(b.TempDir(), "log")})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ds := make([]store.Decision, n)
	for i := range ds {
		ds[i] = store.Decision{MsgID: fmt.Sprintf("u%07d", i), Time: weekStart.Add(time.Duration(i) * time.Second),
			Text: vary(texts, i), Intent: store.NoneIntent, Route: store.RouteHandoff, Confidence: 0.2}
	}
	if _, err := db.AppendDecisions(ctx, ds); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		res, err := board.Unmatched(ctx, db, eng, board.UnmatchedQuery{Since: weekStart, Max: n})
		if err != nil || res.Messages != n {
			b.Fatal(err, res.Messages)
		}
		b.ReportMetric(float64(len(res.Lines)), "clusters")
	}
}

// vary returns the i-th message: the holdout's texts, then each joined with the start of
// another, so that (as in real traffic) almost every message is worded its own way.
func vary(texts []string, i int) string {
	n := len(texts)
	if i < n {
		return texts[i]
	}
	other := []rune(texts[(i+13*(i/n))%n])
	return texts[i%n] + "，" + string(other[:min(len(other), 6)])
}
