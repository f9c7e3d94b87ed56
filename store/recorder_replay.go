package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"
)

// errStopping ends a replay that Close interrupted: the rest of the spool stays on disk and is
// replayed at the next start (from the start of a file begun: inserts are idempotent).
var errStopping = errors.New("store: closing; the rest of the spool is replayed at the next start")

// stopping reports whether Close has been called. A replay checks it between batches and files:
// a spool of a long outage (up to SpoolMax, minutes of inserts) would otherwise hold Close, and
// the process's shutdown, until all of it is in the database.
func (r *Recorder) stopping() bool {
	select {
	case <-r.stop:
		return true
	default:
		return false
	}
}

// replay probes the database, then replays the spool's closed files in order. Once the probe
// answers, new batches go to the database again while the old ones replay, and the queue is
// drained between replayed chunks, so a long replay does not push Record onto the spool. It
// stops at the first database error, keeping the rest for the next try, and when Close is
// called, keeping the rest for the next start.
func (r *Recorder) replay() {
	if r.stopping() {
		return
	}
	if r.down.Load() {
		// What the queue holds came before the outage was known (Record spools since): it goes
		// to the spool before this try of the database, which may take WriteTimeout. The
		// writer goes from try to try while a database refuses writes and drained its queue
		// only when a flush tick won the select between them: seconds of acknowledged
		// decisions waited in memory, lost to a kill.
		r.drain()
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.cfg.WriteTimeout)
	err := r.sink.Ping(ctx)
	cancel()
	if err != nil {
		r.setDown(err, false)
		return
	}
	// A database whose outage showed in a failed write (writeDown) may answer pings all the
	// same: it stays down (zhiyi_store_up 0, new batches to the spool) until a write to it
	// succeeds — a replayed batch below (wrote), or, when the spool gives nothing to write, the
	// next batch the writer tries on it (tryWrite). Going up at the probe made it flap up and
	// down at every replay, logging the outage again each time. An outage that showed in a ping
	// ends with the probe: new batches go to the database again while the old ones replay.
	wasDown := r.down.Load()
	if !r.writeDown.Load() {
		r.down.Store(false)
	}
	start, before := time.Now(), r.replayed.Get()
	r.passWaiting = 0
	clear(r.passFeedback)
	kept, faulty := false, false
	files, err := r.spool.rotate()
	if err != nil {
		r.spoolFault("", err)
		kept, faulty, err = true, true, nil
	}
	now := r.cfg.Now()
	for _, f := range files {
		if f.due.After(now) {
			r.passWaiting += f.records // waiting feedback, none of it due: left as it is
			continue
		}
		err = r.replayFile(f)
		var w writeFailed
		switch {
		case errors.Is(err, errKept):
			// all of it is in but its waiting feedback, which it still holds: the files after
			// it go on
			kept, err = true, nil
			continue
		case err != nil && !errors.As(err, &w) && !errors.Is(err, errStopping):
			// The spool's own fault (a file that cannot be read or removed) says nothing of the
			// database, which answered: the file stays for the next pass, the files after it
			// go on, and new records go on to the database. Marking the database down sent
			// them to the spool behind a file no pass could get past, where they stayed until
			// the spool was full and then were dropped.
			r.spoolFault(f.path, err)
			kept, faulty, err = true, true, nil
			continue
		}
		if err != nil {
			break
		}
	}
	if err == nil && !faulty {
		r.spoolFaultLogged = false
	}
	if err == nil && !kept {
		r.waiting.Store(r.passWaiting) // all the spool holds of the old files now
	} else {
		r.waiting.Store(0) // the spool may hold decisions again: feedback waits behind them
	}
	if err == nil && r.writeDown.Load() {
		// nothing replayed proved it takes writes (for a full disk the spool, on that disk too,
		// may take nothing to prove it either): a write of its own does, else the next batch
		// tries it. Without the probe a database back at night stayed down, zhiyi_store_up 0,
		// until the morning's first message.
		r.probeWrite()
	}
	if errors.Is(err, errStopping) {
		// not an outage: the database answered; the writer goes on to drain the queue
		r.log.Info("store: closing during a spool replay; the rest is replayed at the next start",
			"replayed", r.replayed.Get()-before, "spool_bytes", r.spool.Bytes())
		return
	}
	if err != nil {
		r.errs.Inc()
		var w writeFailed
		r.setDown(err, errors.As(err, &w))
		return
	}
	switch n := r.replayed.Get() - before; {
	case r.down.Load():
		// still refusing writes: said once, when it went down
	case wasDown:
		r.log.Info("store: database back; spool replayed", "replayed", n,
			"took", time.Since(start).Round(time.Millisecond).String(), "spool_bytes", r.spool.Bytes())
	case n > 0:
		// the database is up and was not known down: a full queue (a burst beyond what the
		// writer keeps up with), or a write that failed as it recovered, spooled these
		r.log.Info("store: spooled records written", "replayed", n,
			"took", time.Since(start).Round(time.Millisecond).String(), "spool_bytes", r.spool.Bytes())
	}
}

