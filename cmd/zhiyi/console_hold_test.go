package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/serve"
	"github.com/zhiyi-ai/zhiyi/session"
)

// The console's test mode holds the engine it decides with (Deps.Acquire): a reload during a
// test (an operator's, SIGHUP, learning) does not close its index, so the test's later turns
// decide as the first did, with retrieval evidence, rather than silently without it.
func TestConsoleTestHoldsItsEngineAcrossAReload(t *testing.T) {
	bundle := retrievingCopy(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := serve.Config{ModelDir: bundle, AdminToken: "tok"}
	sf := serveFlags{console: true, storeFlags: storeFlags{dataDir: filepath.Join(t.TempDir(), "data")}, retain: "0"}
	w, srv := serveWired(t, ctx, cfg, sf, slog.New(slog.DiscardHandler))
	deps := w.consoleDeps()
	texts := []string{"东西不要了怎么寄回去", "这件卫衣退货流程是什么", "能开发票吗", "发票抬头写错了", "怎么还不发货", "推荐一部电影"}
	evidence := func(r intent.Result) (n int) {
		for _, c := range r.Candidates {
			if c.Example != "" {
				n++
			}
		}
		return n
	}

	m, release := deps.Acquire() // as a test does, for all its turns
	defer release()
	tester := deps.Tester(m, session.NewMemory(session.MemoryConfig{MaxConversations: 4}))
	decide := func(text string) intent.Result {
		d := tester.Decide(ctx, intent.Request{Text: text, ChatID: "console-test", Debug: true})
		d.Release()
		return d.Result
	}
	before, withEvidence := map[string]intent.Result{}, 0
	for _, tx := range texts {
		before[tx] = decide(tx)
		withEvidence += evidence(before[tx])
	}
	if withEvidence == 0 {
		t.Fatal("no decision had retrieval evidence: the test cannot tell a closed index")
	}
	// an operator (or learning, or SIGHUP) reloads the bundle in the middle of the test
	if err := srv.Reload(ctx, ""); err != nil {
		t.Fatal(err)
	}
	for _, tx := range texts {
		b, a := before[tx], decide(tx)
		if b.Confidence != a.Confidence || b.Route != a.Route || b.Intent != a.Intent || evidence(b) != evidence(a) {
			t.Errorf("%s: decided %s %.4f %s with %d retrieved examples before the reload, %s %.4f %s with %d after",
				tx, b.Intent, b.Confidence, b.Route, evidence(b), a.Intent, a.Confidence, a.Route, evidence(a))
		}
	}
}

// retrievingCopy copies the fixture bundle with retrieval weighing in the decision (the tiny
// shop's trained policy leaves it out): a closed index then shows, as decisions without
// retrieved examples.
func retrievingCopy(t *testing.T) string {
	t.Helper()
	bundle, err := fixtureBundle()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "models", "tiny")
	if err := os.CopyFS(dir, os.DirFS(bundle)); err != nil {
		t.Fatal(err)
	}
	m, err := intent.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "policy.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var policy map[string]any
	if err := json.Unmarshal(b, &policy); err != nil {
		t.Fatal(err)
	}
	policy["retrieval_k"] = 10
	policy["fusion"] = map[string]float64{"classifier": 1, "bm25": 0.6, "bm25_half": 0.5, "agree": 0.4, "overlap": 0.4} // models/shop's
	if b, err = json.Marshal(policy); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := intent.WriteManifest(dir, m); err != nil { // its checksums
		t.Fatal(err)
	}
	return dir
}
