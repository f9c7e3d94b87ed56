package store

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"time"
)

// Sentinel errors. Callers test them with errors.Is; the store wraps them with detail.
var (
	// ErrNotFound is returned by AddFeedback (and Recorder.AddFeedback) when no decision has the
	// feedback's msg_id, and by Decision for an unknown msg_id. The HTTP layer answers 404.
	ErrNotFound = errors.New("store: not found")
	// ErrInvalid is returned by AddFeedback and AddLabels for a record that breaks the rules
	// (empty msg_id, rating outside 0–5, label without an intent). The HTTP layer answers 400.
	ErrInvalid = errors.New("store: invalid record")
	// ErrUnavailable is returned by Recorder.AddFeedback when the database fails and the spool
	// is full, so the feedback could be kept nowhere. The HTTP layer answers 503.
	ErrUnavailable = errors.New("store: database unavailable and spool full")
	// ErrClosed is returned by every call on a DB after Close, and by Recorder.Flush after
	// Recorder.Close.
	ErrClosed = errors.New("store: closed")
)

// Route values as the engine writes them (intent.Route); the store compares against them.
const (
	RouteAuto    = "auto"
	RouteSuggest = "suggest"
	RouteHandoff = "handoff"
	// RouteSilent: an operator's rule kept silent (no answer, no handoff).
	RouteSilent = "silent"
	// NoneIntent is the intent of out-of-scope messages (intent.NoneIntent).
	NoneIntent = "none"
	// ReasonPersonHandles is the reason of a message handed off because kb.yaml hands its
	// intent to a person (intent.ReasonPersonHandles): understood, not unmatched.
	ReasonPersonHandles = "intent is always handled by a person"
)

// Decision is one answered message as the decision log keeps it. Text is the masked text
// (nlp.Mask(nlp.Normalize(raw))); the store masks it again on write. SenderHash and ChatHash are
// keyed hashes (DB.Hash), never raw ids: a value that does not look like a hash is hashed on
// write. Empty strings and zero numbers mean "not present".
type Decision struct {
	MsgID         string    `json:"msg_id"` // the gateway's msg_id, or NewID()
	Time          time.Time `json:"time"`   // when the message was answered (stored to the microsecond)
	Channel       string    `json:"channel,omitempty"`
	SenderHash    string    `json:"sender,omitempty"`
	ChatHash      string    `json:"chat,omitempty"`
	Text          string    `json:"text"`
	Intent        string    `json:"intent"`
	Confidence    float64   `json:"confidence"`
	Route         string    `json:"route"`
	Reason        string    `json:"reason,omitempty"`
	AnswerID      string    `json:"answer_id,omitempty"`
	Rule          string    `json:"rule,omitempty"`
	Variant       string    `json:"variant,omitempty"`
	Sentiment     string    `json:"sentiment,omitempty"`
	Turn          int       `json:"turn,omitempty"`
	ActiveIntent  string    `json:"active_intent,omitempty"`
	Repeat        bool      `json:"repeat,omitempty"`
	Escalation    string    `json:"escalation,omitempty"`
	Model         string    `json:"model,omitempty"`
	LatencyMicros int64     `json:"latency_us"`
}

// Unmatched reports why d counts as unmatched — "none" (out of scope), "handoff" or
// "low_confidence" (below lowConfidence) — or "" when it does not. Query.Unmatched selects the
// same decisions. A message an operator's rule decided is understood (the rule says what it
// means) unless the rule hands it off: the operator wrote the rule for what the model lacks.
// So is one handed off only because its intent is a person's (ReasonPersonHandles, 投诉 at
// 0.99): an operator labelling it would only repeat what the model said.
func (d *Decision) Unmatched(lowConfidence float64) string {
	switch {
	case d.Unrecognised():
		return "none"
	case d.Route == RouteHandoff && d.Reason != ReasonPersonHandles:
		return "handoff"
	case d.Rule == "" && d.Confidence < lowConfidence:
		return "low_confidence"
	}
	return ""
}

// Unrecognised reports whether d was not understood (Unrecognised).
func (d *Decision) Unrecognised() bool { return Unrecognised(d.Intent, d.Rule) }

