package nlp

import (
	"slices"
	"strings"
	"unicode"
)

// Numbers: a message is read as chains of digit groups. A group is a run of ASCII (or
// full-width) digits, or a run of Chinese numerals; groups are chained by a separator (a space,
// - . / _, a dash, tilde, middle dot or closing parenthesis (punctSeparator), or " - ", or what a
// voice message's text holds between the groups read out: 。, 杠, 嗯, 的 (spokenJoinerAt)) or,
// between a run of numerals and a run of digits, by nothing. A chain is
// then cut into the pieces that are personal data: at each group, the longest run of groups
// that reads as a mobile, ID or card number wins; failing that, a +number; failing that, an
// order number (one run of 10 or more digits or of numerals, or groups of 3+ joined by space or
// dash).

// maxGroups bounds the groups of one chain; a longer chain is read as several.
const maxGroups = 48

// numGroup is one run of digits in the text.
type numGroup struct {
	start, end int  // bytes of the text
	d0, d1     int  // digits in the chain's digit buffer (d1-d0 may exceed what the buffer holds)
	sep        byte // what joins it to the group before: 0 (nothing), ' ', '-', '.', '/', '_', '~', ')'
	cn         bool // Chinese numerals, not digits
}

// digitAt reads a digit-like character at s[i]: an ASCII digit, a full-width digit or a Chinese
// numeral. It returns the digit as an ASCII byte and the character's length, or 0, 0.
func digitAt(s string, i int) (byte, int) {
	c := s[i]
	if c >= '0' && c <= '9' {
		return c, 1
	}
	if c < 0xE3 || c > 0xEF || i+2 >= len(s) {
		return 0, 0
	}
	r, n := decodeRune(s, i)
	if n != 3 {
		return 0, 0
	}
	if r >= 0xFF10 && r <= 0xFF19 { // full-width digits (text that is not normalised)
		return byte('0' + r - 0xFF10), 3
	}
	if d := cnDigit(r); d != 0 {
		return d, 3
	}
	return 0, 0
}

// isCN reports whether the digit-like character at s[i] (of length n) is a Chinese numeral.
func isCN(s string, i, n int) bool { return n == 3 && !(s[i] == 0xEF && s[i+1] == 0xBC) }

// cnDigit maps a Chinese numeral to its ASCII digit, or 0. 幺, 洞, 拐 and 勾 are how a number is
// read out by radio or over the phone (1, 0, 7, 9): 幺三八洞洞… is a phone number spelled so.
func cnDigit(r rune) byte {
	switch r {
	case '〇', '零', '洞':
		return '0'
	case '一', '幺', '壹':
		return '1'
	case '二', '贰', '貳':
		return '2'
	case '三', '叁', '參', '参': // 参: what Fold makes of 參
		return '3'
	case '四', '肆':
		return '4'
	case '五', '伍':
		return '5'
	case '六', '陆', '陸':
		return '6'
	case '七', '柒', '拐':
		return '7'
	case '八', '捌':
		return '8'
	case '九', '玖', '勾':
		return '9'
	}
	return 0
}

// separatorAt returns the length of a separator between two groups at s[i] (followed by a
// digit-like character) and its kind, or 0.
func separatorAt(s string, i int) (int, byte) {
	j := i
	kind := byte(0)
	for k := 0; k < 2 && j < len(s) && s[j] == ' '; k++ { // two for text that is not normalised
		kind = ' '
		j++
	}
	// up to three marks or spoken joiners in a row (—— is what a Chinese keyboard types for a
	// dash; 嗯，嗯 what a voice message's text holds; mask_spoken.go), but a + after the first
	// starts another number (区号 +852 / +853)
	for m := 0; m < 3 && j < len(s); m++ {
		if m > 0 && s[j] == '+' {
			break
		}
		n, k := punctSeparator(s, j)
		if n == 0 {
			if n, k = spokenJoinerAt(s, j), '~'; n == 0 {
				break
			}
		}
		if m > 0 && k != kind {
			k = '~' // mixed marks join a phone's, ID's or card's groups only
		}
		kind = k
		j += n
		for k := 0; k < 2 && j < len(s) && s[j] == ' '; k++ {
			j++
		}
	}
	if kind == 0 || j >= len(s) {
		return 0, 0
	}
	if _, n := digitAt(s, j); n == 0 {
		return 0, 0
	}
	return j - i, kind
}

