package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/serve"
)

// TestServeRefusesRulesWithFindings: a rules file whose answers the advertising-law lint objects
// to keeps zhiyi serve from starting, as zhiyi train refuses such a knowledge base, and a reload
// keeps the rules before it serving. Both loaded it, and customers were answered 史上最低价 and
// 药到病除 with nothing said anywhere; a waiver with its reason lets the answer through.
func TestServeRefusesRulesWithFindings(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "m")
	if err := shoptest.TrainTiny(dir); err != nil {
		t.Fatal(err)
	}
	rulesPath := filepath.Join(t.TempDir(), "rules.yaml")
	const head = "version: 1\nrules:\n  - id: promo\n    match: {text: {contains: [双11]}}\n    action: {answer: "
	bad := head + "双11史上最低价，药到病除}\n"
	if err := os.WriteFile(rulesPath, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(&testsvc.Buffer{}, nil))
	cfg := serve.Config{ModelDir: dir}
	w, err := wire(ctx, cfg, serveFlags{rules: rulesPath}, log)
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.newServer(cfg)
	w.close()
	if err == nil || !strings.Contains(err.Error(), rulesPath+":5:27: rule promo: 最低: absolute term") ||
		!strings.Contains(err.Error(), "药到病除: promise") {
		t.Fatalf("serve started with 史上最低价 in a rule's answer: %v", err)
	}

	waived := head + "双11史上最低价}\n    waive: [{term: 最低, reason: 第三方价格监测报告}]\n"
	if err := os.WriteFile(rulesPath, []byte(waived), 0o644); err != nil {
		t.Fatal(err)
	}
	w, srv := serveWired(t, ctx, cfg, serveFlags{rules: rulesPath}, log)
	if _, ok := w.rules.Current().Rule("promo"); !ok {
		t.Fatal("the waived rules do not serve")
	}
	if err := os.WriteFile(rulesPath, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	err = srv.Reload(ctx, dir)
	if rl, _ := w.rules.Current().Rule("promo"); strings.Contains(rl.Action.Answer.String(), "药到病除") {
		t.Fatalf("a reload serves 药到病除 (reload: %v)", err)
	}
}

// TestServeWarnsOfKBFindings: a bundle trained before the lexicon grew (its kb.yaml passed the
// lint then) served 付款后可预防感冒 without a word; each of its findings is logged at every
// load, naming the model and the line, so an upgrade says what to retrain.
func TestServeWarnsOfKBFindings(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "m")
	if err := shoptest.TrainTiny(dir); err != nil {
		t.Fatal(err)
	}
	// what an older zhiyi's train let through: the answer rewritten, the manifest made anew
	kb := filepath.Join(dir, intent.KBFile)
	data, err := os.ReadFile(kb)
	if err != nil {
		t.Fatal(err)
	}
	const old = "text: 亲，付款后 48 小时内发货。"
	if !strings.Contains(string(data), old) {
		t.Fatalf("the tiny shop's kb.yaml lacks %q", old)
	}
	data = []byte(strings.Replace(string(data), old, "text: 亲，付款后 48 小时内发货，本品可预防感冒。", 1))
	if err := os.WriteFile(kb, data, 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := intent.PeekManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := intent.WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	var logged testsvc.Buffer
	ctx := context.Background()
	_, srv := serveWired(t, ctx, serve.Config{ModelDir: dir}, serveFlags{}, slog.New(slog.NewTextHandler(&logged, nil)))
	const want = "kb.yaml:24:33: intent shipping_time answer shipping_time.a: 预防: medical claim"
	if n := strings.Count(logged.String(), want); n != 1 {
		t.Fatalf("warned %d times at start, want once:\n%s", n, logged.String())
	}
	if err := srv.Reload(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(logged.String(), want); n != 2 {
		t.Errorf("warned %d times after a reload, want twice:\n%s", n, logged.String())
	}
}
