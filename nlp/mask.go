package nlp

import (
	"regexp"
	"strings"
)

// MaskKind is one kind of personal data that masking replaces with a placeholder.
type MaskKind uint8

// The kinds of personal data masked, in the order of their bits in a MaskSet.
const (
	MaskPhone    MaskKind = iota // mainland mobile number, optionally +86, spaces or dashes
	MaskIDCard                   // 18-digit resident ID number with a valid checksum
	MaskBankCard                 // 16–19 digit card number that passes the Luhn check
	MaskEmail                    // e-mail address
	MaskURL                      // http(s):// or www. address
	MaskOrder                    // any other run of 10 or more digits (order and tracking numbers)
	numMaskKinds
)

var maskNames = [numMaskKinds]string{"phone", "idcard", "bankcard", "email", "url", "order"}
var maskPlaceholders = [numMaskKinds]string{"<PHONE>", "<IDCARD>", "<BANKCARD>", "<EMAIL>", "<URL>", "<ORDER>"}

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
type MaskSet uint8

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

var (
	urlPattern   = regexp.MustCompile(`(?:https?://|www\.)[a-z0-9\-._~:/?#\[\]@!$&'*+,;=%]+`)
	emailPattern = regexp.MustCompile(`[a-z0-9._%+\-]+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}`)
)

// Mask replaces personal data in normalised text (see Normalize) with placeholders and reports
// which kinds it found. Numbers that are not personal data — prices, sizes such as 42码,
// quantities, anything under 10 digits — stay as they are.
func Mask(text string) (string, MaskSet) {
	var set MaskSet
	hasDigit, hasAt, hasDot := false, false, false
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c >= '0' && c <= '9':
			hasDigit = true
		case c == '@':
			hasAt = true
		case c == '.':
			hasDot = true
		}
	}
	if hasDot && (strings.Contains(text, "://") || strings.Contains(text, "www.")) {
		text = replaceAll(urlPattern, text, MaskURL, &set)
	}
	if hasAt && hasDot {
		text = replaceAll(emailPattern, text, MaskEmail, &set)
	}
	if hasDigit {
		text = maskNumbers(text, &set)
	}
	return text, set
}

func replaceAll(re *regexp.Regexp, text string, kind MaskKind, set *MaskSet) string {
	out := re.ReplaceAllStringFunc(text, func(string) string {
		*set |= 1 << kind
		return kind.Placeholder()
	})
	return out
}

// maskNumbers finds runs of digits (groups may be joined by single spaces or dashes, an
// optional leading '+', an optional trailing x for ID numbers) and masks those that are
// personal data or long order numbers.
func maskNumbers(text string, set *MaskSet) string {
	var b *strings.Builder
	last := 0 // text[last:i] not yet copied to b
	var digits [64]byte
	for i := 0; i < len(text); {
		c := text[i]
		start := i
		if c == '+' && i+1 < len(text) && isDigit(text[i+1]) {
			i++
		} else if !isDigit(c) || (i > 0 && isDigit(text[i-1])) {
			i++
			continue
		}
		// Collect digit groups.
		n := 0
		end := i
		for {
			j := end
			for j < len(text) && isDigit(text[j]) {
				if n < len(digits) {
					digits[n] = text[j]
				}
				n++
				j++
			}
			end = j
			// A separator continues the number only when a group of 3+ digits follows.
			if end+1 < len(text) && (text[end] == ' ' || text[end] == '-') {
				k := end + 1
				for k < len(text) && isDigit(text[k]) {
					k++
				}
				if k-(end+1) >= 3 {
					end++
					continue
				}
			}
			break
		}
		trailingX := end < len(text) && text[end] == 'x' && n == 17
		kind, ok := classifyNumber(digits[:min(n, len(digits))], n, trailingX, text[start] == '+')
		if !ok {
			i = end
			continue
		}
		if kind == MaskIDCard && trailingX {
			end++
		}
		if b == nil {
			b = &strings.Builder{}
			b.Grow(len(text))
		}
		b.WriteString(text[last:start])
		b.WriteString(kind.Placeholder())
		*set |= 1 << kind
		last = end
		i = end
	}
	if b == nil {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

// classifyNumber decides what a digit run is. n is the full digit count (d holds up to 64).
func classifyNumber(d []byte, n int, trailingX, plus bool) (MaskKind, bool) {
	switch {
	case n == 11 && isMobile(d):
		return MaskPhone, true
	case n == 13 && d[0] == '8' && d[1] == '6' && isMobile(d[2:]):
		return MaskPhone, true
	case plus && n >= 7:
		return MaskPhone, true // an international number
	case n == 17 && trailingX && validIDChecksum(d, 'x'):
		return MaskIDCard, true
	case n == 18 && validIDChecksum(d[:17], d[17]):
		return MaskIDCard, true
	case n >= 16 && n <= 19 && luhnValid(d):
		return MaskBankCard, true
	case n >= 10:
		return MaskOrder, true
	}
	return 0, false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isMobile(d []byte) bool { return len(d) == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9' }

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
