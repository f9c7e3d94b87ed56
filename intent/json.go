package intent

import (
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

// AppendJSON appends r as one JSON object, byte for byte what encoding/json writes for it with
// HTML escaping off (the tests hold it to that), without reflection or allocation. Results are
// encoded once per message in serving and in `zhiyi predict`, where reflection was a tenth of
// the time.
func (r *Result) AppendJSON(b []byte) []byte {
	b = append(b, '{')
	if r.MsgID != "" {
		b = appendKey(b, "msg_id", false)
		b = appendString(b, r.MsgID)
	}
	b = appendKey(b, "intent", r.MsgID != "")
	b = appendString(b, r.Intent)
	b = appendOptString(b, "label", r.Label)
	b = appendOptString(b, "category", r.Category)
	b = appendKey(b, "confidence", true)
	b = appendFloat(b, r.Confidence)
	b = appendKey(b, "route", true)
	b = appendString(b, string(r.Route))
	b = appendOptString(b, "reason", r.Reason)
	if r.Priority != 0 {
		b = appendKey(b, "priority", true)
		b = strconv.AppendInt(b, int64(r.Priority), 10)
	}
	b = appendOptString(b, "rule", r.Rule)
	b = appendOptString(b, "experiment", r.Experiment)
	b = appendOptString(b, "variant", r.Variant)
	if a := r.Answer; a != nil {
		b = appendKey(b, "answer", true)
		if e := a.encoded; e != nil && e.id == a.ID && e.text == a.Text {
			b = append(b, e.json...)
		} else {
			b = appendAnswer(b, a.ID, a.Text)
		}
	}
	b = appendKey(b, "candidates", true)
	b = appendList(b, r.Candidates, func(b []byte, c *Candidate) []byte {
		b = append(b, `{"intent":`...)
		b = appendString(b, c.Intent)
		b = appendOptString(b, "label", c.Label)
		b = append(b, `,"confidence":`...)
		b = appendFloat(b, c.Confidence)
		if c.Retrieval != 0 {
			b = append(b, `,"retrieval":`...)
			b = appendFloat(b, c.Retrieval)
		}
		b = appendOptString(b, "example", c.Example)
		return append(b, '}')
	})
	b = appendKey(b, "rewrites", true)
	b = appendList(b, r.Rewrites, func(b []byte, w *nlp.Rewrite) []byte {
		b = append(b, `{"from":`...)
		b = appendString(b, w.From)
		b = append(b, `,"to":`...)
		b = appendString(b, w.To)
		b = append(b, `,"kind":`...)
		b = appendString(b, string(w.Kind))
		b = appendOptString(b, "region", w.Region)
		return append(b, '}')
	})
	if len(r.Masked) > 0 {
		b = appendKey(b, "masked", true)
		b = appendStrings(b, r.Masked)
	}
	if s := r.Sentiment; s != nil {
		b = append(b, `,"sentiment":{"tag":`...)
		b = appendString(b, s.Tag)
		b = append(b, `,"label":`...)
		b = appendString(b, s.Label)
		b = append(b, `,"score":`...)
		b = appendFloat(b, s.Score)
		if s.Strong {
			b = append(b, `,"strong":true`...)
		}
		b = appendOptString(b, "reason", s.Reason)
		if len(s.Cues) > 0 {
			b = append(b, `,"cues":`...)
			b = appendStrings(b, s.Cues)
		}
		b = append(b, '}')
	}
	if c := r.Context; c != nil {
		b = append(b, `,"context":{"turn":`...)
		b = strconv.AppendInt(b, int64(c.Turn), 10)
		b = append(b, `,"active_intent":`...)
		b = appendString(b, c.ActiveIntent)
		b = append(b, `,"repeat":`...)
		b = strconv.AppendBool(b, c.Repeat)
		b = append(b, `,"escalation":`...)
		b = appendString(b, c.Escalation)
		b = append(b, '}')
	}
	b = appendKey(b, "model", true)
	b = appendString(b, r.Model)
	b = appendKey(b, "took_us", true)
	b = strconv.AppendInt(b, r.TookMicros, 10)
	if d := r.Debug; d != nil {
		b = append(b, `,"debug":{"text":`...)
		b = appendString(b, d.Text)
		b = append(b, `,"tokens":`...)
		b = appendStrings(b, d.Tokens)
		b = append(b, `,"terms":`...)
		b = appendStrings(b, d.Terms)
		if len(d.Masked) > 0 {
			b = append(b, `,"masked":`...)
			b = appendStrings(b, d.Masked)
		}
		b = append(b, `,"features":`...)
		b = appendList(b, d.Features, func(b []byte, f *uint32) []byte { return strconv.AppendUint(b, uint64(*f), 10) })
		b = append(b, `,"confidence":`...)
		b = appendFloat(b, d.Confidence)
		b = append(b, '}')
	}
	return append(b, '}')
}

func appendKey(b []byte, key string, comma bool) []byte {
	if comma {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, key...)
	return append(b, '"', ':')
}

// appendOptString appends ,"key":"s" unless s is empty (omitempty).
func appendOptString(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	return appendString(appendKey(b, key, true), s)
}

func appendStrings(b []byte, ss []string) []byte {
	return appendList(b, ss, func(b []byte, s *string) []byte { return appendString(b, *s) })
}

func appendAnswer(b []byte, id, text string) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, id)
	b = append(b, `,"text":`...)
	b = appendString(b, text)
	return append(b, '}')
}

