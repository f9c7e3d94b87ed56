package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// ErrHashKeyDiffers is CopyFrom's error when the destination already holds decisions whose
// sender and conversation ids were hashed with another key than the source's: copying would
// leave one customer under two hashes, which records, forget and the reports could never join.
var ErrHashKeyDiffers = errors.New("store: the two decision logs hash sender and conversation ids with different keys")

// ErrSinceGap is CopyFrom's error when CopyOptions.Since is later than copySinceMargin (a
// minute) before the last complete copy into the destination began (or no copy into it
// completed): what was made between the two, or still being written as it began, would be
// copied by neither pass, without a word.
var ErrSinceGap = errors.New("store: --since leaves a gap after the last complete copy")

// copyBeganSetting names the destination's setting that keeps when its last complete copy
// began (unix microseconds): a later pass with Since up to copySinceMargin before it leaves
// nothing out.
const copyBeganSetting = "copy_began"

// copySinceMargin is how long before the last complete copy began a later pass's Since must be.
// A row's stored_at is stamped before its transaction commits (a lock, a slow disk, a synchronous
// standby wait), by the clock of the process that wrote it, and rows stored before the column
// existed are read by their time, which the recorder writes a flush, a slow commit or a retry
// later (RecorderConfig.FlushInterval, WriteTimeout): one stamped just before a copy began and
// committed just after its read was copied by neither pass given that very time.
const copySinceMargin = time.Minute

// CopyProgress is what CopyFrom has done so far: rows read from the source and rows new to the
// destination (a row the destination holds already is read, not written). Total is the
// source's row count of the table being copied, counted as it began.
type CopyProgress struct {
	Table       string // "decisions", "feedback" or "labels"
	Read, Added int64
	Total       int64
	// Decisions, Feedback and Labels are the rows each finished table added.
	Decisions, Feedback, Labels int64
	// OwnHashKey: the source keeps a hash key of its own (serve ran without --hash-key), which
	// the destination now keeps too. Its processes then need no --hash-key, and must not be
	// given one: a given key hashes every customer apart from their history.
	OwnHashKey bool
}

// CopyOptions tune CopyFrom.
type CopyOptions struct {
	// Since, when not zero, copies only what changed since: decisions made or stored (one
	// spooled while the database was down is stored long after it was made), feedback given or
	// stored, and labels given at or after it. A second pass of a move takes seconds instead of
	// reading the whole log again. It must be a minute or more before the last complete copy
	// into the destination began (ErrSinceGap): a row is stamped a little before its commit.
	Since time.Time
	// Progress, when not nil, is called after each batch.
	Progress func(CopyProgress)
}

// copyBatch is how many rows CopyFrom writes per transaction: large enough that commits cost
// little, small enough that an interrupted copy repeats little (a rerun skips what is there).
const copyBatch = 5000

