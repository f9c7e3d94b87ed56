package hashtab

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestMap32(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	for _, n := range []int{0, 1, 12, 13, 1000, 50000} {
		m := NewMap32(n)
		want := map[uint32]uint32{}
		// keys every map must tell apart: zero, all ones, keys differing in the top bit only
		for _, k := range []uint32{0, math.MaxUint32, 1<<31 - 1, 5, 1<<31 | 5} {
			if len(want) < n {
				want[k] = uint32(len(want))
				if !m.Put(k, want[k]) {
					t.Fatalf("n=%d: Put(%#x) failed", n, k)
				}
			}
		}
		for len(want) < n {
			k, v := rng.Uint32(), rng.Uint32N(math.MaxUint32)
			if _, dup := want[k]; !dup {
				want[k] = v
				if !m.Put(k, v) {
					t.Fatalf("n=%d: Put(%#x) failed", n, k)
				}
			}
		}
		if m.Len() != n {
			t.Fatalf("Len() = %d, want %d", m.Len(), n)
		}
		for k, v := range want {
			if got, ok := m.Get(k); !ok || got != v {
				t.Fatalf("n=%d: Get(%#x) = %d, %v; want %d", n, k, got, ok, v)
			}
			if m.Put(k, v+1) {
				t.Fatalf("n=%d: Put(%#x) stored a key already present", n, k)
			}
		}
		for range 1000 {
			if k := rng.Uint32(); want[k] == 0 {
				if _, present := want[k]; !present {
					if v, ok := m.Get(k); ok {
						t.Fatalf("n=%d: Get(%#x) = %d for an absent key", n, k, v)
					}
				}
			}
		}
		seen := 0
		m.All(func(k, v uint32) bool {
			if want[k] != v {
				t.Fatalf("All gave %#x → %d, want %d", k, v, want[k])
			}
			seen++
			return true
		})
		if seen != n {
			t.Fatalf("All gave %d keys, want %d", seen, n)
		}
	}
	full := NewMap32(12) // 16 slots, at most 12 used
	for k := range uint32(12) {
		full.Put(k, k)
	}
	if full.Put(99, 1) {
		t.Error("a full map took another key")
	}
}

func TestSparseMap32(t *testing.T) {
	for _, n := range []int{0, 1, 12, 1000, 86000} {
		m := NewSparseMap32(n)
		for k := range uint32(n) {
			if !m.Put(k*2654435761, k) {
				t.Fatalf("n=%d: key %d refused", n, k)
			}
		}
		if load := float64(n) / float64(len(m.slots)); load > 3.0/8 {
			t.Errorf("n=%d: %.3f full, want at most 3/8", n, load)
		}
	}
}

func TestAppendFound(t *testing.T) {
	m := NewSparseMap32(1000)
	for i := range uint32(1000) {
		m.Put(i*7, i)
	}
	keys := []uint32{0, 1, 7, 6993, 7000, 14, 7}
	got := AppendFound(m, []int32{-1}, keys)
	want := []int32{-1, 0, 1, 999, 2, 1}
	if !slices.Equal(got, want) {
		t.Errorf("AppendFound = %v, want %v (the present keys' values, in order, after dst)", got, want)
	}
	if got := AppendFound(m, []uint32(nil), []uint32{1, 2, 3}); len(got) != 0 {
		t.Errorf("AppendFound of absent keys = %v, want none", got)
	}
}
