package intent

import (
	"cmp"
	"hash/maphash"
	"math"
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

func TestOverlap(t *testing.T) {
	seed := maphash.MakeSeed()
	for _, tc := range []struct {
		query, doc []string
		want       float64
	}{
		{[]string{"退货", "运费", "谁出"}, []string{"运费", "退货", "地址", "退货"}, 2.0 / 3},
		{[]string{"退货", "退货", "运费"}, []string{"退货"}, 1.0 / 2}, // repeats count once
		{[]string{"发票"}, []string{"退货", "运费"}, 0},
		{[]string{"发票"}, nil, 0},
		{nil, []string{"发票"}, 0},
		{[]string{"a", "b", "c", "d"}, []string{"d", "c", "b", "a"}, 1},
	} {
		q, d := termSet(nil, tc.query, seed), termSet(nil, tc.doc, seed)
		if got := overlap(q, d); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("overlap(%q, %q) = %v, want %v", tc.query, tc.doc, got, tc.want)
		}
	}
}
