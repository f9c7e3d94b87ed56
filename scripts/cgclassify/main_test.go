package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	shoptest.Cleanup()
	os.Exit(code)
}

func TestRun(t *testing.T) {
	bundle, err := shoptest.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	holdout := shoptest.Path("holdout", "holdout_2026-11.jsonl")
	if err := run(bundle, holdout, 20); err != nil {
		t.Fatalf("run: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	if err := os.WriteFile(bad, []byte("{\"text\": \"在吗\"}\nnot json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(bundle, bad, 20); err == nil || !strings.Contains(err.Error(), "bad.jsonl:2") {
		t.Errorf("a bad line: err = %v, want one naming bad.jsonl:2", err)
	}
	empty := filepath.Join(t.TempDir(), "empty.jsonl")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(bundle, empty, 20); err == nil {
		t.Error("an empty file: no error")
	}
}
