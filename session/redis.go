package session

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/zhiyi-ai/zhiyi/internal/promhist"
)

// Defaults for a zero RedisConfig.
const (
	DefaultPrefix = "zhiyi:conv:"
	// DefaultRedisTimeout bounds each step of a call (dial, write, read, waiting for a pooled
	// connection). Redis on a LAN answers in well under a millisecond; a call that has not
	// in 50 ms would blow the request's budget, so it counts as an outage.
	DefaultRedisTimeout = 50 * time.Millisecond
	// DefaultBackoff is how long the circuit stays open after a failure before one call
	// probes Redis again.
	DefaultBackoff = time.Second
)

// RedisConfig configures the Redis store. Only URL is required; zero fields mean defaults.
type RedisConfig struct {
	// URL is redis://[user:password@]host:port/db or rediss://… (TLS), as go-redis's ParseURL
	// reads it; query options such as ?pool_size=20 or ?read_timeout=100ms are honoured and
	// win over Timeout.
	URL string
	// Prefix starts every key; the rest is 128 bits of the conversation key's hash, in hex.
	// Default DefaultPrefix.
	Prefix string
	// HashKey keys that hash, and those of msg_ids and a group's senders (HMAC-SHA256: see
	// Hasher); empty: unkeyed, which whoever reads Redis can test guessed ids against. Replicas sharing
	// conversations need the same key: with another one (or none) each finds none of the
	// others' conversations, and setting or changing it starts every conversation afresh.
	HashKey []byte
	// TTL is the idle time after which Redis forgets a conversation (SET … PX/EX on every
	// Save). Default DefaultTTL.
	TTL time.Duration
	// Timeout is the dial, read, write and pool-wait timeout. Default DefaultRedisTimeout.
	Timeout time.Duration
	// Backoff is how long the circuit stays open after a failure. Default DefaultBackoff.
	Backoff time.Duration
	// Logger receives one line when Redis goes down and one when it is back; nil means
	// slog.Default(). go-redis's own messages go to the first Redis store's Logger at debug
	// level (go-redis has one process-wide logger).
	Logger *slog.Logger
	// Metrics receives the counters listed in the package doc; nil for none.
	Metrics *metrics.Set
	// Now is the circuit breaker's clock; nil means time.Now. Tests inject one.
	Now func() time.Time
	// Owner names whose conversations the prefix holds (zhiyi serve: the shop of kb.yaml).
	// NewRedis claims the prefix for it — the key Prefix+"owner", kept without expiry — and
	// refuses a prefix another owner claimed: two shops on one Redis and one prefix would read
	// each other's conversations wherever a customer or conversation id is the same in both
	// (a topic, a variant, a repeat, another shop's answer replayed to a retried msg_id).
	// Empty: no claim.
	Owner string
}

// OwnerKey is the key, after the prefix, that names the owner of a prefix's conversations.
const OwnerKey = "owner"

// ErrUnclaimed is a Redis store's answer while it has not made sure its prefix is its Owner's
// (Redis did not answer the claim at start), or after it found another owner's: it keeps no
// conversation meanwhile, so a message is answered without context, never with another shop's.
var ErrUnclaimed = errors.New("session: the redis prefix is not known to be this shop's")

// ErrPrefixTaken is NewRedis's error when the prefix holds another owner's conversations.
var ErrPrefixTaken = errors.New("session: the redis prefix holds another shop's conversations")

// Redis is the Store shared by replicas: one GET per Load, one SET with the TTL per Save, one
// script per LoadHeld and SaveReleased (Holder). A failed call opens a circuit breaker, so
// during an outage Load and Save return ErrUnavailable at once, and one call per Backoff
// probes whether Redis is back.
type Redis struct {
	client *redis.Client
	addr   string
	prefix string
	hasher *Hasher
	ttl    time.Duration
	log    *slog.Logger
	br     breaker
	closed atomic.Bool
	// unclaimed says the prefix is not (yet) known to be the owner's (RedisConfig.Owner): no
	// conversation is loaded or saved meanwhile (claimLater).
	unclaimed atomic.Bool
	// refusing: a save was refused with an error reply (saveRefused) and not one has succeeded
	// since.
	refusing atomic.Bool
	// holdRefused: LoadHeld's script was refused for the user (NOPERM), said once
	holdRefused atomic.Bool
	// orphans: hold key → the tokens of holds of this store's that no caller has (orphan),
	// under orphanMu; orphanN counts them, so that LoadHeld looks only when there are some
	orphanMu sync.Mutex
	orphans  map[string][]any
	orphanN  atomic.Int32
	stop     chan struct{} // closed by Close: ends the prober
	// probes is set when the store keeps real time (RedisConfig.Now unset): then a prober
	// watches for Redis's return; under a test's clock only calls probe.
	probes bool

	downSince atomic.Int64 // unix nanoseconds, for the recovery line

	errs, unavailable [2]*metrics.Counter // by op
	corrupt, outages  *metrics.Counter
	up                *metrics.Gauge
	lat               [nCalls]*promhist.Hist // zhiyi_session_redis_duration_seconds{op}, by call
}

