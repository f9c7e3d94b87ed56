package index

import (
	"strings"
	"testing"
)

// FuzzParseKB feeds ParseKB arbitrary files (seeded with the valid one and broken lines): it
// returns a knowledge base or an error naming the file, and never panics.
func FuzzParseKB(f *testing.F) {
	f.Add(validKB)
	for n, line := range []string{"    examples: [~]", "    answers: null", "  - id: \"\"", "      - {{faq}}", "intents: [1, 2]"} {
		f.Add(replaceLine(5+n, line))
	}
	f.Add("shop: x\nintents:\n  - &i {id: a, label: A, examples: [a], answers: [{id: a.a, text: x}]}\n  - *i\n")
	f.Fuzz(func(t *testing.T, file string) {
		kb, err := ParseKB([]byte(file), "kb.yaml")
		if err != nil {
			if !strings.Contains(err.Error(), "kb.yaml") {
				t.Fatalf("error without the file's name: %v", err)
			}
			return
		}
		if kb == nil {
			t.Fatal("nil knowledge base without an error")
		}
	})
}
