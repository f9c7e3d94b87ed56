package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// What the probe plants, by the core a leak is recognised by.
const (
	phone     = "13812345678"
	phone2    = "13987654321"
	idCard    = "11010519491231002" // 11010519491231002x: the 17 digits before the check character
	bankCard  = "6222021234567890128"
	mailCore  = "probe-mail"
	name      = "欧阳锋"
	address   = "桃花岛"
	tokenSeed = "probe-secret-token-42"
)

// phoneForms are one mobile number written every way customers write it.
var phoneForms = []string{
	"13812345678", "138-1234-5678", "138.1234.5678", "138/1234/5678", "138_1234_5678", "138 1234 5678",
	"1 3 8 1 2 3 4 5 6 7 8", "+86 138 1234 5678", "+8613812345678", "8613812345678", "１３８１２３４５６７８",
	"一三八一二三四五六七八", "幺三八幺二三四五六七八", "壹叁捌壹贰叁肆伍陆柒捌", "138一二三四五六七八",
}

// otherForms are the ID card, the bank card and the e-mail address in their forms.
var otherForms = []string{
	"11010519491231002x", "110105 19491231 002x", "6222021234567890128", "6222 0212 3456 7890 128",
	"6222-0212-3456-7890-128", "zhang.san@probe-mail.com", "zhang.san at probe-mail dot com",
	"zhang.san艾特probe-mail点com", "zhang.san@probe-mail。com", "ZHANG.SAN@PROBE-MAIL.COM",
}

// idForms are those a plausible X-Request-Id can hold (ASCII letters, digits, ._:-/+=).
var idForms = []string{
	"13812345678", "+8613812345678", "138-1234-5678", "138.1234.5678", "138/1234/5678", "138_1234_5678",
	"req-13812345678", "11010519491231002x", "6222021234567890128",
}

// exchange is one request the probe sent and what came back.
type exchange struct {
	what   string
	status int
	header http.Header
	body   []byte
	// debug is set for answers whose body must not carry the planted values (msg_id aside).
	debug bool
}

// probe sends the leaky inputs to the server at addr.
type probe struct {
	addr  string
	token string
	http  *http.Client
}

func newProbe(addr, token string) *probe {
	return &probe{addr: addr, token: token, http: &http.Client{Timeout: 20 * time.Second}}
}

// run sends everything and returns the exchanges.
func (p *probe) run(ctx context.Context) ([]exchange, error) {
	var out []exchange
	secretBody := `{"text":"我叫` + name + `，住` + address + `幸福路88号，电话138-1234-5678，+86 139 8765 4321，卡6222 0212 3456 7890 128，身份证11010519491231002x，邮箱zhang.san@probe-mail.com"}`
	auth := "Authorization: Bearer " + p.token
	cl := strconv.Itoa(len(secretBody))
	for what, req := range map[string]string{
		"header without colon":   "POST /intent HTTP/1.1\r\nHost: x\r\n" + auth + "\r\nX-Note " + name + " 13812345678\r\nContent-Type: application/json\r\nContent-Length: " + cl + "\r\n\r\n" + secretBody,
		"LF-only line ends":      "POST /intent HTTP/1.1\nHost: x\n" + auth + "\nContent-Type: application/json\nContent-Length: " + cl + "\n\n" + secretBody,
		"no Host":                "POST /intent HTTP/1.1\r\n" + auth + "\r\nContent-Type: application/json\r\nContent-Length: " + cl + "\r\n\r\n" + secretBody,
		"length in characters":   "POST /intent HTTP/1.1\r\nHost: x\r\n" + auth + "\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len([]rune(secretBody))) + "\r\n\r\n" + secretBody,
		"garbage request line":   "退货 " + secretBody + " HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n\r\n",
		"bad chunk":              "POST /intent HTTP/1.1\r\nHost: x\r\n" + auth + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" + secretBody + "\r\n",
		"control byte in header": "POST /intent HTTP/1.1\r\nHost: x\r\n" + auth + "\r\nX-Note: " + name + "\x01" + phone + "\r\nContent-Length: 2\r\n\r\n{}",
		"body over the limit":    "POST /intent?phone=" + phone + " HTTP/1.1\r\nHost: x\r\n" + auth + "\r\nContent-Type: application/json\r\nContent-Length: 99999999\r\n\r\n" + secretBody,
		"bad admin token":        "POST /admin/reload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer 138-1234-5678\r\nContent-Length: 0\r\n\r\n",
	} {
		out = append(out, p.raw(ctx, "malformed: "+what, req))
	}
	for _, f := range append(append([]string{}, phoneForms...), otherForms...) {
		body, _ := json.Marshal(map[string]string{"text": "我要退货 " + f, "msg_id": "m-" + f})
		out = append(out, p.post(ctx, "text and msg_id: "+f, "/intent?debug=1", string(body), nil, true))
		batch := `{"messages":[` + string(body) + `]}`
		out = append(out, p.post(ctx, "batch: "+f, "/intent/batch?debug=1", batch, nil, true))
	}
	for _, id := range idForms {
		out = append(out, p.post(ctx, "X-Request-Id: "+id, "/intent", `{"text":"快递到哪了"}`, map[string]string{"X-Request-Id": id}, true))
	}
	for _, bad := range []string{
		`{"text":"退货 138-1234-5678",}`, `{"138-1234-5678":"x"}`, `{"text":"退货","msg_id":13812345678}`,
		"{\"text\":\"\xff 138-1234-5678 " + name + "\"}", `{"text":"` + strings.Repeat("好", 700) + ` 13812345678"}`,
		`{"text":"退货","text":"13812345678"}`, `null`,
	} {
		out = append(out, p.post(ctx, "bad JSON", "/intent", bad, map[string]string{"X-Request-Id": "bad-138-1234-5678"}, false))
	}
	if p.token != "" {
		for _, dir := range []string{"models/13812345678", "models/138-1234-5678", "/etc/138.1234.5678"} {
			body, _ := json.Marshal(map[string]string{"model": dir})
			out = append(out, p.post(ctx, "reload "+dir, "/admin/reload", string(body), map[string]string{"Authorization": "Bearer " + p.token}, false))
		}
	}
	return out, nil
}

