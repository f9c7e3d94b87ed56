package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/alert"
	"github.com/zhiyi-ai/zhiyi/board"
	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/period"
	"github.com/zhiyi-ai/zhiyi/store"
)

func runReport(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zhiyi report", flag.ContinueOnError)
	var lf logFlags
	lf.register(fs, "7d")
	bucket := fs.String("bucket", "", "the series' step: hour or day (default: hour for periods up to 3 days, day beyond)")
	asJSON := fs.Bool("json", false, "print the report as JSON (messages, auto, unrecognised, handoff_rate, resolved_rate, mean_rating, repeat_rate, series, by_hour, by_intent, by_channel, by_answer)")
	html := fs.String("html", "", "write the dashboard as a self-contained HTML page with charts to this file")
	model := fs.String("model", "", "a model bundle whose kb.yaml labels the intents (optional)")
	lastWeek := fs.Bool("last-week", false, "report the last whole week, Monday to Monday in China Standard Time, instead of --since and --until: what a Monday cron job sends, whatever the server's time zone")
	compare := fs.Bool("compare", false, "also report the period of the same length just before (last week beside this week): the totals and the intents that changed most")
	send := fs.Bool("send", false, "send the report to the alert targets — --alert-wecom, --alert-smtp (with --alert-email-from/-to), --alert-webhook or an --alerts file's, the flags and environment zhiyi serve alerts with: a WeCom group robot gets a message, e-mail the text with the HTML page attached, a webhook the JSON")
	sendTo := fs.String("send-to", "", "with --send: only these targets, comma-separated by name (wecom, email, webhook or an --alerts file's)")
	resend := fs.Bool("resend", false, "with --send: send to the targets that already have this period's report too (each target gets a period once, whichever run or replica sends it; a rerun sends to those that did not take it)")
	consoleURL := fs.String("console-url", "", "with --send: the console's address as operators open it (https://shop.example.com/zhiyi), for a link to 看板 in the message")
	var af alert.Flags
	af.RegisterFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: zhiyi report [--data-dir DIR | --db URL] [--since 7d] [--until TIME] [--bucket hour|day]\n"+
			"                    [--last-week] [--json] [--html FILE] [--model DIR] [--compare] [--send [--send-to NAMES] [--resend] [--console-url URL]]\n\n"+
			"Reports the decision log of a period: messages, 未识别 (out of scope), 转人工率, 解决率, 满意度,\n"+
			"重述率 and latency, over time, by hour of the day, by intent, channel and answer. Text on stdout;\n"+
			"--json prints the JSON other tools read; --html writes the page with charts.\n"+
			"The log is where zhiyi serve writes it: --data-dir (default data, env ZHIYI_DATA_DIR) or --db (env ZHIYI_DB).\n"+
			"--since and --until take a duration back from now (7d, 24h, 90m), a date (2026-11-01,\n"+
			"midnight China Standard Time) or an RFC 3339 time.\n"+
			"--last-week is the last whole week, Monday to Monday in China time, whatever the server's zone.\n"+
			"--send sends it where alerts go (a weekly cron job: zhiyi report --last-week --compare --send);\n"+
			"robot keys and SMTP passwords are better given in the environment (ZHIYI_ALERT_WECOM, …).")
		fs.PrintDefaults()
	}
	q, err := lf.parse(fs, args, stderr)
	if err != nil {
		return err
	}
	if *lastWeek {
		explicit := false
		fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "since" || f.Name == "until" })
		if explicit {
			return errors.New("--last-week is the period: give it or --since/--until, not both")
		}
		q.Since, q.Until = period.LastWeek(q.Now)
	}
	switch *bucket {
	case "":
	case "hour":
		q.Bucket = board.Hour
	case "day":
		q.Bucket = board.Day
	default:
		fmt.Fprintf(stderr, "zhiyi report: --bucket %q: want hour or day\n", *bucket)
		fs.Usage()
		return errUsage
	}
	var targets []alert.Target
	shop := "" // the alerts file's shop:, else --model's kb.yaml's: which shop a sent report is of
	if *send {
		cfg, err := af.Config()
		if err != nil {
			return fmt.Errorf("--send: %w", err)
		}
		shop = cfg.Shop
		if targets, err = chooseTargets(cfg.Targets, *sendTo); err != nil {
			return err
		}
	} else if *sendTo != "" || *resend {
		return errors.New("--send-to and --resend choose where --send sends the report: give --send too")
	} else if *consoleURL != "" {
		return errors.New("--console-url is the link in a sent report: give --send too")
	}
	link, err := boardLink(*consoleURL, q)
	if err != nil {
		return err
	}
	if *html != "" && *model != "" && insideDir(*html, *model) {
		return fmt.Errorf("--html %s is inside the model bundle %s; a bundle must stay as it was written, so write the page elsewhere", *html, *model)
	}
	if *model != "" {
		kb, err := index.LoadKB(filepath.Join(*model, intent.KBFile))
		if err != nil {
			return fmt.Errorf("--model: %w", err)
		}
		shop = cmp.Or(shop, kb.Shop)
		q.Labels = map[string]string{}
		for _, it := range kb.Intents {
			q.Labels[it.ID] = it.Label
		}
	}
	// --send writes which targets have the report (sendReportOnce); reading alone needs no more
	openLog := lf.openReader
	if *send {
		openLog = lf.open
	}
	db, err := openLog(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	b, err := board.Build(ctx, db, q)
	if err != nil {
		return err
	}
	b.Shop = shop
	// what customers wrote on their bad ratings: the words behind 满意度
	if err := board.BadComments(ctx, db, b); err != nil {
		return err
	}
	if *compare {
		if err := board.Compare(ctx, db, q, b); err != nil {
			return fmt.Errorf("--compare: %w", err)
		}
	}
	if *html != "" {
		var page bytes.Buffer
		if err := b.WriteHTML(&page); err != nil {
			return err
		}
		if err := intent.WriteFileAtomic(*html, page.Bytes()); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "wrote %s\n", *html)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		err = enc.Encode(b)
	} else {
		err = b.WriteText(stdout)
	}
	if err != nil || !*send {
		return err
	}
	// sent last: a target that refuses it costs neither the page nor the printed report
	sent, err := sendReportOnce(ctx, db, b, targets, link, *resend, stderr)
	if err != nil {
		return fmt.Errorf("--send: %w%s", err, resendHint(err))
	}
	if len(sent) > 0 {
		fmt.Fprintf(stderr, "sent the report to %s\n", strings.Join(sent, ", "))
	}
	return nil
}

