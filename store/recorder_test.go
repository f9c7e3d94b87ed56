package store_test

import (
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

// A damaged spool file's unreadable lines are skipped and counted, and logged as two lines
// whatever their number — the first with its error, then how many — not one error line each.
func TestRecorderSkipsADamagedSpoolInTwoLines(t *testing.T) {
	dir := t.TempDir()
	spoolDir := filepath.Join(dir, store.SpoolDirName)
	os.MkdirAll(spoolDir, 0o700)
	var b strings.Builder
	for i := range 500 {
		fmt.Fprintf(&b, "\x00\x00garbage %d\n", i)
	}
	b.WriteString(`{"d":{"msg_id":"r-000001","time":"2026-03-01T09:00:00Z","text":"x","intent":"invoice","route":"auto","confidence":0.9,"latency_us":1}}` + "\n")
	if err := os.WriteFile(filepath.Join(spoolDir, "00000000000000000007.jsonl"), []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	var logged testsvc.Buffer
	db := openSQLite(t)
	r := newRecorder(t, db, store.RecorderConfig{DataDir: dir, Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	if err := r.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if st := r.Stats(); st.Replayed != 1 || st.Dropped != 500 {
		t.Errorf("stats = %+v; want 1 replayed, 500 dropped", st)
	}
	out := logged.String()
	if n := strings.Count(out, "level=ERROR"); n != 2 || !strings.Contains(out, "skipping an unreadable spool record") ||
		!strings.Contains(out, "unreadable spool records skipped") || !strings.Contains(out, "records=500") {
		t.Errorf("%d error lines, want 2 (the first, then the sum):\n%.2000s", n, out)
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
	if st.Replayed != 3 || st.Dropped != 1 || st.SpoolRecords != 1 {
		t.Errorf("stats = %+v; want 3 replayed (2 decisions, 1 feedback), 1 dropped (the torn line), the orphan feedback waiting for its decision", st)
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

func TestRecorderQueueFull(t *testing.T) {
	dsn := testsvc.SharedPostgres(t).NewDatabase(t)
	db, err := store.Open(testCtx(t), store.Config{URL: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var logged testsvc.Buffer
	r := newRecorder(t, db, store.RecorderConfig{QueueSize: 1, BatchSize: 1, WriteTimeout: time.Minute, RetryInterval: 10 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logged, nil))})
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
	// the database is up (zhiyi_store_up 1), so the overflow is said, once a minute at most
	if got := strings.Count(logged.String(), "the writer's queue is full"); got != 1 {
		t.Errorf("the full queue logged %d times, want once:\n%s", got, logged.String())
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
