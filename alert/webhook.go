package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Webhook posts alerts as JSON to any URL; a 2xx answer means delivered. The payload
// (Content-Type: application/json) is
//
//	{
//	  "source": "zhiyi",
//	  "shop": "衣橱小铺",                  // Config.Shop (kb.yaml's shop); omitted when not given
//	  "alerts": [{
//	    "rule": "unrecognised",           // the rule's id
//	    "name": "未识别消息过多",            // the rule's name
//	    "measure": "unrecognised",        // unrecognised | unrecognised_share | handoff_share | bad_ratings | comment_keywords | error_rate | p99_latency | spool | dropped
//	    "severity": "warning",            // info | warning | critical
//	    "state": "firing",                // firing | resolved | stopped (zhiyi stopped while it fired)
//	    "value": 20,                      // count, share in [0,1], seconds (p99_latency) or records (spool)
//	    "threshold": 20,                  // same unit as value
//	    "num": 20,                        // events counted in value (numerator of a share)
//	    "count": 20,                      // events in the window (denominator of a share); comment_keywords: comments reported
//	    "window_seconds": 600,            // 0 for comment_keywords and spool
//	    "since": "2026-03-02T14:06:20Z",  // when the rule started firing (RFC 3339, UTC)
//	    "at": "2026-03-02T14:06:20Z",     // when this state was entered
//	    "summary": "10分钟内有 20 条消息未识别（阈值 20 条）",
//	    "category": "staffing",           // comment_keywords only, like the four below
//	    "category_label": "人手不足",
//	    "keyword": "回复慢",
//	    "comment": "客服回复慢",           // masked; the newest comment's, like keyword and rating
//	    "earlier_comments": ["等太久"],    // when count > 1: the comments held back by the cooldown, newest first (at most 3)
//	    "rating": 2                       // omitted when absent
//	  }]
//	}
//
// Several alerts in one payload were merged (close together, or queued while the receiver was
// slow). Safe for concurrent use.
type Webhook struct {
	url    string
	client *http.Client
}

// NewWebhook checks the URL (http or https) and returns its notifier; a nil client means
// http.DefaultClient.
func NewWebhook(rawURL string, client *http.Client) (*Webhook, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("webhook URL %q: want http(s)://host/path", redactURL(rawURL))
	}
	if client == nil {
		client = http.DefaultClient
	}
	return &Webhook{url: rawURL, client: client}, nil
}

// WebhookPayload is the JSON body a Webhook posts.
type WebhookPayload struct {
	Source string         `json:"source"`
	Shop   string         `json:"shop,omitempty"` // Config.Shop: which shop alerted
	Alerts []WebhookAlert `json:"alerts"`
}

// WebhookAlert is one alert in a WebhookPayload.
type WebhookAlert struct {
	Rule          string    `json:"rule"`
	Name          string    `json:"name"`
	Measure       Measure   `json:"measure"`
	Severity      Severity  `json:"severity"`
	State         State     `json:"state"`
	Value         float64   `json:"value"`
	Threshold     float64   `json:"threshold"`
	Num           int64     `json:"num"`
	Count         int64     `json:"count"`
	WindowSeconds float64   `json:"window_seconds"`
	Since         time.Time `json:"since"`
	At            time.Time `json:"at"`
	Summary       string    `json:"summary"`
	Category      string    `json:"category,omitempty"`
	CategoryLabel string    `json:"category_label,omitempty"`
	Keyword       string    `json:"keyword,omitempty"`
	Comment       string    `json:"comment,omitempty"`
	Earlier       []string  `json:"earlier_comments,omitempty"`
	Rating        int       `json:"rating,omitempty"`
}

// NewWebhookPayload is the payload for alerts.
func NewWebhookPayload(alerts []Alert) WebhookPayload {
	p := WebhookPayload{Source: "zhiyi", Alerts: make([]WebhookAlert, len(alerts))}
	if len(alerts) > 0 {
		p.Shop = alerts[0].Shop
	}
	for i := range alerts {
		a := &alerts[i]
		p.Alerts[i] = WebhookAlert{Rule: a.Rule, Name: a.Name, Measure: a.Measure, Severity: a.Severity,
			State: a.State, Value: a.Value, Threshold: a.Threshold, Num: a.Num, Count: a.Count,
			WindowSeconds: a.Window.Seconds(), Since: a.Since.UTC(), At: a.At.UTC(), Summary: a.Summary,
			Category: a.Category, CategoryLabel: a.CategoryLabel, Keyword: a.Keyword, Comment: a.Comment,
			Earlier: a.Earlier, Rating: a.Rating}
	}
	return p
}

// Notify posts alerts as one payload.
func (w *Webhook) Notify(ctx context.Context, alerts []Alert) error {
	body, err := json.Marshal(NewWebhookPayload(alerts))
	if err != nil {
		return fmt.Errorf("webhook: cannot encode alerts: %w", err)
	}
	return w.post(ctx, body)
}

// post sends one JSON body.
func (w *Webhook) post(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook: %w", scrub(err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "zhiyi-alert/1")
	resp, err := w.client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: %w", scrub(err))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook %s: %w", redactURL(w.url), statusError(resp.StatusCode))
	}
	return nil
}
