package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// eval -h said its summary line went to stdout; it goes to stderr, and stdout holds only what
// --json prints. --full, documented as going with --json, was silently ignored without it: the
// run printed no report and said nothing.
func TestEvalOutputsAsDocumented(t *testing.T) {
	code, _, stderr := runCLI(t, "", "eval", "-h")
	if code != 0 || strings.Contains(stderr, "summary line on stdout") || !strings.Contains(stderr, "summary line on stderr") {
		t.Errorf("eval -h: exit %d, want it to say the summary goes to stderr:\n%s", code, stderr)
	}
	_, bundle, _ := tinyShop(t)
	data := filepath.Join(fixture, "data.jsonl")
	code, stdout, stderr := runCLI(t, "", "eval", "--model", bundle, "--data", data)
	if code != 0 || stdout != "" || !strings.Contains(stderr, "accuracy ") {
		t.Errorf("eval: exit %d, stdout %q, want the summary on stderr only:\n%s", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, "", "eval", "--model", bundle, "--data", data, "--full")
	if code != 2 || stdout != "" || !strings.Contains(stderr, "--full goes with --json") {
		t.Errorf("eval --full without --json: exit %d, stdout %q, stderr %q; want a usage error", code, stdout, stderr)
	}
}

// --context-weight -0.5 (or any negative but -1, the bundle's own) was taken as the bundle's own
// without a word.
func TestEvalRefusesANegativeContextWeight(t *testing.T) {
	for _, w := range []string{"-0.5", "-2", "+Inf"} {
		code, _, stderr := runCLI(t, "", "eval", "--model", "m", "--data", "d.jsonl", "--context-weight", w)
		if code != 2 || !strings.Contains(stderr, "--context-weight") || !strings.Contains(stderr, "want 0 or more, or -1") {
			t.Errorf("--context-weight %s: exit %d\n%s", w, code, stderr)
		}
	}
}

// A data path that does not exist is named once: "import: 0 files, 0 lines read" came first.
func TestEvalMissingDataSaysSoOnce(t *testing.T) {
	_, bundle, _ := tinyShop(t)
	missing := filepath.Join(t.TempDir(), "nothere.jsonl")
	for _, extra := range [][]string{nil, {"--conversations"}} {
		args := append([]string{"eval", "--model", bundle, "--data", missing}, extra...)
		code, _, stderr := runCLI(t, "", args...)
		if code != 1 || !strings.Contains(stderr, "nothere.jsonl") || strings.Contains(stderr, "0 files") {
			t.Errorf("%v: exit %d, stderr %q; want the missing file named, and no import counts", extra, code, stderr)
		}
	}
}
