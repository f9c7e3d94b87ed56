package alert

import "time"

// Kind says what an Event reports.
type Kind uint8

const (
	// KindDecision is one answered message: Route, Intent, Unrecognised and Latency are set.
	KindDecision Kind = iota + 1
	// KindFeedback is one POST /feedback: Rating (1–5, 0 when absent) and Comment (masked).
	KindFeedback
	// KindServerError is one HTTP response with a 5xx status (Status).
	KindServerError
	// KindSpool reports the decision log's spool size (Spool, in records) at Time.
	KindSpool
	// KindDropped reports records the decision log lost (Dropped of them since the last report:
	// the spool full or unwritable, a record the database refused; not spooled feedback whose
	// msg_id never reached the log, which the store counts apart).
	KindDropped
)

var kindNames = [...]string{"", "decision", "feedback", "server_error", "spool", "dropped"}

// String is the kind's name in logs (decision, feedback, server_error, spool, dropped).
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Event is one thing the server saw. It is passed by value and holds no pointers into request
// memory once built: fasthttp handlers must copy strings they take from a RequestCtx (the usual
// string(b) conversion does).
type Event struct {
	Kind Kind
	// Time is when it happened; Alerter.Observe sets it from its Clock when zero. Evaluator
	// needs it set.
	Time time.Time

	// Decision fields.
	Route        string        // "auto", "suggest" or "handoff"
	Intent       string        // the intent answered ("none" when out of scope)
	Unrecognised bool          // the message was not understood (out of scope)
	Latency      time.Duration // time to answer the message

	// Feedback fields. MsgID, when set, names the message rated: a rating or comment the same
	// message was given already (a feedback posted again) is not counted twice.
	Rating  int    // 1–5; 0 means no rating was given
	Comment string // the customer's or agent's comment, already masked with nlp.Mask
	MsgID   string

	// Status is the HTTP status of a KindServerError event (500–599).
	Status int

	// Spool is the number of records waiting in the decision log's spool (KindSpool).
	Spool int64
	// Dropped is the number of records the decision log lost since the last report (KindDropped).
	Dropped int64

	prevRating int // the rating the message had before, set by the evaluator (0: none)
}

// RouteHandoff is the Route of a decision a human must take; the handoff share counts it.
const RouteHandoff = "handoff"
