package store

import (
	"context"
	"errors"
	"time"
)

// AddFeedback stores f through the sink. A decision still queued here is written first, so
// feedback that overtakes its decision is not refused; ErrNotFound is returned only when the
// decision is in neither the database nor the queue, and has not reached the database within
// lateDecisionWait (another replica sharing it may hold the decision in its own queue). While the database is down (or the
// decision waits in the spool) the feedback is spooled and replayed after its decision, and
// AddFeedback returns nil; at replay a feedback whose decision is unknown waits for it (another
// replica may still be replaying it) and is given up, counted (FeedbackUnmatched) and logged after OrphanFeedbackWait. ErrInvalid is returned for a bad field, ErrUnavailable when the database fails
// and the spool is full, and ctx's error when it ends while waiting for the queue.
func (r *Recorder) AddFeedback(ctx context.Context, f Feedback) error {
	if err := f.validate(); err != nil {
		return err
	}
	if f.ID == "" {
		f.ID = NewID() // before any spooling, so a replay cannot add it twice
	}
	if f.Time.IsZero() {
		f.Time = r.cfg.Now()
	}
	if r.down.Load() {
		return r.spoolFeedbackLast(ctx, &f)
	}
	// The database gets part of ctx's time: a locked or slow one must leave the rest for the
	// spool, or the feedback is refused instead of kept.
	sctx, cancel := sinkContext(ctx)
	defer cancel()
	err := r.addFeedback(sctx, f)
	if errors.Is(err, ErrNotFound) {
		if ferr := r.Flush(sctx); ferr != nil {
			return r.spoolFeedbackLast(ctx, &f)
		}
		if r.down.Load() || r.spool.Records() > r.waiting.Load() {
			// its decision may be in the spool (feedback waiting for other replicas' decisions
			// is no sign of that: an unknown message is still a 404)
			return r.spoolFeedback(&f)
		}
		err = r.addFeedback(sctx, f)
	}
	// Another replica may have answered the message and not written it yet (its own queue):
	// a 404 looks final to a gateway, so wait a little for the shared log first.
	for waited := time.Duration(0); errors.Is(err, ErrNotFound) && waited < lateDecisionWait; waited += lateDecisionStep {
		select {
		case <-sctx.Done():
			return sctx.Err()
		case <-time.After(lateDecisionStep):
		}
		err = r.addFeedback(sctx, f)
	}
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrClosed) {
		r.errs.Inc()
		return r.spoolFeedbackLast(ctx, &f)
	}
	return err
}

// lateDecisionWait is how long feedback waits for its decision to reach the log before it is
// refused as unknown: several of another replica's flushes (DefaultFlushInterval), in steps.
const (
	lateDecisionWait = 500 * time.Millisecond
	lateDecisionStep = 50 * time.Millisecond
)

// spoolFeedbackLast spools f behind every decision queued before it: the queue goes first (to
// the database, or to the spool while it is down), so that at replay the feedback finds its
// decision.
// The wait for the queue is short (spoolFeedbackWait): while the database is down the writer
// spends up to WriteTimeout on each try of it (a locked SQLite file, a PostgreSQL that does not
// answer), and every /feedback took that long. Past the wait the feedback is spooled all the
// same: its decision, answered earlier, is in the database or reaches the spool soon after,
// and replay keeps a feedback waiting for its decision (OrphanFeedbackWait).
func (r *Recorder) spoolFeedbackLast(ctx context.Context, f *Feedback) error {
	fctx, cancel := context.WithTimeout(ctx, spoolFeedbackWait)
	_ = r.Flush(fctx) // best effort, see above; ErrClosed: the queue went to the spool already
	cancel()
	return r.spoolFeedback(f)
}

// spoolFeedbackWait bounds how long feedback spooled while the database is down waits for the
// decisions queued before it: an idle writer drains its queue to the spool in far less.
const spoolFeedbackWait = 250 * time.Millisecond

// sinkContext bounds a call to the database by half the time left to ctx (two seconds when ctx
// has no deadline).
func sinkContext(ctx context.Context) (context.Context, context.CancelFunc) {
	d := 2 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		d = time.Until(dl) / 2
	}
	return context.WithTimeout(ctx, d)
}
