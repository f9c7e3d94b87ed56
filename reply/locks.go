package reply

import (
	"context"
	"sync"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/fnv64"
)

// ConversationLocks serialise a conversation's messages from Decide's load to Commit's save: two
// messages of one conversation decided at once would each push their turn onto the same old
// state, and one would be lost; the same msg_id sent twice at once would be decided twice. Each
// conversation has a lock of its own, so a slow send in one (a gateway calling WeCom between
// Decide and Commit) never holds up another, and waiting for one honours the context. The zero
// value is ready to use.
type ConversationLocks struct {
	// MaxWait bounds the wait for a conversation another message holds, whatever the context
	// (zero: the context alone). A server whose requests carry no deadline (zhiyi serve
	// decides under context.Background) sets it, so that a busy conversation — a group chat's
	// many senders share one — falls back to deciding alone instead of queueing without bound.
	// Set it before the locks are used.
	MaxWait time.Duration

	shards [lockShards]lockShard
}

// lockShards spreads the conversations' table over several mutexes: the table's mutex is held
// for a map operation, never while a conversation is held.
const lockShards = 64

type lockShard struct {
	mu sync.Mutex
	m  map[string]*convLock
}

// convLock is one conversation's lock: a token in held means it is held. It stays in its
// shard's table while anyone holds it or waits for it.
type convLock struct {
	held chan struct{}
	refs int // holders and waiters, under the shard's mutex
}

// lock waits for key's conversation until ctx is done or MaxWait has passed; false means it
// was not acquired.
func (l *ConversationLocks) lock(ctx context.Context, key string) (*convLock, bool) {
	sh := &l.shards[fnv64.String(key)%lockShards]
	sh.mu.Lock()
	c := sh.m[key]
	if c == nil {
		if sh.m == nil {
			sh.m = map[string]*convLock{}
		}
		c = convLockPool.Get().(*convLock)
		sh.m[key] = c
	}
	c.refs++
	sh.mu.Unlock()
	select {
	case c.held <- struct{}{}:
		return c, true
	default:
	}
	var expired <-chan time.Time // nil: never
	if l.MaxWait > 0 {
		// only on this slow path: an idle conversation, the common case, costs no timer
		t := time.NewTimer(l.MaxWait)
		defer t.Stop()
		expired = t.C
	}
	select {
	case c.held <- struct{}{}:
		return c, true
	case <-ctx.Done():
	case <-expired:
	}
	l.drop(sh, key, c)
	return nil, false
}

// unlock releases key's conversation, held through c.
func (l *ConversationLocks) unlock(key string, c *convLock) {
	<-c.held
	l.drop(&l.shards[fnv64.String(key)%lockShards], key, c)
}

// drop forgets one holder or waiter of c, and c itself when it was the last.
func (l *ConversationLocks) drop(sh *lockShard, key string, c *convLock) {
	sh.mu.Lock()
	if c.refs--; c.refs == 0 {
		delete(sh.m, key)
		convLockPool.Put(c) // nobody holds or waits for it: every use counts in refs first
	}
	sh.mu.Unlock()
}

// convLockPool keeps the locks of conversations no message is deciding: most decisions find
// their conversation idle, and would otherwise allocate a lock and its channel each time.
var convLockPool = sync.Pool{New: func() any { return &convLock{held: make(chan struct{}, 1)} }}
