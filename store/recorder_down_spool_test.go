package store_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/store"
)

// TestRecordWhileDownGoesToTheSpool: while the database is known down (another process holds the
// SQLite file locked), a decision is in the spool when Record returns, not in the writer's queue
// while the writer spends WriteTimeout on a try of the database: the queue held up to 8,192
// acknowledged decisions for seconds, and a SIGKILL during the outage lost them (and the
// feedback acknowledged on them, given up 30 minutes later).
func TestRecordWhileDownGoesToTheSpool(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(testCtx(t), store.Config{DataDir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sink := &writeCountingSink{DB: db}
	r := newRecorder(t, sink, store.RecorderConfig{DataDir: dir, WriteTimeout: 4 * time.Second, RetryInterval: time.Millisecond})
	release := lockSQLite(t, dir)
	r.Record(decision(0))
	for r.Stats().Up { // the writer's insert of decision 0 waits WriteTimeout on the lock
		time.Sleep(10 * time.Millisecond)
	}
	for sink.inflight.Load() == 0 { // a try of the database, as the writer keeps making
		time.Sleep(time.Millisecond)
	}
	try, before := sink.seq.Load(), r.Stats().SpoolRecords
	const n = 50
	for i := 1; i <= n; i++ {
		r.Record(decision(i))
	}
	if sink.seq.Load() != try || sink.inflight.Load() == 0 {
		t.Skip("the writer's try of the locked database ended meanwhile; nothing to tell")
	}
	if got := r.Stats().SpoolRecords - before; got != n {
		t.Errorf("%d of the %d decisions recorded while the database was down are in the spool, want all: the rest wait in memory", got, n)
	}
	release()
	for !r.Stats().Up {
		time.Sleep(10 * time.Millisecond)
	}
	if err := r.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if got, distinct := count(t, db); got != n+1 || distinct != n+1 {
		t.Errorf("%d decisions (%d distinct) in the database after the outage, want %d", got, distinct, n+1)
	}
}
