package alert

import (
	"context"
	"errors"
	"net/url"
)

// Notifier delivers alerts to one place: a WeCom group robot, a webhook, a mailbox.
//
// Notify sends alerts as one message: the Alerter merges the alerts that reach a target close
// together (one evaluation, its group wait, or while an earlier message was in flight or held
// back by a rate limit). It makes one attempt and returns an error when the receiver did not
// take the message; the Alerter bounds each attempt with a timeout through ctx and retries with
// backoff. The Alerter never calls Notify concurrently for one target, but a Notifier shared by
// several targets must be safe for concurrent use. Notify must neither modify alerts nor
// retain the slice after it returns.
type Notifier interface {
	Notify(ctx context.Context, alerts []Alert) error
}

// NotifierFunc adapts a function to Notifier.
type NotifierFunc func(ctx context.Context, alerts []Alert) error

// Notify calls f(ctx, alerts).
func (f NotifierFunc) Notify(ctx context.Context, alerts []Alert) error { return f(ctx, alerts) }

// RateLimited is implemented by a Notifier whose receiver bounds its request rate (the WeCom
// robot: 20 messages a minute). The Alerter waits for Ready before it takes a target's pending
// alerts, so the alerts that arrive while it waits join that message instead of queueing
// behind it: a burst is merged, not dropped. Ready returns ctx's error if ctx ends first.
type RateLimited interface {
	Ready(ctx context.Context) error
}

// Bounded is implemented by a Notifier whose message has a size limit (WeCom markdown: 4096
// bytes). Fit returns how many of alerts, from the front, fit in one message, at least 1; the
// Alerter sends the rest in the next message.
type Bounded interface {
	Fit(alerts []Alert) int
}

// Target types, as written in an --alerts file and shown in metrics.
const (
	TypeWeCom   = "wecom"
	TypeWebhook = "webhook"
	TypeEmail   = "email"
)

// redactURL keeps the scheme and host of a URL: a WeCom robot key (query), a webhook password
// (user info) or token (the path of Feishu's, Slack's and Discord's webhooks) must never reach
// a log line. WeCom's robot path, the same for every robot, is kept.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	if u.Scheme == "" || u.Host == "" {
		return "(not an http(s)://host/… URL)"
	}
	r := (&url.URL{Scheme: u.Scheme, Host: u.Host}).String()
	switch u.Path {
	case "", "/", wecomRobotPath:
		r += u.Path
	default:
		r += "/…"
	}
	if u.RawQuery != "" {
		r += "?…"
	}
	return r
}

// wecomRobotPath is the path of every WeCom group robot's webhook.
const wecomRobotPath = "/cgi-bin/webhook/send"

// scrub rewrites the URL inside a *url.Error (net/http puts the whole request URL, key
// included, in its errors) so the error can be logged.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		c := *ue
		c.URL = redactURL(ue.URL)
		return &c
	}
	return err
}
