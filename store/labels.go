package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// labelsLock is the PostgreSQL advisory lock (pg_advisory_xact_lock) AddLabelsUnlessTaken holds
// for its transaction: one fixed key ("zhiylab!" in ASCII), so the keeping writes of every
// replica on the database queue behind each other. Advisory locks are per database; migrate's
// lock (goose's) uses another key.
const labelsLock int64 = 0x7a6869796c616221

// AddLabels stores labels, replacing those with the same Key; ErrInvalid for a label without
// an intent or without both key and text. Text is masked; a zero Time becomes now.
func (db *DB) AddLabels(ctx context.Context, ls []Label) error {
	if db.closed.Load() {
		return ErrClosed
	}
	clean, err := db.cleanLabels(ls)
	if err != nil {
		return err
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return db.wrap("cannot add labels", err)
	}
	defer tx.Rollback()
	if _, err := upsertLabels(ctx, tx, db.q, clean, false); err != nil {
		return db.wrap("cannot add labels", err)
	}
	return db.wrap("cannot add labels", tx.Commit())
}

// AddLabelsUnlessTaken stores the labels operator by gave from a page made at since, except
// for the messages someone other than by labelled at or after since, whose labels stay: that
// operator saw something this one's page did not. A message's label by this operator does not
// keep it (the newest label counts, and it is theirs). It returns the labels of ls it stored
// and the labels it left alone as they are now, keyed by their Key as Labels returns it.
// ErrInvalid as AddLabels, and then nothing is stored.
//
// The read and the write are one transaction that no other AddLabelsUnlessTaken on the same
// database runs beside, in this process or another: SQLite's write lock, taken as the
// transaction begins (BEGIN IMMEDIATE), or on PostgreSQL an advisory lock held until it ends.
// So of two operators labelling one message at once, on one replica or two, one label is
// stored and the other operator is told it was kept. AddLabels is not held back by the lock;
// what it writes simply replaces, as it always does.
func (db *DB) AddLabelsUnlessTaken(ctx context.Context, since time.Time, by string, ls []Label) (added []Label, taken map[string]Label, err error) {
	if db.closed.Load() {
		return nil, nil, ErrClosed
	}
	if len(ls) == 0 {
		return nil, nil, nil
	}
	clean, err := db.cleanLabels(ls)
	if err != nil {
		return nil, nil, err
	}
	added, taken, err = db.addUnlessTaken(ctx, since, maskID(db.Hash, by), ls, clean)
	if err != nil {
		return nil, nil, db.wrap("cannot add labels", err)
	}
	return added, taken, nil
}

// addUnlessTaken is AddLabelsUnlessTaken's transaction; clean is ls cleaned, by masked.
func (db *DB) addUnlessTaken(ctx context.Context, since time.Time, by string, ls, clean []Label) ([]Label, map[string]Label, error) {
	// SQLite: serializable is BEGIN IMMEDIATE whatever the connection's _txlock, so the read
	// below already holds the write lock and sees the last commit. PostgreSQL: read committed
	// (whatever default_transaction_isolation says), so the read, a statement after the lock is
	// granted, sees what the previous holder committed; repeatable read would have taken its
	// snapshot at the lock's statement, before the wait.
	opts := &sql.TxOptions{Isolation: sql.LevelSerializable}
	if db.kind == "postgres" {
		opts.Isolation = sql.LevelReadCommitted
	}
	tx, err := db.w.BeginTx(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	defer tx.Rollback()
	if db.kind == "postgres" {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, labelsLock); err != nil {
			return nil, nil, err
		}
	}
	stmt, err := tx.PrepareContext(ctx, db.q(`SELECT at, text, intent, source, labelled_by FROM labels WHERE label_key = ? AND at >= ?`))
	if err != nil {
		return nil, nil, err
	}
	defer stmt.Close()
	taken := map[string]Label{}
	for _, l := range clean {
		if _, ok := taken[l.Key]; ok {
			continue
		}
		cur := Label{Key: l.Key}
		var at int64
		err := stmt.QueryRowContext(ctx, l.Key, micros(since)).Scan(&at, &cur.Text, &cur.Intent, &cur.Source, &cur.By)
		if errors.Is(err, sql.ErrNoRows) {
			continue // not labelled since the page was made
		}
		if err != nil {
			return nil, nil, err
		}
		if cur.By == by {
			continue // labelled by this operator: the newest label counts, and it is theirs
		}
		cur.Time = fromMicros(at)
		taken[l.Key] = cur
	}
	added := make([]Label, 0, len(ls))
	write := make([]Label, 0, len(clean))
	for i, l := range clean {
		if _, ok := taken[l.Key]; !ok {
			added = append(added, ls[i])
			write = append(write, l)
		}
	}
	if len(write) > 0 {
		if _, err := upsertLabels(ctx, tx, db.q, write, false); err != nil {
			return nil, nil, err
		}
	}
	return added, taken, tx.Commit()
}

