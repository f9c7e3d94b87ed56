package nlp

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Masking is the one definition of personal data in zhiyi: message text (through the
// analyzer), training data, and every client-supplied string a server logs go through Mask or
// MaskExcept. It recognises
//
//   - mobile numbers: 11 digits 1[3-9]…, with an optional +86 / 86 prefix, written as digits,
//     full-width digits or Chinese numerals (一二三…, 〇/零 for 0, 幺 for 1, the financial
//     壹贰叁… and traditional 貳參陸 forms, mixed freely), in groups joined by a space, - . / or _
//     (also " - "), or one digit at a time, or read out as voice-to-text writes them down, with
//     a pause's 。, a 杠, fillers (嗯, 呃, 那个) or 的 between the groups (幺三八 嗯 幺二三四的五六七八;
//     mask_spoken.go; ID and card numbers too, an ID's check x read out as 叉);
//   - other international numbers: + followed by 7–15 digits; Hong Kong's and Macau's mobiles
//     with their country code (852 9123 4567, 00853 6123 4567), Taiwan's (0912-345-678,
//     886 912 345 678), and a local number of 7–11 digits after a word that says it is a phone
//     number (電話 9123 4567, 手機係 6123-4567) or, of eight digits, beside an address or a
//     name masked already (陳大文 9123 4567 九龍彌敦道 688 號; mask_hktw.go);
//   - resident ID numbers: 18 characters with a valid ISO 7064 check and a plausible birth date,
//     grouped the same ways; Hong Kong's (A123456(3)) and Taiwan's (A123456789) identity card
//     numbers (mask_hktw.go);
//   - bank cards: 16–19 digits passing the Luhn check with a card network's first digit,
//     grouped the same ways;
//   - e-mail addresses, their mailbox in ASCII, Chinese characters or both (张三@qq.com,
//     小明.li@163.com; mask_email.go says where a Chinese mailbox starts), also with @ written as
//     " at ", (at), [at], 【at】, 艾特 or a glued # (x#qq.com), and dots written as 。, " dot ", (dot), [dot], 【dot】 or 点;
//   - URLs (http://, https://, www.);
//   - order and tracking numbers: 10 or more ASCII digits in one run, or in groups of three or
//     more joined by spaces or dashes — unless the groups, four digits or fewer each, count up
//     (110 120 130 140, 2024 2025 2026, and so 1234 5678 9012 too): those are lists;
//   - street addresses: a road or residential building and its house numbers (文三路100号,
//     某某花园3栋1502, read out: 文一西路一千八百八十八号, 文三路幺零零号, 三栋一单元五零二), the
//     province, city and district before them left, and a metro line (人民路 2 号线) no house
//     number (mask_address.go);
//   - names where the text says they are one: after 收件人, 联系人, 姓名, 我叫, 我是 … a common
//     surname and one or two characters that end there (read out with pauses too, after a cue
//     that introduces nothing but a name: 我叫李 建国), or in Latin letters but for a product's,
//     a brand's or chat's word (姓名 iphone); or standing alone beside a phone number (张三
//     13812345678) but for goods and phrases (毛巾, 钱没到) (mask_name.go);
//   - accounts on other messaging services where the text says they are one: a WeChat id after
//     微信号, vx, wx …, a QQ number after qq, 扣扣 … (read out too: 我QQ是幺二三四五六七八九), and
//     wxid_… anywhere (mask_account.go).
//
// Everything else customers write with numbers — prices (199元, 3.5折), sizes (42码), dates
// (11月11日, 2026-11-11), times, quantities, lists of sizes, version numbers — stays as it is.

// MaskKind is one kind of personal data that masking replaces with a placeholder.
type MaskKind uint8

// The kinds of personal data masked, in the order of their bits in a MaskSet.
const (
	MaskPhone    MaskKind = iota // mobile or landline number (mainland, Hong Kong, Macau, Taiwan), spaces or dashes
	MaskIDCard                   // 18-digit resident ID number with a valid checksum; Hong Kong's and Taiwan's ID numbers
	MaskBankCard                 // 16–19 digit card number that passes the Luhn check
	MaskEmail                    // e-mail address
	MaskURL                      // http(s):// or www. address
	MaskOrder                    // any other run of 10 or more digits (order and tracking numbers)
	MaskAddress                  // a street address: a road or building and its house number (mask_address.go)
	MaskName                     // a person's name after a word that introduces one, or in a shipping block (mask_name.go)
	MaskAccount                  // a WeChat id or QQ number the text names as one (mask_account.go)
	numMaskKinds
)

// MaskAll is the set of every kind.
const MaskAll MaskSet = 1<<numMaskKinds - 1

var maskNames = [numMaskKinds]string{"phone", "idcard", "bankcard", "email", "url", "order", "address", "name", "account"}
var maskPlaceholders = [numMaskKinds]string{"<PHONE>", "<IDCARD>", "<BANKCARD>", "<EMAIL>", "<URL>", "<ORDER>", "<ADDR>", "<NAME>", "<ACCOUNT>"}

// String returns the kind's lower-case name, e.g. "phone".
func (k MaskKind) String() string {
	if k < numMaskKinds {
		return maskNames[k]
	}
	return "unknown"
}

// Placeholder returns the token that replaces a value of this kind, e.g. "<PHONE>".
func (k MaskKind) Placeholder() string {
	if k < numMaskKinds {
		return maskPlaceholders[k]
	}
	return "<PII>"
}

// MaskSet records which kinds of personal data a message contained (never the values).
type MaskSet uint16

// Has reports whether kind k was masked.
func (m MaskSet) Has(k MaskKind) bool { return m&(1<<k) != 0 }

// Kinds lists the masked kinds by name, e.g. ["phone", "order"]; nil when nothing was masked.
func (m MaskSet) Kinds() []string {
	if m == 0 {
		return nil
	}
	var out []string
	for k := MaskKind(0); k < numMaskKinds; k++ {
		if m.Has(k) {
			out = append(out, k.String())
		}
	}
	return out
}

// String joins Kinds with commas.
func (m MaskSet) String() string { return strings.Join(m.Kinds(), ",") }

var urlPattern = regexp.MustCompile(`(?i:https?://|www\.)[a-z0-9\-._~:/?#\[\]@!$&'*+,;=%]+`)

// Mask replaces personal data in normalised text (see Normalize) with placeholders such as
// <PHONE> and reports which kinds it found; the formats it knows are listed at the top of this
// file. Numbers that are not personal data stay as they are.
func Mask(text string) (string, MaskSet) { return mask(text, 0) }

// MaskExcept is Mask leaving the kinds in keep alone: identifiers (message and request ids) keep
// their long digit runs with MaskExcept(id, MaskOrder) so that logs can still be correlated.
func MaskExcept(text string, keep ...MaskKind) (string, MaskSet) {
	var k MaskSet
	for _, kind := range keep {
		k |= 1 << kind
	}
	return mask(text, k)
}

func mask(text string, keep MaskSet) (string, MaskSet) {
	var set MaskSet
	// One pass decides which scanners can find anything: most messages have no '@', no URL and
	// fewer than ten digits.
	digits, plus, at, dot, wordAt, letter := 0, false, false, false, false, false
	addressCue, nameCue, accountCue := false, false, false
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
			i++
			continue
		case c < 0x80:
			letter = letter || isASCIILetter(c)
			switch c {
			case '+':
				plus = true
			case '@', '#': // # written for @: zhangsan#qq.com
				at = true
			case '.':
				dot = true
			case 't', 'T':
				if i > 0 && (text[i-1]|0x20) == 'a' {
					wordAt = true
				}
			case 'q', 'Q', 'v', 'V', 'w', 'W': // qq, vx, wx, wechat, weixin, wxid_
				accountCue = true
			}
			i++
			continue
		}
		if c >= 0xE3 && c <= 0xEF && i+2 < len(text) {
			// A three-byte character (nearly every Chinese one), decoded without validation:
			// this only decides whether to look closer.
			r := rune(c&0x0F)<<12 | rune(text[i+1]&0x3F)<<6 | rune(text[i+2]&0x3F)
			switch {
			case r >= numeralFirst && r < 0xA000:
				bit := uint64(1) << (r & 63)
				if numeralBits[(r-numeralFirst)>>6]&bit != 0 {
					digits++
				} else if r == '艾' && strings.HasPrefix(text[i:], "艾特") {
					wordAt = true
				}
				addressCue = addressCue || addressBits[(r-numeralFirst)>>6]&bit != 0
				nameCue = nameCue || nameBits[(r-numeralFirst)>>6]&bit != 0
				accountCue = accountCue || strings.ContainsRune(accountCueRunes, r)
			case r >= 0xFF10 && r <= 0xFF19: // full-width digits, in text that is not normalised
				digits++
			}
			i += 3
			continue
		}
		i++
	}
	if keep&(1<<MaskURL) == 0 && dot && (strings.Contains(text, "://") || strings.Contains(text, "www.") || strings.Contains(text, "WWW.")) {
		text = replaceAll(urlPattern, text, MaskURL, &set)
	}
	if keep&(1<<MaskEmail) == 0 && (at || wordAt) {
		text = maskEmails(text, &set)
	}
	if keep&(1<<MaskAccount) == 0 && accountCue {
		// before the numbers: a QQ number of ten digits is an account, not an order
		text = maskAccounts(text, &set)
	}
	if keep&(1<<MaskIDCard) == 0 && letter && digits >= 6 {
		// before the numbers: a Taiwan ID's nine digits are no order, its letter no separator
		text = maskRegionalIDs(text, &set)
	}
	if digits >= 10 || plus && digits >= 7 {
		text = maskNumbers(text, keep, &set)
	}
	if keep&(1<<MaskPhone) == 0 && digits >= 7 {
		text = maskCuedPhones(text, &set)
	}
	if keep&(1<<MaskAddress) == 0 && addressCue && digits > 0 {
		text = maskAddresses(text, &set)
	}
	if keep&(1<<MaskName) == 0 && nameCue {
		text = maskPersonNames(text, &set)
	}
	if keep&(1<<MaskPhone) == 0 && set&(1<<MaskAddress|1<<MaskName) != 0 && digits >= 8 {
		// Hong Kong's eight digits in a shipping block: 陳大文 9123 4567 九龍彌敦道 688 號
		text = maskBlockPhones(text, &set)
	}
	if keep&(1<<MaskName) == 0 && set&(1<<MaskPhone) != 0 { // a name beside a phone, with or without an address
		text = maskBlockNames(text, &set)
	}
	return text, set
}

