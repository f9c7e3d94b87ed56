package nlp

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// The HMM cache keeps short runs of unknown characters, which chat repeats, and not long ones:
// a message of 2 KB of rare characters is one run, never looked up again, and 16,384 of them
// held 35 MB of runs in the cache.
func TestHMMCacheKeepsShortRuns(t *testing.T) {
	a, err := New(Config{DictDir: "testdata/dict"}) // a cache of its own
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		text string
		kept bool // some run of it is in the cache
	}{
		{"a long run", rareText(1, 600), false},
		{"a short run", rareText(2, 12), true},
	} {
		clear(a.seg.hmmCache)
		if got := strings.Join(a.Segment(c.text), ""); got != c.text {
			t.Fatalf("%s: segments join to %q, want the text", c.name, got)
		}
		kept, longest := 0, 0
		for i := range a.seg.hmmCache {
			if e := a.seg.hmmCache[i].Load(); e != nil {
				kept++
				longest = max(longest, len(e.run))
			}
		}
		if longest > maxCachedRun {
			t.Errorf("%s: a run of %d bytes is cached, want none over %d", c.name, longest, maxCachedRun)
		}
		if (kept > 0) != c.kept {
			t.Errorf("%s: %d runs cached, want some: %v", c.name, kept, c.kept)
		}
	}
}

// A run of unknown characters longer than any sentence has (2 KB of rare characters) stays
// character by character: gse's HMM would take milliseconds over it. A short one is still cut
// into the HMM's words.
func TestHMMCutsShortRunsOnly(t *testing.T) {
	a := mustAnalyzer(t)
	for _, c := range []struct {
		name  string
		text  string
		words bool // some token is neither one character nor a dictionary word: the HMM's
	}{
		{"a long run", rareText(3, 2040), false},
		{"a short run", "圳鋆淼犇", true},
	} {
		toks := a.Segment(c.text)
		if got := strings.Join(toks, ""); got != c.text {
			t.Fatalf("%s: segments join to %q, want the text", c.name, got)
		}
		hmmWords := 0
		for _, tok := range toks {
			if _, isWord, _ := a.seg.lex.lookup(tok); utf8.RuneCountInString(tok) > 1 && !isWord {
				hmmWords++
			}
		}
		if (hmmWords > 0) != c.words {
			t.Errorf("%s: %d of %d tokens are the HMM's words, want some: %v", c.name, hmmWords, len(toks), c.words)
		}
	}
}
