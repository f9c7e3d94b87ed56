package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/zhiyi-ai/zhiyi/alert"
	"github.com/zhiyi-ai/zhiyi/internal/promtext"
	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/serve"
)

// writeRules writes a rules file of one rule per id, each matching its id's keyword.
func writeRules(t *testing.T, path string, rules map[string]string) {
	t.Helper()
	src := "version: 1\nrules:\n"
	for id, keyword := range rules {
		src += "  - id: " + id + "\n    match: {text: {contains: [" + keyword + "]}}\n    action: {handoff: urgent}\n"
	}
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

// With every part on (alerts, the decision log, learning, the intent mix, rules; conversations
// in memory and in Redis), /metrics names each series once — the parts share the server's metric
// set, and a set given twice was written twice — every family follows the conventions
// (promtext.Check), and docs/operations.md lists every family (scripts/metricsdoc's
// comparison): it listed 24 of the 54.
func TestServeMetricsOnce(t *testing.T) {
	bundle, err := fixtureBundle()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		sessions string
		redis    func(t *testing.T) string // the --redis URL
		families []string                  // present in this configuration only
	}{
		{"memory", func(*testing.T) string { return "" }, []string{"zhiyi_session_conversations"}},
		{"redis", func(t *testing.T) string { return testsvc.StartRedis(t).URL() }, []string{"zhiyi_session_redis_duration_seconds"}},
	} {
		t.Run(tc.sessions, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			rulesPath := filepath.Join(t.TempDir(), "rules.yaml")
			writeRules(t, rulesPath, map[string]string{"invoice_words": "发票"})
			sf := serveFlags{alerts: alert.Flags{Webhook: "http://127.0.0.1:1/hook"}, record: true, storeFlags: storeFlags{dataDir: t.TempDir()},
				learn: true, learnEvery: time.Hour, retain: "0", adaptMix: true, adaptMixWindow: minMixWindow, rules: rulesPath,
				redis: tc.redis(t), redisTimeout: time.Second}
			w, srv := serveWired(t, ctx, serve.Config{ModelDir: bundle}, sf, slog.New(slog.DiscardHandler))
			handle(t, srv, fasthttp.MethodPost, "/intent", `{"text":"我要开发票","channel":"wecom","chat_id":"c1"}`)
			if err := w.rec.Flush(ctx); err != nil { // an insert into the decision log
				t.Fatal(err)
			}
			w.updateMix(ctx) // the mix's gauges, as its first minute's tick sets them
			scrape := handle(t, srv, fasthttp.MethodGet, "/metrics", "")
			seen := map[string]bool{}
			for _, line := range strings.Split(scrape, "\n") {
				if line == "" || strings.HasPrefix(line, "#") {
					continue
				}
				name := line[:strings.LastIndexByte(line, ' ')]
				if seen[name] {
					t.Errorf("series %s written twice", name)
				}
				seen[name] = true
			}
			if !seen[`zhiyi_rule_hits_total{rule="invoice_words"}`] {
				t.Errorf("the rule's hits are not counted under its id")
			}
			// every part's families follow the conventions: a # TYPE line, _total on counters alone
			fams, err := promtext.Parse(strings.NewReader(scrape))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range promtext.Check(fams, "zhiyi_") {
				t.Error(p)
			}
			present := map[string]bool{}
			for _, f := range fams {
				present[f.Name] = true
			}
			for _, f := range append([]string{"zhiyi_alert_fired_total", "zhiyi_store_up", "zhiyi_store_write_duration_seconds",
				"zhiyi_store_write_batch_decisions", "zhiyi_rule_hits_total"}, tc.families...) {
				if !present[f] {
					t.Errorf("family %s missing from /metrics", f)
				}
			}
			if undocumented, _ := promtext.Diff(fams, promtext.DocNames(string(doc), "zhiyi_"), "zhiyi_"); len(undocumented) > 0 {
				t.Errorf("docs/operations.md (Metrics and logs) does not list %q", undocumented)
			}
		})
	}
}

// A reload of the rules file (SIGHUP and the admin route reload through the server, the console
// through its own) takes the series of a rule it drops off /metrics, and adds the new rule's at
// 0; a rule kept keeps its count.
func TestServeRuleHitsFollowReload(t *testing.T) {
	bundle, err := fixtureBundle()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rulesPath := filepath.Join(t.TempDir(), "rules.yaml")
	writeRules(t, rulesPath, map[string]string{"complaint": "投诉", "invoice_words": "发票"})
	w, srv := serveWired(t, ctx, serve.Config{ModelDir: bundle}, serveFlags{rules: rulesPath}, slog.New(slog.DiscardHandler))
	series := func() string {
		var out []string
		for _, line := range strings.Split(handle(t, srv, fasthttp.MethodGet, "/metrics", ""), "\n") {
			if strings.HasPrefix(line, "zhiyi_rule_hits_total") {
				out = append(out, line)
			}
		}
		return strings.Join(out, "; ")
	}
	handle(t, srv, fasthttp.MethodPost, "/intent", `{"text":"我要投诉"}`)
	if got, want := series(), `zhiyi_rule_hits_total{rule="complaint"} 1; zhiyi_rule_hits_total{rule="invoice_words"} 0`; got != want {
		t.Errorf("before the reloads: %s, want %s", got, want)
	}
	writeRules(t, rulesPath, map[string]string{"complaint": "投诉", "refund": "退款"})
	if err := srv.Reload(ctx, bundle); err != nil {
		t.Fatal(err)
	}
	handle(t, srv, fasthttp.MethodPost, "/intent", `{"text":"我要退款"}`)
	if got, want := series(), `zhiyi_rule_hits_total{rule="complaint"} 1; zhiyi_rule_hits_total{rule="refund"} 1`; got != want {
		t.Errorf("after the server's reload: %s, want %s", got, want)
	}
	writeRules(t, rulesPath, map[string]string{"refund": "退款"})
	if err := w.consoleDeps().Reload(ctx, bundle); err != nil {
		t.Fatal(err)
	}
	handle(t, srv, fasthttp.MethodPost, "/intent", `{"text":"在吗"}`)
	if got, want := series(), `zhiyi_rule_hits_total{rule="refund"} 1`; got != want {
		t.Errorf("after the console's reload: %s, want %s", got, want)
	}
}