// numeralBits marks the Chinese numerals (cnDigit) among U+3000–U+9FFF, so that the pre-scan
// of every message tests a bit instead of a list.
var numeralBits = func() (b [(0xA000 - numeralFirst) / 64]uint64) {
	for r := rune(numeralFirst); r < 0xA000; r++ {
		if cnDigit(r) != 0 {
			b[(r-numeralFirst)>>6] |= 1 << (r & 63)
		}
	}
	return b
}()

const numeralFirst = 0x3000

// addressBits, nameBits and nameFirstBits mark, as numeralBits does, the characters that may
// begin an address's marker (路, 小区), end a word introducing a name (收件人, 我叫) and begin one.
var addressBits, nameBits, nameFirstBits = runeBits(addressMarkerRunes), runeBits(nameCueLast), runeBits(nameCueFirst)

type runeSet = [(0xA000 - numeralFirst) / 64]uint64

// runeBits marks runes and their traditional forms (maskTrad): the scanners read both.
func runeBits(runes string) (b runeSet) {
	mark := func(r rune) { b[(r-numeralFirst)>>6] |= 1 << (r & 63) }
	for _, r := range runes {
		mark(r)
	}
	for t, s := range maskTrad {
		if strings.ContainsRune(runes, s) && t >= numeralFirst && t < 0xA000 {
			mark(t)
		}
	}
	return b
}

