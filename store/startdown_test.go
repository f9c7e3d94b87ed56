// What the log says when zhiyi serve starts while PostgreSQL is down: one warning for the one
// outage, and when it ends, that it is back.

package store_test

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/store"
)

// logLines decodes the JSON lines in b: each line's level and message.
func logLines(t *testing.T, b *testsvc.Buffer) (lines []struct{ Level, Msg string }) {
	t.Helper()
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if l == "" {
			continue
		}
		var rec struct{ Level, Msg string }
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		lines = append(lines, rec)
	}
	return lines
}

// A start with PostgreSQL down logged four warnings for its one cause: Open's "the database is
// down", its background connection's first retry ("not usable yet", the same error), the
// recorder's first write or probe ("database unavailable … not connected yet") and the retention
// pass run at start ("retention failed"). Now Open's line alone says it, the retries repeat it
// once a minute at most, and the return is said once by each part that saw it.
func TestStartWithPostgresDownWarnsOnce(t *testing.T) {
	pg := testsvc.PrivatePostgres(t)
	dir := t.TempDir()
	url := pg.NewDatabase(t)
	first, err := store.Open(testCtx(t), store.Config{URL: url, DataDir: dir, ConnectLater: true})
	if err != nil {
		t.Fatal(err)
	}
	first.Close()
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	var logs testsvc.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	db, err := store.Open(testCtx(t), store.Config{URL: url, DataDir: dir, ConnectLater: true, Logger: log})
	if err != nil {
		t.Fatalf("down, with the key's copy: %v", err)
	}
	defer db.Close()
	// as zhiyi serve runs it: retention at start, probes every second
	r := newRecorder(t, db, store.RecorderConfig{DataDir: dir, Logger: log, Retain: 24 * time.Hour, RetainEvery: time.Hour,
		RetryInterval: 200 * time.Millisecond, WriteTimeout: 2 * time.Second})
	for i := range 50 {
		r.Record(decision(i))
	}
	if err := r.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	// past the background connection's first three retries (0.5 s, 1 s, 2 s) and a few probes
	time.Sleep(4 * time.Second)
	if st := r.Stats(); st.Up || st.Spooled != 50 {
		t.Fatalf("stats while down = %+v, want 50 spooled, down", st)
	}
	var warned []string
	for _, l := range logLines(t, &logs) {
		if l.Level == "WARN" || l.Level == "ERROR" {
			warned = append(warned, l.Msg)
		}
	}
	if len(warned) != 1 || !strings.Contains(warned[0], "the database is down") {
		t.Errorf("a start with PostgreSQL down logged %d warnings, want Open's one:\n%s", len(warned), logs.String())
	}

	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for st := r.Stats(); !st.Up || st.Replayed != 50; st = r.Stats() {
		if time.Now().After(deadline) {
			t.Fatalf("spool not replayed after PostgreSQL came back: %+v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var back []string
	for _, l := range logLines(t, &logs) {
		if l.Level == "INFO" && strings.Contains(l.Msg, "back") {
			back = append(back, l.Msg)
		}
	}
	if len(back) == 0 || len(back) > 2 {
		t.Errorf("the return was said %d times, want once by Open's connection and once by the recorder's replay: %q", len(back), back)
	}
}
