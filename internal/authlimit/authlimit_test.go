package authlimit

import (
	"fmt"
	"net/netip"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)

// step is one call on a limiter at t0+at: an attempt that fails or succeeds, or a check.
type step struct {
	at     time.Duration
	op     string // "fail", "succeed", "check"
	client string
	// for fail: whether it locks the client out; for check: whether it is blocked and for how long
	locked bool
	wait   time.Duration
}

// fail is a wrong guess of client at now; it reports whether that locks the client out, and
// fails the test when the guess is refused.
func fail(t *testing.T, l *Limiter, client string, now time.Time) bool {
	t.Helper()
	v := l.Guess(client, now, func() bool { return false })
	if v.Blocked {
		t.Fatalf("Guess(%s) at %v refused, %v", client, now.Sub(t0), v.RetryAfter)
	}
	return v.LockedOut
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
			{at: w + time.Minute, op: "check", client: "a"}, // 1m left: two remain
		}},
		{"failures apart wider than the window never lock out", []step{
			{at: 0, op: "fail", client: "a"},
			{at: w, op: "fail", client: "a"},
			{at: 2 * w, op: "fail", client: "a"},
			{at: 2 * w, op: "check", client: "a"},
		}},
		{"success clears the count", []step{
			{at: 0, op: "fail", client: "a"},
			{at: 0, op: "fail", client: "a"},
			{at: 0, op: "succeed", client: "a"},
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
					if got := fail(t, l, s.client, now); got != s.locked {
						t.Fatalf("step %d: Fail(%s) = %v, want %v", i, s.client, got, s.locked)
					}
				case "succeed":
					if v := l.Guess(s.client, now, func() bool { return true }); !v.Right {
						t.Fatalf("step %d: the right secret of %s: %+v", i, s.client, v)
					}
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

// Memory is bounded: past MaxClients the client not blocked whose last failure is oldest goes; clients
// whose window passed go first, and a client failing again is not the one forgotten.
func TestLimiterEviction(t *testing.T) {
	const w = time.Hour
	for _, tc := range []struct {
		name       string
		at         time.Duration // when a new client fails
		remembered []string
		blocked    bool // c0 still
	}{
		{"full: the least recently failed not blocked goes", 4 * time.Minute, []string{"c0", "c2", "new"}, true},
		{"windows passed go first", w + 2*time.Minute + 30*time.Second, []string{"c0", "new"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := New(2, w, 3)
			for i := range 3 {
				fail(t, l, fmt.Sprintf("c%d", i), t0.Add(time.Duration(i)*time.Minute))
			}
			if !fail(t, l, "c0", t0.Add(3*time.Minute)) { // c0 again: c1's last failure is the oldest now
				t.Fatal("c0 not locked out")
			}
			fail(t, l, "new", t0.Add(tc.at))
			if got := keys(l); fmt.Sprint(got) != fmt.Sprint(tc.remembered) {
				t.Fatalf("remembered %v, want %v", got, tc.remembered)
			}
			if _, blocked := l.Blocked("c0", t0.Add(tc.at)); blocked != tc.blocked {
				t.Errorf("c0 blocked %v, want %v", blocked, tc.blocked)
			}
		})
	}
}

// Failures from more clients than MaxClients do not flush a lockout: clients not blocked are
// forgotten first, however recently they failed.
func TestLimiterEvictionKeepsLockouts(t *testing.T) {
	const w = time.Hour
	l := New(2, w, 3)
	fail(t, l, "target", t0)
	if !fail(t, l, "target", t0) {
		t.Fatal("target not locked out")
	}
	for i := range 10 { // the attacker's other addresses, each failing once
		fail(t, l, fmt.Sprintf("c%d", i), t0.Add(time.Duration(i+1)*time.Minute))
		if l.Len() > 3 {
			t.Fatalf("%d clients remembered, want at most 3", l.Len())
		}
	}
	if wait, blocked := l.Blocked("target", t0.Add(11*time.Minute)); !blocked || wait != w-11*time.Minute {
		t.Fatalf("target after failures from 10 other clients: %v, %v; want blocked, %v", wait, blocked, w-11*time.Minute)
	}
	if got := keys(l); fmt.Sprint(got) != "[c8 c9 target]" {
		t.Errorf("remembered %v, want the lockout and the newest", got)
	}
}

// When every client remembered is blocked, a new client still gets in and the oldest lockout
// is forgotten: refusing it would let MaxClients lockouts keep every
// operator out.
func TestLimiterFullOfLockouts(t *testing.T) {
	const w = time.Hour
	l := New(2, w, 3)
	for i := range 3 {
		at := t0.Add(time.Duration(i) * time.Minute)
		fail(t, l, fmt.Sprintf("c%d", i), at)
		fail(t, l, fmt.Sprintf("c%d", i), at)
	}
	// every client remembered is locked out: a new one is still let in (an operator is not kept
	// out by others' lockouts), and the oldest lockout is the one forgotten
	if v := l.Guess("new", t0.Add(3*time.Minute), func() bool { return true }); !v.Right {
		t.Fatalf("a new client's right secret among 3 lockouts: %+v, want let in", v)
	}
	if got := keys(l); fmt.Sprint(got) != "[c0 c1 c2]" {
		t.Fatalf("remembered %v after a right secret, want the lockouts (a right one takes no room)", got)
	}
	if fail(t, l, "new", t0.Add(3*time.Minute)) {
		t.Fatal("one failure locked out")
	}
	if got := keys(l); fmt.Sprint(got) != "[c1 c2 new]" {
		t.Fatalf("remembered %v, want c1 c2 new (c0's lockout the oldest)", got)
	}
	for _, c := range []string{"c1", "c2"} {
		if _, blocked := l.Blocked(c, t0.Add(3*time.Minute)); !blocked {
			t.Fatalf("%s's lockout was forgotten", c)
		}
	}
}

// Many clients failing once each never hold more than MaxClients.
func TestLimiterBounded(t *testing.T) {
	l := New(5, time.Hour, 100)
	for i := range 1000 {
		fail(t, l, fmt.Sprintf("10.0.%d.%d", i/256, i%256), t0.Add(time.Duration(i)*time.Millisecond))
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

// Guesses sent at once from one client are compared one at a time, each failure counted before
// the next is compared: of many wrong ones exactly Attempts are compared and one locks the
// client out; the rest are refused for the window without a comparison. Right ones sent at once
// are never refused (go test -race).
func TestLimiterGuessesAtOnce(t *testing.T) {
	const n, attempts = 50, 5
	for _, right := range []bool{false, true} {
		l := New(attempts, time.Hour, 10)
		var compared, lockouts, refused atomic.Int32
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				v := l.Guess("a", t0, func() bool {
					compared.Add(1)
					runtime.Gosched() // let the others at the limiter while this one compares
					return right
				})
				switch {
				case v.Blocked:
					refused.Add(1)
					if v.RetryAfter != time.Hour {
						t.Errorf("refused with %v, want 1h", v.RetryAfter)
					}
				case v.LockedOut:
					lockouts.Add(1)
				case v.Right != right:
					t.Errorf("Right %v for a secret that is %v", v.Right, right)
				}
			})
		}
		wg.Wait()
		want := [3]int32{attempts, 1, n - attempts} // compared, lockouts, refused
		if right {
			want = [3]int32{n, 0, 0}
		}
		if got := [3]int32{compared.Load(), lockouts.Load(), refused.Load()}; got != want {
			t.Errorf("%d guesses at once, right %v: compared, lockouts, refused %v; want %v", n, right, got, want)
		}
	}
}

// A blocked client's secret is not even compared: the right one must not tell it apart.
func TestLimiterBlockedComparesNothing(t *testing.T) {
	l := New(1, time.Hour, 10)
	fail(t, l, "a", t0)
	v := l.Guess("a", t0.Add(time.Minute), func() bool { t.Fatal("compared while blocked"); return true })
	if !v.Blocked || v.Right || v.RetryAfter != 59*time.Minute {
		t.Fatalf("%+v, want blocked for 59m", v)
	}
}

func TestClientKey(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.9":                      "203.0.113.9",
		"::ffff:203.0.113.9":               "203.0.113.9",
		"2001:db8:1:2:aaaa:bbbb:cccc:dddd": "2001:db8:1:2::/64",
		"::1":                              "::/64",
		"64:ff9b::cb00:7109":               "203.0.113.9",  // NAT64 from 203.0.113.9
		"64:ff9b::1:cb00:7109":             "64:ff9b::/64", // outside the /96: a host of its own
	} {
		if got := ClientKey(netip.MustParseAddr(in)); got != want {
			t.Errorf("ClientKey(%s) = %s, want %s", in, got, want)
		}
	}
}
