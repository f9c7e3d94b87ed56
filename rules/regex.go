package rules

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"unicode"
	"unicode/utf8"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

// compileRegex compiles an RE2 pattern for the analysed text (or terms), refusing a pattern that
// would match every message or never the one it was written for: one that matches the empty
// string (退款|退货|, (退款)?, 退*), a literal that analysed text never holds (upper-case ASCII,
// full-width forms, traditional script, a character said three times), and a pattern for
// personal data that masking hides (1[3-9]\d{9}: rules see <PHONE>).
func compileRegex(src string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, fmt.Errorf("bad regex %q: %w", src, err)
	}
	tree, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return nil, fmt.Errorf("bad regex %q: %w", src, err)
	}
	if matchesEverything(re) {
		return nil, fmt.Errorf("regex %q matches the empty string, so every message (an empty alternative or a part that may be left out?); write any: true to match every message", src)
	}
	if r, ok := unnormalRune(tree); ok {
		return nil, fmt.Errorf("regex %q: %q never occurs in normalised text (it is folded to %q); write the pattern as normalised text is",
			src, r, nlp.Normalize(string(r)))
	}
	if lit, ok := unanalysedLiteral(tree); ok {
		return nil, fmt.Errorf("regex %q: %q never occurs in analysed text, which reads it %q (traditional script is folded to simplified, repeats collapsed); write %q",
			src, lit, analysedLiteral(lit), analysedLiteral(lit))
	}
	if sample, ok := onlyPersonalData(re); ok {
		m, _ := nlp.Mask(sample)
		return nil, fmt.Errorf("regex %q never matches: it matches personal data such as %q, which messages are masked of (rules see %q); match the placeholder %s instead",
			src, sample, m, placeholderIn(m))
	}
	return re, nil
}

// longMessage is an ordinary message longer than any a rule for short messages is written for.
const longMessage = "你好，我想问一下昨天买的2件iphone15手机壳什么时候发货？"

// matchesEverything reports whether re matches the empty string and so every message (a stray |,
// an optional group, a star): it matches an empty text and a long ordinary one. A pattern for
// an empty or short message (^$, ^.{0,4}$) matches "" but not a long message, and is allowed.
func matchesEverything(re *regexp.Regexp) bool {
	return re.MatchString("") && re.MatchString(longMessage)
}

// analysedLiteral is what a regex literal reads in analysed text: folded to simplified script,
// repeats collapsed.
func analysedLiteral(lit string) string { return nlp.CollapseRepeats(nlp.Fold(lit)) }

// unanalysedLiteral finds a case-sensitive literal that analysed text never holds as written.
func unanalysedLiteral(re *syntax.Regexp) (string, bool) {
	if re.Op == syntax.OpLiteral && re.Flags&syntax.FoldCase == 0 {
		if lit := string(re.Rune); analysedLiteral(lit) != lit {
			return lit, true
		}
	}
	for _, sub := range re.Sub {
		if lit, ok := unanalysedLiteral(sub); ok {
			return lit, true
		}
	}
	return "", false
}

// personalSamples are personal data as customers type it, one of each kind masking hides.
var personalSamples = []string{
	"13812345678", "010-12345678", "abc@qq.com", "https://shop.example.com/item?id=1",
	"110101199003077777", "6222021234567890123", "123456789012345",
}

// ordinaryMessages are what masked text does show, each a message of its own so that an
// anchored pattern (^\d+$ for a menu reply "2", ^[a-z0-9]+$) is tried on a whole message:
// numbers, prices, dates, models, words, placeholders.
var ordinaryMessages = []string{
	"2", "15", "ok", "iphone15", "买2件", "满300减50", "双11", "12315", "v1.2", "3.5kg",
	"2026-11-11 10:30", "abc", "qq com www", "订单", "电话", "邮箱", "好的",
	"<PHONE>", "<IDCARD>", "<BANKCARD>", "<EMAIL>", "<URL>", "<ORDER>", "<ADDR>", "<NAME>", "<ACCOUNT>",
	"我的电话<PHONE> 邮箱<EMAIL> 订单<ORDER>", longMessage,
}

// onlyPersonalData returns a sample of personal data that re matches, when what it matches there
// is masked away and re matches none of the ordinary messages masked text shows: the pattern can
// never match.
func onlyPersonalData(re *regexp.Regexp) (string, bool) {
	for _, m := range ordinaryMessages {
		if re.MatchString(m) {
			return "", false
		}
	}
	for _, s := range personalSamples {
		loc := re.FindStringIndex(s)
		if loc == nil {
			continue
		}
		if m, _ := nlp.Mask(s); re.MatchString(m) {
			continue
		}
		if unmasked(s[loc[0]:loc[1]]) != nil {
			return s, true
		}
	}
	return "", false
}

// unnormalRune finds a case-sensitive literal rune that normalisation changes.
func unnormalRune(re *syntax.Regexp) (rune, bool) {
	if re.Op == syntax.OpLiteral && re.Flags&syntax.FoldCase == 0 {
		lit := string(re.Rune)
		for i := 0; i < len(lit); {
			if n := nlp.PlaceholderLen(lit[i:]); n > 0 { // <PHONE> stays upper case in masked text
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
