package session

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"strconv"
	"sync"

	"github.com/zhiyi-ai/zhiyi/internal/fnv64"
)

// Hasher is what a store keeps of the ids a conversation's state names: the conversation key
// (which holds the gateway's chat and sender ids), each turn's msg_id and the senders of a
// group conversation. Unkeyed (the nil *Hasher, or NewHasher(nil)) it is SHA-256, as before
// keys existed: an id that is a phone number can be found again by hashing every number (about
// 1.4e9 of them: seconds on a GPU).
// Keyed it is HMAC-SHA256 under a key derived from the operator's (zhiyi serve --hash-key), so
// whoever reads Redis without the key cannot test guessed ids. The output sizes are the same
// either way: 128 bits for a conversation key, 32 hex digits for a msg_id, 64 bits in base 36
// for a sender.
//
// A Hasher is safe for concurrent use, and hashing allocates nothing beyond MsgID's and
// Sender's strings.
type Hasher struct {
	// macs holds HMACs under the derived key, reused after Reset: crypto/hmac keeps the
	// states after the key's padded blocks once it has been reset, so a short id costs two
	// SHA-256 blocks (inner and outer) and no allocation. Unused (nil New) when unkeyed.
	macs sync.Pool // *mac
}

// mac is one pooled HMAC with room for an id, so that writing it needs no heap copy (a
// []byte(id) given to the hash.Hash interface escapes).
type mac struct {
	h   hash.Hash
	buf [128]byte
	sum [sha256.Size]byte
}

// hashDomain is what NewHasher keys its HMAC key with: the session's hashes of an id differ
// from the decision log's (package store hashes sender and chat ids with the same --hash-key,
// unlabelled), so Redis and a copy of the log cannot be joined on them.
const hashDomain = "zhiyi/session/ids/v1"

// Labels, the first byte of what is hashed: one id hashes differently as a conversation key,
// a msg_id and a sender.
const (
	labelConv   = 'c'
	labelMsgID  = 'm'
	labelSender = 's'
)

// NewHasher returns a Hasher keyed with key, or the unkeyed one (nil) when key is empty. The
// key is not kept: the HMAC is keyed with HMAC-SHA256(key, hashDomain), 32 bytes whatever the
// key's length.
func NewHasher(key []byte) *Hasher {
	if len(key) == 0 {
		return nil
	}
	d := hmac.New(sha256.New, key)
	d.Write([]byte(hashDomain))
	derived := d.Sum(nil)
	h := &Hasher{}
	h.macs.New = func() any { return &mac{h: hmac.New(sha256.New, derived)} }
	return h
}

// Keyed reports whether h hashes with a key.
func (h *Hasher) Keyed() bool { return h != nil }

// sum returns HMAC-SHA256(derived key, label ‖ s) into out.
func (h *Hasher) sum(label byte, s string, out *[sha256.Size]byte) {
	m := h.macs.Get().(*mac)
	m.h.Reset()
	m.buf[0] = label
	n := copy(m.buf[1:], s)
	m.h.Write(m.buf[:1+n])
	for s = s[n:]; len(s) > 0; s = s[n:] {
		n = copy(m.buf[:], s)
		m.h.Write(m.buf[:n])
	}
	m.h.Sum(m.sum[:0])
	*out = m.sum
	h.macs.Put(m)
}

// conv is what a store keeps instead of a conversation key: 128 bits of its SHA-256, or of its
// keyed HMAC.
func (h *Hasher) conv(key string) keyHash {
	if h == nil {
		return hashKey(key)
	}
	var sum [sha256.Size]byte
	h.sum(labelConv, key, &sum)
	return keyHash(sum[:16])
}

// MsgID is what a Turn keeps of a gateway's message id: 128 bits of its keyed HMAC in hex, or
// HashMsgID(id) when h is unkeyed; "" for "". Package reply hashes with its store's Hasher
// (HasherOf), so that a retry finds the turn whatever replica kept it under the same key.
func (h *Hasher) MsgID(id string) string {
	if h == nil {
		return HashMsgID(id)
	}
	if id == "" {
		return ""
	}
	var sum [sha256.Size]byte
	h.sum(labelMsgID, id, &sum)
	return hex.EncodeToString(sum[:16])
}

// Sender is what a state keeps of a customer's sender_id (package reply's Turn.Sender and the
// keys of State.Experiments): 64 bits in base 36, of the id's keyed HMAC, or its FNV-1a 64 when
// h is unkeyed, as earlier builds kept it. 64 bits tell apart the customers of a conversation;
// unkeyed they are no secret at all.
func (h *Hasher) Sender(id string) string {
	if h == nil {
		return strconv.FormatUint(fnv64.String(id), 36)
	}
	var sum [sha256.Size]byte
	h.sum(labelSender, id, &sum)
	return strconv.FormatUint(binary.BigEndian.Uint64(sum[:8]), 36)
}

// HasherOf returns the Hasher s keeps ids with (Memory's and Redis's, from their configs'
// HashKey), or nil, the unkeyed one, for a store that has none.
func HasherOf(s Store) *Hasher {
	if hs, ok := s.(interface{ Hasher() *Hasher }); ok {
		return hs.Hasher()
	}
	return nil
}