type op int

const (
	opLoad op = iota
	opSave
)

func (o op) String() string { return [...]string{"load", "save"}[o] }

// call is a kind of call to Redis, timed in zhiyi_session_redis_duration_seconds{op}: finer than
// op (load, save), which counts failures.
type call uint8

const (
	callLoad        call = iota // GET of the state (Load)
	callSave                    // SET with the TTL (Save)
	callAcquire                 // the hold script, one per try (LoadHeld)
	callSaveRelease             // the save-and-release script (SaveReleased)
	callRelease                 // the release script (Release)
	callPing                    // GET of the prefix's ping key (NewRedis, the prober while down)
	nCalls
)

var callNames = []string{"load", "save", "acquire", "save_release", "release", "ping"}

// errOpen is what calls get while the circuit is open: made once, as it is returned per
// request throughout an outage.
var errOpen = fmt.Errorf("%w: redis: circuit open after a failure", ErrUnavailable)

var setRedisLogger sync.Once

// misconfigured reports whether Redis's error reply is about the URL's password, user or
// database rather than its state.
func misconfigured(reply string) bool {
	for _, p := range []string{"NOAUTH", "WRONGPASS", "NOPERM", "ERR invalid password", "ERR AUTH", "ERR Client sent AUTH",
		"ERR DB index is out of range", "ERR invalid DB index", "ERR SELECT is not allowed"} {
		if strings.HasPrefix(reply, p) {
			return true
		}
	}
	return false
}

// NewRedis returns a Redis store. It fails only on a bad configuration — a malformed URL, or a
// Redis that refuses the URL's password or database or keeps its user off the prefix's keys, at
// the first call: when Redis cannot be reached or answers that it is busy it logs the outage and
// returns a store that answers ErrUnavailable until Redis is back. It sends one GET of a key of
// the prefix (ping), bounded by ctx and the timeouts.
func NewRedis(ctx context.Context, cfg RedisConfig) (*Redis, error) {
	if cfg.URL == "" {
		return nil, errors.New("session: redis URL is empty")
	}
	if !strings.Contains(cfg.URL, "://") {
		// host:port alone: url.Parse's "first path segment cannot contain colon" says nothing
		return nil, errors.New("session: the redis URL has no scheme: write redis://host:port/db (rediss:// for TLS)")
	}
	if _, err := url.Parse(cfg.URL); err != nil {
		// url.Error repeats the URL, password included: keep only the reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("session: cannot parse the redis URL: %w", err)
	}
	opt, err := redis.ParseURL(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("session: bad redis URL: %w", err)
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultRedisTimeout
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	probes := cfg.Now == nil
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.NewSet() // private: counted, never exposed
	}
	configure(opt, cfg.Timeout)
	setRedisLogger.Do(func() { redis.SetLogger(redisLogger{cfg.Logger}) })

	set := cfg.Metrics
	r := &Redis{
		client:  redis.NewClient(opt),
		addr:    opt.Addr,
		prefix:  cfg.Prefix,
		hasher:  NewHasher(cfg.HashKey),
		ttl:     cfg.TTL,
		log:     cfg.Logger,
		br:      breaker{backoff: cfg.Backoff, now: cfg.Now},
		corrupt: set.GetOrCreateCounter(`zhiyi_session_corrupt_total`),
		outages: set.GetOrCreateCounter(`zhiyi_session_redis_outages_total`),
		up:      set.GetOrCreateGauge(`zhiyi_session_redis_up`, nil),
		stop:    make(chan struct{}),
		probes:  probes,
	}
	for _, o := range []op{opLoad, opSave} {
		r.errs[o] = set.GetOrCreateCounter(`zhiyi_session_errors_total{op="` + o.String() + `"}`)
		r.unavailable[o] = set.GetOrCreateCounter(`zhiyi_session_unavailable_total{op="` + o.String() + `"}`)
	}
	lat := promhist.Durations(set, "zhiyi_session_redis_duration_seconds", "Duration of the session store's Redis calls, failed ones included, by op.", "op", callNames)
	for c := range nCalls {
		r.lat[c] = lat.At(int(c))
	}
	r.up.Set(1)
	if err := r.ping(ctx); err != nil {
		// A Redis that refuses the URL's password or database, or keeps its user off the
		// prefix's keys, is misconfigured, not down: it would never give context nor catch a
		// retry. Other replies (LOADING after a restart, BUSY, too many clients) pass, as an
		// outage does.
		var reply redis.Error
		if errors.As(err, &reply) && misconfigured(reply.Error()) {
			_ = r.client.Close()
			return nil, fmt.Errorf("session: redis at %s refuses zhiyi: %s (check the password and the database number in the URL, and that the user's ACL lets it read and write keys of the prefix %q)", opt.Addr, reply.Error(), r.prefix)
		}
		r.fail(ctx, opLoad, false, false, err) // the start's ping waited its timeout: down now
		if cfg.Owner != "" {
			r.unclaimed.Store(true) // before any message: the claim is checked once Redis answers
			go r.claimLater(cfg.Owner, cfg.Timeout)
		}
		return r, nil
	}
	if cfg.Owner != "" {
		if err := r.claim(ctx, cfg.Owner, cfg.Timeout); err != nil {
			_ = r.client.Close()
			return nil, err
		}
	}
	return r, nil
}

