package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/valyala/fasthttp"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/jsonkind"
	"github.com/zhiyi-ai/zhiyi/rules"
)

// Error codes of the {"error":{"code":…,"message":…}} answers.
const (
	CodeEmptyText            = "empty_text"             // 400: text missing, empty or only white space
	CodeTextTooLong          = "text_too_long"          // 400: text over Config.MaxTextBytes UTF-8 bytes
	CodeInvalidUTF8          = "invalid_utf8"           // 400: the body is not valid UTF-8
	CodeInvalidJSON          = "invalid_json"           // 400: empty, malformed or truncated JSON, not an object, trailing data
	CodeInvalidField         = "invalid_field"          // 400: a known field of the wrong type (msg_id must be a string)
	CodeUnknownField         = "unknown_field"          // 400: a field the API does not define (rejected, not ignored)
	CodeEmptyBatch           = "empty_batch"            // 400: a batch without messages
	CodeBatchTooLarge        = "batch_too_large"        // 400: more than Config.MaxBatch messages
	CodeBadRequest           = "bad_request"            // 400: the HTTP request itself could not be parsed
	CodeUnauthorized         = "unauthorized"           // 401: admin route without the right bearer token
	CodeNotFound             = "not_found"              // 404: unknown path (admin routes too while they are off)
	CodeMethodNotAllowed     = "method_not_allowed"     // 405: known path, wrong method; see the Allow header
	CodeRequestTimeout       = "request_timeout"        // 408: the request was not read within ReadTimeout
	CodeBodyTooLarge         = "body_too_large"         // 413: body over Config.MaxBodyBytes
	CodeUnsupportedMediaType = "unsupported_media_type" // 415: Content-Type is not application/json (charset=utf-8 allowed)
	CodeUnsupportedEncoding  = "unsupported_encoding"   // 415: a Content-Encoding other than identity
	CodeHeaderTooLarge       = "header_too_large"       // 431: request headers too large
	CodeInternal             = "internal"               // 500: a bug (a recovered panic); never expected
	CodeReloadFailed         = "reload_failed"          // 422: the named bundle did not load; the old model keeps serving
	CodeNotRecorded          = "not_recorded"           // 503: the switch could not be recorded (ErrNotRecorded); nothing changed
)

// apiError is an error answered to the client as JSON with an HTTP status.
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errf(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

type errorBody struct {
	Error *apiError `json:"error"`
}

const contentTypeJSON = "application/json; charset=utf-8"

// writeJSON answers v as JSON with the given status. Encoding goes straight into the response
// body; nothing refers to the request afterwards.
func writeJSON(ctx *fasthttp.RequestCtx, status int, v any) error {
	ctx.Response.ResetBody()
	ctx.SetContentType(contentTypeJSON)
	ctx.SetStatusCode(status)
	enc := json.NewEncoder(ctx)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		ctx.Response.ResetBody()
		ctx.SetStatusCode(fasthttp.StatusInternalServerError)
		_, _ = ctx.WriteString(`{"error":{"code":"internal","message":"the response could not be encoded"}}` + "\n")
		return fmt.Errorf("encode response: %w", err)
	}
	return nil
}

// writeBytes answers 200 with the JSON in buf (a newline added) and gives buf back to the pool.
func (s *Server) writeBytes(ctx *fasthttp.RequestCtx, buf *[]byte) {
	*buf = append(*buf, '\n')
	ctx.Response.ResetBody()
	ctx.SetContentType(contentTypeJSON)
	ctx.SetStatusCode(fasthttp.StatusOK)
	ctx.Response.AppendBody(*buf)
	if cap(*buf) <= 64<<10 { // a huge batch answer is not kept for every later request
		s.scratch.Put(buf)
	}
}

// writeError answers e as {"error":{"code":…,"message":…}}.
func writeError(ctx *fasthttp.RequestCtx, e *apiError) {
	masked := *e
	masked.Message = echoed(e.Message)
	_ = writeJSON(ctx, e.Status, errorBody{Error: &masked})
}

// checkContentType accepts application/json with an optional charset=utf-8 parameter
// (case-insensitive, other parameters ignored).
func checkContentType(ct []byte) *apiError {
	bad := func() *apiError {
		return errf(fasthttp.StatusUnsupportedMediaType, CodeUnsupportedMediaType,
			"Content-Type must be application/json (charset=utf-8 allowed)")
	}
	media, params, _ := bytes.Cut(ct, []byte{';'})
	if !bytes.EqualFold(bytes.TrimSpace(media), []byte("application/json")) {
		return bad()
	}
	for len(params) > 0 {
		var p []byte
		p, params, _ = bytes.Cut(params, []byte{';'})
		k, v, _ := bytes.Cut(p, []byte{'='})
		if !bytes.EqualFold(bytes.TrimSpace(k), []byte("charset")) {
			continue
		}
		v = bytes.Trim(bytes.TrimSpace(v), `"`)
		if !bytes.EqualFold(v, []byte("utf-8")) && !bytes.EqualFold(v, []byte("utf8")) {
			return bad()
		}
	}
	return nil
}