// CopyFrom copies the decision log src holds into db — decisions, their feedback (with when each
// was given and when it was stored, which learning reads), labels, and the hash key src keeps —
// so a shop that began on SQLite can move its history to the PostgreSQL its replicas will share
// (or the other way). Rows db holds already stay as they are (a label that src has newer is
// taken), so a copy that was interrupted, or made while serve still wrote src, is completed by
// running it again. Every row is cleaned on the way in as if it were written now (text masked,
// ids hashed).
//
// db, opened with Config.CopyInto, takes the hash key src keeps in its settings, or keeps none
// when src keeps none (serve was given --hash-key, which every process on either log then
// needs); db hashes with src's key from then on, so CopyFrom is db's only use while it runs. A
// db that keeps another key already (a replica started on it made one) or holds decisions
// hashed with one is refused: ErrHashKeyDiffers.
func (db *DB) CopyFrom(ctx context.Context, src *DB, opt CopyOptions) (CopyProgress, error) {
	if db.closed.Load() || src.closed.Load() {
		return CopyProgress{}, ErrClosed
	}
	if !db.copyInto {
		return CopyProgress{}, errors.New("store: CopyFrom's destination is opened with Config.CopyInto")
	}
	// Before anything is read: what is made from now on is left to the next pass.
	began := time.Now()
	// The key first, so that a pass refused for its Since leaves the source's for the rerun.
	own, err := db.adoptHashKey(ctx, src)
	if err != nil {
		return CopyProgress{}, err
	}
	if !opt.Since.IsZero() {
		if err := db.checkSince(ctx, opt.Since); err != nil {
			return CopyProgress{}, err
		}
	}
	// db hashes as src from now on (the key a new db generated at Open is gone): rows come
	// cleaned already, and one cleaned again by a stricter masker is hashed as src would.
	db.hasher = src.hasher
	if opt.Progress == nil {
		opt.Progress = func(CopyProgress) {}
	}
	since := micros(opt.Since)
	p := CopyProgress{OwnHashKey: own}
	steps := []struct {
		table, since string // since: the condition Since puts on the table's rows
		copy         func(context.Context, *DB, *CopyProgress, CopyOptions) error
		added        *int64
	}{
		{"decisions", changedSince, db.copyDecisions, &p.Decisions},
		{"feedback", changedSince, db.copyFeedback, &p.Feedback}, // after decisions: each links to one
		{"labels", "at >= ?", db.copyLabels, &p.Labels},
	}
	for _, s := range steps {
		p.Table, p.Read, p.Added = s.table, 0, 0
		count, args := "SELECT COUNT(*) FROM "+s.table, []any{}
		if since != 0 {
			count += " WHERE " + s.since
			for range strings.Count(s.since, "?") {
				args = append(args, since)
			}
		}
		if err := src.r.QueryRowContext(ctx, src.q(count), args...).Scan(&p.Total); err != nil {
			return p, src.wrap("cannot count "+s.table, err)
		}
		if err := s.copy(ctx, src, &p, opt); err != nil {
			return p, err
		}
		*s.added = p.Added
	}
	_, err = db.w.ExecContext(ctx, db.q(`INSERT INTO settings (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`), copyBeganSetting, strconv.FormatInt(micros(began), 10))
	return p, db.wrap("cannot note when the copy began", err)
}

// checkSince refuses a Since later than copySinceMargin before the last complete copy into db
// began: a second pass given the time of the switch, or a duration too short for the move
// (--since 1h three hours after the first copy), would leave out every decision, feedback and
// label made between, and one given the very time the copy began those in flight then.
func (db *DB) checkSince(ctx context.Context, since time.Time) error {
	var v string
	err := db.w.QueryRowContext(ctx, db.q(`SELECT value FROM settings WHERE name = ?`), copyBeganSetting).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: no copy into this database has completed; copy without --since first", ErrSinceGap)
	}
	if err != nil {
		return db.wrap("cannot read when the last copy began", err)
	}
	us, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return fmt.Errorf("store: the setting %s holds %q, not a time: %w", copyBeganSetting, v, err)
	}
	// compared in microseconds, as the copy's queries and the kept time have it
	if began := fromMicros(us); fromMicros(micros(since)).After(began.Add(-copySinceMargin)) {
		return fmt.Errorf("%w: the last complete copy into this database began at %s, and what was made (or still being written) after %s and before %s would be copied by neither pass; give --since %s or earlier",
			ErrSinceGap, began.Format(time.RFC3339), began.Add(-copySinceMargin).Format(time.RFC3339), since.Format(time.RFC3339), began.Add(-copySinceMargin).Format(time.RFC3339))
	}
	return nil
}

// KeepsHashKey reports whether the log keeps the key its ids are hashed with: false for one
// zhiyi serve wrote with --hash-key, whose key only serve's environment holds.
func (db *DB) KeepsHashKey(ctx context.Context) (bool, error) {
	if db.closed.Load() {
		return false, ErrClosed
	}
	key, err := db.keptHashKey(ctx, db.r)
	return key != nil, err
}

// keptHashKey returns the hash key db's settings keep, or nil when they keep none.
func (db *DB) keptHashKey(ctx context.Context, c *sql.DB) ([]byte, error) {
	var v string
	err := c.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = 'hash_key'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, db.wrap("cannot read the hash key", err)
	}
	key, err := hex.DecodeString(v)
	if err != nil || len(key) == 0 {
		return nil, fmt.Errorf("store: the stored hash key is empty or not hex (%v)", err)
	}
	return key, nil
}

