package alert

import (
	"strings"
	"testing"
)

// FuzzParseFile feeds ParseFile arbitrary alert files: an error names the file, and nothing
// panics.
func FuzzParseFile(f *testing.F) {
	f.Add(goodFile)
	f.Add(strings.Replace(goodFile, "10m", "-1s", 1))
	f.Add("rules:\n  - null\n")
	f.Fuzz(func(t *testing.T, file string) {
		a, err := ParseFile("alerts.yaml", []byte(file))
		if err != nil {
			if !strings.Contains(err.Error(), "alerts.yaml") {
				t.Fatalf("error without the file's name: %v", err)
			}
			return
		}
		if a == nil {
			t.Fatal("nil file without an error")
		}
	})
}
