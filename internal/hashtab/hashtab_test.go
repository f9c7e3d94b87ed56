package hashtab

import (
	"math/rand/v2"
	"runtime"
	"testing"
)

func TestTable(t *testing.T) {
	tests := []struct {
		name string
		keys func(i int) uint64
	}{
		{"sequential small ids", func(i int) uint64 { return uint64(i) }},
		{"32-bit ids, low bits equal", func(i int) uint64 { return uint64(i) << 16 }},
		{"random 64-bit hashes", func(i int) uint64 { return rand.New(rand.NewPCG(uint64(i), 7)).Uint64() &^ topBit }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const n = 5000
			tab := New[int32](n)
			for i := range n {
				if !tab.PutIfAbsent(tt.keys(i), int32(i)) {
					t.Fatalf("put %d: table full", i)
				}
			}
			if !tab.PutIfAbsent(tt.keys(3), -1) {
				t.Fatal("put of a present key reported failure")
			}
			if tab.Len() != n {
				t.Fatalf("Len = %d, want %d", tab.Len(), n)
			}
			for i := range n {
				if v, ok := tab.Get(tt.keys(i)); !ok || v != int32(i) {
					t.Fatalf("Get(%d) = %d, %v; want %d (the first put wins)", i, v, ok, i)
				}
			}
			if _, ok := tab.Get(tt.keys(n + 1)); ok {
				t.Error("Get of an absent key found it")
			}
			seen := 0
			tab.All(func(k uint64, v int32) bool {
				if k != tt.keys(int(v)) {
					t.Errorf("All yielded %#x for %d, want %#x", k, v, tt.keys(int(v)))
				}
				seen++
				return true
			})
			if seen != n {
				t.Errorf("All yielded %d keys, want %d", seen, n)
			}
		})
	}
}

func TestTableFull(t *testing.T) {
	tab := New[float32](3) // 16 slots, 12 usable
	put := 0
	for i := range 100 {
		if tab.PutIfAbsent(uint64(i), 1) {
			put++
		}
	}
	if put != 12 || tab.Len() != 12 {
		t.Fatalf("stored %d (Len %d), want the 12 a 16-slot table allows", put, tab.Len())
	}
	if _, ok := tab.Get(99); ok {
		t.Error("a key refused as full was found")
	}
}

func BenchmarkGet(b *testing.B) {
	const n = 500_000
	tab := New[float32](n)
	m := make(map[uint64]float32, n)
	keys := make([]uint64, n)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range keys {
		keys[i] = r.Uint64()
		tab.PutIfAbsent(keys[i], float32(i))
		m[keys[i]] = float32(i)
	}
	b.Run("table", func(b *testing.B) {
		var sum float32
		for i := 0; b.Loop(); i++ {
			v, _ := tab.Get(keys[(i*7919)%n])
			sum += v
		}
		_ = sum
	})
	b.Run("map", func(b *testing.B) {
		var sum float32
		for i := 0; b.Loop(); i++ {
			sum += m[keys[(i*7919)%n]]
		}
		_ = sum
	})
}

func TestPutAllIfAbsent(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const n = 20000
	keys := make([]uint64, 0, n+n/4)
	vals := make([]int32, 0, n+n/4)
	for i := range n {
		keys = append(keys, r.Uint64()>>1)
		vals = append(vals, int32(i))
	}
	for i := range n / 4 { // repeats of earlier keys must not overwrite them
		keys = append(keys, keys[i*3])
		vals = append(vals, -1)
	}
	one, all := New[int32](len(keys)), New[int32](len(keys))
	for i, k := range keys {
		one.PutIfAbsent(k, vals[i])
	}
	if got := all.PutAllIfAbsent(keys, vals); got != n || all.Len() != one.Len() {
		t.Fatalf("stored %d (Len %d), want %d", got, all.Len(), one.Len())
	}
	for _, k := range keys {
		a, okA := all.Get(k)
		o, okO := one.Get(k)
		if a != o || okA != okO || a < 0 {
			t.Fatalf("Get(%#x) = %d, %v; one at a time %d, %v", k, a, okA, o, okO)
		}
	}
}

// A table of several megabytes lives in its own huge-page mapping on Linux: it must behave as
// one on the Go heap, and its memory must survive collections while the table is reachable.
func TestLargeTable(t *testing.T) {
	const n = 300_000 // 512 Ki slots of 16 bytes: 8 MiB
	tab := New[float32](n)
	keys := make([]uint64, n)
	vals := make([]float32, n)
	for i := range keys {
		keys[i] = rand.New(rand.NewPCG(uint64(i), 11)).Uint64() &^ topBit
		vals[i] = float32(i)
	}
	if got := tab.PutAllIfAbsent(keys, vals); got != n {
		t.Fatalf("stored %d of %d keys", got, n)
	}
	runtime.GC()
	runtime.GC()
	for i, k := range keys {
		if v, ok := tab.Get(k); !ok || v != vals[i] {
			t.Fatalf("Get(key %d) = %v, %v; want %v", i, v, ok, vals[i])
		}
	}
	if _, ok := tab.Get(12345); ok {
		t.Error("a key never put is found")
	}
}
