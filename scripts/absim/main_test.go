package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	shop := filepath.Join("..", "..", "corpora", "shop")
	out := filepath.Join(t.TempDir(), "ab.jsonl")
	var stderr bytes.Buffer
	err := run([]string{"-kb", filepath.Join(shop, "kb.yaml"), "-holdout", filepath.Join(shop, "holdout", "holdout_2026-11.jsonl"),
		"-rated", "20", "-out", out}, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil || !bytes.HasPrefix(data, []byte(`{"d":{"msg_id":"sim-1-0-`)) || !strings.Contains(stderr.String(), "(20 rated)") {
		t.Errorf("log %.120q, stderr %q, %v", data, stderr.String(), err)
	}
	if err := run([]string{"-kb", filepath.Join(shop, "kb.yaml"), "-experiment", "payment_methods", "-out", out}, &stderr); err == nil ||
		!strings.Contains(err.Error(), "not an experiment") {
		t.Errorf("payment_methods (one answer): %v", err)
	}
	if err := run(nil, &stderr); err == nil || !strings.Contains(err.Error(), "-out is required") {
		t.Errorf("no -out: %v", err)
	}
}