// cleanLabels checks ls and returns them cleaned for writing (cleanLabel), a zero Time now.
func (db *DB) cleanLabels(ls []Label) ([]Label, error) {
	now := time.Now()
	clean := make([]Label, len(ls))
	for i, l := range ls {
		if l.Intent == "" || l.Key == "" && strings.TrimSpace(l.Text) == "" {
			return nil, fmt.Errorf("%w: label %d needs an intent and a key or text", ErrInvalid, i+1)
		}
		clean[i] = cleanLabel(db.Hash, l)
		if clean[i].Time.IsZero() {
			clean[i].Time = now
		}
	}
	return clean, nil
}

// upsertLabels stores clean labels within tx, replacing those with the same key — only those
// older than the new one when newerOnly (a copy keeps the later of two labels) — and returns
// how many it stored; q numbers placeholders (DB.q).
func upsertLabels(ctx context.Context, tx *sql.Tx, q func(string) string, clean []Label, newerOnly bool) (int64, error) {
	query := `INSERT INTO labels (label_key, at, text, intent, source, labelled_by) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (label_key) DO UPDATE SET at = excluded.at, text = excluded.text, intent = excluded.intent,
		source = excluded.source, labelled_by = excluded.labelled_by`
	if newerOnly {
		query += ` WHERE excluded.at > labels.at`
	}
	stmt, err := tx.PrepareContext(ctx, q(query))
	if err != nil {
		return 0, err
	}
	defer stmt.Close()
	var n int64
	for _, l := range clean {
		res, err := stmt.ExecContext(ctx, l.Key, micros(l.Time), l.Text, l.Intent, l.Source, l.By)
		if err != nil {
			return 0, err
		}
		if k, err := res.RowsAffected(); err == nil {
			n += k
		}
	}
	return n, nil
}

// Labels calls fn for each label q selects, oldest first.
func (db *DB) Labels(ctx context.Context, q LabelQuery, fn func(*Label) error) error {
	if db.closed.Load() {
		return ErrClosed
	}
	var w where
	w.span("at", q.Since, q.Until)
	w.eq("source", q.Source)
	w.eq("intent", q.Intent)
	rows, err := db.r.QueryContext(ctx, db.q("SELECT label_key, at, text, intent, source, labelled_by FROM labels"+
		w.String()+" ORDER BY at, label_key"+limit(q.Limit)), w.args...)
	if err != nil {
		return db.wrap("cannot read labels", err)
	}
	defer rows.Close()
	var (
		l  Label
		at int64
	)
	for rows.Next() {
		if err := rows.Scan(&l.Key, &at, &l.Text, &l.Intent, &l.Source, &l.By); err != nil {
			return db.wrap("cannot read labels", err)
		}
		l.Time = fromMicros(at)
		if err := fn(&l); err != nil {
			return err
		}
	}
	return db.wrap("cannot read labels", rows.Err())
}
