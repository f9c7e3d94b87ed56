//go:build !race

package sentiment

import "testing"

// TestAnalyzeAllocs pins the hot path: AnalyzeTo into a reused Result allocates nothing.
func TestAnalyzeAllocs(t *testing.T) {
	lex, dev, _ := shopSet(t)
	for _, opt := range []Options{{}, {LexiconOnly: true}} {
		a := mustNew(t, lex, opt)
		var r Result
		i := 0
		n := testing.AllocsPerRun(1000, func() {
			a.AnalyzeTo(&r, dev[i%len(dev)].Text)
			i++
		})
		if n != 0 {
			t.Errorf("LexiconOnly=%v: %v allocs per AnalyzeTo, want 0", opt.LexiconOnly, n)
		}
		// Rare paths, which the average over the labelled set would hide: every cue negated
		// (read again without them).
		for _, msg := range []string{"我一点都不生气", "不急不急 我不生气"} {
			if n := testing.AllocsPerRun(100, func() { a.AnalyzeTo(&r, msg) }); n != 0 {
				t.Errorf("LexiconOnly=%v: %v allocs per AnalyzeTo(%q), want 0", opt.LexiconOnly, n, msg)
			}
		}
	}
}
