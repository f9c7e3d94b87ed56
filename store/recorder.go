package store

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/zhiyi-ai/zhiyi/internal/promhist"
)

// Recorder defaults, used for zero RecorderConfig fields.
const (
	DefaultQueueSize     = 8192
	DefaultBatchSize     = 512
	DefaultFlushInterval = 50 * time.Millisecond
	DefaultWriteTimeout  = 2 * time.Second
	DefaultRetryInterval = time.Second
	DefaultSyncInterval  = time.Second
	DefaultSpoolMax      = 256 << 20 // bytes
	DefaultRetain        = 90 * 24 * time.Hour
	DefaultRetainEvery   = time.Hour
)

// Sink is what a Recorder writes to: a Store (DB) satisfies it.
type Sink interface {
	Writer
	Ping(ctx context.Context) error
	Hash(id string) string
	DeleteBefore(ctx context.Context, t time.Time) (decisions, feedback int64, err error)
}

// RecorderConfig tunes a Recorder. The zero value means the defaults above, with the spool in
// data/spool.
type RecorderConfig struct {
	// DataDir holds the spool (DataDir/spool); DefaultDataDir when empty.
	DataDir string
	// QueueSize is the capacity of Record's queue; a record that finds it full goes to the
	// spool. DefaultQueueSize when zero.
	QueueSize int
	// BatchSize and FlushInterval: the queue is written when it holds BatchSize decisions and
	// every FlushInterval, in batches of at most BatchSize.
	BatchSize     int
	FlushInterval time.Duration
	// WriteTimeout bounds one batch insert; past it the batch goes to the spool.
	WriteTimeout time.Duration
	// RetryInterval is how often the database is probed while it is down, and how often a
	// non-empty spool is replayed.
	RetryInterval time.Duration
	// SyncInterval is how often the spool is fsynced while it is being written.
	SyncInterval time.Duration
	// SpoolMax bounds the spool in bytes (DefaultSpoolMax when zero); beyond it records are
	// dropped, counted and logged.
	SpoolMax int64
	// Retain is how long decisions are kept (DefaultRetain when zero; negative keeps them
	// forever); a pass runs at start and every RetainEvery (DefaultRetainEvery when zero;
	// negative: only when Retain is called).
	Retain      time.Duration
	RetainEvery time.Duration
	// WriterNice, when positive, runs the writer on an OS thread of its own at this nice value
	// (Linux; 19 is the lowest priority): under load the kernel then runs the requests first and
	// the inserts in the time left, and decisions queue meanwhile; half a queue behind, the
	// writer writes at the process's priority until it is back under half. Give the process a
	// spare processor for it (GOMAXPROCS one above the CPUs), or the writer's thread holds one
	// of the requests'. Zero runs it as any goroutine.
	WriterNice int
	// Metrics receives the recorder's metrics (nil: none are exported).
	Metrics *metrics.Set
	Logger  *slog.Logger
	// Now is the clock for retention and default times (time.Now when nil).
	Now func() time.Time
}

