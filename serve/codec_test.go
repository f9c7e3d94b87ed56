package serve

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// TestStrictJSON: a body of null is not an object, a field may appear once, and field names
// match exactly (encoding/json alone takes the last duplicate and folds case, ſ to s included).
func TestStrictJSON(t *testing.T) {
	ts := startServer(t, Config{AdminToken: "t"}, nil, slog.LevelInfo)
	auth := map[string]string{"Authorization": "Bearer t"}
	f := func(path, body, code string, hdr map[string]string) {
		t.Helper()
		r := ts.do("POST", path, body, hdr)
		var e errorBody
		if err := json.Unmarshal(r.body, &e); err != nil || e.Error == nil || r.status != 400 || e.Error.Code != code {
			t.Errorf("%s %s: %d %s, want 400 %s", path, body, r.status, r.body, code)
		}
	}
	f("/intent", `null`, CodeInvalidJSON, nil)
	f("/intent", " null\n", CodeInvalidJSON, nil)
	f("/intent/batch", `null`, CodeInvalidJSON, nil)
	f("/admin/reload", `null`, CodeInvalidJSON, auth)
	f("/intent", `{"text":"退货","text":null}`, CodeInvalidJSON, nil)
	f("/intent", `{"text":"退货","msg_id":"a","msg_id":"b"}`, CodeInvalidJSON, nil)
	f("/intent", `{"text":"退货","TEXT":"快递"}`, CodeUnknownField, nil)
	f("/intent", `{"Text":"退货"}`, CodeUnknownField, nil)
	f("/intent", `{"text":"退货","ſender_id":"wm1"}`, CodeUnknownField, nil)
	f("/intent", `{"text":"退货","Sent_At":1}`, CodeUnknownField, nil)
	f("/intent/batch", `{"messages":[{"text":"a"}],"messages":[{"text":"b"}]}`, CodeInvalidJSON, nil)
	f("/intent/batch", `{"messages":[{"text":"a","text":"b"}]}`, CodeInvalidJSON, nil)
	f("/intent/batch", `{"Messages":[{"text":"a"}]}`, CodeUnknownField, nil)
	// a message of null is not a message without text: it is not an object
	f("/intent/batch", `{"messages":[{"text":"a"},null]}`, CodeInvalidField, nil)
	f("/intent/batch", `{"messages":[ null ]}`, CodeInvalidField, nil)
	f("/intent/batch", `{"messages":[{"text":"a"},{"TEXT":"b"}]}`, CodeUnknownField, nil)
	f("/admin/reload", `{"model":"models/v2","model":"models/v3"}`, CodeInvalidJSON, auth)
	f("/admin/reload", `{"Model":"models/v2"}`, CodeUnknownField, auth)
	// what stays fine: escapes in names and values, whitespace, every field once
	for path, body := range map[string]string{
		"/intent":       `{ "te\u0078t" : "退货", "msg_id":"m\"1", "sender_id":null, "channel":"wecom", "chat_id":"", "sent_at":1730000000000 }`,
		"/intent/batch": `{"messages":[{"text":"退货"},{"text":"快递","msg_id":"2"}]}`,
	} {
		if r := ts.do("POST", path, body, nil); r.status != 200 {
			t.Errorf("%s %s: %d %s", path, body, r.status, r.body)
		}
	}
}

// sent_at counts milliseconds; a value that can only be seconds (WeCom, 微信客服) is read as such.
func TestCheckMessageSentAt(t *testing.T) {
	for _, c := range []struct {
		in, want int64
		ok       bool
	}{
		{0, 0, true},                         // not given: the server's clock
		{1794538800000, 1794538800000, true}, // milliseconds
		{1794538800, 1794538800000, true},    // seconds
		{99_999_999_999, 99_999_999_999_000, true},
		{100_000_000_000, 100_000_000_000, true}, // 1973 in milliseconds
		{-1, 0, false},
		{maxSentAt + 1, 0, false},
	} {
		req := intent.Request{Text: "在吗", SentAt: c.in}
		e := checkMessage(&req, 2048)
		if (e == nil) != c.ok || c.ok && req.SentAt != c.want {
			t.Errorf("sent_at %d: %v, read as %d; want ok=%v, %d", c.in, e, req.SentAt, c.ok, c.want)
		}
		if e != nil && e.Code != CodeInvalidField {
			t.Errorf("sent_at %d: code %s, want %s", c.in, e.Code, CodeInvalidField)
		}
	}
}

