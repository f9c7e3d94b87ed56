package store_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/store"
)

// tables lists the tables of db, sorted.
func tables(t *testing.T, db *sql.DB, query string) []string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// A reader (zhiyi report, unmatched, ab) pointed at another application's SQLite file is told
// so, and the file gains no table.
func TestReadOnlySQLiteOfAnotherApplication(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	other, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Exec(`CREATE TABLE orders (id INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = store.Open(testCtx(t), store.Config{URL: "sqlite:" + path, ReadOnly: true})
	if err == nil || !strings.Contains(err.Error(), "holds no zhiyi decision log") {
		t.Fatalf("Open read-only on another application's database: %v", err)
	}
	if got := tables(t, other, `SELECT name FROM sqlite_master WHERE type = 'table'`); !slices.Equal(got, []string{"orders"}) {
		t.Errorf("tables after a read-only open: %v, want [orders]", got)
	}
	// nor its journal mode, its permissions or its neighbours
	var mode string
	if err := other.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "delete" {
		t.Errorf("journal_mode after a read-only open: %q, %v; want delete", mode, err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("mode after a read-only open: %v, %v; want 0644", st.Mode(), err)
	}
	if _, err := os.Stat(path + "-shm"); err == nil {
		t.Error("a read-only open made a -shm")
	}
	if _, err := store.Open(testCtx(t), store.Config{URL: "sqlite:" + filepath.Join(t.TempDir(), "none.db"), ReadOnly: true}); err == nil {
		t.Error("a read-only open created a missing SQLite file")
	}
}

// On PostgreSQL a reader needs SELECT alone, and a database without the log gains nothing.
func TestReadOnlyPostgres(t *testing.T) {
	pg := testsvc.SharedPostgres(t)
	empty := pg.NewDatabase(t)
	_, err := store.Open(testCtx(t), store.Config{URL: empty, ReadOnly: true})
	if err == nil || !strings.Contains(err.Error(), "holds no zhiyi decision log") {
		t.Fatalf("Open read-only on an empty database: %v", err)
	}
	admin, err := sql.Open("pgx", empty)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if got := tables(t, admin, `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`); len(got) != 0 {
		t.Errorf("tables after a read-only open: %v, want none", got)
	}

	dsn := pg.NewDatabase(t)
	db, err := store.Open(testCtx(t), store.Config{URL: dsn})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, err := db.AppendDecisions(testCtx(t), []store.Decision{{MsgID: "ro-1", Time: now, Intent: "refund", Route: "auto"}}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	writer, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	for _, q := range []string{
		`DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'zhiyi_reader') THEN CREATE ROLE zhiyi_reader LOGIN; END IF; END $$`,
		`GRANT SELECT ON ALL TABLES IN SCHEMA public TO zhiyi_reader`,
	} {
		if _, err := writer.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	readerDSN := strings.Replace(dsn, "://postgres@", "://zhiyi_reader@", 1)
	if readerDSN == dsn {
		t.Fatalf("cannot name the reader role in %s", dsn)
	}
	r, err := store.Open(testCtx(t), store.Config{URL: readerDSN, ReadOnly: true})
	if err != nil {
		t.Fatalf("a role with SELECT alone cannot open the log to read: %v", err)
	}
	defer r.Close()
	if d, err := r.Decision(testCtx(t), "ro-1"); err != nil || d.Intent != "refund" {
		t.Errorf("read back %+v, %v", d, err)
	}
}

// A log written with a hash key of the operator's own (serve --hash-key) is read with the same:
// without it a reader could not match ids, and says so instead of hashing with no key.
func TestReadOnlyNeedsTheGivenHashKey(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(testCtx(t), store.Config{DataDir: dir, HashKey: []byte("the operator's key")})
	if err != nil {
		t.Fatal(err)
	}
	want := db.Hash("wm-customer")
	db.Close()
	if _, err := store.Open(testCtx(t), store.Config{DataDir: dir, ReadOnly: true}); err == nil || !strings.Contains(err.Error(), "--hash-key") {
		t.Fatalf("read-only without the key: %v, want an error naming --hash-key", err)
	}
	r, err := store.Open(testCtx(t), store.Config{DataDir: dir, ReadOnly: true, HashKey: []byte("the operator's key")})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got := r.Hash("wm-customer"); got != want {
		t.Errorf("hash %s, want the writer's %s", got, want)
	}
}

// A log in WAL mode whose shared-memory file cannot be created (a read-only mount, a directory
// this user cannot write: here a directory stands where SQLite would create zhiyi.db-shm) is
// still read, as a file nothing writes.
func TestReadOnlySQLiteWithoutSharedMemory(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(testCtx(t), store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AppendDecisions(testCtx(t), []store.Decision{decision(1), decision(2)}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	cfg := store.Config{DataDir: dir}
	path := cfg.SQLitePath()
	os.Remove(path + "-shm")
	if err := os.Mkdir(path+"-shm", 0o700); err != nil {
		t.Fatal(err)
	}
	ro, err := store.Open(testCtx(t), store.Config{DataDir: dir, ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open without a shared-memory file: %v", err)
	}
	defer ro.Close()
	if n, _ := count(t, ro); n != 2 {
		t.Errorf("%d decisions read, want 2", n)
	}
}

// Not when a write-ahead log holds data: a read that ignores it would show an older log without
// a word, so the open fails and says why.
func TestReadOnlySQLiteRefusesToMissTheWAL(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(testCtx(t), store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	cfg := store.Config{DataDir: dir}
	path := cfg.SQLitePath()
	os.Remove(path + "-shm")
	if err := os.Mkdir(path+"-shm", 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+"-wal", []byte("not yet checkpointed"), 0o600); err != nil {
		t.Fatal(err)
	}
	if ro, err := store.Open(testCtx(t), store.Config{DataDir: dir, ReadOnly: true}); err == nil || !strings.Contains(err.Error(), "-wal") {
		if ro != nil {
			ro.Close()
		}
		t.Fatalf("read-only open beside a write-ahead log it cannot use: %v, want an error naming the -wal", err)
	}
}

// A reader of a log serve is not writing (zhiyi report from cron) makes the -shm and -wal that
// SQLite needs beside it: with the log's mode, not the process's umask.
func TestReadOnlySQLiteKeepsTheLogPrivate(t *testing.T) {
	dir := t.TempDir()
	w := openConfig(t, store.Config{DataDir: dir})
	ctx := testCtx(t)
	if _, err := w.AppendDecisions(ctx, []store.Decision{{MsgID: "m1", Time: time.Now(), Text: "在吗", Intent: "greeting"}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "zhiyi.db")
	for _, p := range []string{path + "-shm", path + "-wal"} {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	r := openConfig(t, store.Config{DataDir: dir, ReadOnly: true})
	if err := r.Decisions(ctx, store.Query{Until: time.Now().Add(time.Hour)}, func(*store.Decision) error { return nil }); err != nil {
		t.Fatal(err)
	}
	r.Close()
	for _, p := range []string{path + "-shm", path + "-wal"} {
		if st, err := os.Stat(p); err == nil && st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s: mode %v after a read-only open, want the log's 0600", filepath.Base(p), st.Mode().Perm())
		}
	}
}
