package session

import (
	"context"
	"crypto/sha256"
	"errors"
)

// Store keeps each conversation's State under a key (reply derives it: channel + chat_id,
// else sender_id, with open_kfid when there is one). Memory and Redis implement it.
//
// Implementations are safe for concurrent use by any number of goroutines. Load returns a
// fresh copy that the caller owns and may change; Save encodes st before it returns and keeps
// no reference to it. Load and Save are separate calls, not a transaction: when two replicas
// handle two messages of one conversation at the same moment, the later Save wins. A store
// shared by processes (Redis) is also a Holder, which holds a conversation between the two.
type Store interface {
	// Load returns the key's state, or the zero State and a nil error when there is none (never
	// saved, or idle past the TTL). Errors: ErrNoKey, ErrUnavailable (Redis), ErrCorrupt,
	// ErrClosed, or the context's error when ctx ended first.
	Load(ctx context.Context, key string) (State, error)
	// Save stores st under key and restarts the key's idle TTL. Errors: ErrNoKey,
	// ErrUnavailable (Redis), ErrClosed, or the context's error.
	Save(ctx context.Context, key string, st State) error
	// Close releases the store; later calls return ErrClosed. Close is idempotent.
	Close() error
}

var (
	// ErrNoKey is returned by Load and Save for an empty key: a message with neither chat_id
	// nor sender_id has no conversation to remember.
	ErrNoKey = errors.New("session: empty conversation key")

	// ErrUnavailable is returned (wrapped, with the cause when there is one) by the Redis
	// store's Load and Save when Redis did not answer in time, refused the command or could
	// not be reached, and at once, without a round trip, while the circuit is open after such
	// a failure. The caller answers without context; the store recovers by itself.
	ErrUnavailable = errors.New("session: store unavailable")

	// ErrCorrupt is returned (wrapped) by Load and State.UnmarshalBinary when stored bytes do
	// not decode as a State. The caller treats the conversation as new; the next Save
	// overwrites the bad value.
	ErrCorrupt = errors.New("session: corrupt state")

	// ErrClosed is returned by Load and Save after Close.
	ErrClosed = errors.New("session: store closed")
	// ErrSaveRefused is a Save the store answered but refused (Redis full under noeviction, a
	// read-only replica): the store is up, and what it holds can still be loaded.
	ErrSaveRefused = errors.New("session: save refused")
)

// keyHash is what a store keeps instead of the key: its SHA-256, or its HMAC under a key
// (Hasher.conv), cut to 128 bits. Keys hold chat and sender ids, which zhiyi hashes before
// storing; the fixed size also keeps the memory store's index free of pointers.
type keyHash [16]byte

// hashKey is the unkeyed keyHash.
func hashKey(key string) keyHash {
	var buf [128]byte // keys are short: hashed without a heap copy
	sum := sha256.Sum256(append(buf[:0], key...))
	return keyHash(sum[:16])
}
