package store_test

import (
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/store"
)

// recent is the base time of test decisions: recent, so the recorder's retention pass at
// start (90 days by default) leaves them alone.
var recent = time.Now().UTC().Truncate(time.Second).Add(-time.Hour)

func decision(i int) store.Decision {
	return store.Decision{MsgID: fmt.Sprintf("r-%06d", i), Time: recent.Add(time.Duration(i) * time.Millisecond),
		Channel: "wecom", Text: fmt.Sprintf("第%d条消息", i), Intent: "invoice", Confidence: 0.9, Route: store.RouteAuto, LatencyMicros: int64(i % 1000)}
}

func count(t *testing.T, s store.Store) (n int, distinct int) {
	t.Helper()
	seen := map[string]bool{}
	if err := s.Decisions(testCtx(t), store.Query{}, func(d *store.Decision) error {
		n++
		seen[d.MsgID] = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n, len(seen)
}

func newRecorder(t *testing.T, sink store.Sink, cfg store.RecorderConfig) *store.Recorder {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(testWriter{t}, nil))
	}
	if cfg.RetainEvery == 0 {
		cfg.RetainEvery = -1 // retention only where a test asks for it (TestRecorderRetainLoop)
	}
	r, err := store.NewRecorder(sink, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// testWriter sends the recorder's log lines to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func TestRecorderWritesEverything(t *testing.T) {
	db := openSQLite(t)
	set := metrics.NewSet()
	r := newRecorder(t, db, store.RecorderConfig{Metrics: set, BatchSize: 100})
	const n = 2500
	for i := range n {
		r.Record(decision(i))
	}
	// a msg_id sent again (a gateway reusing ids): the first decision stays, the second is counted
	again := decision(7)
	again.Intent = "cancel_order"
	r.Record(again)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if got, distinct := count(t, db); got != n || distinct != n {
		t.Fatalf("%d decisions (%d distinct), want %d", got, distinct, n)
	}
	st := r.Stats()
	if st.Recorded != n+1 || st.Written != n+1 || st.Duplicates != 1 || st.Spooled != 0 || st.Dropped != 0 || st.Errors != 0 || !st.Up {
		t.Errorf("stats = %+v", st)
	}
	var b strings.Builder
	set.WritePrometheus(&b)
	for _, m := range []string{"zhiyi_store_recorded_total 2501", "zhiyi_store_written_total 2501", "zhiyi_store_duplicates_total 1", "zhiyi_store_spool_bytes 0", "zhiyi_store_up 1"} {
		if !strings.Contains(b.String(), m+"\n") {
			t.Errorf("metrics lack %q:\n%s", m, b.String())
		}
	}
}

// The writer wakes for a full batch and on its flush tick, not for each decision: a full batch
// is written with the tick an hour away, and a lone decision without a batch or a Flush.
func TestRecorderWritesWithoutFlush(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   store.RecorderConfig
		count int
	}{
		{"full batch", store.RecorderConfig{BatchSize: 10, FlushInterval: time.Hour}, 10},
		{"flush tick", store.RecorderConfig{BatchSize: 10, FlushInterval: 10 * time.Millisecond}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openSQLite(t)
			r := newRecorder(t, db, tc.cfg)
			for i := range tc.count {
				r.Record(decision(i))
			}
			deadline := time.Now().Add(time.Minute) // only a writer that never wakes fails
			for {
				n, _ := count(t, db)
				if n == tc.count {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%d of %d decisions written without Flush", n, tc.count)
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
}

// Feedback that overtakes its decision (still queued) is not refused; unknown ids are.
func TestRecorderFeedbackBeforeDecision(t *testing.T) {
	db := openSQLite(t)
	r := newRecorder(t, db, store.RecorderConfig{FlushInterval: time.Hour, BatchSize: 10000})
	r.Record(decision(1))
	if err := r.AddFeedback(testCtx(t), store.Feedback{MsgID: "r-000001", Rating: 5}); err != nil {
		t.Fatalf("feedback for a queued decision: %v", err)
	}
	if err := r.AddFeedback(testCtx(t), store.Feedback{MsgID: "never-recorded", Rating: 5}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("feedback for an unknown msg_id: %v, want ErrNotFound", err)
	}
	if err := r.AddFeedback(testCtx(t), store.Feedback{MsgID: "r-000001", Rating: 9}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("rating 9: %v, want ErrInvalid", err)
	}
	var got []store.FeedbackRecord
	db.Feedback(testCtx(t), store.FeedbackQuery{}, func(f *store.FeedbackRecord) error { got = append(got, *f); return nil })
	if len(got) != 1 || got[0].Decision.MsgID != "r-000001" || got[0].Rating != 5 {
		t.Errorf("feedback = %+v", got)
	}
}

// A closed database refuses every write, as a database that is down does: everything goes to
// the spool, bounded by SpoolMax, and a later recorder on a working database replays it.
func TestRecorderSpoolBoundAndReplay(t *testing.T) {
	dir := t.TempDir()
	down := openSQLite(t)
	down.Close()
	set := metrics.NewSet()
	r := newRecorder(t, down, store.RecorderConfig{DataDir: dir, SpoolMax: 20000, BatchSize: 50, Metrics: set})
	const n = 200
	for i := range n {
		r.Record(decision(i))
	}
	if err := r.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	st := r.Stats()
	if st.Up || st.Spooled == 0 || st.Dropped == 0 || st.Spooled+st.Dropped != n || st.SpoolBytes > 20000 || st.Errors == 0 ||
		st.SpoolRecords != int64(st.Spooled) {
		t.Fatalf("stats while down = %+v", st)
	}
	var b strings.Builder
	set.WritePrometheus(&b)
	if !strings.Contains(b.String(), fmt.Sprintf("zhiyi_store_dropped_total %d\n", st.Dropped)) || !strings.Contains(b.String(), "zhiyi_store_up 0\n") {
		t.Errorf("metrics:\n%s", b.String())
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	r.Record(decision(n)) // after Close: spooled for the next run, or dropped when full
	st = r.Stats()
	spooled := st.Spooled
	if st.Recorded != n+1 || st.Spooled+st.Dropped != n+1 {
		t.Errorf("after Close: %+v", st)
	}
	// The spool never holds raw personal data either.
	files, _ := filepath.Glob(filepath.Join(dir, store.SpoolDirName, "*.jsonl"))
	if len(files) == 0 {
		t.Fatal("no spool file")
	}

	// The next run sees the backlog it inherits (the spool alert watches it), before and while
	// the database is still down.
	still := newRecorder(t, openClosed(t), store.RecorderConfig{DataDir: dir})
	if got := still.Stats().SpoolRecords; got != int64(spooled) {
		t.Errorf("a new run's backlog: %d records, want the %d spooled", got, spooled)
	}
	still.Close()

	db, err := store.Open(testCtx(t), store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r2 := newRecorder(t, db, store.RecorderConfig{DataDir: dir})
	if err := r2.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	st2 := r2.Stats()
	if st2.Replayed != spooled || st2.SpoolBytes != 0 || st2.SpoolRecords != 0 || st2.Dropped != 0 || !st2.Up {
		t.Errorf("after replay: %+v, want %d replayed", st2, spooled)
	}
	if got, distinct := count(t, db); uint64(got) != spooled || distinct != got {
		t.Errorf("%d decisions (%d distinct), want %d", got, distinct, spooled)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, store.SpoolDirName, "*.jsonl")); len(files) != 0 {
		t.Errorf("spool files left after replay: %v", files)
	}
}

// A torn last line (a crash mid-write) is skipped and counted; the rest is replayed, and a
// record replayed twice (a crash after inserting, before removing the file) is not duplicated.
func TestRecorderReplaysTornSpool(t *testing.T) {
	dir := t.TempDir()
	spoolDir := filepath.Join(dir, store.SpoolDirName)
	os.MkdirAll(spoolDir, 0o700)
	db := openSQLite(t)
	if _, err := db.AppendDecisions(testCtx(t), []store.Decision{decision(1)}); err != nil {
		t.Fatal(err)
	}
	lines := `{"d":{"msg_id":"r-000001","time":"2026-03-01T09:00:00Z","text":"x","intent":"invoice","route":"auto","confidence":0.9,"latency_us":1}}
{"d":{"msg_id":"r-000002","time":"2026-03-01T09:00:01Z","text":"y","intent":"invoice","route":"auto","confidence":0.9,"latency_us":1}}
{"f":{"id":"f1","msg_id":"r-000002","rating":4,"time":"2026-03-01T09:01:00Z"}}
{"f":{"id":"f2","msg_id":"gone","rating":4,"time":"2026-03-01T09:01:00Z"}}
{"d":{"msg_id":"r-0000`
	if err := os.WriteFile(filepath.Join(spoolDir, "00000000000000000007.jsonl"), []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	r := newRecorder(t, db, store.RecorderConfig{DataDir: dir})
	if err := r.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	st := r.Stats()
	if st.Replayed != 3 || st.Dropped != 2 || st.SpoolBytes != 0 {
		t.Errorf("stats = %+v; want 3 replayed (2 decisions, 1 feedback), 2 dropped (orphan feedback, torn line)", st)
	}
	if n, _ := count(t, db); n != 2 {
		t.Errorf("%d decisions, want 2", n)
	}
}

func TestRecorderRetain(t *testing.T) {
	db := openSQLite(t)
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	r := newRecorder(t, db, store.RecorderConfig{Retain: 90 * 24 * time.Hour, RetainEvery: -1, Now: func() time.Time { return now }})
	old, young := decision(1), decision(2)
	old.Time = now.Add(-91 * 24 * time.Hour)
	young.Time = now.Add(-89 * 24 * time.Hour)
	r.Record(old)
	r.Record(young)
	if err := r.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if err := r.AddFeedback(testCtx(t), store.Feedback{MsgID: old.MsgID, Rating: 1}); err != nil {
		t.Fatal(err)
	}
	nd, nf, err := r.Retain(testCtx(t))
	if err != nil || nd != 1 || nf != 1 {
		t.Fatalf("Retain = %d, %d, %v; want 1, 1", nd, nf, err)
	}
	if _, err := db.Decision(testCtx(t), old.MsgID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("old decision still there: %v", err)
	}
	if _, err := db.Decision(testCtx(t), young.MsgID); err != nil {
		t.Errorf("recent decision: %v", err)
	}
}

// The retention loop's first pass runs at start.
func TestRecorderRetainLoop(t *testing.T) {
	db := openSQLite(t)
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	old := decision(1)
	old.Time = now.Add(-100 * 24 * time.Hour)
	if _, err := db.AppendDecisions(testCtx(t), []store.Decision{old, decision(2)}); err != nil {
		t.Fatal(err)
	}
	newRecorder(t, db, store.RecorderConfig{RetainEvery: time.Hour, Now: func() time.Time { return now }})
	deadline := time.Now().Add(time.Minute)
	for {
		_, err := db.Decision(testCtx(t), old.MsgID)
		if errors.Is(err, store.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the old decision is still there: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := db.Decision(testCtx(t), decision(2).MsgID); err != nil {
		t.Errorf("a recent decision went: %v", err)
	}
}

// PostgreSQL stopped mid-run: decisions recorded meanwhile go to the spool and are all in the
// database, once each, after it comes back; the counters agree.
func TestRecorderPostgresOutage(t *testing.T) {
	pg := testsvc.PrivatePostgres(t)
	db, err := store.Open(testCtx(t), store.Config{URL: pg.NewDatabase(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := newRecorder(t, db, store.RecorderConfig{RetryInterval: 20 * time.Millisecond, WriteTimeout: 2 * time.Second, BatchSize: 64})
	const n = 3000
	for i := range n / 3 {
		r.Record(decision(i))
	}
	if err := r.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	for i := n / 3; i < n; i++ {
		r.Record(decision(i))
	}
	if err := r.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	// Feedback while the database is down: spooled behind its decision.
	if err := r.AddFeedback(testCtx(t), store.Feedback{MsgID: decision(n - 1).MsgID, Rating: 2}); err != nil {
		t.Fatalf("feedback while down: %v", err)
	}
	st := r.Stats()
	if st.Up || st.SpoolBytes == 0 || st.Spooled == 0 {
		t.Fatalf("stats while down = %+v", st)
	}
	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for st = r.Stats(); !st.Up || st.SpoolBytes != 0; st = r.Stats() {
		if time.Now().After(deadline) {
			t.Fatalf("spool not replayed after PostgreSQL came back: %+v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got, distinct := count(t, db); got != n || distinct != n {
		t.Fatalf("%d decisions (%d distinct), want %d", got, distinct, n)
	}
	fs := 0
	db.Feedback(testCtx(t), store.FeedbackQuery{}, func(*store.FeedbackRecord) error { fs++; return nil })
	if fs != 1 {
		t.Errorf("%d feedback, want 1", fs)
	}
	// Every decision went one way: written directly, or spooled (with the one feedback) and
	// replayed; nothing dropped.
	if st.Recorded != n || st.Dropped != 0 || st.Written+st.Spooled-1 != n || st.Replayed != st.Spooled || st.Errors == 0 {
		t.Errorf("counters disagree: %+v", st)
	}
	t.Logf("outage: %+v", st)
}

// lockDecisions holds an exclusive lock on the decisions table from another connection until
// the returned function is called, and waitLocked waits until n queries wait for it: a
// database that is up but does not answer, observed by state instead of by time.
func lockDecisions(t *testing.T, dsn string) (release func()) {
	t.Helper()
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := raw.BeginTx(testCtx(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("LOCK TABLE decisions IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	return func() { tx.Rollback(); raw.Close() }
}

func waitLocked(t *testing.T, dsn string, n int) {
	t.Helper()
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	deadline := time.Now().Add(time.Minute)
	for {
		var waiting int
		if err := raw.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d queries wait for the lock, want %d", waiting, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func waitReplayed(t *testing.T, r *store.Recorder) store.RecorderStats {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		st := r.Stats()
		if st.Up && st.SpoolBytes == 0 {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("spool not replayed: %+v", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// While the writer waits on a database that does not answer, Record still returns at once:
// with the queue full, decisions go to the spool and are replayed once the database moves.
// A replica started while PostgreSQL is down (Config.ConnectLater) serves with the copy of the
// hash key an earlier start kept, spools, and once the database is back migrates it (a new one
// here), stores that key there and replays the spool; without the copy it refuses to start.
func TestOpenConnectLater(t *testing.T) {
	pg := testsvc.PrivatePostgres(t)
	dir := t.TempDir()
	url := pg.NewDatabase(t)
	other := t.TempDir()
	if db, err := store.Open(testCtx(t), store.Config{URL: url, DataDir: other}); err != nil {
		t.Fatal(err)
	} else {
		db.Close()
	}
	if _, err := os.Stat(filepath.Join(other, store.HashKeyFile)); err == nil {
		t.Error("an Open without ConnectLater (zhiyi report) wrote a copy of the hash key")
	}
	first, err := store.Open(testCtx(t), store.Config{URL: url, DataDir: dir, ConnectLater: true})
	if err != nil {
		t.Fatal(err)
	}
	hash := first.Hash("wm-1")
	first.Close()
	if st, err := os.Stat(filepath.Join(dir, store.HashKeyFile)); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("the hash key's copy: %v, %v; want a file of mode 0600", st, err)
	}
	// a database that answers no (a misspelt name) is not waited for, key or not
	if _, err := store.Open(testCtx(t), store.Config{URL: pg.DSN("no_such_database"), DataDir: dir, ConnectLater: true}); err == nil {
		t.Fatal("a database that does not exist: Open waits for it instead of failing")
	}
	fresh := pg.NewDatabase(t) // never opened: the replica migrates it once it is back
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(testCtx(t), store.Config{URL: fresh, DataDir: t.TempDir(), ConnectLater: true}); err == nil || !strings.Contains(err.Error(), "hash key") {
		t.Fatalf("down, without a copy of the key: %v, want an error about the hash key", err)
	}
	if _, err := store.Open(testCtx(t), store.Config{URL: fresh, DataDir: dir}); err == nil {
		t.Fatal("down, without ConnectLater: no error")
	}
	db, err := store.Open(testCtx(t), store.Config{URL: fresh, DataDir: dir, ConnectLater: true})
	if err != nil {
		t.Fatalf("down, with the copy: %v", err)
	}
	defer db.Close()
	if db.Hash("wm-1") != hash {
		t.Fatal("the replica hashes with another key than the database's")
	}
	r := newRecorder(t, db, store.RecorderConfig{DataDir: dir, RetryInterval: 20 * time.Millisecond, WriteTimeout: 2 * time.Second})
	const n = 200
	for i := range n {
		r.Record(decision(i))
	}
	if err := r.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if st := r.Stats(); st.Up || st.Spooled != n {
		t.Fatalf("stats while down = %+v, want %d spooled", st, n)
	}
	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for st := r.Stats(); !st.Up || st.SpoolBytes != 0 || st.Replayed != n; st = r.Stats() {
		if time.Now().After(deadline) {
			t.Fatalf("spool not replayed after PostgreSQL came back: %+v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got, distinct := count(t, db); got != n || distinct != n {
		t.Fatalf("%d decisions (%d distinct), want %d", got, distinct, n)
	}
	// the new database keeps this replica's key, so the next replica hashes alike
	again, err := store.Open(testCtx(t), store.Config{URL: fresh, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if again.Hash("wm-1") != hash {
		t.Error("the database did not keep the key the replica hashed with while it was down")
	}
}

func TestRecorderQueueFull(t *testing.T) {
	dsn := testsvc.SharedPostgres(t).NewDatabase(t)
	db, err := store.Open(testCtx(t), store.Config{URL: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := newRecorder(t, db, store.RecorderConfig{QueueSize: 1, BatchSize: 1, WriteTimeout: time.Minute, RetryInterval: 10 * time.Millisecond})
	release := lockDecisions(t, dsn)
	r.Record(decision(0)) // the writer takes it and waits for the lock
	waitLocked(t, dsn, 1)
	const n = 100
	for i := 1; i <= n; i++ {
		r.Record(decision(i)) // the first fills the queue, the others overflow
	}
	if st := r.Stats(); st.Spooled != n-1 || st.Written != 0 {
		t.Fatalf("with the queue full: %+v, want %d spooled", st, n-1)
	}
	release()
	if err := r.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	st := waitReplayed(t, r)
	if got, distinct := count(t, db); got != n+1 || distinct != n+1 {
		t.Fatalf("%d decisions (%d distinct), want %d", got, distinct, n+1)
	}
	if st.Written != 2 || st.Replayed != n-1 || st.Dropped != 0 || st.Errors != 0 {
		t.Errorf("counters: %+v", st)
	}
}

// A write past WriteTimeout counts as a failure: the batch is spooled, the database is down
// until a probe answers, and the spool is replayed after.
func TestRecorderSlowDatabase(t *testing.T) {
	dsn := testsvc.SharedPostgres(t).NewDatabase(t)
	db, err := store.Open(testCtx(t), store.Config{URL: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := newRecorder(t, db, store.RecorderConfig{WriteTimeout: 100 * time.Millisecond, RetryInterval: 10 * time.Millisecond})
	release := lockDecisions(t, dsn)
	for i := range 10 {
		r.Record(decision(i))
	}
	if err := r.Flush(testCtx(t)); err != nil { // the batch times out and is spooled
		t.Fatal(err)
	}
	// (Up may flicker: the probe answers, and each replay times out on the lock again.)
	if st := r.Stats(); st.Spooled != 10 || st.Errors == 0 || st.Written != 0 {
		t.Fatalf("after a timed-out batch: %+v", st)
	}
	release()
	st := waitReplayed(t, r)
	if got, distinct := count(t, db); got != 10 || distinct != 10 {
		t.Fatalf("%d decisions (%d distinct), want 10", got, distinct)
	}
	if st.Replayed != 10 || st.Dropped != 0 {
		t.Errorf("counters: %+v", st)
	}
}

// Feedback that can be kept nowhere — database down, spool full — is refused, not lost
// silently.
func TestRecorderFeedbackUnavailable(t *testing.T) {
	r := newRecorder(t, openClosed(t), store.RecorderConfig{SpoolMax: 10})
	r.Record(decision(1))
	if err := r.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if st := r.Stats(); st.Up || st.Dropped != 1 {
		t.Fatalf("stats = %+v", st)
	}
	if err := r.AddFeedback(testCtx(t), store.Feedback{MsgID: decision(1).MsgID, Rating: 3}); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("AddFeedback = %v, want ErrUnavailable", err)
	}
	r.Close()
	if err := r.Flush(testCtx(t)); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Flush after Close = %v, want ErrClosed", err)
	}
}

// openClosed returns a closed database: every write fails, as with a database that is down.
func openClosed(t *testing.T) *store.DB {
	db := openSQLite(t)
	db.Close()
	return db
}

// TestRecorderFeedbackSpooledAfterItsDecision: with the database down, feedback sent right after
// its decision (still in the queue) is spooled behind it, so the replay stores both.
func TestRecorderFeedbackSpooledAfterItsDecision(t *testing.T) {
	dir := t.TempDir()
	down := newRecorder(t, openClosed(t), store.RecorderConfig{DataDir: dir, FlushInterval: time.Hour})
	down.Record(decision(0))
	if err := down.Flush(testCtx(t)); err != nil || down.Stats().Up {
		t.Fatalf("Flush = %v, up %v: the test needs the database down", err, down.Stats().Up)
	}
	down.Record(decision(1))
	if err := down.AddFeedback(testCtx(t), store.Feedback{MsgID: decision(1).MsgID, Rating: 1}); err != nil {
		t.Fatalf("AddFeedback with the database down: %v, want it spooled", err)
	}
	down.Close()
	db := openSQLite(t)
	r := newRecorder(t, db, store.RecorderConfig{DataDir: dir})
	if err := r.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if st := r.Stats(); st.Replayed != 3 || st.Dropped != 0 {
		t.Errorf("stats after the replay = %+v; want two decisions and a feedback replayed, none dropped", st)
	}
}

// TestRecorderSetsAsideWhatPostgresRefuses: a decision PostgreSQL refuses (a time past its
// range, SQLSTATE 22008) is dropped and counted; the rest of its batch is stored, the log stays
// up, and what follows is stored too.
func TestRecorderSetsAsideWhatPostgresRefuses(t *testing.T) {
	pg := testsvc.SharedPostgres(t)
	var db *store.DB
	var err error
	// a column narrower than zhiyi's own, as an operator's change could make it: a value too
	// long for it is refused (SQLSTATE 22001)
	dsn := pg.NewDatabase(t)
	db, err = store.Open(testCtx(t), store.Config{URL: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`ALTER TABLE decisions ALTER COLUMN intent TYPE varchar(20)`); err != nil {
		t.Fatal(err)
	}
	r := newRecorder(t, db, store.RecorderConfig{FlushInterval: time.Hour})
	bad := decision(1)
	bad.Intent = strings.Repeat("x", 21)
	r.Record(decision(0))
	r.Record(bad)
	r.Record(decision(2))
	if err := r.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	r.Record(decision(3))
	if err := r.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if st := r.Stats(); !st.Up || st.Dropped != 1 || st.Spooled != 0 {
		t.Errorf("stats = %+v; want the log up, the refused decision dropped, nothing spooled", st)
	}
	if n, _ := count(t, db); n != 3 {
		t.Errorf("%d decisions stored, want the 3 the database takes", n)
	}
}
