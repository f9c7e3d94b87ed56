package console

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
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

// Sign-ins sent at once from one client are compared one at a time, each failure counted
// before the next: of many wrong ones exactly LoginAttempts are compared and the rest get 429
// before their token is looked at; right ones sent at once from another client all sign in.
func TestLoginGuessesAtOnce(t *testing.T) {
	const n = 4 * DefaultLoginAttempts
	e := newEnv(t, envOpt{noDB: true})
	var compared atomic.Int32
	e.c.auth.compared = func() {
		compared.Add(1)
		runtime.Gosched() // let the other sign-ins at the limiter while this one compares
	}
	burst := func(cl *client, token string) map[int]int {
		cl.get("/console/login") // the form's double-submit cookie and token
		form := url.Values{"token": {token}, "name": {"x"}, "csrf": {cl.csrf}}.Encode()
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
		statuses := map[int]int{}
		for range n {
			r := <-answers
			statuses[r.StatusCode]++
			if r.StatusCode == http.StatusTooManyRequests && r.Header.Get("Retry-After") != "900" {
				t.Errorf("429 with Retry-After %q, want 900", r.Header.Get("Retry-After"))
			}
		}
		return statuses
	}
	cl := e.client()
	st := burst(cl, "guess")
	if compared.Load() != DefaultLoginAttempts || st[http.StatusUnauthorized] != DefaultLoginAttempts || st[http.StatusTooManyRequests] != n-DefaultLoginAttempts {
		t.Fatalf("%d wrong sign-ins at once: %d compared, answers %v; want %d compared, 401 for each and 429 for the rest",
			n, compared.Load(), st, DefaultLoginAttempts)
	}
	if r := cl.post("/console/login", url.Values{"token": {testToken}, "name": {"x"}}); r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "900" {
		t.Errorf("the guesser with the right token: %d Retry-After %q, want 429 900", r.StatusCode, r.Header.Get("Retry-After"))
	}
	other := e.client()
	other.addr = "198.51.100.7:40000"
	if st := burst(other, testToken); st[http.StatusSeeOther] != n {
		t.Errorf("%d right sign-ins at once from an operator: answers %v, want every one signed in (303)", n, st)
	}
}
