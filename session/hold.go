package session

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Holder is a Store shared by processes that can hold a conversation from a load to its save,
// so that two replicas deciding messages of one conversation at the same moment take turns:
// the second waits for the first's save and is decided with its turn, instead of both pushing a
// turn onto the same old state and one being lost. Redis is one. Memory, one process's, needs
// only package reply's locks.
type Holder interface {
	Store
	// LoadHeld waits until no other process holds key, holds it for at most lease (a process
	// that dies holding it holds it no longer), and loads its state, as Load. When ctx ends
	// while another process still holds key it returns ErrHeld. A store that can load but not
	// hold (Redis refusing writes) loads without a hold: the zero Hold.
	LoadHeld(ctx context.Context, key string, lease time.Duration) (State, Hold, error)
	// SaveReleased saves st under key, as Save, and releases h (when it is still held by it).
	SaveReleased(ctx context.Context, key string, st State, h Hold) error
	// Release releases h without saving: a decision not sent, a retry's replay.
	Release(ctx context.Context, key string, h Hold)
}

// Hold is a conversation held by LoadHeld; the zero Hold holds nothing.
type Hold struct {
	token string
	lease time.Duration
}

// Held reports whether h holds a conversation.
func (h Hold) Held() bool { return h.token != "" }

// ErrHeld is LoadHeld's error when another process held the conversation until ctx ended.
var ErrHeld = errors.New("session: conversation held by another process")

// holdSuffix names a conversation's hold beside its state: Prefix, 32 hex digits, ":held".
const holdSuffix = ":held"

// The scripts take the hold key's value as a token only this process and hold know.
var (
	// acquire: set the hold if none (or take it over when it is one of ARGV[3…], holds of
	// this store's that no caller has: see orphan), and read the state in the same step.
	acquireScript = redis.NewScript(`
if not redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
	local h, mine = redis.call('GET', KEYS[2]), false
	for i = 3, #ARGV do mine = mine or h == ARGV[i] end
	if not mine then return {0} end
	redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
end
local v = redis.pcall('GET', KEYS[1])
if type(v) == 'table' and v.err then return {1, false, v.err} end
return {1, v}`)
	// saveRelease: release first (DEL is allowed when Redis is full), then save.
	saveReleaseScript = redis.NewScript(`
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
return redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])`)
	releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[2]) == ARGV[1] then return redis.call('DEL', KEYS[2]) end
