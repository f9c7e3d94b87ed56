package serve

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// FuzzIntentHandler feeds arbitrary bodies to POST /intent (with and without ?debug=1) and
// checks that the answer is never a 5xx and always valid JSON: a result for 200, an error
// object for 4xx. The seed corpus runs in go test; fuzz with
//
//	go test -run '^$' -fuzz FuzzIntentHandler ./serve
func FuzzIntentHandler(f *testing.F) {
	for _, seed := range []string{
		`{"text":"东西不要了怎么寄回去","msg_id":"m1","sender_id":"wm1","channel":"wecom","chat_id":"c","sent_at":1730000000000}`,
		`{"text":"快递到哪了"}`,
		`{"text":""}`,
		`{"text":"   "}`,
		`{"text":"\u3000\u200b"}`,
		`{"text":"` + strings.Repeat("好", 700) + `"}`,
		"{\"text\":\"\xff\"}",
		`{"text":"\ud800"}`,
		`{"text":"退货","msg_id":1}`,
		`{"text":"退货","sent_at":"x"}`,
		`{"text":"退货","sent_at":1e30}`,
		`{"text":"退货","extra":true}`,
		`{"text":"退货"} trailing`,
		`{"text":"退货"`,
		`[]`, `null`, `""`, `0`, `{}`, ``, ` `, `{"text":null}`,
		`{"TEXT":"退货"}`,
		`{"text":"退货","text":"快递"}`,
		`{"text":"a\u0000b"}`,
		`{"text":"13812345678 zhang@example.com"}`,
		`{"text":"panic!"}`,
		`{"text":{"nested":[1,2,{"x":null}]}}`,
	} {
		f.Add([]byte(seed), false)
		f.Add([]byte(seed), true)
	}
	s, err := New(Config{}, func(context.Context, string) (Engine, error) {
		return &fakeEngine{version: "fuzz"}, nil // never panics
	}, nil)
	if err != nil {
		f.Fatal(err)
	}
	h := s.Handler()
	f.Fuzz(func(t *testing.T, body []byte, debug bool) {
		var req fasthttp.Request
		req.Header.SetMethod(fasthttp.MethodPost)
		uri := "/intent"
		if debug {
			uri += "?debug=1"
		}
		req.SetRequestURI(uri)
		req.Header.SetContentType("application/json")
		req.SetBody(body)
		var ctx fasthttp.RequestCtx
		ctx.Init(&req, nil, nil)
		h(&ctx)
		status := ctx.Response.StatusCode()
		out := ctx.Response.Body()
		if status >= 500 {
			t.Fatalf("status %d for %q: %s", status, body, out)
		}
		if !json.Valid(out) {
			t.Fatalf("invalid JSON for %q: %s", body, out)
		}
		switch {
		case status == 200:
			var res intent.Result
			if err := json.Unmarshal(out, &res); err != nil || res.Intent == "" || res.Route == "" {
				t.Fatalf("bad result for %q: %v %s", body, err, out)
			}
		case status >= 400 && status < 500:
			var e errorBody
			if err := json.Unmarshal(out, &e); err != nil || e.Error == nil || e.Error.Code == "" {
				t.Fatalf("bad error for %q: %v %s", body, err, out)
			}
		default:
			t.Fatalf("status %d for %q", status, body)
		}
	})
}
