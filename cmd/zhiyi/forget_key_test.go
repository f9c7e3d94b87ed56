package main

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/store"
)

// zhiyi forget on a log serve wrote with --hash-key, run without the key, says to give it (and
// backup, which needs none, makes none up either: TestBackupNeedsNoHashKey). Before, the store made up a key and kept it in the log: forget hashed the customer's
// id with it, deleted nothing and answered "deleted 0 decisions" with exit 0 — a deletion
// request silently not carried out — and from then on zhiyi records without the key took that
// key and printed "0 decisions" instead of asking for the key.
func TestForgetNeedsServesHashKey(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	const key = "the operator's own key"
	db, err := store.Open(ctx, store.Config{DataDir: dir, HashKey: []byte(key)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AppendDecisions(ctx, []store.Decision{{MsgID: "a1", Time: time.Now(), SenderHash: db.Hash("13800138000"), Text: "我要开发票", Intent: "invoice"}}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if code, stdout, stderr := runCLI(t, "", "forget", "--data-dir", dir, "--sender", "13800138000"); code == 0 || !strings.Contains(stderr, "--hash-key") {
		t.Errorf("forget without the key: exit %d\n%s%s\nwant an error naming --hash-key", code, stdout, stderr)
	}
	if code, stdout, stderr := runCLI(t, "", "backup", "--data-dir", dir, "--out", filepath.Join(t.TempDir(), "copy.db")); code != 0 {
		t.Errorf("backup without the key: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, stderr := runCLI(t, "", "records", "--data-dir", dir, "--sender", "13800138000"); code == 0 || !strings.Contains(stderr, "--hash-key") {
		t.Errorf("records without the key after forget and backup without it: exit %d\n%s%s\nwant an error naming --hash-key (no key made up in the log)", code, stdout, stderr)
	}
	code, stdout, stderr := runCLI(t, "", "forget", "--data-dir", dir, "--sender", "13800138000", "--hash-key", key)
	if code != 0 || !strings.Contains(stdout, "deleted 1 decisions") {
		t.Errorf("forget with the key: exit %d\n%s%s\nwant 1 decision deleted", code, stdout, stderr)
	}
}

// zhiyi forget with a --db naming a database that holds no decision log (a mistyped name,
// another application's) is an error, and the database gains no table. Before, it migrated
// zhiyi's schema into it and answered "deleted 0 decisions" with exit 0.
func TestForgetRefusesDatabaseWithoutLog(t *testing.T) {
	pg := testsvc.SharedPostgres(t)
	dsn := pg.NewDatabase(t)
	code, stdout, stderr := runCLI(t, "", "forget", "--db", dsn, "--sender", "13800138000")
	if code == 0 || !strings.Contains(stderr, "holds no zhiyi decision log") {
		t.Errorf("forget on a database without the log: exit %d\n%s%s\nwant an error saying it holds no decision log", code, stdout, stderr)
	}
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var n int
	if err := admin.QueryRow(`SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("tables after forget: %d, %v; want none", n, err)
	}
}
