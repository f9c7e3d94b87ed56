package nlp

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Normalize folds a message into the form every later step sees: full-width letters, digits,
// punctuation and the ideographic space become half-width; ASCII letters are lower-cased;
// zero-width characters, the BOM, variation selectors, emoji skin tones and control characters
// are removed; invalid UTF-8 is dropped; runs of whitespace collapse to one space; the ends are
// trimmed. Emoji and CJK punctuation are kept.
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
	prevScript := false // the last rune was a superscript or subscript digit
	for i := 0; i < len(s); {
		if s[i] == '<' {
			// Mask placeholders (<PHONE>) pass through unchanged, so normalising masked text
			// again gives the same text.
			if n := placeholderLen(s[i:]); n > 0 {
				if space && wrote {
					b.WriteByte(' ')
				}
				space, wrote, prevScript = false, true, false
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
		f := foldRune(r)
		if f < 0 {
			continue // dropped (zero-width, variation selector): as if it were not there
		}
		if d := scriptDigit(r); d >= 0 {
			if prevScript || scriptDigitNext(s, i) {
				f = '0' + d
			}
			prevScript = true
		} else {
			prevScript = false
		}
		r = f
		switch {
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
	case r >= 0x1F3FB && r <= 0x1F3FF: // skin tones: 👍🏻 is 👍, not 👍 and a term of its own
		return -1
	case r == 0x20E3: // the keycap that makes 1️⃣ of 1: the digit stays, so 1️⃣3️⃣8️⃣… reads as a number
		return -1
	case r == 0x00A0 || r == 0x2028 || r == 0x2029:
		return ' '
	case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || defaultIgnorable(r):
		return -1
	}
	if d := compatDigit(r); d >= 0 {
		return '0' + d
	}
	return r
}

// defaultIgnorable reports the invisible characters Unicode lets renderers ignore that are not
// format characters (Cf, dropped already): fillers, the combining grapheme joiner, Mongolian
// variation selectors and the supplementary variation selectors. Typed between the digits of a
// phone number they hide it from a plain digit match.
func defaultIgnorable(r rune) bool {
	switch {
	case r == 0x034F, r == 0x115F, r == 0x1160, r == 0x3164, r == 0xFFA0:
		return true
	case r >= 0x180B && r <= 0x180F, r >= 0xE0100 && r <= 0xE01EF:
		return true
	}
	return false
}

// compatDigit maps the enclosed and styled forms of a single digit (①, ⑴, ⒈, ❶, ➀, ➊, ⓵, ⓪, the
// mathematical 𝟏 …) to its value, or -1: NFKC's reading of them, which customers use to slip a
// phone number past a plain digit match. Enclosed numbers of two digits (⑩ …) are left.
func compatDigit(r rune) rune {
	switch {
	case r >= 0x2460 && r <= 0x2468: // ①–⑨
		return r - 0x2460 + 1
	case r >= 0x2474 && r <= 0x247C: // ⑴–⑼
		return r - 0x2474 + 1
	case r >= 0x2488 && r <= 0x2490: // ⒈–⒐
		return r - 0x2488 + 1
	case r == 0x24EA || r == 0x24FF || r == 0x1F10B || r == 0x1F10C: // ⓪ ⓿ and dingbat zeros
		return 0
	case r >= 0x24F5 && r <= 0x24FD: // ⓵–⓽
		return r - 0x24F5 + 1
	case r >= 0x2776 && r <= 0x277E: // ❶–❾
		return r - 0x2776 + 1
	case r >= 0x2780 && r <= 0x2788: // ➀–➈
		return r - 0x2780 + 1
	case r >= 0x278A && r <= 0x2792: // ➊–➒
		return r - 0x278A + 1
	case r >= 0x1D7CE && r <= 0x1D7FF: // mathematical digits, five styles of 0–9
		return (r - 0x1D7CE) % 10
	case r >= 0x1F100 && r <= 0x1F10A: // 🄀 (digit zero full stop) … 🄊
		if r == 0x1F100 {
			return 0
		}
		return r - 0x1F101
	case r > 0xFF && unicode.IsDigit(r): // the decimal digits of other scripts: ١٣٨ (Arabic), १३८ (Devanagari)
		z := r
		for z > r-9 && unicode.IsDigit(z-1) {
			z--
		}
		return (r - z) % 10
	}
	return -1
}

// scriptDigit maps a superscript or subscript digit (¹ ² ³ ⁰ ⁴–⁹, ₀–₉) to its value, or -1.
// Normalize folds them only in a run of two or more (¹³⁸¹²³⁴⁵⁶⁷⁸, typed to slip a phone number
// past a filter): alone they are units and powers (m², 10³) and stay.
func scriptDigit(r rune) rune {
	switch {
	case r == 0x00B9:
		return 1
	case r == 0x00B2 || r == 0x00B3:
		return r - 0x00B0
	case r == 0x2070 || r >= 0x2074 && r <= 0x2079:
		return r - 0x2070
	case r >= 0x2080 && r <= 0x2089:
		return r - 0x2080
	}
	return -1
}

// scriptDigitNext reports whether the next rune of s[i:] that normalising keeps is a
// superscript or subscript digit (what Normalize drops, or cannot decode, is skipped: ²\u200b³
// is a run, as ²³ is).
func scriptDigitNext(s string, i int) bool {
	for i < len(s) {
		r, size := decodeRune(s, i)
		i += size
		if r == utf8.RuneError && size <= 1 || foldRune(r) < 0 {
			continue
		}
		return scriptDigit(r) >= 0
	}
	return false
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
			if r == utf8.RuneError || foldRune(r) != r || unicode.IsSpace(r) || scriptDigit(r) >= 0 && scriptDigitNext(s, i+size) {
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
