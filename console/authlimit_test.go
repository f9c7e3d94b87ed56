package console

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/zhiyi-ai/zhiyi/internal/authlimit"
)

// The console's sign-in limit and the admin API's (serve) share their defaults: an operator
// reads one number in the docs.
func TestLoginDefaultsAreAuthlimits(t *testing.T) {
	if DefaultLoginAttempts != authlimit.DefaultAttempts || DefaultLoginWindow != authlimit.DefaultWindow {
		t.Fatalf("console %d in %v, authlimit %d in %v", DefaultLoginAttempts, DefaultLoginWindow, authlimit.DefaultAttempts, authlimit.DefaultWindow)
	}
}

// Wrong sign-ins sent at once from one client are compared at most LoginAttempts times: the
// rest get 429 before their token is looked at. Each comparison is held until every request
// has been compared or answered, so the old check-then-count race is certain, not likely.
func TestLoginGuessesAtOnce(t *testing.T) {
	const n = 4 * DefaultLoginAttempts
	e := newEnv(t, envOpt{noDB: true})
	arrived, release := make(chan struct{}, n), make(chan struct{})
	var compared atomic.Int32
	e.c.auth.compared = func() {
		compared.Add(1)
		select {
		case arrived <- struct{}{}:
		default: // after the burst
		}
		<-release
	}
	cl := e.client()
	cl.get("/console/login") // the form's double-submit cookie and token
	form := url.Values{"token": {"guess"}, "name": {"x"}, "csrf": {cl.csrf}}.Encode()
	answers := make(chan *http.Response, n)
	for range n {
		go func() {
			req := httptest.NewRequest(http.MethodPost, "http://zhiyi.test/console/login", strings.NewReader(form))
			req.RemoteAddr = cl.addr
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(cl.cookies[loginCookie])
			rec := httptest.NewRecorder()
			e.c.HTTPHandler().ServeHTTP(rec, req)
			answers <- rec.Result()
		}()
	}
	var got []*http.Response
	for seen := 0; seen < n; seen++ { // every request held at the comparison or answered without one
		select {
		case <-arrived:
		case r := <-answers:
			got = append(got, r)
		}
	}
	close(release)
	for len(got) < n {
		got = append(got, <-answers)
	}
	if c := compared.Load(); c > DefaultLoginAttempts {
		t.Fatalf("%d wrong sign-ins at once: %d compared, want at most %d", n, c, DefaultLoginAttempts)
	}
	statuses := map[int]int{}
	for _, r := range got {
		statuses[r.StatusCode]++
		if r.StatusCode == http.StatusTooManyRequests && r.Header.Get("Retry-After") != "900" {
			t.Errorf("429 with Retry-After %q, want 900", r.Header.Get("Retry-After"))
		}
	}
	if statuses[http.StatusUnauthorized] != int(compared.Load()) || statuses[http.StatusTooManyRequests] != n-statuses[http.StatusUnauthorized] {
		t.Fatalf("answers %v for %d comparisons, want 401 for each and 429 for the rest", statuses, compared.Load())
	}
	if r := cl.post("/console/login", url.Values{"token": {testToken}, "name": {"x"}}); r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "900" {
		t.Errorf("the guesser with the right token: %d Retry-After %q, want 429 900", r.StatusCode, r.Header.Get("Retry-After"))
	}
	other := e.client()
	other.addr = "198.51.100.7:40000"
	other.login("other")
}