// punctSeparator returns the length of a punctuation mark that may join digit groups at s[i] and
// its kind, or 0: - . / _ themselves; a middle dot as '.'; a tilde, dashes and a minus sign
// (138~1234~5678, 138–1234–5678) as '~' and a closing parenthesis ((138)1234-5678) as itself, so
// that they join the groups of a phone, ID or card number but not of an order number: ranges
// such as 100~200 or 15000–25000 (the dash is Chinese's range mark) stay text.
func punctSeparator(s string, i int) (int, byte) {
	switch c := s[i]; c {
	case '-', '.', '/', '_':
		return 1, c
	case '~':
		return 1, '~'
	case ',': // 138，1234，5678 (a full-width comma, normalised): joins a phone's groups, never an amount's into an order number
		return 1, '~'
	case ')':
		return 1, ')'
	case '*', '|', '+', ';', '#', '=', '\\': // 138*1234*5678: what customers type to slip a number past a filter
		return 1, '~'
	case 0xC2:
		if strings.HasPrefix(s[i:], "·") {
			return len("·"), '.'
		}
	case 0xE2:
		for _, d := range []string{"–", "—", "−", "‐", "‑"} {
			if strings.HasPrefix(s[i:], d) {
				return len(d), '~'
			}
		}
	case 0xE3:
		if strings.HasPrefix(s[i:], "〜") {
			return len("〜"), '~'
		}
	}
	if s[i] >= 0x80 {
		// 、 • ・ ‧, any dash, symbol, emoji, length mark (ー) or combining mark (138🙏1234🙏5678,
		// 138﹣1234﹣5678, 1́3́8́…): one between two digits joins the groups of a phone, ID or card
		// number, never of an order number
		if r, n := decodeRune(s, i); r == '、' || r == '•' || r == '・' || r == '･' || r == '‧' ||
			r >= 0x1F000 && r <= 0x1FAFF || unicode.In(r, unicode.So, unicode.Sm, unicode.Pd, unicode.Mn, unicode.Lm) {
			return n, '~'
		}
	}
	return 0, 0
}

