package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/alert"
	"github.com/zhiyi-ai/zhiyi/board"
	"github.com/zhiyi-ai/zhiyi/store"
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
	d := alert.Digest{ID: reportID(b), Title: b.Title(), Markdown: b.Markdown(link), Text: text.String(), HTML: page.Bytes(),
		HTMLName: "zhiyi-report-" + b.Since.In(b.Since.Location()).Format("20060102") + ".html", JSON: raw}
	return alert.SendDigest(ctx, targets, d)
}

// reportID names a report by its period: a webhook that took it but answered too late gets the
// same id again, and each target's claim (sendReportOnce) is this id and the target's name.
func reportID(b *board.Board) string {
	return "report:" + b.Since.Format(time.RFC3339) + "/" + b.Until.Format(time.RFC3339)
}

// claimStale is how long a send may hold its claim before another run takes it over: the
// holder was killed. A send takes at most a busy robot's minute and two attempts' timeouts.
const claimStale = 10 * time.Minute

// sendReportOnce sends b to each target that has not had this period's report, whichever run
// sent it: the cron jobs of two replicas on one log, or a cron job and an operator's rerun,
// send it once. A target is claimed in the log before sending, its claim finished when it takes
// the report and released when it does not, so running the command again sends to those that
// did not take it alone. resend sends to those that have it too. It returns the targets sent to.
func sendReportOnce(ctx context.Context, db *store.DB, b *board.Board, targets []alert.Target, link string, resend bool, stderr io.Writer) ([]string, error) {
	id := reportID(b)
	// claims are kept and given up even when the command is interrupted mid-send
	keep, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	var claimed []alert.Target
	for _, t := range targets {
		name := id + ":" + t.Name
		var ok bool
		var c store.Claim
		var err error
		if resend {
			err = db.ReleaseClaim(ctx, name)
		}
		if err == nil {
			ok, c, err = db.TakeClaim(ctx, name, time.Now(), claimStale)
		}
		if err != nil {
			for _, t := range claimed {
				err = errors.Join(err, db.ReleaseClaim(keep, id+":"+t.Name))
			}
			return nil, fmt.Errorf("%w (--send writes which targets have the report to the log, so that it is sent once: the log must take writes)", err)
		}
		switch {
		case ok:
			claimed = append(claimed, t)
		case c.Done:
			fmt.Fprintf(stderr, "%s has had the report since %s: not sent again (--resend sends it again)\n", t.Name, c.At.In(board.CST).Format("2006-01-02 15:04"))
		default:
			fmt.Fprintf(stderr, "%s: another run has been sending the report since %s: not sent twice\n", t.Name, c.At.In(board.CST).Format("2006-01-02 15:04:05"))
		}
	}
	if len(claimed) == 0 {
		return nil, nil
	}
	err := sendReport(ctx, b, claimed, link)
	failed := map[string]bool{}
	var de *alert.DigestError
	if errors.As(err, &de) {
		for _, n := range de.Failed {
			failed[n] = true
		}
	} else if err != nil {
		for _, t := range claimed {
			failed[t.Name] = true
		}
	}
	var sent []string
	for _, t := range claimed {
		var cerr error
		if failed[t.Name] {
			cerr = db.ReleaseClaim(keep, id+":"+t.Name)
		} else {
			sent = append(sent, t.Name)
			cerr = db.FinishClaim(keep, id+":"+t.Name, time.Now())
		}
		if cerr != nil {
			err = errors.Join(err, cerr)
		}
	}
	return sent, err
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

// resendHint tells, after a send some targets did not take, who has the report and that the
// same command sends it to the others alone.
func resendHint(err error) string {
	var de *alert.DigestError
	if !errors.As(err, &de) {
		return ""
	}
	if len(de.Sent) == 0 {
		return "\nno target has the report: mend the above and run the same command again"
	}
	return fmt.Sprintf("\n%s %s the report; run the same command again to send it to %s alone",
		strings.Join(de.Sent, ", "), map[bool]string{true: "has", false: "have"}[len(de.Sent) == 1], strings.Join(de.Failed, ", "))
}
