package serve

import (
	"errors"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/valyala/fasthttp"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

// The server never logs message text at info level, nor any byte of a request it could not
// parse, nor a header. A few client-supplied strings do reach the logs (msg_id, the request id,
// a reload's directory) and so do strings whose content we do not control (panic values, load
// errors); they are masked with nlp's one definition of personal data first.

const maxLoggedID = 128

// maskID masks the personal data in an identifier (msg_id, X-Request-Id, a bundle directory)
// and clips it to maxLoggedID bytes. Long digit runs that are not personal data stay, so that
// numeric message ids can still be correlated; an id without personal data is logged as sent.
func maskID(s string) string {
	s = clip(s, 2*maxLoggedID)
	probe := s
	if !printableASCII(s) { // Mask reads upper-case ASCII itself: most ids need no copy
		probe = nlp.Normalize(s)
	}
	if m, set := nlp.MaskExcept(probe, nlp.MaskOrder); set != 0 {
		s = m
	}
	return clip(s, maxLoggedID)
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// redact masks every kind of personal data in a free-form string (a panic value, an error) and
// clips it to max bytes. The rest stays as written (a file path, a rule id keep their case):
// the string is masked as it is when that leaves nothing Mask finds in its normalised form,
// and only otherwise as normalised text.
func redact(s string, max int) string {
	s = clip(s, 4*max)
	if m, set := nlp.Mask(nlp.Normalize(s)); set != 0 {
		raw, _ := nlp.Mask(s)
		if _, left := nlp.Mask(nlp.Normalize(raw)); left == 0 {
			m = raw
		}
		s = m
	}
	return clip(s, max)
}

// clip cuts s to at most max bytes on a character boundary. What is cut may have been part of
// a number or an address, so a trailing number (a phone's first seven digits, in any script,
// are still personal data) and a trailing address go too, and "…" marks the cut.
func clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	s = s[:max]
	for len(s) > 0 && !utf8.RuneStart(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	if len(s) > 0 && !utf8.ValidString(s[len(s)-1:]) {
		s = s[:len(s)-1] // a rune cut in half
	}
	for len(s) > 0 { // a number cut short, in any script
		r, n := utf8.DecodeLastRuneInString(s)
		if !(unicode.IsDigit(r) || unicode.Is(unicode.Han, r) || strings.ContainsRune(" -./_+", r)) {
			break
		}
		s = s[:len(s)-n]
	}
	word := len(s) // an e-mail address cut short
	for word > 0 && isMailboxByte(s[word-1]) {
		word--
	}
	if strings.Contains(s[word:], "@") || word > 0 && s[word-1] == '@' {
		s = strings.TrimRight(s[:word], "@")
	}
	return s + "…"
}

func isMailboxByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '%' || c == '+' || c == '-' || c == '@'
}

// bufferSize finds fasthttp's "buffer size=N" in a read error: the size of what was read.
var bufferSize = regexp.MustCompile(`buffer size=(\d+)`)

// errorKind names a read error without quoting it (fasthttp's errors quote request bytes).
func errorKind(err error) string {
	var small *fasthttp.ErrSmallBuffer
	var timeout interface{ Timeout() bool }
	switch {
	case err == nil:
		return ""
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		return "body_too_large"
	case errors.As(err, &small):
		return "header_too_large"
	case errors.As(err, &timeout) && timeout.Timeout():
		return "timeout"
	case errors.Is(err, fasthttp.ErrDuplicateContentLength):
		return "duplicate_content_length"
	case errors.Is(err, fasthttp.ErrUnsupportedTransferEncoding):
		return "unsupported_transfer_encoding"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "truncated"
	case errors.Is(err, net.ErrClosed):
		return "connection_closed"
	}
	msg := err.Error()
	for _, k := range []struct{ has, kind string }{
		{"missing required host header", "missing_host"},
		{"http request method", "bad_method"},
		{"request uri", "bad_uri"},
		{"missing colon", "bad_header"},
		{"invalid header", "bad_header"},
		{"transfer-encoding", "unsupported_transfer_encoding"},
		{"hex number", "bad_chunk"},
		{"chunk", "bad_chunk"},
		{"content-length", "bad_content_length"},
		{"Content-Length", "bad_content_length"},
		{"reset by peer", "connection_reset"},
		{"broken pipe", "connection_reset"},
		{"unexpected EOF", "truncated"},
	} {
		if strings.Contains(msg, k.has) {
			return k.kind
		}
	}
	return "malformed"
}

// readSize is the number of request bytes fasthttp had read when err happened, or -1.
func readSize(err error) int {
	if err == nil {
		return -1
	}
	m := bufferSize.FindStringSubmatch(err.Error())
	if m == nil {
		return -1
	}
	n, convErr := strconv.Atoi(m[1])
	if convErr != nil {
		return -1
	}
	return n
}