// maskNumbers masks the personal data (and, unless kept, the order numbers) among the numbers in
// text.
func maskNumbers(text string, keep MaskSet, set *MaskSet) string {
	var b *strings.Builder
	last := 0 // text[last:] is not yet copied to b
	var groups [maxGroups]numGroup
	var digits [128]byte
	for i := 0; i < len(text); {
		start := i
		plus := false
		if text[i] == '+' {
			j := i + 1
			if j < len(text) && text[j] == ' ' {
				j++
			}
			if j < len(text) {
				if _, n := digitAt(text, j); n > 0 {
					plus, i = true, j
				}
			}
		}
		if _, n := digitAt(text, i); n == 0 {
			i = start + 1
			continue
		}
		// Read the chain.
		ng, nd := 0, 0
		for ng < maxGroups {
			g := &groups[ng]
			g.start, g.d0 = i, nd
			_, n := digitAt(text, i)
			g.cn = isCN(text, i, n)
			for i < len(text) {
				d, n := digitAt(text, i)
				if n == 0 || isCN(text, i, n) != g.cn {
					break
				}
				if nd < len(digits) {
					digits[nd] = d
				}
				nd++
				i += n
			}
			g.end, g.d1 = i, nd
			ng++
			if i >= len(text) || ng == maxGroups {
				break
			}
			if _, n := digitAt(text, i); n > 0 { // numerals meet digits
				groups[ng].sep = 0
				continue
			}
			n, kind := separatorAt(text, i)
			if n == 0 {
				break
			}
			groups[ng].sep = kind
			i += n
		}
		groups[0].sep = 0
		chainEnd := i
		// Cut the chain into what is personal data.
		for a := 0; a < ng; {
			// A '+' right after a number just masked begins a +number, as it does when the
			// masked text is read again (<ORDER>+1234567): masking stays idempotent.
			aPlus, plusFrom := a == 0 && plus, start
			if a > 0 && last == groups[a-1].end {
				plusFrom = plusBefore(text, last, groups[a].start)
				aPlus = plusFrom >= 0
			}
			kind, bEnd, ok := classifyChain(text, groups[:ng], digits[:min(nd, len(digits))], a, aPlus, keep)
			if !ok {
				a++
				continue
			}
			from, to := groups[a].start, groups[bEnd].end
			if aPlus {
				from = plusFrom
			}
			if kind == MaskIDCard && groups[bEnd].d1-groups[a].d0 == 17 {
				to = idCheckXEnd(text, to) // the check character x
			}
			if b == nil {
				b = &strings.Builder{}
				b.Grow(len(text))
			}
			b.WriteString(text[last:from])
			b.WriteString(kind.Placeholder())
			*set |= 1 << kind
			last = to
			a = bEnd + 1
		}
		i = chainEnd
		if r := ng; ng == maxGroups || nd > len(digits) {
			// read in part (too many groups or digits): read again from as many groups before
			// where it was read whole as the longest number takes (a card's 19, a digit each),
			// so that a phone number across the cut is read whole too
			for r > 0 && groups[r-1].d1 > len(digits) {
				r--
			}
			if r = max(1, r-19); r < ng {
				i = max(groups[r].start, last)
			}
		}
	}
	if b == nil {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

// plusBefore returns where a '+' that joins the group ending at i to the one at j stands, or -1
// when the separator between them is not a '+' (a space either side of it allowed).
func plusBefore(text string, i, j int) int {
	if i < j && text[i] == ' ' {
		i++
	}
	if i < j && text[i] == '+' && (j-i == 1 || j-i == 2 && text[i+1] == ' ') {
		return i
	}
	return -1
}

// classifyChain finds the personal data that starts at group a: the longest run of groups
// a..b that is a mobile, ID or card number; else, after a '+', the longest run of 7–15 digits;
// else an order number. It returns the kind and b.
func classifyChain(text string, g []numGroup, digits []byte, a int, plus bool, keep MaskSet) (MaskKind, int, bool) {
	best, bestKind := -1, MaskKind(0)
	for b := a; b < len(g); b++ {
		n := g[b].d1 - g[a].d0
		if n > 19 {
			break
		}
		if g[b].d1 > len(digits) {
			break // beyond the buffer: digits too many to be any of these
		}
		d := digits[g[a].d0:g[b].d1]
		trailingX := n == 17 && idCheckXEnd(text, g[b].end) > 0
		if kind, ok := classifyDigits(d, trailingX); ok && keep&(1<<kind) == 0 && (kind != MaskBankCard || cardGrouping(g[a:b+1])) {
			best, bestKind = b, kind
		}
	}
	if best >= 0 && bestKind == MaskBankCard && orderCue(text, g[a].start) {
		// 订单号是4429103857611294: a tenth of order numbers pass a card's checks; named an
		// order, it is one (kept where orders are)
		if keep&(1<<MaskOrder) != 0 {
			return 0, 0, false
		}
		return MaskOrder, best, true
	}
	if best >= 0 {
		return bestKind, best, true
	}
	if plus && keep&(1<<MaskPhone) == 0 {
		for b := len(g) - 1; b >= a; b-- {
			if n := g[b].d1 - g[a].d0; n >= 7 && n <= 15 {
				return MaskPhone, b, true
			}
		}
	}
	if keep&(1<<MaskOrder) != 0 {
		return 0, 0, false
	}
	// Numerals are read as digits are: a long number read out (a voice message's recognised
	// text, 一一〇一〇五四九一二三一〇〇二) is an old 15-digit ID, a card failing the Luhn check or
	// an order as often as one typed; no word of Chinese runs ten numerals on.
	b := a
	for b+1 < len(g) && g[b+1].cn == g[a].cn && (g[b+1].sep == ' ' || g[b+1].sep == '-') && g[b+1].d1-g[b+1].d0 >= 3 {
		b++
	}
	if g[b].d1-g[a].d0 >= 10 && !rising(digits, g[a:b+1]) {
		return MaskOrder, b, true
	}
	return 0, 0, false
}

// idCheckXEnd returns where an ID number's check character x that follows its seventeen
// digits at text[i] ends, or 0. The x may be glued to them or set apart as the groups are
// (…002 X, …002-x, …002 - x: without it the digits were no ID, and MaskExcept kept them as an
// order number); not when an ASCII word goes on after it (…002xyz, …002 xl); Chinese or
// punctuation may follow (002X。谢谢). Read out, the x is written 叉 (…幺零六幺叉).
func idCheckXEnd(text string, i int) int {
	j := i
	if j < len(text) && text[j] == ' ' {
		j++
	}
	if j < len(text) && strings.IndexByte("-./_", text[j]) >= 0 {
		j++
		if j < len(text) && text[j] == ' ' {
			j++
		}
	}
	if strings.HasPrefix(text[j:], "叉") { // the x read out: voice-to-text writes 叉
		return j + len("叉")
	}
	if j >= len(text) || text[j]|0x20 != 'x' || j+1 < len(text) && isASCIIWordByte(text[j+1]) {
		return 0
	}
	return j + 1
}

// orderCue reports whether the text before i names an order or tracking number (订单号,
// 运单号：, 订单编号是 …).
func orderCue(text string, i int) bool {
	t := strings.TrimRight(text[:i], " :：是为")
	for _, cue := range []string{"单号", "订单", "编号"} {
		if strings.HasSuffix(t, cue) {
			return true
		}
	}
	return false
}

// rising reports whether groups of at most four digits each count up (sizes 110 120 130 140,
// years 2024 2025 2026, rooms 1201 1202, prices 99 199 299): a list, not one number. An order
// number's groups (7788 9900 1122) do not.
func rising(digits []byte, g []numGroup) bool {
	if len(g) < 2 {
		return false
	}
	prev := -1
	for _, x := range g {
		if x.d1-x.d0 > 4 || x.d1 > len(digits) {
			return false
		}
		v := 0
		for _, c := range digits[x.d0:x.d1] {
			v = v*10 + int(c-'0')
		}
		if v <= prev {
			return false
		}
		prev = v
	}
	return true
}

// cardGrouping reports whether groups are written as a card number is (6222 0212 3456 7890 128,
// 622202 1234567890123): every part between separators but the last of four digits or more
// (digits meeting numerals, 62二二…, are one part). Sizes (41 42 43 …) whose digits happen to pass
// the Luhn check are no card. A number with Chinese numerals in it is read out, never a list of
// sizes, and in whatever groups the customer heard it (六贰1 0086 9捌7…); nor is one typed a digit
// at a time (6 2 2 2 0 2 1 2…, to slip past a filter).
func cardGrouping(g []numGroup) bool {
	if slices.ContainsFunc(g, func(x numGroup) bool { return x.cn }) ||
		!slices.ContainsFunc(g, func(x numGroup) bool { return x.d1-x.d0 > 1 }) {
		return true
	}
	run := 0
	for i, x := range g {
		if i > 0 && x.sep != 0 {
			if run < 4 {
				return false
			}
			run = 0
		}
		run += x.d1 - x.d0
	}
	return true
}

func isASCIIWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// classifyDigits decides whether d (the digits of some groups) is a mobile, ID or card number.
func classifyDigits(d []byte, trailingX bool) (MaskKind, bool) {
	n := len(d)
	switch {
	case n == 11 && isMobile(d):
		return MaskPhone, true
	case n == 13 && d[0] == '8' && d[1] == '6' && isMobile(d[2:]):
		return MaskPhone, true
	case n == 15 && string(d[:4]) == "0086" && isMobile(d[4:]): // 0086 138…, as dialled from abroad
		return MaskPhone, true
	case isLandline(d), isHKTWMobile(d):
		return MaskPhone, true
	case n == 17 && trailingX && validIDChecksum(d, 'x'):
		return MaskIDCard, true
	case n == 18 && validIDChecksum(d[:17], d[17]):
		return MaskIDCard, true
	case n >= 16 && n <= 19 && cardNetwork(d) && luhnValid(d):
		return MaskBankCard, true
	}
	return 0, false
}

func isMobile(d []byte) bool { return len(d) == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9' }

// isHKTWMobile reports whether d is a Taiwan mobile (09 and eight digits, or 886 9 … as dialled
// from abroad) or a Hong Kong or Macau number with its country code (852 or 853, then eight
// digits of a mobile or landline; 00 before any of the codes): without a code, Hong Kong's eight
// digits are no more a phone than an amount, and maskCuedPhones reads them where the text says so.
func isHKTWMobile(d []byte) bool {
	s := string(d)
	s = strings.TrimPrefix(s, "00")
	switch {
	case len(d) == 10 && s[0] == '0' && s[1] == '9':
		return true
	case len(s) == 12 && strings.HasPrefix(s, "886") && s[3] == '9':
		return true
	case len(s) == 11 && (strings.HasPrefix(s, "852") || strings.HasPrefix(s, "853")) && s[3] >= '2' && s[3] <= '9':
		return true
	}
	return false
}

// isLandline reports whether d is a mainland fixed-line number with its area code: 010 or 02x and
// eight digits (010-6552 8899, 021-6888 9999), or 0xxx and seven or eight (0755-2661 3029); the
// local number starts with 2–8.
func isLandline(d []byte) bool {
	if len(d) < 11 || len(d) > 12 || d[0] != '0' {
		return false
	}
	local := d[4:]
	switch {
	case d[1] == '1' && d[2] == '0', d[1] == '2':
		local = d[3:]
		if len(local) != 8 {
			return false
		}
	case d[1] < '3' || d[1] > '9':
		return false
	}
	return local[0] >= '2' && local[0] <= '8'
}

// cardNetwork reports whether d starts as a payment card does: 3 (JCB, American Express,
// Diners), 4 (Visa), 5 (Mastercard), 6 (UnionPay, Discover), 8 and 9 (domestic cards such as
// 9558…), or 2221–2720 (Mastercard's 2-series, 16 digits). Message ids that happen to pass the
// Luhn check (a tenth of them) mostly start with 1 or 2 and stay ids.
func cardNetwork(d []byte) bool {
	switch d[0] {
	case '3', '4', '5', '6', '8', '9':
		return true
	case '2':
		p := int(d[1]-'0')*100 + int(d[2]-'0')*10 + int(d[3]-'0')
		return len(d) == 16 && p >= 221 && p <= 720
	}
	return false
}

// validIDChecksum checks the ISO 7064 MOD 11-2 check character of a resident ID number, and that
// the birth month and day are plausible.
func validIDChecksum(first17 []byte, check byte) bool {
	if len(first17) != 17 {
		return false
	}
	month := (first17[10]-'0')*10 + first17[11] - '0'
	day := (first17[12]-'0')*10 + first17[13] - '0'
	if month < 1 || month > 12 || day < 1 || day > 31 {
		return false
	}
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, c := range first17 {
		sum += int(c-'0') * weights[i]
	}
	want := "10x98765432"[sum%11]
	return check == want || (want == 'x' && check == 'X')
}

// luhnValid reports whether a digit string passes the Luhn check used by bank cards.
func luhnValid(d []byte) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i] - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return sum%10 == 0
}
