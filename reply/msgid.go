package reply

import (
	"strings"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/nlp"
)

// Which requests a kept response may not repeat: the personal data a gateway can put in a
// msg_id or a var, told apart from the platforms' own message ids.

// echoesPersonalData reports whether the response to req may echo personal data the caller
// sent: a msg_id made of a phone number, a var an answer is filled from. Long digit runs
// (WeCom's numeric MsgIds, order numbers) and links are not personal data here, nor are the
// digits of a platform's message id or of a hash (msgIDPersonal). Only these can bring it: the
// rest of a response is the model's and the knowledge base's.
func echoesPersonalData(req *intent.Request) bool {
	personal := func(s string) bool {
		_, set := nlp.MaskExcept(nlp.Normalize(s), nlp.MaskOrder, nlp.MaskURL)
		return set != 0
	}
	if msgIDPersonal(req.MsgID) {
		return true
	}
	for _, v := range req.Vars {
		if personal(v) {
			return true
		}
	}
	return false
}

// msgIDPersonal reports whether a msg_id holds personal data a kept response would echo. An id
// of a platform's form (platformMsgID) is a platform's message id — WeChat's and WeCom's MsgIds,
// a 公众号's being 64-bit numbers of 17 to 19 digits, one in ten of which passes a bank card's
// Luhn check, and 微信客服's the same numbers after from_msgid_ — and no gateway names a message
// by a card or an ID number: only a phone number (13812345678, 8613812345678, a landline) counts
// in it. An id of 32 hex digits is a hash (a
// gateway's id for an event that has none, hashed from the openid and the time) or one serve
// made up: none. Read as personal data, such an id's response was not kept, and each of the
// platform's retries was decided again, with other bytes. The logs mask them as before (serve):
// this is about the response the conversation keeps.
func msgIDPersonal(id string) bool {
	if hexHash(id) {
		return false
	}
	kept := []nlp.MaskKind{nlp.MaskOrder, nlp.MaskURL}
	if platformMsgID(id) {
		kept = append(kept, nlp.MaskBankCard, nlp.MaskIDCard)
	}
	_, set := nlp.MaskExcept(nlp.Normalize(id), kept...)
	return set != 0
}

// platformMsgID reports whether id has the form of a platform's message id: ASCII digits alone
// (WeChat's and WeCom's MsgId), from_msgid_ and digits (微信客服's msgid), or digits, _, the
// Unix time and _external or _internal (WeCom's 会话内容存档). Anything else beside the digits
// (card-6222021234567890128) is not one.
func platformMsgID(id string) bool {
	if rest, ok := strings.CutPrefix(id, "from_msgid_"); ok {
		return digitsOnly(rest)
	}
	num, rest, ok := strings.Cut(id, "_")
	if !ok {
		return digitsOnly(id)
	}
	at, side, ok := strings.Cut(rest, "_")
	return ok && digitsOnly(num) && digitsOnly(at) && (side == "external" || side == "internal")
}

// digitsOnly reports whether s is one or more ASCII digits and nothing else.
func digitsOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// hexHash reports whether s is 32 hex digits: 128 bits of a hash, as the decision log keeps
// them, and the form of the ids serve makes up (store.NewID). Upper-case digits count too: a
// gateway's MD5 of an event is as often spelt so (strtoupper(md5(…))), and docs/api.md asks
// for hex digits, not lower-case ones.
func hexHash(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