// checkEncoding refuses a body with a Content-Encoding other than identity. Bodies are not
// decompressed: a small gzip body can inflate past MaxBodyBytes (a zip bomb), and the gateways
// in front never compress requests. Read as is, a gzip body would be answered invalid_utf8,
// which sends the client looking in the wrong place.
func checkEncoding(h *fasthttp.RequestHeader) *apiError {
	for _, v := range h.PeekAll(fasthttp.HeaderContentEncoding) {
		for len(v) > 0 {
			var coding []byte
			coding, v, _ = bytes.Cut(v, []byte{','})
			if c := bytes.TrimSpace(coding); len(c) > 0 && !bytes.EqualFold(c, []byte("identity")) {
				return errf(fasthttp.StatusUnsupportedMediaType, CodeUnsupportedEncoding,
					"Content-Encoding %.40q is not accepted: send the body uncompressed", c)
			}
		}
	}
	return nil
}

// utf8BOM is the byte order mark a body may start with.
var utf8BOM = []byte("\uFEFF")

// decodeBody decodes a JSON object from body into v, rejecting invalid UTF-8, unknown fields,
// wrongly typed fields and trailing data. Requests and batches take the fast path of
// fastdecode.go when they can; everything else, errors included, is encoding/json's. Both copy
// what they keep, so v never refers to body.
func decodeBody[T any](body []byte, v *T) *apiError {
	body = bytes.TrimPrefix(body, utf8BOM) // some gateways write one; JSON has no use for it
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return errf(fasthttp.StatusBadRequest, CodeInvalidJSON, "the body is empty; send a JSON object")
	}
	if string(trimmed) == "null" { // encoding/json would leave v alone and call that success
		return errf(fasthttp.StatusBadRequest, CodeInvalidJSON, "the body must be a JSON object, not null")
	}
	if !utf8.Valid(body) {
		return errf(fasthttp.StatusBadRequest, CodeInvalidUTF8, "the body is not valid UTF-8")
	}
	switch t := any(v).(type) {
	case *intent.Request:
		if fastDecodeRequest(body, t) {
			return nil
		}
	case *BatchRequest:
		if fastDecodeBatch(body, t) {
			return nil
		}
	}
	// encoding/json decodes into a value of its own (one that escapes to the heap), so that the
	// caller's, which the fast path fills, can stay on the caller's stack.
	var out T
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		e := jsonError(err)
		if _, batch := any(v).(*BatchRequest); batch {
			if me := badMessage(body); me != nil {
				e = me
			}
		}
		return e
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errf(fasthttp.StatusBadRequest, CodeInvalidJSON, "trailing data after the JSON object")
	}
	if e := strictFields(body, reflect.TypeFor[T]()); e != nil {
		return e
	}
	if _, batch := any(v).(*BatchRequest); batch {
		if me := nullMessage(body); me != nil {
			return me
		}
	}
	*v = out
	return nil
}

// badMessage returns the error of the first message of a batch body that does not decode as a
// request on its own, or nil: where the batch's error lies, named as /intent names it
// (messages[1]: field "text" must be a string), not as encoding/json names it in the batch
// (field "messages.text"; a message that is not an object, field "messages" must be an object).
func badMessage(body []byte) *apiError {
	var b struct{ Messages []json.RawMessage }
	if json.Unmarshal(body, &b) != nil {
		return nil
	}
	if me := nullIn(b.Messages); me != nil {
		return me
	}
	for i, m := range b.Messages {
		dec := json.NewDecoder(bytes.NewReader(m))
		dec.DisallowUnknownFields()
		var r intent.Request
		if err := dec.Decode(&r); err != nil {
			at := "messages[" + strconv.Itoa(i) + "]"
			var typ *json.UnmarshalTypeError
			if errors.As(err, &typ) && typ.Field == "" {
				return errf(fasthttp.StatusBadRequest, CodeInvalidField, "%s is %s %s: each message must be an object", at, article(typ.Value), typ.Value)
			}
			e := jsonError(err)
			e.Message = at + ": " + e.Message
			return e
		}
	}
	return nil
}

// nullMessage returns the error of a batch body encoding/json has accepted whose messages
// hold a null, which it reads as a message without text (empty_text); nil otherwise.
func nullMessage(body []byte) *apiError {
	var b struct{ Messages []json.RawMessage }
	if json.Unmarshal(body, &b) != nil {
		return nil
	}
	return nullIn(b.Messages)
}

