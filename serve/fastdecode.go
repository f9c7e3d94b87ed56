package serve

import (
	"unicode/utf8"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// A fast path for decoding request bodies: encoding/json's Decoder costs more than everything
// else serve does per request. One pass over the body both checks the JSON syntax and decodes
// the shapes gateways send — an object of the known fields under their exact lower-case names,
// each at most once, string values, null, and an integer sent_at; a batch is {"messages":[…]}
// of such objects (or null) — and gives up on anything else: unknown, repeated, escaped or
// case-folded keys, other types, fractions and exponents, integers out of range, escaped UTF-16
// surrogates (encoding/json decodes those its own way), and every syntax error. decodeBody
// then runs encoding/json, which produces the value or the error, and strictFields, which
// rejects the repeated and case-folded keys encoding/json accepts, so the API's behaviour is the
// same either way. FuzzFastDecode checks that the fast path and encoding/json agree wherever the
// fast path answers. The input must be valid UTF-8 (decodeBody checks it first).

// fastRequestFields are the JSON names the fast path knows, in the order of
// fastScanner.request's cases; a test keeps them in step with intent.Request's tags.
var fastRequestFields = []string{"text", "msg_id", "sender_id", "channel", "chat_id", "sent_at", "open_kfid", "agent_id"}

// slowRequestFields are intent.Request's fields the fast path leaves to encoding/json (lists and
// maps, which gateways rarely send).
var slowRequestFields = []string{"dept_ids", "tags", "vars"}

// fastDecodeRequest decodes a whole body into req; false means "use encoding/json".
func fastDecodeRequest(body []byte, req *intent.Request) bool {
	s := fastScanner{b: body}
	var r intent.Request
	if !s.request(&r) || !s.end() {
		return false
	}
	*req = r
	return true
}

// fastDecodeBatch decodes a whole {"messages":[…]} body; false means "use encoding/json".
func fastDecodeBatch(body []byte, batch *BatchRequest) bool {
	s := fastScanner{b: body}
	if !s.next('{') {
		return false
	}
	key, ok := s.key()
	if !ok || string(key) != "messages" || !s.next(':') {
		return false
	}
	var msgs []intent.Request
	if s.null() {
		msgs = nil
	} else {
		if !s.next('[') {
			return false
		}
		msgs = []intent.Request{}
		if !s.next(']') {
			for {
				var r intent.Request
				if !s.request(&r) { // a null message is refused on the slow path
					return false
				}
				msgs = append(msgs, r)
				if s.next(']') {
					break
				}
				if !s.next(',') {
					return false
				}
			}
		}
	}
	if !s.next('}') || !s.end() {
		return false
	}
	batch.Messages = msgs
	return true
}

// fastScanner reads JSON from b at i; every method skips whitespace first and returns false,
// without a promise about i, where the input is not what it takes.
type fastScanner struct {
	b []byte
	i int
	// copied is b as a string, made on the first string value: values without escapes are
	// slices of it, one allocation for all of a body's strings.
	copied string
}

func (s *fastScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// next consumes the byte c.
func (s *fastScanner) next(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// end reports whether only whitespace is left.
func (s *fastScanner) end() bool {
	s.ws()
	return s.i == len(s.b)
}

// null consumes a null.
func (s *fastScanner) null() bool {
	s.ws()
	if len(s.b)-s.i >= 4 && string(s.b[s.i:s.i+4]) == "null" {
		s.i += 4
		return true
	}
	return false
}

// key reads an object key without escapes (in b's storage); the colon is the caller's.
func (s *fastScanner) key() ([]byte, bool) {
	if !s.next('"') {
		return nil, false
	}
	for j := s.i; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '"':
			k := s.b[s.i:j]
			s.i = j + 1
			return k, true
		case c == '\\' || c < 0x20:
			return nil, false
		}
	}
	return nil, false
}

// request decodes one flat request object into r.
func (s *fastScanner) request(r *intent.Request) bool {
	if !s.next('{') {
		return false
	}
	if s.next('}') {
		return true
	}
	var seen [8]bool
	for {
		k, ok := s.key()
		if !ok || !s.next(':') {
			return false
		}
		idx := -1
		var dst *string
		switch string(k) {
		case "text":
			idx, dst = 0, &r.Text
		case "msg_id":
			idx, dst = 1, &r.MsgID
		case "sender_id":
			idx, dst = 2, &r.SenderID
		case "channel":
			idx, dst = 3, &r.Channel
		case "chat_id":
			idx, dst = 4, &r.ChatID
		case "sent_at":
			idx = 5
		case "open_kfid":
			idx, dst = 6, &r.OpenKfID
		case "agent_id":
			idx, dst = 7, &r.AgentID
		}
		if idx < 0 || seen[idx] {
			return false
		}
		seen[idx] = true
		switch {
		case s.null(): // encoding/json leaves a field alone for null
		case dst != nil:
			v, ok := s.str()
			if !ok {
				return false
			}
			*dst = v
		default:
			n, ok := s.int()
			if !ok {
				return false
			}
			r.SentAt = n
		}
		if s.next('}') {
			return true
		}
		if !s.next(',') {
			return false
		}
	}
}

// str reads a string value and returns a copy of it, unescaped.
func (s *fastScanner) str() (string, bool) {
	if !s.next('"') {
		return "", false
	}
	start := s.i
	for j := start; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '"':
			s.i = j + 1
			if s.copied == "" {
				s.copied = string(s.b)
			}
			return s.copied[start:j], true
		case c == '\\':
			return s.escaped(start, j)
		case c < 0x20:
			return "", false
		}
	}
	return "", false
}

