package nlp

import (
	"path/filepath"
	"testing"
)

// BenchmarkReadLexicon reads a lexicon file as a fresh process's start-up does: decompressing,
// parsing and building the hash table.
func BenchmarkReadLexicon(b *testing.B) {
	path := filepath.Join(b.TempDir(), LexiconFile)
	if err := WriteLexicon(path); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := readLexicon(path); err != nil {
			b.Fatal(err)
		}
	}
}
