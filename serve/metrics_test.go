package serve

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/promtext"
)

// checkExposition holds a /metrics body to the Prometheus conventions a dashboard relies on
// (promtext.Check): every zhiyi_ family has a # TYPE line, a counter's name ends in _total and
// nothing else's does, and a family's lines are not split.
func checkExposition(t *testing.T, body string) {
	t.Helper()
	fams, err := promtext.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range promtext.Check(fams, "zhiyi_") {
		t.Error(p)
	}
}

// Every family on /metrics says its type, and the names follow the conventions. Before, only
// the latency histogram had a # TYPE line: a collector reading types took every counter for an
// untyped gauge.
func TestMetricsExposition(t *testing.T) {
	ts := startServer(t, Config{AdminToken: "tok"}, nil, slog.LevelInfo, WithReloadHook(func(context.Context) error { return nil }))
	ts.do("POST", "/intent", `{"text":"我要退货","channel":"wecom"}`, nil)
	ts.do("POST", "/intent", `{"text":""}`, nil)
	ts.do("POST", "/admin/reload", "", map[string]string{"Authorization": "Bearer wrong"})
	body := string(ts.do("GET", "/metrics", "", nil).body)
	for _, want := range []string{
		"# TYPE zhiyi_http_requests_total counter",
		"# TYPE zhiyi_model_info gauge",
		"# TYPE zhiyi_http_request_duration_seconds histogram",
		"# TYPE go_goroutines gauge",
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	checkExposition(t, body)
	if t.Failed() {
		t.Log(body)
	}
}

// A reload whose bundle loads but whose rules or experiments file does not (a SIGHUP after a
// bad edit of rules.yaml) counts in zhiyi_config_reloads_total{result="error"} and sets
// zhiyi_config_last_reload_successful to 0 until a reload loads them. Before, it counted as a
// good reload (zhiyi_model_reloads_total{result="ok"}: the bundle serves) and only a log line
// said the rules in force were older than the file.
func TestConfigReloadMetrics(t *testing.T) {
	var mu sync.Mutex
	var hookErr error
	hook := func(context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		return hookErr
	}
	ts := startServer(t, Config{}, nil, slog.LevelInfo, WithReloadHook(hook))
	scrape := func() string { return string(ts.do("GET", "/metrics", "", nil).body) }
	expect := func(when string, want ...string) {
		t.Helper()
		body := scrape()
		for _, w := range want {
			if !strings.Contains(body, w+"\n") {
				t.Errorf("%s: /metrics lacks %q", when, w)
			}
		}
	}
	expect("at start", `zhiyi_config_last_reload_successful 1`, `zhiyi_config_reloads_total{result="error"} 0`)

	mu.Lock()
	hookErr = errors.New("rules.yaml:98: field bogus unknown in action")
	mu.Unlock()
	if err := ts.Reload(context.Background(), ""); !errors.Is(err, ErrPartsNotReloaded) {
		t.Fatalf("reload with a bad rules file: %v, want ErrPartsNotReloaded", err)
	}
	expect("after a bad rules file", `zhiyi_config_last_reload_successful 0`, `zhiyi_config_reloads_total{result="error"} 1`,
		`zhiyi_config_reloads_total{result="ok"} 0`, `zhiyi_model_reloads_total{result="ok"} 2`)

	mu.Lock()
	hookErr = nil
	mu.Unlock()
	if err := ts.Reload(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	expect("after the file was fixed", `zhiyi_config_last_reload_successful 1`, `zhiyi_config_reloads_total{result="ok"} 1`,
		`zhiyi_config_reloads_total{result="error"} 1`)

	// without a hook there is nothing to reload with the bundle: no such series
	if body := string(startServer(t, Config{}, nil, slog.LevelInfo).do("GET", "/metrics", "", nil).body); strings.Contains(body, "zhiyi_config_") {
		t.Errorf("a server without a reload hook exports zhiyi_config_*:\n%s", body)
	}
}

// Durations in the server's log lines are Go duration strings ("250ms", "15s"), as the other
// packages' are (retry_in, down_for, cooldown): they were nanosecond integers here ("took":
// 250853666, "window": 900000000000), which an engineer reading the line cannot take in.
func TestLogDurationsReadable(t *testing.T) {
	ts := startServer(t, Config{AdminToken: "tok"}, nil, slog.LevelInfo)
	for range 6 {
		ts.do("POST", "/admin/reload", "", map[string]string{"Authorization": "Bearer wrong"})
	}
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(ts.logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		for _, key := range []string{"took", "window", "grace", "idle"} {
			v, ok := rec[key]
			if !ok {
				continue
			}
			seen[key] = true
			s, isString := v.(string)
			if _, err := time.ParseDuration(s); !isString || err != nil {
				t.Errorf("%q in %q is %v, want a duration string such as \"250ms\"", key, rec["msg"], v)
			}
		}
	}
	for _, key := range []string{"took", "window", "grace", "idle"} {
		if !seen[key] {
			t.Errorf("no log line had %q:\n%s", key, ts.logs.String())
		}
	}
}
