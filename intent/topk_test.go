package intent

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestTopK(t *testing.T) {
	for _, tc := range []struct {
		v    []float64
		k    int
		want []int
	}{
		{[]float64{0.1, 0.5, 0.2, 0.2}, 3, []int{1, 2, 3}},
		{[]float64{0.3, 0.3, 0.3}, 2, []int{0, 1}},
		{[]float64{0.9}, 3, []int{0}},
		{[]float64{0, 0, 0, 1}, 1, []int{3}},
		{[]float64{0.2, 0.1, 0.4, 0.3}, 4, []int{2, 3, 0, 1}},
		{nil, 3, []int{}},
	} {
		if got := topK(tc.v, tc.k, nil); !slices.Equal(got, tc.want) {
			t.Errorf("topK(%v, %d) = %v, want %v", tc.v, tc.k, got, tc.want)
		}
	}
	// Against sorting, on random values with many ties.
	rng := rand.New(rand.NewPCG(3, 4))
	for range 1000 {
		v := make([]float64, 1+rng.IntN(50))
		for i := range v {
			v[i] = float64(rng.IntN(5)) / 4
		}
		idx := make([]int, len(v))
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(v[b], v[a]) })
		k := 1 + rng.IntN(5)
		if got, want := topK(v, k, nil), idx[:min(k, len(v))]; !slices.Equal(got, want) {
			t.Fatalf("topK(%v, %d) = %v, want %v", v, k, got, want)
		}
	}
}
