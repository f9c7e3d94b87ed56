package store

import (
	"strings"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

// MaskText is the store's masking of free text (decision text, comments, label text):
// nlp.Mask(nlp.Normalize(s)). It is idempotent, so masking text that is masked already is
// harmless.
func MaskText(s string) string {
	m, _ := nlp.Mask(nlp.Normalize(s))
	return m
}

// maskID keeps an identifier-like field (msg_id, agent id, intent, channel …) as it is unless
// it holds personal data, in which case it becomes "pii:" and its keyed hash: deterministic, so
// a msg_id made of a phone number still joins its feedback, and free of the number itself.
func (h *hasher) maskID(s string) string {
	if !mayHoldPII(s) {
		return s
	}
	if _, kinds := nlp.Mask(nlp.Normalize(s)); kinds == 0 {
		return s
	}
	return "pii:" + h.Hash(s)
}

// mayHoldPII is a quick test that lets most identifiers skip masking: personal data needs
// seven or more digits, an '@' or a URL, or non-ASCII (full-width digits) to hide in.
func mayHoldPII(s string) bool {
	digits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 0x80 || c == '@':
			return true
		case c >= '0' && c <= '9':
			digits++
		}
	}
	return digits >= 7 || strings.Contains(s, "://") || strings.Contains(s, "www.")
}

// clean returns d as it may be stored: text masked, ids without personal data, hashes hashed.
func (h *hasher) clean(d Decision) Decision {
	d.MsgID = h.maskID(d.MsgID)
	d.Channel = h.maskID(d.Channel)
	d.SenderHash = h.ensureHash(d.SenderHash)
	d.ChatHash = h.ensureHash(d.ChatHash)
	d.Text = MaskText(d.Text)
	d.Intent = h.maskID(d.Intent)
	d.Route = h.maskID(d.Route)
	d.Reason = MaskText(d.Reason)
	d.AnswerID = h.maskID(d.AnswerID)
	d.Rule = h.maskID(d.Rule)
	d.Variant = h.maskID(d.Variant)
	d.Sentiment = h.maskID(d.Sentiment)
	d.ActiveIntent = h.maskID(d.ActiveIntent)
	d.Escalation = h.maskID(d.Escalation)
	d.Model = h.maskID(d.Model)
	return d
}

func (h *hasher) cleanFeedback(f Feedback) Feedback {
	f.ID = h.maskID(f.ID)
	f.MsgID = h.maskID(f.MsgID)
	f.CorrectIntent = h.maskID(f.CorrectIntent)
	f.Comment = MaskText(f.Comment)
	f.AgentID = h.maskID(f.AgentID)
	return f
}

func (h *hasher) cleanLabel(l Label) Label {
	l.Text = MaskText(l.Text)
	if l.Key == "" {
		l.Key = LabelKey(l.Text)
	}
	l.Key = h.maskID(l.Key)
	l.Intent = h.maskID(l.Intent)
	l.Source = h.maskID(l.Source)
	l.By = h.maskID(l.By)
	return l
}
