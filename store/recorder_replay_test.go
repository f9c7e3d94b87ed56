package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/store"
)

// What a crash or a failed write during a replay leaves of the feedback waiting for its decision.

// spoolFeedbackBehind spools, with the database down, decision(0) and then feedback on each of
// msgIDs (messages another replica answered) into dir's spool, as one closed file.
func spoolFeedbackBehind(t *testing.T, dir string, clk *testsvc.Clock, fs ...store.Feedback) {
	t.Helper()
	down := newRecorder(t, openClosed(t), store.RecorderConfig{DataDir: dir, Now: clk.Now})
	down.Record(decision(0))
	if err := down.Flush(testCtx(t)); err != nil || down.Stats().Up {
		t.Fatalf("Flush = %v, up %v: the test needs the database down", err, down.Stats().Up)
	}
	for _, f := range fs {
		if err := down.AddFeedback(testCtx(t), f); err != nil {
			t.Fatal(err)
		}
	}
	if err := down.Close(); err != nil {
		t.Fatal(err)
	}
}

// copySpool copies dir's spool files into a new data directory: what a crash would leave.
func copySpool(t *testing.T, dir string) string {
	t.Helper()
	to := t.TempDir()
	if err := os.MkdirAll(filepath.Join(to, store.SpoolDirName), 0o700); err != nil {
		t.Fatal(err)
	}
	paths, err := filepath.Glob(filepath.Join(dir, store.SpoolDirName, "*.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			continue // not a spool file (TestRecorderKeepsReplayedFileWhenWaitingWriteFails)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, store.SpoolDirName, filepath.Base(p)), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return to
}

// answerElsewhere stores the decision another replica made on msgID.
func answerElsewhere(t *testing.T, db *store.DB, msgID string) {
	t.Helper()
	if _, err := db.AppendDecisions(testCtx(t), []store.Decision{{MsgID: msgID, Intent: "refund", Route: store.RouteAuto, Time: recent}}); err != nil {
		t.Fatal(err)
	}
}

// gateSink holds the replay's first batch holding decision(1) until released.
type gateSink struct {
	*store.DB
	once             sync.Once
	entered, release chan struct{}
}

func (s *gateSink) AppendDecisions(ctx context.Context, ds []store.Decision) (int, error) {
	for _, d := range ds {
		if d.MsgID == decision(1).MsgID {
			s.once.Do(func() { close(s.entered); <-s.release })
		}
	}
	return s.DB.AppendDecisions(ctx, ds)
}

// TestRecorderCrashMidReplayKeepsWaitingFeedback: a crash (kill -9, OOM, a power cut) while a
// replay inserts a later spool file keeps the feedback an earlier file held that waits for its
// decision. Before, that file was removed as soon as it was replayed and the feedback was only in
// memory until the whole pass ended — minutes after a long outage.
func TestRecorderCrashMidReplayKeepsWaitingFeedback(t *testing.T) {
	dir := t.TempDir()
	clk := testsvc.NewClock(recent.Add(time.Hour))
	// spool file 1: a decision, then feedback on a message another replica answered
	spoolFeedbackBehind(t, dir, clk, store.Feedback{ID: "fb-1", MsgID: "elsewhere-1", Rating: 1})
	// spool file 2: later decisions
	down := newRecorder(t, openClosed(t), store.RecorderConfig{DataDir: dir, Now: clk.Now})
	for i := 1; i <= 5; i++ {
		down.Record(decision(i))
	}
	if err := down.Close(); err != nil {
		t.Fatal(err)
	}

	sink := &gateSink{DB: openSQLite(t), entered: make(chan struct{}), release: make(chan struct{})}
	r := newRecorder(t, sink, store.RecorderConfig{DataDir: dir, Now: clk.Now, RetryInterval: time.Hour})
	flushed := make(chan error, 1)
	go func() { flushed <- r.Flush(testCtx(t)) }()
	<-sink.entered // the replay is inserting file 2; file 1 is done with
	crashed := copySpool(t, dir)
	atCrash := spoolFiles(t, crashed)
	close(sink.release)
	if err := <-flushed; err != nil {
		t.Fatal(err)
	}

	// restart on what the crash left; the other replica's decision has arrived meanwhile
	db := openSQLite(t)
	answerElsewhere(t, db, "elsewhere-1")
	clk.Advance(2 * time.Second) // past the waiting feedback's next try
	r2 := newRecorder(t, db, store.RecorderConfig{DataDir: crashed, Now: clk.Now, RetryInterval: time.Hour})
	if err := r2.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if n := feedbackCount(t, db); n != 1 {
		t.Fatalf("after a crash mid-replay and a restart: %d feedback rows, want 1 (spool at the crash: %v)", n, atCrash)
	}
	if st := r2.Stats(); st.Dropped != 0 || st.SpoolRecords != 0 {
		t.Errorf("after the restart: %+v; want the spool replayed, nothing dropped", st)
	}
}

// TestRecorderKeepsReplayedFileWhenWaitingWriteFails: when the feedback a replayed file holds
// waiting for its decision cannot be written to the spool again (a full disk), the file stays,
// feedback and all, instead of the feedback being dropped; a later pass writes it once it can.
func TestRecorderKeepsReplayedFileWhenWaitingWriteFails(t *testing.T) {
	dir := t.TempDir()
	clk := testsvc.NewClock(recent.Add(time.Hour))
	spoolFeedbackBehind(t, dir, clk, store.Feedback{MsgID: "elsewhere-1", Rating: 1})
	before := spoolFiles(t, dir)
	if len(before) != 1 {
		t.Fatalf("spool %v, want one file", before)
	}
	// A directory where the waiting file is to go (the next spool file) fails its write as a
	// full disk would.
	blocker := filepath.Join(dir, store.SpoolDirName, "00000000000000000002.jsonl")
	if _, ok := before[filepath.Base(blocker)]; ok {
		t.Fatalf("spool %v: the blocker's name is taken", before)
	}
	if err := os.Mkdir(blocker, 0o700); err != nil {
		t.Fatal(err)
	}
	db := openSQLite(t)
	r := newRecorder(t, db, store.RecorderConfig{DataDir: dir, Now: clk.Now, RetryInterval: time.Hour})
	if err := r.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if st := r.Stats(); st.Dropped != 0 {
		t.Fatalf("the waiting feedback could not be spooled again: %+v; want it kept, not dropped", st)
	}
	if now := spoolFiles(t, dir); now[firstName(before)] != before[firstName(before)] {
		t.Fatalf("spool %v, want the replayed file kept as it was (%v)", now, before)
	}
	// a crash now, and a restart once the decision is in, stores the feedback
	crashed := copySpool(t, dir)
	db2 := openSQLite(t)
	answerElsewhere(t, db2, "elsewhere-1")
	r2 := newRecorder(t, db2, store.RecorderConfig{DataDir: crashed, Now: clk.Now, RetryInterval: time.Hour})
	if err := r2.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if n := feedbackCount(t, db2); n != 1 {
		t.Fatalf("restart after the failed write: %d feedback rows, want 1", n)
	}

	// room again: the next pass writes the waiting feedback and removes the file
	if err := os.Remove(blocker); err != nil {
		t.Fatal(err)
	}
	if err := r.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	now := spoolFiles(t, dir)
	if _, ok := now[firstName(before)]; ok || len(now) != 1 {
		t.Fatalf("spool %v once there is room, want the replayed file replaced by the waiting feedback's", now)
	}
	answerElsewhere(t, db, "elsewhere-1")
	clk.Advance(2 * time.Second)
	if err := r.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if st := r.Stats(); feedbackCount(t, db) != 1 || st.Dropped != 0 || st.SpoolRecords != 0 {
		t.Errorf("once its decision came: %d feedback rows, %+v; want it stored", feedbackCount(t, db), st)
	}
}

func firstName(files map[string]int64) string {
	for name := range files {
		return name
	}
	return ""
}

// TestRecorderWaitingFeedbackInTwoFilesStoredOnce: a crash between writing a replayed file's
// waiting feedback and removing the file leaves the feedback in both; replayed from both, it is
// stored once, though its AddFeedback gave no ID (the recorder gives it one before spooling).
func TestRecorderWaitingFeedbackInTwoFilesStoredOnce(t *testing.T) {
	dir := t.TempDir()
	clk := testsvc.NewClock(recent.Add(time.Hour))
	spoolFeedbackBehind(t, dir, clk, store.Feedback{MsgID: "elsewhere-1", Rating: 1, Comment: "没人回"})
	original := copySpool(t, dir)
	r := newRecorder(t, openSQLite(t), store.RecorderConfig{DataDir: dir, Now: clk.Now, RetryInterval: time.Hour})
	if err := r.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	// the crash: the waiting file written, the replayed one not yet removed
	for name := range spoolFiles(t, original) {
		data, err := os.ReadFile(filepath.Join(original, store.SpoolDirName, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, store.SpoolDirName, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if files := spoolFiles(t, dir); len(files) != 2 {
		t.Fatalf("spool %v, want the replayed file and the waiting one", files)
	}
	db := openSQLite(t)
	answerElsewhere(t, db, "elsewhere-1")
	clk.Advance(2 * time.Second)
	r2 := newRecorder(t, db, store.RecorderConfig{DataDir: dir, Now: clk.Now, RetryInterval: time.Hour})
	if err := r2.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if n := feedbackCount(t, db); n != 1 {
		t.Errorf("one feedback replayed from two files: %d rows, want 1", n)
	}
	if st := r2.Stats(); st.SpoolRecords != 0 || st.Dropped != 0 {
		t.Errorf("after the restart: %+v; want the spool replayed, nothing dropped", st)
	}
}

// stopMidFileSink cuts a replay short inside a spool file, after the feedback on stopAt: by
// starting the recorder's Close there (stop), or by failing the next feedback's write as a lost
// connection would.
type stopMidFileSink struct {
	*store.DB
	rec    *store.Recorder
	stopAt string
	stop   bool
	closed chan error
	cut    bool // done once
}

func (s *stopMidFileSink) AddFeedback(ctx context.Context, f store.Feedback) error {
	switch {
	case s.cut || s.stopAt == "":
	case s.stop && f.MsgID == s.stopAt:
		s.cut = true
		go func() { s.closed <- s.rec.Close() }()
		<-store.Stopping(s.rec) // the replay stops at the next record
	case !s.stop && f.MsgID != s.stopAt:
		s.cut = true
		return errors.New("store: cannot add feedback: read tcp: connection reset by peer")
	}
	return s.DB.AddFeedback(ctx, f)
}

// TestRecorderStopMidFileCountsFeedbackOnce: a shutdown or a database error partway through a
// spool file, after feedback in it was found waiting for its decision or given up, leaves every
// feedback in one place: the file, replayed from its start at the next start. Before, the waiting
// one was written to a waiting file too, and so replayed twice, and the given-up one counted as
// dropped at once; each was given up, and counted (then in zhiyi_store_dropped_total, the dropped
// alert; now in zhiyi_store_feedback_unmatched_total), once more at the next start.
func TestRecorderStopMidFileCountsFeedbackOnce(t *testing.T) {
	for _, tc := range []struct {
		name       string
		stop, aged bool // Close (else a database error, then Close); the orphans past OrphanFeedbackWait
	}{
		{"stop after a waiting feedback", true, false},
		{"stop after a given-up feedback", true, true},
		{"database error after a waiting feedback", false, false},
		{"database error after a given-up feedback", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			clk := testsvc.NewClock(recent.Add(time.Hour))
			spoolFeedbackBehind(t, dir, clk, store.Feedback{MsgID: "elsewhere-1", Rating: 1}, store.Feedback{MsgID: "elsewhere-2", Rating: 1})
			db := openSQLite(t)
			if tc.aged { // both already wait in a waiting file, for longer than they may
				r0 := newRecorder(t, db, store.RecorderConfig{DataDir: dir, Now: clk.Now, RetryInterval: time.Hour})
				if err := r0.Flush(testCtx(t)); err != nil {
					t.Fatal(err)
				}
				if err := r0.Close(); err != nil {
					t.Fatal(err)
				}
				clk.Advance(store.OrphanFeedbackWait + time.Minute)
			}
			sink := &stopMidFileSink{DB: db, stopAt: "elsewhere-1", stop: tc.stop, closed: make(chan error, 1)}
			r1 := newRecorder(t, sink, store.RecorderConfig{DataDir: dir, Now: clk.Now, RetryInterval: time.Hour})
			sink.rec = r1
			r1.Flush(testCtx(t)) // nil or ErrClosed: the replay was cut short
			if !tc.stop {
				sink.closed <- r1.Close()
			}
			if err := <-sink.closed; err != nil {
				t.Fatal(err)
			}
			if !sink.cut {
				t.Fatal("the replay was not cut short")
			}

			r2 := newRecorder(t, db, store.RecorderConfig{DataDir: dir, Now: clk.Now, RetryInterval: time.Hour})
			for range 40 { // past OrphanFeedbackWait: both orphans given up
				if err := r2.Flush(testCtx(t)); err != nil {
					t.Fatal(err)
				}
				clk.Advance(time.Minute)
			}
			st1, st2 := r1.Stats(), r2.Stats()
			if d := st1.FeedbackUnmatched + st2.FeedbackUnmatched; d != 2 || st2.SpoolRecords != 0 || st1.Dropped+st2.Dropped != 0 {
				t.Errorf("2 orphan feedbacks given up: unmatched %d (%d, then %d at the next start), dropped %d, %d left in the spool; want 2, 0, none left",
					d, st1.FeedbackUnmatched, st2.FeedbackUnmatched, st1.Dropped+st2.Dropped, st2.SpoolRecords)
			}
		})
	}
}

// The copy of a waiting feedback that a crash between the waiting file's write and its source's
// removal leaves is given up once, not twice, when its decision never comes.
func TestRecorderCrashDuplicateGivenUpOnce(t *testing.T) {
	dir := t.TempDir()
	clk := testsvc.NewClock(recent.Add(time.Hour))
	spoolFeedbackBehind(t, dir, clk, store.Feedback{MsgID: "elsewhere-1", Rating: 1})
	original := copySpool(t, dir)
	r := newRecorder(t, openSQLite(t), store.RecorderConfig{DataDir: dir, Now: clk.Now, RetryInterval: time.Hour})
	if err := r.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	r.Close()
	// what a crash right after the waiting file's write leaves: the source file too
	for name := range spoolFiles(t, original) {
		data, err := os.ReadFile(filepath.Join(original, store.SpoolDirName, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, store.SpoolDirName, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	r2 := newRecorder(t, openSQLite(t), store.RecorderConfig{DataDir: dir, Now: clk.Now, RetryInterval: time.Hour})
	for range 40 {
		if err := r2.Flush(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Minute)
	}
	if st := r2.Stats(); st.FeedbackUnmatched != 1 || st.Dropped != 0 || st.SpoolRecords != 0 {
		t.Errorf("%+v; want the feedback given up once, nothing left", st)
	}
}
