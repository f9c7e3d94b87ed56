package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/store"
)

func main() {
	n := flag.Int("n", 1_000_000, "decisions to write")
	dir := flag.String("dir", "", "data directory for SQLite and the spool (default: a temporary one, removed after)")
	dbURL := flag.String("db", "", "PostgreSQL URL (default: SQLite in -dir)")
	pg := flag.Bool("pg", false, "start a private PostgreSQL 15 (fsync on) and write to it")
	queue := flag.Int("queue", 0, "recorder queue size (default store.DefaultQueueSize)")
	direct := flag.Bool("direct", false, "call DB.AppendDecisions with batches of store.DefaultBatchSize instead of the Recorder")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	copyLog := flag.Bool("copy", false, "write -n decisions to SQLite in -dir, then time zhiyi copy into PostgreSQL (-db, or a private one)")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "storebench:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	run := func() error { return run(*n, *dir, *dbURL, *pg, *queue, *direct) }
	if *copyLog {
		run = func() error {
			if *dir == "" {
				d, err := os.MkdirTemp("", "storebench-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(d)
				*dir = d
			}
			return runCopy(*n, *dir, *dbURL)
		}
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "storebench:", err)
		os.Exit(1)
	}
}

var texts = []string{"东西不要了怎么寄回去", "我要开发票，公司抬头", "什么时候发货啊", "快递到哪了", "能便宜点吗",
	"我的电话 13812345678 尽快联系", "转人工", "这个尺码偏大吗", "退款什么时候到账", "你们这个质量太差了"}
var intents = []string{"return_goods", "invoice", "shipping", "logistics", "bargain", "callback", "human_agent", "size", "refund", "none"}
var channels = []string{"wecom", "kf", "mp"}

func decision(rng *rand.Rand, i int, now time.Time) store.Decision {
	k := rng.IntN(len(texts))
	route := store.RouteAuto
	switch {
	case intents[k] == "none" || intents[k] == "human_agent":
		route = store.RouteHandoff
	case rng.IntN(4) == 0:
		route = store.RouteSuggest
	}
	return store.Decision{
		MsgID: fmt.Sprintf("wx%016x%08d", rng.Uint64(), i), Time: now.Add(time.Duration(i) * time.Millisecond),
		Channel: channels[rng.IntN(len(channels))], SenderHash: fmt.Sprintf("wm%08d", rng.IntN(10000)),
		ChatHash: fmt.Sprintf("chat%06d", rng.IntN(10000)), Text: texts[k], Intent: intents[k],
		Confidence: 0.5 + rng.Float64()/2, Route: route, Reason: "confident", AnswerID: intents[k] + ".a",
		Turn: 1 + rng.IntN(4), Model: "shop@20261122T045425Z", LatencyMicros: 60 + int64(rng.IntN(200)),
	}
}

func run(n int, dir, dbURL string, startPG bool, queue int, direct bool) error {
	ctx := context.Background()
	if dir == "" {
		d, err := os.MkdirTemp("", "storebench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	if startPG {
		p, err := testsvc.StartPostgres(testsvc.PostgresOptions{Durable: true})
		if err != nil {
			return err
		}
		defer p.Close()
		if dbURL, err = p.CreateDatabase("storebench"); err != nil {
			return err
		}
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	db, err := store.Open(ctx, store.Config{DataDir: dir, URL: dbURL, Logger: log})
	if err != nil {
		return err
	}
	defer db.Close()
	rec, err := store.NewRecorder(db, store.RecorderConfig{DataDir: dir, QueueSize: queue, Logger: log, RetainEvery: -1})
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Now().Add(-time.Duration(n) * time.Millisecond)
	ds := make([]store.Decision, n) // made before the clock starts: only recording is timed
	for i := range ds {
		ds[i] = decision(rng, i, now)
	}
	start := time.Now()
	if direct {
		for b := ds; len(b) > 0; b = b[min(len(b), store.DefaultBatchSize):] {
			if _, err := db.AppendDecisions(ctx, b[:min(len(b), store.DefaultBatchSize)]); err != nil {
				return err
			}
		}
	} else {
		for i := range ds {
			rec.Record(ds[i])
		}
	}
	recorded := time.Since(start)
	if err := rec.Flush(ctx); err != nil {
		return err
	}
	if err := rec.Close(); err != nil {
		return err
	}
	took := time.Since(start)
	st := rec.Stats()
	rows := 0
	if err := db.Decisions(ctx, store.Query{}, func(*store.Decision) error { rows++; return nil }); err != nil {
		return err
	}
	sumStart := time.Now()
	sum, err := db.Summary(ctx, store.SummaryQuery{Bucket: time.Hour})
	if err != nil {
		return err
	}
	sumTook := time.Since(sumStart)
	size, err := dbSize(ctx, db)
	if err != nil {
		return err
	}
	mode := "recorder"
	if direct {
		mode = "direct"
	}
	fmt.Printf("mode=%s backend=%s decisions=%d rows=%d took=%s rows/s=%.0f record_calls=%s (%.2f µs each) bytes/decision=%.0f db_bytes=%d spooled=%d replayed=%d dropped=%d summary_of_%d=%s\n",
		mode, db.Kind(), n, rows, took.Round(time.Millisecond), float64(n)/took.Seconds(), recorded.Round(time.Millisecond),
		float64(recorded.Microseconds())/float64(n), float64(size)/float64(max(rows, 1)), size, st.Spooled, st.Replayed, st.Dropped, sum.Messages, sumTook.Round(time.Millisecond))
	return nil
}

// dbSize returns the database's bytes: SQLite's file after a WAL checkpoint, or PostgreSQL's
// pg_database_size.
func dbSize(ctx context.Context, db *store.DB) (int64, error) {
	if db.Kind() == "postgres" {
		return db.SizeBytes(ctx)
	}
	if _, err := db.SizeBytes(ctx); err != nil { // checkpoints the WAL into the file
		return 0, err
	}
	fi, err := os.Stat(db.Path())
	if err != nil {
		return 0, err
	}
	wal, _ := os.Stat(filepath.Clean(db.Path() + "-wal"))
	if wal != nil {
		return fi.Size() + wal.Size(), nil
	}
	return fi.Size(), nil
}
