package console

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestNewNeedsToken(t *testing.T) {
	if _, err := New(Deps{}); !errors.Is(err, ErrNoToken) {
		t.Fatalf("New without a token: %v, want ErrNoToken", err)
	}
}

func TestLogin(t *testing.T) {
	e := newEnv(t, envOpt{})
	cl := e.client()

	// Signed out: pages send to the sign-in page, actions are refused.
	if r := cl.get("/console/board"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/console/login?next=%2Fconsole%2Fboard" {
		t.Fatalf("GET /console/board signed out: %d → %q", r.StatusCode, r.Header.Get("Location"))
	}
	if r := cl.post("/console/rules/save", url.Values{"content": {"version: 1\n"}}); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("POST signed out: %d, want 401", r.StatusCode)
	}

	page := cl.get("/console/login")
	if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, `name="token"`) {
		t.Fatalf("sign-in page: %d", page.StatusCode)
	}
	if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q", csp)
	}
	if r := cl.post("/console/login", url.Values{"token": {"wrong"}, "name": {"小王"}}); r.StatusCode != http.StatusUnauthorized ||
		!strings.Contains(r.Body, "管理令牌不正确") || cl.cookies[sessionCookie] != nil {
		t.Fatalf("wrong token: %d, cookie %v", r.StatusCode, cl.cookies[sessionCookie])
	}
	if r := cl.post("/console/login", url.Values{"token": {testToken}, "name": {""}}); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("no name: %d, want 400", r.StatusCode)
	}
	r := cl.post("/console/login", url.Values{"token": {testToken}, "name": {"小王"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d %s", r.StatusCode, clipBody(r.Body))
	}
	ck := cl.cookies[sessionCookie]
	switch {
	case ck == nil:
		t.Fatal("no session cookie")
	case !ck.HttpOnly, ck.SameSite != http.SameSiteStrictMode, ck.Path != "/console", ck.Secure, len(ck.Value) != 64:
		t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, Path /console, not Secure over plain HTTP, 64 hex", ck)
	}
	home := cl.get("/console/test")
	mustContain(t, home.Body, "小王", "测试模式", `action="/console/logout"`)
	if !strings.Contains(e.logs.String(), `"msg":"console change","by":"小王"`) {
		t.Errorf("the sign-in was not logged: %s", e.logs)
	}

	// Sign out: the session is gone.
	cl.post("/console/logout", nil)
	if r := cl.get("/console/test"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("after sign-out: %d", r.StatusCode)
	}
}

// Behind TLS (directly or by a proxy's X-Forwarded-Proto), cookies are Secure.
func TestLoginSecureCookie(t *testing.T) {
	e := newEnv(t, envOpt{noDB: true})
	cl := e.client()
	cl.header.Set("X-Forwarded-Proto", "https")
	cl.login("ops")
	if ck := cl.cookies[sessionCookie]; !ck.Secure {
		t.Fatalf("session cookie over https not Secure: %+v", ck)
	}
}

// A sign-in form must come with the double-submit cookie the sign-in page set.
func TestLoginNeedsFormToken(t *testing.T) {
	e := newEnv(t, envOpt{noDB: true})
	cl := e.client()
	r := cl.do(http.MethodPost, "/console/login", url.Values{"token": {testToken}, "name": {"ops"}, "csrf": {strings.Repeat("a", 64)}})
	if r.StatusCode != http.StatusForbidden || cl.cookies[sessionCookie] != nil {
		t.Fatalf("forged sign-in: %d, want 403 without a session", r.StatusCode)
	}
}

// The session expired with the console open in two tabs; the operator reloaded both (each
// showed the sign-in page) and signed in on the first: "登录表单已过期", because the second
// page had replaced the double-submit cookie, and every refusal handed out yet another, so
// the tabs kept invalidating each other. A token the browser still holds is now kept.
func TestLoginTwoTabs(t *testing.T) {
	e := newEnv(t, envOpt{noDB: true})
	cl := e.client()
	cl.get("/console/login")
	first := cl.csrf
	cl.get("/console/login") // the second tab
	second := cl.csrf
	// a mistyped token in the second tab, refused
	if r := cl.post("/console/login", url.Values{"token": {"wrong"}, "name": {"小王"}, "csrf": {second}}); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a wrong token: %d, want 401", r.StatusCode)
	}
	r := cl.post("/console/login", url.Values{"token": {testToken}, "name": {"小王"}, "csrf": {first}})
	if r.StatusCode != http.StatusSeeOther || cl.cookies[sessionCookie] == nil {
		t.Errorf("signing in on the first of two sign-in tabs: %d %s", r.StatusCode, regexp.MustCompile(`login-error">[^<]*`).FindString(r.Body))
	}
}