return 0`)
)

// holdTokens makes tokens: a random process id and a counter.
var holdTokens = func() func() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:]) + "-"
	var n atomic.Uint64
	return func() string { return id + strconv.FormatUint(n.Add(1), 36) }
}()

// holdPoll bounds the wait between two tries for a held conversation: its holder saves within
// a millisecond or so of its load.
const holdPoll = 8 * time.Millisecond

var _ Holder = (*Redis)(nil)

// LoadHeld implements Holder with one script a try (SET NX PX of the hold, GET of the state).
func (r *Redis) LoadHeld(ctx context.Context, key string, lease time.Duration) (State, Hold, error) {
	if err := r.check(ctx, key); err != nil {
		return State{}, Hold{}, err
	}
	rk := r.key(key)
	keys := []string{rk, rk + holdSuffix}
	token := holdTokens()
	ms := strconv.FormatInt(max(lease.Milliseconds(), 1), 10)
	wait, held := time.Millisecond, false
	args := append([]any{token, ms}, r.orphaned(keys[1])...)
	for {
		ok, probe := r.br.allow()
		if !ok {
			r.unavailable[opLoad].Inc()
			return State{}, Hold{}, errOpen
		}
		start := time.Now()
		res, err := acquireScript.Run(ctx, r.client, keys, args...).Slice()
		r.lat[callAcquire].Since(start)
		if err != nil {
			var reply redis.Error
			if errors.As(err, &reply) && !strings.HasPrefix(reply.Error(), "NOSCRIPT") {
				// Redis answered but would not take the hold (full under noeviction, a
				// read-only replica, a user not allowed scripts): load as Load does, without one.
				// Load, not this reply, says whether Redis is up (LOADING after a restart is an
				// outage): it takes over the probe.
				r.br.release(probe)
				if misconfigured(reply.Error()) && !r.holdRefused.Swap(true) {
					r.log.Warn("session: redis refuses zhiyi the hold script: two replicas deciding one conversation at once may lose a turn of it (the user's ACL needs EVALSHA and EVAL)",
						"addr", r.addr, "error", reply.Error())
				}
				st, lerr := r.Load(ctx, key)
				return st, Hold{}, lerr
			}
			r.orphan(keys[1], token, lease) // Redis may run the script yet
			if held && waitEnded(ctx) {
				// the wait for the other holder ran out during a try (go-redis says so as the
				// connection's i/o timeout, the deadline it took from ctx): no word on Redis
				r.br.release(probe)
				return State{}, Hold{}, fmt.Errorf("%w: %w", ErrHeld, err)
			}
			return State{}, Hold{}, r.failed(ctx, opLoad, probe, err)
		}
		r.succeeded(probe)
		if n, _ := res[0].(int64); n == 1 {
			h := Hold{token, lease}
			if len(res) > 2 {
				// a key of another kind under the prefix: this conversation's state is corrupt
				r.corrupt.Inc()
				return State{}, h, fmt.Errorf("%w: redis load: %v", ErrCorrupt, res[2])
			}
			var val string
			if len(res) > 1 {
				val, _ = res[1].(string)
			}
			if val == "" {
				return State{}, h, nil // no state yet
			}
			var st State
			if err := st.decode(val); err != nil {
				r.corrupt.Inc()
				return State{}, h, fmt.Errorf("session: redis load: %w", err)
			}
			return st, h, nil
		}
		// held by another process: try again shortly, until ctx ends
		held = true
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return State{}, Hold{}, fmt.Errorf("%w: %w", ErrHeld, ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, holdPoll)
	}
}

// waitEnded reports whether ctx has ended or reached its deadline: a connection's deadline
// taken from ctx can fire before ctx's own timer has marked it done.
func waitEnded(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	dl, ok := ctx.Deadline()
	return ok && !time.Now().Before(dl)
}

// SaveReleased implements Holder with one script: the hold released if still h's, the state
// set with the TTL. Without a hold it is Save.
func (r *Redis) SaveReleased(ctx context.Context, key string, st State, h Hold) error {
	if !h.Held() {
		return r.Save(ctx, key, st)
	}
	err := r.save(ctx, key, st, callSaveRelease, func(rk string, val []byte) error {
		return saveReleaseScript.Run(ctx, r.client, []string{rk, rk + holdSuffix}, h.token, val,
			strconv.FormatInt(max(r.ttl.Milliseconds(), 1), 10)).Err()
	})
	if err != nil && !errors.Is(err, ErrSaveRefused) {
		// not sent, or not answered: the hold may still be in Redis (an answer, even a
		// refusal, comes after the script released it)
		r.orphan(r.key(key)+holdSuffix, h.token, h.lease)
	}
	return err
}

// Release implements Holder. A release that fails is left to the hold's lease, or to this
// store's next LoadHeld of the conversation (orphan).
func (r *Redis) Release(ctx context.Context, key string, h Hold) {
	if !h.Held() {
		return
	}
	rk := r.key(key)
	if r.check(ctx, key) != nil {
		r.orphan(rk+holdSuffix, h.token, h.lease)
		return
	}
	ok, probe := r.br.allow()
	if !ok {
		r.orphan(rk+holdSuffix, h.token, h.lease)
		return
	}
	start := time.Now()
	err := releaseScript.Run(ctx, r.client, []string{rk, rk + holdSuffix}, h.token).Err()
	r.lat[callRelease].Since(start)
	if err != nil {
		var reply redis.Error
		if !errors.As(err, &reply) {
			r.orphan(rk+holdSuffix, h.token, h.lease)
			r.failed(ctx, opSave, probe, err)
			return
		}
	}
	r.succeeded(probe)
}

// orphan remembers, until its lease ends, a hold this store may have left in Redis with no
// caller to release it: a LoadHeld whose answer never came (a stalled Redis runs the script
// when it wakes, after the call gave up), a SaveReleased or Release not sent or not answered.
// The conversation's next LoadHeld on this store takes it over. Without, each of its messages
// meanwhile waited for it as for another replica's, then was decided without context and not
// kept: one read timeout cost a conversation the lease.
// Each of a conversation's messages that timed out may have left one (whichever Redis ran
// first holds), so all are kept.
func (r *Redis) orphan(holdKey, token string, lease time.Duration) {
	r.orphanMu.Lock()
	if r.orphans == nil {
		r.orphans = map[string][]any{}
	}
	r.orphans[holdKey] = append(r.orphans[holdKey], token)
	r.orphanN.Add(1)
	r.orphanMu.Unlock()
	time.AfterFunc(lease, func() {
		r.orphanMu.Lock()
		defer r.orphanMu.Unlock()
		ts := slices.DeleteFunc(r.orphans[holdKey], func(t any) bool { return t == token })
		if len(ts) == 0 {
			delete(r.orphans, holdKey)
		} else {
			r.orphans[holdKey] = ts
		}
		r.orphanN.Add(-1)
	})
}

// orphaned returns the tokens of holdKey's orphans, for the acquire script.
func (r *Redis) orphaned(holdKey string) []any {
	if r.orphanN.Load() == 0 {
		return nil // the common case: no lock taken
	}
	r.orphanMu.Lock()
	defer r.orphanMu.Unlock()
	return slices.Clone(r.orphans[holdKey])
}
