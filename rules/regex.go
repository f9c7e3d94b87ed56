package rules

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"unicode"
	"unicode/utf8"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

// compileRegex compiles an RE2 pattern for normalised text, refusing literals that normalised
// text never contains (upper-case ASCII, full-width forms): such a pattern would never match.
func compileRegex(src string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, fmt.Errorf("bad regex %q: %w", src, err)
	}
	tree, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return nil, fmt.Errorf("bad regex %q: %w", src, err)
	}
	if r, ok := unnormalRune(tree); ok {
		return nil, fmt.Errorf("regex %q: %q never occurs in normalised text (it is folded to %q); write the pattern as normalised text is",
			src, r, nlp.Normalize(string(r)))
	}
	return re, nil
}

// unnormalRune finds a case-sensitive literal rune that normalisation changes.
func unnormalRune(re *syntax.Regexp) (rune, bool) {
	if re.Op == syntax.OpLiteral && re.Flags&syntax.FoldCase == 0 {
		lit := string(re.Rune)
		for i := 0; i < len(lit); {
			if n := placeholderLen(lit[i:]); n > 0 { // <PHONE> stays upper case in masked text
				i += n
				continue
			}
			r, size := utf8.DecodeRuneInString(lit[i:])
			i += size
			if unicode.IsSpace(r) || unicode.IsControl(r) {
				continue
			}
			if s := string(r); nlp.Normalize(s) != s {
				return r, true
			}
		}
	}
	for _, sub := range re.Sub {
		if r, ok := unnormalRune(sub); ok {
			return r, true
		}
	}
	return 0, false
}

// requiredLiteral returns the longest literal every match of the pattern contains, or "" when
// there is none the index can use (alternations, classes, case folding). A message without it
// cannot match, so the index runs the regex only on messages that contain it.
func requiredLiteral(src string) string {
	tree, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return ""
	}
	return required(tree.Simplify())
}

func required(re *syntax.Regexp) string {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return ""
		}
		return string(re.Rune)
	case syntax.OpCapture, syntax.OpPlus:
		return required(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return required(re.Sub[0])
		}
	case syntax.OpConcat:
		best := ""
		for _, sub := range re.Sub {
			if s := required(sub); len(s) > len(best) {
				best = s
			}
		}
		return best
	}
	return ""
}

// placeholderLen is the length of a mask placeholder (<PHONE>: '<', 1–10 upper-case ASCII
// letters, '>') at the start of s, or 0.
func placeholderLen(s string) int {
	for j := 1; j < len(s) && j <= 11; j++ {
		switch c := s[j]; {
		case c == '>' && j > 1 && s[0] == '<':
			return j + 1
		case c < 'A' || c > 'Z':
			return 0
		}
	}
	return 0
}