// Behind a trusted reverse proxy the sign-in limit is per client (X-Forwarded-For's rightmost
// address the proxy did not add itself), not one for everyone the proxy serves; what a client
// writes further left in the header does not get it out of its lockout, and from an untrusted
// connection the header is not read at all.
func TestLoginRateLimitedBehindProxy(t *testing.T) {
	e := newEnv(t, envOpt{noDB: true, mutate: func(d *Deps) {
		d.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8")}
	}})
	via := func(xff string) *client {
		cl := e.client()
		cl.addr = "127.0.0.1:40000" // the proxy
		cl.header.Set("X-Forwarded-For", xff)
		return cl
	}
	attacker := via("203.0.113.9, 10.1.2.3") // through a second proxy of ours
	attacker.get("/console/login")
	for i := range DefaultLoginAttempts {
		if r := attacker.post("/console/login", url.Values{"token": {"guess"}, "name": {"x"}}); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, r.StatusCode)
		}
	}
	if r := attacker.post("/console/login", url.Values{"token": {testToken}, "name": {"x"}}); r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the attacker after %d failures: %d, want 429", DefaultLoginAttempts, r.StatusCode)
	}
	spoofed := via("198.51.100.7, 203.0.113.9") // claims another address; the proxy appended the real one
	spoofed.get("/console/login")
	if r := spoofed.post("/console/login", url.Values{"token": {testToken}, "name": {"x"}}); r.StatusCode != http.StatusTooManyRequests {
		t.Errorf("a spoofed X-Forwarded-For: %d, want still 429", r.StatusCode)
	}
	via("198.51.100.7").login("colleague") // another client behind the same proxy is not locked out
	if !strings.Contains(e.logs.String(), `"client":"203.0.113.9"`) {
		t.Errorf("the log does not name the client behind the proxy: %s", e.logs.String())
	}

	direct := e.client() // not a trusted proxy: its header is the client's own words
	direct.header.Set("X-Forwarded-For", "198.51.100.8")
	direct.get("/console/login")
	for range DefaultLoginAttempts {
		direct.post("/console/login", url.Values{"token": {"guess"}, "name": {"x"}})
	}
	other := e.client()
	other.header.Set("X-Forwarded-For", "198.51.100.9")
	other.get("/console/login")
	if r := other.post("/console/login", url.Values{"token": {testToken}, "name": {"x"}}); r.StatusCode != http.StatusTooManyRequests {
		t.Errorf("an untrusted connection's X-Forwarded-For was read: %d, want 429 for its address", r.StatusCode)
	}
}

func TestLoginRateLimited(t *testing.T) {
	e := newEnv(t, envOpt{noDB: true})
	cl := e.client()
	cl.get("/console/login")
	for i := 0; i < DefaultLoginAttempts; i++ {
		if r := cl.post("/console/login", url.Values{"token": {"guess"}, "name": {"x"}}); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, r.StatusCode)
		}
		e.advance(time.Minute)
	}
	// Locked out, even with the right token.
	r := cl.post("/console/login", url.Values{"token": {testToken}, "name": {"x"}})
	if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" || cl.cookies[sessionCookie] != nil {
		t.Fatalf("after %d failures: %d (Retry-After %q)", DefaultLoginAttempts, r.StatusCode, r.Header.Get("Retry-After"))
	}
	// Another client is not.
	other := e.client()
	other.addr = "198.51.100.7:40000"
	other.login("other")
	// Once the first failure leaves the window, one more attempt is allowed.
	e.advance(DefaultLoginWindow - 4*time.Minute)
	if r := cl.post("/console/login", url.Values{"token": {testToken}, "name": {"x"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the window: %d", r.StatusCode)
	}
}

func TestSessionExpires(t *testing.T) {
	e := newEnv(t, envOpt{noDB: true})
	cl := e.client()
	cl.login("ops")
	e.advance(DefaultSessionIdle - time.Minute)
	if r := cl.get("/console/test"); r.StatusCode != http.StatusOK {
		t.Fatalf("within the idle time: %d", r.StatusCode)
	}
	e.advance(DefaultSessionIdle)
	if r := cl.get("/console/test"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the idle time: %d, want a redirect to sign in", r.StatusCode)
	}
	// The absolute lifetime ends a session in use too.
	cl.login("ops")
	for i := 0; i < int(DefaultSessionTTL/time.Hour); i++ {
		e.advance(time.Hour)
		cl.get("/console/test")
	}
	if r := cl.get("/console/test"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the session's lifetime: %d", r.StatusCode)
	}
}

// Every POST needs the session's CSRF token (and a same-site Origin, when there is one).
func TestCSRFRefused(t *testing.T) {
	e := newEnv(t, envOpt{})
	cl := e.client()
	cl.login("ops")
	before, _ := os.ReadFile(e.rules)
	edited := strings.Replace(string(before), "投诉加急", "改过", 1)
	for name, form := range map[string]url.Values{
		"none":  {"content": {edited}, "csrf": {""}},
		"wrong": {"content": {edited}, "csrf": {strings.Repeat("0", 64)}},
	} {
		if r := cl.post("/console/rules/save", form); r.StatusCode != http.StatusForbidden {
			t.Errorf("%s CSRF token: %d, want 403", name, r.StatusCode)
		}
	}
	cl.header.Set("Origin", "https://evil.example")
	if r := cl.post("/console/rules/save", url.Values{"content": {edited}}); r.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site Origin: %d, want 403", r.StatusCode)
	}
	cl.header.Del("Origin")
	if r := cl.post("/console/unmatched/label", url.Values{"csrf": {"x"}, "sheet": {"s"}, "cluster": {"c1"}, "intent": {"invoice"}}); r.StatusCode != http.StatusForbidden {
		t.Errorf("label without CSRF: %d", r.StatusCode)
	}
	after, _ := os.ReadFile(e.rules)
	if string(after) != string(before) {
		t.Fatal("a refused POST changed the rules file")
	}
	if n := len(e.labels("")); n != 0 {
		t.Fatalf("a refused POST stored %d labels", n)
	}
}

