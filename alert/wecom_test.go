package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jonboulle/clockwork"
)

// robot is a real HTTP server on loopback that checks each request against the group robot's
// documented format (POST …/cgi-bin/webhook/send?key=…, JSON {"msgtype":"markdown",
// "markdown":{"content":"…"}}, content ≤ 4096 bytes of UTF-8) and answers as the robot does.
type robot struct {
	*httptest.Server
	t      *testing.T
	answer string // the JSON answer; default {"errcode":0,"errmsg":"ok"}

	mu       sync.Mutex
	contents []string
	times    []time.Time // the fake clock's time at each request
	clock    Clock
	got      chan string
}

func newRobot(t *testing.T, clock Clock) *robot {
	r := &robot{t: t, answer: `{"errcode":0,"errmsg":"ok"}`, clock: clock, got: make(chan string, 1000)}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *robot) url() string { return r.URL + "/cgi-bin/webhook/send?key=test-key-0001" }

var fontTag = regexp.MustCompile(`<font color="([^"]*)">`)

func (r *robot) serve(w http.ResponseWriter, req *http.Request) {
	t := r.t
	if req.Method != http.MethodPost || req.URL.Path != "/cgi-bin/webhook/send" || req.URL.Query().Get("key") != "test-key-0001" {
		t.Errorf("request %s %s: want POST /cgi-bin/webhook/send?key=…", req.Method, req.URL)
	}
	if ct := req.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	body, _ := io.ReadAll(req.Body)
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || len(top) != 2 || top["msgtype"] == nil || top["markdown"] == nil {
		t.Errorf("body %s: want exactly msgtype and markdown", body)
	}
	var msg struct {
		MsgType  string `json:"msgtype"`
		Markdown struct {
			Content string `json:"content"`
		} `json:"markdown"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&msg); err != nil {
		t.Errorf("body %s: %v", body, err)
	}
	c := msg.Markdown.Content
	if msg.MsgType != "markdown" || c == "" || len(c) > 4096 || !utf8.ValidString(c) {
		t.Errorf("msgtype %q, content of %d bytes (valid UTF-8: %v): want markdown, 1–4096 bytes", msg.MsgType, len(c), utf8.ValidString(c))
	}
	for _, m := range fontTag.FindAllStringSubmatch(c, -1) {
		if m[1] != "info" && m[1] != "comment" && m[1] != "warning" {
			t.Errorf("font color %q: the robot knows info, comment and warning", m[1])
		}
	}
	r.mu.Lock()
	r.contents = append(r.contents, c)
	if r.clock != nil {
		r.times = append(r.times, r.clock.Now())
	}
	answer := r.answer
	r.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, answer)
	r.got <- c
}

func (r *robot) next(t *testing.T) string {
	t.Helper()
	select {
	case c := <-r.got:
		return c
	case <-time.After(guard):
		t.Fatal("the robot received nothing")
	}
	return ""
}

func firing(rule, summary string) Alert {
	a := Alert{Rule: rule, Name: "未识别消息过多", Measure: MeasureUnrecognised, Severity: SeverityWarning,
		State: StateFiring, Value: 20, Threshold: 20, Num: 20, Count: 20, Window: 10 * time.Minute, Since: t0, At: t0}
	a.Summary = summary
	return a
}

func TestWeComPayloadMatchesTheDocumentedFormat(t *testing.T) {
	r := newRobot(t, nil)
	w, err := NewWeCom(r.url(), WeComOptions{})
	if err != nil {
		t.Fatal(err)
	}
	kw := Alert{Rule: "comment_keywords", Name: "评价关键词", Measure: MeasureCommentKeywords, Severity: SeverityWarning,
		State: StateFiring, Category: "staffing", CategoryLabel: "人手不足", Keyword: "回复慢", Comment: "回复慢 电话<PHONE>", Rating: 1, At: t0}
	kw.Summary = kw.summary()
	resolved := firing("unrecognised", "")
	resolved.State = StateResolved
	resolved.Num = 3
	resolved.Summary = resolved.summary()
	alerts := []Alert{firing("unrecognised", "10分钟内有 20 条消息未识别（阈值 20 条）"), kw, resolved}
	if err := w.Notify(t.Context(), alerts); err != nil {
		t.Fatal(err)
	}
	c := r.next(t)
	for _, want := range []string{"### 知意告警（3 条）", `<font color="warning">【告警】</font> 未识别消息过多`,
		"> 10分钟内有 20 条消息未识别（阈值 20 条）", "03-02 22:00:00", // 14:00 UTC in Beijing time
		"评价提到「回复慢」，归类：人手不足（staffing）", "＜PHONE＞", `<font color="info">【恢复】</font>`} {
		if !strings.Contains(c, want) {
			t.Errorf("content lacks %q:\n%s", want, c)
		}
	}
	if strings.Contains(c, "<PHONE>") {
		t.Errorf("a mask placeholder would be eaten as a tag:\n%s", c)
	}
}

// A comment is anyone's text (/feedback needs no token): in the robot's markdown it must stay
// text. Before, a comment such as "回复慢 [主管请点此处理](https://例子.cn/登录)" reached the ops
// group as a clickable link in a message from the shop's own alert robot (masking takes out
// http(s) URLs of ASCII hosts, not this one nor weixin:// or ftp:// ones), and **…** as bold.
func TestWeComCommentsStayText(t *testing.T) {
	r := newRobot(t, nil)
	w, err := NewWeCom(r.url(), WeComOptions{})
	if err != nil {
		t.Fatal(err)
	}
	kw := Alert{Rule: "comment_keywords", Name: "评价关键词", Measure: MeasureCommentKeywords, Severity: SeverityWarning,
		State: StateFiring, Category: "staffing", CategoryLabel: "人手不足", Keyword: "回复慢",
		Comment: "回复慢 [主管请点此处理](https://例子.cn/登录) [b](weixin://dl/x) **【恢复】**", Rating: 1, At: t0}
	kw.Summary = kw.summary()
	for _, compact := range []bool{false, true} {
		c := weComMarkdown([]Alert{kw}, compact)
		if strings.Contains(c, "](") || strings.Contains(c, "**【恢复】**") {
			t.Errorf("compact %v: a comment's markdown reaches the robot as markup:\n%s", compact, c)
		}
		if !strings.Contains(c, "主管请点此处理") || !strings.Contains(c, "https://例子.cn/登录") {
			t.Errorf("compact %v: the comment's words are lost:\n%s", compact, c)
		}
	}
	if err := w.Notify(t.Context(), []Alert{kw}); err != nil {
		t.Fatal(err)
	}
	if c := r.next(t); strings.Contains(c, "](") {
		t.Errorf("the robot got a link from a comment:\n%s", c)
	}
}

func TestWeComErrors(t *testing.T) {
	r := newRobot(t, nil)
	w, _ := NewWeCom(r.url(), WeComOptions{})
	r.answer = `{"errcode":93000,"errmsg":"invalid webhook url"}`
	err := w.Notify(t.Context(), []Alert{firing("u", "x")})
	if err == nil || !strings.Contains(err.Error(), "errcode 93000: invalid webhook url") {
		t.Fatalf("errcode 93000: %v", err)
	}
	// what to do: cron's mail of a weekly report said "invalid webhook url (refused)" alone
	if !strings.Contains(err.Error(), "the robot's key is wrong or the robot was removed from its group") {
		t.Errorf("errcode 93000: %v: want what to do", err)
	}
	r.answer = `<html>busy</html>`
	if err := w.Notify(t.Context(), []Alert{firing("u", "x")}); err == nil {
		t.Fatal("a non-JSON answer counted as delivered")
	}
	r.answer = `{}`
	if err := w.Notify(t.Context(), []Alert{firing("u", "x")}); err == nil {
		t.Fatal("an answer without errcode counted as delivered")
	}
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(503) }))
	defer down.Close()
	w2, _ := NewWeCom(down.URL+"/?key=SECRET-KEY", WeComOptions{})
	if err := w2.Notify(t.Context(), []Alert{firing("u", "x")}); err == nil || strings.Contains(err.Error(), "SECRET-KEY") {
		t.Fatalf("503: %v (and the key must not show)", err)
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	w3, _ := NewWeCom(closed.URL+"/?key=SECRET-KEY", WeComOptions{})
	if err := w3.Notify(t.Context(), []Alert{firing("u", "x")}); err == nil || strings.Contains(err.Error(), "SECRET-KEY") {
		t.Fatalf("connection refused: %v (and the key must not show)", err)
	}
	for _, bad := range []string{"", "qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"} {
		if _, err := NewWeCom(bad, WeComOptions{}); err == nil {
			t.Errorf("NewWeCom(%q) accepted", bad)
		}
	}
}

// Thirty alerts within one minute: the robot gets at most twenty requests in any minute and
// every alert's content, the last ten merged into one message.
func TestWeComRateLimitQueuesAndMerges(t *testing.T) {
	clock := clockwork.NewFakeClockAt(t0)
	r := newRobot(t, clock)
	a := newTestAlerterOn(t, clock, Config{GroupWait: -1,
		Rules:   []Rule{{ID: "comments", Measure: MeasureCommentKeywords, Cooldown: -1}}, // every comment an alert
		Targets: []Target{{Name: "robot", Type: TypeWeCom, URL: r.url()}}})
	comment := func(i int) Event {
		return Event{Kind: KindFeedback, Rating: 1, Comment: fmt.Sprintf("第%d位顾客：回复慢", i)}
	}
	for i := 1; i <= 20; i++ { // twenty, one at a time: twenty requests
		a.Observe(comment(i))
		flush(t, a)
		if c := r.next(t); !strings.Contains(c, fmt.Sprintf("第%d位顾客", i)) {
			t.Fatalf("request %d: %s", i, c)
		}
	}
	for i := 21; i <= 30; i++ { // ten more in the same minute: held back by the limit, merged
		a.Observe(comment(i))
	}
	flush(t, a)
	blockUntil(t, clock, 2) // the evaluation tick and the limiter's wait
	select {
	case c := <-r.got:
		t.Fatalf("a 21st request within the minute: %s", c)
	default:
	}
	clock.Advance(WeComPer + weComMargin)
	c := r.next(t)
	for i := 21; i <= 30; i++ {
		if !strings.Contains(c, fmt.Sprintf("第%d位顾客", i)) {
			t.Errorf("the merged message lacks comment %d:\n%s", i, c)
		}
	}
	if !strings.Contains(c, "知意告警（10 条）") {
		t.Errorf("merged message header:\n%s", c)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.contents) != 21 {
		t.Fatalf("%d requests, want 21", len(r.contents))
	}
	for i := range r.times {
		n := 0
		for _, u := range r.times[i:] {
			if u.Sub(r.times[i]) < WeComPer {
				n++
			}
		}
		if n > WeComLimit {
			t.Fatalf("%d requests in the minute from request %d", n, i+1)
		}
	}
}

// A robot whose minute others used up (errcode 130101 or 45009) gets nothing more until the
// minute has passed; then the alert it refused arrives merged with the next one, and nothing
// counts as failed.
func TestWeComThrottledWaitsForTheMinute(t *testing.T) {
	for _, code := range []string{"130101", "45009"} {
		t.Run(code, func(t *testing.T) {
			clock := clockwork.NewFakeClockAt(t0)
			r := newRobot(t, clock)
			r.answer = `{"errcode":` + code + `,"errmsg":"send too fast"}`
			a := newTestAlerterOn(t, clock, Config{GroupWait: -1,
				Rules:   []Rule{{ID: "comments", Measure: MeasureCommentKeywords, Cooldown: -1}}, // every comment an alert
				Targets: []Target{{Name: "robot", Type: TypeWeCom, URL: r.url()}}})
			a.Observe(Event{Kind: KindFeedback, Rating: 1, Comment: "第1位顾客：回复慢"})
			flush(t, a)
			r.next(t) // refused: over the rate
			r.mu.Lock()
			r.answer = `{"errcode":0,"errmsg":"ok"}`
			r.mu.Unlock()
			a.Observe(Event{Kind: KindFeedback, Rating: 1, Comment: "第2位顾客：回复慢"})
			flush(t, a)
			blockUntil(t, clock, 2) // the evaluation tick and the limiter's wait
			select {
			case c := <-r.got:
				t.Fatalf("a request within the minute the robot said was used up: %s", c)
			default:
			}
			clock.Advance(WeComPer + weComMargin)
			c := r.next(t)
			if !strings.Contains(c, "第1位顾客") || !strings.Contains(c, "第2位顾客") {
				t.Errorf("after the minute, want both alerts in one message:\n%s", c)
			}
			if n := counter(a, `zhiyi_alert_failed_total{target="robot",type="wecom"}`); n != 0 {
				t.Errorf("zhiyi_alert_failed_total %d, want 0", n)
			}
			if n := counter(a, `zhiyi_alert_throttled_total{target="robot",type="wecom"}`); n != 1 {
				t.Errorf("zhiyi_alert_throttled_total %d, want 1", n)
			}
		})
	}
}

// Two targets naming one robot share its twenty messages a minute.
func TestWeComTargetsShareTheRobotsRate(t *testing.T) {
	clock := clockwork.NewFakeClockAt(t0)
	r := newRobot(t, clock)
	a := newTestAlerterOn(t, clock, Config{GroupWait: -1,
		Rules: []Rule{{ID: "comments", Measure: MeasureCommentKeywords, Cooldown: -1}}, // every comment an alert
		Targets: []Target{{Name: "ops", Type: TypeWeCom, URL: r.url()},
			{Name: "model", Type: TypeWeCom, URL: r.url()}}})
	for i := 1; i <= 10; i++ { // twenty requests: the robot's minute
		a.Observe(Event{Kind: KindFeedback, Rating: 1, Comment: fmt.Sprintf("第%d位顾客：回复慢", i)})
		flush(t, a)
		r.next(t)
		r.next(t)
	}
	a.Observe(Event{Kind: KindFeedback, Rating: 1, Comment: "第11位顾客：回复慢"})
	flush(t, a)
	blockUntil(t, clock, 3) // the evaluation tick and both limiters' waits
	select {
	case c := <-r.got:
		t.Fatalf("a 21st request to one robot within the minute: %s", c)
	default:
	}
	clock.Advance(WeComPer + weComMargin)
	r.next(t)
	r.next(t)
}

// Two targets race for one robot's last free slot: the one that loses waits for the next
// minute — in Ready, or, when both passed it, throttled after take — and never counts a failed
// attempt (one attempt allowed here).
func TestWeComSharedSlotLostIsThrottled(t *testing.T) {
	clock := clockwork.NewFakeClockAt(t0)
	r := newRobot(t, clock)
	a := newTestAlerterOn(t, clock, Config{GroupWait: -1, Attempts: 1, Timeout: 200 * time.Millisecond,
		Rules: []Rule{{ID: "comments", Measure: MeasureCommentKeywords, Cooldown: -1}}, // every comment an alert
		Targets: []Target{{Name: "ops", Type: TypeWeCom, URL: r.url()},
			{Name: "model", Type: TypeWeCom, URL: r.url()}}})
	lim := a.byName["ops"].n.(*WeCom).lim
	for range WeComLimit - 1 { // someone used 19 of the robot's 20 this minute
		if err := lim.take(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	a.Observe(Event{Kind: KindFeedback, Rating: 1, Comment: "回复慢"})
	flush(t, a)
	r.next(t)               // the winner
	blockUntil(t, clock, 2) // the evaluation tick and the loser's wait for the next minute (in Ready, or after losing take within its attempt's 200 ms)
	clock.Advance(WeComPer + weComMargin)
	r.next(t) // the loser's, a minute later
	for _, name := range []string{"ops", "model"} {
		if n := counter(a, `zhiyi_alert_failed_total{target="`+name+`",type="wecom"}`); n != 0 {
			t.Errorf("%s: zhiyi_alert_failed_total %d, want 0", name, n)
		}
	}
}

func TestWeComSplitsWhatDoesNotFit(t *testing.T) {
	clock := clockwork.NewFakeClockAt(t0)
	r := newRobot(t, clock)
	a := newTestAlerterOn(t, clock, Config{GroupWait: time.Second,
		Rules:   []Rule{{ID: "comments", Measure: MeasureCommentKeywords, Cooldown: -1}}, // every comment an alert
		Targets: []Target{{Name: "robot", Type: TypeWeCom, URL: r.url()}}})
	long := strings.Repeat("等", 90)
	const n = 100
	for i := range n {
		a.Observe(Event{Kind: KindFeedback, Comment: fmt.Sprintf("#%03d# 回复慢%s", i, long)})
	}
	flush(t, a)
	blockUntil(t, clock, 2) // the evaluation tick and the group wait
	clock.Advance(time.Second)
	seen := map[string]bool{}
	messages := 0
	for len(seen) < n {
		c := r.next(t)
		messages++
		for _, m := range regexp.MustCompile(`#\d{3}#`).FindAllString(c, -1) {
			seen[m] = true
		}
	}
	if messages < 2 || messages > 20 {
		t.Fatalf("%d alerts of ~450 bytes in %d messages", n, messages)
	}
}