// nullIn returns the error of the first null among a batch's messages, or nil.
func nullIn(msgs []json.RawMessage) *apiError {
	for i, m := range msgs {
		if string(bytes.TrimSpace(m)) == "null" {
			return errf(fasthttp.StatusBadRequest, CodeInvalidField, "messages[%d] is null: each message must be an object", i)
		}
	}
	return nil
}

// article is "a" or "an" for a JSON kind's name (an array, a number).
func article(kind string) string {
	if kind != "" && strings.ContainsRune("aeiou", rune(kind[0])) {
		return "an"
	}
	return "a"
}

// jsonError maps a json.Decoder error to an API error.
func jsonError(err error) *apiError {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return errf(fasthttp.StatusBadRequest, CodeInvalidJSON, "malformed JSON at byte %d: %s",
			syn.Offset, strings.TrimPrefix(syn.Error(), "json: "))
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errf(fasthttp.StatusBadRequest, CodeInvalidJSON, "truncated JSON")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return errf(fasthttp.StatusBadRequest, CodeInvalidJSON, "the body must be a JSON object")
		}
		// a batch's messages are named messages.<field>
		field := typ.Field[strings.LastIndexByte(typ.Field, '.')+1:]
		if container, ok := requestContainers[field]; ok && typ.Type != nil && typ.Type.Kind() != container.Kind() {
			// encoding/json names the map or list, and the type of the element that was wrong
			return errf(fasthttp.StatusBadRequest, CodeInvalidField, "field %q must be %s of %s", field,
				kindName(container), plural(kindName(container.Elem())))
		}
		return errf(fasthttp.StatusBadRequest, CodeInvalidField, "field %q must be %s", typ.Field, kindName(typ.Type))
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return errf(fasthttp.StatusBadRequest, CodeUnknownField, "unknown field %s", name)
	}
	return errf(fasthttp.StatusBadRequest, CodeInvalidJSON, "invalid JSON: %s", strings.TrimPrefix(msg, "json: "))
}

// requestContainers are intent.Request's map and list fields by JSON name.
var requestContainers = func() map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for _, f := range reflect.VisibleFields(reflect.TypeFor[intent.Request]()) {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if k := f.Type.Kind(); name != "" && name != "-" && (k == reflect.Map || k == reflect.Slice) {
			out[name] = f.Type
		}
	}
	return out
}()

// plural turns kindName's "a string" into "strings".
func plural(kind string) string {
	_, noun, _ := strings.Cut(kind, " ")
	return noun + "s"
}

// kindName names the JSON value t decodes from for an API client: "a string", "an integer".
func kindName(t reflect.Type) string {
	if t == nil {
		return "of another type"
	}
	if k := jsonkind.Of(t); k != jsonkind.Other {
		return apiKindWords[k]
	}
	return "of type " + t.String()
}

// apiKindWords are the words of kindName for each kind.
var apiKindWords = [...]string{
	jsonkind.String:  "a string",
	jsonkind.Integer: "an integer",
	jsonkind.Number:  "a number",
	jsonkind.Bool:    "a boolean",
	jsonkind.Array:   "an array",
	jsonkind.Object:  "an object",
}

// blank reports whether s has nothing but white space (Unicode, including the ideographic
// space U+3000), invisible format characters such as zero-width spaces and BOMs, marks with
// nothing to combine with (variation selectors, U+034F), and the characters that render as
// nothing: the Hangul fillers and the blank Braille pattern, used to send "empty" messages;
// and control characters (NUL, BEL, ESC), which normalisation drops: a text of them alone
// would be decided as nothing at all, handed to an agent "no words to understand".
func blank(s string) bool {
	for _, r := range s {
		switch {
		case unicode.IsSpace(r), unicode.In(r, unicode.Cc, unicode.Cf, unicode.Mn, unicode.Me):
		case r == 0x115F, r == 0x1160, r == 0x3164, r == 0xFFA0, r == 0x2800:
		default:
			return false
		}
	}
	return true
}

// checkMessage validates one message: its text (checkText) and its sent_at, which it reads as
// seconds when it is under secondsBelow (WeCom callbacks and 微信客服 count seconds; the API
// milliseconds).
func checkMessage(req *intent.Request, maxBytes int) *apiError {
	if e := checkText(req.Text, maxBytes); e != nil {
		return e
	}
	if e := checkFields(req); e != nil {
		return e
	}
	if req.Channel != "" && !slices.Contains(rules.Channels, req.Channel) {
		// a gateway's typo is an error, not a channel no rule ever matches
		return errf(fasthttp.StatusBadRequest, CodeInvalidField, "channel %q: want one of %s, or leave it out", req.Channel, strings.Join(rules.Channels, ", "))
	}
	switch at := req.SentAt; {
	case at < 0 || at > maxSentAt:
		return errf(fasthttp.StatusBadRequest, CodeInvalidField, "sent_at %d is not a time: want Unix milliseconds (or seconds), such as %d", at, time.Now().UnixMilli())
	case at > 0 && at < secondsBelow:
		req.SentAt = at * 1000
	}
	return nil
}

