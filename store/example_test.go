package store_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/zhiyi-ai/zhiyi/store"
)

// The decision log as serve uses it: open, record asynchronously, take feedback, report.
func Example() {
	dir, _ := os.MkdirTemp("", "zhiyi-store-example-")
	defer os.RemoveAll(dir)
	ctx := context.Background()

	db, err := store.Open(ctx, store.Config{DataDir: dir}) // SQLite at dir/zhiyi.db, migrated
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	rec, err := store.NewRecorder(db, store.RecorderConfig{DataDir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Println(err)
		return
	}

	// On the request path: Record never waits for the database.
	rec.Record(store.Decision{MsgID: "m-1", Channel: "wecom", SenderHash: db.Hash("wmCustomer"),
		Text: "我要开发票，电话13812345678", Intent: "invoice", Confidence: 0.96, Route: store.RouteAuto, AnswerID: "invoice.a", LatencyMicros: 80})
	rec.Record(store.Decision{MsgID: "m-2", Channel: "wecom", Text: "在不在", Intent: store.NoneIntent,
		Confidence: 0.21, Route: store.RouteHandoff, LatencyMicros: 120})

	// POST /feedback: the decision may still be queued; unknown ids are ErrNotFound (404).
	yes := true
	fmt.Println(rec.AddFeedback(ctx, store.Feedback{MsgID: "m-1", Rating: 5, Resolved: &yes}))
	err = rec.AddFeedback(ctx, store.Feedback{MsgID: "m-404", Rating: 1})
	fmt.Println(errors.Is(err, store.ErrNotFound))
	rec.Close()

	d, _ := db.Decision(ctx, "m-1")
	fmt.Println(d.Text)
	db.Decisions(ctx, store.Query{Unmatched: true}, func(d *store.Decision) error {
		fmt.Println("unmatched:", d.MsgID, d.Unmatched(store.DefaultLowConfidence))
		return nil
	})
	sum, _ := db.Summary(ctx, store.SummaryQuery{})
	fmt.Printf("messages=%d unrecognised=%d handoff_rate=%.2f resolved_rate=%.2f mean_rating=%.1f\n",
		sum.Messages, sum.Unrecognised, sum.HandoffRate, sum.ResolvedRate, sum.MeanRating)
	// Output:
	// <nil>
	// true
	// 我要开发票,电话<PHONE>
	// unmatched: m-2 none
	// messages=2 unrecognised=1 handoff_rate=0.50 resolved_rate=1.00 mean_rating=5.0
}

// zhiyi copy: a log moved into another database, and a second pass for what was written since.
func ExampleDB_CopyFrom() {
	from, _ := os.MkdirTemp("", "zhiyi-copy-from-")
	to, _ := os.MkdirTemp("", "zhiyi-copy-to-")
	defer os.RemoveAll(from)
	defer os.RemoveAll(to)
	ctx := context.Background()

	old, _ := store.Open(ctx, store.Config{DataDir: from}) // the log serve wrote
	old.AppendDecisions(ctx, []store.Decision{{MsgID: "m-1", Text: "包邮吗", Intent: "shipping_fee", SenderHash: old.Hash("wmCustomer")}})
	src, _ := store.Open(ctx, store.Config{DataDir: from, ReadOnly: true})
	defer src.Close()
	dst, err := store.Open(ctx, store.Config{DataDir: to, CopyInto: true}) // or Config{URL: "postgres://…", CopyInto: true}
	if err != nil {
		fmt.Println(err)
		return
	}
	defer dst.Close()

	began := time.Now()
	p, err := dst.CopyFrom(ctx, src, store.CopyOptions{})
	fmt.Println(p.Decisions, p.OwnHashKey, err)
	fmt.Println(dst.Hash("wmCustomer") == old.Hash("wmCustomer")) // the key came with the copy

	old.AppendDecisions(ctx, []store.Decision{{MsgID: "m-2", Text: "发什么快递", Intent: "shipping_company"}})
	old.Close()
	p, err = dst.CopyFrom(ctx, src, store.CopyOptions{Since: began}) // too late: in-flight writes
	fmt.Println(errors.Is(err, store.ErrSinceGap))
	p, err = dst.CopyFrom(ctx, src, store.CopyOptions{Since: began.Add(-time.Minute)})
	fmt.Println(p.Decisions, err)
	// Output:
	// 1 true <nil>
	// true
	// true
	// 1 <nil>
}
