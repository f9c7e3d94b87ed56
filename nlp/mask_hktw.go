package nlp

import (
	"strings"
	"unicode/utf8"
)

// Hong Kong and Taiwan write their personal data in forms the mainland's scanners do not read:
// identity card numbers that begin with letters (A123456(3), A123456789) and phone numbers
// without a trunk prefix (Hong Kong's eight digits, 9123 4567). The ID numbers carry check
// digits and are masked wherever they stand; an eight-digit number is as often an amount or an
// order, so a local number is masked only where the text says it is one (电话, 手機, WhatsApp
// …). The numbers with their country codes (+852, 852-, 00886 …) and Taiwan's mobiles (09xx-xxx-xxx)
// are read in classifyDigits with the mainland's.

// maskRegionalIDs replaces Hong Kong and Taiwan identity card numbers in text with <IDCARD>:
//
//   - Hong Kong: one or two letters, six digits and a check digit (or A), the check in
//     parentheses as the card prints it (A123456(3): masked whatever the check, for no code of
//     another kind is written so) or glued to the digits (A1234563: masked when the check holds);
//   - Taiwan (and its resident certificates): a letter, 1, 2, 8 or 9, and eight digits whose
//     last is a check digit that holds (A123456789).
//
// Each must stand alone: no letter or digit right before or after it (sku a123456789x stays).
func maskRegionalIDs(text string, set *MaskSet) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(text); i++ {
		if !isASCIILetter(text[i]) || i > 0 && isASCIIWordByte(text[i-1]) {
			continue
		}
		end := regionalIDEnd(text, i)
		if end < 0 {
			continue
		}
		// an order's number (订单号 A123456789) holds a valid check as one in ten do: no ID card.
		// 编号 is no cue here: 身份證編號 names one.
		if w := wordBefore(text[:i]); w == "单号" || w == "订单" {
			continue
		}
		b.WriteString(text[last:i])
		b.WriteString(MaskIDCard.Placeholder())
		*set |= 1 << MaskIDCard
		last, i = end, end-1
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

// regionalIDEnd returns the end of a Hong Kong or Taiwan identity card number at text[i] (a
// letter after no letter or digit), or -1.
func regionalIDEnd(text string, i int) int {
	letters := 1
	if i+1 < len(text) && isASCIILetter(text[i+1]) {
		letters = 2
	}
	d := i + letters
	n := 0
	for d+n < len(text) && text[d+n] >= '0' && text[d+n] <= '9' {
		n++
	}
	end := d + n
	alone := end == len(text) || !isASCIIWordByte(text[end])
	paren := end // the check in parentheses, a space before them allowed: A123456 (3)
	if paren+1 < len(text) && text[paren] == ' ' && text[paren+1] == '(' {
		paren++
	}
	switch {
	case n == 6 && paren+2 < len(text) && text[paren] == '(' && isHKCheck(text[paren+1]) && text[paren+2] == ')':
		return paren + 3
	case n == 6 && end < len(text) && text[end]|0x20 == 'a' && (end+1 == len(text) || !isASCIIWordByte(text[end+1])) &&
		hkIDCheck(text[i:d], text[d:end]) == 'a':
		return end + 1
	case n == 7 && alone && hkIDCheck(text[i:d], text[d:end-1]) == text[end-1]:
		return end
	case n == 9 && letters == 1 && alone && strings.IndexByte("1289", text[d]) >= 0 && twIDValid(text[i]|0x20, text[d:end]):
		return end
	}
	return -1
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isHKCheck(c byte) bool { return c >= '0' && c <= '9' || c|0x20 == 'a' }

// hkIDCheck returns the check character ('0'–'9' or 'a') of a Hong Kong identity card with the
// given letters (one or two) and six digits: the weighted sum, a single letter counted as if a
// space (36) stood before it, must be divisible by 11.
func hkIDCheck(letters, digits string) byte {
	sum := 0
	if len(letters) == 1 {
		sum = 36*9 + letterValue(letters[0])*8
	} else {
		sum = letterValue(letters[0])*9 + letterValue(letters[1])*8
	}
	for k := 0; k < 6; k++ {
		sum += int(digits[k]-'0') * (7 - k)
	}
	switch c := (11 - sum%11) % 11; c {
	case 10:
		return 'a'
	default:
		return byte('0' + c)
	}
}

// letterValue is A=10 … Z=35, either case.
func letterValue(c byte) int { return int(c|0x20-'a') + 10 }

// twLetterCodes are the numbers Taiwan's ID check gives the first letter, A to Z (I, O, W, X, Y,
// Z came late and are out of order).
var twLetterCodes = [26]int{10, 11, 12, 13, 14, 15, 16, 17, 34, 18, 19, 20, 21, 22, 35, 23, 24, 25, 26, 27, 28, 29, 32, 30, 31, 33}

// twIDValid checks the check digit of a Taiwan ID (or resident certificate) number: the letter's
// code and the nine digits weighted 1, 9, 8 … 1, 1 sum to a multiple of 10.
func twIDValid(letter byte, digits string) bool {
	code := twLetterCodes[letter-'a']
	sum := code/10 + code%10*9
	for k := 0; k < 8; k++ {
		sum += int(digits[k]-'0') * (8 - k)
	}
	sum += int(digits[8] - '0')
	return sum%10 == 0
}

// phoneCues are the words that say a number after them is a phone number, in simplified and
// traditional script and as Hong Kong and Taiwan write them. 号码 alone is no cue: 订单号码 is not.
var phoneCues = []string{"电话", "電話", "手机", "手機", "手提", "联系", "聯繫", "联络", "聯絡", "致电", "致電",
	"打给", "打給", "打俾", "whatsapp", "tel", "phone", "call"}

// cueLastBytes marks the last bytes of phoneCues, so that most places are ruled out at once.
var cueLastBytes = func() (b [256]bool) {
	for _, c := range phoneCues {
		b[c[len(c)-1]] = true
	}
	return b
}()

// phoneCueFiller may stand between a cue and its number: 電話號碼：, 手機係, 聯絡我.
const phoneCueFiller = " :是係系为為号號码碼我的嘅(#"

// maskCuedPhones replaces a local phone number of 7 to 11 digits right after a word that says it
// is one (電話 9123 4567, 手機係 6123-4567, 聯絡電話 (02) 2345-6789) with <PHONE>: Hong Kong's and
// Macau's eight digits and Taiwan's and the mainland's landlines without or with their area code
// in parentheses. Groups are joined by a space, a dash or a closing parenthesis.
func maskCuedPhones(text string, set *MaskSet) string {
	return maskLocalPhones(text, set, func(text string, i int) bool {
		return i == 0 || text[i-1] < '0' || text[i-1] > '9'
	}, func(text string, last, i, end, digits int) bool {
		return digits >= 7 && digits <= 11 && cuedAt(text[last:i])
	})
}

// maskLocalPhones replaces with <PHONE> each local number (localPhoneEnd) that starts where
// starts says one may and that accept takes, given the text after the last one replaced
// (text[last:i]) and the number's span: the scan maskCuedPhones and maskBlockPhones share.
func maskLocalPhones(text string, set *MaskSet, starts func(text string, i int) bool, accept func(text string, last, i, end, digits int) bool) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(text); i++ {
		// from each number that starts here back to a cue: numbers are few, cues many
		if text[i] < '0' || text[i] > '9' || !starts(text, i) {
			continue
		}
		end, digits := localPhoneEnd(text, i)
		if digits == 0 || !accept(text, last, i, end, digits) {
			continue
		}
		b.WriteString(text[last:i])
		b.WriteString(MaskPhone.Placeholder())
		*set |= 1 << MaskPhone
		last, i = end, end-1
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

// cuedAt reports whether s ends with a phone cue and up to six characters of phoneCueFiller
// after it. A cue in Latin letters is a word of its own: telegram and iphone hold none.
func cuedAt(s string) bool {
	for k := 0; k <= 6 && s != ""; k++ {
		for _, cue := range phoneCues {
			if cueLastBytes[s[len(s)-1]] && strings.HasSuffix(s, cue) && !(isASCIILetter(cue[0]) && len(s) > len(cue) && isASCIILetter(s[len(s)-len(cue)-1])) {
				return true
			}
		}
		r, n := utf8.DecodeLastRuneInString(s)
		if n == 0 || !strings.ContainsRune(phoneCueFiller, r) {
			return false
		}
		s = s[:len(s)-n]
	}
	return false
}

// localPhoneEnd reads digit groups joined by one space, dash or closing parenthesis at i and
// returns their end and how many digits they hold; a letter or a digit run on after them, or a
// unit of an amount (元, 蚊), makes them no phone number (0 digits).
func localPhoneEnd(text string, i int) (int, int) {
	digits, j := 0, i
	for {
		g := j
		for j < len(text) && text[j] >= '0' && text[j] <= '9' {
			j++
		}
		if j == g {
			return i, 0
		}
		digits += j - g
		if j+1 < len(text) && strings.IndexByte(" -)", text[j]) >= 0 && text[j+1] >= '0' && text[j+1] <= '9' {
			j++
			continue
		}
		if j+2 < len(text) && text[j] == ')' && text[j+1] == ' ' && text[j+2] >= '0' && text[j+2] <= '9' {
			j += 2
			continue
		}
		break
	}
	if j < len(text) && (isASCIIWordByte(text[j]) || strings.HasPrefix(text[j:], "元") || strings.HasPrefix(text[j:], "蚊")) {
		return i, 0
	}
	return j, digits
}

// maskBlockPhones replaces with <PHONE> a local number of eight digits (Hong Kong's, Macau's,
// Taiwan's landlines without their area code) that stands in a shipping block: beside an
// address or a name masked already, a few Chinese characters (a district, a name) and
// punctuation between them at most (陳大文 9123 4567 九龍<ADDR>, <ADDR> 陳大文 9123 4567,
// 收件人<NAME> 9123-4567). Alone, eight digits are an amount or an order as often.
func maskBlockPhones(text string, set *MaskSet) string {
	return maskLocalPhones(text, set, func(text string, i int) bool {
		return text[i] >= '2' && (i == 0 || !(text[i-1] >= '0' && text[i-1] <= '9' || isASCIILetter(text[i-1])))
	}, func(text string, last, i, end, digits int) bool {
		return digits == 8 && !namedOrder(text[:i]) && !namedNumber(text[:i]) && blockBeside(text[last:i], text[end:])
	})
}

// namedOrder reports whether before ends with a word that names an order number (订单, 單號,
// 编号 …, in either script, then : or 是).
func namedOrder(before string) bool {
	w := wordBefore(before)
	return w == "单号" || w == "订单" || w == "编号"
}

// wordBefore returns the last two characters of before, simplified, after dropping the spaces,
// colons and copulas (是, 係) that end it.
func wordBefore(before string) string {
	t := []rune(strings.TrimRight(before, " :是係为為"))
	if len(t) < 2 {
		return ""
	}
	return string([]rune{simplified(t[len(t)-2]), simplified(t[len(t)-1])})
}

// numberNouns end the words that name a number as something other than a phone: 运单, 快递单,
// 发票号, 会员号, 取件码, 卡号, 金额, 运费, 单价.
const numberNouns = "号单码额票卡费价"

// namedNumber reports whether before ends with a word that names the number after it as one of
// numberNouns' (人民路100号 运单 62345678 is a waybill beside an address, no phone), spaces and
// colons between. A phone's own words (電話號碼) are maskCuedPhones' cues, read before.
func namedNumber(before string) bool {
	if wordBefore(before) == "号码" { // 號碼 9123 4567 beside a name: as often a phone
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(strings.TrimRight(before, " :是係为為"))
	return isHan(r) && strings.ContainsRune(numberNouns, simplified(r))
}

// blockBeside reports whether before ends, or after begins, with an address or name
// placeholder, up to four Chinese characters and separators between.
func blockBeside(before, after string) bool {
	for _, p := range []string{MaskAddress.Placeholder(), MaskName.Placeholder()} {
		if strings.HasPrefix(skipBlockGap(after, false), p) || strings.HasSuffix(skipBlockGap(before, true), p) {
			return true
		}
	}
	return false
}

// skipBlockGap drops from the start of s (from its end, back) separators, up to four Chinese
// characters, and separators again.
func skipBlockGap(s string, back bool) string {
	next := func() (rune, int) {
		if back {
			return utf8.DecodeLastRuneInString(s)
		}
		return utf8.DecodeRuneInString(s)
	}
	drop := func(n int) {
		if back {
			s = s[:len(s)-n]
		} else {
			s = s[n:]
		}
	}
	seps := func() {
		for s != "" {
			r, n := next()
			if !strings.ContainsRune(" ,;/、:", r) {
				return
			}
			drop(n)
		}
	}
	seps()
	for k := 0; k < 4 && s != ""; k++ {
		r, n := next()
		if !isHan(r) {
			break
		}
		drop(n)
	}
	seps()
	return s
}
