package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// DB is the Store over SQL: SQLite or PostgreSQL, chosen by Open. Both run the same queries
// (written with ? placeholders, numbered for PostgreSQL); they differ in how they are opened
// and how a batch of decisions is inserted.
type DB struct {
	hasher
	kind   string  // "sqlite" or "postgres"
	r      *sql.DB // reads
	w      *sql.DB // writes and migrations: SQLite's single writer connection; PostgreSQL's pool
	pool   *pgxpool.Pool
	path   string // the SQLite file
	log    *slog.Logger
	closed atomic.Bool
	// stopConnecting and connected run the background connection of a database Open could not
	// reach (Config.ConnectLater); nil otherwise.
	stopConnecting context.CancelFunc
	connected      chan struct{}
	ready          atomic.Bool // the background connection connected and migrated
	// copyInto: opened as CopyFrom's destination (Config.CopyInto), so no hash key was made
	// here: a key the database keeps was made by another process, which hashes with it, and
	// CopyFrom must not replace it.
	copyInto bool
	// created: Open made the SQLite file (none was at the path), said once Open succeeds.
	created bool
	// bulk inserts cleaned decisions, returning how many were new.
	bulk func(ctx context.Context, ds []Decision) (int, error)
}

var _ Store = (*DB)(nil)

// Kind reports the backend: "sqlite" or "postgres".
func (db *DB) Kind() string { return db.kind }

// Path returns the SQLite database file ("" for PostgreSQL).
func (db *DB) Path() string { return db.path }

// q numbers the ? placeholders of a query for PostgreSQL ($1, $2 …); SQLite takes them as they
// are. No query here has a ? inside a string literal.
func (db *DB) q(query string) string {
	if db.kind != "postgres" || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// Close closes the database. Later calls return ErrClosed.
func (db *DB) Close() error {
	if db.closed.Swap(true) {
		return nil
	}
	if db.stopConnecting != nil {
		db.stopConnecting()
		<-db.connected
	}
	var err error
	if db.r != nil && db.r != db.w {
		err = db.r.Close()
	}
	if db.w != nil {
		if werr := db.w.Close(); err == nil {
			err = werr
		}
	}
	if db.pool != nil {
		db.pool.Close()
	}
	return err
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if db.closed.Load() {
		return ErrClosed
	}
	if db.connected != nil && !db.ready.Load() {
		// answering, perhaps, but not yet migrated by Open's background connection
		return db.wrap("ping", errNotConnected)
	}
	return db.wrap("ping", db.w.PingContext(ctx))
}

// ProbeWrite writes one row of settings (the time of the probe): whether the database takes
// writes, which a ping does not say (a read-only standby, a role without INSERT, a locked
// SQLite file answer pings).
func (db *DB) ProbeWrite(ctx context.Context) error {
	if db.closed.Load() {
		return ErrClosed
	}
	_, err := db.w.ExecContext(ctx, db.q(`INSERT INTO settings (name, value) VALUES ('write_probe', ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`), time.Now().UTC().Format(time.RFC3339Nano))
	return db.wrap("write probe", err)
}

// errNotConnected is Ping's error while a database Open could not reach is not yet connected
// and migrated (Config.ConnectLater).
var errNotConnected = errors.New("not connected yet")

// SizeBytes returns the database's size: SQLite's pages after checkpointing the WAL into the
// main file, or PostgreSQL's pg_database_size.
func (db *DB) SizeBytes(ctx context.Context) (int64, error) {
	if db.closed.Load() {
		return 0, ErrClosed
	}
	var n int64
	if db.kind == "postgres" {
		err := db.r.QueryRowContext(ctx, `SELECT pg_database_size(current_database())`).Scan(&n)
		return n, db.wrap("cannot measure the database", err)
	}
	if _, err := db.w.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return 0, db.wrap("cannot checkpoint", err)
	}
	var pages, size int64
	if err := db.w.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		return 0, db.wrap("cannot measure the database", err)
	}
	if err := db.w.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&size); err != nil {
		return 0, db.wrap("cannot measure the database", err)
	}
	return pages * size, nil
}

