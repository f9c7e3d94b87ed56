package session

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// want is the Hasher's HMAC as crypto/hmac computes it without reuse: keyed with
// HMAC-SHA256(key, hashDomain), over the label and s.
func want(key []byte, label byte, s string) [sha256.Size]byte {
	d := hmac.New(sha256.New, key)
	d.Write([]byte(hashDomain))
	m := hmac.New(sha256.New, d.Sum(nil))
	m.Write([]byte{label})
	m.Write([]byte(s))
	return [sha256.Size]byte(m.Sum(nil))
}

// TestHasherMatchesHMAC: the pooled, reset HMAC written from its buffer in chunks equals a fresh
// crypto/hmac one, for ids of every length around the buffer's and the SHA-256 block's (55, 64,
// 127, 128, 129…) and random bytes, and for keys shorter and longer than a block.
func TestHasherMatchesHMAC(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, key := range [][]byte{[]byte("k"), []byte("a key of the operator's"), []byte(strings.Repeat("long", 40))} {
		h := NewHasher(key)
		f := func(s string) {
			t.Helper()
			var got [sha256.Size]byte
			for _, label := range []byte{labelConv, labelMsgID, labelSender} {
				h.sum(label, s, &got)
				if w := want(key, label, s); got != w {
					t.Fatalf("key %q, label %c, id of %d bytes: %x, want crypto/hmac's %x", key, label, len(s), got, w)
				}
			}
			if w := want(key, labelConv, s); h.conv(s) != keyHash(w[:16]) {
				t.Fatalf("conv of %d bytes differs from crypto/hmac's", len(s))
			}
			if w := want(key, labelMsgID, s); s != "" && h.MsgID(s) != hex.EncodeToString(w[:16]) {
				t.Fatalf("MsgID of %d bytes differs from crypto/hmac's", len(s))
			}
			if w := want(key, labelSender, s); h.Sender(s) != strconv.FormatUint(binary.BigEndian.Uint64(w[:8]), 36) {
				t.Fatalf("Sender of %d bytes differs from crypto/hmac's", len(s))
			}
		}
		for n := range 400 {
			b := make([]byte, n)
			for i := range b {
				b[i] = byte(rng.UintN(256))
			}
			f(string(b))
		}
		f("")
		f("wecom\x00s\x00wm13812345678")
		f("13812345678")
	}
}

// TestHasherUnkeyed: without a key the hashes are those zhiyi kept before keys existed, so an
// upgrade that sets none keeps its conversations.
func TestHasherUnkeyed(t *testing.T) {
	for _, h := range []*Hasher{nil, NewHasher(nil), NewHasher([]byte{})} {
		if h.Keyed() {
			t.Fatal("NewHasher of an empty key is keyed")
		}
		for _, id := range []string{"wecom\x00c\x00chat-1", "13812345678", strings.Repeat("x", 300)} {
			sum := sha256.Sum256([]byte(id))
			if got := h.conv(id); got != keyHash(sum[:16]) || got != hashKey(id) {
				t.Errorf("unkeyed conv(%q) = %x, want SHA-256's first 128 bits %x", id, got, sum[:16])
			}
			if got := h.MsgID(id); got != hex.EncodeToString(sum[:16]) || got != HashMsgID(id) {
				t.Errorf("unkeyed MsgID(%q) = %s, want HashMsgID's %s", id, got, HashMsgID(id))
			}
		}
		if h.MsgID("") != "" {
			t.Error(`unkeyed MsgID("") is not ""`)
		}
		for _, id := range []string{"", "wm-customer", "15900001111", "小王"} {
			f := fnv.New64a()
			f.Write([]byte(id))
			if got, want := h.Sender(id), strconv.FormatUint(f.Sum64(), 36); got != want {
				t.Errorf("unkeyed Sender(%q) = %s, want FNV-1a 64 in base 36 %s, as package reply kept it", id, got, want)
			}
		}
	}
}

// TestHasherKeys: one key hashes alike in two Hashers (two replicas), another key or none
// differently; a conversation key and a msg_id of the same bytes hash apart; sizes stay.
func TestHasherKeys(t *testing.T) {
	a, b, other := NewHasher([]byte("replicas' key")), NewHasher([]byte("replicas' key")), NewHasher([]byte("another key"))
	const id = "13812345678"
	if !a.Keyed() || a.MsgID("") != "" {
		t.Fatalf(`keyed: Keyed %v, MsgID("") %q`, a.Keyed(), a.MsgID(""))
	}
	if a.conv(id) != b.conv(id) || a.MsgID(id) != b.MsgID(id) || a.Sender(id) != b.Sender(id) {
		t.Error("two Hashers of one key disagree")
	}
	if a.conv(id) == other.conv(id) || a.MsgID(id) == other.MsgID(id) || a.Sender(id) == other.Sender(id) {
		t.Error("two keys hash alike")
	}
	if a.conv(id) == hashKey(id) || a.MsgID(id) == HashMsgID(id) || a.Sender(id) == (*Hasher)(nil).Sender(id) {
		t.Error("keyed hashes equal the unkeyed ones")
	}
	c := a.conv(id)
	if m := a.MsgID(id); len(m) != 32 || strings.Trim(m, "0123456789abcdef") != "" || m == hex.EncodeToString(c[:]) {
		t.Errorf("MsgID %q: want 32 hex digits, not the conversation key's hash of the same bytes", m)
	}
}

// TestHasherConcurrent: goroutines sharing a Hasher (its pool) each get their own id's hash.
func TestHasherConcurrent(t *testing.T) {
	key := []byte("shared")
	h := NewHasher(key)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				id := fmt.Sprintf("wm%d-%d-%s", g, i, strings.Repeat("x", i))
				w := want(key, labelMsgID, id)
				if got := h.MsgID(id); got != hex.EncodeToString(w[:16]) {
					t.Errorf("MsgID(%q) under concurrency: %s", id, got)
					return
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkHash measures a conversation key's and a msg_id's hash, unkeyed and keyed: what each
// message pays (docs/benchmarks.md).
func BenchmarkHash(b *testing.B) {
	const key, id = "wecom\x00c\x00wrOgQhDgAAcwMTB7YmDkbeBsgT_KAAAA", "7301234567890123456"
	for _, c := range []struct {
		name string
		h    *Hasher
	}{{"unkeyed", nil}, {"keyed", NewHasher([]byte("bench key, 32 bytes long-ish..."))}} {
		b.Run("conv/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			var sink keyHash
			for b.Loop() {
				sink = c.h.conv(key)
			}
			_ = sink
		})
		b.Run("msgid/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			var sink string
			for b.Loop() {
				sink = c.h.MsgID(id)
			}
			_ = sink
		})
	}
}
