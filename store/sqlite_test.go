package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countdownCtx is a context whose Err reports Canceled after n calls: SQLite's interrupt
// checks then cancel a batch at a chosen point inside it.
type countdownCtx struct {
	context.Context
	n atomic.Int64
}

func (c *countdownCtx) Err() error {
	if c.n.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

func openTestSQLite(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func testBatch(prefix string, n int) []Decision {
	ds := make([]Decision, n)
	for i := range ds {
		ds[i] = Decision{MsgID: fmt.Sprintf("%s-%05d", prefix, i), Text: "怎么退货", Intent: "return_goods", Confidence: 0.5, Route: RouteAuto}
	}
	return ds
}

func countRows(t *testing.T, db *DB) int {
	t.Helper()
	var n int
	if err := db.r.QueryRow(`SELECT count(*) FROM decisions`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A batch cancelled anywhere inside is stored whole or not at all, and the writer's connection
// serves the next batch: no transaction left open, no interrupt left set.
func TestSQLiteBulkCancelled(t *testing.T) {
	for _, after := range []int64{0, 1, 3, 20, 60} {
		t.Run(fmt.Sprint(after), func(t *testing.T) {
			db := openTestSQLite(t)
			ctx := &countdownCtx{Context: context.Background()}
			ctx.n.Store(after)
			n, err := db.AppendDecisions(ctx, testBatch("a", 30))
			switch rows := countRows(t, db); {
			case err != nil && (rows != 0 || !errors.Is(err, context.Canceled)):
				t.Errorf("cancelled: %v, %d rows stored; want context.Canceled and none", err, rows)
			case err == nil && (n != 30 || rows != 30):
				t.Errorf("not cancelled: %d new, %d rows; want 30", n, rows)
			}
			if n, err := db.AppendDecisions(context.Background(), testBatch("b", 10)); err != nil || n != 10 {
				t.Fatalf("the next batch: %d, %v", n, err)
			}
		})
	}
}

// A confidence no column or spool line takes is stored as 0, not allowed to fail its batch.
func TestAppendNaNConfidence(t *testing.T) {
	db := openTestSQLite(t)
	ds := testBatch("nan", 10)
	ds[5].Confidence = math.NaN()
	ds[6].Confidence = math.Inf(1)
	if n, err := db.AppendDecisions(context.Background(), ds); err != nil || n != 10 {
		t.Fatalf("%d, %v; want 10 stored", n, err)
	}
	d, err := db.Decision(context.Background(), "nan-00005")
	if err != nil || d.Confidence != 0 {
		t.Errorf("%+v, %v: want confidence 0", d, err)
	}
}

// The log is the owner's alone: it holds hashed keys and the settings hold their key. So are
// its -wal and -shm, which hold the same, also in a --data-dir made beforehand readable by all.
func TestSQLiteFilesPrivate(t *testing.T) {
	for _, made := range []bool{false, true} {
		dir := filepath.Join(t.TempDir(), "data")
		if made {
			dir = filepath.Join(t.TempDir(), "data 数据&%=") // escaped in the URI
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		db, err := Open(context.Background(), Config{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AppendDecisions(context.Background(), testBatch("perm", 3)); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(dir); !made && (err != nil || fi.Mode().Perm()&0o077 != 0) {
			t.Errorf("data dir: %v, %v; want no group or other access", fi.Mode(), err)
		}
		for _, p := range []string{db.path, db.path + "-wal", db.path + "-shm"} {
			if fi, err := os.Stat(p); err != nil || fi.Mode().Perm()&0o077 != 0 {
				t.Errorf("data dir made beforehand %v: %s: %v, %v; want no group or other access", made, filepath.Base(p), fi.Mode(), err)
			}
		}
		db.Close()
	}
}

// The readers keep a small page cache of their own, the writer a large one: five connections at
// 64 MiB each grew serve by 330 MB.
func TestSQLiteCacheSizes(t *testing.T) {
	db, err := Open(context.Background(), Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct {
		conn *sql.DB
		want int
	}{{db.r, -8192}, {db.w, -65536}} {
		var n int
		if err := c.conn.QueryRow(`PRAGMA cache_size`).Scan(&n); err != nil || n != c.want {
			t.Errorf("cache_size %d (%v), want %d", n, err, c.want)
		}
	}
}

// The write-ahead log goes back to its checkpoint size once a long read that held it is over.
// While a read lasts SQLite cannot restart the log, so a burst written meanwhile (a spool
// replayed while the console scans a quarter's decisions) grows it past wal_autocheckpoint;
// without journal_size_limit the file then kept that size for good, however small the writes
// after it.
func TestSQLiteWALShrinksAfterLongRead(t *testing.T) {
	db := openTestSQLite(t)
	ctx := context.Background()
	text := strings.Repeat("东西不要了怎么寄回去运费谁出", 100) // 4 KB: fewer rows fill the log
	n := 0
	write := func() {
		t.Helper()
		ds := make([]Decision, 256)
		for i := range ds {
			n++
			ds[i] = Decision{MsgID: fmt.Sprintf("m-%07d", n), Time: time.UnixMicro(int64(n)), Text: text, Intent: "return_goods", Route: RouteAuto}
		}
		if _, err := db.AppendDecisions(ctx, ds); err != nil {
			t.Fatal(err)
		}
	}
	walSize := func() int64 {
		st, err := os.Stat(db.path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	write()
	reading, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		done <- db.Decisions(ctx, Query{}, func(*Decision) error {
			close(reading)
			<-release
			return errStopReading
		})
	}()
	<-reading
	for walSize() <= sqliteWALLimit+8<<20 {
		write()
	}
	close(release)
	if err := <-done; !errors.Is(err, errStopReading) {
		t.Fatalf("the long read: %v", err)
	}
	// The log restarts at the write after a checkpoint that found no reader: a few writes.
	for range 8 {
		write()
	}
	if got := walSize(); got > sqliteWALLimit {
		t.Errorf("the write-ahead log is %d MiB after the read ended, want at most %d MiB", got>>20, sqliteWALLimit>>20)
	}
}

var errStopReading = errors.New("stop reading")
