package nlp

import (
	"strings"
	"unicode"
)

// MaskedDigest is a 16-bit digest of the personal data the analysis of text masks (the values
// that Analysis.Text shows as <ORDER>, <PHONE>, <EMAIL>…: their letters and digits, in order),
// 0 when it masks nothing. Two messages whose masked texts are alike ask about different
// orders (phones, e-mail addresses) when their digests differ, and a value written again with
// other spaces or dashes keeps its digest. Sixteen bits tell two values apart but for one pair
// in 65536, and are far too few to find a value again from (every digest is shared by some
// hundred thousand mobile numbers), so a conversation may keep it where it keeps no value.
func MaskedDigest(text string) uint16 {
	folded := normalFold(text)
	masked, set := Mask(folded)
	if set == 0 {
		return 0
	}
	h := uint32(2166136261) // FNV-1a 32, a rune at a time
	for _, v := range maskedValues(folded, masked) {
		for _, r := range v {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				h = (h ^ uint32(unicode.ToLower(r))) * 16777619
			}
		}
		h = (h ^ 0x110000) * 16777619 // between values (no rune): 12|345 is not 123|45
	}
	d := uint16(h>>16) ^ uint16(h)
	if d == 0 {
		d = 1 // 0 says nothing was masked
	}
	return d
}

// maskedValues returns what Mask took out of text to make masked, one string per placeholder
// (or per run of placeholders with nothing between them): masked is text with spans replaced by
// placeholders, so the text between two placeholders is found again in text after the value
// before it. When the two do not line up (not expected), the whole text is the one value: a
// digest that tells other texts apart, if it ties a value to its words.
func maskedValues(text, masked string) []string {
	var lits []string // the literal text around the placeholders
	for {
		i, n := nextPlaceholder(masked)
		if i < 0 {
			lits = append(lits, masked)
			break
		}
		if len(lits) > 0 && i == 0 {
			masked = masked[n:] // placeholders side by side: one value
			continue
		}
		lits = append(lits, masked[:i])
		masked = masked[i+n:]
	}
	last := lits[len(lits)-1]
	if !strings.HasPrefix(text, lits[0]) || !strings.HasSuffix(text, last) || len(text) < len(lits[0])+len(last) {
		return []string{text}
	}
	var out []string
	pos, end := len(lits[0]), len(text)-len(last)
	for _, lit := range lits[1 : len(lits)-1] {
		// the value takes at least one byte: the literal is found after it
		j := -1
		if pos < end {
			j = strings.Index(text[pos+1:end], lit)
		}
		if j < 0 {
			return []string{text}
		}
		out = append(out, text[pos:pos+1+j])
		pos += 1 + j + len(lit)
	}
	if pos > end {
		return []string{text}
	}
	return append(out, text[pos:end])
}

// nextPlaceholder returns the byte index and length of the first placeholder in s, or -1.
func nextPlaceholder(s string) (int, int) {
	for off := 0; ; {
		i := strings.IndexByte(s[off:], '<')
		if i < 0 {
			return -1, 0
		}
		i += off
		for _, p := range maskPlaceholders {
			if strings.HasPrefix(s[i:], p) {
				return i, len(p)
			}
		}
		off = i + 1
	}
}
