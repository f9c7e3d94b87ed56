package session

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/VictoriaMetrics/metrics"
)

// Defaults for a zero MemoryConfig (and, for TTL, a zero RedisConfig).
const (
	DefaultTTL              = 30 * time.Minute
	DefaultMaxConversations = 100_000
	// DefaultMaxBytes bounds what the conversations take: 100,000 ordinary ones (short messages,
	// a response or two within ResponseWindow: 2 KB or so) fit; 100,000 of six 2 KB messages
	// each, answered within a minute (19.6 KB encoded, measured on the sample shop), would take
	// about 2 GB.
	DefaultMaxBytes = 512 << 20
)

// memEntryOverhead is what a conversation costs besides its encoded state, counted against
// MaxBytes: its slot in entries, its index entry, the string's header.
const memEntryOverhead = 128

// sweepPerSave bounds how many expired conversations one Save removes, so that no call holds
// a shard's lock for long; since every Save adds at most one, expired ones still drain.
const sweepPerSave = 8

// MemoryConfig configures the in-process store. A zero MemoryConfig means defaults.
type MemoryConfig struct {
	// MaxConversations bounds how many conversations are kept; saving a new one beyond it
	// evicts the least recently saved one of its shard. Default DefaultMaxConversations
	// (100,000).
	MaxConversations int
	// MaxBytes bounds the bytes the conversations take (their encoded states and a fixed
	// overhead each); saving beyond it evicts the least recently saved ones of the shard, as
	// MaxConversations does. Default DefaultMaxBytes. The count alone did not bound memory: a
	// state is a few hundred bytes to tens of KB (six turns of 2 KB messages, each with a
	// response kept for retries), so clients sending long messages under many sender ids
	// grew a replica by gigabytes.
	MaxBytes int64
	// TTL is the idle time after which a conversation is forgotten, counted from its last
	// Save (as Redis counts it). Default DefaultTTL.
	TTL time.Duration
	// Now is the clock; nil means time.Now. Tests inject one.
	Now func() time.Time
	// Metrics receives zhiyi_session_conversations and
	// zhiyi_session_evictions_total{reason="capacity"|"idle"}; nil for none.
	Metrics *metrics.Set
	// HashKey keys the hashes of conversation keys, msg_ids and a group's senders (Hasher);
	// empty: unkeyed. Nothing of this store leaves the process; the key is taken for
	// uniformity with Redis, so that a turn is hashed alike in both.
	HashKey []byte
}

// Memory is the in-process Store: conversations live in this process only, which suits a
// single replica (the default). It is bounded by MaxConversations and MaxBytes and forgets a conversation
// idle for TTL, checked when the conversation is loaded and swept a few at a time on Save; it
// starts no goroutine and no timer.
//
// Conversations are kept encoded (State.AppendBinary), under 128 bits of their key's hash: one
// pointer-free index entry and one string each, little for the garbage collector to scan; a
// Load decodes without copying the bytes, its strings being substrings of the stored one. Keys are spread over shards, each with its own lock; encoding
// and decoding happen outside the locks, which are held for a map look-up and a list update.
type Memory struct {
	ttl    int64 // nanoseconds
	now    func() time.Time
	hasher *Hasher
	shards []memShard
	mask   uint64
	closed atomic.Bool

	size, bytes         *metrics.Gauge
	evictCap, evictIdle *metrics.Counter
}

// memShard is an index from key hash to a slot in entries, whose slots form a doubly linked
// list from the most recently saved (head) to the least (tail). With one TTL for all, the tail
// is also the first to expire.
type memShard struct {
	mu      sync.RWMutex
	index   map[keyHash]int32
	entries []memEntry
	free    int32 // first free slot, linked through next; -1 when none
	head    int32
	tail    int32
	max     int
	// bytes is what the shard's conversations cost (memCost), at most maxBytes but for the
	// conversation saved last, which is kept whatever its size.
	bytes, maxBytes int64
}

type memEntry struct {
	val        string // encoded State: immutable, so a reader uses it unlocked and decodes substrings
	savedAt    int64  // unix nanoseconds
	prev, next int32
	key        keyHash
}

const nilSlot = -1

// NewMemory returns an in-process store.
func NewMemory(cfg MemoryConfig) *Memory {
	if cfg.MaxConversations <= 0 {
		cfg.MaxConversations = DefaultMaxConversations
	}
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	// Up to 64 shards, each holding at least 256 conversations, so a small bound stays exact
	// (one shard for a bound under 512) and a large one spreads the locks.
	n := 1
	for n < 64 && n*2*256 <= cfg.MaxConversations {
		n *= 2
	}
	m := &Memory{ttl: int64(cfg.TTL), now: cfg.Now, hasher: NewHasher(cfg.HashKey), shards: make([]memShard, n), mask: uint64(n - 1)}
	for i := range m.shards {
		sh := &m.shards[i]
		sh.max = cfg.MaxConversations / n
		if i < cfg.MaxConversations%n {
			sh.max++ // the shards' bounds add up to MaxConversations exactly
		}
		sh.maxBytes = cfg.MaxBytes / int64(n)
		if int64(i) < cfg.MaxBytes%int64(n) {
			sh.maxBytes++
		}
		sh.index = make(map[keyHash]int32)
		sh.free, sh.head, sh.tail = nilSlot, nilSlot, nilSlot
	}
	if set := cfg.Metrics; set != nil {
		m.size = set.GetOrCreateGauge(`zhiyi_session_conversations`, nil)
		m.bytes = set.GetOrCreateGauge(`zhiyi_session_bytes`, nil)
		m.evictCap = set.GetOrCreateCounter(`zhiyi_session_evictions_total{reason="capacity"}`)
		m.evictIdle = set.GetOrCreateCounter(`zhiyi_session_evictions_total{reason="idle"}`)
	}
	return m
}