// Bounds of a message's other fields: an id is kept in every turn of its conversation and in the
// decision log, and /feedback names a message by an id of at most maxLoggedID bytes.
const (
	maxListItems = 100  // dept_ids, tags
	maxVars      = 50   // vars
	maxVarBytes  = 1024 // a vars value
)

// checkFields bounds the ids, lists and vars of a message.
func checkFields(req *intent.Request) *apiError {
	for _, f := range [...]struct{ name, v string }{{"msg_id", req.MsgID}, {"sender_id", req.SenderID}, {"chat_id", req.ChatID},
		{"open_kfid", req.OpenKfID}, {"agent_id", req.AgentID}} {
		if len(f.v) > maxLoggedID {
			return errf(fasthttp.StatusBadRequest, CodeInvalidField, "%s is %d bytes; the limit is %d", f.name, len(f.v), maxLoggedID)
		}
		if f.v != "" && blank(f.v) {
			// a gateway's bug, not an id: a chat_id of one space made every customer one
			// conversation, a msg_id of one made each message a retry of the first
			return errf(fasthttp.StatusBadRequest, CodeInvalidField, "%s is only white space; leave it out or send the id", f.name)
		}
	}
	for _, l := range [...]struct {
		name string
		v    []string
	}{{"dept_ids", req.DeptIDs}, {"tags", req.Tags}} {
		if len(l.v) > maxListItems {
			return errf(fasthttp.StatusBadRequest, CodeInvalidField, "%s has %d items; the limit is %d", l.name, len(l.v), maxListItems)
		}
		for i, v := range l.v {
			if v == "" {
				// encoding/json reads null as "" too: an item that names nothing is a client's bug
				return errf(fasthttp.StatusBadRequest, CodeInvalidField, "%s[%d] is empty or null; each item must be a non-empty string", l.name, i)
			}
			if len(v) > maxLoggedID {
				return errf(fasthttp.StatusBadRequest, CodeInvalidField, "%s[%d] is %d bytes; the limit is %d", l.name, i, len(v), maxLoggedID)
			}
			if blank(v) {
				return errf(fasthttp.StatusBadRequest, CodeInvalidField, "%s[%d] is only white space; leave it out or send the id", l.name, i)
			}
		}
	}
	if len(req.Vars) > maxVars {
		return errf(fasthttp.StatusBadRequest, CodeInvalidField, "vars has %d entries; the limit is %d", len(req.Vars), maxVars)
	}
	for k, v := range req.Vars {
		if len(k) > maxLoggedID {
			return errf(fasthttp.StatusBadRequest, CodeInvalidField, "vars: a name is %d bytes; the limit is %d", len(k), maxLoggedID)
		}
		if len(v) > maxVarBytes {
			return errf(fasthttp.StatusBadRequest, CodeInvalidField, "vars[%q] is %d bytes; the limit is %d", k, len(v), maxVarBytes)
		}
	}
	return nil
}

const (
	// secondsBelow: a sent_at under it (1973-03-03 in milliseconds, the year 5138 in seconds)
	// counts seconds.
	secondsBelow = 100_000_000_000
	// maxSentAt is the last millisecond of the year 9999.
	maxSentAt = 253_402_300_799_999
)

// checkText validates one message's text.
func checkText(text string, maxBytes int) *apiError {
	if blank(text) {
		return errf(fasthttp.StatusBadRequest, CodeEmptyText, "text is missing, empty or only white space")
	}
	if len(text) > maxBytes {
		return errf(fasthttp.StatusBadRequest, CodeTextTooLong, "text is %d bytes; the limit is %d UTF-8 bytes", len(text), maxBytes)
	}
	return nil
}

// batchOver reports whether a batch body's top-level array (its "messages") holds more than
// limit elements, reading no further than the element past the limit and allocating nothing.
// It does not validate: a body it passes is decoded, and refused there if it is not JSON.
func batchOver(body []byte, limit int) bool {
	depth, n := 0, 0
	inArray, elementNext := false, false // at depth 2: inside an array; the next byte begins an element
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			continue
		}
		if depth == 2 && inArray && elementNext && c != ']' {
			elementNext = false
			if n++; n > limit {
				return true
			}
		}
		switch c {
		case '"':
			for i++; i < len(body) && body[i] != '"'; i++ {
				if body[i] == '\\' {
					i++
				}
			}
		case '{', '[':
			if depth++; depth == 2 {
				inArray, elementNext, n = c == '[', c == '[', 0
			}
		case '}', ']':
			depth--
		case ',':
			elementNext = elementNext || depth == 2 && inArray
		}
	}
	return false
}
