package main

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/serve"
)

// TestRollbackKeepsFloorOnFullDisk: a rollback while --data-dir was full could not write
// serving.json, which was then deleted, and with it the learn-from floor: after a restart --learn
// learnt again, and re-promoted, the batch the operator had rolled back. The rollback now writes
// its record before the swap and is refused, nothing changed, when it cannot; a failed write
// after another switch keeps the record it could not replace.
func TestRollbackKeepsFloorOnFullDisk(t *testing.T) {
	parent, child := learntCopy(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	data := filepath.Join(t.TempDir(), "data")
	sf := serveFlags{learn: true, learnEvery: time.Hour, learnMin: defaultLearnMin, record: true,
		storeFlags: storeFlags{dataDir: data}, retain: "0"}
	start := func(model string) (*wiring, *serve.Server) {
		t.Helper()
		return startServing(t, ctx, sf, slog.New(slog.DiscardHandler), serve.Config{ModelDir: model})
	}
	write := writeFileAtomic
	t.Cleanup(func() { writeFileAtomic = write })
	full := func(string, []byte) error { return syscall.ENOSPC }
	path := filepath.Join(data, servingFileName)
	pm, err := intent.ReadManifest(parent)
	if err != nil {
		t.Fatal(err)
	}

	w, srv := start(parent)
	defer func() { w.close() }()
	if err := srv.Reload(ctx, child); err != nil { // learning promoted the child
		t.Fatal(err)
	}
	writeFileAtomic = full        // --data-dir fills up
	err = srv.Reload(ctx, parent) // POST /admin/rollback
	if !errors.Is(err, serve.ErrNotRecorded) || !errors.Is(err, syscall.ENOSPC) || srv.ModelDir() != child {
		t.Fatalf("a rollback that cannot be recorded: %v, serving %s; want refused (ErrNotRecorded), the child serving", err, srv.ModelDir())
	}
	if rec, err := readServing(path); err != nil || rec.Model != child {
		t.Fatalf("the record after the refused rollback: %+v, %v; want it as it was, naming the child", rec, err)
	}
	writeFileAtomic = write // space again
	rolledBack := time.Now()
	if err := srv.Reload(ctx, parent); err != nil {
		t.Fatal(err)
	}
	writeFileAtomic = full
	if err := srv.Reload(ctx, child); err != nil { // a later switch, not recorded: the record stays
		t.Fatal(err)
	}
	w.close()
	writeFileAtomic = write
	if rec, err := readServing(path); err != nil || rec.Model != parent || rec.LearnFrom.Before(rolledBack) {
		t.Fatalf("the record after a failed write: %+v, %v; want the rollback's, kept", rec, err)
	}

	w, srv = start(parent)
	if from := w.learning.since(pm.CreatedAt); from.Before(rolledBack) || srv.ModelDir() != parent {
		t.Fatalf("after a restart --learn takes corrections from %v serving %s; want from the rollback at %v, on %s", from, srv.ModelDir(), rolledBack, parent)
	}
}