// Unrecognised reports whether a decision of intent, by the operator's rule (or ""), counts as
// not understood — 未识别, in the report, the metrics, the alert and the unmatched sheet: out of
// scope, and no rule decided it (a rule answers what the model lacks; it is no failure).
func Unrecognised(intent, rule string) bool { return intent == NoneIntent && rule == "" }

// Feedback is one rating, resolution or correction of a decision. Several may arrive for one
// message (the customer rates, an agent corrects); all are kept, and reports read each field's
// latest value per message.
type Feedback struct {
	// ID identifies this feedback so that a replayed spool never adds it twice; AddFeedback
	// fills it with NewID() when empty.
	ID            string    `json:"id"`
	MsgID         string    `json:"msg_id"`
	Rating        int       `json:"rating,omitempty"`   // 1–5; 0 = no rating
	Resolved      *bool     `json:"resolved,omitempty"` // nil = not said
	CorrectIntent string    `json:"correct_intent,omitempty"`
	Comment       string    `json:"comment,omitempty"` // masked on write
	AgentID       string    `json:"agent_id,omitempty"`
	Time          time.Time `json:"time"` // zero = now
}

// FeedbackRecord is a feedback with the decision it belongs to.
type FeedbackRecord struct {
	Feedback
	Decision Decision `json:"decision"`
}

// Corrected reports whether the feedback names an intent other than the decision's.
func (r *FeedbackRecord) Corrected() bool {
	return r.CorrectIntent != "" && r.CorrectIntent != r.Decision.Intent
}

// Label is an intent given to a message by a person or a process: a filled cluster sheet, a
// correction, the console. Labels are keyed: adding a label with an existing Key replaces it.
type Label struct {
	// Key is the message's msg_id, or LabelKey(text) when there is none; AddLabels fills it
	// from Text when empty.
	Key    string    `json:"key"`
	Text   string    `json:"text"` // masked on write
	Intent string    `json:"intent"`
	Source string    `json:"source,omitempty"` // "cluster", "feedback", "console", …
	By     string    `json:"by,omitempty"`     // who labelled it
	Time   time.Time `json:"time"`             // zero = now
}

// Query selects decisions. Zero fields select everything; string filters match exactly.
type Query struct {
	Since, Until time.Time // Since ≤ Time < Until; zero = unbounded
	// StoredSince adds the decisions made before Since but stored at or after StoredSince:
	// spooled while the database was down, a decision reaches it long after it was made (a
	// copy's second pass reads them). Zero: Since alone.
	StoredSince time.Time
	MsgID       string
	Channel     string
	Intent      string
	Route       string
	AnswerID    string
	Variant     string
	ChatHash    string
	Model       string
	// Of keeps only a subject's decisions: its sender's or its conversation's, by the raw ids
	// (hashed here), as Forget deletes them (a customer's records: zhiyi records).
	Of *Subject
	// Varied keeps only decisions served an A/B variant (Variant not empty): the experiments'
	// results read these alone, and reading every decision of their window (up to the whole
	// retained log, every 5 minutes in zhiyi serve) cost time and memory for nothing.
	Varied bool
	// Unmatched keeps only out-of-scope (intent none), handed-off and low-confidence decisions
	// (Confidence < LowConfidence, DefaultLowConfidence when zero).
	Unmatched     bool
	LowConfidence float64
	Newest        bool // newest first (default oldest first)
	Limit         int  // 0 = no limit
}

// DefaultLowConfidence is the confidence below which a decision counts as unmatched.
const DefaultLowConfidence = 0.5

func (q *Query) lowConfidence() float64 {
	if q.LowConfidence > 0 {
		return q.LowConfidence
	}
	return DefaultLowConfidence
}

