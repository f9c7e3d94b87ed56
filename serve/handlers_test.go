package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/store"
)

// TestUnknownPathListsRoutes: the 404 of an unknown path names the routes the server has: the
// admin ones only with an admin token, each optional part only when it is wired.
func TestUnknownPathListsRoutes(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(context.Background(), store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rec, err := store.NewRecorder(db, store.RecorderConfig{DataDir: dir, FlushInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	parent := func(string) (string, error) { return "", errors.New("no parent") }
	unmatched := func(context.Context, Engine, time.Time) (any, error) { return []string{}, nil }
	console := func(ctx *fasthttp.RequestCtx) {}
	base := []string{"POST /intent", "POST /intent/batch", "GET /healthz", "GET /readyz", "GET /metrics"}
	for _, tc := range []struct {
		name        string
		token       string
		opts        []Option
		want, avoid []string
	}{
		{"bare", "", nil, base, []string{"/feedback", "/admin", "/console"}},
		{"decision log", "", []Option{WithRecorder(rec, db.Hash)}, append(base, "POST /feedback"), []string{"/admin", "/console"}},
		{"parts without a token", "", []Option{WithRecorder(rec, db.Hash), WithRollback(parent), WithUnmatched(unmatched), WithConsole(console)},
			[]string{"POST /feedback"}, []string{"/admin", "/console"}},
		{"admin token only", "t", nil, append(base, "POST /admin/reload"), []string{"/feedback", "/admin/rollback", "/admin/unmatched", "/console"}},
		{"everything", "t", []Option{WithRecorder(rec, db.Hash), WithRollback(parent), WithUnmatched(unmatched), WithConsole(console)},
			append(base, "POST /feedback", "POST /admin/reload", "POST /admin/rollback", "GET /admin/unmatched", "/console"), nil},
		{"everything, asked without the token", "t", []Option{WithRecorder(rec, db.Hash), WithRollback(parent), WithUnmatched(unmatched), WithConsole(console)},
			append(base, "POST /feedback"), []string{"/admin", "/console"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, Config{AdminToken: tc.token}, nil, slog.LevelInfo, tc.opts...)
			var hdr map[string]string
			if tc.token != "" && !strings.Contains(tc.name, "without the token") {
				hdr = map[string]string{"Authorization": "Bearer " + tc.token}
			}
			r := ts.do("GET", "/nope", "", hdr)
			var e errorBody
			if r.status != 404 || json.Unmarshal(r.body, &e) != nil || e.Error == nil || e.Error.Code != CodeNotFound {
				t.Fatalf("GET /nope: %d %s", r.status, r.body)
			}
			for _, w := range tc.want {
				if !strings.Contains(e.Error.Message, w) {
					t.Errorf("%q does not name %s", e.Error.Message, w)
				}
			}
			for _, a := range tc.avoid {
				if strings.Contains(e.Error.Message, a) {
					t.Errorf("%q names %s, which this server does not have", e.Error.Message, a)
				}
			}
		})
	}
}

func decodeResult(t *testing.T, r response) intent.Result {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("status %d, body %s", r.status, r.body)
	}
	var res intent.Result
	if err := json.Unmarshal(r.body, &res); err != nil {
		t.Fatalf("result is not JSON: %v: %s", err, r.body)
	}
	return res
}

func TestIntent(t *testing.T) {
	ts := startServer(t, Config{}, nil, slog.LevelInfo)
	r := ts.do("POST", "/intent", `{"text":"东西不要了怎么寄回去","msg_id":"m-1","sender_id":"wmABC","channel":"wecom","chat_id":"c1","sent_at":1730000000000}`, nil)
	res := decodeResult(t, r)
	if res.Intent != "return_goods" || res.Route != intent.RouteAuto || res.MsgID != "m-1" || res.Model != "fake-shop" || res.Answer == nil {
		t.Fatalf("unexpected result %+v", res)
	}
	if res.Debug != nil {
		t.Fatalf("debug without ?debug=1")
	}
	if ct := r.header["Content-Type"]; ct != contentTypeJSON {
		t.Fatalf("Content-Type %q", ct)
	}
	if r.header["X-Request-Id"] == "" {
		t.Fatalf("no X-Request-Id")
	}
	// candidates and rewrites are arrays, never null
	var raw map[string]json.RawMessage
	_ = json.Unmarshal(ts.do("POST", "/intent", `{"text":"随便聊聊"}`, nil).body, &raw)
	if string(raw["candidates"]) != "[]" || string(raw["rewrites"]) != "[]" || string(raw["intent"]) != `"none"` {
		t.Fatalf("candidates %s rewrites %s intent %s", raw["candidates"], raw["rewrites"], raw["intent"])
	}
	// the client's request id is echoed
	r = ts.do("POST", "/intent", `{"text":"快递到哪了"}`, map[string]string{"X-Request-Id": "gw-42"})
	if got := r.header["X-Request-Id"]; got != "gw-42" {
		t.Fatalf("X-Request-Id %q", got)
	}
	// charset is allowed
	r = ts.do("POST", "/intent", `{"text":"快递到哪了"}`, map[string]string{"Content-Type": "application/json; charset=UTF-8"})
	if res := decodeResult(t, r); res.Intent != "logistics" {
		t.Fatalf("got %+v", res)
	}
	// ?debug=1 sets Request.Debug
	res = decodeResult(t, ts.do("POST", "/intent?debug=1", `{"text":"我要退货 13812345678"}`, nil))
	if res.Debug == nil || res.Debug.Text != "我要退货 <num>" {
		t.Fatalf("debug %+v", res.Debug)
	}
}

func TestBatch(t *testing.T) {
	ts := startServer(t, Config{}, nil, slog.LevelInfo)
	texts := []string{"我要退货", "快递呢", "今天天气", "转人工", "东西不要了"}
	want := []string{"return_goods", "logistics", "none", "human", "return_goods"}
	var msgs []string
	for i, tx := range texts {
		msgs = append(msgs, fmt.Sprintf(`{"text":%q,"msg_id":"b%d"}`, tx, i))
	}
	r := ts.do("POST", "/intent/batch", `{"messages":[`+strings.Join(msgs, ",")+`]}`, nil)
	if r.status != 200 {
		t.Fatalf("status %d %s", r.status, r.body)
	}
	var out BatchResponse
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Results) != len(want) {
		t.Fatalf("%d results", len(out.Results))
	}
	for i, res := range out.Results {
		if res.Intent != want[i] || res.MsgID != fmt.Sprintf("b%d", i) {
			t.Errorf("result %d: %s %s, want %s b%d", i, res.Intent, res.MsgID, want[i], i)
		}
	}
	// exactly the limit is fine
	ts2 := startServer(t, Config{MaxBatch: 3}, nil, slog.LevelInfo)
	if r := ts2.do("POST", "/intent/batch", `{"messages":[{"text":"a"},{"text":"b"},{"text":"c"}]}`, nil); r.status != 200 {
		t.Fatalf("batch at limit: %d %s", r.status, r.body)
	}
}

