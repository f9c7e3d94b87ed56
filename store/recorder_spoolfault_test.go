package store_test

import (
	"context"
	"errors"
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

// A spool file that cannot be read says nothing of the database: new records go on to it, the
// files after the bad one are replayed, and the bad one stays, logged once. Before, the replay's
// error marked the database down, so new records went to the spool behind a file no pass could
// get past, until the spool was full and they were dropped.
func TestRecorderUnreadableSpoolFileKeepsDatabaseWritten(t *testing.T) {
	dir := t.TempDir()
	sink := &deniedSink{DB: openSQLite(t)}
	sink.denied.Store(true)
	var logs testsvc.Buffer
	r := newRecorder(t, sink, store.RecorderConfig{DataDir: dir, RetryInterval: time.Hour, FlushInterval: time.Hour,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	r.Record(decision(0))
	if err := r.Flush(testCtx(t)); err != nil || r.Stats().Spooled != 1 {
		t.Fatalf("Flush = %v, %+v: the test needs decision 0 spooled", err, r.Stats())
	}
	// the spool file holding it can no longer be read (a directory where it was)
	files, _ := filepath.Glob(filepath.Join(dir, store.SpoolDirName, "*.jsonl"))
	if len(files) != 1 {
		t.Fatalf("spool files %v, want one", files)
	}
	if err := os.Remove(files[0]); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(files[0], 0o700); err != nil {
		t.Fatal(err)
	}
	sink.denied.Store(false)
	for i := 1; i <= 3; i++ { // each Flush writes the queue, then replays the spool
		r.Record(decision(i))
		if err := r.Flush(testCtx(t)); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := count(t, sink.DB); n < 2 || !r.Stats().Up {
		t.Fatalf("%d decisions in the database, up %v; want decisions 2 and 3 at least, up (%+v)", n, r.Stats().Up, r.Stats())
	}
	if st := r.Stats(); st.Spooled > 2 {
		t.Errorf("%d records spooled behind the unreadable file, want at most decisions 0 and 1: %+v", st.Spooled, st)
	}
	if k := strings.Count(logs.String(), "cannot replay a spool file"); k != 1 {
		t.Errorf("the unreadable file logged %d times, want once:\n%s", k, logs.String())
	}
	if k := strings.Count(logs.String(), "database unavailable"); k != 1 { // the refused write's, alone
		t.Errorf("%d lines say the database is unavailable, want one:\n%s", k, logs.String())
	}
}

// A spool file the last run could not read does not stop the next start: it is kept and
// reported by the replay, and the recorder writes to the database. Before, the start failed on
// it, and the whole service with it.
func TestRecorderStartsBesideUnreadableSpoolFile(t *testing.T) {
	dir := t.TempDir()
	down := newRecorder(t, openClosed(t), store.RecorderConfig{DataDir: dir})
	down.Record(decision(0))
	down.Close()
	files, _ := filepath.Glob(filepath.Join(dir, store.SpoolDirName, "*.jsonl"))
	if len(files) != 1 {
		t.Fatalf("spool files %v, want one", files)
	}
	// unreadable even by root: a link to a directory where the file was
	if err := os.Remove(files[0]); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(t.TempDir(), files[0]); err != nil {
		t.Fatal(err)
	}
	db := openSQLite(t)
	var logs testsvc.Buffer
	r, err := store.NewRecorder(db, store.RecorderConfig{DataDir: dir, RetryInterval: time.Hour, RetainEvery: -1,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatalf("start beside an unreadable spool file: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	r.Record(decision(1))
	if err := r.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if n, _ := count(t, db); n != 1 || !r.Stats().Up {
		t.Fatalf("%d decisions in the database, %+v; want decision 1, up", n, r.Stats())
	}
	if !strings.Contains(logs.String(), "cannot replay a spool file") {
		t.Errorf("the unreadable file is not reported:\n%s", logs.String())
	}
}

// A spool file removed by hand is forgotten at the next replay, not tried (and counted as an
// error) forever with its records still reported as spooled; and feedback on an unknown message
// is a 404 again once nothing is spooled.
func TestRecorderForgetsRemovedSpoolFile(t *testing.T) {
	dir := t.TempDir()
	down := newRecorder(t, openClosed(t), store.RecorderConfig{DataDir: dir})
	down.Record(decision(0))
	down.Close()
	r := newRecorder(t, openSQLite(t), store.RecorderConfig{DataDir: dir, RetryInterval: time.Hour})
	files, _ := filepath.Glob(filepath.Join(dir, store.SpoolDirName, "*.jsonl"))
	for _, f := range files {
		os.Remove(f)
	}
	for range 5 {
		if err := r.Flush(testCtx(t)); err != nil {
			t.Fatal(err)
		}
	}
	if st := r.Stats(); st.SpoolRecords != 0 || st.SpoolBytes != 0 || st.Errors != 0 {
		t.Errorf("after its spool file was removed: %+v; want nothing spooled, no errors", st)
	}
	if err := r.AddFeedback(testCtx(t), store.Feedback{MsgID: "no-such-message", Rating: 1}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("feedback on an unknown message = %v, want ErrNotFound", err)
	}
}

// failOnceSink fails its first insert, as a database coming back may.
type failOnceSink struct {
	*store.DB
	failed atomic.Bool
}

func (s *failOnceSink) AppendDecisions(ctx context.Context, ds []store.Decision) (int, error) {
	if !s.failed.Swap(true) {
		return 0, errors.New("store: cannot append decisions: read tcp: connection reset by peer")
	}
	return s.DB.AppendDecisions(ctx, ds)
}

// A torn line (a crash mid-write) is dropped and counted once, though the write after it failed
// and the next replay read it again.
func TestRecorderTornLineCountedOnceAcrossRetry(t *testing.T) {
	dir := t.TempDir()
	sp := filepath.Join(dir, store.SpoolDirName)
	if err := os.MkdirAll(sp, 0o700); err != nil {
		t.Fatal(err)
	}
	lines := `{"d":{"msg_id":"r-000001","time":"2026-03-01T09:00:00Z","text":"x","intent":"invoice","route":"auto"}}
{"d":{"msg_id":"r-0000
{"d":{"msg_id":"r-000002","time":"2026-03-01T09:00:01Z","text":"y","intent":"invoice","route":"auto"}}
`
	if err := os.WriteFile(filepath.Join(sp, "00000000000000000001.jsonl"), []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	sink := &failOnceSink{DB: openSQLite(t)}
	r := newRecorder(t, sink, store.RecorderConfig{DataDir: dir, RetryInterval: time.Hour})
	for range 2 {
		if err := r.Flush(testCtx(t)); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := count(t, sink.DB); n != 2 {
		t.Errorf("%d decisions in the database, want 2", n)
	}
	if st := r.Stats(); st.Dropped != 1 {
		t.Errorf("one torn line: Dropped = %d, want 1", st.Dropped)
	}
}