// raw writes req on a fresh connection and reads what comes back.
func (p *probe) raw(ctx context.Context, what, req string) exchange {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", p.addr)
	if err != nil {
		return exchange{what: what, body: []byte(err.Error())}
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	_, _ = io.WriteString(c, req)
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return exchange{what: what}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return exchange{what: what, status: resp.StatusCode, header: resp.Header, body: body}
}

func (p *probe) post(ctx context.Context, what, path, body string, hdr map[string]string, debug bool) exchange {
	req, err := http.NewRequestWithContext(ctx, "POST", "http://"+p.addr+path, strings.NewReader(body))
	if err != nil {
		return exchange{what: what, body: []byte(err.Error())}
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return exchange{what: what, body: []byte(err.Error())}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return exchange{what: what, status: resp.StatusCode, header: resp.Header, body: b, debug: debug && resp.StatusCode == 200}
}

// leak is one planted value found where it must not be.
type leak struct {
	where string // "log line 12", "answer to …"
	what  string // the value found
	near  string // the text around it, for the report
}

// findLeaks looks for the planted values in the log and in the answers.
func findLeaks(log string, answers []exchange, token string) []leak {
	var out []leak
	for i, line := range strings.Split(log, "\n") {
		for _, what := range plantedIn(line, token, true) {
			out = append(out, leak{where: fmt.Sprintf("log line %d", i+1), what: what, near: clipped(line)})
		}
	}
	for _, a := range answers {
		if id := a.header.Get("X-Request-Id"); id != "" {
			for _, what := range plantedIn(id, token, false) {
				out = append(out, leak{where: "X-Request-Id of the answer to " + a.what, what: what, near: id})
			}
		}
		if !a.debug {
			continue
		}
		body := withoutMsgIDs(a.body)
		for _, what := range plantedIn(body, token, false) {
			out = append(out, leak{where: "answer to " + a.what, what: what, near: clipped(body)})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].where < out[j].where })
	return out
}

// plantedIn lists the planted values s holds; secrets also counts the token and "Bearer".
func plantedIn(s, token string, secrets bool) []string {
	var found []string
	digits := digitsView(s)
	for _, core := range []string{phone, phone2, idCard, bankCard} {
		if strings.Contains(digits, core) {
			found = append(found, core)
		}
	}
	lower := strings.ToLower(s)
	for _, word := range []string{mailCore, name, address} {
		if strings.Contains(lower, word) {
			found = append(found, word)
		}
	}
	if secrets {
		if token != "" && strings.Contains(s, token) {
			found = append(found, "the admin token")
		}
		if strings.Contains(lower, "bearer") {
			found = append(found, "Bearer")
		}
	}
	return found
}

// digitsView writes every digit-like character (ASCII, full-width, Chinese numerals) as an ASCII
// digit and drops the separators between them, so a number is found however it was written.
func digitsView(s string) string {
	var b strings.Builder
	lastDigit := false
	pendingSep := ""
	for _, r := range s {
		if d, ok := digitOf(r); ok {
			if lastDigit {
				pendingSep = ""
			}
			b.WriteString(pendingSep)
			pendingSep = ""
			b.WriteByte(d)
			lastDigit = true
			continue
		}
		if lastDigit && strings.ContainsRune(" -./_+*", r) && len(pendingSep) < 3 {
			pendingSep += string(r)
			continue
		}
		b.WriteString(pendingSep)
		pendingSep = ""
		b.WriteRune(r)
		lastDigit = false
	}
	b.WriteString(pendingSep)
	return b.String()
}

func digitOf(r rune) (byte, bool) {
	switch {
	case r >= '0' && r <= '9':
		return byte(r), true
	case r >= '０' && r <= '９':
		return byte('0' + r - '０'), true
	}
	for d, set := range []string{"〇零", "一幺壹", "二贰貳", "三叁參", "四肆", "五伍", "六陆陸", "七柒", "八捌", "九玖"} {
		if strings.ContainsRune(set, r) {
			return byte('0' + d), true
		}
	}
	return 0, false
}

// withoutMsgIDs drops the msg_id fields of an answer: the gateway's own id echoed back.
func withoutMsgIDs(body []byte) string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return string(body)
	}
	var strip func(any)
	strip = func(x any) {
		switch t := x.(type) {
		case map[string]any:
			delete(t, "msg_id")
			for _, y := range t {
				strip(y)
			}
		case []any:
			for _, y := range t {
				strip(y)
			}
		}
	}
	strip(v)
	b, _ := json.Marshal(v)
	return string(b)
}

func clipped(s string) string {
	if r := []rune(s); len(r) > 240 {
		return string(r[:240]) + "…"
	}
	return s
}
