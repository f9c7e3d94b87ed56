package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"modernc.org/sqlite" // registers the "sqlite" driver (pure Go)
)

// sqlitePragmas are set on every SQLite connection: WAL so readers never block the writer,
// a busy timeout instead of immediate SQLITE_BUSY, synchronous=NORMAL (in WAL mode a process
// crash loses nothing; a power cut may lose the last commits), and BEGIN IMMEDIATE so a write
// transaction takes the write lock up front instead of failing to upgrade a read lock.
const sqlitePragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(wal)&_pragma=synchronous(normal)" +
	"&_pragma=temp_store(memory)&_pragma=cache_size(-65536)&_pragma=mmap_size(268435456)&_pragma=wal_autocheckpoint(16384)&_txlock=immediate"

// sqliteReaders bounds the read connections; WAL lets them run beside the writer.
const sqliteReaders = 4

func openSQLite(ctx context.Context, cfg Config) (*DB, error) {
	path := cfg.SQLitePath()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("store: cannot make %s: %w", filepath.Dir(path), err)
	}
	dsn := "file:" + path + "?" + sqlitePragmas
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("store: cannot open %s: '?' and '#' are not allowed in the path", path)
	}
	w, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: cannot open %s: %w", path, err)
	}
	// One writer connection: SQLite has one writer anyway, and a single connection turns
	// contention into queueing in database/sql instead of busy retries.
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	if err := pingSQLite(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: cannot open %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: cannot open %s: %w", path, err)
	}
	r.SetMaxOpenConns(sqliteReaders)
	db := &DB{kind: "sqlite", r: r, w: w, path: path, log: cfg.Logger}
	db.bulk = db.sqliteBulk
	return db, nil
}

// pingSQLite opens the first connection, which applies the pragmas. Switching a database that
// another process is creating to WAL can fail with SQLITE_BUSY at once, without the busy
// handler (SQLite does not wait where waiting could deadlock): replicas starting together retry
// for up to the busy timeout.
func pingSQLite(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(10 * time.Second)
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		err := db.PingContext(ctx)
		var se *sqlite.Error
		if err == nil || !errors.As(err, &se) || se.Code()&0xff != sqliteBusy || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// sqliteBusy is SQLITE_BUSY, the primary result code of a lock another connection holds.
const sqliteBusy = 5

// sqliteInsert is one decision's INSERT. A batch runs it prepared, once per decision, in one
// transaction: multi-row VALUES lists measured no cheaper with this driver (BenchmarkSQLiteBulk).
var sqliteInsert = `INSERT INTO decisions (` + decisionCols + `) VALUES (?` + strings.Repeat(", ?", numDecisionCols-1) +
	`) ON CONFLICT (msg_id) DO NOTHING`

// yieldEvery is how many rows sqliteBulk inserts between yields to the scheduler (about 0.1–0.3 ms
// of work).
const yieldEvery = 8

func (db *DB) sqliteBulk(ctx context.Context, ds []Decision) (int, error) {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, sqliteInsert)
	if err != nil {
		return 0, err
	}
	defer stmt.Close()
	args := make([]any, 0, numDecisionCols)
	n := 0
	for i := range ds {
		if i%yieldEvery == yieldEvery-1 {
			// A batch takes milliseconds of CPU; yielding between rows lets the requests queued
			// on this P run instead of waiting behind the whole batch.
			runtime.Gosched()
		}
		res, err := stmt.ExecContext(ctx, decisionArgs(args[:0], &ds[i])...)
		if err != nil {
			return 0, err
		}
		k, _ := res.RowsAffected()
		n += int(k)
	}
	return n, tx.Commit()
}
