package reply

import (
	"time"

	"github.com/zhiyi-ai/zhiyi/nlp"
	"github.com/zhiyi-ai/zhiyi/session"
)

// A customer sends a number in two messages as often as in one: 我手机是139, then 12345678, the
// chat app having sent the first half on a stray Enter. Each half alone is no phone number, so
// masking left both, and the decision log, the conversation in Redis and the cluster sheets held
// the whole number, in two rows of one conversation. When a message begins with digits that
// complete the number the customer's previous message ended with, into a mobile, ID or card
// number, those digits are masked as that kind: the second half is never kept, and the first
// alone (139, or a phone's first seven digits) names no one.

// splitWindow is how soon after the customer's previous message its number may go on.
const splitWindow = 5 * time.Minute

// previousTurn returns the turn of sender before the message msgID (the hashed msg_id; its own
// turn when it is a retry, the newest otherwise), or nil.
func previousTurn(st *session.State, msgID, sender string) *session.Turn {
	end := len(st.Turns)
	for k := range st.Turns {
		if msgID != "" && st.Turns[k].MsgID == msgID {
			end = k
			break
		}
	}
	for k := end - 1; k >= 0; k-- {
		if st.Turns[k].Sender == sender {
			return &st.Turns[k]
		}
	}
	return nil
}

// continueNumber returns text with its leading digits masked when they complete the number prev
// (a turn's masked text) ends with into a mobile, ID or card number, and the kind masked (0 when
// none). Digits may be grouped by spaces or dashes on either side (138 1234 / 5678, 110105 /
// 19491231 002X). The analysis of the text returned does not know the placeholder it begins
// with for one it masked: the caller adds the kind (Decide: the answer's "masked" names it).
func continueNumber(prev, text string) (string, nlp.MaskSet) {
	tail := numberTail(prev)
	if tail == "" {
		return text, 0
	}
	t := nlp.Normalize(text)
	headEnd := numberHead(t)
	if headEnd == 0 {
		return text, 0
	}
	joined, _ := nlp.Mask(tail + " " + t[:headEnd])
	for _, k := range []nlp.MaskKind{nlp.MaskPhone, nlp.MaskIDCard, nlp.MaskBankCard} {
		if joined == k.Placeholder() {
			return k.Placeholder() + t[headEnd:], 1 << k
		}
	}
	return text, 0
}

// numberTail returns the digits (grouped by spaces or dashes) that s ends with, or "".
func numberTail(s string) string {
	end := len(s)
	for end > 0 && s[end-1] == ' ' {
		end--
	}
	start := end
	for start > 0 && (isDigit(s[start-1]) || s[start-1] == ' ' || s[start-1] == '-') {
		start--
	}
	for start < end && !isDigit(s[start]) {
		start++ // a separator is no part of the number
	}
	return s[start:end]
}

// numberHead returns where the digits (grouped by spaces or dashes, an ID's check x last) that
// normalised text begins with end, or 0 when it begins with none.
func numberHead(t string) int {
	end, i := 0, 0
	for i < len(t) && (isDigit(t[i]) || end > 0 && (t[i] == ' ' || t[i] == '-')) {
		if isDigit(t[i]) {
			end = i + 1
		}
		i++
	}
	if end > 0 && end < len(t) && t[end] == 'x' && (end+1 == len(t) || !isASCIILetterOrDigit(t[end+1])) {
		end++
	}
	return end
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isASCIILetterOrDigit(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