// claim makes owner the prefix's owner unless another is (SET NX, then GET). A Redis that does
// not answer leaves it to claimLater (the store is down meanwhile, as any outage).
func (r *Redis) claim(ctx context.Context, owner string, timeout time.Duration) error {
	err, transient := r.claimOnce(ctx, owner, timeout)
	if transient {
		r.log.Warn("session: could not check which shop the redis prefix holds; checked again in the background", slog.String("prefix", r.prefix), slog.String("error", err.Error()))
		r.unclaimed.Store(true)
		go r.claimLater(owner, timeout)
		return nil
	}
	return err
}

// claimOnce tries the claim once; transient says Redis did not answer (err is then no verdict).
func (r *Redis) claimOnce(ctx context.Context, owner string, timeout time.Duration) (err error, transient bool) {
	key := r.prefix + OwnerKey
	cctx, cancel := context.WithTimeout(ctx, 4*timeout)
	defer cancel()
	// SET … NX, not SETNX: the ACL the docs ask for allows SET
	err = r.client.SetArgs(cctx, key, owner, redis.SetArgs{Mode: "NX"}).Err()
	if err == nil {
		return nil, false
	}
	var have string
	if err == redis.Nil { // there was an owner already
		have, err = r.client.Get(cctx, key).Result()
	}
	if err != nil {
		var reply redis.Error
		if errors.As(err, &reply) && (misconfigured(reply.Error()) || strings.HasPrefix(reply.Error(), "WRONGTYPE")) {
			return fmt.Errorf("session: redis at %s: claiming the prefix %q for %q: %w", r.addr, r.prefix, owner, err), false
		}
		return err, true
	}
	if have != owner {
		return fmt.Errorf("%w: redis at %s, prefix %q, holds the conversations of %q and this is %q: give each shop a --redis-prefix of its own (or a database of its own, redis://…/1); if the shop was renamed, delete the key %q (redis-cli DEL)",
			ErrPrefixTaken, r.addr, r.prefix, have, owner, key), false
	}
	return nil, false
}

// claimLater claims the prefix once Redis answers, for a store that started while it did not.
// Until then, and for good when another shop holds the prefix, the store keeps no conversation
// (Load and Save answer ErrUnclaimed: messages are answered without context, never with
// another shop's), and the refusal is logged at error: it needs a person.
func (r *Redis) claimLater(owner string, timeout time.Duration) {
	t := time.NewTicker(r.br.backoff)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
		}
		err, transient := r.claimOnce(context.Background(), owner, timeout)
		if transient {
			continue
		}
		if err != nil {
			r.log.Error("session: keeping no conversation in redis", slog.String("error", err.Error()))
			return // unclaimed for good: until a restart on a prefix of its own
		}
		r.unclaimed.Store(false)
		return
	}
}

