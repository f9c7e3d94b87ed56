package nlp

import "strings"

// E-mail addresses: a mailbox (ASCII letters, digits and ._%+-), an at (@, " at ", (at), [at],
// 艾特), and a domain of labels joined by dots (., 。, " dot ", (dot), [dot], 点) whose last
// label starts with two letters. People spell addresses out to get them past chat filters; the
// spelled forms need the ASCII mailbox and domain around them, so 艾特我一下 or 快点 stay text.

// maskEmails replaces e-mail addresses with <EMAIL>.
func maskEmails(text string, set *MaskSet) string {
	var b *strings.Builder
	last := 0 // text[last:] is not yet copied to b
	for i := 0; i < len(text); {
		n := atFormAt(text, i)
		if n == 0 {
			i++
			continue
		}
		// "zhangsan @ qq.com": a space on both sides of an @ (or 艾特); on one side only it is a
		// mention (hi @bob.smith). The spelled-out forms take their spaces themselves.
		mailboxEnd, domain := i, i+n
		if text[i] != ' ' && mailboxEnd > last && text[mailboxEnd-1] == ' ' && domain < len(text) && text[domain] == ' ' {
			mailboxEnd--
			domain++
		} else if text[i] == '@' && mailboxEnd > last && isMailboxByte(text[mailboxEnd-1]) && domain < len(text) && text[domain] == ' ' {
			domain++ // zhang.san@ qq.com: glued to its mailbox, an @ is no mention
		}
		from := mailboxEnd
		for from > last && isMailboxByte(text[from-1]) {
			from--
		}
		end := 0
		if from < mailboxEnd {
			end = domainEnd(text, domain)
		}
		if end == 0 {
			i += n
			continue
		}
		if b == nil {
			b = &strings.Builder{}
			b.Grow(len(text))
		}
		b.WriteString(text[last:from])
		b.WriteString(MaskEmail.Placeholder())
		*set |= 1 << MaskEmail
		last, i = end, end
	}
	if b == nil {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

func isMailboxByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

func isLabelByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-'
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// atFormAt returns the length of an at written at text[i], or 0.
func atFormAt(text string, i int) int {
	switch c := text[i]; c {
	case '@':
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
		return 0
	case 0xE7:
		if strings.HasPrefix(text[i:], "点") {
			return len("点")
		}
		return 0
	}
	return wordForm(text, i, "dot")
}

// wordForm returns the length of word spelled out at text[i] as " word ", "(word)" or "[word]"
// (the bracketed forms with optional spaces around), case-insensitively, or 0.
func wordForm(text string, i int, word string) int {
	j := i
	if j < len(text) && text[j] == ' ' {
		j++
	}
	if j >= len(text) {
		return 0
	}
	closing := byte(0)
	switch text[j] {
	case '(':
		closing = ')'
		j++
	case '[':
		closing = ']'
		j++
	default:
		if j == i { // a bare word needs the spaces around it
			return 0
		}
	}
	if len(text)-j < len(word) || !strings.EqualFold(text[j:j+len(word)], word) {
		return 0
	}
	j += len(word)
	if closing != 0 {
		if j >= len(text) || text[j] != closing {
			return 0
		}
		j++
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
