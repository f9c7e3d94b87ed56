package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
)

// tinyBundle trains intent's tiny synthetic shop (four intents) into dir.
func tinyBundle(t *testing.T, dir string) string {
	t.Helper()
	out := filepath.Join(dir, "tiny")
	if err := shoptest.TrainTiny(out); err != nil {
		t.Fatal(err)
	}
	return out
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
