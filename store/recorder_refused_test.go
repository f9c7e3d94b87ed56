package store_test

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/store"
)

// A database that answers pings but refuses writes, for a reason diskError does not list: it stays
// down, logged once, until a write succeeds.

// deniedSink is a PostgreSQL log the service's role may read but not write (INSERT revoked, a
// read-only role given by mistake) while denied is set: pings answer, writes fail with SQLSTATE
// 42501.
type deniedSink struct {
	*store.DB
	denied atomic.Bool
}

func (s *deniedSink) ProbeWrite(ctx context.Context) error {
	if s.denied.Load() {
		return fmt.Errorf("store: write probe: %w", &pgconn.PgError{Code: "42501", Message: "permission denied for table settings"})
	}
	return s.DB.ProbeWrite(ctx)
}

func (s *deniedSink) AppendDecisions(ctx context.Context, ds []store.Decision) (int, error) {
	if s.denied.Load() {
		return 0, fmt.Errorf("store: cannot append decisions: %w", &pgconn.PgError{Code: "42501", Message: "permission denied for table decisions"})
	}
	return s.DB.AppendDecisions(ctx, ds)
}

// watchRefused lets the recorder probe the database four more times and try three writes on
// it while record keeps records coming (up to eight writes), with sink watching what the
// recorder reports at each write.
func watchRefused(t *testing.T, r *store.Recorder, sink *watchedSink, record func()) {
	t.Helper()
	sink.watch.Store(true)
	defer sink.watch.Store(false)
	ctx := testCtx(t)
	for before := sink.pings.Load(); sink.pings.Load() < before+4 || sink.failedWrite.Load() < 3; {
		if ctx.Err() != nil {
			t.Fatalf("the recorder stopped replaying: %+v", r.Stats())
		}
		if sink.writes.Load() < 8 {
			record() // records keep coming while it is down
		}
		runtime.Gosched()
	}
}

// stayDownUntilWritable records into r while writes fail until the recorder has probed the
// database four more times and tried three writes on it, checks that it stayed down and logged
// the outage once, then lets writes succeed (writable) and checks that it is back, once, with
// every decision in db.
func stayDownUntilWritable(t *testing.T, r *store.Recorder, sink *watchedSink, db *store.DB, logged *testsvc.Buffer, writable func()) {
	t.Helper()
	n := 0
	record := func() {
		r.Record(decision(n))
		n++
		if err := r.Flush(testCtx(t)); err != nil {
			t.Fatal(err)
		}
	}
	record()
	if st := r.Stats(); st.Up || st.SpoolRecords != 1 {
		t.Fatalf("a refused write: %+v; want down, the decision spooled", st)
	}
	watchRefused(t, r, sink, record)
	if k := sink.upAtWrite.Load(); k > 0 {
		t.Errorf("writes refused: %d of %d writes tried found zhiyi_store_up 1; want it down until a write succeeds", k, sink.writes.Load())
	}
	if st := r.Stats(); st.Up || st.Dropped != 0 || st.SpoolRecords != int64(n) {
		t.Fatalf("writes refused: %+v; want down, all %d decisions spooled, none dropped", st, n)
	}
	if k := strings.Count(logged.String(), "database unavailable"); k != 1 {
		t.Errorf("%d lines say the database is unavailable, want one for the one outage:\n%s", k, logged.String())
	}

	writable()
	st := waitReplayed(t, r)
	if got, distinct := count(t, db); got != n || distinct != n || st.Dropped != 0 {
		t.Errorf("once writable: %d decisions (%d distinct), %+v; want all %d", got, distinct, st, n)
	}
	out := waitLogged(t, logged, "database back")
	if k := strings.Count(out, "database unavailable"); k != 1 {
		t.Errorf("%d lines say the database is unavailable, want one:\n%s", k, out)
	}
	if k := strings.Count(out, "database back"); k != 1 {
		t.Errorf("%d lines say the database is back, want one:\n%s", k, out)
	}
}

