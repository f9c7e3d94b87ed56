package store

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConfig(t *testing.T) {
	cases := []struct {
		cfg        Config
		kind, path string
	}{
		{Config{}, "sqlite", filepath.Join("data", "zhiyi.db")},
		{Config{DataDir: "/var/lib/zhiyi"}, "sqlite", "/var/lib/zhiyi/zhiyi.db"},
		{Config{URL: "sqlite:/tmp/x.db"}, "sqlite", "/tmp/x.db"},
		{Config{URL: "postgres://u@h/db"}, "postgres", ""},
		{Config{URL: "postgresql://u@h/db"}, "postgres", ""},
	}
	for _, c := range cases {
		if k := c.cfg.Kind(); k != c.kind {
			t.Errorf("%+v: Kind = %s, want %s", c.cfg, k, c.kind)
		}
		if c.path != "" && c.cfg.SQLitePath() != c.path {
			t.Errorf("%+v: SQLitePath = %s, want %s", c.cfg, c.cfg.SQLitePath(), c.path)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	_, err := Open(ctxT(t), Config{URL: "mysql://root:hunter2@db/zhiyi"})
	if err == nil || !strings.Contains(err.Error(), "unsupported database URL") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("mysql URL: %v", err)
	}
	// Nothing listens on port 1: the error names the server, never the password.
	_, err = Open(ctxT(t), Config{URL: "postgres://zhiyi:hunter2@127.0.0.1:1/zhiyi?connect_timeout=2", Logger: discard()})
	if err == nil || !strings.Contains(err.Error(), "cannot connect") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("unreachable PostgreSQL: %v", err)
	}
	_, err = Open(ctxT(t), Config{URL: "sqlite:" + filepath.Join(t.TempDir(), "a?b.db")})
	if err == nil {
		t.Error("a '?' in the SQLite path was accepted")
	}
	db, err := Open(ctxT(t), Config{DataDir: t.TempDir(), Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := db.SizeBytes(ctxT(t)); !errors.Is(err, ErrClosed) {
		t.Errorf("SizeBytes after Close: %v", err)
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:secret@h:5432/db?x=1": "postgres://u:***@h:5432/db?x=1",
		"postgres://u@h/db":                 "postgres://u@h/db",
		"postgres://h/db":                   "postgres://h/db",
		// a password as a parameter: of the URL, or of a keyword/value DSN (which Open refuses,
		// naming what it was given)
		"postgres://u@h/db?sslmode=require&password=secret&x=1": "postgres://u@h/db?sslmode=require&password=***&x=1",
		"postgres://u@h/db?PASSWORD=secret":                     "postgres://u@h/db?PASSWORD=***",
		"host=h user=u password=secret dbname=zhiyi":            "host=h user=u password=*** dbname=zhiyi",
		"host=h password = 'sec ret' dbname=zhiyi":              "host=h password = *** dbname=zhiyi",
		"password=secret": "password=***",
		// the client key's passphrase is as secret
		"postgres://h/db?sslkey=k.pem&sslpassword=secret": "postgres://h/db?sslkey=k.pem&sslpassword=***",
		"host=h sslpassword=secret":                       "host=h sslpassword=***",
		"postgres://u:p@h/db?passwordless=1":              "postgres://u:***@h/db?passwordless=1",
	} {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// --db given a keyword/value DSN (libpq's "host=… password=…") is refused without printing its
// password: the error goes to the service's log. Before, it quoted the DSN as given.
func TestOpenUnsupportedURLHidesPassword(t *testing.T) {
	_, err := Open(ctxT(t), Config{URL: "host=127.0.0.1 user=zhiyi password=s3cret-pw dbname=zhiyi", DataDir: t.TempDir()})
	if err == nil || strings.Contains(err.Error(), "s3cret-pw") || !strings.Contains(err.Error(), "postgres://") {
		t.Errorf("Open with a keyword/value DSN: %v; want an error naming postgres://… without the password", err)
	}
}

// A process started without the --hash-key the others were given (a replica whose environment
// lacks ZHIYI_HASH_KEY) on a log that holds their decisions says so: it hashes ids with a key
// it makes up and keeps in the log, and they no longer match the earlier ones. Before, nothing
// said so. A new log, or one that keeps its own key, gets no warning.
func TestOpenWithoutTheGivenHashKeyWarns(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(ctxT(t), Config{DataDir: dir, HashKey: []byte("the replicas' own key"), Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AppendDecisions(ctxT(t), []Decision{{MsgID: "k1", Time: time.Now(), SenderHash: db.Hash("13800138000"), Intent: "refund", Route: "auto"}}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	open := func(dir string) string {
		t.Helper()
		var logged bytes.Buffer
		db, err := Open(ctxT(t), Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(&logged, nil))})
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		return logged.String()
	}
	if got := open(dir); !strings.Contains(got, "level=WARN") || !strings.Contains(got, "--hash-key") {
		t.Errorf("Open without the key on a log written with one logged %q, want a warning naming --hash-key", got)
	}
	if got := open(dir); got != "" {
		t.Errorf("Open again (the log keeps its key now) logged %q, want nothing", got)
	}
	if got := open(t.TempDir()); strings.Contains(got, "level=WARN") {
		t.Errorf("Open of a new log logged %q, want no warning (the INFO line that it is new)", got)
	}
}

// The hash key lives in the database when none is configured: every replica and restart
// hashes alike; a configured key is used instead.
func TestHashKey(t *testing.T) {
	dir := t.TempDir()
	a, err := Open(ctxT(t), Config{DataDir: dir, Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	h := a.Hash("wmX")
	a.Close()
	b, err := Open(ctxT(t), Config{DataDir: dir, Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Hash("wmX") != h {
		t.Error("the stored key changed between opens")
	}
	c, err := Open(ctxT(t), Config{DataDir: dir, HashKey: []byte("configured"), Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Hash("wmX") == h {
		t.Error("a configured key was ignored")
	}
	other, err := Open(ctxT(t), Config{DataDir: t.TempDir(), Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if other.Hash("wmX") == h {
		t.Error("two databases generated the same key")
	}
}

// A relative --data-dir that cannot be made is named with the directory it is relative to:
// zhiyi serve started by an init system in a read-only working directory said "store: cannot
// make data: mkdir data: permission denied", which does not say where.
func TestOpenNamesTheDataDirAbsolutely(t *testing.T) {
	dir := t.TempDir()
	// a file where the directory's parent should be: mkdir fails, for root too
	if err := os.WriteFile(filepath.Join(dir, "srv"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	_, err := Open(ctxT(t), Config{DataDir: filepath.Join("srv", "data"), Logger: discard()})
	want := filepath.Join(dir, "srv", "data")
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "decision log") {
		t.Errorf("Open with an impossible relative data directory: %v; want the error to name %s", err, want)
	}
}

// A key given to a process on a log that keeps its own and holds decisions hashed with it is
// said at Open: a replica given ZHIYI_HASH_KEY for Redis after a move hashed every customer
// apart from their history, and records and forget found nothing, all without a word.
func TestOpenWithAKeyOnALogKeepingItsOwnWarns(t *testing.T) {
	open := func(cfg Config) string {
		t.Helper()
		var logged bytes.Buffer
		cfg.Logger = slog.New(slog.NewTextHandler(&logged, nil))
		db, err := Open(ctxT(t), cfg)
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		return logged.String()
	}
	given := []byte("the replicas' redis key")
	dir := t.TempDir()
	db, err := Open(ctxT(t), Config{DataDir: dir, Logger: discard()}) // the log's own key
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AppendDecisions(ctxT(t), []Decision{{MsgID: "k1", Time: time.Now(), SenderHash: db.Hash("wmVIP001"), Intent: "refund", Route: "auto"}}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, cfg := range []Config{{DataDir: dir, HashKey: given}, {DataDir: dir, HashKey: given, ReadOnly: true}, {DataDir: dir, HashKey: given, Existing: true}} {
		if got := open(cfg); !strings.Contains(got, "level=WARN") || !strings.Contains(got, "keeps a hash key of its own") {
			t.Errorf("Open %+v with a key on a log keeping its own logged %q, want a warning", cfg, got)
		}
	}
	if got := open(Config{DataDir: dir}); got != "" {
		t.Errorf("Open without a key logged %q, want nothing", got)
	}
	written := t.TempDir() // written with the key from the start: keeps none
	if got := open(Config{DataDir: written, HashKey: given}); strings.Contains(got, "level=WARN") {
		t.Errorf("Open of a new log with a key logged %q, want no warning (the INFO line that it is new)", got)
	}
	if got := open(Config{DataDir: written, HashKey: given}); got != "" {
		t.Errorf("Open again of a log written with the key logged %q, want nothing", got)
	}
}
