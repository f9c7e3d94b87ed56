package serve

import (
	"cmp"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
)

// from returns ts as seen from the client address ip: its requests arrive from that address.
func from(t *testing.T, ts *testServer, ip string) *testServer {
	t.Helper()
	addr := &net.TCPAddr{IP: net.ParseIP(ip), Port: 40000}
	c := *ts
	c.client = &fasthttp.HostClient{
		Addr: "zhiyi.test",
		Dial: func(string) (net.Conn, error) { return ts.ln.DialWithLocalAddr(addr) },
	}
	t.Cleanup(c.client.CloseIdleConnections) // before the server stops (it would wait for them)
	return &c
}

// adminStep is one request of a client at the clock's time (advanced by wait first).
type adminStep struct {
	wait   time.Duration
	client string // an IP address
	path   string // default /admin/reload
	token  string // the Authorization header; "" sends none
	status int
	code   string // the error code, when status is not 200
	retry  string // the Retry-After header wanted
}

// The admin routes' limit on wrong tokens per client: after DefaultAdminAttempts wrong tokens
// within DefaultAdminWindow the client gets 429 too_many_attempts with Retry-After, even with
// the right token, until the oldest failure leaves the window; other clients are not affected;
// the right token clears the count.
func TestAdminLockout(t *testing.T) {
	const (
		token    = "s3cret-token-0123456789"
		attacker = "203.0.113.9"
		operator = "198.51.100.7"
	)
	right, wrong := "Bearer "+token, "Bearer guess"
	wrongs := func(client string, n int, every time.Duration) []adminStep {
		var steps []adminStep
		for range n {
			steps = append(steps, adminStep{wait: every, client: client, token: wrong, status: 401, code: CodeUnauthorized})
		}
		return steps
	}
	cat := func(parts ...[]adminStep) []adminStep {
		var all []adminStep
		for _, p := range parts {
			all = append(all, p...)
		}
		return all
	}
	for _, tc := range []struct {
		name     string
		steps    []adminStep
		lockouts int
	}{
		{"wrong tokens lock the client out, the right one too, until the window passes",
			cat(wrongs(attacker, DefaultAdminAttempts, time.Minute), []adminStep{
				// failures at 1…5 min: blocked until the first leaves the window at 16 min
				{client: attacker, token: right, status: 429, code: CodeTooManyAttempts, retry: "660"},
				{client: attacker, token: wrong, status: 429, code: CodeTooManyAttempts, retry: "660"},
				{client: attacker, status: 429, code: CodeTooManyAttempts, retry: "660"},
				{client: operator, token: right, status: 200},
				{client: operator, token: wrong, status: 401, code: CodeUnauthorized},
				{wait: DefaultAdminWindow - 4*time.Minute - time.Second, client: attacker, token: right, status: 429, code: CodeTooManyAttempts, retry: "1"},
				{wait: time.Second, client: attacker, token: right, status: 200},
			}), 1},
		{"the right token clears the count",
			cat(wrongs(attacker, DefaultAdminAttempts-1, 0), []adminStep{
				{client: attacker, token: right, status: 200},
			}, wrongs(attacker, DefaultAdminAttempts-1, 0), []adminStep{
				{client: attacker, token: right, status: 200},
			}), 0},
		{"requests without a token (or a scheme alone) guess nothing and are not counted",
			cat([]adminStep{
				{client: attacker, status: 401, code: CodeUnauthorized},
				{client: attacker, status: 401, code: CodeUnauthorized},
				{client: attacker, status: 401, code: CodeUnauthorized},
				{client: attacker, status: 401, code: CodeUnauthorized},
				{client: attacker, status: 401, code: CodeUnauthorized},
				{client: attacker, token: "Bearer ", status: 401, code: CodeUnauthorized},
				{client: attacker, token: "bearer   ", status: 401, code: CodeUnauthorized},
				{client: attacker, token: right, status: 200},
			}), 0},
		{"an unknown path counts wrong tokens and does not tell a blocked client its guess was right",
			[]adminStep{
				{client: attacker, path: "/nope", token: wrong, status: 404, code: CodeNotFound},
				{client: attacker, path: "/nope", token: wrong, status: 404, code: CodeNotFound},
				{client: attacker, path: "/nope", token: wrong, status: 404, code: CodeNotFound},
				{client: attacker, path: "/nope", token: wrong, status: 404, code: CodeNotFound},
				{client: attacker, path: "/admin/reload", token: wrong, status: 401, code: CodeUnauthorized},
				{client: attacker, path: "/nope", token: right, status: 404, code: CodeNotFound}, // without the admin routes
				{client: attacker, path: "/admin/reload", token: right, status: 429, code: CodeTooManyAttempts, retry: "900"},
			}, 1},
		{"an IPv6 client is its /64",
			cat(wrongs("2001:db8:1:2::1", DefaultAdminAttempts, 0), []adminStep{
				{client: "2001:db8:1:2:ffff::9", token: right, status: 429, code: CodeTooManyAttempts, retry: "900"},
				{client: "2001:db8:1:3::1", token: right, status: 200},
			}), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := testsvc.NewClock(time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC))
			ts := startServer(t, Config{AdminToken: token}, nil, slog.LevelInfo, func(s *Server) { s.now = clk.Now })
			clients := map[string]*testServer{}
			for i, st := range tc.steps {
				clk.Advance(st.wait)
				c := clients[st.client]
				if c == nil {
					c = from(t, ts, st.client)
					clients[st.client] = c
				}
				var hdr map[string]string
				if st.token != "" {
					hdr = map[string]string{"Authorization": st.token}
				}
				r := c.do("POST", cmp.Or(st.path, "/admin/reload"), "", hdr)
				if r.status != st.status || (st.code != "" && !strings.Contains(string(r.body), `"code":"`+st.code+`"`)) {
					t.Fatalf("step %d (%s): %d %s, want %d %s", i, st.client, r.status, r.body, st.status, st.code)
				}
				if got := r.header["Retry-After"]; got != st.retry {
					t.Fatalf("step %d (%s): Retry-After %q, want %q", i, st.client, got, st.retry)
				}
				if st.status == 404 && strings.Contains(string(r.body), "with the admin token") {
					t.Fatalf("step %d: the unknown path's 404 lists the admin routes: %s", i, r.body)
				}
			}
			metrics := string(ts.do("GET", "/metrics", "", nil).body)
			if want := fmt.Sprintf("zhiyi_admin_lockouts_total %d", tc.lockouts); !strings.Contains(metrics, want+"\n") {
				t.Errorf("metrics lack %q", want)
			}
			logs := ts.logs.String()
			if n := strings.Count(logs, "locked out after too many wrong tokens"); n != tc.lockouts {
				t.Errorf("%d lockout warnings, want %d:\n%s", n, tc.lockouts, logs)
			}
			if tc.lockouts > 0 && !strings.Contains(logs, `"client":"`) {
				t.Errorf("the lockout warning does not name the client:\n%s", logs)
			}
			if strings.Contains(logs, token) || strings.Contains(logs, "guess") {
				t.Errorf("a token was logged:\n%s", logs)
			}
		})
	}
}