// probeWrite tries a write of the sink's own (a WriteProber's) on a database that refused
// writes: one that takes it is back. Without a prober, or when it fails, the next batch tries
// the database (tryWrite).
func (r *Recorder) probeWrite() {
	r.tryWrite.Store(true)
	p, ok := r.sink.(WriteProber)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.cfg.WriteTimeout)
	err := p.ProbeWrite(ctx)
	cancel()
	if err == nil {
		r.wrote() // logged by replay: the database is back
	}
}

// WriteProber is a Sink that can tell whether its database takes writes without writing a
// record (DB.ProbeWrite).
type WriteProber interface {
	ProbeWrite(ctx context.Context) error
}

// spoolFault logs a spool file (path, or the current one when empty) that a replay could not
// read, remove or close, once until a pass goes without one, and counts it as an error.
func (r *Recorder) spoolFault(path string, err error) {
	r.errs.Inc()
	if !r.spoolFaultLogged {
		r.spoolFaultLogged = true
		r.log.Error("store: cannot replay a spool file; it stays and is tried again at each retry, while new records go to the database",
			"file", path, "error", err)
	}
}

// wrote notes that a replayed record went into the database: one that refused writes is back.
// The writer's alone, as replay is.
func (r *Recorder) wrote() {
	if r.writeDown.Swap(false) {
		r.tryWrite.Store(false)
		r.down.Store(false)
	}
}

// replayProgress is how far a replay got into a spool file it has not finished, so that the next
// try resumes there. What became of its records that is not in the database — feedback waiting
// for its decision, records dropped — takes effect only when the file is done, as it is removed
// (finishFile): the waiting feedback is written back to the spool, the drops are counted. Until
// then the file holds them, and a crash or a stop, which forget this, replay the file from its
// start (harmlessly: inserts and feedback ids are idempotent) without any of them being in two
// places or counted twice.
type replayProgress struct {
	off     int64         // every record before it is dealt with
	waiting []spoolRecord // the feedback before off waiting for its decision
	dropped int           // the records before off dropped: unreadable, refused
	// unmatched counts the feedback before off given up waiting for its decision: an unknown
	// msg_id (/feedback needs no token) or a decision lost (counted in dropped then, unless a
	// killed process's queue held it).
	unmatched int
}

func (r *Recorder) replayFile(f spoolFile) error {
	if r.stopping() {
		return errStopping
	}
	p := r.progress[f.path]
	if p == nil {
		p = &replayProgress{}
		r.progress[f.path] = p
	}
	rd, err := openSpoolReader(f.path, p.off)
	if errors.Is(err, fs.ErrNotExist) {
		// gone (removed by hand): nothing left to replay or keep
		delete(r.progress, f.path)
		return r.spool.remove(f)
	}
	if err != nil {
		return err
	}
	defer rd.close()
	batch := make([]Decision, 0, r.cfg.BatchSize)
	pending := p.off // offset past the records read, batched or not
	bad := 0         // unreadable lines before pending, counted once p.off passes them
	// What this call skipped and gave up, each logged the first time and then as a sum: a
	// damaged file, or feedback posted in bulk for made-up msg_ids, would be a line a record.
	skipped, givenUp := 0, 0
	defer func() {
		if skipped > 1 {
			r.log.Error("store: unreadable spool records skipped", "file", f.path, "records", skipped)
		}
		if givenUp > 1 {
			r.log.Warn("store: spooled feedback given up: its decision never reached the log", "file", f.path, "feedback", givenUp)
		}
	}()
	flush := func() error {
		if len(batch) > 0 {
			ctx, cancel := context.WithTimeout(context.Background(), r.cfg.WriteTimeout)
			_, refused, err := r.appendDecisions(ctx, batch)
			cancel()
			if err != nil {
				return writeFailed{err}
			}
			p.dropped += refused
			r.replayed.Add(len(batch))
			r.wrote()
			batch = batch[:0]
			r.drain()
		}
		p.off = pending
		p.dropped += bad
		bad = 0
		return nil
	}
	for {
		rec, end, err := rd.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, errBadRecord) {
			bad++
			if skipped++; skipped == 1 {
				// a damaged file may hold thousands: one line for the first, one for the sum
				r.log.Error("store: skipping an unreadable spool record", "file", f.path, "error", err)
			}
			pending = end
			continue
		}
		if err != nil {
			return fmt.Errorf("store: cannot read spool file %s: %w", f.path, err)
		}
		if rec.D != nil {
			batch = append(batch, *rec.D)
			pending = end
			if len(batch) >= r.cfg.BatchSize {
				if err := flush(); err != nil {
					return err
				}
				if r.stopping() {
					return errStopping // after the batch in flight
				}
			}
			continue
		}
		// A feedback: its decision (earlier in the spool) goes in first.
		if err := flush(); err != nil {
			return err
		}
		if r.stopping() {
			return errStopping
		}
		if _, seen := r.passFeedback[rec.F.ID]; seen && rec.F.ID != "" {
			// a second copy of a feedback this pass has set waiting or given up: a crash
			// between a waiting file's write and its source's removal left it in both
			pending, p.off = end, end
			continue
		}
		now := r.cfg.Now()
		if rec.After.After(now) {
			p.waiting = append(p.waiting, rec) // an orphan not due yet: no query
			r.passFeedback[rec.F.ID] = struct{}{}
		} else {
			ctx, cancel := context.WithTimeout(context.Background(), r.cfg.WriteTimeout)
			err = r.sink.AddFeedback(ctx, *rec.F)
			cancel()
			switch {
			case errors.Is(err, ErrNotFound) && r.awaitDecision(&rec, now):
				p.waiting = append(p.waiting, rec)
				r.passFeedback[rec.F.ID] = struct{}{}
			case errors.Is(err, ErrNotFound):
				p.unmatched++
				r.passFeedback[rec.F.ID] = struct{}{}
				if givenUp++; givenUp == 1 {
					r.log.Warn("store: giving up spooled feedback: its decision never reached the log (an unknown msg_id, or a decision lost)",
						"msg_id", rec.F.MsgID, "waited", OrphanFeedbackWait.String())
				}
			case errors.Is(err, ErrInvalid):
				p.dropped++
				r.passFeedback[rec.F.ID] = struct{}{}
				r.log.Warn("store: dropping spooled feedback", "msg_id", rec.F.MsgID, "error", err)
			case err != nil:
				return writeFailed{err}
			default:
				r.replayed.Inc()
				r.wrote()
			}
		}
		pending, p.off = end, end
		p.dropped += bad
		bad = 0
	}
	if err := flush(); err != nil {
		return err
	}
	return r.finishFile(f, p)
}

