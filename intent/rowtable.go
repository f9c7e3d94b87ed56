package intent

import "fmt"

// rowTable maps feature ids to classifier rows: open addressing with linear probing, like
// internal/hashtab, but with 32-bit keys in 8-byte slots. Scoring a message looks up every one
// of its features, and most lookups miss the CPU caches: half the table's bytes, fewer misses.
type rowTable struct {
	slots []rowSlot // a power of two, at most 3/4 full
	shift uint
	n     int
}

// rowSlot holds a feature id and its row plus one (0: empty), so every id can be a key.
type rowSlot struct{ key, row1 uint32 }

// newRowTable maps features[i] to row i; a repeated feature is an error.
func newRowTable(features []uint32) (*rowTable, error) {
	size, bits := 16, uint(4)
	for size*3/4 < len(features) {
		size, bits = size<<1, bits+1
	}
	t := &rowTable{slots: make([]rowSlot, size), shift: 64 - bits, n: len(features)}
	mask := uint64(size - 1)
	for r, f := range features {
		i := t.home(f)
		for t.slots[i].row1 != 0 {
			if t.slots[i].key == f {
				return nil, fmt.Errorf("classifier: feature %#x appears twice", f)
			}
			i = (i + 1) & mask
		}
		t.slots[i] = rowSlot{key: f, row1: uint32(r) + 1}
	}
	return t, nil
}

// home is the slot where f's probe starts (Fibonacci hashing: the top bits of the product
// depend on every bit of the id).
func (t *rowTable) home(f uint32) uint64 { return uint64(f) * 0x9E3779B97F4A7C15 >> t.shift }

// get returns the row of feature f.
func (t *rowTable) get(f uint32) (int32, bool) {
	mask := uint64(len(t.slots) - 1)
	for i := t.home(f); ; i = (i + 1) & mask {
		s := t.slots[i]
		if s.row1 == 0 {
			return 0, false
		}
		if s.key == f {
			return int32(s.row1 - 1), true
		}
	}
}

// features returns the feature id of every row, in row order.
func (t *rowTable) features() []uint32 {
	ids := make([]uint32, t.n)
	for _, s := range t.slots {
		if s.row1 != 0 {
			ids[s.row1-1] = s.key
		}
	}
	return ids
}
