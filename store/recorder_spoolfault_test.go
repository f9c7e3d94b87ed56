package store_test

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
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
