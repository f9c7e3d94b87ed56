package intent

import "github.com/zhiyi-ai/zhiyi/nlp"

// Route says what the gateway should do with a message.
type Route string

// The routes.
const (
	RouteAuto    Route = "auto"    // answer automatically
	RouteSuggest Route = "suggest" // show the answer to an agent, who sends or edits it
	RouteHandoff Route = "handoff" // a human must take it (out of scope, low confidence, asks for a human)
	RouteSilent  Route = "silent"  // send nothing and hand nothing off (an operator's rule: test accounts, bots)
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
	// Operator context for rules and answers (all optional): the 微信客服 account, the agent the
	// customer talks to and their departments, the customer's tags, and values for answer
	// placeholders such as {{nickname}}.
	OpenKfID string            `json:"open_kfid,omitempty"`
	AgentID  string            `json:"agent_id,omitempty"`
	DeptIDs  []string          `json:"dept_ids,omitempty"`
	Tags     []string          `json:"tags,omitempty"`
	Vars     map[string]string `json:"vars,omitempty"`
	// ActiveIntent is the intent the message's conversation is about (package reply fills it
	// from the conversation's state): it tilts the message toward that intent by the policy's
	// context weight, so an uninformative follow-up (好 快点, 那要多久) keeps the topic while a
	// message that says something new still wins.
	ActiveIntent string `json:"-"`
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

// Sentiment is a message's tone (package sentiment): neutral, negative or urgent.
type Sentiment struct {
	Tag    string   `json:"tag"`   // neutral, negative, urgent
	Label  string   `json:"label"` // 中性, 负面, 紧急
	Score  float64  `json:"score"` // the tag's probability
	Strong bool     `json:"strong,omitempty"`
	Reason string   `json:"reason,omitempty"` // for urgent: time, safety, money or threat
	Cues   []string `json:"cues,omitempty"`   // the words that set the tone
}

// Conversation is where a message stands in its conversation (package reply).
type Conversation struct {
	Turn         int    `json:"turn"`          // the customer's turns so far, this one included
	ActiveIntent string `json:"active_intent"` // the intent the conversation is about ("" when none)
	Repeat       bool   `json:"repeat"`        // asks again for a need already answered automatically
	Escalation   string `json:"escalation"`    // why the conversation was escalated ("" when not)
}

// Debug carries the analysis for operators (?debug=1).
type Debug struct {
	Text     string   `json:"text"` // normalised, masked
	Tokens   []string `json:"tokens"`
	Terms    []string `json:"terms"`
	Masked   []string `json:"masked,omitempty"`
	Features []uint32 `json:"features"`
	// Confidence is the exact confidence the route was decided on (Result.Confidence is
	// rounded for display).
	Confidence float64 `json:"confidence"`
}

// Result is the engine's decision for one message.
type Result struct {
	MsgID      string  `json:"msg_id,omitempty"`
	Intent     string  `json:"intent"`
	Label      string  `json:"label,omitempty"`
	Category   string  `json:"category,omitempty"`
	Confidence float64 `json:"confidence"`
	Route      Route   `json:"route"`
	Reason     string  `json:"reason,omitempty"` // why this route, in a few words
	// Priority ranks a handoff for the agents' queue: 1 urgent, 2 high, 3 normal (0: none).
	Priority int `json:"priority,omitempty"`
	// Rule is the id of the operator's rule that decided the message (package reply).
	Rule string `json:"rule,omitempty"`
	// Experiment is the A/B experiment the answer belongs to and Variant the answer counted in
	// it (package reply, through package experiment); empty when not in one.
	Experiment string        `json:"experiment,omitempty"`
	Variant    string        `json:"variant,omitempty"`
	Answer     *Answer       `json:"answer,omitempty"`
	Candidates []Candidate   `json:"candidates"`
	Rewrites   []nlp.Rewrite `json:"rewrites"`
	Masked     []string      `json:"masked,omitempty"` // kinds of personal data masked
	// Sentiment is the message's tone and Context its conversation, when package reply
	// decided it.
	Sentiment  *Sentiment    `json:"sentiment,omitempty"`
	Context    *Conversation `json:"context,omitempty"`
	Model      string        `json:"model"`
	TookMicros int64         `json:"took_us"`
	Debug      *Debug        `json:"debug,omitempty"`
}