// TestRecorderWriteDeniedStaysDown: a PostgreSQL role that may not insert (SQLSTATE 42501) is
// down from the first refused write until a write succeeds. Before, each replay's ping read it
// up and the write that followed down again: zhiyi_store_up flapped and the outage was logged
// once per RetryInterval (86,400 lines a day at the default 1 s).
func TestRecorderWriteDeniedStaysDown(t *testing.T) {
	denied := &deniedSink{DB: openSQLite(t)}
	denied.denied.Store(true)
	sink := &watchedSink{Sink: denied}
	var logged testsvc.Buffer
	r := newRecorder(t, sink, store.RecorderConfig{RetryInterval: time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	sink.rec.Store(r)
	stayDownUntilWritable(t, r, sink, denied.DB, &logged, func() { denied.denied.Store(false) })
}

// TestRecorderLockedSQLiteStaysDown: a SQLite log another process holds locked (a backup, a
// sqlite3 shell inside a transaction) answers pings and fails every write; it stays down, logged
// once, and is back once the lock is gone.
func TestRecorderLockedSQLiteStaysDown(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(testCtx(t), store.Config{DataDir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sink := &watchedSink{Sink: db}
	var logged testsvc.Buffer
	// WriteTimeout ends each write's wait for the lock (busy_timeout is 10 s)
	r := newRecorder(t, sink, store.RecorderConfig{DataDir: dir, WriteTimeout: 50 * time.Millisecond, RetryInterval: time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	sink.rec.Store(r)
	stayDownUntilWritable(t, r, sink, db, &logged, lockSQLite(t, dir))
}

// unreachableSink is a database that neither pings nor writes while down is set (stopped, cut
// off); once it is back, it notes whether the recorder reported it up at its first write.
type unreachableSink struct {
	*store.DB
	rec         *store.Recorder
	down        atomic.Bool
	wrote       atomic.Bool
	upAtFirst   atomic.Bool
	unreachable error
}

func (s *unreachableSink) Ping(ctx context.Context) error {
	if s.down.Load() {
		return s.unreachable
	}
	return s.DB.Ping(ctx)
}

func (s *unreachableSink) AppendDecisions(ctx context.Context, ds []store.Decision) (int, error) {
	if s.down.Load() {
		return 0, s.unreachable
	}
	if !s.wrote.Swap(true) {
		s.upAtFirst.Store(s.rec.Stats().Up)
	}
	return s.DB.AppendDecisions(ctx, ds)
}

// TestRecorderPingOutageEndsAtPing: an outage that showed in a failed ping (a spool left by an
// earlier run, replayed at start while the database was unreachable) still ends at the first
// good ping, as a restarted database's should: new batches go to it while the spool replays.
func TestRecorderPingOutageEndsAtPing(t *testing.T) {
	dir := t.TempDir()
	down := newRecorder(t, openClosed(t), store.RecorderConfig{DataDir: dir})
	down.Record(decision(0))
	if err := down.Close(); err != nil {
		t.Fatal(err)
	}
	sink := &unreachableSink{DB: openSQLite(t), unreachable: fmt.Errorf("store: ping: dial tcp 10.0.0.5:5432: connect: connection refused")}
	sink.down.Store(true)
	r := newRecorder(t, sink, store.RecorderConfig{DataDir: dir, RetryInterval: time.Hour})
	sink.rec = r
	if err := r.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if st := r.Stats(); st.Up || st.SpoolRecords != 1 {
		t.Fatalf("unreachable at start: %+v; want down, the spool kept", st)
	}
	sink.down.Store(false)
	if err := r.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if !sink.wrote.Load() || !sink.upAtFirst.Load() {
		t.Errorf("back after an outage seen by a ping: written %v, up at the first write %v; want up at the ping", sink.wrote.Load(), sink.upAtFirst.Load())
	}
	if st := r.Stats(); !st.Up || st.SpoolRecords != 0 {
		t.Errorf("once reachable: %+v; want up, the spool replayed", st)
	}
}
