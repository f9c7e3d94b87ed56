package alert

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jonboulle/clockwork"
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

// A robot whose minute is used up when the report comes (errcode 45009: zhiyi serve's alerts
// post to the same robot) takes it once the minute has passed: the report was refused, not
// lost, and cron's Monday run did not end with the group never getting the week.
func TestSendDigestWaitsOutTheRobotsMinute(t *testing.T) {
	clock := clockwork.NewFakeClockAt(t0)
	bot := newRobot(t, clock)
	bot.answer = `{"errcode":45009,"errmsg":"api freq out of limit"}`
	hooked := make(chan []byte, 1)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		hooked <- b
	}))
	defer hook.Close()
	targets := []Target{{Name: "wecom", Type: TypeWeCom, URL: bot.url()}, {Name: "webhook", Type: TypeWebhook, URL: hook.URL}}
	done := make(chan error, 1)
	go func() {
		done <- sendDigest(t.Context(), targets, Digest{Title: "周报", Markdown: "### 周报\n"}, clock, DefaultTimeout)
	}()
	bot.next(t) // refused: the minute is spent
	bot.mu.Lock()
	bot.answer = `{"errcode":0,"errmsg":"ok"}`
	bot.mu.Unlock()
	blockUntil(t, clock, 1)
	clock.Advance(WeComPer + weComMargin)
	if got := bot.next(t); got != "### 周报\n" {
		t.Errorf("the robot got %q on the second attempt", got)
	}
	if err := <-done; err != nil {
		t.Fatalf("SendDigest: %v, want the report delivered after the robot's minute", err)
	}
	<-hooked
}

// A target that did not take the report is told apart from those that did: the command says
// which have it, so that it is sent again to the others alone, not twice to the group.
func TestSendDigestSaysWhoHasIt(t *testing.T) {
	bot := newRobot(t, nil)
	refusing := newRobot(t, nil)
	refusing.answer = `{"errcode":93000,"errmsg":"invalid webhook url"}`
	targets := []Target{{Name: "wecom", Type: TypeWeCom, URL: refusing.url()}, {Name: "ops", Type: TypeWeCom, URL: bot.url()}}
	err := SendDigest(t.Context(), targets, Digest{Markdown: "### 周报\n"})
	var de *DigestError
	if !errors.As(err, &de) || !slices.Equal(de.Sent, []string{"ops"}) || !slices.Equal(de.Failed, []string{"wecom"}) || !errors.Is(err, errRefused) {
		t.Fatalf("error %#v: want a DigestError with ops sent and wecom failed, refused", err)
	}
}

// A webhook that does not answer in time is named as one that may have the report anyway: the
// error said only "context deadline exceeded".
func TestSendDigestTimeoutSaysItMayHaveIt(t *testing.T) {
	release := make(chan struct{})
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer hook.Close()
	defer close(release)
	err := sendDigest(t.Context(), []Target{{Name: "webhook", Type: TypeWebhook, URL: hook.URL}}, Digest{Title: "周报"}, nil, 50*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "target webhook: no answer within 50ms, so it may have the report all the same") {
		t.Fatalf("error %v: want the timeout said as such", err)
	}
}