// writeFailed marks a replay's error as a write the database failed (setDown's write), as against
// the spool's own (a file that cannot be read or removed), which says nothing of the database:
// counted as refusing writes, a database would stay down while an unreadable file stopped every
// replay before it wrote anything.
type writeFailed struct{ error }

func (e writeFailed) Unwrap() error { return e.error }

// errKept ends the replay of a file whose waiting feedback could not be written to the spool (a
// full disk): the file stays, and its progress with it, until a later pass can write them.
var errKept = errors.New("store: a replayed spool file is kept for the feedback in it waiting for its decision")

// finishFile replaces a replayed file by the feedback in it still waiting for its decision: that
// is written to a spool file of its own (spool.addWaiting) first, then the file is removed and
// its drops counted. A
// crash between the two leaves the feedback in both, which is harmless (feedback ids are
// idempotent); removing first lost it to a crash before the end of the pass, and dropped it when
// the write failed.
func (r *Recorder) finishFile(f spoolFile, p *replayProgress) error {
	if n := len(p.waiting); n > 0 {
		if err := r.spool.addWaiting(p.waiting); err != nil {
			if !r.keptLogged {
				r.keptLogged = true
				r.log.Error("store: cannot spool again the feedback waiting for its decision; the spool file holding it is kept and tried again",
					"file", f.path, "waiting", n, "error", err)
			}
			return errKept
		}
		r.keptLogged = false
		r.passWaiting += int64(n)
		clear(p.waiting) // on disk now: a failed remove below must not write them twice
		p.waiting = p.waiting[:0]
	}
	if err := r.spool.remove(f); err != nil {
		return err
	}
	r.dropped.Add(p.dropped)
	r.unmatched.Add(p.unmatched)
	delete(r.progress, f.path)
	return nil
}

// OrphanFeedbackWait is how long a replayed feedback whose decision is not in the database is
// kept and tried again before it is given up (counted in FeedbackUnmatched). Replicas sharing a database each spool during an
// outage and replay when it returns, in no set order: feedback given to one replica about a
// message another answered finds its decision only once the other's spool is in (505 of 900
// were dropped in a two-replica outage before it waited).
const OrphanFeedbackWait = 30 * time.Minute

// awaitDecision reports whether rec, a replayed feedback whose decision was not found at now,
// is to be tried again later, and sets when: after 1 s, then at intervals growing about threefold to at most a minute, until
// OrphanFeedbackWait has passed since it was first not found.
func (r *Recorder) awaitDecision(rec *spoolRecord, now time.Time) bool {
	if rec.Orphan.IsZero() {
		rec.Orphan, rec.After = now, now.Add(time.Second)
		return true
	}
	if now.Sub(rec.Orphan) >= OrphanFeedbackWait {
		return false
	}
	wait := min(max(2*rec.After.Sub(rec.Orphan), time.Second), time.Minute)
	rec.After = now.Add(wait)
	return true
}