// decisionCols are the decisions table's columns in the order every query uses.
const decisionCols = `msg_id, at, channel, sender, chat, text, intent, confidence, route, reason, answer_id, model, latency_us, rule, variant, sentiment, turn, active_intent, is_repeat, escalation`

const numDecisionCols = 20

// insertCols are the columns a decision is written with: decisionCols, then stored_at, when it
// reached the database (unix microseconds), which only a copy's second pass reads
// (CopyOptions.Since): a decision spooled through an outage is written long after its time.
const insertCols = decisionCols + ", stored_at"

const numInsertCols = numDecisionCols + 1

// insertArgs appends d's values in insertCols order, stored being when it is written.
func insertArgs(dst []any, d *Decision, stored int64) []any {
	return append(dst, d.MsgID, micros(d.Time), d.Channel, d.SenderHash, d.ChatHash, d.Text, d.Intent,
		d.Confidence, d.Route, d.Reason, d.AnswerID, d.Model, d.LatencyMicros, d.Rule, d.Variant,
		d.Sentiment, d.Turn, d.ActiveIntent, d.Repeat, d.Escalation, stored)
}

// decisionDest returns scan destinations in decisionCols order; finish converts the time.
type decisionScan struct {
	d  Decision
	at int64
}

func (s *decisionScan) dest(dst []any) []any {
	d := &s.d
	return append(dst, &d.MsgID, &s.at, &d.Channel, &d.SenderHash, &d.ChatHash, &d.Text, &d.Intent,
		&d.Confidence, &d.Route, &d.Reason, &d.AnswerID, &d.Model, &d.LatencyMicros, &d.Rule, &d.Variant,
		&d.Sentiment, &d.Turn, &d.ActiveIntent, &d.Repeat, &d.Escalation)
}

// AppendDecisions inserts decisions, ignoring those whose MsgID is stored already (also
// within ds), and returns how many were new. Each is cleaned first: text masked, ids free of
// personal data, sender and chat hashed if they are not hashes; an empty MsgID gets NewID()
// and a zero Time the current time.
func (db *DB) AppendDecisions(ctx context.Context, ds []Decision) (int, error) {
	if db.closed.Load() {
		return 0, ErrClosed
	}
	if len(ds) == 0 {
		return 0, nil
	}
	rows := make([]Decision, len(ds))
	now := time.Now()
	for i := range ds {
		rows[i] = clean(db.Hash, ds[i])
		if rows[i].MsgID == "" {
			rows[i].MsgID = NewID()
		}
		if rows[i].Time.IsZero() {
			rows[i].Time = now
		}
	}
	n, err := db.bulk(ctx, rows)
	if err != nil && refusedValue(err) {
		// The database answered, and said no to a value: not an outage to spool for.
		return 0, fmt.Errorf("store: cannot append decisions: %w: %w", ErrInvalid, err)
	}
	return n, db.wrap("cannot append decisions", err)
}