func TestProbesAndMetrics(t *testing.T) {
	ts := startServer(t, Config{}, nil, slog.LevelInfo)
	if r := ts.do("GET", "/healthz", "", nil); r.status != 200 || !json.Valid(r.body) {
		t.Fatalf("healthz %d %s", r.status, r.body)
	}
	if r := ts.do("HEAD", "/healthz", "", nil); r.status != 200 {
		t.Fatalf("HEAD healthz %d", r.status)
	}
	r := ts.do("GET", "/readyz", "", nil)
	if r.status != 200 || !strings.Contains(string(r.body), `"model":"fake-shop"`) {
		t.Fatalf("readyz %d %s", r.status, r.body)
	}
	// draining, /readyz answers 503: an answer for the load balancer, not an error to log as one
	ts.draining.Store(true)
	if r := ts.do("GET", "/readyz", "", nil); r.status != 503 {
		t.Fatalf("readyz while draining: %d %s", r.status, r.body)
	}
	ts.draining.Store(false)
	if logs := ts.logs.String(); strings.Contains(logs, `"level":"ERROR"`) {
		t.Errorf("readyz's 503 was logged as an error:\n%s", logs)
	}
	ts.do("POST", "/intent", `{"text":"我要退货"}`, nil)
	ts.do("POST", "/intent", `{"text":"今天天气"}`, nil)
	ts.do("POST", "/intent", `{"text":""}`, nil)
	ts.do("GET", "/no/such/path", "", nil)
	r = ts.do("GET", "/metrics", "", nil)
	if r.status != 200 || !strings.HasPrefix(r.header["Content-Type"], "text/plain") {
		t.Fatalf("metrics %d %q", r.status, r.header["Content-Type"])
	}
	body := string(r.body)
	for _, want := range []string{
		`zhiyi_http_requests_total{route="/intent",status="200"} 2`,
		`zhiyi_http_requests_total{route="/intent",status="400"} 1`,
		`zhiyi_http_requests_total{route="other",status="404"} 1`,
		`zhiyi_http_request_duration_seconds_bucket{route="/intent",le="+Inf"} 3`,
		`zhiyi_http_request_duration_seconds_count{route="/intent"} 3`,
		`# TYPE zhiyi_http_request_duration_seconds histogram`,
		`zhiyi_intents_total{intent="return_goods"} 1`,
		`zhiyi_intents_total{intent="none"} 1`,
		`zhiyi_routes_total{route="auto"} 1`,
		`zhiyi_routes_total{route="handoff"} 1`,
		`zhiyi_out_of_scope_total 1`,
		`zhiyi_model_info{version="fake-shop"} 1`,
		`zhiyi_model_load_duration_seconds `,
		`zhiyi_model_loaded_timestamp_seconds `,
		`zhiyi_model_reloads_total{result="ok"} 1`,
		`go_goroutines `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if t.Failed() {
		t.Log(body)
	}
}

func TestBadInput(t *testing.T) {
	ts := startServer(t, Config{MaxBatch: 3, MaxBodyBytes: 8 << 10}, nil, slog.LevelInfo)
	long := strings.Repeat("好", 683) // 2049 bytes
	cases := []struct {
		name, method, path, body string
		hdr                      map[string]string
		status                   int
		code                     string
	}{
		{"empty text", "POST", "/intent", `{"text":""}`, nil, 400, CodeEmptyText},
		{"missing text", "POST", "/intent", `{"msg_id":"x"}`, nil, 400, CodeEmptyText},
		{"null text", "POST", "/intent", `{"text":null}`, nil, 400, CodeEmptyText},
		{"whitespace text", "POST", "/intent", `{"text":" \t\n\r "}`, nil, 400, CodeEmptyText},
		{"ideographic space and zero-width", "POST", "/intent", `{"text":"\u3000\u200b\ufeff"}`, nil, 400, CodeEmptyText},
		{"fillers, blank Braille and lone marks", "POST", "/intent", `{"text":"\u3164\u2800\ufe0f\u034f\uffa0"}`, nil, 400, CodeEmptyText},
		{"control characters only", "POST", "/intent", `{"text":"\u0000\u0007\u001b\u007f "}`, nil, 400, CodeEmptyText},
		{"text too long", "POST", "/intent", `{"text":"` + long + `"}`, nil, 400, CodeTextTooLong},
		{"invalid utf8", "POST", "/intent", "{\"text\":\"\xff\xfe退货\"}", nil, 400, CodeInvalidUTF8},
		{"invalid utf8 elsewhere", "POST", "/intent", "{\"text\":\"退货\",\"msg_id\":\"\xc3\"}", nil, 400, CodeInvalidUTF8},
		{"malformed json", "POST", "/intent", `{"text":"退货",}`, nil, 400, CodeInvalidJSON},
		{"a var given twice", "POST", "/intent", `{"text":"退货","vars":{"nickname":"小王","nickname":"小李"}}`, nil, 400, CodeInvalidJSON},
		{"truncated json", "POST", "/intent", `{"text":"退`, nil, 400, CodeInvalidJSON},
		{"not json", "POST", "/intent", `text=退货`, nil, 400, CodeInvalidJSON},
		{"array body", "POST", "/intent", `["退货"]`, nil, 400, CodeInvalidJSON},
		{"string body", "POST", "/intent", `"退货"`, nil, 400, CodeInvalidJSON},
		{"trailing data", "POST", "/intent", `{"text":"退货"} {"text":"x"}`, nil, 400, CodeInvalidJSON},
		{"empty body", "POST", "/intent", ``, map[string]string{"Content-Type": "application/json"}, 400, CodeInvalidJSON},
		{"unknown field", "POST", "/intent", `{"text":"退货","txt":"x"}`, nil, 400, CodeUnknownField},
		{"debug is not a body field", "POST", "/intent", `{"text":"退货","debug":true}`, nil, 400, CodeUnknownField},
		{"msg_id number", "POST", "/intent", `{"text":"退货","msg_id":12345}`, nil, 400, CodeInvalidField},
		{"sent_at string", "POST", "/intent", `{"text":"退货","sent_at":"yesterday"}`, nil, 400, CodeInvalidField},
		{"sent_at float", "POST", "/intent", `{"text":"退货","sent_at":1.5}`, nil, 400, CodeInvalidField},
		{"sent_at negative", "POST", "/intent", `{"text":"退货","sent_at":-1}`, nil, 400, CodeInvalidField},
		// ids as /feedback takes them, and lists and vars bounded
		{"msg_id of 129 bytes", "POST", "/intent", `{"text":"退货","msg_id":"` + strings.Repeat("m", 129) + `"}`, nil, 400, CodeInvalidField},
		{"sender_id of 129 bytes", "POST", "/intent", `{"text":"退货","sender_id":"` + strings.Repeat("s", 129) + `"}`, nil, 400, CodeInvalidField},
		{"101 tags", "POST", "/intent", `{"text":"退货","tags":["t"` + strings.Repeat(`,"t"`, 100) + `]}`, nil, 400, CodeInvalidField},
		{"a null tag", "POST", "/intent", `{"text":"退货","tags":["vip",null]}`, nil, 400, CodeInvalidField},
		{"an empty dept id", "POST", "/intent", `{"text":"退货","dept_ids":[""]}`, nil, 400, CodeInvalidField},
		// a blank id is a gateway's bug, not an id: a chat_id of one space made every customer's
		// messages one conversation, and a msg_id of one replayed its first answer to the next
		{"a blank chat_id", "POST", "/intent", `{"text":"退货","chat_id":" ","sender_id":"wmA"}`, nil, 400, CodeInvalidField},
		{"a blank sender_id", "POST", "/intent", `{"text":"退货","sender_id":"\u3000"}`, nil, 400, CodeInvalidField},
		{"a blank msg_id", "POST", "/intent", `{"text":"退货","msg_id":"\t","sender_id":"wmA"}`, nil, 400, CodeInvalidField},
		{"a batch's blank open_kfid", "POST", "/intent/batch", `{"messages":[{"text":"退货","open_kfid":"\u200b"}]}`, nil, 400, CodeInvalidField},
		{"a blank tag", "POST", "/intent", `{"text":"退货","tags":["vip"," "]}`, nil, 400, CodeInvalidField},
		{"a blank dept id", "POST", "/intent", `{"text":"退货","dept_ids":["\u3000"]}`, nil, 400, CodeInvalidField},
		{"a var of 1,025 bytes", "POST", "/intent", `{"text":"退货","vars":{"nickname":"` + strings.Repeat("v", 1025) + `"}}`, nil, 400, CodeInvalidField},
		{"a batch's chat_id of 129 bytes", "POST", "/intent/batch", `{"messages":[{"text":"退货","chat_id":"` + strings.Repeat("c", 129) + `"}]}`, nil, 400, CodeInvalidField},
		{"sent_at past the year 9999", "POST", "/intent", `{"text":"退货","sent_at":99999999999999999}`, nil, 400, CodeInvalidField},
		{"batch sent_at negative", "POST", "/intent/batch", `{"messages":[{"text":"a","sent_at":-5}]}`, nil, 400, CodeInvalidField},
		{"text number", "POST", "/intent", `{"text":42}`, nil, 400, CodeInvalidField},
		{"unknown channel", "POST", "/intent", `{"text":"退货","channel":"weixin"}`, nil, 400, CodeInvalidField},
		{"batch unknown channel", "POST", "/intent/batch", `{"messages":[{"text":"a","channel":"wecom"},{"text":"b","channel":"WeCom"}]}`, nil, 400, CodeInvalidField},
		{"text/plain", "POST", "/intent", `{"text":"退货"}`, map[string]string{"Content-Type": "text/plain"}, 415, CodeUnsupportedMediaType},
		{"form", "POST", "/intent", `{"text":"退货"}`, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415, CodeUnsupportedMediaType},
		{"no content type", "POST", "/intent", `{"text":"退货"}`, map[string]string{"Content-Type": ""}, 415, CodeUnsupportedMediaType},
		{"gbk charset", "POST", "/intent", `{"text":"退货"}`, map[string]string{"Content-Type": "application/json; charset=gbk"}, 415, CodeUnsupportedMediaType},
		{"body too large", "POST", "/intent", `{"text":"` + strings.Repeat("a", 9<<10) + `"}`, nil, 413, CodeBodyTooLarge},
		{"batch too large", "POST", "/intent/batch", `{"messages":[{"text":"a"},{"text":"b"},{"text":"c"},{"text":"d"}]}`, nil, 400, CodeBatchTooLarge},
		// counted before anything is decoded: what follows the element past the limit is not read
		{"batch too large, then garbage", "POST", "/intent/batch", `{"messages":[{},{},{},{},{"text":` + strings.Repeat("x", 100), nil, 400, CodeBatchTooLarge},
		{"empty batch", "POST", "/intent/batch", `{"messages":[]}`, nil, 400, CodeEmptyBatch},
		{"batch without messages", "POST", "/intent/batch", `{}`, nil, 400, CodeEmptyBatch},
		{"batch empty text", "POST", "/intent/batch", `{"messages":[{"text":"a"},{"text":" "}]}`, nil, 400, CodeEmptyText},
		{"batch text too long", "POST", "/intent/batch", `{"messages":[{"text":"` + long + `"}]}`, nil, 400, CodeTextTooLong},
		{"batch unknown field", "POST", "/intent/batch", `{"messages":[{"text":"a","foo":1}]}`, nil, 400, CodeUnknownField},
		{"batch unknown field, second message", "POST", "/intent/batch", `{"messages":[{"text":"退货"},{"txt":"x"}]}`, nil, 400, CodeUnknownField},
		{"batch msg_id number", "POST", "/intent/batch", `{"messages":[{"text":"a","msg_id":1}]}`, nil, 400, CodeInvalidField},
		{"batch messages object", "POST", "/intent/batch", `{"messages":{"text":"a"}}`, nil, 400, CodeInvalidField},
		{"batch wrong content type", "POST", "/intent/batch", `{"messages":[{"text":"a"}]}`, map[string]string{"Content-Type": "text/json"}, 415, CodeUnsupportedMediaType},
		{"GET /intent", "GET", "/intent", "", nil, 405, CodeMethodNotAllowed},
		{"PUT /intent", "PUT", "/intent", `{"text":"a"}`, nil, 405, CodeMethodNotAllowed},
		{"GET /intent/batch", "GET", "/intent/batch", "", nil, 405, CodeMethodNotAllowed},
		{"POST /healthz", "POST", "/healthz", `{}`, nil, 405, CodeMethodNotAllowed},
		{"DELETE /metrics", "DELETE", "/metrics", "", nil, 405, CodeMethodNotAllowed},
		{"POST /readyz", "POST", "/readyz", "", nil, 405, CodeMethodNotAllowed},
		{"unknown path", "GET", "/nope", "", nil, 404, CodeNotFound},
		{"trailing slash", "POST", "/intent/", `{"text":"a"}`, nil, 404, CodeNotFound},
		{"root", "GET", "/", "", nil, 404, CodeNotFound},
		{"admin off", "POST", "/admin/reload", "", nil, 404, CodeNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := ts.try(c.method, c.path, c.body, c.hdr)
			// fasthttp answers 413 before reading the body and closes the connection; the
			// client may then fail writing the rest of it. Real clients can too; retry.
			for i := 0; err != nil && c.status == 413 && i < 20; i++ {
				r, err = ts.try(c.method, c.path, c.body, c.hdr)
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
			var e errorBody
			if err := json.Unmarshal(r.body, &e); err != nil || e.Error == nil {
				t.Fatalf("not an error JSON (%v): %s", err, r.body)
			}
			if e.Error.Code != c.code || e.Error.Message == "" {
				t.Fatalf("code %q message %q, want %q", e.Error.Code, e.Error.Message, c.code)
			}
			if strings.HasSuffix(c.name, "second message") && !strings.HasPrefix(e.Error.Message, "messages[1]: ") {
				t.Fatalf("message %q does not name messages[1]", e.Error.Message)
			}
			if c.status == 405 && r.header["Allow"] == "" {
				t.Fatalf("405 without Allow")
			}
		})
	}
	if got := ts.do("GET", "/intent", "", nil).header["Allow"]; got != "POST" {
		t.Errorf("Allow %q", got)
	}
	// a mark after a visible character is part of the message
	if r := ts.do("POST", "/intent", `{"text":"\u2764\ufe0f"}`, map[string]string{"Content-Type": "application/json"}); r.status != 200 {
		t.Errorf("an emoji with its variation selector: status %d: %s", r.status, r.body)
	}
	if got := ts.do("POST", "/healthz", "{}", nil).header["Allow"]; got != "GET, HEAD" {
		t.Errorf("Allow %q", got)
	}
	// the server is still fine
	if res := decodeResult(t, ts.do("POST", "/intent", `{"text":"退货"}`, nil)); res.Intent != "return_goods" {
		t.Fatalf("after bad input: %+v", res)
	}
	// a byte order mark before the object is not an error
	if res := decodeResult(t, ts.do("POST", "/intent", "\ufeff{\"text\":\"退货\"}", nil)); res.Intent != "return_goods" {
		t.Fatalf("a body with a BOM: %+v", res)
	}
}

func TestPanicRecovered(t *testing.T) {
	ts := startServer(t, Config{}, nil, slog.LevelInfo)
	r := ts.do("POST", "/intent", `{"text":"panic!","msg_id":"p1"}`, nil)
	if r.status != 500 || !strings.Contains(string(r.body), `"code":"internal"`) {
		t.Fatalf("panic: %d %s", r.status, r.body)
	}
	logs := ts.logs.String()
	if !strings.Contains(logs, `"msg":"panic"`) || !strings.Contains(logs, `"stack"`) {
		t.Fatalf("panic not logged: %s", logs)
	}
	if strings.Contains(logs, "13812345678") {
		t.Fatalf("panic value leaked a phone number: %s", logs)
	}
	if res := decodeResult(t, ts.do("POST", "/intent", `{"text":"退货"}`, nil)); res.Intent != "return_goods" {
		t.Fatalf("after panic: %+v", res)
	}
}

// TestUnmatchedQuery: /admin/unmatched reads since (default: the last day) and refuses a query key
// it does not know, rather than answering for the default day.
func TestUnmatchedQuery(t *testing.T) {
	var asked time.Time
	unmatched := func(_ context.Context, _ Engine, since time.Time) (any, error) { asked = since; return []string{}, nil }
	ts := startServer(t, Config{AdminToken: "t"}, nil, slog.LevelInfo, WithUnmatched(unmatched))
	auth := map[string]string{"Authorization": "Bearer t"}
	for _, c := range []struct {
		query  string
		status int
		code   string
		ago    time.Duration
	}{
		{"", 200, "", 24 * time.Hour},
		{"?since=7d", 200, "", 7 * 24 * time.Hour},
		{"?sinse=7d", 400, CodeUnknownField, 0},
		{"?since=7d&limit=5", 400, CodeUnknownField, 0},
		{"?since=soon", 400, CodeInvalidField, 0},
	} {
		asked = time.Time{}
		r := ts.do("GET", "/admin/unmatched"+c.query, "", auth)
		var e errorBody
		_ = json.Unmarshal(r.body, &e)
		if r.status != c.status || (c.code != "" && (e.Error == nil || e.Error.Code != c.code)) {
			t.Errorf("GET /admin/unmatched%s: %d %s; want %d %s", c.query, r.status, r.body, c.status, c.code)
		}
		if c.ago != 0 && (asked.IsZero() || time.Since(asked) < c.ago-time.Minute || time.Since(asked) > c.ago+time.Minute) {
			t.Errorf("GET /admin/unmatched%s asked since %v; want %v ago", c.query, asked, c.ago)
		}
		// customers' text: never cached, never sniffed as something else
		if r.header["Cache-Control"] != "no-store" || r.header["X-Content-Type-Options"] != "nosniff" {
			t.Errorf("GET /admin/unmatched%s headers %v; want Cache-Control no-store, X-Content-Type-Options nosniff", c.query, r.header)
		}
	}
}

// A request framed both by Content-Length and by chunks is refused and its connection closed:
// a proxy reading one framing and zhiyi the other would see different requests (smuggling).
func TestRefusesTwoFramings(t *testing.T) {
	ts := startServer(t, Config{}, nil, slog.LevelInfo)
	c, err := ts.ln.Dial()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	smuggled := "POST /intent HTTP/1.1\r\nHost: zhiyi.test\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: zhiyi.test\r\n\r\n"
	if _, err := c.Write([]byte(smuggled)); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, _ := io.ReadAll(c) // until the server closes the connection
	if !bytes.HasPrefix(got, []byte("HTTP/1.1 400")) || !bytes.Contains(got, []byte(CodeBadRequest)) {
		t.Fatalf("answer %q, want 400 %s", got, CodeBadRequest)
	}
	if n := bytes.Count(got, []byte("HTTP/1.1 ")); n != 1 {
		t.Errorf("%d answers on the connection, want 1 (the smuggled request unanswered):\n%s", n, got)
	}
	for _, h := range []string{"Content-Length: 2\r\nTransfer-Encoding: chunked", "transfer-encoding: chunked\r\ncontent-length: 2"} {
		if !framedTwice([]byte("Host: x\r\n" + h + "\r\n")) {
			t.Errorf("framedTwice missed %q", h)
		}
	}
	if framedTwice([]byte("Host: x\r\nTransfer-Encoding: chunked\r\nX-Content-Length-Hint: 2\r\n")) {
		t.Error("framedTwice took another header for Content-Length")
	}
}
