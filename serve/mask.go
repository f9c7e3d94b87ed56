package serve

import (
	"strings"
)

// The server never logs message text at info level, but a few client-supplied strings do reach
// the logs (msg_id, the request id) and so do free-form strings whose content we do not control
// (panic values, fasthttp's connection errors, which may quote request bytes). These helpers
// keep personal data out of them.

const maxLoggedID = 128

// maskID masks mainland mobile numbers (11 digits, 1[3-9]…, not part of a longer digit run)
// inside an identifier as 138****5678 and truncates it to maxLoggedID bytes. Other digit runs are
// kept so that numeric message ids stay usable for correlation.
func maskID(s string) string {
	if len(s) > maxLoggedID {
		s = s[:maxLoggedID]
	}
	return maskMobile(s)
}

// maskMobile masks mainland mobile numbers in s as 138****5678, keeping everything else (model
// directories and load errors keep their dates and versions).
func maskMobile(s string) string {
	if !hasMobile(s) {
		return s
	}
	b := []byte(s)
	forDigitRuns(s, func(i, j int) {
		if isMobile(s[i:j]) {
			copy(b[i+3:i+7], "****")
		}
	})
	return string(b)
}

// redact replaces every run of 7 or more ASCII digits (phones, ID card, bank card and order
// numbers) with "[num]", masks e-mail addresses as "[email]" and truncates to max bytes. It is
// for free-form strings where identifiers need not survive.
func redact(s string, max int) string {
	var b strings.Builder
	last := 0
	forDigitRuns(s, func(i, j int) {
		if j-i >= 7 {
			b.WriteString(s[last:i])
			b.WriteString("[num]")
			last = j
		}
	})
	b.WriteString(s[last:])
	out := redactEmails(b.String())
	if len(out) > max {
		out = out[:max] + "…"
	}
	return out
}

// redactEmails replaces anything shaped like local@domain.tld with "[email]".
func redactEmails(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	isWord := func(c byte) bool {
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '_' || c == '-' || c == '+' || c == '%'
	}
	var b strings.Builder
	i := 0
	for {
		at := strings.IndexByte(s[i:], '@')
		if at < 0 {
			b.WriteString(s[i:])
			return b.String()
		}
		at += i
		start := at
		for start > i && isWord(s[start-1]) {
			start--
		}
		end := at + 1
		for end < len(s) && isWord(s[end]) {
			end++
		}
		if start < at && end > at+1 && strings.Contains(s[at+1:end], ".") {
			b.WriteString(s[i:start])
			b.WriteString("[email]")
		} else {
			b.WriteString(s[i:end])
		}
		i = end
	}
}

func forDigitRuns(s string, f func(i, j int)) {
	for i := 0; i < len(s); {
		if s[i] < '0' || s[i] > '9' {
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		f(i, j)
		i = j
	}
}

func isMobile(run string) bool {
	return len(run) == 11 && run[0] == '1' && run[1] >= '3' && run[1] <= '9'
}

func hasMobile(s string) bool {
	found := false
	forDigitRuns(s, func(i, j int) {
		if isMobile(s[i:j]) {
			found = true
		}
	})
	return found
}
