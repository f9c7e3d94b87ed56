package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/zhiyi-ai/zhiyi/internal/period"
)

// WeCom group robot (企业微信群机器人) limits, from its documentation (developer.work.weixin.qq.com,
// 群机器人配置说明): a markdown message's content is at most 4096 bytes of UTF-8, and a robot takes
// at most 20 messages a minute (more are refused, errcode 130101 "send too fast, exceed 20 times
// per minute", and the robot may then be throttled for minutes).
const (
	WeComMaxContentBytes = 4096
	WeComLimit           = 20
	WeComPer             = time.Minute
	// weComMargin widens the rate window so that network jitter cannot make the robot count 21
	// requests in its own minute.
	weComMargin = time.Second
)

// WeCom posts alerts to a WeCom group robot webhook
// (https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…) as one markdown message:
//
//	{"msgtype":"markdown","markdown":{"content":"…"}}
//
// A message counts as delivered only when the robot answers errcode 0. WeCom keeps a client-side
// limit of WeComLimit messages per WeComPer (a sliding window), one per robot URL however many
// targets name it: through RateLimited the Alerter waits for a free slot and merges the alerts
// that arrive meanwhile into that message, and through Bounded it splits what does not fit in
// WeComMaxContentBytes over several messages. A robot that answers its rate is used up
// (errcode 45009 or 130101: other senders share it) counts the next minute as full: the alerts
// wait for it, merged with the next ones. Nothing is dropped. Safe for concurrent use.
type WeCom struct {
	url    string
	client *http.Client
	lim    *limiter
}

// WeComOptions tune a WeCom notifier; the zero value means defaults.
type WeComOptions struct {
	Client *http.Client // nil: http.DefaultClient
	Clock  Clock        // nil: the system clock
	Limit  int          // messages per Per (default WeComLimit)
	Per    time.Duration
}

// NewWeCom checks the robot URL (http or https with a key parameter) and returns its notifier.
func NewWeCom(rawURL string, o WeComOptions) (*WeCom, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("wecom robot URL %q: want https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…", redactURL(rawURL))
	}
	if u.Query().Get("key") == "" {
		return nil, fmt.Errorf("wecom robot URL %s: no key parameter", redactURL(rawURL))
	}
	if o.Client == nil {
		o.Client = http.DefaultClient
	}
	if o.Limit <= 0 {
		o.Limit = WeComLimit
	}
	if o.Per <= 0 {
		o.Per = WeComPer
	}
	return &WeCom{url: rawURL, client: o.Client, lim: newLimiter(orSystem(o.Clock), o.Limit, o.Per+weComMargin)}, nil
}

// Ready waits until the robot may take a message now.
func (w *WeCom) Ready(ctx context.Context) error { return w.lim.ready(ctx) }

// Fit returns how many alerts, from the front, fit in one markdown message.
func (w *WeCom) Fit(alerts []Alert) int {
	if len(weComMarkdown(alerts, false)) <= WeComMaxContentBytes {
		return len(alerts)
	}
	size := len(weComHeader(alerts))
	for i := range alerts {
		size += len(weComLine(&alerts[i]))
		if size > WeComMaxContentBytes {
			return max(i, 1)
		}
	}
	return len(alerts)
}

// Notify posts alerts as one markdown message, waiting for the rate limit if need be.
func (w *WeCom) Notify(ctx context.Context, alerts []Alert) error {
	content := weComMarkdown(alerts, false)
	if len(content) > WeComMaxContentBytes {
		content = truncateBytes(weComMarkdown(alerts, true), WeComMaxContentBytes)
	}
	return w.post(ctx, content)
}

