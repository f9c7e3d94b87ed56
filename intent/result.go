package intent

import "github.com/zhiyi-ai/zhiyi/nlp"

// Route says what the gateway should do with a message.
type Route string

// The routes.
const (
	RouteAuto    Route = "auto"    // answer automatically
	RouteSuggest Route = "suggest" // show the answer to an agent, who sends or edits it
	RouteHandoff Route = "handoff" // a human must take it (out of scope, low confidence, asks for a human)
)

// NoneIntent is the label of out-of-scope messages in training data and results.
const NoneIntent = "none"

// Request is one customer message to classify. Only Text is required.
type Request struct {
	Text     string `json:"text"`
	MsgID    string `json:"msg_id,omitempty"`
	SenderID string `json:"sender_id,omitempty"`
	Channel  string `json:"channel,omitempty"`
	ChatID   string `json:"chat_id,omitempty"`
	SentAt   int64  `json:"sent_at,omitempty"` // unix milliseconds
	// Debug asks for tokens and features in the result.
	Debug bool `json:"-"`
}

// Answer is a knowledge-base answer.
type Answer struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	// encoded is this answer's JSON, made once when the engine loaded; AppendJSON uses it while
	// ID and Text are what it was made from. Answers are most of a result's bytes.
	encoded *encodedAnswer
}

type encodedAnswer struct {
	id, text string
	json     []byte
}

func newEncodedAnswer(id, text string) *encodedAnswer {
	return &encodedAnswer{id: id, text: text, json: appendAnswer(nil, id, text)}
}

// Candidate is one intent the engine considered, with its fused score.
type Candidate struct {
	Intent     string  `json:"intent"`
	Label      string  `json:"label,omitempty"`
	Confidence float64 `json:"confidence"`
	// Evidence from retrieval: best BM25 score and the example that matched best.
	Retrieval float64 `json:"retrieval,omitempty"`
	Example   string  `json:"example,omitempty"`
}

// Debug carries the analysis for operators (?debug=1).
type Debug struct {
	Text     string   `json:"text"` // normalised, masked
	Tokens   []string `json:"tokens"`
	Terms    []string `json:"terms"`
	Masked   []string `json:"masked,omitempty"`
	Features []uint32 `json:"features"`
}

// Result is the engine's decision for one message.
type Result struct {
	MsgID      string        `json:"msg_id,omitempty"`
	Intent     string        `json:"intent"`
	Label      string        `json:"label,omitempty"`
	Category   string        `json:"category,omitempty"`
	Confidence float64       `json:"confidence"`
	Route      Route         `json:"route"`
	Reason     string        `json:"reason,omitempty"` // why this route, in a few words
	Answer     *Answer       `json:"answer,omitempty"`
	Candidates []Candidate   `json:"candidates"`
	Rewrites   []nlp.Rewrite `json:"rewrites"`
	Masked     []string      `json:"masked,omitempty"` // kinds of personal data masked
	Model      string        `json:"model"`
	TookMicros int64         `json:"took_us"`
	Debug      *Debug        `json:"debug,omitempty"`
}
