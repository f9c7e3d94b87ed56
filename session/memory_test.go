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

// TestMemoryByteBound checks that MaxBytes bounds what the conversations take, whatever their
// count: long messages with their responses (21 KB a conversation measured on the sample shop)
// under many sender ids grew a replica by gigabytes within MaxConversations. The least recently
// saved go first, and the conversation saved last stays even when it alone is over the bound.
func TestMemoryByteBound(t *testing.T) {
	big := bigState(6)   // six 2 KB messages, each with a 3 KB response: about 30 KB encoded
	small := bigState(1) // about 5 KB
	enc, _ := big.AppendBinary(nil)
	for _, c := range []struct {
		name     string
		maxBytes int64
		st       session.State
		saved    int
		newest   int // the newest conversations that must all be kept
	}{
		{"ten big in 100 KB", 100 << 10, big, 10, 3},
		{"a hundred small in 100 KB", 100 << 10, small, 100, 15},
		{"one big over 16 KB", 16 << 10, big, 3, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			set := metrics.NewSet()
			s := session.NewMemory(session.MemoryConfig{MaxConversations: 100, MaxBytes: c.maxBytes, Metrics: set})
			for i := range c.saved {
				if err := s.Save(context.Background(), fmt.Sprint("k", i), c.st); err != nil {
					t.Fatal(err)
				}
			}
			held := metricValue(t, set, `zhiyi_session_bytes`)
			if c.newest > 1 && held > float64(c.maxBytes) {
				t.Errorf("%d bytes held, over MaxBytes %d", int64(held), c.maxBytes)
			}
			if s.Len() >= c.saved || s.Len() < c.newest {
				t.Errorf("Len() = %d after %d conversations of %d bytes in %d: want fewer, at least %d",
					s.Len(), c.saved, len(enc), c.maxBytes, c.newest)
			}
			for i := c.saved - c.newest; i < c.saved; i++ {
				if got := load(t, s, fmt.Sprint("k", i)); got != c.st.TurnCount {
					t.Errorf("k%d, one of the newest %d: TurnCount %d, want %d", i, c.newest, got, c.st.TurnCount)
				}
			}
			if got := load(t, s, "k0"); got != 0 {
				t.Errorf("k0, the oldest: TurnCount %d, want it evicted", got)
			}
			checkMetric(t, set, `zhiyi_session_evictions_total{reason="capacity"}`, float64(c.saved-s.Len()))
			checkMetric(t, set, `zhiyi_session_conversations`, float64(s.Len()))
			s.Close()
			checkMetric(t, set, `zhiyi_session_bytes`, 0)
		})
	}
}

// TestMemoryBytesResaved checks that saving a conversation again counts its new state in place
// of the old one, so that a long conversation is not charged for every version of itself.
func TestMemoryBytesResaved(t *testing.T) {
	set := metrics.NewSet()
	s := session.NewMemory(session.MemoryConfig{MaxConversations: 10, MaxBytes: 40 << 10, Metrics: set})
	save(t, s, "other", 1)
	var st session.State
	for i := range 20 {
		st.Push(session.Turn{Text: strings.Repeat("退", 600), Response: strings.Repeat("r", 3000), At: int64(i)}, 6)
		if err := s.Save(context.Background(), "long", st); err != nil {
			t.Fatal(err)
		}
	}
	if got := load(t, s, "other"); got != 1 {
		t.Errorf("the other conversation: TurnCount %d, want 1 (kept: the long one takes 30 KB of 40)", got)
	}
	if s.Len() != 2 {
		t.Errorf("Len() = %d, want 2", s.Len())
	}
	if held := metricValue(t, set, `zhiyi_session_bytes`); held > 40<<10 {
		t.Errorf("%d bytes held for two conversations, over the 40 KB bound", int64(held))
	}
}

// bigState is a conversation of n customer turns of 2 KB each, answered within a minute, each
// response (3 KB) kept for retries.
func bigState(n int) session.State {
	var st session.State
	for i := range n {
		st.Push(session.Turn{MsgID: fmt.Sprint("m", i), Text: strings.Repeat("东西不要了怎么寄回去", 68), At: int64(i) * 1000,
			Intent: "return_goods", Route: "auto", Response: strings.Repeat("x", 3000)}, 6)
	}
	return st
}

// metricValue returns a counter's or gauge's value in set, as /metrics shows it.
func metricValue(t *testing.T, set *metrics.Set, name string) float64 {
	t.Helper()
	var buf bytes.Buffer
	set.WritePrometheus(&buf)
	for line := range strings.Lines(buf.String()) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+" "); ok {
			got, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s = %q", name, v)
			}
			return got
		}
	}
	t.Fatalf("metric %s not found", name)
	return 0
}
