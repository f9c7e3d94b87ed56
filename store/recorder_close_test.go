package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
)

// closeSink is a database that is down until up is set; onAppend, when set, runs in each
// insert once it is up. It keeps the msg_ids it stored.
type closeSink struct {
	up       atomic.Bool
	onAppend func()
	mu       sync.Mutex
	ids      map[string]bool
}

func (s *closeSink) AppendDecisions(_ context.Context, ds []Decision) (int, error) {
	if !s.up.Load() {
		return 0, errors.New("connection refused")
	}
	if s.onAppend != nil {
		s.onAppend()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range ds {
		s.ids[d.MsgID] = true
	}
	return len(ds), nil
}
func (s *closeSink) AddFeedback(context.Context, Feedback) error { return nil }
func (s *closeSink) Ping(context.Context) error {
	if !s.up.Load() {
		return errors.New("connection refused")
	}
	return nil
}
func (s *closeSink) Hash(id string) string { return "h" + id }
func (s *closeSink) DeleteBefore(context.Context, time.Time) (int64, int64, error) {
	return 0, 0, nil
}

func (s *closeSink) stored() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.ids)
}

func closeTestConfig(dir string) RecorderConfig {
	return RecorderConfig{DataDir: dir, BatchSize: 50, RetryInterval: 20 * time.Millisecond, SyncInterval: 20 * time.Millisecond,
		FlushInterval: 10 * time.Millisecond, Retain: -1, Logger: slog.New(slog.DiscardHandler)}
}

// TestCloseLeavesTheSpoolReplayForTheNextStart: Close during a spool replay (the database back
// after an outage, then SIGTERM) stops after the batch in flight instead of inserting the whole
// spool first; nothing is lost: the next start replays the rest.
func TestCloseLeavesTheSpoolReplayForTheNextStart(t *testing.T) {
	const n = 5000
	dir := t.TempDir()
	sink := &closeSink{ids: map[string]bool{}}
	r, err := NewRecorder(sink, closeTestConfig(dir))
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		r.Record(Decision{MsgID: fmt.Sprintf("m%d", i), Text: "x", Intent: "none", Route: "handoff"})
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_ = r.Flush(ctx) // the database is down: every decision in the spool
	if st := r.Stats(); st.SpoolRecords != n {
		t.Fatalf("spooled %d, want the outage's %d decisions", st.SpoolRecords, n)
	}
	// The database comes back and the replay begins; at its first batch, shutdown begins.
	closed := make(chan error, 1)
	var once sync.Once
	sink.onAppend = func() {
		once.Do(func() {
			go func() { closed <- r.Close() }()
			<-r.stop // Close has begun
		})
	}
	sink.up.Store(true)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	st := r.Stats()
	t.Logf("at Close: %d of %d replayed, %d left in the spool", st.Replayed, n, st.SpoolRecords)
	if st.Replayed >= n || st.SpoolRecords == 0 {
		t.Errorf("Close waited for the whole replay (%d of %d replayed, %d left): it should stop between batches", st.Replayed, n, st.SpoolRecords)
	}
	if st.Dropped != 0 {
		t.Errorf("%d records dropped", st.Dropped)
	}

	// the next start replays what is left
	sink.onAppend = nil
	r2, err := NewRecorder(sink, closeTestConfig(dir))
	if err != nil {
		t.Fatal(err)
	}
	if err := r2.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	left := r2.Stats().SpoolRecords
	if err := r2.Close(); err != nil {
		t.Fatal(err)
	}
	if got := sink.stored(); got != n || left != 0 {
		t.Errorf("after the next start: %d of %d decisions in the database, %d left in the spool", got, n, left)
	}
}

// TestRecordAfterCloseDropsAndCounts: a decision recorded after Close has returned (a handler
// still running past the drain) is dropped and counted, and creates no spool file: the spool's
// directory lock is released by then.
func TestRecordAfterCloseDropsAndCounts(t *testing.T) {
	dir := t.TempDir()
	sink := &closeSink{ids: map[string]bool{}}
	sink.up.Store(true)
	cfg := closeTestConfig(dir)
	var logs testsvc.Buffer
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	r, err := NewRecorder(sink, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	spoolDir := filepath.Join(dir, SpoolDirName)
	before, _ := os.ReadDir(spoolDir)
	r.Record(Decision{MsgID: "late", Text: "x", Intent: "none", Route: "handoff"})
	after, _ := os.ReadDir(spoolDir)
	if len(after) != len(before) {
		t.Errorf("a record after Close created a spool file: %d entries, %d before", len(after), len(before))
	}
	if st := r.Stats(); st.Dropped != 1 || st.Spooled != 0 {
		t.Errorf("after Close: dropped %d, spooled %d; want it dropped and counted", st.Dropped, st.Spooled)
	}
	r.Record(Decision{MsgID: "later", Text: "x", Intent: "none", Route: "handoff"})
	// the dropped alert points at the log: the drop is said there, once
	if n := strings.Count(logs.String(), "arrived after the decision log was closed"); n != 1 {
		t.Errorf("records dropped after Close logged %d times, want once:\n%s", n, logs.String())
	}
}

// interruptSink is a database whose retention pass runs until its context ends, then fails
// as SQLite does when a cancel interrupts a statement: with an error of its own, not ctx's.
type interruptSink struct {
	closeSink
	started chan struct{}
}

func (s *interruptSink) DeleteBefore(ctx context.Context, _ time.Time) (int64, int64, error) {
	close(s.started)
	<-ctx.Done()
	return 0, 0, errors.New("sqlite3: interrupted")
}

// TestCloseDuringRetentionIsNoFailure: Close during the retention pass that runs at start (a
// program that records a few decisions and exits, as docs/library.md's) interrupts it without a
// warning: it logged "retention failed; it runs again later" for a pass Close itself stopped.
func TestCloseDuringRetentionIsNoFailure(t *testing.T) {
	sink := &interruptSink{started: make(chan struct{})}
	sink.ids = map[string]bool{}
	sink.up.Store(true)
	var logs strings.Builder
	var mu sync.Mutex
	cfg := closeTestConfig(t.TempDir())
	cfg.Retain, cfg.RetainEvery = time.Hour, time.Hour
	cfg.Logger = slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}), nil))
	r, err := NewRecorder(sink, cfg)
	if err != nil {
		t.Fatal(err)
	}
	<-sink.started
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Contains(logs.String(), "retention failed") {
		t.Errorf("Close during a retention pass logged it as failed:\n%s", logs.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
