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

// maxLiterals bounds the literals one regex puts into the index.
const maxLiterals = 16

// requiredLiterals returns literals at least one of which every match of the pattern contains,
// or nil when the index cannot use any (a class or a case-folded literal where a literal is
// needed, or too many alternatives). A message without any of them cannot match, so the index
// runs the regex only on messages that contain one. For a concatenation it keeps the
// alternatives whose shortest literal is longest (rarer), so 退.{0,4}运费 needs 运费 and
// (快递|物流)到哪了 needs 到哪了.
func requiredLiterals(src string) []string {
	tree, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return nil
	}
	return required(tree.Simplify())
}

func required(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return nil
		}
		return []string{string(re.Rune)}
	case syntax.OpCapture, syntax.OpPlus:
		return required(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return required(re.Sub[0])
		}
	case syntax.OpConcat:
		var best []string
		for _, sub := range re.Sub {
			if lits := required(sub); lits != nil && (best == nil || shortest(lits) > shortest(best)) {
				best = lits
			}
		}
		return best
	case syntax.OpAlternate:
		var all []string
		for _, sub := range re.Sub {
			lits := required(sub)
			if lits == nil {
				return nil
			}
			all = append(all, lits...)
		}
		if len(all) > maxLiterals {
			return nil
		}
		return all
	}
	return nil
}

func shortest(lits []string) int {
	n := len(lits[0])
	for _, l := range lits[1:] {
		n = min(n, len(l))
	}
	return n
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