// post sends one markdown message of at most WeComMaxContentBytes, waiting for the rate limit.
func (w *WeCom) post(ctx context.Context, content string) error {
	body, err := json.Marshal(weComMessage{MsgType: "markdown", Markdown: weComContent{Content: content}})
	if err != nil {
		return fmt.Errorf("wecom: cannot encode message: %w", err)
	}
	if err := w.lim.take(ctx); err != nil {
		// another target on this robot took the slot, or the robot said its minute is spent:
		// throttled, not failed (the sender keeps the alerts unless it is itself ending)
		return fmt.Errorf("wecom: waiting for the rate limit: %w (%w)", err, errThrottled)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("wecom: %w", scrub(err))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.client.Do(req)
	if err != nil {
		return fmt.Errorf("wecom: %w", scrub(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return fmt.Errorf("wecom: cannot read the answer: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("wecom: %w", statusError(resp.StatusCode))
	}
	var ans struct {
		ErrCode *int   `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil || ans.ErrCode == nil {
		return fmt.Errorf("wecom: the answer is not {\"errcode\":…}: %.100q", raw)
	}
	switch *ans.ErrCode {
	case 0:
	case -1: // system busy: later may do
		return fmt.Errorf("wecom: errcode %d: %s", *ans.ErrCode, ans.ErrMsg)
	case 45009, 130101: // the robot's minute is used up, by us or by others posting to it
		w.lim.saturate()
		return fmt.Errorf("wecom: errcode %d: %s (%w)", *ans.ErrCode, ans.ErrMsg, errThrottled)
	case 93000: // the key: mistyped, or the robot was removed from its group
		return fmt.Errorf("wecom: errcode %d: %s (%w): the robot's key is wrong or the robot was removed from its group; copy its webhook address again from the group's robot settings", *ans.ErrCode, ans.ErrMsg, errRefused)
	default: // a message the robot will never take …
		return fmt.Errorf("wecom: errcode %d: %s (%w)", *ans.ErrCode, ans.ErrMsg, errRefused)
	}
	return nil
}

type weComMessage struct {
	MsgType  string       `json:"msgtype"`
	Markdown weComContent `json:"markdown"`
}

type weComContent struct {
	Content string `json:"content"`
}

// weComMarkdown renders alerts in the robot's markdown subset (headings, bold, quotes,
// <font color="info|comment|warning">); compact puts each alert on one line.
func weComMarkdown(alerts []Alert, compact bool) string {
	var b strings.Builder
	b.WriteString(weComHeader(alerts))
	for i := range alerts {
		if compact {
			b.WriteString(weComLine(&alerts[i]))
			continue
		}
		a := &alerts[i]
		fmt.Fprintf(&b, "**%s %s**\n> %s\n> <font color=\"comment\">规则 %s · 级别 %s · %s</font>\n",
			weComTag(a), WeComEscape(a.Name), WeComEscape(a.Summary), a.Rule, a.Severity, a.At.In(period.CST).Format("01-02 15:04:05"))
	}
	return b.String()
}

// maxShopBytes bounds the shop's name in a heading, so that a long one cannot crowd the alerts
// out of a message.
const maxShopBytes = 96

// weComHeader names the shop (the alerts' Shop) and how many alerts the message holds.
func weComHeader(alerts []Alert) string {
	h := "### 知意告警"
	if len(alerts) > 0 && alerts[0].Shop != "" {
		h += " · " + WeComEscape(truncateBytes(alerts[0].Shop, maxShopBytes))
	}
	if len(alerts) == 1 {
		return h + "\n"
	}
	return fmt.Sprintf("%s（%d 条）\n", h, len(alerts))
}

func weComLine(a *Alert) string {
	return fmt.Sprintf("%s %s：%s\n", weComTag(a), WeComEscape(a.Name), WeComEscape(a.Summary))
}

func weComTag(a *Alert) string {
	switch {
	case a.State == StateResolved:
		return `<font color="info">【恢复】</font>`
	case a.State == StateStopped:
		return `<font color="comment">【停止监测】</font>`
	case a.Severity == SeverityCritical:
		return `<font color="warning">【严重】</font>`
	case a.Severity == SeverityInfo:
		return `<font color="comment">【提示】</font>`
	}
	return `<font color="warning">【告警】</font>`
}

var weComEscaper = strings.NewReplacer("<", "＜", ">", "＞", "\n", " ", "`", "'", "[", "［", "]", "］", "*", "＊")

// WeComEscape keeps text from being read as a WeCom robot's markup: the masks' placeholders such
// as <PHONE> would otherwise vanish as unknown tags, and a comment (anyone may post one) could put
// a link ([text](url)) or bold text in a message from the shop's own robot.
func WeComEscape(s string) string { return weComEscaper.Replace(s) }

// truncateBytes cuts s to at most n bytes on a rune boundary.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// limiter allows at most limit sends in any window of per (a sliding log of the last limit
// send times).
type limiter struct {
	clock Clock
	limit int
	per   time.Duration

	mu   sync.Mutex
	sent []time.Time // ring of the last limit send times
	next int         // the oldest entry once the ring is full
}

func newLimiter(c Clock, limit int, per time.Duration) *limiter {
	return &limiter{clock: c, limit: limit, per: per, sent: make([]time.Time, 0, limit)}
}

// delay is how long until a send is allowed; the caller holds l.mu.
func (l *limiter) delay(now time.Time) time.Duration {
	if len(l.sent) < l.limit {
		return 0
	}
	return max(l.sent[l.next].Add(l.per).Sub(now), 0)
}

func (l *limiter) wait(ctx context.Context, record bool) error {
	for {
		l.mu.Lock()
		now := l.clock.Now()
		d := l.delay(now)
		if d == 0 {
			if record {
				if len(l.sent) < l.limit {
					l.sent = append(l.sent, now)
				} else {
					l.sent[l.next] = now
					l.next = (l.next + 1) % l.limit
				}
			}
			l.mu.Unlock()
			return nil
		}
		l.mu.Unlock()
		select {
		case <-l.clock.After(d):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// saturate counts the whole window as used from now: the receiver said its rate is spent.
func (l *limiter) saturate() {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	l.sent = l.sent[:l.limit]
	for i := range l.sent {
		l.sent[i] = now
	}
	l.next = 0
}

func (l *limiter) ready(ctx context.Context) error { return l.wait(ctx, false) }
func (l *limiter) take(ctx context.Context) error  { return l.wait(ctx, true) }