// has reports whether r is in b.
func has(b *runeSet, r rune) bool {
	return r >= numeralFirst && r < 0xA000 && b[(r-numeralFirst)>>6]&(1<<(r&63)) != 0
}

// replaceSpans replaces spans of text with kind's placeholder. At each character in first it
// asks find for the span to mask there, [start, end) with last ≤ start ≤ i, last being where the
// previous one ended; end < 0 when there is none.
func replaceSpans(text string, kind MaskKind, set *MaskSet, first *runeSet, find func(i, last int) (start, end int)) string {
	var b *strings.Builder
	last := 0
	for i := 0; i < len(text); {
		if text[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		start, end := 0, -1
		if has(first, r) {
			start, end = find(i, last)
		}
		if end < 0 {
			i += n
			continue
		}
		if b == nil {
			b = &strings.Builder{}
			b.Grow(len(text))
		}
		b.WriteString(text[last:start])
		b.WriteString(kind.Placeholder())
		*set |= 1 << kind
		last, i = end, end
	}
	if b == nil {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

func replaceAll(re *regexp.Regexp, text string, kind MaskKind, set *MaskSet) string {
	return re.ReplaceAllStringFunc(text, func(string) string {
		*set |= 1 << kind
		return kind.Placeholder()
	})
}

// PlaceholderLen returns the length of the mask placeholder (<PHONE>, <ORDER>) s starts with, or 0.
func PlaceholderLen(s string) int {
	if s == "" || s[0] != '<' {
		return 0
	}
	return placeholderLen(s)
}

// placeholderLen returns the length of a mask placeholder (<PHONE>) at the start of s, or 0.
func placeholderLen(s string) int {
	for j := 1; j < len(s) && j < 12; j++ {
		c := s[j]
		if c == '>' {
			if j == 1 {
				return 0
			}
			return j + 1
		}
		if c < 'A' || c > 'Z' {
			return 0
		}
	}
	return 0
}
