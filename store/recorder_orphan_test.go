package store_test

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/store"
)

// orphanClock is a Recorder's clock that moves only when told.
type orphanClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *orphanClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *orphanClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Two replicas share a database that went down: A answered a message, B took its feedback, and
// each spooled its part. B replays first: the feedback finds no decision and waits for it (before,
// it was dropped) while an unknown message is still refused as unknown; once A has replayed, the
// feedback goes in. A feedback whose decision never comes is dropped after OrphanFeedbackWait.
func TestRecorderFeedbackWaitsForAnotherReplicasDecision(t *testing.T) {
	dirA, dirB := t.TempDir(), t.TempDir()
	clk := &orphanClock{t: recent.Add(time.Hour)}
	downA := newRecorder(t, openClosed(t), store.RecorderConfig{DataDir: dirA, Now: clk.now})
	downA.Record(decision(1))
	if err := downA.Close(); err != nil {
		t.Fatal(err)
	}
	downB := newRecorder(t, openClosed(t), store.RecorderConfig{DataDir: dirB, Now: clk.now})
	downB.Record(decision(2)) // B answers a message too, and so learns the database is down
	if err := downB.Flush(testCtx(t)); err != nil || downB.Stats().Up {
		t.Fatalf("Flush = %v, up %v: the test needs the database down", err, downB.Stats().Up)
	}
	for _, id := range []string{decision(1).MsgID, "never-answered"} {
		if err := downB.AddFeedback(testCtx(t), store.Feedback{MsgID: id, Rating: 1, Comment: "回复慢"}); err != nil {
			t.Fatalf("feedback with the database down: %v, want it spooled", err)
		}
	}
	if err := downB.Close(); err != nil {
		t.Fatal(err)
	}

	db := openSQLite(t) // the database is back
	// after a long outage the spool is nearly full: the feedback still waits
	files, _ := filepath.Glob(filepath.Join(dirB, store.SpoolDirName, "*.jsonl"))
	var spooled int64
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			spooled += st.Size()
		}
	}
	b := newRecorder(t, db, store.RecorderConfig{DataDir: dirB, Now: clk.now, SpoolMax: spooled + 16})
	if err := b.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if st := b.Stats(); st.Dropped != 0 || st.SpoolRecords != 2 || st.Replayed != 1 {
		t.Fatalf("B replayed before A: %+v; want its decision replayed, both feedbacks kept, none dropped", st)
	}
	if err := b.AddFeedback(testCtx(t), store.Feedback{MsgID: "no-such-message", Rating: 5}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("feedback on an unknown message while others wait: %v, want ErrNotFound", err)
	}
	a := newRecorder(t, db, store.RecorderConfig{DataDir: dirA, Now: clk.now})
	if err := a.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	clk.advance(2 * time.Second)
	if err := b.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if n := feedbackCount(t, db); n != 1 {
		t.Fatalf("%d feedback rows after A's replay, want 1", n)
	}
	if st := b.Stats(); st.Dropped != 0 || st.SpoolRecords != 1 {
		t.Errorf("after A's replay: %+v; want the other feedback still waiting", st)
	}
	for range 40 { // tried again and again, then given up
		clk.advance(time.Minute)
		if err := b.Flush(testCtx(t)); err != nil {
			t.Fatal(err)
		}
	}
	if st := b.Stats(); st.Dropped != 1 || st.SpoolRecords != 0 {
		t.Errorf("after %v: %+v; want the orphan dropped and counted", store.OrphanFeedbackWait, st)
	}
}

func feedbackCount(t *testing.T, s store.Store) int {
	t.Helper()
	n := 0
	if err := s.Feedback(testCtx(t), store.FeedbackQuery{}, func(*store.FeedbackRecord) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}
