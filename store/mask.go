package store

import (
	"math"
	"strings"
	"unicode/utf8"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

// MaskText is the store's masking of free text (decision text, comments, label text):
// nlp.Mask(nlp.Normalize(s)). It is idempotent, so masking text that is masked already is
// harmless.
func MaskText(s string) string {
	m, _ := nlp.Mask(nlp.Normalize(s))
	return m
}

// MaxIDBytes is the longest identifier stored as it is; a longer one is stored as its hash.
// PostgreSQL refuses index entries over about 2.7 KB, and no gateway's ids come near this.
const MaxIDBytes = 256

// maskID keeps an identifier-like field (msg_id, agent id, intent, channel …) as it is unless
// it holds personal data, in which case it becomes "pii:" and its keyed hash: deterministic, so
// a msg_id made of a phone number still joins its feedback, and free of the number itself. An id
// no database could take as it is — over MaxIDBytes, or with control characters (PostgreSQL
// refuses NUL) — becomes "id:" and its hash, so that one bad request cannot stall the log.
// NewID's ids (32 hex digits) are kept: their digits are no phone number.
func maskID(hash func(string) string, s string) string {
	if unstorable(s) {
		return "id:" + hash(s)
	}
	if !mayHoldPII(s) || isHash(s) || isMaskedID(s) {
		return s
	}
	return maskPII(hash, s)
}

// maskIDFully is maskID without the quick test, for fields written rarely enough (an agent's
// id, a corrected intent) that every written form of personal data the masker knows is looked
// for (zhangsan at qq dot com has no '@').
func maskIDFully(hash func(string) string, s string) string {
	if unstorable(s) {
		return "id:" + hash(s)
	}
	if s == "" || isMaskedID(s) {
		return s
	}
	return maskPII(hash, s)
}

// maskPII hashes s when it holds personal data. A long digit run alone (a WeCom archive's
// 2102838273948937309_1785539051_external, a CRM's message id) is no personal data: hashed, the
// log's ids would match neither the request log nor the exports a cluster sheet is joined with.
func maskPII(hash func(string) string, s string) string {
	if _, kinds := nlp.MaskExcept(nlp.Normalize(s), nlp.MaskOrder); kinds == 0 {
		return s
	}
	return "pii:" + hash(s)
}

// unstorable reports whether s is longer than MaxIDBytes, is not UTF-8 (PostgreSQL refuses it)
// or holds a control character.
func unstorable(s string) bool {
	if len(s) > MaxIDBytes || !utf8.ValidString(s) {
		return true
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return true
		}
	}
	return false
}

// isMaskedID reports whether s is maskID's output already, so that masking twice (the recorder
// before spooling, the store on insert) gives the same id.
func isMaskedID(s string) bool {
	v, ok := strings.CutPrefix(s, "pii:")
	if !ok {
		v, ok = strings.CutPrefix(s, "id:")
	}
	return ok && isHash(v)
}

// mayHoldPII is a quick test that lets most identifiers skip masking. It must pass every id
// nlp's masker finds personal data in (TestMayHoldPIIKnowsEveryEmailForm): that needs seven or
// more digits, non-ASCII (full-width digits, 艾特, 点, 【at】, 。), a URL (a '.' and :// or www.),
// or an e-mail address's at and dot in a form the masker reads — '@', a '#' written for it or
// a spelt-out "at", with a '.' or a spelt-out "dot" (zhangsan#qq dot com), in any case; or the
// name of a messaging service an account follows (qq, vx, wx, wxid_, wechat, weixin: qq123456,
// wxid_zhangsan). One pass, no copy: WeCom's mixed-case ids would otherwise be lower-cased for
// every record.
func mayHoldPII(s string) bool {
	digits := 0
	at, dot, period, www := false, false, false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i > 0 && accountCue(s, i) {
			return true
		}
		switch {
		case c >= 0x80 || c == '@':
			return true
		case c >= '0' && c <= '9':
			digits++
		case c == '#':
			at = true
		case c == '.':
			period = true
			www = www || i >= 3 && s[i-3]|0x20 == 'w' && s[i-2]|0x20 == 'w' && s[i-1]|0x20 == 'w'
		case c|0x20 == 't' && i > 0: // the end of "at" or "dot"
			switch p := s[i-1] | 0x20; {
			case p == 'a':
				at = true
			case p == 'o' && i > 1 && s[i-2]|0x20 == 'd':
				dot = true
			}
		}
	}
	return digits >= 7 || at && (dot || period) || period && (www || strings.Contains(s, "://"))
}

// accountCue reports whether s[i] ends the name of a service nlp masks the account after (any
// case): qq, vx, wx (wxid_ too), and the "wech" or "weix" of wechat and weixin (not wecom's
// "wec", the channel most records name). i > 0.
func accountCue(s string, i int) bool {
	c, p := s[i]|0x20, s[i-1]|0x20
	switch c {
	case 'q':
		return p == 'q'
	case 'x':
		return p == 'v' || p == 'w' || p == 'i' && weAt(s, i-3)
	case 'h':
		return p == 'c' && weAt(s, i-3)
	}
	return false
}

// weAt reports whether s holds "we" (any case) at j.
func weAt(s string, j int) bool { return j >= 0 && s[j]|0x20 == 'w' && s[j+1]|0x20 == 'e' }

// clean returns d as it may be stored (hash is the store's keyed Hash): text masked, ids without personal data, hashes hashed.
func clean(hash func(string) string, d Decision) Decision {
	d.MsgID = maskID(hash, d.MsgID)
	d.Channel = maskID(hash, d.Channel)
	d.SenderHash = ensureHash(hash, d.SenderHash)
	d.ChatHash = ensureHash(hash, d.ChatHash)
	d.Text = MaskText(d.Text)
	d.Intent = maskID(hash, d.Intent)
	d.Route = maskID(hash, d.Route)
	d.Reason = MaskText(d.Reason)
	d.AnswerID = maskID(hash, d.AnswerID)
	d.Rule = maskID(hash, d.Rule)
	d.Variant = maskID(hash, d.Variant)
	d.Sentiment = maskID(hash, d.Sentiment)
	d.ActiveIntent = maskID(hash, d.ActiveIntent)
	d.Escalation = maskID(hash, d.Escalation)
	d.Model = maskID(hash, d.Model)
	d.Turn = min(max(d.Turn, 0), math.MaxInt32) // an INTEGER column
	if math.IsNaN(d.Confidence) || math.IsInf(d.Confidence, 0) {
		d.Confidence = 0 // no column or spool line takes it
	}
	return d
}

func cleanFeedback(hash func(string) string, f Feedback) Feedback {
	f.ID = maskID(hash, f.ID)
	f.MsgID = maskID(hash, f.MsgID)
	f.CorrectIntent = maskIDFully(hash, f.CorrectIntent)
	f.Comment = MaskText(f.Comment)
	f.AgentID = maskIDFully(hash, f.AgentID)
	return f
}

func cleanLabel(hash func(string) string, l Label) Label {
	l.Text = MaskText(l.Text)
	if l.Key == "" {
		l.Key = LabelKey(l.Text)
	}
	l.Key = maskID(hash, l.Key)
	l.Intent = maskID(hash, l.Intent)
	l.Source = maskID(hash, l.Source)
	l.By = maskID(hash, l.By)
	return l
}
