package store_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/store"
)

// What the disk does to the recorder: a spool another process holds, a damaged database file.

// TestRecorderSpoolIsOneProcess: a second recorder on a spool in use (two serves given one
// --data-dir) is refused, naming the flag, instead of taking the first one's file names and
// losing every decision it spools; once the first is closed the spool is free.
func TestRecorderSpoolIsOneProcess(t *testing.T) {
	db := openSQLite(t)
	dir := t.TempDir()
	first, err := store.NewRecorder(db, store.RecorderConfig{DataDir: dir, RetainEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	if second, err := store.NewRecorder(db, store.RecorderConfig{DataDir: dir, RetainEvery: -1}); err == nil {
		second.Close()
		t.Fatal("a second recorder on a spool in use started")
	} else if !strings.Contains(err.Error(), "--data-dir") {
		t.Errorf("second recorder: %v, want it to name --data-dir", err)
	}
	first.Close()
	again, err := store.NewRecorder(db, store.RecorderConfig{DataDir: dir, RetainEvery: -1})
	if err != nil {
		t.Fatalf("a recorder after the first closed: %v", err)
	}
	again.Close()
}

// TestRecorderDamagedSQLite: a decision log whose pages are damaged is not logged as an outage
// that passes (a warning, spooling forever) but as an error that needs a person.
func TestRecorderDamagedSQLite(t *testing.T) {
	dir := t.TempDir()
	ctx := testCtx(t)
	db, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	var ds []store.Decision
	for i := range 3000 {
		ds = append(ds, store.Decision{MsgID: fmt.Sprint("m", i), Time: time.Now(), Text: "快递到哪了 我想问一下", Intent: "track_parcel", Route: "auto"})
	}
	if _, err := db.AppendDecisions(ctx, ds); err != nil {
		t.Fatal(err)
	}
	db.Close()
	f, err := os.OpenFile(filepath.Join(dir, "zhiyi.db"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	junk := make([]byte, 4096)
	for i := range junk {
		junk[i] = byte(i*7 + 3)
	}
	for _, off := range []int64{12288, 40960, 81920, 163840} {
		if _, err := f.WriteAt(junk, off); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	damaged, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		t.Fatalf("the damaged file no longer opens (the test needs one that fails on write): %v", err)
	}
	defer damaged.Close()
	var logged testsvc.Buffer
	r := newRecorder(t, damaged, store.RecorderConfig{DataDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	r.Record(store.Decision{MsgID: "after", Time: time.Now(), Text: "还没到", Intent: "track_parcel", Route: "auto"})
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if out := logged.String(); !strings.Contains(out, "level=ERROR") || !strings.Contains(out, "damaged") {
		t.Errorf("a damaged decision log was logged as:\n%s", out)
	}
	if st := r.Stats(); st.Spooled != 1 {
		t.Errorf("the decision was not spooled: %+v", st)
	}
}

// A Recorder without a sink is an error at construction, not a crash of its goroutines later.
func TestNewRecorderNeedsSink(t *testing.T) {
	if r, err := store.NewRecorder(nil, store.RecorderConfig{DataDir: t.TempDir()}); err == nil {
		r.Close()
		t.Fatal("NewRecorder(nil) succeeded")
	}
}

// TestFeedbackWhileTheDatabaseIsLocked: feedback that meets a locked database (a backup or
// another process holding it) is spooled and written once the lock is gone, not refused.
func TestFeedbackWhileTheDatabaseIsLocked(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(testCtx(t), store.Config{DataDir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rec, err := store.NewRecorder(db, store.RecorderConfig{DataDir: dir, RetainEvery: -1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	rec.Record(store.Decision{MsgID: "locked-1", Intent: "refund", Route: "auto"})
	if err := rec.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	release := lockSQLite(t, dir)
	ctx, cancel := context.WithTimeout(testCtx(t), time.Second)
	defer cancel()
	if err := rec.AddFeedback(ctx, store.Feedback{MsgID: "locked-1", Rating: 1, Comment: "太慢了"}); err != nil {
		t.Fatalf("feedback while the database is locked: %v, want it spooled", err)
	}
	release()
	if err := rec.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := db.Feedback(testCtx(t), store.FeedbackQuery{MsgID: "locked-1"}, func(f *store.FeedbackRecord) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d feedback rows once the lock was gone, want 1", n)
	}
}
