package nlp

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A lexicon file without the sum a bundle's manifest gives it is refused on a fresh start, and
// not kept as the process's lexicon (every later Analyzer would share it).
func TestBaseLexiconChecksSum(t *testing.T) {
	mustAnalyzer(t)
	path := filepath.Join(t.TempDir(), LexiconFile)
	if err := WriteLexicon(path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	lexiconCache.mu.Lock()
	loaded := lexiconCache.lex
	lexiconCache.lex = nil // as in a fresh process
	lexiconCache.mu.Unlock()
	defer func() {
		lexiconCache.mu.Lock()
		lexiconCache.lex = loaded
		lexiconCache.mu.Unlock()
	}()
	if _, err := baseLexicon(path, strings.Repeat("0", 64)); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("lexicon with another sum: err = %v", err)
	}
	if lexiconCache.lex != nil {
		t.Fatal("a lexicon that failed its checksum became the process's")
	}
	lex, err := baseLexicon(path, hex.EncodeToString(sum[:]))
	if err != nil {
		t.Fatal(err)
	}
	if lex != lexiconCache.lex || !bytes.Equal(lex.body, loaded.body) {
		t.Error("the lexicon with its sum is not the process's, or not the one loaded before")
	}
}
