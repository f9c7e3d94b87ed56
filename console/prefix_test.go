package console

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Behind a reverse proxy that serves it under /zhiyi and strips that before passing requests on
// (nginx: location /zhiyi/ { proxy_pass http://zhiyi/; }), an operator signs in, every link and
// form of every page leads under /zhiyi and opens, and signs out. Before, the links, redirects
// and the cookie's path were /console…: the sign-in's cookie never came back and every link left
// the prefix.
func TestConsoleUnderPathPrefix(t *testing.T) {
	e := newEnv(t, envOpt{mutate: func(d *Deps) { d.PathPrefix = "/zhiyi" }})
	backend := httptest.NewServer(e.c.HTTPHandler())
	defer backend.Close()
	to, _ := url.Parse(backend.URL)
	proxy := httputil.NewSingleHostReverseProxy(to)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := strings.CutPrefix(r.URL.Path, "/zhiyi/")
		if !ok {
			http.NotFound(w, r) // the site's own pages
			return
		}
		r.URL.Path = "/" + p
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	get := func(path string) (string, string) {
		t.Helper()
		r, err := browser.Get(front.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d, at %s", path, r.StatusCode, r.Request.URL.Path)
		}
		return string(b), r.Request.URL.Path
	}
	post := func(path string, form url.Values) (string, string) {
		t.Helper()
		r, err := browser.PostForm(front.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("POST %s: %d, at %s", path, r.StatusCode, r.Request.URL.Path)
		}
		return string(b), r.Request.URL.Path
	}

	page, at := get("/zhiyi/console/")
	if at != "/zhiyi/console/login" {
		t.Fatalf("signed out, /zhiyi/console/ led to %s, want /zhiyi/console/login", at)
	}
	csrf := csrfRe.FindStringSubmatch(page)
	if csrf == nil {
		t.Fatal("no form token on the sign-in page")
	}
	page, at = post("/zhiyi/console/login", url.Values{"token": {testToken}, "name": {"小王"}, "csrf": {csrf[1]}})
	if at != "/zhiyi/console/test" || !strings.Contains(page, "<title>测试模式") {
		t.Fatalf("signed in, landed at %s: %s", at, clipBody(page))
	}
	linkRe := regexp.MustCompile(`(?:href|action|src)="(/[^"]*)"`)
	links := linkRe.FindAllStringSubmatch(page, -1)
	if len(links) < 10 {
		t.Fatalf("%d links on the page", len(links))
	}
	for _, l := range links {
		if !strings.HasPrefix(l[1], "/zhiyi/console/") {
			t.Errorf("link %s leaves /zhiyi", l[1])
		} else if strings.Contains(l[0], "href=") {
			// every page, and the stylesheet, opens signed in, and its own links stay under /zhiyi
			linked, _ := get(l[1])
			for _, m := range linkRe.FindAllStringSubmatch(linked, -1) {
				if !strings.HasPrefix(m[1], "/zhiyi/console/") {
					t.Errorf("%s links to %s, outside /zhiyi", l[1], m[1])
				}
			}
		}
	}
	if _, at = post("/zhiyi/console/logout", url.Values{"csrf": {csrfRe.FindStringSubmatch(page)[1]}}); at != "/zhiyi/console/login" {
		t.Errorf("signed out, landed at %s", at)
	}
}

func TestCheckPathPrefix(t *testing.T) {
	for p, ok := range map[string]bool{
		"": true, "/zhiyi": true, "/shop/zhiyi-1": true, "/a.b_c~d": true,
		"zhiyi": false, "/zhiyi/": false, "/": false, "//zhiyi": false, "/a//b": false, "/a/../b": false,
		"/.": false, "/zhiyi?x=1": false, "/知意": false, "/a b": false, `/a"b`: false,
	} {
		if err := CheckPathPrefix(p); (err == nil) != ok {
			t.Errorf("CheckPathPrefix(%q) = %v, want ok %v", p, err, ok)
		}
	}
}

// Behind a proxy at /cs/ while the console was given --console-prefix /zhiyi, the operator's
// first page named neither: it sent the browser to /zhiyi/console/login, the site's own 404.
// A proxy that says where it serves the console (X-Forwarded-Prefix, as Traefik's StripPrefix
// does and docs/console.md's nginx lines do) gets a page naming both; one that agrees, with or
// without a trailing slash, gets the console.
func TestConsolePrefixMismatch(t *testing.T) {
	e := newEnv(t, envOpt{mutate: func(d *Deps) { d.PathPrefix = "/zhiyi" }})
	backend := httptest.NewServer(e.c.HTTPHandler())
	defer backend.Close()
	to, _ := url.Parse(backend.URL)
	proxy := httputil.NewSingleHostReverseProxy(to)
	for _, tc := range []struct {
		at, header string
		mismatch   bool
	}{
		{"/cs", "/cs", true},
		{"/zhiyi", "/zhiyi", false},
		{"/zhiyi", "/zhiyi/", false},
		{"/zhiyi", "", false},
		{"/zhiyi", "/edge, /zhiyi", false}, // a chain: not ours to judge
	} {
		front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, ok := strings.CutPrefix(r.URL.Path, tc.at+"/")
			if !ok {
				http.NotFound(w, r)
				return
			}
			r.URL.Path = "/" + p
			if tc.header != "" {
				r.Header.Set("X-Forwarded-Prefix", tc.header)
			}
			proxy.ServeHTTP(w, r)
		}))
		r, err := http.Get(front.URL + tc.at + "/console/")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		front.Close()
		page := string(b)
		named := strings.Contains(page, "「/zhiyi」") && strings.Contains(page, "「"+tc.header+"」")
		switch {
		case tc.mismatch && (r.StatusCode != http.StatusInternalServerError || !named):
			t.Errorf("at %s, told %q: %d at %s, want a page naming /zhiyi and %s: %s", tc.at, tc.header, r.StatusCode, r.Request.URL.Path, tc.header, clipBody(page))
		case !tc.mismatch && (r.StatusCode != http.StatusOK || r.Request.URL.Path != tc.at+"/console/login"):
			t.Errorf("at %s, told %q: %d at %s, want the sign-in page", tc.at, tc.header, r.StatusCode, r.Request.URL.Path)
		}
	}
	if !strings.Contains(e.logs.String(), "console: the proxy's path is not --console-prefix") {
		t.Errorf("the mismatch was not logged: %s", e.logs)
	}
}