// adoptHashKey makes db keep the hash key src keeps (or none, as src): a db without decisions
// takes it; one with decisions must keep it already. It reports whether src keeps one.
func (db *DB) adoptHashKey(ctx context.Context, src *DB) (bool, error) {
	want, err := src.keptHashKey(ctx, src.r)
	if err != nil {
		return false, err
	}
	have, err := db.keptHashKey(ctx, db.w)
	if err != nil {
		return false, err
	}
	if bytes.Equal(have, want) {
		return want != nil, nil
	}
	var any bool
	if err := db.w.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM decisions)`).Scan(&any); err != nil {
		return false, db.wrap("cannot read the decisions", err)
	}
	if any {
		kept := func(k []byte) string {
			if k == nil {
				return "none (serve was given --hash-key)"
			}
			return "its own"
		}
		return false, fmt.Errorf("%w: the destination holds decisions and keeps %s, the source keeps %s; copy into a new database",
			ErrHashKeyDiffers, kept(have), kept(want))
	}
	// Made by another process (db was opened as a copy's, which makes none) — a replica
	// started on the destination before the copy, with no decision written yet: it hashes with
	// that key from memory, and replacing it would split everything it writes from the
	// history copied in, without a word. So is one stored between the read and this insert.
	anotherProcess := fmt.Errorf("%w: the destination keeps a hash key another process made (a zhiyi serve started on it hashes with it): stop it and copy into a new database, then start it again",
		ErrHashKeyDiffers)
	if have != nil {
		return false, anotherProcess
	}
	// have is nil, so want is not (they differ)
	res, err := db.w.ExecContext(ctx, db.q(`INSERT INTO settings (name, value) VALUES ('hash_key', ?) ON CONFLICT (name) DO NOTHING`),
		hex.EncodeToString(want))
	if err != nil {
		return false, db.wrap("cannot keep the hash key", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return false, anotherProcess
	}
	return true, nil
}

// inBatches copies rows: scan calls its fn for each row of the source, and write stores them
// copyBatch at a time, returning how many were new; progress is reported after each batch.
func inBatches[T any](p *CopyProgress, opt CopyOptions, scan func(fn func(*T) error) error, write func([]T) (int64, error)) error {
	batch := make([]T, 0, copyBatch)
	flush := func() error {
		n, err := write(batch)
		if err != nil {
			return err
		}
		p.Read += int64(len(batch))
		p.Added += n
		batch = batch[:0]
		opt.Progress(*p)
		return nil
	}
	err := scan(func(r *T) error {
		batch = append(batch, *r)
		if len(batch) == copyBatch {
			return flush()
		}
		return nil
	})
	if err == nil && len(batch) > 0 {
		err = flush()
	}
	return err
}

func (db *DB) copyDecisions(ctx context.Context, src *DB, p *CopyProgress, opt CopyOptions) error {
	return inBatches(p, opt, func(fn func(*Decision) error) error {
		return src.Decisions(ctx, Query{Since: opt.Since, StoredSince: opt.Since}, fn)
	}, func(ds []Decision) (int64, error) {
		n, err := db.AppendDecisions(ctx, ds)
		return int64(n), err
	})
}

// copiedFeedback is a feedback row as stored, with when it reached the database.
type copiedFeedback struct {
	Feedback
	storedAt int64
}

// changedSince selects the decisions made, or feedback given, or either stored since a time
// (CopyOptions.Since): one spooled through an outage is stored long after its time.
const changedSince = "(at >= ? OR stored_at >= ?)"

func (db *DB) copyFeedback(ctx context.Context, src *DB, p *CopyProgress, opt CopyOptions) error {
	return inBatches(p, opt, func(fn func(*copiedFeedback) error) error {
		return src.feedbackRows(ctx, opt.Since, func(f *copiedFeedback) error {
			f.Feedback = cleanFeedback(db.Hash, f.Feedback)
			return fn(f)
		})
	}, func(fs []copiedFeedback) (int64, error) { return db.insertFeedback(ctx, fs) })
}

// feedbackRows calls fn for each feedback row given or stored since (everything when zero), in
// the order they were stored.
func (db *DB) feedbackRows(ctx context.Context, since time.Time, fn func(*copiedFeedback) error) error {
	query, args := `SELECT id, msg_id, at, rating, resolved, correct_intent, comment, agent_id, stored_at FROM feedback`, []any{}
	if !since.IsZero() {
		query += " WHERE " + changedSince
		args = append(args, micros(since), micros(since))
	}
	rows, err := db.r.QueryContext(ctx, db.q(query+" ORDER BY seq"), args...)
	if err != nil {
		return db.wrap("cannot read feedback", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			f        copiedFeedback
			at       int64
			resolved sql.NullBool
		)
		if err := rows.Scan(&f.ID, &f.MsgID, &at, &f.Rating, &resolved, &f.CorrectIntent, &f.Comment, &f.AgentID, &f.storedAt); err != nil {
			return db.wrap("cannot read feedback", err)
		}
		f.Time = fromMicros(at)
		if resolved.Valid {
			f.Resolved = &resolved.Bool
		}
		if err := fn(&f); err != nil {
			return err
		}
	}
	return db.wrap("cannot read feedback", rows.Err())
}

// insertFeedback stores copied feedback as it was stored in its source, in one transaction,
// skipping those stored already and any whose decision db lacks (deleted meanwhile).
func (db *DB) insertFeedback(ctx context.Context, fs []copiedFeedback) (int64, error) {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, db.wrap("cannot add feedback", err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, db.q(`INSERT INTO feedback (id, msg_id, at, rating, resolved, correct_intent, comment, agent_id, stored_at)
		SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM decisions WHERE msg_id = ?)
		ON CONFLICT (id) DO NOTHING`))
	if err != nil {
		return 0, db.wrap("cannot add feedback", err)
	}
	defer stmt.Close()
	var n int64
	for i := range fs {
		f := &fs[i]
		var resolved any
		if f.Resolved != nil {
			resolved = *f.Resolved
		}
		res, err := stmt.ExecContext(ctx, f.ID, f.MsgID, micros(f.Time), f.Rating, resolved, f.CorrectIntent, f.Comment, f.AgentID, f.storedAt, f.MsgID)
		if err != nil {
			return 0, db.wrap("cannot add feedback", err)
		}
		if k, err := res.RowsAffected(); err == nil {
			n += k
		}
	}
	return n, db.wrap("cannot add feedback", tx.Commit())
}

func (db *DB) copyLabels(ctx context.Context, src *DB, p *CopyProgress, opt CopyOptions) error {
	return inBatches(p, opt, func(fn func(*Label) error) error {
		return src.Labels(ctx, LabelQuery{Since: opt.Since}, fn)
	}, func(ls []Label) (int64, error) {
		clean, err := db.cleanLabels(ls)
		if err != nil {
			return 0, err
		}
		tx, err := db.w.BeginTx(ctx, nil)
		if err != nil {
			return 0, db.wrap("cannot add labels", err)
		}
		defer tx.Rollback()
		n, err := upsertLabels(ctx, tx, db.q, clean, true)
		if err != nil {
			return 0, db.wrap("cannot add labels", err)
		}
		return n, db.wrap("cannot add labels", tx.Commit())
	})
}

// SpoolState says whether a zhiyi serve holds the spool in dataDir (it is running on that
// --data-dir, and may still write the log there) and how many spool files wait to be replayed
// (records the log does not hold yet). A copy of the log made meanwhile misses both.
func SpoolState(dataDir string) (running bool, waiting int, err error) {
	dir := filepath.Join(dataDir, SpoolDirName)
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, 0, nil
	}
	if err != nil {
		return false, 0, fmt.Errorf("store: cannot read the spool directory: %w", err)
	}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".jsonl") && !e.IsDir() {
			waiting++
		}
	}
	unlock, err := tryLockFile(filepath.Join(dir, spoolLockName))
	if errors.Is(err, errLocked) {
		return true, waiting, nil
	}
	if err != nil {
		return false, waiting, err
	}
	unlock()
	return false, waiting, nil
}

// SameLog reports whether two configs name one decision log: one SQLite file (through any path
// or link), or one PostgreSQL database (host, port and name alike).
func SameLog(a, b Config) bool {
	if a.Kind() != b.Kind() {
		return false
	}
	if a.Kind() == "sqlite" {
		return sameFile(a.SQLitePath(), b.SQLitePath())
	}
	ca, errA := pgconn.ParseConfig(a.URL)
	cb, errB := pgconn.ParseConfig(b.URL)
	if errA != nil || errB != nil {
		return a.URL == b.URL
	}
	return ca.Host == cb.Host && ca.Port == cb.Port && ca.Database == cb.Database
}

// sameFile reports whether two paths name one file, or would if it were created.
func sameFile(a, b string) bool {
	if sa, err := os.Stat(a); err == nil {
		if sb, err := os.Stat(b); err == nil {
			return os.SameFile(sa, sb)
		}
	}
	a, _ = filepath.Abs(a)
	b, _ = filepath.Abs(b)
	return a == b
}
