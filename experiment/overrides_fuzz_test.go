package experiment

import (
	"strings"
	"testing"
)

// FuzzParseOverrides feeds ParseOverrides arbitrary files: an error names the file, and nothing
// panics.
func FuzzParseOverrides(f *testing.F) {
	f.Add(validOverrides)
	f.Add(strings.Replace(validOverrides, "version: 1", "version: 1.5", 1))
	f.Add("version: 1\nexperiments:\n  - null\n")
	f.Fuzz(func(t *testing.T, file string) {
		o, err := ParseOverrides([]byte(file), "experiments.yaml")
		if err != nil {
			if !strings.Contains(err.Error(), "experiments.yaml") {
				t.Fatalf("error without the file's name: %v", err)
			}
			return
		}
		if o == nil {
			t.Fatal("nil overrides without an error")
		}
	})
}