// escaped finishes a string that starts at start and has its first backslash at j.
func (s *fastScanner) escaped(start, j int) (string, bool) {
	out := make([]byte, 0, j-start+16)
	out = append(out, s.b[start:j]...)
	for j < len(s.b) {
		c := s.b[j]
		switch {
		case c == '"':
			s.i = j + 1
			return string(out), true
		case c < 0x20:
			return "", false
		case c != '\\':
			out = append(out, c)
			j++
			continue
		}
		if j+1 >= len(s.b) {
			return "", false
		}
		switch e := s.b[j+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if j+6 > len(s.b) {
				return "", false
			}
			var r rune
			for _, h := range s.b[j+2 : j+6] {
				var d byte
				switch {
				case h >= '0' && h <= '9':
					d = h - '0'
				case h >= 'a' && h <= 'f':
					d = h - 'a' + 10
				case h >= 'A' && h <= 'F':
					d = h - 'A' + 10
				default:
					return "", false
				}
				r = r<<4 | rune(d)
			}
			if r >= 0xd800 && r <= 0xdfff {
				return "", false // surrogates: encoding/json pairs or replaces them
			}
			out = utf8.AppendRune(out, r)
			j += 6
			continue
		default:
			return "", false
		}
		j += 2
	}
	return "", false
}

// int reads an integer written as JSON integers are (no leading zeros), that fits an int64 and
// has no fraction or exponent.
func (s *fastScanner) int() (int64, bool) {
	s.ws()
	neg := s.i < len(s.b) && s.b[s.i] == '-'
	if neg {
		s.i++
	}
	start := s.i
	var n uint64
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		if s.i-start == 19 {
			return 0, false // 20 digits or more: out of range for an int64
		}
		n = n*10 + uint64(s.b[s.i]-'0')
		s.i++
	}
	digits := s.i - start
	switch {
	case digits == 0, digits > 1 && s.b[start] == '0':
		return 0, false
	case s.i < len(s.b) && (s.b[s.i] == '.' || s.b[s.i] == 'e' || s.b[s.i] == 'E'):
		return 0, false
	case neg && n > 1<<63, !neg && n > 1<<63-1:
		return 0, false
	}
	if neg {
		return -int64(n), true // n = 2^63 gives math.MinInt64
	}
	return int64(n), true
}