// AdminAttempts and AdminWindow set the limit; a negative one is refused.
func TestAdminLimitConfig(t *testing.T) {
	const token = "s3cret-token-0123456789"
	clk := testsvc.NewClock(time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC))
	ts := startServer(t, Config{AdminToken: token, AdminAttempts: 2, AdminWindow: time.Minute}, nil, slog.LevelInfo,
		func(s *Server) { s.now = clk.Now })
	if c := ts.Config(); c.AdminAttempts != 2 || c.AdminWindow != time.Minute {
		t.Fatalf("Config: %d %v", c.AdminAttempts, c.AdminWindow)
	}
	a := from(t, ts, "203.0.113.9")
	for range 2 {
		a.do("POST", "/admin/reload", "", map[string]string{"Authorization": "Bearer guess"})
	}
	r := a.do("POST", "/admin/reload", "", map[string]string{"Authorization": "Bearer " + token})
	if r.status != 429 || r.header["Retry-After"] != "60" {
		t.Fatalf("after 2 wrong tokens: %d Retry-After %q, want 429 60", r.status, r.header["Retry-After"])
	}
	if d := DefaultConfig(); d.AdminAttempts != 5 || d.AdminWindow != 15*time.Minute {
		t.Errorf("defaults %d in %v, want the console's 5 in 15m", d.AdminAttempts, d.AdminWindow)
	}
	for _, c := range []Config{{AdminAttempts: -1}, {AdminWindow: -time.Second}} {
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "AdminAttempts") {
			t.Errorf("%+v: Validate %v", c, err)
		}
	}
}