// FeedbackQuery selects feedback with its decisions. Since and Until bound the feedback's time,
// or with ByDecision its decision's.
type FeedbackQuery struct {
	Since, Until time.Time
	// ByDecision makes Since and Until bound the decision's time instead: the feedback of a
	// period is the feedback on the decisions made in it, whenever it was given (a replica's
	// clock behind another's stamps it before its decision), as Summary counts it. The report,
	// the export, the A/B results and the console's 看板 all read a period's feedback so, and
	// agree. StoredSince is then ignored.
	ByDecision bool
	// StoredSince adds the feedback given before Since but stored at or after StoredSince:
	// spooled through an outage, or waiting for its decision, a feedback reaches the database
	// long after it was given. Zero: Since alone.
	StoredSince time.Time
	MsgID       string
	AnswerID    string // the decision's answer id (A/B results)
	Variant     string
	Varied      bool // only feedback on decisions served an A/B variant (as Query.Varied)
	// Corrections keeps only feedback whose CorrectIntent differs from the decision's intent
	// and is its message's latest CorrectIntent (a later one takes it back or replaces it).
	Corrections bool
	Limit       int
}

// LabelQuery selects labels by their time, source and intent.
type LabelQuery struct {
	Since, Until time.Time
	Source       string
	Intent       string
	Limit        int
}

// Writer is what the request path needs: the Recorder writes through it. Implementations are
// safe for concurrent use and do not retain the slices they are given.
type Writer interface {
	// AppendDecisions inserts decisions, ignoring any whose MsgID is already stored, so that a
	// replay never duplicates. It returns how many were new.
	AppendDecisions(ctx context.Context, ds []Decision) (int, error)
	// AddFeedback stores f, linked to its decision: ErrNotFound when there is none, ErrInvalid
	// for a bad field. Adding a feedback whose ID is already stored does nothing.
	AddFeedback(ctx context.Context, f Feedback) error
}

// Store is the decision log, feedback and labels behind one interface; both backends (SQLite
// and PostgreSQL, one type: DB) pass the conformance suite in store/storetest. Methods are safe
// for concurrent use. Callbacks receive a pointer valid only during the call.
type Store interface {
	Writer
	// Decision returns the decision with this msg_id, or ErrNotFound.
	Decision(ctx context.Context, msgID string) (Decision, error)
	// Decisions calls fn for each decision q selects, in time order; fn's error stops the scan
	// and is returned.
	Decisions(ctx context.Context, q Query, fn func(*Decision) error) error
	// Feedback calls fn for each feedback q selects with its decision, oldest first.
	Feedback(ctx context.Context, q FeedbackQuery, fn func(*FeedbackRecord) error) error
	// Summary aggregates decisions and their feedback for a dashboard (see Summary).
	Summary(ctx context.Context, q SummaryQuery) (*Summary, error)
	// AddLabels stores labels, replacing those with the same Key.
	AddLabels(ctx context.Context, ls []Label) error
	// AddLabelsUnlessTaken stores the labels operator by gave from a page made at since, except
	// for those whose message someone else labelled at or after since: it returns the labels
	// stored and the labels kept (as they are now, by Key). Its read and write are atomic with
	// respect to every other AddLabelsUnlessTaken on the database, from any process.
	AddLabelsUnlessTaken(ctx context.Context, since time.Time, by string, ls []Label) (added []Label, taken map[string]Label, err error)
	// Labels calls fn for each label q selects, oldest first.
	Labels(ctx context.Context, q LabelQuery, fn func(*Label) error) error
	// DeleteBefore deletes decisions older than t and their feedback (labels stay), returning
	// how many decisions and feedback rows went.
	DeleteBefore(ctx context.Context, t time.Time) (decisions, feedback int64, err error)
	// Forget deletes a customer's or a conversation's decisions, with their feedback and labels
	// (a request to delete personal information), returning how many rows of each went.
	Forget(ctx context.Context, s Subject) (Forgotten, error)
	// Hash returns the keyed hash of a sender or conversation id ("" for "").
	Hash(id string) string
	Close() error
}

// NewID returns a fresh id (32 hex characters) for a message without a gateway msg_id or for a
// feedback: the Unix time in milliseconds (48 bits), then 80 random bits, as in UUIDv7. Ids made
// in the same period sort together, so inserting a batch of them into the msg_id index touches a
// few pages at its end instead of one page per row (40 % less time per inserted decision in
// SQLite at 300k rows, BenchmarkSQLiteBulk); 80 random bits keep ids of the same millisecond apart.
func NewID() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().UnixMilli())<<16)
	rand.Read(b[6:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}
