package serve

import (
	"bytes"
	"encoding/json"

	"github.com/valyala/fastjson"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// A fast path for decoding request bodies with valyala/fastjson (no reflection): encoding/json's
// Decoder costs more than everything else serve does per request. It handles the shapes gateways
// send — an object of the known fields under their exact lower-case names, each at most once,
// string values, null, and an integer sent_at — and gives up on anything else (unknown,
// repeated or case-folded keys, other types, fractional numbers). fastjson is lenient about
// some malformed input (bad escapes, leading zeros), so json.Valid, which allocates nothing,
// vets the syntax first; and it decodes escaped UTF-16 surrogates (\ud83d…) its own way, so
// bodies with those go to encoding/json too (gateways send emoji as UTF-8). decodeBody then runs encoding/json, which
// produces the value or the error, so the API's behaviour is encoding/json's either way.
// FuzzFastDecode checks that the two agree wherever the fast path answers. The input must be
// valid UTF-8 (decodeBody checks it first).

var parserPool fastjson.ParserPool

// fastRequestFields are the JSON names the fast path knows; a test keeps them in step with
// intent.Request's tags.
var fastRequestFields = []string{"text", "msg_id", "sender_id", "channel", "chat_id", "sent_at"}

// fastDecodeRequest decodes a whole body into req; false means "use encoding/json".
func fastDecodeRequest(body []byte, req *intent.Request) bool {
	if !fastEligible(body) {
		return false
	}
	p := parserPool.Get()
	defer parserPool.Put(p)
	v, err := p.ParseBytes(body)
	return err == nil && fastRequest(v, req)
}

// fastDecodeBatch decodes a whole {"messages":[…]} body; false means "use encoding/json".
func fastDecodeBatch(body []byte, batch *BatchRequest) bool {
	if !fastEligible(body) {
		return false
	}
	p := parserPool.Get()
	defer parserPool.Put(p)
	v, err := p.ParseBytes(body)
	if err != nil || v.Type() != fastjson.TypeObject {
		return false
	}
	obj, _ := v.Object()
	ok, seen := true, false
	obj.Visit(func(k []byte, m *fastjson.Value) {
		if !ok {
			return
		}
		if string(k) != "messages" || seen {
			ok = false
			return
		}
		seen = true
		switch m.Type() {
		case fastjson.TypeNull:
			batch.Messages = nil
		case fastjson.TypeArray:
			items, _ := m.Array()
			msgs := make([]intent.Request, len(items))
			for i, it := range items {
				if !fastRequest(it, &msgs[i]) {
					ok = false
					return
				}
			}
			batch.Messages = msgs
		default:
			ok = false
		}
	})
	return ok
}

// fastEligible reports whether body is valid JSON without escaped surrogates.
func fastEligible(body []byte) bool {
	return json.Valid(body) && !bytes.Contains(body, []byte(`\ud`)) && !bytes.Contains(body, []byte(`\uD`))
}

// fastRequest fills req from one parsed request object. Strings are copied: nothing may point
// into the request body once the handler returns.
func fastRequest(v *fastjson.Value, req *intent.Request) bool {
	if v.Type() != fastjson.TypeObject {
		return false
	}
	obj, _ := v.Object()
	ok := true
	var seen [8]bool // by field, to give up on repeated keys
	field := func(i int) bool {
		if seen[i] {
			ok = false
			return false
		}
		seen[i] = true
		return true
	}
	obj.Visit(func(k []byte, f *fastjson.Value) {
		if !ok {
			return
		}
		idx := -1
		for i, name := range fastRequestFields {
			if string(k) == name {
				idx = i
			}
		}
		if idx < 0 || !field(idx) {
			ok = false
			return
		}
		if f.Type() == fastjson.TypeNull {
			return // encoding/json leaves a field alone for null
		}
		var dst *string
		switch string(k) {
		case "text":
			dst = &req.Text
		case "msg_id":
			dst = &req.MsgID
		case "sender_id":
			dst = &req.SenderID
		case "channel":
			dst = &req.Channel
		case "chat_id":
			dst = &req.ChatID
		case "sent_at":
			n, err := f.Int64()
			if err != nil || f.Type() != fastjson.TypeNumber || !isIntLiteral(f.String()) {
				ok = false
				return
			}
			req.SentAt = n
			return
		default:
			ok = false
			return
		}
		b, err := f.StringBytes()
		if err != nil {
			ok = false
			return
		}
		*dst = string(b)
	})
	return ok
}

// isIntLiteral reports whether a JSON number is written as a plain integer (no fraction or
// exponent), the only form encoding/json decodes into an int64.
func isIntLiteral(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '-' {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