// A wrong value inside a map or list field is named as such, not as the field's own type.
func TestJSONErrorInsideContainers(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{`{"text":"a","vars":{"nickname":1}}`, `field "vars" must be an object of strings`},
		{`{"text":"a","tags":["vip",2]}`, `field "tags" must be an array of strings`},
		{`{"text":"a","tags":"vip"}`, `field "tags" must be an array`},
		{`{"text":"a","msg_id":1}`, `field "msg_id" must be a string`},
		{`{"messages":[{"text":"a","vars":{"nickname":1}}]}`, `field "vars" must be an object of strings`},
	} {
		var req any = &intent.Request{}
		if strings.HasPrefix(c.body, `{"messages"`) {
			req = &BatchRequest{}
		}
		err := json.Unmarshal([]byte(c.body), req)
		if err == nil {
			t.Fatalf("%s: decoded", c.body)
		}
		if e := jsonError(err); e.Code != CodeInvalidField || e.Message != c.want {
			t.Errorf("%s: %s %q, want %s %q", c.body, e.Code, e.Message, CodeInvalidField, c.want)
		}
	}
}

// batchOver counts a batch's messages without decoding them, whatever their strings hold.
func TestBatchOver(t *testing.T) {
	for _, c := range []struct {
		body  string
		limit int
		want  bool
	}{
		{`{"messages":[]}`, 0, false},
		{`{"messages":[ ]}`, 0, false},
		{`{"messages":[{}]}`, 1, false},
		{`{"messages":[{}]}`, 0, true},
		{`{"messages":[{"text":"a,b],[{"},{}]}`, 1, true},
		{`{"messages":[{"text":"a,b],[{"},{}]}`, 2, false},
		{`{"messages":[{"text":"a\"],[,"},{}]}`, 1, true},
		{`{"messages":[{"tags":["x","y","z"]},{"vars":{"a":"1","b":"2"}}]}`, 2, false},
		{"{\"messages\":[null, \"x\",\n 1]}", 2, true},
		{`{"messages":null}`, 0, false},
		{`{"messages":[{},{},{}`, 2, true}, // truncated: refused as too large rather than decoded
	} {
		if got := batchOver([]byte(c.body), c.limit); got != c.want {
			t.Errorf("batchOver(%s, %d) = %v, want %v", c.body, c.limit, got, c.want)
		}
	}
}

// A batch's bad message is named by its index and its error reads as /intent's would: the
// field is "text", not encoding/json's "messages.text", and a message that is not an object
// is said to be one, not "field \"messages\" must be an object".
func TestBatchMessageErrorNames(t *testing.T) {
	for _, c := range []struct{ body, code, want string }{
		{`{"messages":[{"text":"a"},{"text":1}]}`, CodeInvalidField, `messages[1]: field "text" must be a string`},
		{`{"messages":[{"text":"a","sent_at":"1"}]}`, CodeInvalidField, `messages[0]: field "sent_at" must be an integer`},
		{`{"messages":[{"text":"a","tags":"vip"}]}`, CodeInvalidField, `messages[0]: field "tags" must be an array`},
		{`{"messages":[{"text":"a"},1]}`, CodeInvalidField, `messages[1] is a number: each message must be an object`},
		{`{"messages":[["a"]]}`, CodeInvalidField, `messages[0] is an array: each message must be an object`},
		{`{"messages":[{"text":"a"},{"txt":"b"}]}`, CodeUnknownField, `messages[1]: unknown field "txt"`},
	} {
		var req BatchRequest
		e := decodeBody([]byte(c.body), &req)
		if e == nil || e.Code != c.code || e.Message != c.want {
			t.Errorf("%s: %v, want %s %q", c.body, e, c.code, c.want)
		}
	}
}

// A var past its bound is named as the other fields are: which bound, how far past it, and
// for a value the var it fills.
func TestVarsBoundNamed(t *testing.T) {
	for _, c := range []struct {
		vars map[string]string
		want string
	}{
		{map[string]string{strings.Repeat("n", 129): "小王"}, "vars: a name is 129 bytes; the limit is 128"},
		{map[string]string{"nickname": strings.Repeat("王", 342)}, `vars["nickname"] is 1026 bytes; the limit is 1024`},
	} {
		req := intent.Request{Text: "在吗", Vars: c.vars}
		if e := checkMessage(&req, 2048); e == nil || e.Code != CodeInvalidField || e.Message != c.want {
			t.Errorf("%v, want %s %q", e, CodeInvalidField, c.want)
		}
	}
	req := intent.Request{Text: "在吗", Vars: map[string]string{strings.Repeat("n", 128): strings.Repeat("v", 1024)}}
	if e := checkMessage(&req, 2048); e != nil {
		t.Errorf("at the bounds: %v", e)
	}
}