// appendList appends list as a JSON array (null when nil, as encoding/json writes a nil slice),
// each element by appendItem.
func appendList[T any](b []byte, list []T, appendItem func([]byte, *T) []byte) []byte {
	if list == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendItem(b, &list[i])
	}
	return append(b, ']')
}

// appendFloat formats like encoding/json: shortest representation, exponent only for very
// small or very large magnitudes. NaN and infinities, which JSON cannot carry, become 0 (a
// Result never holds them).
func appendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, '0')
	}
	// Confidences and retrieval scores are rounded to four decimals (round4). For such a value,
	// n/10⁴ written out is the shortest decimal that reads back as f (the division rounds
	// correctly, and below 10⁹ neighbouring floats are far closer than 10⁻⁴), so it is what
	// strconv would find, without its search.
	if n := math.Round(f * 1e4); !math.Signbit(f) && f < 1e9 && n/1e4 == f { // -0 is written as encoding/json writes it
		u := uint64(n)
		b = strconv.AppendUint(b, u/1e4, 10)
		if frac := u % 1e4; frac != 0 {
			digits := [5]byte{'.', byte('0' + frac/1000), byte('0' + frac/100%10), byte('0' + frac/10%10), byte('0' + frac%10)}
			end := len(digits)
			for digits[end-1] == '0' {
				end--
			}
			b = append(b, digits[:end]...)
		}
		return b
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	n := len(b)
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// Clean up e-09 to e-9, as encoding/json does.
		if m := len(b) - n; m >= 4 && b[len(b)-4] == 'e' && b[len(b)-3] == '-' && b[len(b)-2] == '0' {
			b[len(b)-2] = b[len(b)-1]
			b = b[:len(b)-1]
		}
	}
	return b
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string the way encoding/json does without HTML escaping:
// control characters escaped (\b \f \n \r \t by name), invalid UTF-8 replaced by U+FFFD, and
// U+2028/U+2029 escaped for JavaScript.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		// A three-byte sequence led by E1, E3–EC, EE or EF is valid whatever its continuation
		// bytes, and neither a surrogate nor U+2028/9: that is nearly all Chinese text, passed
		// without decoding it.
		if c := s[i]; c >= 0xE1 && c <= 0xEF && c != 0xE2 && c != 0xED && i+2 < len(s) &&
			s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80 {
			i += 3
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
