// The recorder through PostgreSQL outages: spooled while down, replayed once back, nothing lost.

package store_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/store"
)

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

// waitLogged waits until logged holds what: the writer says the database is back after the
// state Stats reads shows it, so a test that read the log as soon as waitReplayed returned found
// no such line now and then on a loaded machine.
func waitLogged(t *testing.T, logged *testsvc.Buffer, what string) string {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		out := logged.String()
		if strings.Contains(out, what) || time.Now().After(deadline) {
			return out
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
