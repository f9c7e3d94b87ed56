package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/serve"
)

// TestServeWarnsOfDeadRules: rules that load but never apply (an any: true rule above them) are
// logged at start and again at a reload, naming the file's line; they serve.
func TestServeWarnsOfDeadRules(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "m")
	if err := shoptest.TrainTiny(dir); err != nil {
		t.Fatal(err)
	}
	rulesPath := filepath.Join(t.TempDir(), "rules.yaml")
	rules := "version: 1\nrules:\n  - id: paused\n    priority: 5\n    match: {any: true}\n    action: {handoff: normal}\n" +
		"  - id: receipt\n    match: {text: {contains: [报销单]}}\n    action: {intent: invoice}\n"
	if err := os.WriteFile(rulesPath, []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	var logged testsvc.Buffer
	ctx := context.Background()
	w, srv := serveWired(t, ctx, serve.Config{ModelDir: dir}, serveFlags{rules: rulesPath}, slog.New(slog.NewTextHandler(&logged, nil)))
	if _, ok := w.rules.Current().Rule("paused"); !ok {
		t.Fatal("the rules do not serve")
	}
	want := rulesPath + `:7: rule \"receipt\": never applies: rule \"paused\" (line 3, priority 5)`
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
