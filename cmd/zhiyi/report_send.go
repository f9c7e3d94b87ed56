package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
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
	// the period names the report: a webhook that took it but answered too late gets the same id again
	id := "report:" + b.Since.Format(time.RFC3339) + "/" + b.Until.Format(time.RFC3339)
	d := alert.Digest{ID: id, Title: b.Title(), Markdown: b.Markdown(link), Text: text.String(), HTML: page.Bytes(),
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

// chooseTargets keeps the targets --send-to names (all of them when it is empty); a name no
// target has is an error listing those there are.
func chooseTargets(ts []alert.Target, sendTo string) ([]alert.Target, error) {
	if strings.TrimSpace(sendTo) == "" {
		return ts, nil
	}
	var chosen []alert.Target
	for _, name := range strings.Split(sendTo, ",") {
		name = strings.TrimSpace(name)
		i := slices.IndexFunc(ts, func(t alert.Target) bool { return t.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("--send-to %s: no target of that name (the targets: %s)", name, targetList(ts))
		}
		if !slices.ContainsFunc(chosen, func(t alert.Target) bool { return t.Name == name }) {
			chosen = append(chosen, ts[i])
		}
	}
	return chosen, nil
}

// resendHint tells, after a send some targets did not take, who has the report and how to
// send it to the others alone: running the cron line again as it is would give it twice to
// the group or inbox that has it.
func resendHint(err error) string {
	var de *alert.DigestError
	if !errors.As(err, &de) {
		return ""
	}
	failed := strings.Join(de.Failed, ",")
	if len(de.Sent) == 0 {
		return "\nno target has the report: mend the above and run the same command again"
	}
	return fmt.Sprintf("\n%s %s the report; to send it to %s alone, run the same command with --send-to %s",
		strings.Join(de.Sent, ", "), map[bool]string{true: "has", false: "have"}[len(de.Sent) == 1], strings.Join(de.Failed, ", "), failed)
}