// configure fills what the URL left unset: tight timeouts, and no retries, since the circuit
// breaker, not a second attempt, is what handles a failing Redis.
func configure(opt *redis.Options, timeout time.Duration) {
	for _, d := range []*time.Duration{&opt.DialTimeout, &opt.ReadTimeout, &opt.WriteTimeout, &opt.PoolTimeout} {
		if *d == 0 {
			*d = timeout
		}
	}
	if opt.MaxRetries == 0 {
		opt.MaxRetries = -1 // go-redis reads 0 as 3 retries; each would add up to Timeout
	}
	// go-redis dials five times, 100 ms apart, by default: half a second per call to a down
	// Redis. One attempt; the pool already discards connections Redis closed before using them.
	opt.DialerRetries = 1
	// The request's deadline bounds the call too.
	opt.ContextTimeoutEnabled = true
	// Nothing to negotiate per connection: no CLIENT SETINFO (Redis before 7.2 refuses it) and
	// no cluster maintenance notifications.
	opt.DisableIdentity = true
	opt.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
}

// Load implements Store with one GET.
func (r *Redis) Load(ctx context.Context, key string) (State, error) {
	if err := r.check(ctx, key); err != nil {
		return State{}, err
	}
	ok, probe := r.br.allow()
	if !ok {
		r.unavailable[opLoad].Inc()
		return State{}, errOpen
	}
	rk := r.key(key)
	start := time.Now()
	val, err := r.client.Get(ctx, rk).Result()
	r.lat[callLoad].Since(start)
	if err == redis.Nil {
		r.succeeded(probe)
		return State{}, nil
	}
	if err != nil {
		var reply redis.Error
		if errors.As(err, &reply) && strings.HasPrefix(reply.Error(), "WRONGTYPE") {
			// A key of another kind under the prefix (a hash someone left there): this
			// conversation's state is corrupt, Redis is fine. As an outage it cut every
			// conversation's context whenever this one spoke, and its Save, which overwrites
			// any kind of key, never came.
			r.succeeded(probe)
			r.corrupt.Inc()
			return State{}, fmt.Errorf("%w: redis load: %w", ErrCorrupt, err)
		}
		return State{}, r.failed(ctx, opLoad, probe, err)
	}
	r.succeeded(probe)
	var st State
	if err := st.decode(val); err != nil {
		r.corrupt.Inc()
		return State{}, fmt.Errorf("session: redis load: %w", err)
	}
	return st, nil
}

// Save implements Store with one SET carrying the TTL.
func (r *Redis) Save(ctx context.Context, key string, st State) error {
	return r.save(ctx, key, st, callSave, func(rk string, val []byte) error {
		return r.client.Set(ctx, rk, val, r.ttl).Err()
	})
}

// save encodes st and stores it under key's Redis key with set (a SET, or a script that also
// releases a hold: c), through the breaker.
func (r *Redis) save(ctx context.Context, key string, st State, c call, set func(rk string, val []byte) error) error {
	if err := r.check(ctx, key); err != nil {
		return err
	}
	ok, probe := r.br.allow()
	if !ok {
		r.unavailable[opSave].Inc()
		return errOpen
	}
	val, _ := st.AppendBinary(nil)
	rk := r.key(key)
	start := time.Now()
	err := set(rk, val)
	r.lat[c].Since(start)
	if err != nil {
		var reply redis.Error
		if errors.As(err, &reply) {
			return r.saveRefused(probe, reply)
		}
		return r.failed(ctx, opSave, probe, err)
	}
	r.succeeded(probe)
	if r.refusing.Swap(false) {
		r.log.Info("session: redis takes conversation state again", "addr", r.addr)
	}
	return nil
}

// saveRefused is a SET that Redis answered with an error: full under maxmemory-policy
// noeviction (OOM), a read-only replica after a failover (READONLY), a failed snapshot
// (MISCONF). Redis answered, and reads still work: it is no outage. Opening the circuit cut
// every conversation's context and every retry's replay for as long, and flapped it
// down and back once per Backoff. The save alone fails, counted, and logged once until a save
// succeeds.
func (r *Redis) saveRefused(probe bool, reply redis.Error) error {
	r.succeeded(probe)
	r.errs[opSave].Inc()
	if !r.refusing.Swap(true) {
		r.log.Warn("session: redis refuses to store conversation state; conversations go on with what it holds",
			"addr", r.addr, "error", reply.Error())
	}
	return fmt.Errorf("%w: redis: %w", ErrSaveRefused, reply)
}

// Close implements Store: it closes the connection pool.
func (r *Redis) Close() error {
	if r.closed.Swap(true) {
		return nil
	}
	close(r.stop)
	return r.client.Close()
}

