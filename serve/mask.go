package serve

import (
	"errors"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

// The server never logs message text at info level, nor any byte of a request it could not
// parse, nor a header. A few client-supplied strings do reach the logs (msg_id, the request id,
// a reload's directory) and so do strings whose content we do not control (panic values, load
// errors); they are masked with nlp's one definition of personal data first.

// maxLoggedID is the longest id logged whole, and the longest msg_id and agent_id accepted:
// nlp.MaskID's limit, so that what a request names is what the log shows.
const maxLoggedID = nlp.MaxMaskedIDBytes

// maskID masks the personal data in an identifier (msg_id, X-Request-Id, a bundle directory)
// and clips it as everything zhiyi writes ids (a cluster sheet, train's errors) does.
func maskID(s string) string { return nlp.MaskID(s) }

// redact masks every kind of personal data in a free-form string (a panic value, an error) and
// clips it to max bytes. The rest stays as written (a file path, a rule id keep their case):
// the string is masked as it is when that leaves nothing Mask finds in its normalised form,
// and only otherwise as normalised text.
func redact(s string, max int) string {
	s = nlp.Clip(s, 4*max)
	if m, set := nlp.Mask(nlp.Normalize(s)); set != 0 {
		raw, _ := nlp.Mask(s)
		if _, left := nlp.Mask(nlp.Normalize(raw)); left == 0 {
			m = raw
		}
		s = m
	}
	return nlp.Clip(s, max)
}

// echoed masks the personal data in an error message, which quotes what the client sent
// (channel "13812345678", unknown field "…", correct_intent "…", since: "…", a vars key): the
// answer goes back to a gateway that may log it, and the message ids and query keys it quotes
// were masked already, the other values not. Order-length digit runs stay, as in ids (a limit
// of 10737418240 bytes is no order); the rest stays as written unless only the normalised form
// shows the data (１３８…), as redact does.
func echoed(msg string) string {
	m, set := nlp.MaskExcept(msg, nlp.MaskOrder)
	if _, left := nlp.MaskExcept(nlp.Normalize(m), nlp.MaskOrder); left == 0 {
		if set == 0 {
			return msg
		}
		return m
	}
	m, _ = nlp.MaskExcept(nlp.Normalize(msg), nlp.MaskOrder)
	return m
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
