package nlp

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// rareText is about n bytes of CJK characters drawn uniformly from the basic block: mostly
// rare, outside the dictionaries, one long run for the HMM.
func rareText(seed uint64, n int) string {
	r := rand.New(rand.NewPCG(seed, 1))
	var b strings.Builder
	for b.Len() < n {
		b.WriteRune(rune(0x4E00 + r.IntN(0x9FA5-0x4E00)))
	}
	return b.String()
}

// BenchmarkAnalyzeRare is the worst message serve takes: 2 KB of rare characters.
func BenchmarkAnalyzeRare(b *testing.B) {
	msgs := []string{rareText(1, 2040), rareText(2, 2040), rareText(3, 2040), rareText(4, 2040)}
	benchAnalyze(b, msgs)
}
