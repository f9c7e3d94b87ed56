package nlp

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// E-mail addresses: a mailbox (ASCII letters, digits and ._%+-, and Chinese characters: 张三@qq.com,
// 小明.li@163.com), an at (@, " at ", (at), [at], 【at】, 艾特, # glued to both), and a domain of labels joined by
// dots (., 。, " dot ", (dot), [dot], 【dot】, 点) whose last label starts with two letters. People
// spell addresses out to get them past chat filters; the spelled forms need the mailbox and the
// ASCII domain around them, so 艾特我一下, 快点, @张三 你好 or 张三@李四 stay text.

// maskEmails replaces e-mail addresses with <EMAIL>.
func maskEmails(text string, set *MaskSet) string {
	var b *strings.Builder
	last := 0 // text[last:] is not yet copied to b
	for i := 0; i < len(text); {
		if !mayStartAt[text[i]] { // most bytes: no call
			i++
			continue
		}
		n := atFormAt(text, i)
		if n == 0 {
			i++
			continue
		}
		// "zhangsan @ qq.com": a space on both sides of an @ (or 艾特); on one side only it is a
		// mention (hi @bob.smith). The spelled-out forms take their spaces themselves.
		mailboxEnd, domain := i, i+n
		if text[i] == '#' {
			// zhangsan#qq.com, written so to keep an address from scrapers and filters: glued on
			// both sides and ending in a known top-level domain, or it is a hashtag or a number
			// (#话题, 款式#2, 138#1234#5678)
			if from := mailboxStart(text, last, i); from < i {
				if end := hashAddressEnd(text, domain); end > 0 {
					b = maskedEmail(b, text, last, from)
					*set |= 1 << MaskEmail
					last, i = end, end
					continue
				}
			}
			i++
			continue
		}
		spaced := text[i] != ' ' && mailboxEnd > last && text[mailboxEnd-1] == ' ' && domain < len(text) && text[domain] == ' '
		if spaced {
			mailboxEnd--
			domain++
		}
		from := mailboxStart(text, last, mailboxEnd)
		if !spaced && text[i] == '@' && domain < len(text) && text[domain] == ' ' && from < mailboxEnd {
			domain++ // zhang.san@ qq.com: glued to its mailbox, an @ is no mention
		}
		end := 0
		if from < mailboxEnd {
			end = domainEnd(text, domain)
		}
		if end == 0 {
			i += n
			continue
		}
		b = maskedEmail(b, text, last, from)
		*set |= 1 << MaskEmail
		last, i = end, end
	}
	if b == nil {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

// maxMailboxHan bounds the Chinese characters of a mailbox. Names are two to four characters
// (欧阳娜娜); six leave room for a nickname's extra ones while a sentence glued to the address
// with no cue (麻烦下次直接发张三@qq.com) loses at most six characters of its text.
const maxMailboxHan = 6

// A mailbox of Chinese characters starts after the words that lead into an address
// (我的邮箱是张三@qq.com, 发到李雷@163.com, 邮箱王芳@qq.com): 是 到 给 的 寄 往 号, 邮箱 邮件 地址,
// 改成 换成, 发至 寄至 (isCue). Text has no space to mark where a Chinese mailbox starts, so the
// mailbox is the run of Chinese characters and mailbox bytes glued to the at, cut after a cue
// and at maxMailboxHan characters. A cue inside a name (李是明) or a lead-in we do not know
// (麻烦张三@qq.com) puts the cut in the wrong place: a few characters of the name stay text or a
// few of the sentence are masked. Masking a few words too many costs a feature or two; a name
// left beside a mail domain is personal data in a log, so the cues are only words that are rare
// in names (no 为, 和, 发, 成 alone).

// mailboxStart returns where the mailbox that ends at text[end] starts, not before last: end
// when there is none.
func mailboxStart(text string, last, end int) int {
	if from := readOutMailbox(text, last, end); from < end {
		return from
	}
	from, han := end, 0
	for from > last {
		c := text[from-1]
		if c < utf8.RuneSelf {
			if !isMailboxByte(c) {
				break
			}
			from--
			continue
		}
		var r rune
		n := 3
		if from-3 >= last && text[from-3]&0xF0 == 0xE0 && text[from-2]&0xC0 == 0x80 { // nearly every Chinese character
			r = rune(text[from-3]&0x0F)<<12 | rune(text[from-2]&0x3F)<<6 | rune(c&0x3F)
		} else {
			r, n = utf8.DecodeLastRuneInString(text[last:from])
		}
		if isMailboxLetter(r) {
			from -= n // josé.garcia@…, müller@…: the accented letters are the mailbox's, as ASCII ones
			continue
		}
		if !isHan(r) || han == maxMailboxHan || from < end && isCue(r, text[last:from-n]) {
			break
		}
		from -= n
		han++
	}
	return from
}

// readOutMailbox returns where a mailbox read out as numerals (a QQ mailbox: 幺二三四五六七八九
// 艾特qq点com) that ends at text[end] starts, not before last: a run of numerals and digits
// with a cue, a space, punctuation or nothing before it. end when there is none (张三@qq.com is
// a name's mailbox, whose 三 mailboxStart counts as a character).
func readOutMailbox(text string, last, end int) int {
	from, numerals := end, 0
	for from > last {
		if c := text[from-1]; c >= '0' && c <= '9' {
			from--
			continue
		}
		r, n := utf8.DecodeLastRuneInString(text[last:from])
		if cnDigit(r) == 0 {
			break
		}
		from -= n
		numerals++
	}
	if numerals == 0 {
		return end
	}
	if from == last {
		return from
	}
	r, n := utf8.DecodeLastRuneInString(text[last:from])
	if isHan(r) && !isCue(r, text[last:from-n]) || r < utf8.RuneSelf && isMailboxByte(byte(r)) || isMailboxLetter(r) {
		return end // the numerals end a name's mailbox (张三@…, zhāng三@…, abc三@…)
	}
	return from
}

// isCue reports whether r, written after before, ends a word that leads into an address.
func isCue(r rune, before string) bool {
	switch r {
	case '是', '到', '给', '的', '寄', '往', '号':
		return true
	case '箱', '件': // 邮箱, 邮件
		return strings.HasSuffix(before, "邮")
	case '址':
		return strings.HasSuffix(before, "地")
	case '成': // 改成, 换成
		return strings.HasSuffix(before, "改") || strings.HasSuffix(before, "换")
	case '至': // 发至, 寄至
		return strings.HasSuffix(before, "发") || strings.HasSuffix(before, "寄")
	}
	return false
}

// isMailboxLetter reports whether r is a letter of an alphabet (é, ü, ā, ñ, ж) or a combining
// accent, which internationalised mailboxes hold and pinyin with tones is written in
// (zhāngsān@…): read as the end of the mailbox, they left the name before them in the text.
// Chinese characters and punctuation are not: those mailboxStart bounds itself.
func isMailboxLetter(r rune) bool {
	if r < 0x80 || r >= 0x2000 {
		return false
	}
	return unicode.IsLetter(r) || unicode.Is(unicode.Mn, r)
}

// isHan reports whether r is a Chinese character (the CJK unified ideographs, their extensions
// and compatibility forms), not a Chinese punctuation mark.
func isHan(r rune) bool {
	return r >= 0x4E00 && r <= 0x9FFF || r >= 0x3400 && r <= 0x4DBF || r >= 0xF900 && r <= 0xFAFF || r >= 0x20000 && r <= 0x3FFFF
}

// maskedEmail copies text[last:from] and the placeholder to b, made on first use.
func maskedEmail(b *strings.Builder, text string, last, from int) *strings.Builder {
	if b == nil {
		b = &strings.Builder{}
		b.Grow(len(text))
	}
	b.WriteString(text[last:from])
	b.WriteString(MaskEmail.Placeholder())
	return b
}

// hashAddressEnd returns where the domain at text[i] after a '#' written for @ ends, or 0 when
// there is none or its last label is no known top-level domain.
func hashAddressEnd(text string, i int) int {
	end := domainEnd(text, i)
	k := end
	for k > i && isLetter(text[k-1]) {
		k--
	}
	if end == 0 || !knownTLDAt(text, k) {
		return 0
	}
	return end
}

func isMailboxByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

func isLabelByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-'
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// mayStartAt marks the bytes an at can start with (atFormAt): @ #, the lead byte of 艾特, and
// what starts a spelled-out word (a space, brackets, the lead byte of 【).
var mayStartAt = [256]bool{'@': true, '#': true, 0xE8: true, ' ': true, '(': true, '[': true, 0xE3: true}

// atFormAt returns the length of an at written at text[i], or 0.
func atFormAt(text string, i int) int {
	switch c := text[i]; c {
	case '@', '#':
		return 1
	case 0xE8:
		if strings.HasPrefix(text[i:], "艾特") {
			return len("艾特")
		}
		return 0
	}
	return wordForm(text, i, "at")
}

// dotFormAt returns the length of a dot written at text[i], or 0.
func dotFormAt(text string, i int) int {
	switch c := text[i]; c {
	case '.':
		return 1
	case 0xE3:
		if strings.HasPrefix(text[i:], "。") {
			return len("。")
		}
		return wordForm(text, i, "dot") // 【dot】
	case 0xE7:
		if strings.HasPrefix(text[i:], "点") {
			return len("点")
		}
		return 0
	}
	return wordForm(text, i, "dot")
}

// wordForm returns the length of word spelled out at text[i] as " word ", "(word)", "[word]" or
// "【word】" (the bracketed forms with optional spaces around), case-insensitively, or 0.
// Normalize makes （at） (at) but leaves the lenticular brackets 【】 as they are.
func wordForm(text string, i int, word string) int {
	j := i
	if j < len(text) && text[j] == ' ' {
		j++
	}
	if j >= len(text) {
		return 0
	}
	closing := ""
	switch c := text[j]; {
	case c == '(':
		closing = ")"
		j++
	case c == '[':
		closing = "]"
		j++
	case c == 0xE3 && strings.HasPrefix(text[j:], "【"): // this runs at every byte: test one first
		closing = "】"
		j += len("【")
	default:
		if j == i { // a bare word needs the spaces around it
			return 0
		}
	}
	if len(text)-j < len(word) || !strings.EqualFold(text[j:j+len(word)], word) {
		return 0
	}
	j += len(word)
	if closing != "" {
		if !strings.HasPrefix(text[j:], closing) {
			return 0
		}
		j += len(closing)
		if j < len(text) && text[j] == ' ' {
			j++
		}
		return j - i
	}
	if j >= len(text) || text[j] != ' ' {
		return 0
	}
	return j + 1 - i
}

// domainEnd reads a domain at text[i] and returns where the address ends (after the leading
// letters of the last label that has two or more), or 0 when there is no such domain.
func domainEnd(text string, i int) int {
	end := 0
	labels := 0
	for {
		j := i
		for j < len(text) && isLabelByte(text[j]) {
			j++
		}
		if j == i {
			return end
		}
		labels++
		if labels >= 2 {
			k := i
			for k < j && isLetter(text[k]) {
				k++
			}
			if k-i >= 2 {
				end = k
			}
		}
		if j >= len(text) {
			return end
		}
		n := dotFormAt(text, j)
		if n == 0 {
			// qq .com, qq . com: a space before a dot that a known top-level domain follows
			if text[j] == ' ' && j+1 < len(text) {
				if m := dotFormAt(text, j+1); m > 0 {
					switch k := j + 1 + m; {
					case knownTLDAt(text, k):
						n = 1 + m
					case k < len(text) && text[k] == ' ' && knownTLDAt(text, k+1):
						n = 2 + m
					}
				}
			}
			if n == 0 {
				return end
			}
		}
		i = j + n
		if i < len(text) && text[i] == ' ' && n > 0 && knownTLDAt(text, i+1) {
			i++ // qq. com
		}
		if i >= len(text) {
			return end
		}
	}
}

// knownTLDAt reports whether a common top-level domain starts at text[i] and ends there (no
// letter after it): what lets a space around a dot still read as an address.
func knownTLDAt(text string, i int) bool {
	for _, tld := range []string{"com", "cn", "net", "org", "edu", "gov", "hk", "tw", "io", "me"} {
		if len(text)-i >= len(tld) && strings.EqualFold(text[i:i+len(tld)], tld) &&
			(i+len(tld) == len(text) || !isLetter(text[i+len(tld)])) {
			return true
		}
	}
	return false
}
