package store_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/store"
)

// Two replicas share a database that went down: A answered a message, B took its feedback, and
// each spooled its part. B replays first: the feedback finds no decision and waits for it (before,
// it was dropped) while an unknown message is still refused as unknown; once A has replayed, the
// feedback goes in. A feedback whose decision never comes is dropped after OrphanFeedbackWait.
func TestRecorderFeedbackWaitsForAnotherReplicasDecision(t *testing.T) {
	dirA, dirB := t.TempDir(), t.TempDir()
	clk := testsvc.NewClock(recent.Add(time.Hour))
	downA := newRecorder(t, openClosed(t), store.RecorderConfig{DataDir: dirA, Now: clk.Now})
	downA.Record(decision(1))
	if err := downA.Close(); err != nil {
		t.Fatal(err)
	}
	downB := newRecorder(t, openClosed(t), store.RecorderConfig{DataDir: dirB, Now: clk.Now})
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
	b := newRecorder(t, db, store.RecorderConfig{DataDir: dirB, Now: clk.Now, SpoolMax: spooled + 16})
	if err := b.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if st := b.Stats(); st.Dropped != 0 || st.SpoolRecords != 2 || st.Replayed != 1 {
		t.Fatalf("B replayed before A: %+v; want its decision replayed, both feedbacks kept, none dropped", st)
	}
	if err := b.AddFeedback(testCtx(t), store.Feedback{MsgID: "no-such-message", Rating: 5}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("feedback on an unknown message while others wait: %v, want ErrNotFound", err)
	}
	a := newRecorder(t, db, store.RecorderConfig{DataDir: dirA, Now: clk.Now})
	if err := a.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Second)
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
		clk.Advance(time.Minute)
		if err := b.Flush(testCtx(t)); err != nil {
			t.Fatal(err)
		}
	}
	// Given up and counted apart: not a loss of the log's (Dropped, which pages), since anyone
	// can post feedback for a msg_id that never was.
	if st := b.Stats(); st.FeedbackUnmatched != 1 || st.Dropped != 0 || st.SpoolRecords != 0 {
		t.Errorf("after %v: %+v; want the orphan given up and counted as unmatched, not dropped", store.OrphanFeedbackWait, st)
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

// feedbackCounter counts the feedback on messages named elsewhere-… a Recorder sends its database.
type feedbackCounter struct {
	*store.DB
	adds atomic.Int64
}

func (s *feedbackCounter) AddFeedback(ctx context.Context, f store.Feedback) error {
	if strings.HasPrefix(f.MsgID, "elsewhere-") {
		s.adds.Add(1)
	}
	return s.DB.AddFeedback(ctx, f)
}

// spoolFiles maps the spool's files to their sizes.
func spoolFiles(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, store.SpoolDirName, "*.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]int64{}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		m[filepath.Base(p)] = st.Size()
	}
	return m
}

// rewritten is how many bytes of now are in files that were not in before.
func rewritten(before, now map[string]int64) int64 {
	var n int64
	for name, size := range now {
		if _, ok := before[name]; !ok {
			n += size
		}
	}
	return n
}

