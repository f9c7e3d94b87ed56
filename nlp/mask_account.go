package nlp

import "strings"

// An account on another messaging service is masked where the text says what it is: after
// 微信 (vx, wx, v信, 薇信, 威信, wechat, weixin) a WeChat id — a letter, then 5–19 letters, digits, _
// or - (微信号是zhang_san88) — and after qq (扣扣, 企鹅) a QQ number, 5–11 digits (我QQ 123456789,
// or read out: 我QQ是幺二三 四五六 七八九);
// and WeChat's own wxid_… anywhere. 号, 号码, 账号 or id may follow the service's name, and 是,
// 为, a colon or spaces stand before the account. q alone names QQ only with 号 after it (Q号
// 123456789). A QQ mailbox's address is its QQ number at qq.com, so customers give the number
// alone after qq邮箱 (我的QQ邮箱是123456789): that number is masked as an <EMAIL>, which is what
// it names; an address written out in full the e-mail scanner takes before this one runs. A
// service named without an account (微信支付, qq音乐) is no account, nor are a name glued to
// letters before it (vwxyz) and an account run on into more letters or digits. ASCII letters are
// read in either case: MaskID masks a printable ASCII id as it is written (QQ123456789, WXID_…),
// without Normalize's lower-casing.

// accountServices are the services' names, each with the accounts it names (wechat: an id; else
// a QQ number).
var accountServices = []struct {
	name   string
	wechat bool
}{
	{"微信", true}, {"薇信", true}, {"威信", true}, {"v信", true}, {"vx", true}, {"wx", true}, {"wechat", true}, {"weixin", true},
	{"qq", false}, {"扣扣", false}, {"企鹅", false}, {"q", false}, // q after qq: qq号 is QQ's, q号 too
}

// accountSuffixes may follow a service's name before its account, longest first where one is
// the start of another (号码 before 号). 邮箱 follows QQ's alone: see accountKind.
var accountSuffixes = []string{"号码", "号", "账号", "帐号", "id", "邮箱"}

// accountCueRunes are the first characters of the Chinese names, for mask's pre-scan.
const accountCueRunes = "微薇威扣企"

// accountFirst marks the bytes a service's name (or wxid_) starts with.
var accountFirst = func() (b [256]bool) {
	for _, s := range accountServices {
		b[s.name[0]] = true
		if c := s.name[0]; c >= 'a' && c <= 'z' {
			b[c-'a'+'A'] = true
		}
	}
	return b
}()

// maskAccounts replaces the accounts of text with <ACCOUNT>. text is normalised, or an id in
// printable ASCII of either case (MaskID). Hand-written: three regular expressions cost 1.4 µs
// on every message naming 微信 (用微信支付可以吗), most of which give no account.
func maskAccounts(text string, set *MaskSet) string {
	var b *strings.Builder
	last := 0
	for i := 0; i < len(text); {
		start, end := 0, -1
		if accountFirst[text[i]] {
			start, end = accountAt(text, i)
		}
		if end < 0 {
			i++
			continue
		}
		if b == nil {
			b = &strings.Builder{}
			b.Grow(len(text))
		}
		kind := accountKind(text, start)
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

// accountAt returns the account a service's name at byte i introduces, [start, end), or end < 0.
func accountAt(text string, i int) (start, end int) {
	if i > 0 && accountByte(text[i-1]) {
		return 0, -1 // a name glued to letters before it: vwxyz
	}
	if hasPrefixFold(text[i:], "wxid_") {
		return i, accountEnd(text, i+5, 6, 60, isAccountIDByte)
	}
	for _, s := range accountServices {
		if !hasPrefixFold(text[i:], s.name) {
			continue
		}
		j := i + len(s.name)
		suffixed := ""
		for _, suffix := range accountSuffixes {
			if hasPrefixFold(text[j:], suffix) {
				j += len(suffix)
				suffixed = suffix
				break
			}
		}
		if s.name == "q" && suffixed != "号" && suffixed != "号码" || s.wechat && suffixed == "邮箱" {
			return 0, -1 // q alone is a letter (q弹, qs), and WeChat has no mailbox
		}
		j = skipSpaces(text, j)
		for _, sep := range []string{"是", "为", ":", "："} {
			if strings.HasPrefix(text[j:], sep) {
				j = skipSpaces(text, j+len(sep))
				break
			}
		}
		if j >= len(text) {
			return 0, -1
		}
		if s.wechat {
			if c := text[j] | 0x20; c < 'a' || c > 'z' {
				return 0, -1
			}
			return j, accountEnd(text, j, 6, 20, isAccountIDByte)
		}
		if d, _ := digitAt(text, j); d < '1' || d > '9' {
			return 0, -1
		}
		return j, qqNumberEnd(text, j)
	}
	return 0, -1
}

// accountKind returns what the account starting at start is: an e-mail address when the words
// before it are a QQ mailbox's (qq邮箱 123456789, the number being the address's mailbox), else
// an account.
func accountKind(text string, start int) MaskKind {
	before := strings.TrimRight(text[:start], " ")
	for _, sep := range []string{"是", "为", ":", "："} {
		if t, ok := strings.CutSuffix(before, sep); ok {
			before = strings.TrimRight(t, " ")
			break
		}
	}
	if strings.HasSuffix(before, "邮箱") {
		return MaskEmail
	}
	return MaskAccount
}

// accountEnd returns the end of the account that starts at j, of least to most bytes that in
// accepts and not followed by more letters or digits; -1 when there is none.
func accountEnd(text string, j, least, most int, in func(byte) bool) int {
	k := j
	for k < len(text) && in(text[k]) {
		k++
	}
	if n := k - j; n < least || n > most || k < len(text) && accountByte(text[k]) {
		return -1
	}
	return k
}

// isAccountIDByte reports whether c may be in a WeChat id: an ASCII letter, a digit, _ or -.
func isAccountIDByte(c byte) bool { return accountByte(c) }

// hasPrefixFold reports whether s begins with prefix, whose ASCII letters are lower case, reading
// s's ASCII letters in either case (other bytes must be equal).
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for k := 0; k < len(prefix); k++ {
		c := s[k]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[k] {
			return false
		}
	}
	return true
}

// accountByte reports whether c is an ASCII letter, digit, _ or -: what an account or a
// service's Latin name is made of.
func accountByte(c byte) bool { return isASCIIWordByte(c) || c == '_' || c == '-' }

// qqNumberEnd returns the end of the QQ number at j, 5–11 digits not run on into more letters or
// digits, or -1. Its digits may be read out as Chinese numerals (我QQ是幺二三四五六七八九: a voice
// message's text), in groups a space apart (幺二三 四五六 七八九).
func qqNumberEnd(text string, j int) int {
	k, digits, end := j, 0, -1
	for k < len(text) {
		_, n := digitAt(text, k)
		if n == 0 {
			if text[k] == ' ' && k+1 < len(text) && k > j {
				if _, m := digitAt(text, k+1); m > 0 {
					k++
					continue
				}
			}
			break
		}
		digits++
		k += n
		end = k
	}
	if digits < 5 || digits > 11 || k < len(text) && accountByte(text[k]) {
		return -1
	}
	return end
}
