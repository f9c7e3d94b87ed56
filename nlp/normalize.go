package nlp

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Normalize folds a message into the form every later step sees: full-width letters, digits,
// punctuation and the ideographic space become half-width; ASCII letters are lower-cased;
// zero-width characters, the BOM, variation selectors and control characters are removed;
// invalid UTF-8 is dropped; runs of whitespace collapse to one space; the ends are trimmed.
// Emoji and CJK punctuation are kept.
func Normalize(s string) string {
	if isNormal(s) {
		return s
	}
	return normalize(s)
}

// normalize is Normalize without the fast path for text that is normal already.
func normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false // a space is pending (written only before the next visible rune)
	wrote := false
	for i := 0; i < len(s); {
		if s[i] == '<' {
			// Mask placeholders (<PHONE>) pass through unchanged, so normalising masked text
			// again gives the same text.
			if n := placeholderLen(s[i:]); n > 0 {
				if space && wrote {
					b.WriteByte(' ')
				}
				space, wrote = false, true
				b.WriteString(s[i : i+n])
				i += n
				continue
			}
		}
		r, size := decodeRune(s, i)
		i += size
		if r == utf8.RuneError && size <= 1 {
			continue
		}
		r = foldRune(r)
		switch {
		case r < 0:
			continue
		case unicode.IsSpace(r):
			space = true
			continue
		}
		if space && wrote {
			b.WriteByte(' ')
		}
		space = false
		wrote = true
		b.WriteRune(r)
	}
	return b.String()
}

// foldRune maps one rune to its normalised form, or -1 to drop it.
func foldRune(r rune) rune {
	switch {
	case r >= cjkFirst && r <= cjkLast: // most of a Chinese message: kept as it is
		return r
	case r >= 'A' && r <= 'Z':
		return r + ('a' - 'A')
	case r < 0x80:
		if r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f' {
			return ' '
		}
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII block
		r -= 0xFEE0
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	case r == 0x3000: // ideographic space
		return ' '
	case r == 0x200B || r == 0x200C || r == 0x200D || r == 0x2060 || r == 0xFEFF || r == 0x00AD:
		return -1 // zero-width characters, BOM, soft hyphen
	case r >= 0xFE00 && r <= 0xFE0F: // variation selectors
		return -1
	case r == 0x20E3: // the keycap that makes 1️⃣ of 1: the digit stays, so 1️⃣3️⃣8️⃣… reads as a number
		return -1
	case r == 0x00A0 || r == 0x2028 || r == 0x2029:
		return ' '
	case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
		return -1
	}
	return r
}

// isNormal reports whether Normalize would return s as it is (most messages: lower-case ASCII,
// Chinese characters and punctuation, single spaces), so it can skip building a copy.
func isNormal(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	prevSpace := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			r, size := decodeRune(s, i)
			if r == utf8.RuneError || foldRune(r) != r || unicode.IsSpace(r) {
				return false
			}
			i += size - 1
			prevSpace = false
			continue
		}
		if c < 0x20 || c == 0x7f || (c >= 'A' && c <= 'Z') {
			return false
		}
		if c == ' ' {
			if prevSpace {
				return false
			}
			prevSpace = true
		} else {
			prevSpace = false
		}
	}
	return true
}

// decodeRune is utf8.DecodeRuneInString(s[i:]) with ASCII and the common Chinese characters
// (U+4E00–U+9FFF: three bytes led by 0xE4–0xE9) decoded here: the standard function leaves every
// multi-byte sequence to a slower general decoder, and the analyzer decodes each character of a
// message several times.
func decodeRune(s string, i int) (rune, int) {
	c0 := s[i]
	if c0 < utf8.RuneSelf {
		return rune(c0), 1
	}
	if i+2 < len(s) {
		c1, c2 := s[i+1], s[i+2]
		if c0-0xE4 <= 0xE9-0xE4 && (c1&0xC0|c2>>6) == 0x82 {
			if r := rune(c0-0xE0)<<12 | rune(c1&0x3F)<<6 | rune(c2&0x3F); r >= cjkFirst {
				return r, 3
			}
		}
	}
	return utf8.DecodeRuneInString(s[i:])
}
