package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/train"
)

// tinyBundle trains intent's tiny synthetic shop (four intents) into dir.
func tinyBundle(t *testing.T, dir string) string {
	t.Helper()
	shop := filepath.Join("..", "..", "intent", "testdata", "shop")
	cfg := train.DefaultConfig()
	cfg.Data = []string{filepath.Join(shop, "data.jsonl")}
	cfg.KB = filepath.Join(shop, "kb.yaml")
	cfg.DictDir = filepath.Join(shop, "dict")
	cfg.Out = filepath.Join(dir, "tiny")
	cfg.DevDays = 7
	cfg.Progress = io.Discard
	if _, err := train.Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	return cfg.Out
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.jsonl", "{\"text\": \"在吗\"}\n{\"text\": \"怎么退货\"}\n")
	bad := write("bad.jsonl", "{\"text\": \"在吗\"}\nnot json\n")
	empty := write("empty.jsonl", "")
	// bad input is reported before any model is loaded
	for _, tc := range []struct{ file, want string }{
		{bad, "bad.jsonl:2"}, {empty, "empty.jsonl: no messages"}, {filepath.Join(dir, "missing.jsonl"), "missing.jsonl"},
	} {
		if err := run(filepath.Join(dir, "no-model"), tc.file, 10); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run on %s: err = %v, want one naming %q", tc.file, err, tc.want)
		}
	}
	if err := run(filepath.Join(dir, "no-model"), good, 10); err == nil {
		t.Error("a missing model: no error")
	}
	if err := run(tinyBundle(t, dir), good, 10); err != nil {
		t.Errorf("run: %v", err)
	}
}
