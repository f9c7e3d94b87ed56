package store_test

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/store"
)

// writeCountingSink is the real database, counting the writer's writes to it: how many are in
// flight, and a number for each.
type writeCountingSink struct {
	*store.DB
	inflight, seq atomic.Int64
}

func (s *writeCountingSink) AppendDecisions(ctx context.Context, ds []store.Decision) (int, error) {
	s.seq.Add(1)
	s.inflight.Add(1)
	defer s.inflight.Add(-1)
	return s.DB.AppendDecisions(ctx, ds)
}

func (s *writeCountingSink) ProbeWrite(ctx context.Context) error {
	s.seq.Add(1)
	s.inflight.Add(1)
	defer s.inflight.Add(-1)
	return s.DB.ProbeWrite(ctx)
}

// TestFeedbackWhileLockedDoesNotWaitForTheWriter: while another process holds the SQLite file
// locked, the writer spends WriteTimeout on each try of it; feedback is spooled without waiting
// for the try in flight (every /feedback took the request's whole 3 s), and reaches the
// database once the lock is gone.
func TestFeedbackWhileLockedDoesNotWaitForTheWriter(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(testCtx(t), store.Config{DataDir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sink := &writeCountingSink{DB: db}
	r := newRecorder(t, sink, store.RecorderConfig{DataDir: dir, WriteTimeout: 4 * time.Second, RetryInterval: time.Millisecond})
	r.Record(decision(0))
	if err := r.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	release := lockSQLite(t, dir)
	r.Record(decision(1))
	for r.Stats().Up { // the writer's insert of decision 1 waits WriteTimeout on the lock
		time.Sleep(10 * time.Millisecond)
	}
	for sink.inflight.Load() == 0 { // a try of the database, as the writer keeps making
		time.Sleep(time.Millisecond)
	}
	try := sink.seq.Load()
	if err := r.AddFeedback(context.Background(), store.Feedback{MsgID: decision(1).MsgID, Rating: 1}); err != nil {
		t.Fatalf("feedback while the database is locked: %v, want it spooled", err)
	}
	if sink.seq.Load() != try || sink.inflight.Load() == 0 {
		t.Errorf("feedback returned after the writer's try of the locked database ended (try %d, now %d): it waited for it", try, sink.seq.Load())
	}
	release()
	for !r.Stats().Up {
		time.Sleep(10 * time.Millisecond)
	}
	if err := r.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := db.Feedback(testCtx(t), store.FeedbackQuery{}, func(f *store.FeedbackRecord) error {
		got = append(got, f.MsgID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != decision(1).MsgID {
		t.Errorf("feedback in the database: %v, want the one given while it was locked", got)
	}
}
