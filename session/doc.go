// Package session is conversation state: what zhiyi remembers of a conversation between its
// messages (the last few customer turns and what was decided for them, the active intent,
// consecutive fallbacks and repeats, experiment assignments), behind one small interface with
// two stores — in-process (the default) and Redis (shared by replicas).
//
// # API
//
//	var store session.Store = session.NewMemory(session.MemoryConfig{})    // one replica
//	store, err := session.NewRedis(ctx, session.RedisConfig{URL: "redis://host:6379/0"}) // several
//
//	st, err := store.Load(ctx, key)        // zero State, nil error when there is none
//	if t := st.FindTurn(msgID); t != nil { // a re-sent callback: answer t.Response again }
//	st.Push(session.Turn{…}, maxTurns)     // keeps the newest maxTurns, counts TurnCount
//	err = store.Save(ctx, key, st)         // restarts the idle TTL
//
// The key is the caller's (reply derives it: channel + chat_id, else sender_id and open_kfid); the stores
// keep only 128 bits of its hash (see Hash key), so no chat or sender id reaches Redis or a
// long-lived map.
// Load returns a copy the caller owns; Save keeps nothing of its argument. Every error means
// "answer without context": ErrUnavailable (Redis down, slow, or its circuit open), ErrCorrupt
// (a value that does not decode), ErrNoKey (empty key), ErrClosed, or the context's error.
// Turn.Text must already be masked (nlp.Mask(nlp.Normalize(text))); session cannot check it.
// A turn's MsgID is kept as the store's Hasher gives it (MsgID), and its Response (the answer's
// bytes as sent, so that a retry gets them exactly) only when the caller found no personal data
// in what it echoes (reply checks the msg_id and the gateway's vars; a retry of the others is
// decided again). Turn.Masked, 16 bits of the masked values (nlp.MaskedDigest), is too short to
// find a value from: each is shared by some hundred thousand mobile numbers.
//
// # Hash key
//
// Without a key (the default) a conversation key is kept as 128 bits of its SHA-256, a msg_id
// as HashMsgID (the same, in hex) and a group's sender (Turn.Sender, reply's keys of
// State.Experiments) as its FNV-1a 64: no id as written, but no secret either — a sender_id or
// msg_id that is a phone number is found again by hashing every number (about 1.4e9: seconds on
// a GPU), by whoever reads Redis. RedisConfig.HashKey (and MemoryConfig's, for uniformity;
// zhiyi serve's --hash-key, which keys the decision log too) keys all three: HMAC-SHA256 under
// a key derived from it, each use labelled apart, in the same sizes (NewHasher, Hasher). Package
// reply hashes msg_ids and senders with its store's Hasher (HasherOf), so that replicas agree.
//
// Replicas sharing Redis need the same key: with another key, or none, a replica finds none of
// the others' conversations (and a retry that reaches it is decided again). Setting, changing or
// dropping the key therefore starts every conversation afresh, once; the states kept under the
// old hashes expire after their TTL. Any non-empty key is taken, as package store takes it
// (zhiyi serve warns of one under 16 bytes, and, with Redis, of none). A keyed hash is an HMAC
// from pooled crypto/hmac states (the key's padded blocks hashed once): two SHA-256 blocks for
// an id under 56 bytes, against one, and no allocation beyond MsgID's and Sender's strings.
// Measured on a shared 2-core machine (medians of six interleaved runs): a conversation key's
// hash 101 → 174 ns, a msg_id's 160 → 269 ns (BenchmarkHash), and a
// memory store's Load and Save 3.75 µs either way (BenchmarkMemoryLoadSave*, within noise).
//
// One prefix is one shop's. Shops sharing a Redis (an agency's) each need a prefix of their own
// (or a database number): under one, a customer or conversation id the same in two shops is
// one conversation, and a retry in one replays the other's answer. RedisConfig.Owner (zhiyi
// serve: kb.yaml's shop) claims the prefix at start — Prefix+OwnerKey, no expiry, SET NX — and
// NewRedis refuses a prefix another owner claimed (ErrPrefixTaken); a shop renamed deletes the
// key by hand.
//
// # Held from its load to its save
//
// Load and Save are one round trip each (GET, and SET with PX/EX), not an atomic
// read-modify-write: when two replicas handle two messages of one conversation at the same
// moment, the later Save wins and the other turn is missing from the context. That happens
// whenever a gateway fans a 微信客服 batch out over the replicas. So Redis is also a Holder:
// LoadHeld takes a hold beside the state (SET NX PX of Prefix+hash+":held", with a token of
// the process, and the GET, in one script) and SaveReleased releases it and saves (one script
// too), so the second replica waits for the first's save — a millisecond or so — and decides
// its message with the first's turn. The same two round trips a message as Load and Save; a
// hold lasts at most its lease, so a replica that dies holding one costs its conversation that
// long; one a replica may have left behind while alive (a call that timed out, whose script a
// stalled Redis still runs when it wakes) it takes over at its next load of the conversation. A conversation is never classified twice, and nothing waits for a Redis that is down:
// a failed LoadHeld is a failed Load. Within one process package reply decides a
// conversation's messages one after another anyway, on every Replier that shares its
// reply.ConversationLocks (zhiyi serve's Repliers of every bundle loaded, so a reload's old and
// new wait for each other).
//
// # Encoding
//
// A State is stored in a compact binary form (State.AppendBinary, UnmarshalBinary), versioned
// by its first byte; later versions only append fields, so replicas of two versions read each
// other's states during a rolling deploy (see formatVersion in codec.go). It was chosen over
// encoding/json by measurement (BenchmarkEncode*/Decode* on sessiontest.Typical, six turns with
// ~700-byte responses; medians of five interleaved runs on a shared 2-core machine): 3.9 KB
// against 5.1 KB, encoding 3.1 µs against 13 µs, decoding 4.3 µs against 43 µs, 4 allocations
// per decode against 62 (JSON's cost is mostly the kept responses: JSON inside JSON).
// vmihailenco/msgpack/v5, measured the same way outside the repository, is as compact but
// about twice as slow both ways, and would be one more dependency. The memory store decodes
// straight from its stored string without copying it.
//
// # In-process store
//
// NewMemory(MemoryConfig{MaxConversations, MaxBytes, TTL, Now, Metrics, HashKey}); zero fields mean
// defaults (100,000 conversations, 512 MiB, 30 min). Bounded: saving a new conversation beyond
// the count evicts the least recently saved one of its shard (shards of at least 256, so a
// small bound is exact); saving beyond the bytes (encoded states, 128 bytes more each; each
// shard its share) evicts the least recently saved ones until it fits, the one just saved
// always kept. The idle TTL counts from the last Save: Load checks it, and each Save sweeps up to
// 8 expired conversations from its shard's tail. No goroutine, no timer; locks are held for a
// map look-up and a list update, never while encoding or decoding.
//
// # Redis store
//
// NewRedis(ctx, RedisConfig{URL, Prefix, HashKey, TTL, Timeout, Backoff, Logger, Metrics, Now}) with
// github.com/redis/go-redis/v9. URL is what redis.ParseURL reads (redis://[user:pass@]host:port/db,
// rediss:// for TLS, query options such as ?pool_size=); Prefix defaults to "zhiyi:conv:" (then
// 32 hex digits of the key's hash); TTL to 30 min, enforced by Redis; Timeout (dial, read, write, pool wait, unless
// the URL sets them) to 50 ms; Backoff to 1 s. go-redis's retries are off (unless the URL sets
// max_retries) and it dials once per call, not five times.
//
// A refused connection or an error reply, or three timeouts in a row (the request's deadline
// included; one slow answer on a busy host costs that call alone), opens a circuit breaker: for Backoff every Load and Save returns ErrUnavailable at once,
// then one call probes Redis while the others still fail at once; the probe's success closes
// the circuit. So an outage costs requests no waiting, Redis at most one call per Backoff, and
// context resumes by itself within about Backoff of Redis's return. A caller that cancels its
// context does not count as a failure, and nor does a key of another kind under the prefix
// (WRONGTYPE): that conversation's state is ErrCorrupt, which its next Save overwrites. NewRedis
// fails only on a bad configuration: a malformed URL, or a Redis that refuses the URL's password
// or database or keeps its user off the prefix's keys (NOPERM) — it reads a key of the prefix,
// as the prober does while the circuit is open, since a PING passes for such a user. Redis
// being down at start is an outage like any other. An error reply to a Save alone (OOM: full under the default
// maxmemory-policy noeviction; READONLY: a replica after a failover) is no outage: Redis answered
// and still serves reads, so that save fails with ErrSaveRefused, counted and logged once until a
// save succeeds, and the circuit stays closed. An error reply to LoadHeld's script loads without
// a hold, as Load; a user whose ACL refuses scripts (NOPERM) is logged once.
//
// # Logs
//
// One Warn line when Redis goes down ("session: redis is down; …", with addr and the error)
// and one Info line when it is back (with down_for); never one per request. go-redis's own
// messages go to the first Redis store's Logger at debug level (go-redis has a single global
// logger). Keys and state are never logged; the URL's password is never repeated in an error.
//
// # Metrics
//
// On the Config's *metrics.Set (nil: none):
//
//	zhiyi_session_conversations                      conversations held (memory)
//	zhiyi_session_bytes                              what they take, counted against MaxBytes (memory)
//	zhiyi_session_evictions_total{reason}            capacity or idle evictions (memory)
//	zhiyi_session_errors_total{op}                   Redis calls that failed, op load or save
//	zhiyi_session_unavailable_total{op}              calls refused at once while the circuit was open
//	zhiyi_session_corrupt_total                      stored values that did not decode
//	zhiyi_session_redis_up                           1 while the circuit is closed, else 0
//	zhiyi_session_redis_outages_total                times the circuit opened from closed
//	zhiyi_session_redis_duration_seconds{op}         Redis calls' durations, failed calls included
//	                                                 (histogram, 100 µs to 5 s): op load (GET),
//	                                                 save (SET), acquire (the hold script, each
//	                                                 try), save_release, release, ping (the start's
//	                                                 and the prober's); a call the open circuit
//	                                                 refuses reaches no Redis and is not timed
//
// Package sessiontest is the conformance suite both stores pass.
package session