// probeWhileDown pings Redis once a backoff while the circuit is open, so that an idle replica
// also sees it come back (zhiyi_session_redis_up, the recovery line) rather than at its next
// message. It ends when Redis answers or the store closes.
func (r *Redis) probeWhileDown() {
	t := time.NewTicker(r.br.backoff)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
		}
		if r.br.up() {
			return // a message's call found it back first
		}
		ok, probe := r.br.allow()
		if !ok || !probe {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), r.br.backoff)
		err := r.ping(ctx)
		cancel()
		if err != nil {
			r.br.failure(true, false) // still down: no line, no count, as a message's probe
			continue
		}
		r.succeeded(true)
		return
	}
}

// ping asks Redis for a key of the prefix: a PING passes for a user whose ACL keeps it off the
// prefix's keys (NOPERM on every GET), so the prober called Redis back once a backoff, and a
// start with such a user went unnoticed.
func (r *Redis) ping(ctx context.Context) error {
	start := time.Now()
	err := r.client.Get(ctx, r.prefix+"ping").Err()
	r.lat[callPing].Since(start)
	var reply redis.Error
	if err == redis.Nil || errors.As(err, &reply) && strings.HasPrefix(reply.Error(), "WRONGTYPE") {
		return nil // answered, and the key was the user's to read (whatever someone left there)
	}
	return err
}

func (r *Redis) check(ctx context.Context, key string) error {
	if r.closed.Load() {
		return ErrClosed
	}
	if key == "" {
		return ErrNoKey
	}
	if r.unclaimed.Load() {
		return ErrUnclaimed
	}
	return ctx.Err()
}

// Hasher returns the Hasher the store keys conversations with, and reply hashes msg_ids with
// (nil: unkeyed).
func (r *Redis) Hasher() *Hasher { return r.hasher }

// key is the Redis key of a conversation key: Prefix and 32 hex digits.
func (r *Redis) key(key string) string {
	h := r.hasher.conv(key)
	b := make([]byte, 0, len(r.prefix)+2*len(h))
	b = append(b, r.prefix...)
	return string(hex.AppendEncode(b, h[:]))
}

func (r *Redis) succeeded(probe bool) {
	if r.br.success(probe) {
		r.up.Set(1)
		down := time.Duration(r.br.now().UnixNano() - r.downSince.Load())
		r.log.Info("session: redis is back; conversation context resumes",
			"addr", r.addr, "down_for", down.Round(time.Millisecond).String())
	}
}

// failed records a failed call and returns its error. A caller that gave up (context
// canceled) says nothing about Redis; a refused connection or an error reply opens the
// circuit, and so do timeouts — the request's deadline included — a few in a row (openAfter).
func (r *Redis) failed(ctx context.Context, o op, probe bool, err error) error {
	return r.fail(ctx, o, probe, isTimeout(err), err)
}

// fail is failed with the breaker told whether err was slow (a timeout: an outage only as one
// of several in a row).
func (r *Redis) fail(ctx context.Context, o op, probe, slow bool, err error) error {
	if errors.Is(err, redis.ErrClosed) {
		r.br.release(probe)
		return ErrClosed
	}
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		r.br.release(probe)
		return fmt.Errorf("session: redis %s: %w", o, err)
	}
	r.errs[o].Inc()
	if r.br.failure(probe, slow) {
		r.up.Set(0)
		r.outages.Inc()
		r.downSince.Store(r.br.now().UnixNano())
		r.log.Warn("session: redis is down; answering without conversation context until it is back",
			"addr", r.addr, "op", o.String(), "error", err.Error(), "probe_every", r.br.backoff.String())
		if r.probes {
			go r.probeWhileDown()
		}
	}
	return fmt.Errorf("%w: redis %s: %w", ErrUnavailable, o, err)
}

// isTimeout reports whether err is a call that ran out of time (the store's timeout or the
// request's deadline, a read past it, every pooled connection busy past PoolTimeout): one of
// those on a busy host is no outage yet.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, redis.ErrPoolTimeout) || errors.As(err, &ne) && ne.Timeout()
}

// redisLogger sends go-redis's messages (a failed dial, say) to slog at debug level: the
// store's own lines already say when Redis is down and back.
type redisLogger struct{ l *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	if l.l.Enabled(ctx, slog.LevelDebug) {
		l.l.DebugContext(ctx, "session: go-redis: "+fmt.Sprintf(format, v...))
	}
}
