package rules

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

// A text keyword is compared with nlp.Analysis.Text, which is
// CollapseRepeats(Mask(Fold(Normalize(raw)))): full-width folded, ASCII lower case, traditional
// script folded to simplified, personal data masked, repeats collapsed (急急急急 → 急急). textKey
// puts a keyword through the same steps, so 投訴, 急急急 and ＩＰＨＯＮＥ match what the customer
// typed the same way, and refuses one that masking would hide. Both sides then go through
// joinSpaces (Match does it to the message's text).

// textKey turns a text contains keyword into the form it is compared in, or says why it can
// never match.
func textKey(k string) (string, error) {
	n := nlp.Fold(nlp.Normalize(k))
	if n == "" {
		return "", errors.New("is empty once normalised")
	}
	if err := unmasked(n); err != nil {
		return "", err
	}
	return joinSpacesString(nlp.CollapseRepeats(n)), nil
}

// exactKey is textKey for text exact keywords: spaces, punctuation and symbols at the ends do
// not count, as they do not in the message (trimEdges).
func exactKey(k string) (string, error) {
	n := trimEdges(nlp.Fold(nlp.Normalize(k)))
	if n == "" {
		return "", errors.New("is only spaces, punctuation or symbols once normalised")
	}
	if err := unmasked(n); err != nil {
		return "", err
	}
	return trimEdges(joinSpacesString(nlp.CollapseRepeats(n))), nil
}

// maskPad is glued to either side of a keyword to see whether masking swallows it as part of
// something larger: @qq.com is never seen as typed, since abc@qq.com is <EMAIL>.
const maskPad = "abc"

// unmasked refuses a text keyword that masking rewrites: rules see the masked text, where a
// phone number, an order number or an e-mail address (or a piece of one, such as @qq.com) never
// appears as written.
func unmasked(k string) error {
	if m, _ := nlp.Mask(k); m != k {
		return fmt.Errorf("never matches: messages are matched masked, where it reads %q (write the placeholder, or match terms)", m)
	}
	for _, v := range [...]string{maskPad + k, k + maskPad} {
		if m, _ := nlp.Mask(v); !strings.Contains(m, k) {
			return fmt.Errorf("never matches: it is part of personal data that messages are masked of (beside other characters it reads %q); match the placeholder %s instead",
				m, placeholderIn(m))
		}
	}
	return nil
}

// placeholderIn returns the first mask placeholder in s (<EMAIL>), or "<PHONE>, <EMAIL>, …".
func placeholderIn(s string) string {
	for i := 0; i < len(s); i++ {
		if n := nlp.PlaceholderLen(s[i:]); n > 0 {
			return s[i : i+n]
		}
	}
	return "(<PHONE>, <EMAIL>, <URL>, <ORDER> …)"
}

// termsKey turns a terms keyword into the padded form the message's terms are compared in.
func (c *compiler) termsKey(k string) (string, error) {
	var terms []string
	if c.opt.Analyzer != nil {
		terms = c.opt.Analyzer.Analyze(k).Terms
	} else {
		terms = strings.Fields(nlp.CollapseRepeats(nlp.Fold(nlp.Normalize(k))))
	}
	if len(terms) == 0 {
		return "", errors.New("has no terms once analysed (only stop words or punctuation?)")
	}
	return " " + strings.Join(terms, " ") + " ", nil
}

// Spaces: many input methods put a space between Chinese and Latin letters or digits (双 11,
// iPhone 15), and customers type them between words (转 人工). joinSpaces removes such a space
// from the message's text and from text keywords alike, so 双11 and 双 11 compare equal. It
// removes a space only where one side is a Han character and the other a Han character, an
// ASCII letter or a digit, or where a letter meets a digit (iphone 15); a space between two
// words or two numbers (apple watch, 3 5) stays, so ASCII words keep their boundaries.
// Regexes see the text as it is.

// joinSpaces appends s to dst without the spaces described above.
func joinSpaces(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' && i > 0 && i+1 < len(s) {
			prev, _ := utf8.DecodeLastRuneInString(s[:i])
			next, _ := utf8.DecodeRuneInString(s[i+1:])
			if joins(spaceClass(prev), spaceClass(next)) {
				continue
			}
		}
		dst = append(dst, c)
	}
	return dst
}

// joinSpacesString is joinSpaces for a string; s itself when nothing is removed.
func joinSpacesString(s string) string {
	if !strings.Contains(s, " ") {
		return s
	}
	if j := joinSpaces(nil, s); len(j) != len(s) {
		return string(j)
	}
	return s
}

const (
	classOther = iota
	classHan
	classLetter
	classDigit
)

func spaceClass(r rune) int {
	switch {
	case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
		return classLetter
	case r >= '0' && r <= '9':
		return classDigit
	case r >= utf8.RuneSelf && unicode.Is(unicode.Han, r):
		return classHan
	}
	return classOther
}

// joins reports whether a space between characters of classes a and b is removed.
func joins(a, b int) bool {
	if a == classOther || b == classOther {
		return false
	}
	return a == classHan || b == classHan || a != b
}

// barAlternatives returns a keyword's parts joined as a YAML flow list's items when the keyword
// holds | (or the full-width ｜) between words, as keyword bots export 发票|开票; "" otherwise.
func barAlternatives(k string) string {
	parts := strings.FieldsFunc(k, func(r rune) bool { return r == '|' || r == '｜' })
	if len(parts) == 1 && strings.TrimSpace(parts[0]) == strings.TrimSpace(k) {
		return ""
	}
	var kept []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, ", ")
}
