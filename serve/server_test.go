package serve

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
)

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
		{"text too long", "POST", "/intent", `{"text":"` + long + `"}`, nil, 400, CodeTextTooLong},
		{"invalid utf8", "POST", "/intent", "{\"text\":\"\xff\xfe退货\"}", nil, 400, CodeInvalidUTF8},
		{"invalid utf8 elsewhere", "POST", "/intent", "{\"text\":\"退货\",\"msg_id\":\"\xc3\"}", nil, 400, CodeInvalidUTF8},
		{"malformed json", "POST", "/intent", `{"text":"退货",}`, nil, 400, CodeInvalidJSON},
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
		{"text number", "POST", "/intent", `{"text":42}`, nil, 400, CodeInvalidField},
		{"text/plain", "POST", "/intent", `{"text":"退货"}`, map[string]string{"Content-Type": "text/plain"}, 415, CodeUnsupportedMediaType},
		{"form", "POST", "/intent", `{"text":"退货"}`, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415, CodeUnsupportedMediaType},
		{"no content type", "POST", "/intent", `{"text":"退货"}`, map[string]string{"Content-Type": ""}, 415, CodeUnsupportedMediaType},
		{"gbk charset", "POST", "/intent", `{"text":"退货"}`, map[string]string{"Content-Type": "application/json; charset=gbk"}, 415, CodeUnsupportedMediaType},
		{"body too large", "POST", "/intent", `{"text":"` + strings.Repeat("a", 9<<10) + `"}`, nil, 413, CodeBodyTooLarge},
		{"batch too large", "POST", "/intent/batch", `{"messages":[{"text":"a"},{"text":"b"},{"text":"c"},{"text":"d"}]}`, nil, 400, CodeBatchTooLarge},
		{"empty batch", "POST", "/intent/batch", `{"messages":[]}`, nil, 400, CodeEmptyBatch},
		{"batch without messages", "POST", "/intent/batch", `{}`, nil, 400, CodeEmptyBatch},
		{"batch empty text", "POST", "/intent/batch", `{"messages":[{"text":"a"},{"text":" "}]}`, nil, 400, CodeEmptyText},
		{"batch text too long", "POST", "/intent/batch", `{"messages":[{"text":"` + long + `"}]}`, nil, 400, CodeTextTooLong},
		{"batch unknown field", "POST", "/intent/batch", `{"messages":[{"text":"a","foo":1}]}`, nil, 400, CodeUnknownField},
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
			if c.status == 405 && r.header["Allow"] == "" {
				t.Fatalf("405 without Allow")
			}
		})
	}
	if got := ts.do("GET", "/intent", "", nil).header["Allow"]; got != "POST" {
		t.Errorf("Allow %q", got)
	}
	if got := ts.do("POST", "/healthz", "{}", nil).header["Allow"]; got != "GET, HEAD" {
		t.Errorf("Allow %q", got)
	}
	// the server is still fine
	if res := decodeResult(t, ts.do("POST", "/intent", `{"text":"退货"}`, nil)); res.Intent != "return_goods" {
		t.Fatalf("after bad input: %+v", res)
	}
}

// rawExchange writes a raw HTTP request on a fresh connection and reads one response.
func rawExchange(t *testing.T, ts *testServer, req string) (int, string) {
	t.Helper()
	c, err := ts.ln.Dial()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("read status line: %v", err)
	}
	var status int
	if _, err := fmt.Sscanf(line, "HTTP/1.1 %d", &status); err != nil {
		t.Fatalf("status line %q: %v", line, err)
	}
	n := -1
	for {
		h, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		h = strings.TrimSpace(h)
		if h == "" {
			break
		}
		if k, v, ok := strings.Cut(h, ":"); ok && strings.EqualFold(k, "Content-Length") {
			fmt.Sscan(strings.TrimSpace(v), &n)
		}
	}
	body := make([]byte, max(n, 0))
	if _, err := io.ReadFull(br, body); err != nil {
		t.Fatal(err)
	}
	return status, string(body)
}

// TestBodyTooLargeErrorHandler checks that fasthttp's own body limit (Content-Length or chunked
// over MaxBodyBytes, rejected before the handler runs) is answered 413 JSON, not plain 400.
func TestBodyTooLargeErrorHandler(t *testing.T) {
	ts := startServer(t, Config{MaxBodyBytes: 1024}, nil, slog.LevelInfo)
	for name, req := range map[string]string{
		"content-length": "POST /intent HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000000\r\n\r\n",
		"chunked": "POST /intent HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"800\r\n" + strings.Repeat("a", 0x800) + "\r\n0\r\n\r\n",
	} {
		status, body := rawExchange(t, ts, req)
		if status != 413 || !strings.Contains(body, `"code":"body_too_large"`) {
			t.Errorf("%s: %d %s", name, status, body)
		}
	}
	status, body := rawExchange(t, ts, "GARBAGE\r\n\r\n")
	if status != 400 || !strings.Contains(body, `"code":"bad_request"`) {
		t.Errorf("garbage: %d %s", status, body)
	}
	if !strings.Contains(ts.logs.String(), `"status":413`) {
		t.Errorf("413 not logged: %s", ts.logs.String())
	}
}

