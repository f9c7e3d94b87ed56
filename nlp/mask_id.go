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
	if m, set := IDPersonalData(id); set != 0 {
		id = m
	}
	return Clip(id, MaxMaskedIDBytes)
}

// IDPersonalData masks the personal data in an identifier and reports its kinds, as MaskID
// and everything else that asks whether an id holds personal data (the decision log, a
// conversation's kept responses) read it: not clipped, and with what is no personal data in an
// id left as it is — order-like digit runs, and, in an id of ASCII digits alone, bank card and
// ID card numbers. That is what WeChat's and WeCom's MsgIds look like (a 公众号's are 64-bit
// numbers of 17 to 19 digits), and one in ten passes a card's Luhn check; no gateway names a
// message by a card number. A mobile number is masked whatever the id (13812345678 is read as
// one, not as a message id), and so is a card number with anything else in the id
// (card-6222021234567890128).
func IDPersonalData(id string) (string, MaskSet) {
	probe := id
	if !printableASCII(id) { // Mask reads upper-case ASCII itself: most ids need no copy
		probe = Normalize(id)
	}
	if digitsOnly(probe) {
		return MaskExcept(probe, MaskOrder, MaskBankCard, MaskIDCard)
	}
	return MaskExcept(probe, MaskOrder)
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
