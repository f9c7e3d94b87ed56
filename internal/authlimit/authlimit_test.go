package authlimit

import (
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)

// step is one call on a limiter at t0+at: fail, reset or check.
type step struct {
	at     time.Duration
	op     string // "fail", "reset", "check"
	client string
	// for fail: whether it locks the client out; for check: whether it is blocked and for how long
	locked bool
	wait   time.Duration
}

func TestLimiter(t *testing.T) {
	const w = 15 * time.Minute
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"under the limit", []step{
			{at: 0, op: "fail", client: "a"},
			{at: time.Minute, op: "fail", client: "a"},
			{at: 2 * time.Minute, op: "check", client: "a"},
		}},
		{"the third failure locks out until the first leaves the window", []step{
			{at: 0, op: "fail", client: "a"},
			{at: time.Minute, op: "fail", client: "a"},
			{at: 2 * time.Minute, op: "fail", client: "a", locked: true},
			{at: 2 * time.Minute, op: "check", client: "a", locked: true, wait: w - 2*time.Minute},
			{at: w - time.Nanosecond, op: "check", client: "a", locked: true, wait: time.Nanosecond},
			{at: w, op: "check", client: "a"},
		}},
		{"one more failure after the window locks out again, once", []step{
			{at: 0, op: "fail", client: "a"},
			{at: time.Minute, op: "fail", client: "a"},
			{at: 2 * time.Minute, op: "fail", client: "a", locked: true},
			{at: w, op: "fail", client: "a", locked: true},
			{at: w, op: "check", client: "a", locked: true, wait: time.Minute},
			{at: w, op: "fail", client: "a"},                                                 // a race's extra failure: not a second lockout
			{at: w + time.Minute, op: "check", client: "a", locked: true, wait: time.Minute}, // until 2m leaves
		}},
		{"failures apart wider than the window never lock out", []step{
			{at: 0, op: "fail", client: "a"},
			{at: w, op: "fail", client: "a"},
			{at: 2 * w, op: "fail", client: "a"},
			{at: 2 * w, op: "check", client: "a"},
		}},
		{"reset clears the count", []step{
			{at: 0, op: "fail", client: "a"},
			{at: 0, op: "fail", client: "a"},
			{at: 0, op: "reset", client: "a"},
			{at: 0, op: "fail", client: "a"},
			{at: 0, op: "fail", client: "a"},
			{at: 0, op: "check", client: "a"},
			{at: 0, op: "fail", client: "a", locked: true},
		}},
		{"clients are counted apart", []step{
			{at: 0, op: "fail", client: "a"},
			{at: 0, op: "fail", client: "a"},
			{at: 0, op: "fail", client: "a", locked: true},
			{at: 0, op: "fail", client: "b"},
			{at: 0, op: "check", client: "b"},
			{at: 0, op: "check", client: "a", locked: true, wait: w},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := New(3, w, 10)
			for i, s := range tc.steps {
				now := t0.Add(s.at)
				switch s.op {
				case "fail":
					if got := l.Fail(s.client, now); got != s.locked {
						t.Fatalf("step %d: Fail(%s) = %v, want %v", i, s.client, got, s.locked)
					}
				case "reset":
					l.Reset(s.client)
				case "check":
					wait, blocked := l.Blocked(s.client, now)
					if blocked != s.locked || wait != s.wait {
						t.Fatalf("step %d: Blocked(%s) = %v, %v; want %v, %v", i, s.client, wait, blocked, s.wait, s.locked)
					}
				}
			}
		})
	}
}

// Memory is bounded: past MaxClients the client whose last failure is oldest goes; clients
// whose window passed go first, and a client failing again is not the one forgotten.
func TestLimiterEviction(t *testing.T) {
	const w = time.Hour
	for _, tc := range []struct {
		name       string
		at         time.Duration // when a new client fails
		remembered []string
		blocked    bool // c0 still
	}{
		{"full: the least recently failed goes", 4 * time.Minute, []string{"c0", "c2", "new"}, true},
		{"windows passed go first", w + 2*time.Minute + 30*time.Second, []string{"c0", "new"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := New(2, w, 3)
			for i := range 3 {
				l.Fail(fmt.Sprintf("c%d", i), t0.Add(time.Duration(i)*time.Minute))
			}
			if !l.Fail("c0", t0.Add(3*time.Minute)) { // c0 again: c1's last failure is the oldest now
				t.Fatal("c0 not locked out")
			}
			l.Fail("new", t0.Add(tc.at))
			if got := keys(l); fmt.Sprint(got) != fmt.Sprint(tc.remembered) {
				t.Fatalf("remembered %v, want %v", got, tc.remembered)
			}
			if _, blocked := l.Blocked("c0", t0.Add(tc.at)); blocked != tc.blocked {
				t.Errorf("c0 blocked %v, want %v", blocked, tc.blocked)
			}
		})
	}
}

// Many clients failing once each never hold more than MaxClients.
func TestLimiterBounded(t *testing.T) {
	l := New(5, time.Hour, 100)
	for i := range 1000 {
		l.Fail(fmt.Sprintf("10.0.%d.%d", i/256, i%256), t0.Add(time.Duration(i)*time.Millisecond))
		if l.Len() > 100 {
			t.Fatalf("after %d clients: %d remembered", i+1, l.Len())
		}
	}
	if got := keys(l); len(got) != 100 || got[0] != "10.0.3.132" {
		t.Fatalf("remembered %d, the oldest %v; want the newest 100", len(got), got[:1])
	}
}

// keys returns the clients remembered, sorted.
func keys(l *Limiter) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var ks []string
	for k := range l.clients {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func TestLimiterDefaults(t *testing.T) {
	l := New(0, 0, 0)
	if l.Attempts() != DefaultAttempts || l.Window() != DefaultWindow || l.maxClients != DefaultMaxClients {
		t.Fatalf("New(0, 0, 0): %d %v %d", l.Attempts(), l.Window(), l.maxClients)
	}
}

// Concurrent failures from one client lock it out exactly once (go test -race).
func TestLimiterConcurrent(t *testing.T) {
	l := New(5, time.Hour, 10)
	var wg sync.WaitGroup
	var mu sync.Mutex
	lockouts := 0
	for range 50 {
		wg.Go(func() {
			if l.Fail("a", t0) {
				mu.Lock()
				lockouts++
				mu.Unlock()
			}
			l.Blocked("a", t0)
		})
	}
	wg.Wait()
	if lockouts != 1 {
		t.Fatalf("%d lockouts, want 1", lockouts)
	}
}

func TestClientKey(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.9":                      "203.0.113.9",
		"::ffff:203.0.113.9":               "203.0.113.9",
		"2001:db8:1:2:aaaa:bbbb:cccc:dddd": "2001:db8:1:2::/64",
		"::1":                              "::/64",
	} {
		if got := ClientKey(netip.MustParseAddr(in)); got != want {
			t.Errorf("ClientKey(%s) = %s, want %s", in, got, want)
		}
	}
}
