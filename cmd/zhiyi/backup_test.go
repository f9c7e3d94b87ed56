package main

import (
	"context"
	"os"
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

// zhiyi backup --db postgres://… says once, without connecting, that pg_dump backs up a
// PostgreSQL log. Before, it connected first (an unreachable server's error hid the advice;
// a database without the log got zhiyi's tables) and said "zhiyi backup: zhiyi backup: …".
func TestBackupPostgresSaysPgDump(t *testing.T) {
	out := filepath.Join(t.TempDir(), "copy.db")
	code, stdout, stderr := runCLI(t, "", "backup", "--db", "postgres://zhiyi@127.0.0.1:1/none?connect_timeout=1", "--out", out)
	if code == 0 || !strings.Contains(stderr, "pg_dump") || strings.Count(stderr, "zhiyi backup:") != 1 || strings.Contains(stderr, "connect") {
		t.Errorf("backup of a PostgreSQL log: exit %d\n%s%s\nwant one error naming pg_dump, before any connection", code, stdout, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("backup of a PostgreSQL log wrote --out")
	}
}