// TestRecorderLeavesWaitingFeedbackInPlace: feedback waiting for its decision is not rewritten
// by a replay that finds none of it due — flushes, the retry ticks and every POST /feedback on an
// unknown message (which flushes) — but only when it is tried again, at intervals that grow;
// a live unknown message is still refused.
func TestRecorderLeavesWaitingFeedbackInPlace(t *testing.T) {
	const orphans = 200
	dir, clk := spoolOrphanFeedback(t, orphans, "elsewhere-", "等太久了")

	sink := &feedbackCounter{DB: openSQLite(t)}
	// the retry ticks are left to Flush: a replay is a replay whichever starts it
	r := newRecorder(t, sink, store.RecorderConfig{DataDir: dir, Now: clk.Now, RetryInterval: time.Hour})
	if err := r.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if st := r.Stats(); st.SpoolRecords != orphans || st.Dropped != 0 || sink.adds.Load() != orphans {
		t.Fatalf("after the first replay: %+v, %d tried; want all %d waiting", st, sink.adds.Load(), orphans)
	}
	var tries []time.Duration // when, after the first try, the waiting feedback was tried again
	start := clk.Now()
	for step := range 80 {
		before, adds := spoolFiles(t, dir), sink.adds.Load()
		for range 3 {
			if err := r.Flush(testCtx(t)); err != nil {
				t.Fatal(err)
			}
		}
		if step%20 == 0 { // it flushes too, and waits half a second for another replica's decision
			if err := r.AddFeedback(testCtx(t), store.Feedback{MsgID: "no-such-message", Rating: 5}); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("feedback on an unknown message: %v, want ErrNotFound", err)
			}
		}
		tried := sink.adds.Load() - adds
		if tried == 0 {
			if n := rewritten(before, spoolFiles(t, dir)); n > 0 {
				t.Fatalf("at +%v, none due: %d bytes of the spool rewritten, want none", clk.Now().Sub(start), n)
			}
		} else {
			if tried != orphans {
				t.Fatalf("at +%v: %d waiting feedbacks tried, want all %d at once", clk.Now().Sub(start), tried, orphans)
			}
			tries = append(tries, clk.Now().Sub(start))
		}
		if step == 0 && tried != 0 {
			t.Fatal("tried again at once")
		}
		clk.Advance(time.Second)
	}
	t.Logf("tried again at %v", tries)
	if len(tries) < 4 {
		t.Fatalf("tried again at %v in 80 s, want at least four tries", tries)
	}
	for i := 2; i < len(tries); i++ {
		if tries[i]-tries[i-1] < tries[i-1]-tries[i-2] {
			t.Errorf("tried again at %v: the intervals do not grow", tries)
		}
	}
	if st := r.Stats(); st.SpoolRecords != orphans || st.Dropped != 0 {
		t.Errorf("after 80 s: %+v; want all %d still waiting", st, orphans)
	}
}

// Feedback given up in bulk — made-up msg_ids posted through an outage, say — is two log lines
// when its wait ends, the first with its msg_id and then how many, not a warning each.
func TestRecorderGivesUpFeedbackInTwoLines(t *testing.T) {
	const orphans = 300
	dir, clk := spoolOrphanFeedback(t, orphans, "made-up-", "")
	var logged testsvc.Buffer
	r := newRecorder(t, openSQLite(t), store.RecorderConfig{DataDir: dir, Now: clk.Now, RetryInterval: time.Hour,
		Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	for range 40 { // past OrphanFeedbackWait
		if err := r.Flush(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Minute)
	}
	if st := r.Stats(); st.FeedbackUnmatched != orphans || st.SpoolRecords != 0 {
		t.Fatalf("%+v; want all %d given up", st, orphans)
	}
	out := logged.String()
	if n := strings.Count(out, "giving up spooled feedback"); n != 1 || !strings.Contains(out, "spooled feedback given up") ||
		!strings.Contains(out, fmt.Sprintf("feedback=%d", orphans)) {
		t.Errorf("%d lines for the first, want 1, and one for the %d:\n%.3000s", n, orphans, out)
	}
}

// spoolOrphanFeedback leaves in a new data directory the spool of a recorder whose database was
// down: one decision and n ratings on msg_ids prefix0… that no database holds. It returns the
// directory and the clock the spool was written on.
func spoolOrphanFeedback(t *testing.T, n int, prefix, comment string) (string, *testsvc.Clock) {
	t.Helper()
	dir := t.TempDir()
	clk := testsvc.NewClock(recent.Add(time.Hour))
	down := newRecorder(t, openClosed(t), store.RecorderConfig{DataDir: dir, Now: clk.Now})
	down.Record(decision(0))
	if err := down.Flush(testCtx(t)); err != nil || down.Stats().Up {
		t.Fatalf("Flush = %v, up %v: the test needs the database down", err, down.Stats().Up)
	}
	for i := range n {
		if err := down.AddFeedback(testCtx(t), store.Feedback{MsgID: fmt.Sprint(prefix, i), Rating: 1, Comment: comment}); err != nil {
			t.Fatal(err)
		}
	}
	if err := down.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, clk
}
