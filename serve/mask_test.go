package serve

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/store"
)

func TestMasking(t *testing.T) {
	for in, want := range map[string]string{
		"13812345678":                             "<PHONE>",
		"id-13812345678-x":                        "id-<PHONE>-x",
		"123138123456789":                         "123138123456789", // part of a longer number: an id, kept
		"12345678901":                             "12345678901",     // not a mobile prefix
		"CAQQluDa4QUY0On2rYSA":                    "CAQQluDa4QUY0On2rYSA",
		"+8613812345678":                          "<PHONE>",
		"ID-138-1234-5678":                        "ID-<PHONE>",
		strings.Repeat("a", 200):                  strings.Repeat("a", 128) + "…",
		strings.Repeat("a", 250) + "13812345678":  strings.Repeat("a", 128) + "…",
		strings.Repeat("a", 120) + " 13812345678": strings.Repeat("a", 120) + " <PHONE>",
		strings.Repeat("a", 250) + " 一三八一二三四五六七八":       strings.Repeat("a", 128) + "…",
		strings.Repeat("a", 250) + " zhang@example.com": strings.Repeat("a", 128) + "…",
		"wm" + strings.Repeat("x", 100<<10):             "wm" + strings.Repeat("x", 126) + "…", // as a cluster sheet names it (nlp.MaskID)
	} {
		if got := maskID(in); got != want {
			t.Errorf("maskID(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"call 13812345678 now":       "call <PHONE> now",
		"card 6222021234567890128":   "card <BANKCARD>",
		"id 110101199003074514 x":    "id <IDCARD> x",
		"mail zhang.san@example.com": "mail <EMAIL>",
		"order 123456 ok":            "order 123456 ok",
		"a@b":                        "a@b",
		// the rest as written: a path, a rule id and a time zone keep their case
		`/tmp/RulesDir/Live.yaml:4: rule "Hotline": 13812345678 in Asia/Shanghai`: `/tmp/RulesDir/Live.yaml:4: rule "Hotline": <PHONE> in Asia/Shanghai`,
		// forms only the normalised text shows as personal data are still masked
		"Call １３８１２３４５６７８ Now":   "Call <PHONE> Now",
		"Mail ZHANG＠EXAMPLE．COM": "mail <EMAIL>", // normalised: only then is it an address
	} {
		if got := redact(in, 100); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestErrorsEchoMasked: an error answer quotes what the client sent; personal data in it comes
// back masked, as a msg_id and a query key already did (the channel, a field's name, a vars key,
// thumbs, correct_intent and since were quoted whole; the fake engine takes any correct_intent).
func TestErrorsEchoMasked(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(context.Background(), store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ts, _ := recorded(t, db, dir)
	ts.do("POST", "/intent", `{"text":"退货","msg_id":"m-1"}`, nil)
	for _, tt := range []struct{ path, body, code string }{
		{"/intent", `{"text":"退货","channel":"13912345678"}`, CodeInvalidField},
		{"/intent", `{"text":"退货","13912345678":1}`, CodeUnknownField},
		{"/intent", `{"text":"退货","zhang.san@example.com":1,"text":"x"}`, CodeUnknownField},
		{"/intent", `{"text":"退货","１３９１２３４５６７８":1}`, CodeUnknownField},
		{"/intent", `{"text":"退货","vars":{"13912345678":"a","13912345678":"b"}}`, CodeInvalidJSON},
		{"/feedback", `{"msg_id":"m-1","thumbs":"13912345678"}`, CodeInvalidField},
	} {
		r := ts.do("POST", tt.path, tt.body, nil)
		var e errorBody
		if err := json.Unmarshal(r.body, &e); err != nil || e.Error == nil || e.Error.Code != tt.code {
			t.Errorf("%s %s: %d %s, want %s", tt.path, tt.body, r.status, r.body, tt.code)
			continue
		}
		if m := e.Error.Message; strings.Contains(m, "13912345678") || strings.Contains(m, "１３９") || strings.Contains(m, "zhang.san") || !strings.Contains(m, "<") {
			t.Errorf("%s %s: message %q quotes the data unmasked", tt.path, tt.body, m)
		}
	}
	// a message with nothing to mask is as it was
	r := ts.do("POST", "/intent", `{"text":"退货","channel":"WeCom"}`, nil)
	if !strings.Contains(string(r.body), `channel \"WeCom\": want one of`) {
		t.Errorf("channel WeCom: %s", r.body)
	}
}

func TestEchoed(t *testing.T) {
	for in, want := range map[string]string{
		`unknown field "13912345678"`:                     `unknown field "<PHONE>"`,
		`channel "１３９１２３４５６７８": want one of wecom`:        `channel "<PHONE>": want one of wecom`,
		"the body is over the limit of 10737418240 bytes": "the body is over the limit of 10737418240 bytes",
		`field "Text" appears twice`:                      `field "Text" appears twice`,
	} {
		if got := echoed(in); got != want {
			t.Errorf("echoed(%q) = %q, want %q", in, got, want)
		}
	}
}
