package store

import (
	"context"
	"errors"
	"time"
)

// The recorder's retention: a pass now (Retain) and one every RetainEvery (retainLoop).

// Retain runs one retention pass: decisions older than Retain (and their feedback) go.
func (r *Recorder) Retain(ctx context.Context) (decisions, feedback int64, err error) {
	if r.cfg.Retain <= 0 {
		return 0, 0, nil
	}
	nd, nf, err := r.sink.DeleteBefore(ctx, r.cfg.Now().Add(-r.cfg.Retain))
	r.retained.Add(int(nd))
	switch {
	case errors.Is(err, context.Canceled), err != nil && errors.Is(ctx.Err(), context.Canceled):
		// closing: not a failure to report (it read as one before a start-up error). SQLite
		// answers a statement the cancel interrupted with its own error ("sqlite3: interrupted"),
		// not ctx's: that read as a failed pass to be run again later at every early Close.
	case err != nil && r.outageKnown():
		// the database is down and that was logged: the retention pass is one more victim
		// of the outage, not news (at a start with PostgreSQL down it was a second warning)
		r.log.Debug("store: retention failed while the database is down; it runs again later", "error", err)
	case err != nil:
		r.log.Warn("store: retention failed; it runs again later", "deleted_decisions", nd, "deleted_feedback", nf,
			"retain", r.cfg.Retain.String(), "error", err)
	case nd > 0:
		r.log.Info("store: retention", "deleted_decisions", nd, "deleted_feedback", nf, "retain", r.cfg.Retain.String())
	}
	return nd, nf, err
}

// outageKnown reports whether a database outage has been logged and not yet ended: the recorder
// is spooling, or Open is still connecting to a PostgreSQL it could not reach.
func (r *Recorder) outageKnown() bool {
	if r.down.Load() {
		return true
	}
	c, ok := r.sink.(interface{ connecting() bool })
	return ok && c.connecting()
}

func (r *Recorder) retainLoop() {
	defer r.wg.Done()
	t := time.NewTicker(r.cfg.RetainEvery)
	defer t.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		go func() { // Close cancels a pass in progress
			select {
			case <-r.stop:
				cancel()
			case <-ctx.Done():
			}
		}()
		r.Retain(ctx)
		cancel()
		select {
		case <-r.stop:
			return
		case <-t.C:
		}
	}
}
