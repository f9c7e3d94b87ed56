package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// A Claim is work that must be done once per log, whoever starts it: a weekly report sent to
// a target by the cron jobs of two replicas, or by a cron job and an operator's rerun. It is a
// row of settings, so replicas sharing PostgreSQL see one another's, as they do the hash key.
type Claim struct {
	Name string    // what is claimed, such as "report:2026-11-30…/2026-12-07…:wecom"
	Done bool      // finished; else under way (or its holder died)
	At   time.Time // when it was taken, or finished
}

const (
	claimPrefix  = "claim:"
	claimPending = "pending "
	claimDone    = "done "
)

// TakeClaim claims name for the caller. It returns true when the caller has it: nobody had,
// or the holder took it more than stale ago and never finished (killed while sending). It
// returns false and the claim as it stands when another holds it or finished it.
func (db *DB) TakeClaim(ctx context.Context, name string, now time.Time, stale time.Duration) (bool, Claim, error) {
	if db.closed.Load() {
		return false, Claim{}, ErrClosed
	}
	key, mine := claimPrefix+name, claimPending+now.UTC().Format(time.RFC3339Nano)
	res, err := db.w.ExecContext(ctx, db.q(`INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`), key, mine)
	if err != nil {
		return false, Claim{}, db.wrap("claim "+name, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 1 {
		return true, Claim{Name: name, At: now}, nil
	}
	var have string
	if err := db.w.QueryRowContext(ctx, db.q(`SELECT value FROM settings WHERE name = ?`), key).Scan(&have); err != nil {
		if errors.Is(err, sql.ErrNoRows) { // released between the insert and the read: try again
			return db.TakeClaim(ctx, name, now, stale)
		}
		return false, Claim{}, db.wrap("claim "+name, err)
	}
	c, err := parseClaim(name, have)
	if err != nil {
		return false, Claim{}, err
	}
	if c.Done || now.Sub(c.At) < stale {
		return false, c, nil
	}
	// a holder that never finished: take it over, unless another run has just done so
	res, err = db.w.ExecContext(ctx, db.q(`UPDATE settings SET value = ? WHERE name = ? AND value = ?`), mine, key, have)
	if err != nil {
		return false, Claim{}, db.wrap("claim "+name, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return false, c, nil
	}
	return true, Claim{Name: name, At: now}, nil
}

// FinishClaim marks name done: no later TakeClaim gets it.
func (db *DB) FinishClaim(ctx context.Context, name string, now time.Time) error {
	if db.closed.Load() {
		return ErrClosed
	}
	_, err := db.w.ExecContext(ctx, db.q(`UPDATE settings SET value = ? WHERE name = ?`),
		claimDone+now.UTC().Format(time.RFC3339Nano), claimPrefix+name)
	return db.wrap("finish claim "+name, err)
}

// ReleaseClaim gives name up, done or not: the work failed, or is to be done again.
func (db *DB) ReleaseClaim(ctx context.Context, name string) error {
	if db.closed.Load() {
		return ErrClosed
	}
	_, err := db.w.ExecContext(ctx, db.q(`DELETE FROM settings WHERE name = ?`), claimPrefix+name)
	return db.wrap("release claim "+name, err)
}

func parseClaim(name, value string) (Claim, error) {
	c := Claim{Name: name}
	rest, ok := strings.CutPrefix(value, claimDone)
	if c.Done = ok; !ok {
		if rest, ok = strings.CutPrefix(value, claimPending); !ok {
			return c, fmt.Errorf("store: claim %s: %q is no claim (want %q or %q and a time)", name, value, claimPending, claimDone)
		}
	}
	at, err := time.Parse(time.RFC3339Nano, rest)
	if err != nil {
		return c, fmt.Errorf("store: claim %s: %w", name, err)
	}
	c.At = at
	return c, nil
}
