package intent

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestRowTable(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 10))
	for _, n := range []int{0, 1, 12, 13, 1000, 50000} {
		seen := map[uint32]bool{}
		var features []uint32
		// ids every table must tell apart: zero, all ones, ids differing in the top bit only
		for _, f := range []uint32{0, 0xFFFFFFFF, 0x7FFFFFFF, 5, 1<<31 | 5} {
			if len(features) < n {
				features, seen[f] = append(features, f), true
			}
		}
		for len(features) < n {
			if f := rng.Uint32(); !seen[f] {
				features, seen[f] = append(features, f), true
			}
		}
		tab, err := newRowTable(features)
		if err != nil {
			t.Fatal(err)
		}
		for r, f := range features {
			if got, ok := tab.get(f); !ok || int(got) != r {
				t.Fatalf("n=%d: get(%#x) = %d, %v; want %d", n, f, got, ok, r)
			}
		}
		for range 1000 {
			if f := rng.Uint32(); !seen[f] {
				if r, ok := tab.get(f); ok {
					t.Fatalf("n=%d: get(%#x) = %d for an absent id", n, f, r)
				}
			}
		}
		if got := tab.features(); !slices.Equal(got, features) {
			t.Fatalf("n=%d: features() does not give the ids back in row order", n)
		}
	}
	if _, err := newRowTable([]uint32{7, 8, 7}); err == nil {
		t.Error("a repeated feature was accepted")
	}
}