// logFlags are the flags of the commands that read the decision log: where it is (as zhiyi
// serve takes it) and the period.
type logFlags struct {
	storeFlags
	since, until string
	low          float64
}

func (f *logFlags) register(fs *flag.FlagSet, since string) {
	f.storeFlags.register(fs)
	fs.StringVar(&f.since, "since", since, "the period's start: a duration back from now (7d, 24h, 90m), a date (2026-11-01, China Standard Time) or an RFC 3339 time")
	fs.StringVar(&f.until, "until", "", "the period's end (exclusive), in the same forms (default: now)")
	fs.Float64Var(&f.low, "low-confidence", store.DefaultLowConfidence, "a message answered below this confidence counts as unmatched")
}

// parse reads the command line, checks the flags and reads the period.
func (f *logFlags) parse(fs *flag.FlagSet, args []string, stderr io.Writer) (board.Query, error) {
	if err := parse(fs, args, stderr); err != nil {
		return board.Query{}, err
	}
	now := time.Now()
	q := board.Query{Now: now, LowConfidence: f.low}
	var err error
	if q.Since, q.Until, err = parsePeriod(f.since, f.until, now); err != nil {
		return q, err
	}
	if !(f.low > 0 && f.low <= 1) {
		return q, fmt.Errorf("--low-confidence %g: want a confidence in (0, 1]", f.low)
	}
	return q, nil
}

// parsePeriod reads --since and --until (a duration back from now, a date in China Standard
// Time, or an RFC 3339 time; until "" for now): the period every command on the log reads.
func parsePeriod(sinceFlag, untilFlag string, now time.Time) (since, until time.Time, err error) {
	if strings.TrimSpace(sinceFlag) == "" {
		return since, until, errors.New("--since is empty: give a duration back from now (7d, 24h, 90m) or a date")
	}
	if since, err = period.Parse(sinceFlag, now); err != nil {
		return since, until, fmt.Errorf("--since %w", err)
	}
	if until, err = period.Parse(untilFlag, now); err != nil {
		return since, until, fmt.Errorf("--until %w", err)
	}
	if !until.IsZero() && !since.Before(until) {
		return since, until, fmt.Errorf("--since %s is not before --until %s", since.In(board.CST).Format(time.DateTime), until.In(board.CST).Format(time.DateTime))
	}
	return since, until, nil
}
