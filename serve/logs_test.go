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