func TestReadTimeout(t *testing.T) {
	ts := startServer(t, Config{ReadTimeout: 200 * time.Millisecond}, nil, slog.LevelInfo)
	status, body := rawExchange(t, ts, "POST /intent HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{\"te")
	if status != 408 || !strings.Contains(body, `"code":"request_timeout"`) {
		t.Fatalf("%d %s\n%s", status, body, ts.logs.String())
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

func TestAdminReload(t *testing.T) {
	const token = "s3cret-token"
	ts := startServer(t, Config{AdminToken: token}, nil, slog.LevelInfo)
	auth := map[string]string{"Authorization": "Bearer " + token}
	for name, hdr := range map[string]map[string]string{
		"none":      nil,
		"wrong":     {"Authorization": "Bearer nope"},
		"prefix":    {"Authorization": "Bearer " + token[:5]},
		"longer":    {"Authorization": "Bearer " + token + "x"},
		"no scheme": {"Authorization": token},
		"basic":     {"Authorization": "Basic " + token},
	} {
		r := ts.do("POST", "/admin/reload", "", hdr)
		if r.status != 401 || !strings.Contains(string(r.body), `"code":"unauthorized"`) {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	if r := ts.do("GET", "/admin/reload", "", auth); r.status != 405 {
		t.Errorf("GET reload: %d", r.status)
	}
	// reload the current bundle (no body)
	r := ts.do("POST", "/admin/reload", "", auth)
	if r.status != 200 || !strings.Contains(string(r.body), `"model":"fake-shop"`) {
		t.Fatalf("reload: %d %s", r.status, r.body)
	}
	// documented leniency: the scheme in any case, white space around the token
	for _, h := range []string{"bearer " + token, "BEARER " + token, "Bearer    " + token + "   ", "  Bearer " + token} {
		if r := ts.do("POST", "/admin/reload", "", map[string]string{"Authorization": h}); r.status != 200 {
			t.Errorf("Authorization %q: %d %s", h, r.status, r.body)
		}
	}
	for _, h := range []string{"Bearer\t" + token, "Bearer" + token, "Bearer " + token + " x"} {
		if r := ts.do("POST", "/admin/reload", "", map[string]string{"Authorization": h}); r.status != 401 {
			t.Errorf("Authorization %q: %d %s", h, r.status, r.body)
		}
	}
	// a named bundle
	r = ts.do("POST", "/admin/reload", `{"model":"models/v2"}`, map[string]string{"Authorization": "bearer " + token})
	if r.status != 200 || !strings.Contains(string(r.body), `"model":"fake-v2"`) {
		t.Fatalf("reload v2: %d %s", r.status, r.body)
	}
	if res := decodeResult(t, ts.do("POST", "/intent", `{"text":"退货"}`, nil)); res.Model != "fake-v2" {
		t.Fatalf("model after reload %q", res.Model)
	}
	// a bad bundle is refused and v2 keeps serving
	r = ts.do("POST", "/admin/reload", `{"model":"models/bad"}`, auth)
	if r.status != 422 || !strings.Contains(string(r.body), `"code":"reload_failed"`) || !strings.Contains(string(r.body), "checksum mismatch") {
		t.Fatalf("bad reload: %d %s", r.status, r.body)
	}
	if res := decodeResult(t, ts.do("POST", "/intent", `{"text":"退货"}`, nil)); res.Model != "fake-v2" {
		t.Fatalf("model after bad reload %q", res.Model)
	}
	// an empty body reloads the current (v2) bundle, not the start one
	if r := ts.do("POST", "/admin/reload", "", auth); !strings.Contains(string(r.body), `"dir":"models/v2"`) {
		t.Fatalf("reload current: %s", r.body)
	}
	// body errors
	if r := ts.do("POST", "/admin/reload", `{"bundle":"x"}`, auth); r.status != 400 || !strings.Contains(string(r.body), CodeUnknownField) {
		t.Errorf("unknown field: %d %s", r.status, r.body)
	}
	if r := ts.do("POST", "/admin/reload", `{"model":"x"}`, map[string]string{"Authorization": "Bearer " + token, "Content-Type": "text/plain"}); r.status != 415 {
		t.Errorf("content type: %d %s", r.status, r.body)
	}
	body := string(ts.do("GET", "/metrics", "", nil).body)
	for _, want := range []string{`zhiyi_model_info{version="fake-v2"} 1`, `zhiyi_model_reloads_total{result="error"} 1`} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(body, `zhiyi_model_info{version="fake-shop"}`) {
		t.Errorf("old model version still exported")
	}
	if strings.Contains(ts.logs.String(), token) {
		t.Errorf("token logged")
	}
}

func TestNew(t *testing.T) {
	if _, err := New(Config{ModelDir: "models/bad"}, fakeLoader, nil); err == nil || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Fatalf("bad bundle at start: %v", err)
	}
	if _, err := New(Config{}, func(context.Context, string) (Engine, error) { return nil, nil }, nil); err == nil {
		t.Fatalf("nil engine accepted")
	}
	if _, err := New(Config{}, func(context.Context, string) (Engine, error) { panic("oops") }, nil); err == nil {
		t.Fatalf("panicking loader accepted")
	}
	if _, err := New(Config{}, nil, nil); err == nil {
		t.Fatalf("nil loader accepted")
	}
	if _, err := New(Config{MaxBatch: -1}, fakeLoader, nil); err == nil {
		t.Fatalf("negative limit accepted")
	}
	s, err := New(Config{}, fakeLoader, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := s.Config()
	if c.MaxTextBytes != 2048 || c.MaxBatch != 64 || c.ModelDir != DefaultModelDir || s.ModelVersion() != "fake-shop" {
		t.Fatalf("defaults: %+v %s", c, s.ModelVersion())
	}
	wantErr := errors.New("disk on fire")
	err = s.Reload(context.Background(), "models/x")
	if err != nil {
		t.Fatal(err)
	}
	s.load = func(context.Context, string) (Engine, error) { return nil, wantErr }
	if err := s.Reload(context.Background(), ""); !errors.Is(err, wantErr) {
		t.Fatalf("reload error not wrapped: %v", err)
	}
	if s.ModelVersion() != "fake-x" || s.ModelDir() != "models/x" {
		t.Fatalf("failed reload replaced the model: %s", s.ModelVersion())
	}
}

func TestReloadOnSignal(t *testing.T) {
	var calls atomic.Int32
	load := func(ctx context.Context, dir string) (Engine, error) {
		n := calls.Add(1)
		return &fakeEngine{version: fmt.Sprintf("v%d", n)}, nil
	}
	ts := startServer(t, Config{}, load, slog.LevelInfo)
	sig := make(chan os.Signal, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { ts.ReloadOn(ctx, sig); close(done) }()
	sig <- syscall.SIGHUP
	deadline := time.Now().Add(5 * time.Second)
	for ts.ModelVersion() != "v2" && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if ts.ModelVersion() != "v2" {
		t.Fatalf("no reload on signal: %s", ts.ModelVersion())
	}
	cancel()
	<-done
}

// TestReloadUnderLoad hammers /intent and /intent/batch while good and bad bundles are loaded:
// every request must be answered 200 by some good model.
func TestReloadUnderLoad(t *testing.T) {
	ts := startServer(t, Config{AdminToken: "t"}, nil, slog.LevelWarn)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var total, failed atomic.Int64
	var firstErr atomic.Value
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				var r response
				var err error
				if (w+i)%4 == 0 {
					r, err = ts.try("POST", "/intent/batch", `{"messages":[{"text":"退货"},{"text":"快递"}]}`, nil)
				} else {
					r, err = ts.try("POST", "/intent", `{"text":"我要退货"}`, nil)
				}
				total.Add(1)
				if err != nil {
					r.body = []byte(err.Error())
				}
				ok := err == nil && r.status == 200 && strings.Contains(string(r.body), `"model":"fake-`) && !strings.Contains(string(r.body), "fake-bad")
				if !ok {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("%d %s", r.status, r.body))
				}
			}
		}()
	}
	auth := map[string]string{"Authorization": "Bearer t"}
	var good, refused int
	for i := range 40 {
		if i%2 == 0 {
			if r := ts.do("POST", "/admin/reload", fmt.Sprintf(`{"model":"models/v%d"}`, i), auth); r.status == 200 {
				good++
			}
		} else {
			if err := ts.Reload(context.Background(), "models/bad"); err != nil {
				refused++
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if failed.Load() > 0 {
		t.Fatalf("%d of %d requests failed; first: %v", failed.Load(), total.Load(), firstErr.Load())
	}
	if good != 20 || refused != 20 {
		t.Fatalf("good %d refused %d", good, refused)
	}
	if ts.ModelVersion() != "fake-v38" {
		t.Fatalf("serving %s", ts.ModelVersion())
	}
	t.Logf("%d requests during 40 reloads", total.Load())
}

func TestGracefulShutdown(t *testing.T) {
	g := &gate{entered: make(chan struct{}), release: make(chan struct{})}
	load := func(context.Context, string) (Engine, error) {
		return &fakeEngine{version: "slow", gate: g, panics: true}, nil
	}
	// an idle keep-alive connection gets ShutdownIdle for one more request, then is closed
	ts := startServer(t, Config{ShutdownTimeout: 10 * time.Second, ShutdownIdle: 300 * time.Millisecond}, load, slog.LevelInfo)
	inflight := make(chan response, 1)
	go func() {
		r, err := ts.try("POST", "/intent", `{"text":"慢慢退货"}`, nil)
		if err != nil {
			r.body = []byte(err.Error())
		}
		inflight <- r
	}()
	<-g.entered // the request is inside the engine
	// an idle keep-alive connection must not hold the shutdown up beyond ShutdownIdle
	idle := ts.do("GET", "/healthz", "", nil)
	if idle.status != 200 {
		t.Fatal(idle.status)
	}
	ts.cancel()
	stopped := make(chan error, 1)
	go func() { stopped <- <-ts.done }()
	select {
	case err := <-stopped:
		t.Fatalf("Serve returned with a request in flight: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	// new connections are refused while draining
	if c, err := ts.ln.Dial(); err == nil {
		c.Close()
		t.Errorf("listener still accepting during shutdown")
	}
	close(g.release)
	r := <-inflight
	if res := decodeResult(t, r); res.Intent != "return_goods" {
		t.Fatalf("in-flight result %+v", res)
	}
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after the in-flight request finished")
	}
	ts.done = make(chan error, 1)
	ts.done <- nil // for Cleanup
	if !strings.Contains(ts.logs.String(), `"msg":"stopped"`) {
		t.Errorf("no stopped log")
	}
}

func TestServeReturnsListenerError(t *testing.T) {
	s, err := New(Config{}, fakeLoader, nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skip("no loopback:", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve after cancel: %v", err)
	}
}

// TestLogsNoPersonalData sends a phone number in every place a client can put one and checks
// that it reaches no log line, at debug level too, while the request lines are there.
func TestLogsNoPersonalData(t *testing.T) {
	const phone = "13812345678"
	ts := startServer(t, Config{AdminToken: "t"}, nil, slog.LevelDebug)
	reqs := []struct{ path, body string }{
		{"/intent", `{"text":"我要退货，电话` + phone + `","msg_id":"m-` + phone + `","sender_id":"wm` + phone + `","chat_id":"` + phone + `"}`},
		{"/intent?debug=1", `{"text":"快递到哪了 ` + phone + `","msg_id":"` + phone + `"}`},
		{"/intent", `{"text":"panic!","msg_id":"` + phone + `"}`},
		{"/intent/batch", `{"messages":[{"text":"退货 ` + phone + `","msg_id":"` + phone + `"}]}`},
		{"/intent", `{"text":"` + phone + `",}`},
		{"/intent", `{"` + phone + `":"x"}`},
		{"/intent", `{"text":"退货","msg_id":` + phone + `}`},
		{"/intent", "{\"text\":\"\xff" + phone + "\"}"},
		{"/intent/" + phone, `{"text":"x"}`},
		{"/admin/reload", `{"model":"bad` + phone + `"}`},
	}
	for _, r := range reqs {
		ts.do("POST", r.path, r.body, map[string]string{"X-Request-Id": "req-" + phone, "Authorization": "Bearer t"})
	}
	rawExchange(t, ts, "POST /intent?text="+phone+" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99999999\r\n\r\n")
	rawExchange(t, ts, "POST /"+phone+" HTTP/1.1\r\nHost: x\r\nX-Request-Id: "+phone+"\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"+phone+"\r\n")
	logs := ts.logs.String()
	if strings.Contains(logs, phone) {
		for _, l := range strings.Split(logs, "\n") {
			if strings.Contains(l, phone) {
				t.Errorf("phone in log: %s", l)
			}
		}
	}
	for _, want := range []string{`"request_id":"req-<PHONE>"`, `"msg_id":"m-<PHONE>"`, `"intent":"return_goods"`, `"decision":"auto"`, `"masked_text":"快递到哪了 <num>"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s", want)
		}
	}
	// at info level not even masked text is logged
	ts2 := startServer(t, Config{}, nil, slog.LevelInfo)
	ts2.do("POST", "/intent?debug=1", `{"text":"快递到哪了"}`, nil)
	if l := ts2.logs.String(); strings.Contains(l, "快递") || !strings.Contains(l, `"route":"/intent"`) {
		t.Errorf("info log: %s", l)
	}
}

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
	} {
		if got := redact(in, 100); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}