func (m *Memory) shard(h keyHash) *memShard {
	return &m.shards[uint64(h[0])&m.mask] // at most 64 shards: one byte of the hash picks
}

// Load implements Store. It returns the zero State for a conversation idle past the TTL; the
// entry itself is removed by a later Save's sweep.
func (m *Memory) Load(ctx context.Context, key string) (State, error) {
	if err := m.check(ctx, key); err != nil {
		return State{}, err
	}
	h := m.hasher.conv(key)
	sh := m.shard(h)
	now := m.now().UnixNano()
	var val string
	sh.mu.RLock()
	if i, ok := sh.index[h]; ok && now-sh.entries[i].savedAt < m.ttl {
		val = sh.entries[i].val
	}
	sh.mu.RUnlock()
	var st State
	if val == "" {
		return st, nil
	}
	if err := st.decode(val); err != nil {
		return State{}, fmt.Errorf("session: memory load: %w", err)
	}
	return st, nil
}

// Save implements Store.
func (m *Memory) Save(ctx context.Context, key string, st State) error {
	if err := m.check(ctx, key); err != nil {
		return err
	}
	b, _ := st.AppendBinary(nil)
	// b is never written again, so it can be the string without a copy (as strings.Builder
	// does); the entry's value, and every State loaded from it, share it.
	val := unsafe.String(unsafe.SliceData(b), len(b))
	h := m.hasher.conv(key)
	sh := m.shard(h)
	now := m.now().UnixNano()
	var added, capEvicted, idleEvicted int

	sh.mu.Lock()
	before := sh.bytes
	for k := 0; k < sweepPerSave && sh.tail != nilSlot && now-sh.entries[sh.tail].savedAt >= m.ttl; k++ {
		sh.remove(sh.tail)
		idleEvicted++
	}
	i, ok := sh.index[h]
	if ok {
		sh.bytes -= memCost(sh.entries[i].val)
		sh.unlink(i)
	} else {
		if len(sh.index) >= sh.max {
			sh.remove(sh.tail)
			capEvicted++
		}
		i = sh.alloc()
		sh.index[h] = i
		added++
	}
	e := &sh.entries[i]
	e.key, e.val, e.savedAt = h, val, now
	sh.bytes += memCost(val)
	sh.pushFront(i)
	for sh.bytes > sh.maxBytes && sh.tail != i {
		sh.remove(sh.tail)
		capEvicted++
	}
	grew := sh.bytes - before
	sh.mu.Unlock()

	if m.size != nil {
		m.size.Add(float64(added - capEvicted - idleEvicted))
		m.bytes.Add(float64(grew))
		m.evictCap.Add(capEvicted)
		m.evictIdle.Add(idleEvicted)
	}
	return nil
}

// Close implements Store: it drops every conversation.
func (m *Memory) Close() error {
	if m.closed.Swap(true) {
		return nil
	}
	for i := range m.shards {
		sh := &m.shards[i]
		sh.mu.Lock()
		if m.size != nil {
			m.size.Add(-float64(len(sh.index)))
			m.bytes.Add(-float64(sh.bytes))
		}
		sh.index, sh.entries, sh.bytes = map[keyHash]int32{}, nil, 0
		sh.free, sh.head, sh.tail = nilSlot, nilSlot, nilSlot
		sh.mu.Unlock()
	}
	return nil
}

// Hasher returns the Hasher the store keeps conversation keys with, and reply hashes msg_ids
// with (nil: unkeyed).
func (m *Memory) Hasher() *Hasher { return m.hasher }

// Len returns how many conversations the store holds, including idle ones not yet swept.
func (m *Memory) Len() int {
	n := 0
	for i := range m.shards {
		sh := &m.shards[i]
		sh.mu.RLock()
		n += len(sh.index)
		sh.mu.RUnlock()
	}
	return n
}

func (m *Memory) check(ctx context.Context, key string) error {
	if m.closed.Load() {
		return ErrClosed
	}
	if key == "" {
		return ErrNoKey
	}
	return ctx.Err()
}

// memCost is what a conversation stored as val counts against MaxBytes.
func memCost(val string) int64 { return int64(len(val)) + memEntryOverhead }

// alloc returns a free slot, reusing a removed one before growing entries.
func (sh *memShard) alloc() int32 {
	if i := sh.free; i != nilSlot {
		sh.free = sh.entries[i].next
		return i
	}
	sh.entries = append(sh.entries, memEntry{})
	return int32(len(sh.entries) - 1)
}

// remove deletes slot i from the index and the list and frees it.
func (sh *memShard) remove(i int32) {
	sh.unlink(i)
	e := &sh.entries[i]
	sh.bytes -= memCost(e.val)
	delete(sh.index, e.key)
	*e = memEntry{next: sh.free}
	sh.free = i
}

func (sh *memShard) unlink(i int32) {
	e := &sh.entries[i]
	if e.prev != nilSlot {
		sh.entries[e.prev].next = e.next
	} else {
		sh.head = e.next
	}
	if e.next != nilSlot {
		sh.entries[e.next].prev = e.prev
	} else {
		sh.tail = e.prev
	}
	e.prev, e.next = nilSlot, nilSlot
}

func (sh *memShard) pushFront(i int32) {
	e := &sh.entries[i]
	e.prev, e.next = nilSlot, sh.head
	if sh.head != nilSlot {
		sh.entries[sh.head].prev = i
	} else {
		sh.tail = i
	}
	sh.head = i
}
