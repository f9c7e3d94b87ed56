package session_test

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/session"
	"github.com/zhiyi-ai/zhiyi/session/sessiontest"
)

func TestMemory(t *testing.T) {
	sessiontest.Run(t, func(t *testing.T) session.Store { return session.NewMemory(session.MemoryConfig{}) })
}

func TestMemoryExpiry(t *testing.T) {
	clock := testsvc.NewClock(time.Unix(1_790_000_000, 0))
	s := session.NewMemory(session.MemoryConfig{Now: clock.Now})
	sessiontest.Expiry(t, s, session.DefaultTTL, clock.Advance)
}

// TestMemoryIdleTTL checks that the TTL counts from the last Save, as Redis's does: a Save
// restarts it, a Load does not.
func TestMemoryIdleTTL(t *testing.T) {
	clock := testsvc.NewClock(time.Unix(1_790_000_000, 0))
	s := session.NewMemory(session.MemoryConfig{TTL: 10 * time.Minute, Now: clock.Now})
	save(t, s, "a", 1)
	clock.Advance(8 * time.Minute)
	save(t, s, "a", 2) // restarts a's TTL
	clock.Advance(8 * time.Minute)
	if got := load(t, s, "a"); got != 2 {
		t.Fatalf("16 min after the first Save, 8 after the second: TurnCount %d, want 2", got)
	}
	clock.Advance(time.Minute) // 9 min idle; the Load above did not restart the TTL
	if got := load(t, s, "a"); got != 2 {
		t.Fatalf("9 min idle: TurnCount %d, want 2", got)
	}
	clock.Advance(time.Minute)
	if got := load(t, s, "a"); got != 0 {
		t.Fatalf("10 min idle: TurnCount %d, want the zero State", got)
	}
}

// TestMemoryBound checks that saving beyond MaxConversations evicts the least recently saved.
func TestMemoryBound(t *testing.T) {
	set := metrics.NewSet()
	s := session.NewMemory(session.MemoryConfig{MaxConversations: 3, Metrics: set})
	for i, k := range []string{"a", "b", "c", "d"} {
		save(t, s, k, i+1)
	}
	want := map[string]int{"a": 0, "b": 2, "c": 3, "d": 4}
	for k, n := range want {
		if got := load(t, s, k); got != n {
			t.Errorf("after saving a, b, c, d into 3: %s has TurnCount %d, want %d", k, got, n)
		}
	}
	save(t, s, "b", 5) // b is now the most recently saved: c goes next
	save(t, s, "e", 6)
	want = map[string]int{"b": 5, "c": 0, "d": 4, "e": 6}
	for k, n := range want {
		if got := load(t, s, k); got != n {
			t.Errorf("after saving b again and e: %s has TurnCount %d, want %d", k, got, n)
		}
	}
	if s.Len() != 3 {
		t.Errorf("Len() = %d, want 3", s.Len())
	}
	checkMetric(t, set, `zhiyi_session_evictions_total{reason="capacity"}`, 2)
	checkMetric(t, set, `zhiyi_session_conversations`, 3)
}

// TestMemoryBoundSharded checks the bound of a store large enough to be sharded: it is exact
// in total, and the newest conversations are all kept.
func TestMemoryBoundSharded(t *testing.T) {
	const max, saved = 2000, 9000
	set := metrics.NewSet()
	s := session.NewMemory(session.MemoryConfig{MaxConversations: max, Metrics: set})
	for i := range saved {
		save(t, s, fmt.Sprint("k", i), i+1)
	}
	if s.Len() != max {
		t.Errorf("Len() = %d after %d conversations, want %d", s.Len(), saved, max)
	}
	for i := saved - 100; i < saved; i++ {
		if got := load(t, s, fmt.Sprint("k", i)); got != i+1 {
			t.Fatalf("one of the newest 100, k%d: TurnCount %d, want %d", i, got, i+1)
		}
	}
	checkMetric(t, set, `zhiyi_session_evictions_total{reason="capacity"}`, saved-max)
	checkMetric(t, set, `zhiyi_session_conversations`, max)
}

// TestMemorySweep checks that each Save removes a few idle conversations, so they leave
// memory without a goroutine, and that no Save does too much work at once.
func TestMemorySweep(t *testing.T) {
	clock := testsvc.NewClock(time.Unix(1_790_000_000, 0))
	set := metrics.NewSet()
	s := session.NewMemory(session.MemoryConfig{MaxConversations: 100, TTL: time.Minute, Now: clock.Now, Metrics: set})
	for i := range 20 {
		save(t, s, fmt.Sprint("idle", i), 1)
	}
	clock.Advance(2 * time.Minute)
	// 20 idle; each Save sweeps at most 8 of them and adds one.
	for i, want := range []int{13, 6, 3, 4} {
		save(t, s, fmt.Sprint("new", i), 1)
		if s.Len() != want {
			t.Fatalf("after Save %d: Len() = %d, want %d", i+1, s.Len(), want)
		}
	}
	checkMetric(t, set, `zhiyi_session_evictions_total{reason="idle"}`, 20)
	checkMetric(t, set, `zhiyi_session_conversations`, 4)
}

func save(t *testing.T, s session.Store, key string, turns int) {
	t.Helper()
	if err := s.Save(context.Background(), key, session.State{TurnCount: turns}); err != nil {
		t.Fatalf("Save(%q): %v", key, err)
	}
}

func load(t *testing.T, s session.Store, key string) int {
	t.Helper()
	st, err := s.Load(context.Background(), key)
	if err != nil {
		t.Fatalf("Load(%q): %v", key, err)
	}
	return st.TurnCount
}

// checkMetric compares a counter or gauge of set, as /metrics would show it, with want.
func checkMetric(t *testing.T, set *metrics.Set, name string, want float64) {
	t.Helper()
	var buf bytes.Buffer
	set.WritePrometheus(&buf)
	for line := range strings.Lines(buf.String()) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+" "); ok {
			got, err := strconv.ParseFloat(v, 64)
			if err != nil || got != want {
				t.Errorf("%s = %s, want %g", name, v, want)
			}
			return
		}
	}
	t.Errorf("metric %s not found in:\n%s", name, buf.String())
}