// Behind a trusted proxy (Config.TrustedProxies) a guesser locks out the client X-Forwarded-For
// names, not everyone the proxy serves; from elsewhere the header is not believed.
func TestAdminLockoutBehindProxy(t *testing.T) {
	const token = "s3cret-token-0123456789"
	clk := testsvc.NewClock(time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC))
	cfg := Config{AdminToken: token, AdminAttempts: 2, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.1/32")}}
	ts := startServer(t, cfg, nil, slog.LevelInfo, func(s *Server) { s.now = clk.Now })
	proxy, direct := from(t, ts, "10.0.0.1"), from(t, ts, "192.0.2.50")
	send := func(c *testServer, xff, tok string) int {
		return c.do("POST", "/admin/reload", "", map[string]string{"Authorization": "Bearer " + tok, "X-Forwarded-For": xff}).status
	}
	for range 2 {
		if got := send(proxy, "203.0.113.9", "guess"); got != 401 {
			t.Fatalf("wrong token through the proxy: %d, want 401", got)
		}
	}
	if got := send(proxy, "203.0.113.9", token); got != 429 {
		t.Errorf("the guesser behind the proxy: %d, want 429", got)
	}
	if got := send(proxy, "198.51.100.7", token); got != 200 {
		t.Errorf("an operator behind the same proxy: %d, want 200", got)
	}
	// a client that is not the proxy cannot pick whom it is counted as
	for range 2 {
		send(direct, "198.51.100.7", "guess")
	}
	if got := send(proxy, "198.51.100.7", token); got != 200 {
		t.Errorf("the operator after another address's guesses in its name: %d, want 200", got)
	}
	if got := send(direct, "198.51.100.8", token); got != 429 {
		t.Errorf("the direct guesser: %d, want 429", got)
	}
}

// Wrong tokens sent at once from one address: the limiter compares them one at a time, each
// failure counted before the next, so exactly DefaultAdminAttempts are compared and the rest get
// 429 without a comparison; right tokens sent at once from another address are never refused
// for one another.
func TestAdminGuessesAtOnce(t *testing.T) {
	const (
		token    = "s3cret-token-0123456789"
		attacker = "203.0.113.9"
		n        = 4 * DefaultAdminAttempts
	)
	clk := testsvc.NewClock(time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC))
	var compared atomic.Int32
	ts := startServer(t, Config{AdminToken: token}, nil, slog.LevelInfo, func(s *Server) {
		s.now = clk.Now
		s.compared = func() {
			compared.Add(1)
			runtime.Gosched() // let the other requests at the limiter while this one compares
		}
	})
	burst := func(c *testServer, bearer string) map[int]int {
		answers := make(chan response, n)
		for range n {
			go func() {
				r, err := c.try("POST", "/admin/reload", "", map[string]string{"Authorization": "Bearer " + bearer})
				if err != nil {
					r.status = -1
				}
				answers <- r
			}()
		}
		statuses := map[int]int{}
		for range n {
			r := <-answers
			statuses[r.status]++
			if r.status == 429 && r.header["Retry-After"] != "900" {
				t.Errorf("429 with Retry-After %q, want 900", r.header["Retry-After"])
			}
		}
		return statuses
	}
	a := from(t, ts, attacker)
	if st := burst(a, "guess"); compared.Load() != DefaultAdminAttempts || st[401] != DefaultAdminAttempts || st[429] != n-DefaultAdminAttempts {
		t.Fatalf("%d wrong tokens at once: %d compared, answers %v; want %d compared, 401 for each and 429 for the rest",
			n, compared.Load(), st, DefaultAdminAttempts)
	}
	if r := a.do("POST", "/admin/reload", "", map[string]string{"Authorization": "Bearer " + token}); r.status != 429 || r.header["Retry-After"] != "900" {
		t.Errorf("the guesser with the right token: %d Retry-After %q, want 429 900", r.status, r.header["Retry-After"])
	}
	if st := burst(from(t, ts, "198.51.100.7"), token); st[429] != 0 || st[401] != 0 || st[-1] != 0 {
		t.Errorf("%d right tokens at once from an operator: answers %v, want none refused", n, st)
	}
	if n := strings.Count(ts.logs.String(), "locked out after too many wrong tokens"); n != 1 {
		t.Errorf("%d lockout warnings, want 1", n)
	}
}
