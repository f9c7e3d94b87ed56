package hashtab

import "github.com/zhiyi-ai/zhiyi/internal/hugepage"

// Map32 maps uint32 keys to uint32 values below MaxUint32, with linear probing in 8-byte slots:
// half the bytes of a Table's, for the lookup-heavy maps whose keys fit 32 bits (feature ids,
// runes, pairs of small token ids). Most of their lookups miss the CPU caches when a server
// runs them between requests; fewer bytes, fewer misses. Sized once, never grows; safe for
// concurrent reads once filling is done.
type Map32 struct {
	slots []slot32 // a power of two
	shift uint
	n     int
	limit int
}

// slot32 holds a key and its value plus one (0: empty), so every key can be stored.
type slot32 struct{ key, val1 uint32 }

// NewMap32 returns a map with room for capacity keys at a load factor of at most 3/4.
func NewMap32(capacity int) *Map32 {
	size, bits := 16, uint(4)
	for size*3/4 < capacity {
		size, bits = size<<1, bits+1
	}
	// A big map (the classifier's rows: megabytes) is filled at random: in huge pages, a few
	// page faults rather than one per 4 KiB, as a Table's.
	m := &Map32{shift: 64 - bits, limit: size * 3 / 4}
	m.slots = hugepage.Alloc[slot32](m, size)
	return m
}

// NewSparseMap32 returns a map with room for capacity keys at most 3/8 full, for maps read far
// more than filled whose lookups often miss: a miss probes to an empty slot, 1.6 slots on average
// at 3/8 against 4.8 at 2/3 (the classifier's rows measured Logits −26 %, for twice the bytes).
func NewSparseMap32(capacity int) *Map32 { return NewMap32(2 * capacity) }

// home is the slot where key's probe starts (Fibonacci hashing, as Table does).
func (m *Map32) home(key uint32) uint64 { return uint64(key) * 0x9E3779B97F4A7C15 >> m.shift }

// Put stores val (below MaxUint32) under key unless the key is present. It reports whether it
// stored it: false for a key already present or a full map.
func (m *Map32) Put(key, val uint32) bool {
	mask := uint64(len(m.slots) - 1)
	i := m.home(key)
	for ; m.slots[i].val1 != 0; i = (i + 1) & mask {
		if m.slots[i].key == key {
			return false
		}
	}
	if m.n >= m.limit {
		return false
	}
	m.slots[i] = slot32{key: key, val1: val + 1}
	m.n++
	return true
}

// Get returns the value stored under key.
func (m *Map32) Get(key uint32) (uint32, bool) {
	mask := uint64(len(m.slots) - 1)
	for i := m.home(key); ; i = (i + 1) & mask {
		s := m.slots[i]
		if s.val1 == 0 {
			return 0, false
		}
		if s.key == key {
			return s.val1 - 1, true
		}
	}
}

// AppendFound appends to dst the value of every key of keys that is present, in the order of
// keys, and returns the extended dst; the values must fit V.
//
// It is a batch of Gets that waits out the cache misses together. A table of megabytes (the
// classifier's rows) misses the CPU caches on most lookups, and Get in a loop waits for each
// miss in turn: whether a slot is empty or holds the key is a branch the CPU guesses wrong about
// half the time, and a wrong guess throws away the loads it had started beyond it. So a first
// pass reads every key's first slot with no branch on what it finds (those loads overlap); the
// probing pass after it then mostly reads the cache.
func AppendFound[V ~int32 | ~uint32](m *Map32, dst []V, keys []uint32) []V {
	mask := uint64(len(m.slots) - 1)
	used := uint32(0)
	for _, k := range keys {
		used |= m.slots[m.home(k)&mask].val1
	}
	if used == 0 {
		return dst // every first slot is empty: no key is present
	}
	for _, k := range keys {
		if v, ok := m.Get(k); ok {
			dst = append(dst, V(v))
		}
	}
	return dst
}

// Len returns the number of keys stored.
func (m *Map32) Len() int { return m.n }

// All calls yield with every key and value, in table order.
func (m *Map32) All(yield func(key, val uint32) bool) {
	for _, s := range m.slots {
		if s.val1 != 0 && !yield(s.key, s.val1-1) {
			return
		}
	}
}
