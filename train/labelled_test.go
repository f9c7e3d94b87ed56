package train

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A gold file's line without an intent (a typo in the key, a label left blank) was dropped from
// the evaluation without a word: n was smaller than the file and nothing said which line. Such
// lines are now named by file:line; one whose label names an unknown intent is named once, by
// the unknown-intent warning, not again as unlabelled.
func TestReadLabelledNamesUnlabelledLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gold.jsonl")
	lines := `{"text":"我要退货","intent":"return_goods"}
{"text":"几天发货","itnent":"shipping_time"}
{"text":"开发票","intent":"invoce"}
{"text":"怎么开发票","intent":""}
`
	if err := os.WriteFile(path, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	var prog strings.Builder
	known := func(id string) bool { return id == "return_goods" || id == "shipping_time" }
	items, _, _, err := ReadLabelled(context.Background(), DataOptions{Paths: []string{path}, Known: known}, &prog)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 {
		t.Fatalf("%d labelled messages, want 1: %+v", len(items), items)
	}
	out := prog.String()
	if !strings.Contains(out, "2 messages have no label and are not scored: "+path+":2, "+path+":4\n") {
		t.Errorf("progress does not name the two unlabelled lines:\n%s", out)
	}
	if strings.Count(out, path+":3") != 1 {
		t.Errorf("the unknown intent's line is named %d times, want once:\n%s", strings.Count(out, path+":3"), out)
	}
}
