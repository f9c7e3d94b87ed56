package serve

import (
	"cmp"
	"context"
	"time"

	"github.com/zhiyi-ai/zhiyi/alert"
	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/nlp"
	"github.com/zhiyi-ai/zhiyi/reply"
	"github.com/zhiyi-ai/zhiyi/store"
)

// decide answers one message: it appends the answer's JSON to b and returns it with the result
// (zero for a retry's replay). An engine that decides in conversations (Conversational) gets
// the message with its context and remembers the turn with the bytes sent; a retry of a
// message it has answered gets those bytes again, and is not counted, logged or alerted twice.
// Every new decision goes to the decision log and the alerter when there are ones.
func (s *Server) decide(ctx context.Context, m *model, req intent.Request, b []byte) ([]byte, *intent.Result) {
	start := time.Now()
	if req.MsgID == "" && s.rec != nil {
		// feedback names a message by its id: one without gets an id, in the answer too
		req.MsgID = store.NewID()
	}
	conv, isConv := m.engine.(Conversational)
	var d *reply.Decision
	var res intent.Result
	if isConv {
		d = conv.Decide(ctx, req)
		defer d.Release()   // Commit releases; this is for a panic before it
		if d.Replay != "" { // counted by the replier (zhiyi_retries_total)
			return append(b, d.Replay...), nil
		}
		res = d.Result
	} else {
		res = m.engine.Classify(ctx, req)
	}
	if res.MsgID == "" {
		res.MsgID = req.MsgID
	}
	if res.Model == "" {
		res.Model = m.version
	}
	res.Candidates = nonNil(res.Candidates)
	res.Rewrites = nonNil(res.Rewrites)
	from := len(b)
	b = res.AppendJSON(b)
	if isConv {
		kept := b[from:]
		if res.Debug != nil {
			kept = nil // the asker's analysis, not what a retry without ?debug=1 should get: decided again
		}
		conv.Commit(ctx, d, kept)
	}
	if d != nil && d.Retry {
		// A retry whose first answer is no longer kept: decided again, counted, logged and
		// alerted once, the first time.
		return b, &res
	}
	s.met.result(&res)
	s.met.channelRoute(cmp.Or(req.Channel, "none"), res.Route)
	took := time.Since(start)
	if s.rec != nil {
		text := ""
		if d != nil {
			text = d.Text()
		} else {
			text, _ = nlp.Mask(nlp.Normalize(req.Text))
		}
		s.rec.Record(s.decisionRow(req, &res, text, took))
	}
	if s.alerter != nil {
		s.alerter.Observe(alert.Event{Kind: alert.KindDecision, Route: string(res.Route), Intent: res.Intent,
			Unrecognised: unrecognised(&res), Latency: took})
	}
	return b, &res
}

// unrecognised reports whether a decided message was not understood, as the decision log counts
// it (store.Unrecognised).
func unrecognised(res *intent.Result) bool { return store.Unrecognised(res.Intent, res.Rule) }

// decisionRow is the decision log's row for one decided message: masked text, hashed ids.
func (s *Server) decisionRow(req intent.Request, res *intent.Result, text string, took time.Duration) store.Decision {
	d := store.Decision{MsgID: res.MsgID, Time: time.Now(), Channel: req.Channel, Text: text, Intent: res.Intent,
		Confidence: res.Confidence, Route: string(res.Route), Reason: res.Reason, Rule: res.Rule, Variant: res.Variant, Model: res.Model,
		LatencyMicros: took.Microseconds()}
	if s.hash != nil {
		if req.SenderID != "" {
			d.SenderHash = s.hash(req.SenderID)
		}
		if req.ChatID != "" {
			d.ChatHash = s.hash(req.ChatID)
		}
	}
	if res.Answer != nil {
		d.AnswerID = res.Answer.ID
	}
	if res.Sentiment != nil {
		d.Sentiment = res.Sentiment.Tag
	}
	if c := res.Context; c != nil {
		d.Turn, d.ActiveIntent, d.Repeat, d.Escalation = c.Turn, c.ActiveIntent, c.Repeat, c.Escalation
	}
	return d
}
