package alert

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"
)

// A weekly report reaches each kind of target in its form — the robot's markdown, an e-mail
// with the page attached, the webhook's JSON — and a target that refuses it is named while the
// others still get it.
func TestSendDigest(t *testing.T) {
	bot := newRobot(t, nil)
	refusing := newRobot(t, nil)
	refusing.answer = `{"errcode":93000,"errmsg":"invalid webhook url"}`
	mailer := startSMTP(t, false, "", "")
	hooked := make(chan []byte, 1)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		hooked <- b
	}))
	defer hook.Close()
	d := Digest{
		Title:    "知意客服报告 2026-11-30 – 2026-12-06",
		Markdown: "### 知意客服报告\n消息 **120** 条\n",
		Text:     "messages 120\n",
		HTML:     []byte("<!doctype html><title>看板</title>"),
		HTMLName: "zhiyi-report-20261130.html",
		JSON:     json.RawMessage(`{"messages":120}`),
	}
	targets := []Target{
		{Name: "wecom", Type: TypeWeCom, URL: bot.url()},
		{Name: "old-robot", Type: TypeWeCom, URL: refusing.url()},
		{Name: "email", Type: TypeEmail, Email: EmailConfig{SMTP: "smtp://" + mailer.addr + "?tls=none", From: "zhiyi@example.com", To: []string{"boss@example.com"}}},
		{Name: "webhook", Type: TypeWebhook, URL: hook.URL},
	}
	err := SendDigest(t.Context(), targets, d)
	if err == nil || !strings.Contains(err.Error(), "target old-robot") || !strings.Contains(err.Error(), "93000") {
		t.Fatalf("error %v: want the refusing robot named with its errcode", err)
	}
	if strings.Contains(err.Error(), "target wecom") || strings.Contains(err.Error(), "target email") || strings.Contains(err.Error(), "target webhook") {
		t.Errorf("error %v names a target that took the report", err)
	}
	if got := bot.next(t); got != d.Markdown {
		t.Errorf("the robot got %q, want %q", got, d.Markdown)
	}
	m := mailer.next(t)
	raw := string(m.data)
	subject, _ := decodeMail(t, m.data)
	if subject != d.Title || !strings.Contains(raw, `filename="zhiyi-report-20261130.html"`) || !strings.Contains(raw, "text/html") {
		t.Errorf("e-mail %q: want the title as subject and the page attached:\n%s", subject, raw)
	}
	var payload struct {
		Source, Kind, Title string
		Report              map[string]int
	}
	if err := json.Unmarshal(<-hooked, &payload); err != nil || payload.Kind != "report" || payload.Source != "zhiyi" || payload.Title != d.Title || payload.Report["messages"] != 120 {
		t.Errorf("webhook payload %+v (%v)", payload, err)
	}
}

// A report longer than a robot message is cut at a line, with a note, within the robot's limit
// and as valid UTF-8.
func TestDigestCutForTheRobot(t *testing.T) {
	bot := newRobot(t, nil)
	var md strings.Builder
	for md.Len() < 3*WeComMaxContentBytes {
		md.WriteString("> 物流查询 track_parcel：120 → 260（+140）\n")
	}
	w, err := NewWeCom(bot.url(), WeComOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.SendDigest(t.Context(), Digest{Markdown: md.String()}); err != nil {
		t.Fatal(err)
	}
	got := bot.next(t)
	if len(got) > WeComMaxContentBytes || !utf8.ValidString(got) || !strings.HasSuffix(got, "\n……（更多见邮件或 zhiyi report）") {
		t.Fatalf("content of %d bytes ending %q", len(got), got[max(0, len(got)-80):])
	}
	body := strings.TrimSuffix(got, "\n……（更多见邮件或 zhiyi report）")
	for _, line := range strings.Split(body, "\n") {
		if line != "> 物流查询 track_parcel：120 → 260（+140）" {
			t.Fatalf("a line cut in the middle: %q", line)
		}
	}
}
