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

// TestQueueSpooledBeforeEachTry: decisions queued while the first write to a locked database
// hung (the outage not known yet) are in the spool before the writer's next try of it, not in
// memory through try after try.
func TestQueueSpooledBeforeEachTry(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(testCtx(t), store.Config{DataDir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sink := &writeCountingSink{DB: db}
	// No flush ticks, kicks or timed retries: the writer moves only for the Flush below.
	r := newRecorder(t, sink, store.RecorderConfig{DataDir: dir, WriteTimeout: 4 * time.Second,
		FlushInterval: time.Hour, RetryInterval: time.Hour, BatchSize: 1000})
	release := lockSQLite(t, dir)
	r.Record(decision(0))
	flushed := make(chan struct{})
	go func() { // drains decision 0 into the locked database, then replays what it spooled
		defer close(flushed)
		r.Flush(testCtx(t))
	}()
	for sink.inflight.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	const n = 50
	for i := 1; i <= n; i++ {
		r.Record(decision(i)) // queued: the outage is not known yet
	}
	for r.Stats().Up {
		time.Sleep(10 * time.Millisecond)
	}
	for sink.seq.Load() < 2 || sink.inflight.Load() == 0 { // the replay's try
		time.Sleep(time.Millisecond)
	}
	try := sink.seq.Load()
	spooled := r.Stats().SpoolRecords
	if sink.seq.Load() != try || sink.inflight.Load() == 0 {
		t.Skip("the writer's try of the locked database ended meanwhile; nothing to tell")
	}
	if spooled != n+1 {
		t.Errorf("the spool holds %d records during the writer's second try of the locked database, want %d: the decisions queued before the outage was known wait in memory", spooled, n+1)
	}
	release()
	<-flushed
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
