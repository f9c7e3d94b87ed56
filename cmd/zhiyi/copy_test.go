package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/store"
)

// sqliteLog writes a SQLite decision log in a new directory: two decisions of one customer, a
// correction of the second. It returns the directory.
func sqliteLog(t *testing.T, cfg store.Config) string {
	t.Helper()
	ctx := context.Background()
	cfg.DataDir = t.TempDir()
	db, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at := time.Now().Add(-time.Hour)
	if _, err := db.AppendDecisions(ctx, []store.Decision{
		{MsgID: "c1", Time: at, SenderHash: db.Hash("13800138000"), Text: "我要开发票", Intent: "issue_invoice", Confidence: 0.98, Route: store.RouteAuto},
		{MsgID: "c2", Time: at.Add(time.Second), SenderHash: db.Hash("13800138000"), Text: "东西不要了", Intent: "exchange", Confidence: 0.6, Route: store.RouteSuggest},
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddFeedback(ctx, store.Feedback{MsgID: "c2", CorrectIntent: "return_goods", Time: at.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	return cfg.DataDir
}

// The SQLite log copied into PostgreSQL is the log every reader finds there, without a key
// given: the customer's records, the report, the corrections. Copied again, nothing is added.
func TestCopyIntoPostgres(t *testing.T) {
	dir := sqliteLog(t, store.Config{})
	dsn := testsvc.SharedPostgres(t).NewDatabase(t)
	code, stdout, stderr := runCLI(t, "", "copy", "--data-dir", dir, "--to", dsn)
	if code != 0 || !strings.Contains(stdout, "2 decisions, 1 feedback, 0 labels new") || !strings.Contains(stdout, "zhiyi serve --db postgres://") {
		t.Fatalf("copy: exit %d\n%s%s\nwant 2 decisions and 1 feedback copied, and how to serve it", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, "", "records", "--db", dsn, "--sender", "13800138000")
	if code != 0 || !strings.Contains(stdout, "我要开发票") || !strings.Contains(stdout, "return_goods") {
		t.Errorf("records on the copy: exit %d\n%s%s\nwant the customer's two messages and the correction", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, "", "report", "--db", dsn, "--since", "30d", "--json")
	if code != 0 || !strings.Contains(stdout, `"messages": 2`) {
		t.Errorf("report on the copy: exit %d\n%s%s\nwant 2 messages", code, stdout, stderr)
	}
	for _, since := range []string{"", "2h"} {
		code, stdout, stderr = runCLI(t, "", "copy", "--data-dir", dir, "--to", dsn, "--since", since)
		if code != 0 || !strings.Contains(stdout, "0 decisions, 0 feedback, 0 labels new") {
			t.Errorf("second copy --since %q: exit %d\n%s%s\nwant nothing new", since, code, stdout, stderr)
		}
	}
}

// A log serve wrote with --hash-key is copied with the key, and its copy asks for it as the
// source does.
func TestCopyWithHashKey(t *testing.T) {
	const key = "the operator's own key"
	dir := sqliteLog(t, store.Config{HashKey: []byte(key)})
	to := filepath.Join(t.TempDir(), "moved.db")
	if code, stdout, stderr := runCLI(t, "", "copy", "--data-dir", dir, "--to", "sqlite:"+to); code == 0 || !strings.Contains(stderr, "--hash-key") {
		t.Errorf("copy without the key: exit %d\n%s%s\nwant an error naming --hash-key", code, stdout, stderr)
	}
	code, stdout, stderr := runCLI(t, "", "copy", "--data-dir", dir, "--to", "sqlite:"+to, "--hash-key", key)
	if code != 0 || !strings.Contains(stdout, "with the same --hash-key") {
		t.Fatalf("copy with the key: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, stderr := runCLI(t, "", "records", "--db", "sqlite:"+to, "--sender", "13800138000"); code == 0 || !strings.Contains(stderr, "--hash-key") {
		t.Errorf("records on the copy without the key: exit %d\n%s%s\nwant an error naming --hash-key", code, stdout, stderr)
	}
	if code, stdout, stderr := runCLI(t, "", "records", "--db", "sqlite:"+to, "--sender", "13800138000", "--hash-key", key); code != 0 || !strings.Contains(stdout, "东西不要了") {
		t.Errorf("records on the copy with the key: exit %d\n%s%s", code, stdout, stderr)
	}
}

func TestCopyRefuses(t *testing.T) {
	dir := sqliteLog(t, store.Config{})
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no destination", []string{"--data-dir", dir}, "--to is required"},
		{"itself", []string{"--data-dir", dir, "--to", "sqlite:" + filepath.Join(dir, ".", store.DBFileName)}, "names the log being copied"},
		{"no source", []string{"--data-dir", filepath.Join(dir, "nothing"), "--to", "sqlite:" + filepath.Join(t.TempDir(), "x.db")}, "no decision log at"},
		{"not a database", []string{"--data-dir", dir, "--to", "mysql://shop"}, "unsupported database URL"},
		{"bad since", []string{"--data-dir", dir, "--to", "sqlite:" + filepath.Join(t.TempDir(), "x.db"), "--since", "lately"}, "--since"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", append([]string{"copy"}, tc.args...)...)
			if code == 0 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d\n%s%s\nwant an error with %q", code, stdout, stderr, tc.want)
			}
		})
	}
}

// Records still in serve's spool are not in the log: the copy says so.
func TestCopyNamesWaitingSpool(t *testing.T) {
	dir := sqliteLog(t, store.Config{})
	spool := filepath.Join(dir, store.SpoolDirName)
	if err := os.MkdirAll(spool, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(spool, "1.jsonl"), []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "", "copy", "--data-dir", dir, "--to", "sqlite:"+filepath.Join(t.TempDir(), "x.db"))
	if code != 0 || !strings.Contains(stderr, "1 spool files") {
		t.Errorf("exit %d\n%s%s\nwant the copy made and the waiting spool file named", code, stdout, stderr)
	}
}

// A log with a key of its own copied with a --hash-key given (ZHIYI_HASH_KEY set for the
// replicas' Redis, as the docs ask): the ids were hashed with the log's key, which the copy
// carries, so serving the copy with the given key would split every customer from their
// history. The copy said "serve it … with the same --hash-key".
func TestCopyOwnKeyWithAKeyGiven(t *testing.T) {
	dir := sqliteLog(t, store.Config{})
	to := filepath.Join(t.TempDir(), "moved.db")
	code, stdout, stderr := runCLI(t, "", "copy", "--data-dir", dir, "--to", "sqlite:"+to, "--hash-key", "a key set for redis")
	if code != 0 {
		t.Fatalf("copy: exit %d\n%s%s", code, stdout, stderr)
	}
	if strings.Contains(stdout, "with the same --hash-key") || !strings.Contains(stdout, "without --hash-key") || !strings.Contains(stderr, "keeps a hash key of its own") {
		t.Errorf("copy of a log keeping its own key, with --hash-key given:\n%s%s\nwant a warning and serve told to run without --hash-key", stdout, stderr)
	}
	if code, stdout, stderr := runCLI(t, "", "records", "--db", "sqlite:"+to, "--sender", "13800138000"); code != 0 || !strings.Contains(stdout, "东西不要了") {
		t.Errorf("records on the copy without a key: exit %d\n%s%s\nwant the customer's history", code, stdout, stderr)
	}
}
