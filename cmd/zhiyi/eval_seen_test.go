package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// zhiyi eval on the messages a bundle was trained on (a shop's gold labels, given to train and
// then to eval) read 100 % without a word; it now says how many the model learnt.
func TestEvalWarnsOfMessagesTrainedOn(t *testing.T) {
	dir, bundle, _ := tinyShop(t)
	code, _, stderr := runCLI(t, "", "eval", "--model", bundle, "--data", filepath.Join(fixture, "data.jsonl"))
	if code != 0 {
		t.Fatalf("eval: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "scored messages are in the bundle's training history (examples.jsonl)") {
		t.Errorf("eval of the training data gives no warning:\n%s", stderr)
	}
	fresh := filepath.Join(dir, "fresh.jsonl")
	if err := os.WriteFile(fresh, []byte(`{"text":"你们周日几点关门呀朋友","intent":"none"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCLI(t, "", "eval", "--model", bundle, "--data", fresh)
	if code != 0 {
		t.Fatalf("eval: exit %d\n%s", code, stderr)
	}
	if strings.Contains(stderr, "training history") {
		t.Errorf("eval of a message the bundle never saw warns:\n%s", stderr)
	}
}
