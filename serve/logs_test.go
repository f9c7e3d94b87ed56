package serve

import (
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// leakedDigits finds a phone, ID or card number's digits in logs, whatever separated them.
func leakedDigits(logs string, numbers ...string) []string {
	var out []string
	for _, n := range numbers {
		var pat strings.Builder
		for i, c := range n {
			if i > 0 {
				pat.WriteString(`[\s\-./_*]{0,3}`)
			}
			pat.WriteRune(c)
		}
		if regexp.MustCompile(pat.String()).MatchString(logs) {
			out = append(out, n)
		}
	}
	return out
}

// sendRaw writes req on a fresh connection and reads whatever comes back until the server
// closes it or goes quiet.
func sendRaw(t *testing.T, ts *testServer, req string) string {
	t.Helper()
	c, err := ts.ln.Dial()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(c)
	return string(out)
}

// TestMalformedRequestsNeverLogged sends requests fasthttp cannot parse, each carrying a body
// with personal data and an Authorization header, and checks that no request bytes reach the
// logs: only the error kind and sizes.
func TestMalformedRequestsNeverLogged(t *testing.T) {
	const token = "s3cret-admin-token"
	ts := startServer(t, Config{AdminToken: token, ReadTimeout: time.Second}, nil, slog.LevelDebug)
	body := `{"text":"我叫张三，电话138-1234-5678，+86 139 8765 4321，卡6222 0212 3456 7890 128，住北京市朝阳区幸福路8号"}`
	auth := "Authorization: Bearer " + token
	for name, req := range map[string]string{
		"header without colon": "POST /intent HTTP/1.1\r\nHost: x\r\n" + auth + "\r\nX-Broken header 13812345678\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body,
		"LF-only line ends":    "POST /intent HTTP/1.1\nHost: x\n" + auth + "\nContent-Type: application/json\nContent-Length: " + strconv.Itoa(len(body)) + "\n\n" + body,
		"no Host":              "POST /intent HTTP/1.1\r\n" + auth + "\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body,
		// the length counted in characters: the rest of the body is read as the next request
		"Content-Length in characters": "POST /intent HTTP/1.1\r\nHost: x\r\n" + auth + "\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len([]rune(body))) + "\r\n\r\n" + body,
		"garbage request line":         "蛤 " + body + " HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n\r\n",
		"bad chunk":                    "POST /intent HTTP/1.1\r\nHost: x\r\n" + auth + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" + body + "\r\n",
		"bad header value":             "POST /intent HTTP/1.1\r\nHost: x\r\n" + auth + "\r\nX-Note: 电话\x0113812345678\r\nContent-Length: 2\r\n\r\n{}",
	} {
		t.Run(name, func(t *testing.T) { sendRaw(t, ts, req) })
	}
	logs := ts.logs.String()
	for _, bad := range []string{"Bearer", "bearer", token, "张三", "朝阳区", "X-Broken", "\\u0001"} {
		if strings.Contains(logs, bad) {
			t.Errorf("logs hold %q", bad)
		}
	}
	if leaks := leakedDigits(logs, "13812345678", "13987654321", "6222021234567890128"); len(leaks) > 0 {
		t.Errorf("logs hold %v", leaks)
	}
	if !strings.Contains(logs, `"error_kind"`) {
		t.Errorf("no error_kind in the logs")
	}
	if t.Failed() {
		t.Log(logs)
	}
}

// TestIdentifiersMasked sends personal data in every format as msg_id and X-Request-Id.
func TestIdentifiersMasked(t *testing.T) {
	ts := startServer(t, Config{}, nil, slog.LevelInfo)
	ids := []string{
		"+8613812345678", "138-1234-5678", "138.1234.5678", "m-13812345678", "11010519491231002x",
		"id-11010519491231002x", "6222021234567890128", "6222-0212-3456-7890-128",
		"x@example.com", "x_at_example.com", "msg/138/1234/5678",
	}
	for _, id := range ids {
		ts.do("POST", "/intent", `{"text":"退货","msg_id":"`+id+`"}`, map[string]string{"X-Request-Id": id})
		ts.do("POST", "/intent/batch", `{"messages":[{"text":"退货","msg_id":"`+id+`"}]}`, map[string]string{"X-Request-Id": id})
	}
	// ids that are not personal data survive for correlation
	ts.do("POST", "/intent", `{"text":"退货","msg_id":"CAQQluDa4QUY0On2rYSA-1839201928374650123"}`, map[string]string{"X-Request-Id": "gw-1730000000000123"})
	logs := ts.logs.String()
	if leaks := leakedDigits(logs, "13812345678", "11010519491231002", "6222021234567890128"); len(leaks) > 0 {
		t.Errorf("logs hold %v", leaks)
	}
	if strings.Contains(logs, "x@example.com") {
		t.Errorf("logs hold an e-mail")
	}
	for _, want := range []string{`"msg_id":"CAQQluDa4QUY0On2rYSA-1839201928374650123"`, `"request_id":"gw-1730000000000123"`, `"msg_id":"m-<PHONE>"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s", want)
		}
	}
	if t.Failed() {
		t.Log(logs)
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

// Health probes and metrics scrapes answered as such are logged at debug, not info: probes
// every few seconds made most of a quiet replica's log. A probe that fails otherwise, and every
// other request, keep their level.
func TestProbesLoggedAtDebug(t *testing.T) {
	ts := startServer(t, Config{}, nil, slog.LevelInfo)
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		ts.do("GET", path, "", nil)
	}
	ts.do("POST", "/healthz", "", nil) // 405: not a probe's answer
	ts.do("POST", "/intent", `{"text":"快递到哪了"}`, nil)
	logs := ts.logs.String()
	for _, route := range []string{"/healthz\",\"status\":200", "/readyz\"", "/metrics\""} {
		if strings.Contains(logs, `"route":"`+route) {
			t.Errorf("a probe's answer at info: %s\n%s", route, logs)
		}
	}
	for _, want := range []string{`"route":"/healthz","status":405`, `"route":"/intent","status":200`} {
		if !strings.Contains(logs, want) {
			t.Errorf("info log lacks %s:\n%s", want, logs)
		}
	}
	debug := startServer(t, Config{}, nil, slog.LevelDebug)
	debug.do("GET", "/healthz", "", nil)
	if l := debug.logs.String(); !strings.Contains(l, `"level":"DEBUG","msg":"request"`) || !strings.Contains(l, `"route":"/healthz"`) {
		t.Errorf("debug log lacks the probe:\n%s", l)
	}
}