func (c *RecorderConfig) fill() {
	def := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	if c.QueueSize <= 0 {
		c.QueueSize = DefaultQueueSize
	}
	if c.BatchSize <= 0 {
		c.BatchSize = DefaultBatchSize
	}
	def(&c.FlushInterval, DefaultFlushInterval)
	def(&c.WriteTimeout, DefaultWriteTimeout)
	def(&c.RetryInterval, DefaultRetryInterval)
	def(&c.SyncInterval, DefaultSyncInterval)
	def(&c.Retain, DefaultRetain)
	def(&c.RetainEvery, DefaultRetainEvery)
	if c.SpoolMax <= 0 {
		c.SpoolMax = DefaultSpoolMax
	}
	if c.Metrics == nil {
		c.Metrics = metrics.NewSet() // private: counted for Stats, exported nowhere
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// RecorderStats are the Recorder's counters since it started.
type RecorderStats struct {
	Recorded   uint64 // decisions given to Record
	Written    uint64 // decisions the writer inserted directly (duplicates included)
	Duplicates uint64 // of those, decisions whose msg_id the log had already: not stored again
	Spooled    uint64 // records (decisions and feedback) written to the spool
	Replayed   uint64 // spool records now in the database
	Dropped    uint64 // records lost: spool full, unwritable or unreadable, refused (ErrInvalid)
	// FeedbackUnmatched counts spooled feedback given up after OrphanFeedbackWait because its
	// msg_id never reached the log: not a loss of the log's (an unknown msg_id, or a decision
	// lost: counted in Dropped when the spool or the database lost it, nowhere when it was on a
	// killed process's queue), so not in Dropped, which alerts page on.
	FeedbackUnmatched uint64
	Errors            uint64 // failed database writes
	// CatchUps counts batches written at the process's priority because the low-priority
	// writer (WriterNice) had fallen half a queue behind.
	CatchUps   uint64
	SpoolBytes int64
	// SpoolRecords is the backlog: records in the spool, from this run or an earlier one, until
	// their file has been replayed.
	SpoolRecords int64
	Up           bool // the database answered the last write
}

// Recorder writes decisions to a Sink off the request path: Record queues and returns, a
// goroutine inserts batches, and when the database fails or is slow the batches go to a
// local spool that is replayed, in order, once the database answers again. Records are lost
// only when the spool is full (counted, logged). Its methods are safe for concurrent use.
type Recorder struct {
	cfg   RecorderConfig
	sink  Sink
	log   *slog.Logger
	spool *spool

	mu     sync.RWMutex // guards closed against Record's send on ch, and spoolClosed against toSpool
	closed bool
	ch     chan Decision
	kick   chan struct{} // Record: the queue holds a batch
	flush  chan chan struct{}
	done   chan struct{} // the writer has exited
	stop   chan struct{} // closed by Close: ends the writer and the retention loop
	wg     sync.WaitGroup

	// spoolClosed: Close has released the spool (and its directory lock). A record after that
	// is dropped and counted: appending would create a spool file outside the lock, beside
	// another process's spool, with a descriptor nothing ever closes.
	spoolClosed bool

	down atomic.Bool
	// progress remembers how far into a spool file a failed replay got, so the next try resumes
	// there; only the writer uses it (replayProgress).
	progress         map[string]*replayProgress
	drained          []Decision // drain's batch, reused (writer only)
	lastDropLog      atomic.Int64
	loggedClosedDrop atomic.Bool // the first record dropped after Close was logged
	// queueFullLogged is when a decision last went to the spool for a full queue was logged
	// (unix seconds): once a minute at most
	queueFullLogged atomic.Int64
	// waiting counts the spooled feedback waiting for its decision (awaitDecision) as of the
	// last complete replay; passWaiting counts them during a replay (the writer's alone).
	waiting     atomic.Int64
	passWaiting int64
	// passFeedback holds the ids of the spooled feedback a replay pass set waiting or gave up,
	// so that a copy a crash left in two files counts once. The writer's alone.
	passFeedback map[string]struct{}
	// keptLogged: a replayed file was kept because its waiting feedback could not be written
	// (errKept), and that was logged; said again only after such a write has succeeded.
	keptLogged bool
	// spoolFaultLogged: a spool file a replay could not read or remove was logged (spoolFault);
	// false again after a pass without one. The writer's alone.
	spoolFaultLogged bool
	// writeDown says the outage showed in a failed write (setDown): a ping proves nothing, so
	// the database counts as back only once a write to it succeeds.
	writeDown atomic.Bool
	tryWrite  atomic.Bool // the next batch goes to the database though it is down (writeDown)

	recorded, written, duplicates, spooled, replayed, dropped, unmatched, errs, retained, catchUps *metrics.Counter
	// writeSecs and batchSize time and size each insert into the database (insert)
	writeSecs, batchSize *promhist.Hist
	// feedbackSecs times each write of a feedback into the database (addFeedback)
	feedbackSecs *promhist.Hist
}

// NewRecorder starts a recorder writing to sink. A spool left by an earlier run is replayed
// as soon as the database answers.
func NewRecorder(sink Sink, cfg RecorderConfig) (*Recorder, error) {
	if sink == nil {
		return nil, errors.New("store: NewRecorder needs a Sink (a *DB from Open)")
	}
	cfg.fill()
	sp, err := openSpool(filepath.Join(cfg.DataDir, SpoolDirName), cfg.SpoolMax)
	if err != nil {
		return nil, err
	}
	r := &Recorder{cfg: cfg, sink: sink, log: cfg.Logger, spool: sp,
		ch: make(chan Decision, cfg.QueueSize), kick: make(chan struct{}, 1), flush: make(chan chan struct{}),
		done: make(chan struct{}), stop: make(chan struct{}), progress: map[string]*replayProgress{}, passFeedback: map[string]struct{}{}}
	r.registerMetrics(cfg.Metrics)
	if b := sp.Bytes(); b > 0 {
		r.log.Info("store: spool from an earlier run will be replayed", "bytes", b)
	}
	go r.writer()
	if cfg.Retain > 0 && cfg.RetainEvery > 0 {
		r.wg.Add(1)
		go r.retainLoop()
	}
	return r, nil
}

// Stats returns the counters.
func (r *Recorder) Stats() RecorderStats {
	return RecorderStats{Recorded: r.recorded.Get(), Written: r.written.Get(), Duplicates: r.duplicates.Get(), Spooled: r.spooled.Get(),
		Replayed: r.replayed.Get(), Dropped: r.dropped.Get(), FeedbackUnmatched: r.unmatched.Get(), Errors: r.errs.Get(), CatchUps: r.catchUps.Get(),
		SpoolBytes: r.spool.Bytes(), SpoolRecords: r.spool.Records(), Up: !r.down.Load()}
}

// Record queues d and returns at once. An empty MsgID gets NewID() and a zero Time the
// current time (set them before, e.g. to return the id to the gateway). When the queue is
// full (a burst beyond what the writer keeps up with), or the database is down, d is appended
// to the spool file on the caller's goroutine: a few microseconds of masking and a buffered
// write under the spool's lock, never a wait for the database. Once Close has begun it goes to
// the spool too, for the next run; once Close has returned (a handler still running past the
// shutdown's drain), it is dropped and counted in Stats().Dropped — the spool is no longer this
// process's to write.
func (r *Recorder) Record(d Decision) {
	if d.MsgID == "" {
		d.MsgID = NewID()
	}
	if d.Time.IsZero() {
		d.Time = r.cfg.Now()
	}
	r.recorded.Inc()
	r.mu.RLock()
	// While the database is known down, d goes to the spool here, on disk (the OS's) before the
	// answer: the writer spends that time in tries of the database (each up to WriteTimeout on
	// a locked SQLite file, a full disk, a standby) and drains its queue only between them, so
	// the queue held seconds of decisions — up to all of it, 8,192 — which a SIGKILL lost, and
	// the feedback acknowledged on them waited 30 minutes for them and was given up. It costs
	// the request a buffered write, as a full queue does, only during an outage.
	down := r.down.Load()
	if !r.closed && !down {
		select {
		case r.ch <- d:
			if len(r.ch) >= r.cfg.BatchSize {
				select {
				case r.kick <- struct{}{}:
				default:
				}
			}
			r.mu.RUnlock()
			return
		default:
		}
	}
	closed := r.closed
	r.mu.RUnlock()
	if !closed && !down {
		// The database takes decisions slower than they come: the spool holds the rest while
		// zhiyi_store_up stays 1, so say so (a busy database, or too few cores for the writer).
		if onceAMinute(&r.queueFullLogged, time.Now().Unix()) {
			r.log.Warn("store: the writer's queue is full: decisions go to the spool and are written from it (the database writes slower than decisions come)",
				"queue", cap(r.ch))
		}
	}
	r.toSpool([]Decision{d}, nil)
}

// onceAMinute reports whether a minute has passed since the time last (unix seconds) holds, and
// then sets it to now: true for one caller of many at once, whatever second each read.
func onceAMinute(last *atomic.Int64, now int64) bool {
	was := last.Load()
	return now-was >= 60 && last.CompareAndSwap(was, now)
}

// toSpool appends decisions or a feedback to the spool, masked (the spool is a stored copy
// too), counting what was written and what was dropped.
func (r *Recorder) toSpool(ds []Decision, f *Feedback) (dropped int) {
	// held through the append, so that Close cannot release the spool in the middle of it
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.spoolClosed {
		dropped = len(ds)
		if f != nil {
			dropped++
		}
		r.dropped.Add(dropped)
		if !r.loggedClosedDrop.Swap(true) {
			r.log.Error("store: records arrived after the decision log was closed; dropped (zhiyi_store_dropped_total counts them)", "count", dropped)
		}
		return dropped
	}
	recs := make([]spoolRecord, 0, len(ds)+1)
	for i := range ds {
		d := clean(r.sink.Hash, ds[i])
		recs = append(recs, spoolRecord{D: &d})
	}
	if f != nil {
		c := cleanFeedback(r.sink.Hash, *f)
		recs = append(recs, spoolRecord{F: &c})
	}
	written, dropped, err := r.spool.append(recs)
	r.spooled.Add(written)
	if dropped > 0 {
		r.dropped.Add(dropped)
		// Loud but bounded: the first drop, then at most one line every ten seconds.
		now := time.Now().UnixNano()
		if last := r.lastDropLog.Load(); now-last > int64(10*time.Second) && r.lastDropLog.CompareAndSwap(last, now) {
			attrs := []any{"dropped_total", r.dropped.Get(), "spool_bytes", r.spool.Bytes(), "spool_max", r.cfg.SpoolMax}
			if err != nil {
				attrs = append(attrs, "error", err)
			}
			r.log.Error("store: spool full or unwritable; records dropped", attrs...)
		}
	}
	return dropped
}

// spoolFeedback keeps f for replay, or reports ErrUnavailable when even the spool cannot.
func (r *Recorder) spoolFeedback(f *Feedback) error {
	if r.toSpool(nil, f) > 0 {
		return ErrUnavailable
	}
	return nil
}

// Flush waits until every decision recorded before the call is in the database or the spool,
// and, when the database is up, the spool has been replayed.
func (r *Recorder) Flush(ctx context.Context) error {
	done := make(chan struct{})
	select {
	case r.flush <- done:
	case <-r.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close writes what is queued (to the database, or the spool when it is down), stops the
// writer and closes the spool file. A spool replay in progress stops after the batch in flight:
// the rest stays on disk for the next start, rather than holding the shutdown for as long as a
// long outage's spool takes to insert. It does not close the sink.
func (r *Recorder) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	close(r.ch)
	close(r.stop)
	r.mu.Unlock()
	<-r.done
	r.wg.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.spoolClosed = true
	return r.spool.close()
}

// writer batches the queue into inserts. It owns the batches; only it replays the spool. It
// wakes for a full batch (kick) or on a tick, not for each decision: a receiver parked on the
// queue would make every Record wake it, and under load those wake-ups delayed requests by
// milliseconds at the 99th percentile (scripts/bench-parts.sh).
func (r *Recorder) writer() {
	defer close(r.done)
	if n := r.cfg.WriterNice; n > 0 {
		// Never unlocked: the thread ends with the writer instead of carrying its low priority
		// to other goroutines.
		runtime.LockOSThread()
		if err := setThreadNice(n); err != nil {
			r.log.Warn("store: the decision log's writer runs at normal priority", "error", err.Error())
		}
	}
	flushTick := time.NewTicker(r.cfg.FlushInterval)
	defer flushTick.Stop()
	tick := time.NewTicker(min(r.cfg.RetryInterval, r.cfg.SyncInterval))
	defer tick.Stop()
	lastRetry := time.Now()
	for {
		select {
		case <-r.kick:
			r.drain()
		case <-flushTick.C:
			r.drain()
		case done := <-r.flush:
			r.drain()
			if r.spool.Bytes() > 0 {
				r.replay()
			}
			close(done)
		case <-r.stop:
			r.drain() // Close closed the queue: nothing more comes
			return
		case <-tick.C:
			if err := r.spool.sync(); err != nil {
				r.log.Error("store: spool fsync failed", "error", err)
			}
			if r.spool.Bytes() > 0 || r.down.Load() {
				if time.Since(lastRetry) >= r.cfg.RetryInterval {
					lastRetry = time.Now()
					r.replay()
				}
			}
		}
	}
}

// write inserts a batch, or spools it when the database is down or fails.
func (r *Recorder) write(batch []Decision) {
	if r.down.Load() && !r.tryWrite.Swap(false) {
		r.toSpool(batch, nil)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.cfg.WriteTimeout)
	n, refused, err := r.appendDecisions(ctx, batch)
	cancel()
	if err != nil {
		r.errs.Inc()
		r.setDown(err, true)
		r.toSpool(batch, nil) // the refused too: counted when the replay refuses them again
		return
	}
	r.dropped.Add(refused)
	if r.down.Load() && r.writeDown.Swap(false) {
		// the batch tried on a database that had refused writes went in: it is back
		r.down.Store(false)
		r.log.Info("store: database back; a write to it succeeded")
	}
	r.written.Add(len(batch) - refused)
	if dup := len(batch) - refused - n; dup > 0 {
		// A msg_id is one message: the log keeps its first decision. A retry the conversation
		// state did not catch (another replica with memory sessions, an expired session) lands
		// here, and so does a gateway that reuses ids across conversations; say so.
		if r.duplicates.Get() == 0 {
			r.log.Warn("store: decisions with a msg_id the log has already were not stored again (zhiyi_store_duplicates_total counts them): retries the conversation state did not catch, or a gateway reusing msg_ids", "count", dup)
		}
		r.duplicates.Add(dup)
	}
}

// appendDecisions appends batch; when the database refuses a value (ErrInvalid), it appends
// the decisions one by one and sets aside those refused — dropped and logged — so that one bad
// decision neither stalls the log nor holds back the rest of its batch. It returns how many
// were stored (not duplicates) and how many were refused, for the caller to count once the
// batch is settled: a batch that fails is written again, refused ones and all.
func (r *Recorder) appendDecisions(ctx context.Context, batch []Decision) (stored, refused int, err error) {
	stored, err = r.insert(ctx, batch)
	if !errors.Is(err, ErrInvalid) {
		return stored, 0, err
	}
	stored = 0
	for i := range batch {
		k, err := r.insert(ctx, batch[i:i+1])
		switch {
		case errors.Is(err, ErrInvalid):
			refused++
			r.log.Error("store: the database refused a decision; it is dropped", "error", err)
		case err != nil:
			return stored, refused, err
		}
		stored += k
	}
	return stored, refused, nil
}

// setDown marks the database down for err, logging the outage once. One that showed in a failed
// write (write: a batch, a replayed record) lasts until a write succeeds (writeDown), whatever
// pings say: a database that answers pings but refuses writes — a full or read-only disk, a
// standby, a role without INSERT, a SQLite file another process holds locked, for any reason
// and error code — went up at each replay's ping and down again at its write, flapping
// zhiyi_store_up and logging the outage once per RetryInterval. One that showed in a ping ends
// at the first good ping (a restarted database), unless the ping failed for the disk.
func (r *Recorder) setDown(err error, write bool) {
	if write || diskError(err) {
		r.writeDown.Store(true)
	}
	if !r.down.Swap(true) {
		if c, ok := r.sink.(interface{ connecting() bool }); ok && c.connecting() {
			// PostgreSQL down at start: Open said so ("the database is down; serving without
			// it") and says when it is back; a second warning for the one outage is noise
			return
		}
		if corrupt(err) {
			// not an outage that passes: it needs a person
			r.log.Error("store: the SQLite decision log is damaged; spooling decisions until it is repaired or moved away (sqlite3 zhiyi.db .recover), then restart",
				"error", err, "spool", r.spool.dir)
			return
		}
		r.log.Warn("store: database unavailable; spooling decisions until it takes writes again",
			"error", err, "spool", r.spool.dir)
	}
}

// drain writes what waits in the queue, in batches of at most BatchSize; replay calls it
// between chunks.
func (r *Recorder) drain() {
	for n := len(r.ch); n > 0; {
		k := min(n, r.cfg.BatchSize)
		behind := r.cfg.WriterNice > 0 && len(r.ch) >= cap(r.ch)/2
		batch := r.drained[:0]
		for range k {
			batch = append(batch, <-r.ch)
		}
		if behind {
			r.catchUp(batch)
		} else {
			r.write(batch)
		}
		r.drained = batch[:0]
		n -= k
		if m := len(r.ch); behind && m >= cap(r.ch)/2 {
			n = m // what came in meanwhile: still behind, go on catching up
		}
	}
}

// catchUp writes a batch at the process's own priority: the writer's low-priority thread has
// fallen half a queue behind, and a full queue would send every Record to the spool, on the
// requests' goroutines, at a dearer cost to them than the insert. (Lowering the thread's nice
// value back needs a privilege the process may not have; a goroutine of its own runs on the
// runtime's ordinary threads.)
func (r *Recorder) catchUp(batch []Decision) {
	if r.down.Load() {
		r.write(batch) // to the spool: no insert to hurry
		return
	}
	r.catchUps.Inc()
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.write(batch)
	}()
	<-done
}
