package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/store"
)

// zhiyi backup writes a copy of the log that opens with its decisions; an existing --out is
// refused.
func TestBackupCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AppendDecisions(ctx, []store.Decision{{MsgID: "a1", Time: time.Now(), Text: "我要开发票", Intent: "invoice"}}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	out := filepath.Join(t.TempDir(), "copy.db")
	if code, stdout, stderr := runCLI(t, "", "backup", "--data-dir", dir, "--out", out); code != 0 || !strings.Contains(stdout, "wrote "+out) {
		t.Fatalf("backup: exit %d\n%s%s", code, stdout, stderr)
	}
	cp, err := store.Open(ctx, store.Config{URL: "sqlite:" + out, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	if d, err := cp.Decision(ctx, "a1"); err != nil || d.Intent != "invoice" {
		t.Errorf("the copy: %+v, %v", d, err)
	}
	if code, _, stderr := runCLI(t, "", "backup", "--data-dir", dir, "--out", out); code != 1 || !strings.Contains(stderr, "exists") {
		t.Errorf("backup onto the copy: exit %d %s", code, stderr)
	}
}
