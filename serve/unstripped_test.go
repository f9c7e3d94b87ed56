package serve

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

// TestConsoleUnderUnstrippedPath: behind nginx's location /zhiyi/ { proxy_pass
// http://127.0.0.1:8080; } (no URI, so /zhiyi is passed on) the operator's browser asks for
// /zhiyi/console/. The 404 says the proxy must strip the path and names --console-prefix;
// before, it listed /intent, /healthz … and the operator had nothing to go on.
func TestConsoleUnderUnstrippedPath(t *testing.T) {
	console := func(ctx *fasthttp.RequestCtx) { ctx.SetBodyString("console") }
	ts := startServer(t, Config{AdminToken: "t"}, nil, slog.LevelInfo, WithConsole(console))
	for path, hint := range map[string]bool{
		"/zhiyi/console/": true, "/zhiyi/console": true, "/a/b/console/login": true,
		"/zhiyi/consoles": false, "/nope": false, "/zhiyi/xconsole/": false,
	} {
		r := ts.do("GET", path, "", nil)
		var e errorBody
		if r.status != 404 || json.Unmarshal(r.body, &e) != nil || e.Error == nil {
			t.Fatalf("GET %s: %d %s", path, r.status, r.body)
		}
		if got := strings.Contains(e.Error.Message, "--console-prefix"); got != hint {
			t.Errorf("GET %s: %q, want the proxy hint %v", path, e.Error.Message, hint)
		}
		if hint && e.Error.Message != noRouteUnstripped { // whole: the masker takes a URL in it for <URL>
			t.Errorf("GET %s: %q, want %q", path, e.Error.Message, noRouteUnstripped)
		}
	}
	if r := ts.do("GET", "/console/login", "", nil); r.status != 200 || string(r.body) != "console" {
		t.Errorf("GET /console/login: %d %s", r.status, r.body)
	}
	// without the console there is nothing to point at
	bare := startServer(t, Config{AdminToken: "t"}, nil, slog.LevelInfo)
	if r := bare.do("GET", "/zhiyi/console/", "", nil); strings.Contains(string(r.body), "--console-prefix") {
		t.Errorf("no console, yet: %s", r.body)
	}
}
