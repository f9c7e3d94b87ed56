package main

import (
	"strings"
	"unicode/utf8"
)

// notShorthand are Latin tokens customers type that are no shorthand of a word: units and clothing
// sizes (250 ml, 几 kg, xxl), the names of masked values an export may carry bare (PHONE, NAME, xx镇),
// English words and brands typed inside Chinese messages (hi 客服, 是ai吗, 能印logo吗, nike有货吗,
// qq钱包). They are never candidates, whatever the dictionaries hold.
var notShorthand = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`
		ml cl mg kg km cm dm gb mb kw mah inch oz lb
		xs xxs xl xxl xxxl xxxxl
		phone tel email mail name addr url order card bank idno user
		xx xxx
		hi hey hello ok okay yes you me my the and are there pls plz thx sorry bye
		size pay pro visa
		ai app logo type usb wifi vip diy bug pdf
		qq nike apple ipad oppo vivo sony dior gucci zara`) {
		notShorthand[w] = true
	}
}

// joined reports whether the Latin run s[i:j] is part of a longer token joined by a hyphen,
// underscore, dot, slash, @ or & (type-c, th-1000, wxid_ab12, www.x.com, a/b): a model number, an
// id or an address, not shorthand.
func joined(s string, i, j int) bool {
	if i >= 2 && strings.IndexByte("-_./@&", s[i-1]) >= 0 && isASCIIAlnum(s[i-2]) {
		return true
	}
	if j+1 < len(s) && strings.IndexByte("-_./@&", s[j]) >= 0 && isASCIIAlnum(s[j+1]) {
		return true
	}
	return false
}

// exampleRunes is how many characters of a message an example keeps either side of its token.
const exampleRunes = 10

// shorthandExample is what the output shows of message s around its token s[i:j]: at most
// exampleRunes characters either side, and in them any run of letters, digits, _ and - that
// holds five digits or more, or mixes letters and digits (a QQ number, a WeChat id, zhangwei1990),
// replaced by <PII>: the masker knows phones, cards and order numbers, not those.
func shorthandExample(s string, i, j int) string {
	start, end := i, j
	for n := 0; n < exampleRunes && start > 0; n++ {
		_, size := utf8.DecodeLastRuneInString(s[:start])
		start -= size
	}
	for n := 0; n < exampleRunes && end < len(s); n++ {
		_, size := utf8.DecodeRuneInString(s[end:])
		end += size
	}
	// widen to whole runs so that a cut never leaves half an id
	for start > 0 && idByte(s[start-1]) {
		start--
	}
	for end < len(s) && idByte(s[end]) {
		end++
	}
	// and never half a placeholder (…NAME> <PHONE>): its brackets with its name
	if start > 0 && s[start-1] == '<' {
		start--
	}
	if end < len(s) && s[end] == '>' {
		end++
	}
	ex := s[start:end]
	var b strings.Builder
	for k := 0; k < len(ex); {
		if !idByte(ex[k]) {
			b.WriteByte(ex[k])
			k++
			continue
		}
		l := k
		for l < len(ex) && idByte(ex[l]) {
			l++
		}
		run := ex[k:l]
		digits, letters := 0, 0
		for c := 0; c < len(run); c++ {
			switch {
			case run[c] >= '0' && run[c] <= '9':
				digits++
			case run[c] >= 'a' && run[c] <= 'z' || run[c] >= 'A' && run[c] <= 'Z':
				letters++
			}
		}
		if digits >= 5 || digits > 0 && letters > 0 && len(run) >= 6 {
			b.WriteString("<PII>")
		} else {
			b.WriteString(run)
		}
		k = l
	}
	out := b.String()
	if start > 0 {
		out = "…" + out
	}
	if end < len(s) {
		out += "…"
	}
	return out
}

func idByte(c byte) bool { return isASCIIAlnum(c) || c == '_' || c == '-' }
