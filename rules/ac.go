package rules

import (
	"fmt"
	"unsafe"

	"github.com/coregx/ahocorasick"
)

// acFinder finds keywords with an Aho–Corasick automaton (github.com/coregx/ahocorasick): one
// pass over the text, whatever the number of keywords. The benchmark in ac_bench_test.go
// compares it with another library and with a scan of every keyword.
type acFinder struct{ a *ahocorasick.Automaton }

func newACFinder(pats []string) (finder, error) {
	a, err := ahocorasick.NewBuilder().AddStrings(pats).Build()
	if err != nil {
		return nil, fmt.Errorf("rules: cannot build the keyword automaton: %w", err)
	}
	return acFinder{a}, nil
}

func (f acFinder) appendHits(dst []int32, s string) []int32 {
	// The automaton only reads the text: no copy.
	for _, m := range f.a.FindAllOverlapping(unsafe.Slice(unsafe.StringData(s), len(s))) {
		dst = append(dst, int32(m.PatternID))
	}
	return dst
}
