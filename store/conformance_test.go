package store_test

import (
	"context"
	"os"
	"testing"
	"time"

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
	db, err := store.Open(testCtx(t), store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func openPostgres(t testing.TB) *store.DB {
	t.Helper()
	dsn := testsvc.SharedPostgres(t).NewDatabase(t)
	db, err := store.Open(testCtx(t), store.Config{URL: dsn})
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

// The COPY path is not the default; it must behave the same.
func TestPostgresCopyConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		db := openPostgres(t)
		store.SetPostgresBulk(db, store.PGBulkCopy)
		return db
	})
}
