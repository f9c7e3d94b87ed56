package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ncruces/go-sqlite3/driver"

	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/store"
	"github.com/zhiyi-ai/zhiyi/store/storetest"
)

// TestMain stops the package's one PostgreSQL server (testsvc.SharedPostgres) at the end.
func TestMain(m *testing.M) {
	code := m.Run()
	testsvc.StopSharedPostgres()
	os.Exit(code)
}

func testCtx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

func openSQLite(t testing.TB) *store.DB {
	t.Helper()
	return openConfig(t, store.Config{DataDir: t.TempDir()})
}

func openPostgres(t testing.TB) *store.DB {
	t.Helper()
	return openConfig(t, store.Config{URL: testsvc.SharedPostgres(t).NewDatabase(t)})
}

// openConfig opens cfg's store for t and closes it when t ends.
func openConfig(t testing.TB, cfg store.Config) *store.DB {
	t.Helper()
	db, err := store.Open(testCtx(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestSQLiteConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openSQLite(t) })
}

func TestPostgresConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openPostgres(t) })
}

// Two processes on one SQLite file: two handles, each with its own writer connection.
func TestSQLiteReplicas(t *testing.T) {
	storetest.RunReplicas(t, func(t *testing.T) (store.Store, store.Store) {
		cfg := store.Config{DataDir: t.TempDir()}
		return openConfig(t, cfg), openConfig(t, cfg)
	})
}

// Two replicas on one PostgreSQL database: two pools.
func TestPostgresReplicas(t *testing.T) {
	storetest.RunReplicas(t, func(t *testing.T) (store.Store, store.Store) {
		cfg := store.Config{URL: testsvc.SharedPostgres(t).NewDatabase(t)}
		return openConfig(t, cfg), openConfig(t, cfg)
	})
}

// The COPY path is not the default; it must behave the same.
func TestPostgresCopyConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		db := openPostgres(t)
		store.SetPostgresBulk(db, store.PGBulkCopy)
		return db
	})
}

// lockSQLite holds the SQLite log in dir locked, as another process would (a backup, a sqlite3
// shell inside a transaction), until the returned release is called (at the test's end at the
// latest).
func lockSQLite(t *testing.T, dir string) (release func()) {
	t.Helper()
	lock, err := driver.Open("file:" + filepath.Join(dir, store.DBFileName) + "?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lock.Close() })
	conn, err := lock.Conn(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := conn.ExecContext(testCtx(t), "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	return func() {
		t.Helper()
		if _, err := conn.ExecContext(testCtx(t), "ROLLBACK"); err != nil {
			t.Fatal(err)
		}
	}
}
