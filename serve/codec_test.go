package serve

import (
	"encoding/json"
	"log/slog"
	"testing"
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
