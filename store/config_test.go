package store

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
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
		"password=secret":                    "password=***",
		"postgres://u:p@h/db?passwordless=1": "postgres://u:***@h/db?passwordless=1",
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
