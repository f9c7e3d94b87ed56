package store_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/store"
)

// adminExec runs statements on their own connection to the server's postgres database.
func adminExec(t *testing.T, pg *testsvc.Postgres, stmts ...string) {
	t.Helper()
	conn, err := pgx.Connect(testCtx(t), pg.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	// this session may have been made read-only by an earlier ALTER SYSTEM; ALTER SYSTEM itself
	// must still run
	for _, q := range append([]string{"SET default_transaction_read_only = off"}, stmts...) {
		if _, err := conn.Exec(testCtx(t), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// TestRecorderPostgresReadOnlyStaysDown: a PostgreSQL that turns read-only (a standby after a
// failover, default_transaction_read_only) answers pings but refuses writes with SQLSTATE 25006.
// The recorder reads it as down for its storage: it stays down across replays instead of
// flapping up at each probe and logging the outage again, spools what comes meanwhile, and once
// writes are allowed again replays all of it.
func TestRecorderPostgresReadOnlyStaysDown(t *testing.T) {
	pg := testsvc.PrivatePostgres(t) // ALTER SYSTEM reaches every database on the server
	db, err := store.Open(testCtx(t), store.Config{URL: pg.NewDatabase(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sink := &watchedSink{Sink: db}
	var logged testsvc.Buffer
	r := newRecorder(t, sink, store.RecorderConfig{RetryInterval: 5 * time.Millisecond, BatchSize: 16,
		Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	sink.rec.Store(r)
	n := 0
	record := func() {
		r.Record(decision(n))
		n++
		if err := r.Flush(testCtx(t)); err != nil {
			t.Fatal(err)
		}
	}
	record()
	if st := r.Stats(); !st.Up || st.Written != 1 {
		t.Fatalf("before read-only: %+v", st)
	}

	adminExec(t, pg, "ALTER SYSTEM SET default_transaction_read_only = on", "SELECT pg_reload_conf()")
	ctx := testCtx(t)
	for r.Stats().Up { // the reload reaches the pool's sessions at their next statement
		if ctx.Err() != nil {
			t.Fatal("the recorder never saw the database read-only")
		}
		record()
	}
	if err := r.AddFeedback(testCtx(t), store.Feedback{MsgID: decision(n - 1).MsgID, Rating: 1, Comment: "没人理"}); err != nil {
		t.Fatalf("feedback while read-only: %v, want it spooled", err)
	}
	// Several replays, each trying the spooled records on the database, must find it down.
	watchRefused(t, r, sink, record)
	if k := sink.upAtWrite.Load(); k > 0 {
		t.Errorf("read-only: %d of %d writes tried found zhiyi_store_up 1; want it down until a write succeeds", k, sink.writes.Load())
	}
	st := r.Stats()
	if st.Up || st.Dropped != 0 || st.SpoolRecords == 0 {
		t.Fatalf("read-only: %+v; want down, the records spooled, none dropped", st)
	}

	adminExec(t, pg, "ALTER SYSTEM RESET default_transaction_read_only", "SELECT pg_reload_conf()")
	st = waitReplayed(t, r)
	if got, distinct := count(t, db); got != n || distinct != n {
		t.Errorf("%d decisions (%d distinct) once writable, want all %d", got, distinct, n)
	}
	if f := feedbackCount(t, db); f != 1 {
		t.Errorf("%d feedback once writable, want 1", f)
	}
	if st.Dropped != 0 {
		t.Errorf("dropped %d", st.Dropped)
	}
	out := waitLogged(t, &logged, "database back")
	if k := strings.Count(out, "database unavailable"); k != 1 {
		t.Errorf("%d lines say the database is unavailable, want one for the one outage:\n%s", k, out)
	}
	if k := strings.Count(out, "database back"); k != 1 {
		t.Errorf("%d lines say the database is back, want one:\n%s", k, out)
	}
}
