package serve

import (
	"strconv"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// A fast path for decoding request bodies without reflection: encoding/json's Decoder costs
// more than everything else serve does per request. It handles the shapes gateways send —
// an object of the known fields, exact lower-case keys, strings (escapes included), null and
// plain integers — and gives up on anything else (unknown or case-folded keys, other number
// forms, duplicate batches, trailing data, any syntax error). decodeBody then runs
// encoding/json, which produces the value or the error, so the API's behaviour is
// encoding/json's either way. FuzzFastDecode checks that the two agree wherever the fast path
// answers. The input must be valid UTF-8 (decodeBody checks it first).

type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) eat(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *scanner) atEnd() bool {
	s.ws()
	return s.i == len(s.b)
}

// null consumes a literal null.
func (s *scanner) null() bool {
	s.ws()
	if len(s.b)-s.i >= 4 && string(s.b[s.i:s.i+4]) == "null" {
		s.i += 4
		return true
	}
	return false
}

// key reads an object key without escapes, returning it as a slice of the input.
func (s *scanner) key() ([]byte, bool) {
	if !s.eat('"') {
		return nil, false
	}
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			k := s.b[start:s.i]
			s.i++
			return k, s.eat(':')
		case c == '\\' || c < 0x20:
			return nil, false
		}
		s.i++
	}
	return nil, false
}

// str reads a string value into *dst (null leaves *dst alone, as encoding/json does).
func (s *scanner) str(dst *string) bool {
	if s.null() {
		return true
	}
	if !s.eat('"') {
		return false
	}
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			*dst = string(s.b[start:s.i]) // a copy: nothing refers to the request body
			s.i++
			return true
		case c == '\\':
			return s.escaped(dst, start)
		case c < 0x20:
			return false
		}
		s.i++
	}
	return false
}

// escaped finishes a string that has escapes, decoding them exactly as encoding/json does
// (invalid surrogates become U+FFFD).
func (s *scanner) escaped(dst *string, start int) bool {
	out := make([]byte, 0, s.i-start+16)
	out = append(out, s.b[start:s.i]...)
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			*dst = string(out)
			s.i++
			return true
		case c < 0x20:
			return false
		case c != '\\':
			out = append(out, c)
			s.i++
			continue
		}
		if s.i+1 >= len(s.b) {
			return false
		}
		switch e := s.b[s.i+1]; e {
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
			r := hex4(s.b[s.i+2:])
			if r < 0 {
				return false
			}
			s.i += 6
			if utf16.IsSurrogate(r) {
				r1 := rune(-1)
				if len(s.b)-s.i >= 2 && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
					r1 = hex4(s.b[s.i+2:])
				}
				if dec := utf16.DecodeRune(r, r1); dec != unicode.ReplacementChar {
					s.i += 6
					out = utf8.AppendRune(out, dec)
					continue
				}
				r = unicode.ReplacementChar
			}
			out = utf8.AppendRune(out, r)
			continue
		default:
			return false
		}
		s.i += 2
	}
	return false
}

func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// int reads a plain JSON integer (no fraction or exponent) that fits an int64 into *dst;
// null leaves *dst alone.
func (s *scanner) int(dst *int64) bool {
	if s.null() {
		return true
	}
	start := s.i
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	digits := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	n := s.i - digits
	if n == 0 || (n > 1 && s.b[digits] == '0') {
		return false
	}
	if s.i < len(s.b) {
		switch s.b[s.i] {
		case '.', 'e', 'E':
			return false
		}
	}
	v, err := strconv.ParseInt(string(s.b[start:s.i]), 10, 64)
	if err != nil {
		return false
	}
	*dst = v
	return true
}

// request reads one intent.Request object.
func (s *scanner) request(req *intent.Request) bool {
	if !s.eat('{') {
		return false
	}
	if s.eat('}') {
		return true
	}
	for {
		k, ok := s.key()
		if !ok {
			return false
		}
		switch string(k) {
		case "text":
			ok = s.str(&req.Text)
		case "msg_id":
			ok = s.str(&req.MsgID)
		case "sender_id":
			ok = s.str(&req.SenderID)
		case "channel":
			ok = s.str(&req.Channel)
		case "chat_id":
			ok = s.str(&req.ChatID)
		case "sent_at":
			ok = s.int(&req.SentAt)
		default:
			return false
		}
		if !ok {
			return false
		}
		if s.eat(',') {
			continue
		}
		return s.eat('}')
	}
}

// fastRequestFields are the JSON names the fast path knows; a test keeps them in step with
// intent.Request's tags.
var fastRequestFields = []string{"text", "msg_id", "sender_id", "channel", "chat_id", "sent_at"}

// fastDecodeRequest decodes a whole body into req; false means "use encoding/json".
func fastDecodeRequest(body []byte, req *intent.Request) bool {
	s := scanner{b: body}
	return s.request(req) && s.atEnd()
}

// fastDecodeBatch decodes a whole {"messages":[…]} body; false means "use encoding/json".
func fastDecodeBatch(body []byte, batch *BatchRequest) bool {
	s := scanner{b: body}
	if !s.eat('{') {
		return false
	}
	if s.eat('}') {
		return s.atEnd()
	}
	k, ok := s.key()
	if !ok || string(k) != "messages" {
		return false
	}
	if !s.null() {
		if !s.eat('[') {
			return false
		}
		msgs := make([]intent.Request, 0, 8)
		if !s.eat(']') {
			for {
				msgs = append(msgs, intent.Request{})
				if !s.request(&msgs[len(msgs)-1]) {
					return false
				}
				if s.eat(',') {
					continue
				}
				if !s.eat(']') {
					return false
				}
				break
			}
		}
		batch.Messages = msgs
	}
	return s.eat('}') && s.atEnd()
}