// Behind a reverse proxy that passes its own Host upstream, the browser's Origin matches the
// proxy's X-Forwarded-Host: sign-in works; another site's Origin is still refused, and says why.
func TestOriginBehindProxy(t *testing.T) {
	e := newEnv(t, envOpt{})
	cl := e.client()
	cl.header.Set("Origin", "https://cs.shop.example")
	cl.header.Set("X-Forwarded-Host", "cs.shop.example")
	cl.login("ops")
	other := e.client()
	other.header.Set("Origin", "https://cs.shop.example")
	other.get("/console/login")
	r := other.post("/console/login", url.Values{"token": {testToken}, "name": {"ops"}})
	if r.StatusCode != http.StatusForbidden || !strings.Contains(r.Body, "X-Forwarded-Host") {
		t.Errorf("an Origin that is neither the Host nor X-Forwarded-Host: %d, want 403 saying why", r.StatusCode)
	}
}

func TestCheckName(t *testing.T) {
	for in, want := range map[string]string{"小王": "小王", " ops-1 ": "ops-1", "a.b@shop": "a.b@shop", "13812345678": "<PHONE>", "𝟏𝟑𝟖𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖": "<PHONE>", "Ops": "Ops",
		"<script>": "", "": "", strings.Repeat("名", 33): ""} {
		got, ok := checkName(in)
		if got != want || ok != (want != "") {
			t.Errorf("checkName(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

// The console counts a request as authlimit.Client does, from its RemoteAddr (with a port) and
// X-Forwarded-For; authlimit's tests hold the rules.
func TestClientOf(t *testing.T) {
	c := &Console{d: Deps{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}}
	for _, tc := range []struct {
		remote, xff, want string
	}{
		{"192.0.2.10:51000", "198.51.100.7", "192.0.2.10"}, // not a proxy: the header is not read
		{"127.0.0.1:40000", "198.51.100.7, 203.0.113.9", "203.0.113.9"},
		{"[2001:db8:1:2:3:4:5:6]:443", "", "2001:db8:1:2::/64"},
		{"pipe", "", "pipe"}, // not an address: as it is
	} {
		r := httptest.NewRequest(http.MethodGet, "/console/login", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := c.clientOf(r); got != tc.want {
			t.Errorf("from %s with X-Forwarded-For %q: %s, want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
}

// A weekly report's link to a week's 看板, opened on a phone not signed in, leads back to that
// week once signed in; it ended on the console's start, the week's period lost. Only a page of
// the console is returned to: a next naming another site is ignored.
func TestLoginReturnsToThePageAsked(t *testing.T) {
	e := newEnv(t, envOpt{noDB: true})
	cl := e.client()
	const week = "/console/board?since=2026-11-30T00%3A00%3A00%2B08%3A00&until=2026-12-07T00%3A00%3A00%2B08%3A00"
	r := cl.get(week)
	loc := r.Header.Get("Location")
	if r.StatusCode != http.StatusSeeOther || loc != "/console/login?next="+url.QueryEscape(week) {
		t.Fatalf("GET %s signed out: %d → %q", week, r.StatusCode, loc)
	}
	page := cl.get(loc)
	mustContain(t, page.Body, `name="next" value="`+strings.ReplaceAll(week, "&", "&amp;")+`"`)
	r = cl.post("/console/login", url.Values{"token": {testToken}, "name": {"经理"}, "next": {week}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != week {
		t.Fatalf("sign-in: %d → %q, want %s", r.StatusCode, r.Header.Get("Location"), week)
	}
	for _, next := range []string{"//evil.example/console/board", "https://evil.example/console/", "/console/login", "/admin/reload", "/console/../admin", "/console/\\evil.example"} {
		other := e.client()
		other.get("/console/login?next=" + url.QueryEscape(next))
		r := other.post("/console/login", url.Values{"token": {testToken}, "name": {"经理"}, "next": {next}})
		if r.Header.Get("Location") != "/console/" {
			t.Errorf("next %q: sent to %q, want /console/", next, r.Header.Get("Location"))
		}
	}
}
