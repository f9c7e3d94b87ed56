package hashtab

import "github.com/zhiyi-ai/zhiyi/internal/hugepage"

// empty marks an unused slot. Keys are stored with their top bit set, so no key is ever empty.
const empty = 0

const topBit = 1 << 63

type slot[V any] struct {
	key uint64
	val V
}

// Table maps uint64 keys to values of type V. It is sized once by New and never grows; Put
// reports false when the table is full. It is safe for concurrent reads once filling is done.
type Table[V any] struct {
	slots []slot[V]
	mask  uint64
	shift uint // 64 - log2(len(slots))
	len   int
	limit int // at most 3/4 of the slots are used, so a probe always ends
}

// New returns a table with room for capacity keys at a load factor of at most 3/4.
func New[V any](capacity int) *Table[V] {
	size, bits := 16, uint(4)
	for size*3/4 < capacity {
		size, bits = size<<1, bits+1
	}
	t := &Table[V]{mask: uint64(size - 1), shift: 64 - bits, limit: size * 3 / 4}
	// A big table is touched at random: with 4 KiB pages every one of them is first a page fault
	// (filling the lexicon's 16 MiB was two thirds page faults, a fifth of a process's start-up)
	// and then a TLB entry. The slots never leave the table, which may own them outside the heap.
	t.slots = hugepage.Alloc[slot[V]](t, size)
	return t
}

// Two distinct keys that differ only in the top bit collide in the table; callers pass hashes or
// hashed ids, for which that costs one bit of a 64-bit (or the whole of a 32-bit) key space.
func (t *Table[V]) find(key uint64) (int, bool) {
	key |= topBit
	// Fibonacci hashing: the top bits of the product depend on every bit of the key, so 32-bit
	// ids spread as well as 64-bit hashes.
	for i := key * 0x9E3779B97F4A7C15 >> t.shift; ; i = (i + 1) & t.mask {
		switch t.slots[i].key {
		case key:
			return int(i), true
		case empty:
			return int(i), false
		}
	}
}

// Get returns the value stored under key.
func (t *Table[V]) Get(key uint64) (V, bool) {
	i, ok := t.find(key)
	if !ok {
		var zero V
		return zero, false
	}
	return t.slots[i].val, true
}

// PutIfAbsent stores val under key unless the key is present. It reports whether the key is now
// present (false only when the table is full).
func (t *Table[V]) PutIfAbsent(key uint64, val V) bool {
	i, ok := t.find(key)
	if ok {
		return true
	}
	if t.len >= t.limit {
		return false
	}
	t.slots[i] = slot[V]{key: key | topBit, val: val}
	t.len++
	return true
}

// PutAllIfAbsent puts keys[i], vals[i] for every i, in order, as PutIfAbsent would (the first of
// equal keys wins), and returns how many keys were stored. It groups the writes by where they
// land first: filling a table far larger than the CPU caches one key at a time costs a cache
// miss per key, most of a process's start-up for the segmenter's lexicon.
func (t *Table[V]) PutAllIfAbsent(keys []uint64, vals []V) int {
	const groupBits = 12 // 4096 groups: one write stream each, all of them fit in cache
	bits := 64 - t.shift
	g := min(bits, groupBits)
	group := func(k uint64) uint64 { return (k | topBit) * 0x9E3779B97F4A7C15 >> (64 - g) }
	start := make([]int, 1<<g+1)
	for _, k := range keys {
		start[group(k)+1]++
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	// A stable counting sort, so equal keys keep their order. The copies are megabytes for the
	// lexicon, written once: in huge pages, a few page faults rather than thousands.
	sk, freeKeys := hugepage.Temp[uint64](len(keys))
	defer freeKeys()
	sv, freeVals := hugepage.Temp[V](len(keys))
	defer freeVals()
	for i, k := range keys {
		j := start[group(k)]
		start[group(k)]++
		sk[j], sv[j] = k, vals[i]
	}
	before := t.len
	for i, k := range sk {
		if !t.PutIfAbsent(k, sv[i]) {
			break
		}
	}
	return t.len - before
}

// Len returns the number of keys stored.
func (t *Table[V]) Len() int { return t.len }

// All calls yield with every key and value, in table order. The key has its top bit cleared,
// so keys below 1<<63 come back as they were put.
func (t *Table[V]) All(yield func(key uint64, val V) bool) {
	for _, s := range t.slots {
		if s.key != empty && !yield(s.key&^topBit, s.val) {
			return
		}
	}
}
