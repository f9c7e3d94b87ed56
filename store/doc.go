// Package store is zhiyi's memory: the decision log (every answered message), the feedback on
// those decisions (ratings, resolution, agents' corrections) and labels (intents given to
// messages by people or by clustering), in SQLite by default or PostgreSQL when replicas share
// one database. It owns the schema and its migrations, the asynchronous Recorder that keeps
// the database off the request path, the spool that keeps decisions when the database is down,
// retention, and the queries behind `zhiyi report`, `zhiyi unmatched`, /admin/unmatched and the
// dashboard. It imports nlp only (for masking); serve imports it.
//
// # API
//
//	db, err := store.Open(ctx, store.Config{DataDir: "data"})     // or Config{URL: "postgres://…"}
//	rec, err := store.NewRecorder(db, store.RecorderConfig{DataDir: "data", Metrics: set})
//	rec.Record(store.Decision{MsgID: id, SenderHash: db.Hash(senderID), Text: maskedText, …}) // never waits for the database
//	err = rec.AddFeedback(ctx, store.Feedback{MsgID: id, Rating: 5})  // ErrNotFound → 404, ErrInvalid → 400
//	db.Decisions(ctx, store.Query{Since: t, Unmatched: true}, fn)    // zhiyi unmatched, /admin/unmatched
//	sum, err := db.Summary(ctx, store.SummaryQuery{Since: t, Bucket: time.Hour}) // zhiyi report, dashboard
//	db.Feedback(ctx, store.FeedbackQuery{Corrections: true}, fn)    // learning from corrections
//	db.Feedback(ctx, store.FeedbackQuery{AnswerID: "invoice.a"}, fn) // A/B results, per answer and variant
//	db.AddLabels(ctx, labels); db.Labels(ctx, store.LabelQuery{Source: "cluster"}, fn)
//	added, taken, err := db.AddLabelsUnlessTaken(ctx, pageMade, operator, labels) // the console's label actions
//	n, err := db.Forget(ctx, store.Subject{SenderID: id})          // a customer's request to delete their data
//	rec.Close(); db.Close()                                         // Close flushes the queue first
//	p, err := dst.CopyFrom(ctx, src, store.CopyOptions{Since: t})   // zhiyi copy: SQLite → PostgreSQL (or back)
//
// Store is the interface both backends implement (one type, DB); store/storetest is its
// conformance suite, run against a real SQLite file and a real PostgreSQL. Writer (two methods)
// is what a Recorder needs from it, Sink adds Ping, Hash and DeleteBefore. Every method takes a
// context and is safe for concurrent use; callbacks get a pointer valid only during the call.
//
// Errors: ErrNotFound (AddFeedback or Decision with an unknown msg_id), ErrInvalid (a feedback
// without msg_id or with a rating outside 0–5, a label without an intent), ErrUnavailable
// (Recorder.AddFeedback: database failing and spool full), ErrClosed (any call after Close),
// ErrHashKeyDiffers and ErrSinceGap (CopyFrom's refusals, before it copies anything). Others wrap
// the driver's error: "store: cannot append decisions: …".
//
// CopyFrom copies a log into another (decisions, feedback with its stored_at, labels the later
// of two kept, the hash key), idempotent: a rerun completes an interrupted copy or one made
// while serve wrote; with Since, it copies what was made or stored since (a decision keeps a
// stored_at of its own, when it reached this database, for the ones spooled through an outage). It adopts the source's key before anything else; SpoolState and SameLog are
// the checks zhiyi copy makes before it.
//
// DB.Backup copies a SQLite log while it is written (VACUUM INTO), needing no hash key
// (Config.KeyUnused); Restore puts such a copy back for serve: checked whole (quick_check), of
// zhiyi's schema and no newer than SchemaVersion, never over an existing log or under a running
// serve (the spool's lock), copied beside the log and renamed into place. A new SQLite log made
// by Open is said at INFO with its absolute path: a serve on another --data-dir than the
// restored one would otherwise begin an empty log without a word.
//
// # Wiring in serve
//
// serve opens the DB and a Recorder at start; after answering /intent it builds a Decision from
// the request and the result (Text is the engine's masked text, SenderHash and ChatHash come from
// db.Hash, Time is when it answered, LatencyMicros is took_us) and calls rec.Record. A request
// without msg_id gets store.NewID() before answering, so the gateway can send feedback for it.
// POST /feedback calls rec.AddFeedback and maps ErrNotFound to 404 and ErrInvalid to 400.
// Reports and the console read through db (Summary, Decisions, Feedback, Labels). On shutdown:
// rec.Close(), then db.Close().
//
// # Decisions, feedback, labels
//
// A Decision is keyed by MsgID; AppendDecisions ignores a MsgID it has (idempotent, so a replay
// never duplicates). A Feedback belongs to a decision; many may arrive for one message and all are
// kept; reports read each message's latest rating and latest resolved value. Feedback has its own
// ID (NewID when empty) so replaying a spooled feedback cannot add it twice. A Label is keyed by
// the message's msg_id or LabelKey(text); adding a label with an existing key replaces it.
// AddLabelsUnlessTaken is the console's add: it leaves alone the messages someone other than the
// operator labelled since the operator's page was made, reading and writing in one transaction
// that no other AddLabelsUnlessTaken on the database runs beside, in any process — BEGIN
// IMMEDIATE on SQLite, pg_advisory_xact_lock on one fixed key on PostgreSQL (chosen over
// SERIALIZABLE: no retry loop, no serialization failures from the range read meeting other label
// writes, and it works through a transaction-pooling proxy). Without it, two replicas' operators
// saving at once both read "not taken" and the second label replaced the first (TestPostgresReplicas,
// one run each: 97 races in 100 with the read and the write apart, 84 with one transaction but no lock).
//
// Unmatched decisions — what an operator should label — are out of scope (intent "none"), handed
// off (but for an intent kb.yaml hands to a person, ReasonPersonHandles: understood), or below a
// confidence (DefaultLowConfidence, 0.5): Query.Unmatched, Decision.Unmatched.
// Corrections are feedback whose CorrectIntent is set and differs from the decision's intent:
// FeedbackQuery.Corrections, FeedbackRecord.Corrected.
//
// Summary gives the dashboard's numbers for a period — messages, unrecognised, unmatched,
// handoffs, suggested, silent, repeats, escalations, ratings (count, mean, share ≤ 2), resolved (latest value per
// message; ResolvedRate = resolved / messages with a resolved value), corrections, latency p50
// and p99 (nearest rank, in microseconds) — in total (its JSON's top level: messages,
// unrecognised, handoff_rate, resolved_rate, mean_rating, repeat_rate …), as a time series
// (Bucket: an hour, a day at midnight in Location; with Hourly, by the hour as well from the same
// scan), and by intent, channel and answer (with variant). Feedback counts toward its decision's bucket. The numbers are computed in Go from
// two scans, so the backends agree exactly; a week of 100k messages a day scans in seconds.
//
// # Personal data
//
// Nothing personal is stored in the clear, whatever the caller passes (defence in depth: serve
// masks first). On write, Text, Reason, Comment and label text become nlp.Mask(nlp.Normalize(s))
// (MaskText); identifier fields (msg_id, channel, intent, answer id, agent id, label key …) are
// kept unless masking would find personal data in them, in which case they become "pii:" and
// their keyed hash — deterministic, so a msg_id made of a phone number still joins its feedback;
// SenderHash and ChatHash that are not already hashes (32 hex characters) are hashed. The spool
// is written masked the same way.
//
// Hash is HMAC-SHA256 keyed with Config.HashKey, truncated to 128 bits (32 hex characters):
// keyed, because plain SHA-256 of an 11-digit phone number falls to a dictionary in seconds.
// Without a configured key, a random one is generated on first open and kept in the database's
// settings table, so replicas sharing PostgreSQL and restarts hash alike; give a key from outside
// the database (a file or environment variable) so that a leaked database alone cannot be used to
// test guessed ids. Changing the key splits conversations and senders at the change.
//
// # Claims
//
// TakeClaim, FinishClaim and ReleaseClaim keep work that must be done once per log, whoever starts
// it, as rows of settings: zhiyi report --send claims each target for a period before sending, so
// the cron jobs of replicas sharing the log send it once. The first to take a claim has it; a
// claim taken longer ago than the caller's stale and never finished (its holder was killed) is
// taken over, by one caller.
//
// # The Recorder and the spool
//
// Record puts the decision on a bounded queue (QueueSize, 8192) and returns; one goroutine writes
// batches of up to BatchSize (512) or every FlushInterval (50 ms), each within WriteTimeout (2 s).
// A batch that fails goes to the spool and the database counts as down (one slog line): later
// batches go straight to the spool, the database is probed every RetryInterval (1 s), and when it
// answers the spool is replayed in order — decisions in batches, each feedback after the
// decisions before it — and the return is logged (one line). An outage that showed in a failed
// write stays down, whatever the probe says, until a write to it succeeds (a replayed record, or,
// with nothing to replay, the next batch tried on it): a database that answers pings but refuses
// writes — a full, failing or read-only disk, a standby, a role without INSERT (SQLSTATE 42501),
// a SQLite file another process holds locked, whatever the error — so stays down, logged once,
// instead of flapping zhiyi_store_up at each replay; a stopped database that comes back is up at
// the replay's first write. An outage only the probe saw (a failed ping, not for the disk:
// diskError) ends at the first good probe, and new batches go to the database while the spool
// replays. A record that finds the queue full, or the database known down,
// goes to the spool on Record's goroutine: during an outage the writer spends up to WriteTimeout
// on each try of the database and its queue would wait in memory meanwhile. Feedback is taken while the database is down (spooled); feedback that
// overtakes its own queued decision is handled by flushing the queue before answering
// ErrNotFound. A spooled feedback whose decision is not in the database at replay waits for it:
// replicas sharing a database replay their spools in no set order, and its decision may be in
// another's. It is tried again (after 1 s, then at growing intervals up to a minute) and given
// up, counted in zhiyi_store_feedback_unmatched_total, only once OrphanFeedbackWait (30 min) has
// passed since it was first not found.
// Feedback waiting so does not make the live AddFeedback take unknown messages: those are still
// ErrNotFound. It waits in a spool file of its own, which a replay passes over until one of it is
// due, so flushes and the retry ticks (and every AddFeedback on an unknown message, which
// flushes) do not rewrite it; a restart tries it once.
//
// The spool is DataDir/spool/NNNNNNNNNNNNNNNNNNNN.jsonl: JSON lines {"d":{decision}} and
// {"f":{feedback}} (a waiting feedback with "orphan" and "after" times), appended in order. Every
// append reaches the operating system before it returns, so a crash of the process loses nothing
// spooled; decisions still on Record's queue (a few flush intervals' worth, 50 ms each, more when
// the database is slow and not known down yet: up to WriteTimeout's worth) are in memory and lost with the process on a kill -9 or
// a crash — a SIGTERM drains them (Close). fsync runs once per SyncInterval (1 s) while the
// spool is written and when a file is closed, so a power cut may lose up to a second of spooled
// records. Replay closes the current file first (new records start a new one), replays the closed
// files oldest first and removes each only when all of it is in the database, or, for feedback
// still waiting for its decision, in the waiting file written just before the removal (held to
// no SpoolMax: it had room in the file it leaves; when that write fails, the file stays and a
// later pass tries again). A crash mid-replay replays that file again, harmlessly (idempotent
// inserts, feedback ids: a crash between the waiting file's write and the removal leaves a
// feedback in both, stored once). A replay cut short within a file (Close, a database error)
// writes none of its waiting feedback and counts none of its drops until the file is done: a
// stop leaves each record in that file alone, replayed from its start at the next start, and a
// feedback given up counts once in zhiyi_store_feedback_unmatched_total. A torn last line is
// skipped and counted. The spool is bounded by SpoolMax (256 MiB ≈ 600k decisions of 450 bytes,
// a typical line): beyond it records are dropped — the only loss besides a killed process's
// queue — counted in zhiyi_store_dropped_total and logged (the first, then at most every 10 s). A spool left by a previous run is replayed at start.
//
// Retention: a pass at start and every RetainEvery (1 h) deletes decisions older than Retain
// (90 days) with their feedback, 5000 rows per transaction; labels stay. Recorder.Retain runs one.
//
// Metrics (RecorderConfig.Metrics, a VictoriaMetrics *metrics.Set; nil exports nothing):
//
//	zhiyi_store_recorded_total           decisions given to Record
//	zhiyi_store_written_total            decisions the writer wrote directly (duplicates included)
//	zhiyi_store_duplicates_total         of those, decisions not stored again: their msg_id is in
//	                                     the log already (a retry the conversation state missed);
//	                                     a replayed one counts in replayed alone
//	zhiyi_store_spooled_total            records (decisions, feedback) written to the spool
//	zhiyi_store_replayed_total           spool records now in the database
//	zhiyi_store_dropped_total            records lost (spool full, unreadable, refused)
//	zhiyi_store_feedback_unmatched_total spooled feedback given up: its msg_id never reached the log
//	                                     in OrphanFeedbackWait (unknown, or its decision lost)
//	zhiyi_store_errors_total             failed database writes and spool files a replay could not read
//	zhiyi_store_retention_deleted_total  decisions deleted by retention
//	zhiyi_store_catch_up_batches_total   batches the low-priority writer wrote at the process's
//	                                     priority, half a queue behind (RecorderConfig.WriterNice)
//	zhiyi_store_spool_bytes              the spool's size
//	zhiyi_store_spool_records            the records in it: the backlog, from any run
//	zhiyi_store_queue_length             decisions waiting in Record's queue
//	zhiyi_store_up                       1 while the database takes writes, 0 while spooling
//	zhiyi_store_write_duration_seconds{db}   histogram (100 µs to 5 s) of each insert into the
//	                                     database, failed ones included: a queued batch, a
//	                                     replayed chunk, a decision alone after a refusal; db is
//	                                     the DB's Kind (sqlite, postgres), other for a Sink that
//	                                     is no DB
//	zhiyi_store_write_batch_decisions{db}    histogram (1 to 4096, powers of two) of the
//	                                     decisions in each of those inserts
//	zhiyi_store_feedback_write_duration_seconds{db}  histogram (100 µs to 5 s) of each try
//	                                     to write a feedback: the tries while its decision is
//	                                     not in the log yet, and failed ones, included
//
// Recorder.Stats returns the same counters (not the histograms).
//
// # Backends and configuration
//
// Config (zero value: SQLite at data/zhiyi.db):
//
//	DataDir   data directory: DataDir/zhiyi.db (SQLite) and DataDir/spool     --data-dir
//	URL       postgres://user@host/db?sslmode=… for PostgreSQL; sqlite:PATH   --db
//	HashKey   HMAC key for sender and chat ids (default: generated, in settings;
//	          PostgreSQL's copied to DataDir/hash.key, mode 0600)
//	MaxConns  PostgreSQL pool size (8), unless the URL sets pool_max_conns
//	ConnectLater  PostgreSQL down at Open: return, connect and migrate in the background
//	          (needs the key: HashKey or the copy)
//	Shop      the shop the log is claimed for (settings "shop"; zhiyi serve: kb.yaml's shop):
//	          Open refuses another shop's log (ErrOtherShop); the background connect stays down
//
// SQLite (github.com/ncruces/go-sqlite3: SQLite translated to Go by wasm2go, pure Go, one module
// instance per connection and so no emulated locks; its direct API binds a batch's values
// without database/sql, 10 µs a row against modernc.org/sqlite's 17.5, BenchmarkSQLiteBulk): WAL, busy_timeout 10 s, synchronous=NORMAL (a process
// crash loses nothing, a power cut may lose the last commits), BEGIN IMMEDIATE, WAL checkpoints
// every 64 MiB (a third less system time than the default 4 MiB when writing) and the WAL file
// cut back to 64 MiB when it restarts (a burst written under a long read grew it for good), one writer
// connection with a 64 MiB page cache and four read-only readers with 8 MiB each (WAL lets them
// read while it writes; each connection's cache is its own, outside Go's heap: about 100 MB in
// all once the log is larger than that, plus what mmap maps of the file).
//
// PostgreSQL (jackc/pgx/v5): a pgxpool; batches are one multi-row INSERT … ON CONFLICT (msg_id)
// DO NOTHING (COPY into a temporary table then INSERT … SELECT measured the same); queries go
// through database/sql on the same pool (pgx's stdlib), so both backends run the same SQL.
// Times are unix microseconds in BIGINT columns in both (to_timestamp(at / 1e6) reads them).
//
// Migrations are SQL files embedded per backend (migrations/sqlite, migrations/postgres), applied
// by Open through github.com/pressly/goose/v3's Provider: no global state, our own *sql.DB, both
// dialects, and a PostgreSQL advisory lock so replicas starting together migrate once (for
// SQLite, an flock on DataDir/zhiyi.db.lock does the same for processes sharing the file).
// (golang-migrate was tried: its SQLite driver pins an old modernc.org/sqlite and drags in the C
// translator's packages.) Version 1 is decisions and feedback; version 2 adds conversation context
// (turn, active intent, repeat, escalation), rule, variant and sentiment, labels and settings.
//
// Measured on this 2-core machine, shared (scripts/storebench, docs/benchmarks.md): 1M decisions
// into SQLite in 25 s through AppendDecisions in batches of 512 (40k rows/s) and 30 s through a
// Recorder whose queue holds the burst, 290 bytes per decision; into PostgreSQL 15 with fsync on
// in 19–20 s (50k rows/s), 365 bytes per decision. A Summary of the 1M rows takes 2.1 s (SQLite),
// 1.0 s (PostgreSQL). The SQLite writer costs about 20 µs of CPU per decision.
package store
