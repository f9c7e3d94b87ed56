package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/alert"
	"github.com/zhiyi-ai/zhiyi/board"
)

// sendReport sends b to the alert targets: the robot's markdown, the text with the HTML page
// attached, the JSON — the same report the command prints, in each target's form.
func sendReport(ctx context.Context, b *board.Board, targets []alert.Target, link string) error {
	var text, page bytes.Buffer
	if err := b.WriteText(&text); err != nil {
		return err
	}
	if err := b.WriteHTML(&page); err != nil {
		return err
	}
	raw, err := json.Marshal(b)
	if err != nil {
		return err
	}
	d := alert.Digest{Title: b.Title(), Markdown: b.Markdown(link), Text: text.String(), HTML: page.Bytes(),
		HTMLName: "zhiyi-report-" + b.Since.In(b.Since.Location()).Format("20060102") + ".html", JSON: raw}
	return alert.SendDigest(ctx, targets, d)
}

// boardLink is the console's 看板 for the report's period under consoleURL ("" without one).
func boardLink(consoleURL string, q board.Query) (string, error) {
	if consoleURL == "" {
		return "", nil
	}
	u, err := url.Parse(consoleURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("--console-url %q: want the console's address, such as https://shop.example.com or https://shop.example.com/zhiyi", consoleURL)
	}
	until := q.Until
	if until.IsZero() { // --until left out: now, when the report was made, not the page's now
		until = q.Now
	}
	v := url.Values{"since": {q.Since.Format(time.RFC3339)}, "until": {until.Format(time.RFC3339)}}
	return strings.TrimRight(u.String(), "/") + "/console/board?" + v.Encode(), nil
}

// targetList names the targets: wecom, email.
func targetList(ts []alert.Target) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.Name
	}
	return strings.Join(names, ", ")
}
