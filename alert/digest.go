package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Digest is a report sent to operators on a schedule — zhiyi report --send, run by cron every
// Monday — through the targets alerts go to: a shop's manager reads the week in the WeCom group
// or the inbox where the alerts arrive, not on a server. Each kind of target takes its part:
//
//	WeCom robot  Markdown, one message (cut at WeComMaxContentBytes)
//	e-mail       Title as the subject, Text as the body, HTML attached as HTMLName
//	webhook      {"source":"zhiyi","kind":"report","id":…,"title":…,"report":JSON}
type Digest struct {
	// ID names the report's period, the same however often it is sent: a webhook whose answer
	// timed out may have taken the report, and its receiver can drop the second one by ID.
	ID       string
	Title    string
	Markdown string
	Text     string
	HTML     []byte
	HTMLName string // the attachment's file name (default report.html)
	JSON     json.RawMessage
}

// DigestSender is a target that can take a Digest: WeCom, Webhook and Email are.
type DigestSender interface {
	SendDigest(ctx context.Context, d Digest) error
}

// DigestError is SendDigest's error when a target did not take the report: which did (they
// have it, so sending again to all of them would give it to them twice) and which did not, each
// with its error.
type DigestError struct {
	Sent   []string // the targets that took the report
	Failed []string // the targets that did not, in order
	Errs   []error  // why, one per failed target
}

// Error joins the failed targets' errors, one a line.
func (e *DigestError) Error() string { return errors.Join(e.Errs...).Error() }

// Unwrap gives the targets' errors to errors.Is and errors.As.
func (e *DigestError) Unwrap() []error { return e.Errs }

// SendDigest sends d to each target once, each attempt bounded by DefaultTimeout, and returns
// a *DigestError naming every target that did not take it; the others have it. A target's own
// Notifier that is no DigestSender is refused by name. A WeCom robot that answers its minute is
// used up (errcode 45009 or 130101: zhiyi serve's alerts or another sender share the robot) gets
// one more attempt once the minute has passed: it refused the message, so it cannot get it
// twice, and a weekly report lost to a busy minute would otherwise wait for someone to notice.
func SendDigest(ctx context.Context, targets []Target, d Digest) error {
	return sendDigest(ctx, targets, d, nil, DefaultTimeout)
}

func sendDigest(ctx context.Context, targets []Target, d Digest, clock Clock, timeout time.Duration) error {
	var e DigestError
	fail := func(name string, err error) {
		e.Failed = append(e.Failed, name)
		e.Errs = append(e.Errs, fmt.Errorf("target %s: %w", name, err))
	}
	for i := range targets {
		t := &targets[i]
		n, err := t.notifier(http.DefaultClient, clock, nil)
		if err != nil {
			fail(t.Name, err)
			continue
		}
		ds, ok := n.(DigestSender)
		if !ok {
			e.Failed = append(e.Failed, t.Name)
			e.Errs = append(e.Errs, fmt.Errorf("target %s (%s) cannot take a report", t.Name, t.Type))
			continue
		}
		attempt := func() error {
			tctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			return ds.SendDigest(tctx, d)
		}
		err = attempt()
		if w, ok := ds.(*WeCom); ok && errors.Is(err, errThrottled) {
			// a minute's silence otherwise, for whoever runs it by hand
			slog.Warn("the robot's minute is used up: sending the report again once it has passed", "target", t.Name, "err", err)
			if werr := w.Ready(ctx); werr == nil { // the robot's minute, from its answer
				err = attempt()
			}
		}
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
				// the request went out: a receiver that answers late may have the report
				err = fmt.Errorf("no answer within %s, so it may have the report all the same (a webhook's payload has an id to tell a second one by): %w", timeout, err)
			}
			fail(t.Name, err)
			continue
		}
		e.Sent = append(e.Sent, t.Name)
	}
	if len(e.Failed) == 0 {
		return nil
	}
	return &e
}

// SendDigest posts d.Markdown as one message, cut to WeComMaxContentBytes on a line boundary.
func (w *WeCom) SendDigest(ctx context.Context, d Digest) error {
	content := d.Markdown
	if len(content) > WeComMaxContentBytes {
		const more = "\n……（更多见邮件或 zhiyi report）"
		cut := truncateBytes(content, WeComMaxContentBytes-len(more))
		if i := bytes.LastIndexByte([]byte(cut), '\n'); i > 0 {
			cut = cut[:i]
		}
		content = cut + more
	}
	return w.post(ctx, content)
}

// SendDigest posts {"source":"zhiyi","kind":"report","id":d.ID,"title":d.Title,"report":d.JSON}.
func (w *Webhook) SendDigest(ctx context.Context, d Digest) error {
	body, err := json.Marshal(struct {
		Source string          `json:"source"`
		Kind   string          `json:"kind"`
		ID     string          `json:"id,omitempty"`
		Title  string          `json:"title"`
		Report json.RawMessage `json:"report,omitempty"`
	}{"zhiyi", "report", d.ID, d.Title, d.JSON})
	if err != nil {
		return fmt.Errorf("webhook: cannot encode the report: %w", err)
	}
	return w.post(ctx, body)
}

// SendDigest mails d.Text under d.Title with d.HTML attached.
func (e *Email) SendDigest(ctx context.Context, d Digest) error {
	m, err := e.message(d.Title, d.Text)
	if err != nil {
		return err
	}
	if len(d.HTML) > 0 {
		name := d.HTMLName
		if name == "" {
			name = "report.html"
		}
		if err := m.AttachReader(name, bytes.NewReader(d.HTML), gomail.WithFileContentType(gomail.TypeTextHTML)); err != nil {
			return fmt.Errorf("email: attaching %s: %w", name, err)
		}
	}
	return e.send(ctx, m)
}
