package nlp

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// The HMM cache keeps short runs of unknown characters, which chat repeats, and not long ones:
// a message of 2 KB of rare characters is one run, never looked up again, and 16,384 of them
// held 35 MB of runs in the cache.
func TestHMMCacheKeepsShortRuns(t *testing.T) {
	a, err := New(Config{DictDir: "testdata/dict"}) // a cache of its own
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	rare := func(bytes int) string {
		var b strings.Builder
		for b.Len() < bytes {
			b.WriteRune(rune(0x4E00 + r.IntN(0x9FA5-0x4E00)))
		}
		return b.String()
	}
	for _, c := range []struct {
		name string
		text string
		kept bool // some run of it is in the cache
	}{
		{"a long run", rare(600), false},
		{"a short run", rare(12), true},
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
