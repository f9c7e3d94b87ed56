package nlp

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxMaskedIDBytes is the most bytes of an identifier MaskID keeps (before the "…" that marks a
// cut): serve refuses longer msg_ids, and no log line, sheet or error needs more of any other.
const MaxMaskedIDBytes = 128

// MaskID masks the personal data in an identifier (a msg_id, a request id, a bundle directory)
// and clips it to MaxMaskedIDBytes. It is the one form an id takes wherever zhiyi writes it —
// serve's logs, a cluster sheet, train's errors — so that they all name a message alike. Long
// digit runs that are not personal data stay, so that numeric message ids can still be
// correlated; an id without personal data, no longer than MaxMaskedIDBytes, is returned as it is.
func MaskID(id string) string {
	id = Clip(id, 2*MaxMaskedIDBytes) // bounds the masking work; Clip drops a number or address cut short
	probe := id
	if !printableASCII(id) { // Mask reads upper-case ASCII itself: most ids need no copy
		probe = Normalize(id)
	}
	if m, set := MaskExcept(probe, MaskOrder); set != 0 {
		id = m
	}
	return Clip(id, MaxMaskedIDBytes)
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// Clip cuts s to at most max bytes on a character boundary and marks the cut with "…". What is
// cut may have been part of a number or an address, so a trailing number (a phone's first seven
// digits, in any script, are still personal data) and a trailing address go too. A string of
// max bytes or fewer is returned as it is.
func Clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	s = s[:max]
	for len(s) > 0 && !utf8.RuneStart(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	if len(s) > 0 && !utf8.ValidString(s[len(s)-1:]) {
		s = s[:len(s)-1] // a rune cut in half
	}
	for len(s) > 0 { // a number cut short, in any script
		r, n := utf8.DecodeLastRuneInString(s)
		if !(unicode.IsDigit(r) || unicode.Is(unicode.Han, r) || strings.ContainsRune(" -./_+", r)) {
			break
		}
		s = s[:len(s)-n]
	}
	word := len(s) // an e-mail address cut short
	for word > 0 && (isMailboxByte(s[word-1]) || s[word-1] == '@') {
		word--
	}
	if strings.Contains(s[word:], "@") {
		s = s[:word]
	}
	return s + "…"
}
