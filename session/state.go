package session

import (
	"crypto/sha256"
	"encoding/hex"
)

// DefaultMaxTurns is how many customer turns a State keeps when Push is given no bound: enough
// for the follow-ups that need context (好 快点, 那要多久, 第三个是哪个) and for WeCom's re-sent
// callbacks, which arrive within about 15 s of the original.
const DefaultMaxTurns = 6

// MaxResponseBytes caps the response a Turn keeps for retries. An /intent answer is well under
// 2 KB; one over the cap (a ?debug=1 answer, say) is not kept, and a retry of that message is
// classified again instead of replayed.
const MaxResponseBytes = 4 << 10

// ResponseWindow is how long, in milliseconds of the turns' At, a turn keeps its response for
// retries once a newer turn has come: WeCom re-sends an unanswered callback within about 15 s
// (three tries), however many messages the customer sends meanwhile. An older turn's response
// would only make every Load and Save of the conversation a kilobyte dearer; a retry of that
// turn, should one come, is decided again.
const ResponseWindow = 60_000

// State is what a conversation remembers between its messages. The zero State is a
// conversation not seen before (or idle past the store's TTL); Load returns it with a nil error.
//
// A State is a plain value: the stores encode it on Save (see AppendBinary) and decode a fresh
// copy on every Load, so the caller owns what Load returns, slices and map included.
type State struct {
	// Turns holds the newest customer turns, oldest first; Push keeps at most its bound.
	Turns []Turn `json:"turns,omitempty"`
	// ActiveIntent is the intent the conversation is about: the last confidently recognised
	// need, which an uninformative follow-up leans on. Empty when none is established.
	ActiveIntent string `json:"active_intent,omitempty"`
	// Fallbacks counts consecutive turns that ended in a fallback or low confidence; the
	// caller resets it on an understood turn and escalates when it reaches its limit.
	Fallbacks int `json:"fallbacks,omitempty"`
	// Repeats counts consecutive turns that asked again for a need already answered
	// automatically (重述); the caller escalates on them.
	Repeats int `json:"repeats,omitempty"`
	// TurnCount is the number of customer turns seen, including those Push has dropped;
	// the response's context.turn.
	TurnCount int `json:"turn_count,omitempty"`
	// LastAnswerAt is when the last answer was sent, in unix milliseconds; 0 before any.
	LastAnswerAt int64 `json:"last_answer_at,omitempty"`
	// Experiments maps an experiment (and, in reply, the customer's Hasher.Sender) to the
	// variant the conversation gave, so an A/B assignment sticks for the conversation's life.
	// Nil when there are none.
	Experiments map[string]string `json:"experiments,omitempty"`
}

// Turn is one customer message and what was decided for it.
type Turn struct {
	// MsgID is the gateway's message id (WeCom's MsgId) as the store's Hasher gives it
	// (HasherOf(store).MsgID: HashMsgID without a key), so that an id made of a phone number is
	// not kept; a callback re-sent with the same id is a retry, found with FindTurn of the same
	// hash. The caller hashes; session cannot check it.
	MsgID string `json:"msg_id,omitempty"`
	// Text is the message after nlp.Mask(nlp.Normalize(text)): personal data never reaches a
	// store unmasked. The caller masks; session cannot check it.
	Text string `json:"text,omitempty"`
	// At is when the message arrived, in unix milliseconds.
	At int64 `json:"at,omitempty"`
	// Intent, Confidence and Route are the decision: the intent id, its calibrated
	// probability and auto, suggest or handoff.
	Intent     string  `json:"intent,omitempty"`
	Confidence float64 `json:"confidence,omitempty"`
	Route      string  `json:"route,omitempty"`
	// AnswerID is the knowledge-base answer (variant) sent, if any.
	AnswerID string `json:"answer_id,omitempty"`
	// Repeat marks a turn that asked again for the need of an earlier automatic answer.
	Repeat bool `json:"repeat,omitempty"`
	// Response is the response body exactly as sent, so that a retried MsgID gets the same
	// bytes again; empty when it was over MaxResponseBytes, and left empty by the caller when
	// it holds personal data (reply keeps none). A string, being immutable, lets a
	// loaded State share one copy of the stored bytes.
	Response string `json:"response,omitempty"`
	// Sender tells the customers of a group conversation apart (a hash of the sender as
	// Hasher.Sender gives it, never the id): repeats and fallbacks are each customer's own.
	// Empty in a one-customer conversation, and in turns stored before version 2 of the
	// encoding.
	Sender string `json:"sender,omitempty"`
	// Escalation is why the conversation was escalated at this turn ("" when it was not), so
	// that a retry decided again (its Response not kept) escalates as the first time did.
	Escalation string `json:"escalation,omitempty"`
	// Masked is nlp.MaskedDigest of the message: 16 bits of the personal data its Text shows
	// as <ORDER>, <PHONE>…, 0 when it had none (and in turns stored before version 4 of the
	// encoding). Two turns alike but for their masked values (another order number) are two
	// needs, not one asked again; 16 bits are too few to find a value from.
	Masked uint16 `json:"masked,omitempty"`
}

// Push appends t as the newest turn, drops the oldest ones beyond max (DefaultMaxTurns when
// max ≤ 0), counts it in TurnCount, drops t.Response when it is over MaxResponseBytes, and
// drops the responses of turns more than ResponseWindow older than t.
func (s *State) Push(t Turn, max int) {
	if max <= 0 {
		max = DefaultMaxTurns
	}
	if len(t.Response) > MaxResponseBytes {
		t.Response = ""
	}
	s.TurnCount++
	if n := len(s.Turns); n >= max {
		// Shift in place: the slice never grows past max, and a loaded State's slice is
		// reused rather than reallocated.
		drop := n - max + 1
		copy(s.Turns, s.Turns[drop:])
		clear(s.Turns[n-drop:])
		s.Turns = s.Turns[:n-drop]
	}
	for i := range s.Turns {
		if t.At-s.Turns[i].At > ResponseWindow {
			s.Turns[i].Response = ""
		}
	}
	s.Turns = append(s.Turns, t)
}

// HashMsgID is what a Turn keeps of a gateway's message id without a hash key: the first 128
// bits of its SHA-256, in hex ("" for ""). As for conversation keys, it carries no secret: an
// id that is a phone number could be found again by trying every number, but it is not kept as
// written. With a key, Hasher.MsgID keeps it instead (reply hashes with its store's Hasher).
func HashMsgID(id string) string {
	if id == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:16])
}

// FindTurn returns the newest kept turn with the given msgID, or nil when there is none (or
// msgID is empty). The pointer is into s.Turns and valid until the next Push.
func (s *State) FindTurn(msgID string) *Turn {
	if msgID == "" {
		return nil
	}
	for i := len(s.Turns) - 1; i >= 0; i-- {
		if s.Turns[i].MsgID == msgID {
			return &s.Turns[i]
		}
	}
	return nil
}

// LastFrom returns the newest turn sender sent (or whose sender is unknown), or nil when there
// is none; with sender "", the newest turn. The pointer is into s.Turns.
func (s *State) LastFrom(sender string) *Turn {
	for i := len(s.Turns) - 1; i >= 0; i-- {
		if t := &s.Turns[i]; sender == "" || t.Sender == "" || t.Sender == sender {
			return t
		}
	}
	return nil
}

// Last returns the newest turn, or nil when there is none. The pointer is into s.Turns.
func (s *State) Last() *Turn {
	if len(s.Turns) == 0 {
		return nil
	}
	return &s.Turns[len(s.Turns)-1]
}
