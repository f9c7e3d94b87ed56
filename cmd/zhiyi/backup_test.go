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

// zhiyi backup needs no --hash-key: it copies the log and hashes nothing. A log serve wrote with
// --hash-key keeps none, and backup refused it without the key ("pass the same --hash-key"),
// so the nightly cron line — cron's environment has no ZHIYI_HASH_KEY, which lives in serve's
// EnvironmentFile — failed every night and the shop had no backup when the disk went. It says
// instead that the copy holds no key, which must be kept apart, and makes none up in the log.
func TestBackupNeedsNoHashKey(t *testing.T) {
	t.Setenv("ZHIYI_HASH_KEY", "")
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, store.Config{DataDir: dir, HashKey: []byte("the operator's own key")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AppendDecisions(ctx, []store.Decision{{MsgID: "a1", Time: time.Now(), SenderHash: db.Hash("13800138000"), Text: "我要开发票", Intent: "invoice"}}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	out := filepath.Join(t.TempDir(), "copy.db")
	code, stdout, stderr := runCLI(t, "", "backup", "--data-dir", dir, "--out", out)
	if code != 0 || !strings.Contains(stdout, "wrote "+out) || !strings.Contains(stdout, "holds no hash key") {
		t.Fatalf("backup without the key: exit %d\n%s%s\nwant the copy written, and said to hold no hash key", code, stdout, stderr)
	}
	for _, log := range []string{dir, filepath.Dir(out)} {
		if log == filepath.Dir(out) {
			os.Rename(out, filepath.Join(log, store.DBFileName))
		}
		kept, err := store.Open(ctx, store.Config{DataDir: log, ReadOnly: true, HashKey: []byte("x")})
		if err != nil {
			t.Fatal(err)
		}
		if keeps, err := kept.KeepsHashKey(ctx); err != nil || keeps {
			t.Errorf("%s: keeps a hash key %v (%v); want none made up by backup", log, keeps, err)
		}
		kept.Close()
	}
}

// zhiyi restore puts a backup in place and says where serve must start, and that the key serve
// hashed with is needed again; a second restore over it, and one over a running serve, are
// refused. Before, the documented restore was a cp over zhiyi.db: a running serve overwrote it
// at its next checkpoint without a word, and a copy cut short was found only at serve's start.
func TestRestoreCommand(t *testing.T) {
	t.Setenv("ZHIYI_HASH_KEY", "")
	ctx := context.Background()
	src := t.TempDir()
	db, err := store.Open(ctx, store.Config{DataDir: src, HashKey: []byte("the operator's own key"), Shop: "衣橱小铺"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AppendDecisions(ctx, []store.Decision{{MsgID: "a1", Time: time.Now(), Text: "我要开发票", Intent: "invoice"}}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	backup := filepath.Join(t.TempDir(), "shop.db")
	if code, stdout, stderr := runCLI(t, "", "backup", "--data-dir", src, "--out", backup); code != 0 {
		t.Fatalf("backup: exit %d\n%s%s", code, stdout, stderr)
	}
	dir := filepath.Join(t.TempDir(), "data")
	code, stdout, stderr := runCLI(t, "", "restore", "--data-dir", dir, "--from", backup)
	if code != 0 || !strings.Contains(stdout, "衣橱小铺's log, 1 decisions") || !strings.Contains(stdout, "start zhiyi serve with --data-dir "+dir) ||
		!strings.Contains(stdout, "hashed with the --hash-key serve was given") {
		t.Errorf("restore: exit %d\n%s%s\nwant what it holds, the --data-dir to serve with and the key needed", code, stdout, stderr)
	}
	if code, stdout, stderr := runCLI(t, "", "restore", "--data-dir", dir, "--from", backup); code == 0 || !strings.Contains(stderr, "never replaces") {
		t.Errorf("restore over a log: exit %d\n%s%s\nwant a refusal", code, stdout, stderr)
	}
}
