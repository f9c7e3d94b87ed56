package intent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadExamplesAnyLength: examples.jsonl is the bundle's own file; a line of megabytes (a
// message trained with --max-text-bytes -1) is read, not refused as a scanner's token too long.
func TestReadExamplesAnyLength(t *testing.T) {
	path := filepath.Join(t.TempDir(), ExamplesFile)
	long := strings.Repeat("我要退货", 200000) // 2.4 MB
	if err := os.WriteFile(path, []byte(`{"text":"短","intent":"a"}`+"\n"+`{"text":"`+long+`","intent":"b"}`+"\n\n"+`{"text":"末","intent":"c"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	docs, err := readExamples(path)
	if err != nil || len(docs) != 3 || docs[1].Text != long || docs[2].Intent != "c" {
		t.Fatalf("readExamples: %d docs, %v", len(docs), err)
	}
	if err := os.WriteFile(path, []byte(`{"text":"a","intent":"a"}`+"\n"+`{"text":`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readExamples(path); err == nil || !strings.Contains(err.Error(), ExamplesFile+":2") {
		t.Errorf("a broken line: %v", err)
	}
}