func TestLimiter(t *testing.T) {
	clock := &stepClock{now: t0}
	l := newLimiter(clock, 3, time.Minute)
	ctx := context.Background()
	for range 3 {
		if err := l.take(ctx); err != nil {
			t.Fatal(err)
		}
		clock.now = clock.now.Add(10 * time.Second)
	}
	// Three sends at 0, 10s and 20s; now 30s: the next is allowed at 60s.
	if d := l.delay(clock.now); d != 30*time.Second {
		t.Fatalf("delay = %s, want 30s", d)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := l.ready(cctx); err == nil {
		t.Fatal("ready with a cancelled context and no slot returned nil")
	}
	clock.now = t0.Add(time.Minute)
	if err := l.take(ctx); err != nil || l.delay(clock.now) != 10*time.Second {
		t.Fatalf("after the first slot freed: %v, delay %s", err, l.delay(clock.now))
	}
}

// stepClock is a clock the test moves by hand; its After never fires, so a wait ends only
// with its context.
type stepClock struct{ now time.Time }

func (c *stepClock) Now() time.Time { return c.now }
func (c *stepClock) After(time.Duration) <-chan time.Time {
	ch := make(chan time.Time)
	return ch
}

func TestTruncateBytes(t *testing.T) {
	s := "ab知意"
	for n := 0; n <= len(s); n++ {
		got := truncateBytes(s, n)
		if len(got) > n || !utf8.ValidString(got) || !strings.HasPrefix(s, got) {
			t.Errorf("truncateBytes(%q, %d) = %q", s, n, got)
		}
	}
	if got := truncateBytes("知意", 5); got != "知" {
		t.Errorf("got %q", got)
	}
}