// AddFeedback stores f linked to its decision: ErrNotFound when no decision has f.MsgID,
// ErrInvalid for an empty MsgID or a rating outside 0–5. Comment is masked; an empty ID gets
// NewID() and a zero Time the current time. A feedback whose ID is stored already is ignored.
func (db *DB) AddFeedback(ctx context.Context, f Feedback) error {
	if db.closed.Load() {
		return ErrClosed
	}
	if err := f.validate(); err != nil {
		return err
	}
	f = cleanFeedback(db.Hash, f)
	if f.ID == "" {
		f.ID = NewID()
	}
	if f.Time.IsZero() {
		f.Time = time.Now()
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return db.wrap("cannot add feedback", err)
	}
	defer tx.Rollback()
	var one int
	err = tx.QueryRowContext(ctx, db.q(`SELECT 1 FROM decisions WHERE msg_id = ?`), f.MsgID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: no decision with msg_id %q", ErrNotFound, f.MsgID)
	}
	if err != nil {
		return db.wrap("cannot add feedback", err)
	}
	var resolved any
	if f.Resolved != nil {
		resolved = *f.Resolved
	}
	if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO feedback (id, msg_id, at, rating, resolved, correct_intent, comment, agent_id, stored_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`),
		// stored_at is stamped before the commit, which may wait (a lock, a synchronous standby):
		// learn.Corrections reads with a margin for it (learn.CommitMargin)
		f.ID, f.MsgID, micros(f.Time), f.Rating, resolved, f.CorrectIntent, f.Comment, f.AgentID, micros(time.Now())); err != nil {
		return db.wrap("cannot add feedback", err)
	}
	return db.wrap("cannot add feedback", tx.Commit())
}

func (f *Feedback) validate() error {
	switch {
	case f.MsgID == "":
		return fmt.Errorf("%w: feedback without msg_id", ErrInvalid)
	case f.Rating < 0 || f.Rating > 5:
		return fmt.Errorf("%w: rating %d outside 1–5 (0 for none)", ErrInvalid, f.Rating)
	}
	return nil
}

// where collects a WHERE clause and its arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) eq(col, v string) {
	if v != "" {
		w.add(col+" = ?", v)
	}
}

func (w *where) span(col string, since, until time.Time) {
	if !since.IsZero() {
		w.add(col+" >= ?", micros(since))
	}
	if !until.IsZero() {
		w.add(col+" < ?", micros(until))
	}
}

// changed bounds the rows of a table with at and stored_at columns (named with prefix, "f." for
// feedback f) to at in [since, until), and those stored at or after storedSince whenever their
// at is before until, when both since and storedSince are given.
func (w *where) changed(prefix string, since, storedSince, until time.Time) {
	if storedSince.IsZero() || since.IsZero() {
		w.span(prefix+"at", since, until)
		return
	}
	w.add("("+prefix+"at >= ? OR "+prefix+"stored_at >= ?)", micros(since), micros(storedSince))
	w.span(prefix+"at", time.Time{}, until)
}

// periodFeedback bounds a query of feedback f joined to its decision d to the feedback of the
// period [since, until): the feedback on the decisions made in it, whenever it was given. It is
// the one definition Summary and FeedbackQuery.ByDecision share (the tools comparing a period's
// numbers read them so).
func (w *where) periodFeedback(since, until time.Time) { w.span("d.at", since, until) }

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

func limit(n int) string {
	if n <= 0 {
		return ""
	}
	return " LIMIT " + strconv.Itoa(n)
}

// Decision returns the decision with this msg_id, or ErrNotFound.
func (db *DB) Decision(ctx context.Context, msgID string) (Decision, error) {
	var out Decision
	found := false
	err := db.Decisions(ctx, Query{MsgID: msgID}, func(d *Decision) error {
		out, found = *d, true
		return nil
	})
	if err == nil && !found {
		err = fmt.Errorf("%w: no decision with msg_id %q", ErrNotFound, msgID)
	}
	return out, err
}

// Decisions calls fn for each decision q selects, oldest first (newest first with q.Newest).
func (db *DB) Decisions(ctx context.Context, q Query, fn func(*Decision) error) error {
	if db.closed.Load() {
		return ErrClosed
	}
	var w where
	w.changed("", q.Since, q.StoredSince, q.Until)
	if q.MsgID != "" {
		w.eq("msg_id", maskID(db.Hash, q.MsgID))
	}
	w.eq("channel", q.Channel)
	w.eq("intent", q.Intent)
	w.eq("route", q.Route)
	w.eq("answer_id", q.AnswerID)
	w.eq("variant", q.Variant)
	if q.Of != nil {
		cond, args, err := db.subjectCond(*q.Of)
		if err != nil {
			return err
		}
		w.add(cond, args...)
	}
	if q.Varied {
		w.add("variant <> ''")
	}
	w.eq("chat", q.ChatHash)
	w.eq("model", q.Model)
	if q.Unmatched {
		w.add("((route = ? AND reason <> ?) OR (rule = '' AND (intent = ? OR confidence < ?)))", RouteHandoff, ReasonPersonHandles, NoneIntent, q.lowConfidence())
	}
	order := " ORDER BY at, msg_id"
	if q.Newest {
		order = " ORDER BY at DESC, msg_id DESC"
	}
	rows, err := db.r.QueryContext(ctx, db.q("SELECT "+decisionCols+" FROM decisions"+w.String()+order+limit(q.Limit)), w.args...)
	if err != nil {
		return db.wrap("cannot read decisions", err)
	}
	defer rows.Close()
	var s decisionScan
	dest := s.dest(make([]any, 0, numDecisionCols))
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return db.wrap("cannot read decisions", err)
		}
		s.d.Time = fromMicros(s.at)
		if err := fn(&s.d); err != nil {
			return err
		}
	}
	return db.wrap("cannot read decisions", rows.Err())
}

// Feedback calls fn for each feedback q selects with its decision, oldest first.
func (db *DB) Feedback(ctx context.Context, q FeedbackQuery, fn func(*FeedbackRecord) error) error {
	if db.closed.Load() {
		return ErrClosed
	}
	var w where
	if q.ByDecision {
		w.periodFeedback(q.Since, q.Until)
	} else {
		w.changed("f.", q.Since, q.StoredSince, q.Until)
	}
	if q.MsgID != "" {
		w.eq("f.msg_id", maskID(db.Hash, q.MsgID))
	}
	w.eq("d.answer_id", q.AnswerID)
	w.eq("d.variant", q.Variant)
	if q.Varied {
		w.add("d.variant <> ''")
	}
	if q.Corrections {
		// A message's latest correct_intent is what the agent means: one set back to the
		// model's intent takes the earlier correction back.
		w.add("f.correct_intent <> '' AND f.correct_intent <> d.intent AND NOT EXISTS (SELECT 1 FROM feedback g" +
			" WHERE g.msg_id = f.msg_id AND g.correct_intent <> '' AND (g.at > f.at OR g.at = f.at AND g.seq > f.seq))")
	}
	cols := "f.id, f.msg_id, f.at, f.rating, f.resolved, f.correct_intent, f.comment, f.agent_id, d." +
		strings.ReplaceAll(decisionCols, ", ", ", d.")
	rows, err := db.r.QueryContext(ctx, db.q("SELECT "+cols+" FROM feedback f JOIN decisions d ON d.msg_id = f.msg_id"+
		w.String()+" ORDER BY f.at, f.seq"+limit(q.Limit)), w.args...)
	if err != nil {
		return db.wrap("cannot read feedback", err)
	}
	defer rows.Close()
	var (
		r        FeedbackRecord
		s        decisionScan
		at       int64
		resolved sql.NullBool
	)
	dest := append(make([]any, 0, 8+numDecisionCols), &r.ID, &r.MsgID, &at, &r.Rating, &resolved,
		&r.CorrectIntent, &r.Comment, &r.AgentID)
	dest = s.dest(dest)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return db.wrap("cannot read feedback", err)
		}
		r.Time = fromMicros(at)
		r.Resolved = nil
		if resolved.Valid {
			v := resolved.Bool
			r.Resolved = &v
		}
		s.d.Time = fromMicros(s.at)
		r.Decision = s.d
		if err := fn(&r); err != nil {
			return err
		}
	}
	return db.wrap("cannot read feedback", rows.Err())
}

// deleteChunk bounds one retention transaction, so SQLite's single writer is never held for
// long while the recorder waits.
const deleteChunk = 5000

// DeleteBefore deletes decisions older than t and their feedback, a chunk per transaction.
// Labels are kept: they are curated and small.
func (db *DB) DeleteBefore(ctx context.Context, t time.Time) (decisions, feedback int64, err error) {
	if db.closed.Load() {
		return 0, 0, ErrClosed
	}
	chunk := db.q(`SELECT msg_id FROM decisions WHERE at < ? ORDER BY at, msg_id LIMIT ` + strconv.Itoa(deleteChunk))
	for {
		nd, nf, err := db.deleteOnce(ctx, chunk, micros(t))
		decisions += nd
		feedback += nf
		if err != nil || nd < deleteChunk {
			return decisions, feedback, db.wrap("cannot delete old decisions", err)
		}
	}
}

func (db *DB) deleteOnce(ctx context.Context, chunk string, before int64) (int64, int64, error) {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, "DELETE FROM feedback WHERE msg_id IN ("+chunk+")", before)
	if err != nil {
		return 0, 0, err
	}
	nf, _ := res.RowsAffected()
	res, err = tx.ExecContext(ctx, "DELETE FROM decisions WHERE msg_id IN ("+chunk+")", before)
	if err != nil {
		return 0, 0, err
	}
	nd, _ := res.RowsAffected()
	return nd, nf, tx.Commit()
}
