package store

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// hashLen is the length of a stored hash in hex characters: HMAC-SHA256 truncated to 128 bits,
// which keeps collisions out of reach (2^64 ids for an even chance) at half the bytes.
const hashLen = 32

// hasher computes keyed hashes of sender and conversation ids. It is read-only after Open.
type hasher struct{ key []byte }

// Hash returns hex(HMAC-SHA256(key, id))[:32], or "" for an empty id.
func (h *hasher) Hash(id string) string {
	if id == "" {
		return ""
	}
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte(id))
	var sum [sha256.Size]byte
	return hex.EncodeToString(m.Sum(sum[:0])[:hashLen/2])
}

// ensureHash returns v when it already looks like a hash (32 lower-case hex characters) and
// hashes it otherwise, so that a raw id passed by mistake never reaches a row.
func ensureHash(hash func(string) string, v string) string {
	if v == "" || isHash(v) {
		return v
	}
	return hash(v)
}

func isHash(v string) bool {
	if len(v) != hashLen {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// LabelKey is the key of a label for a message without a msg_id: "text:" and the first 128 bits
// of the SHA-256 of its masked text in hex. It needs no key, so offline tools compute the same.
func LabelKey(text string) string {
	sum := sha256.Sum256([]byte(MaskText(text)))
	return "text:" + hex.EncodeToString(sum[:hashLen/2])
}
