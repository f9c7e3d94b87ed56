package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/period"
	"github.com/zhiyi-ai/zhiyi/reply"
	"github.com/zhiyi-ai/zhiyi/session"
	"github.com/zhiyi-ai/zhiyi/train"
)

func runEval(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zhiyi eval", flag.ContinueOnError)
	setUsage(fs, stderr, "Usage: zhiyi eval --model DIR --data FILE_OR_DIR [--labels FILE...] [--conversations] [--since DATE]\n"+
		"                  [--json [--full]] [--out FILE] [--html FILE]\n\n"+
		"Scores a bundle on labelled data: accuracy, macro-F1, per intent, confusions, the share answered\n"+
		"automatically and its precision. A summary line on stderr, with the import's; --json prints the\n"+
		"metrics as JSON on stdout (--full: the whole report).")
	model := fs.String("model", "", "model bundle directory")
	data := fs.String("data", "", "labelled data: a file or directory in any import format")
	asJSON := fs.Bool("json", false, "print the metrics object on stdout")
	full := fs.Bool("full", false, "with --json: print the whole report, not just the metrics")
	html := fs.String("html", "", "write the report as a self-contained HTML page to this file")
	out := fs.String("out", "", "write the full JSON report to this file")
	csvMap := fs.String("csv", "", "CSV column mapping (see zhiyi train -h)")
	maxText := fs.Int("max-text-bytes", train.DefaultMaxTextBytes, "skip messages longer than this many UTF-8 bytes, as zhiyi serve refuses them (-1: no limit)")
	alone := fs.Bool("classifier-only", false, "switch retrieval fusion off: measure the models (the classifier, and the ranker where there is one) without retrieval")
	ctxWeight := fs.Float64("context-weight", -1, "override the bundle's context weight (how much a conversation's active intent counts; -1: the bundle's)")
	var labels multiFlag
	fs.Var(&labels, "labels", "labels beside the exports, as zhiyi train --labels (repeatable)")
	convs := fs.Bool("conversations", false, "replay the exports as traffic, conversation by conversation in time order, with the context serving keeps (retries, the active intent, repeats, escalation)")
	adapt := fs.Bool("adapt-priors", false, "re-estimate the intent mix of the data from the model's own probabilities (EM, no labels used) and decide for that mix")
	since := fs.String("since", "", "score only messages sent at or after this date (2026-10-17, China Standard Time) or RFC 3339 time")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if *model == "" || *data == "" {
		fmt.Fprintln(stderr, "zhiyi eval: --model and --data are required")
		fs.Usage()
		return errUsage
	}
	if w := *ctxWeight; w != -1 && !(w >= 0) || math.IsInf(w, 0) {
		fmt.Fprintf(stderr, "zhiyi eval: --context-weight %v: want 0 or more, or -1 for the bundle's own\n", w)
		return errUsage
	}
	if *full && !*asJSON {
		fmt.Fprintln(stderr, "zhiyi eval: --full goes with --json (it prints the whole report instead of the metrics); --out FILE writes it to a file")
		return errUsage
	}
	ins := append(dataInputs("--data", *data), inputs("--labels", labels...)...)
	for _, o := range append(inputs("--html", *html), inputs("--out", *out)...) {
		if insideDir(o.path, *model) {
			return fmt.Errorf("%s %s is inside the model bundle %s; a bundle must stay as it was written (its manifest lists every file), so write the report elsewhere", o.flag, o.path, *model)
		}
		if err := checkNotInput(o.flag, o.path, ins); err != nil {
			return err
		}
	}
	eng, err := intent.Load(ctx, *model)
	if err != nil {
		return err
	}
	defer eng.Close()
	if *ctxWeight >= 0 {
		p := eng.Policy()
		p.Context.Weight = *ctxWeight
		eng = eng.WithPolicy(p)
	}
	if *alone {
		eng = eng.WithPolicy(eng.Policy().ClassifierOnly())
	}
	cols, err := train.ParseCSVColumns(*csvMap)
	if err != nil {
		return err
	}
	opts := train.DataOptions{Paths: []string{*data}, Labels: labels, CSV: cols, MaxTextBytes: *maxText}
	if *since == "" {
	} else if opts.Since, err = period.ParseTime(*since); err != nil {
		return err
	}
	if kb := eng.KB(); kb != nil {
		opts.Known = func(id string) bool { _, ok := kb.Intent(id); return ok || id == intent.NoneIntent }
	}
	var rep *train.Report
	if *convs && *adapt {
		return fmt.Errorf("--adapt-priors re-estimates the mix of single messages; it does not apply to --conversations")
	}
	if *convs {
		if rep, err = evalConversations(ctx, eng, opts, *data, stderr); err != nil {
			return err
		}
	} else {
		items, st, _, err := train.ReadLabelled(ctx, opts, stderr)
		if err == nil || st.Files > 0 { // not "0 files, 0 lines read" before "cannot read"
			printImport(stderr, st)
		}
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return fmt.Errorf("%s: no labelled messages", *data)
		}
		note, err := seenNote(*model, items)
		if err != nil {
			return err
		}
		if note != "" {
			fmt.Fprintln(stderr, note)
		}
		if *adapt {
			texts := make([]string, len(items))
			for i, it := range items {
				texts[i] = it.Text
			}
			var mix map[string]float64
			if eng, mix, err = eng.AdaptPriors(ctx, texts, intent.MixConfig{}); err != nil {
				return err
			}
			fmt.Fprintf(stderr, "intent mix re-estimated from the model's probabilities: %s\n", topShares(mix, 5))
		}
		if rep, err = train.Evaluate(ctx, eng, items, *data, stderr); err != nil {
			return err
		}
	}
	fmt.Fprintln(stderr, rep.Summary())
	if *html != "" {
		var b strings.Builder
		if err := rep.WriteHTML(&b); err != nil {
			return err
		}
		if err := intent.WriteFileAtomic(*html, []byte(b.String())); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "report: %s\n", *html)
	}
	if *out != "" {
		data, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := intent.WriteFileAtomic(*out, data); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		if *full {
			return enc.Encode(rep)
		}
		return enc.Encode(rep.Metrics())
	}
	return nil
}

// insideDir reports whether path is dir or lies under it.
func insideDir(path, dir string) bool {
	p, err1 := filepath.Abs(path)
	d, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// evalConversations replays the exports as serving would see them: each conversation's customer
// messages in time order through package reply, with an in-memory conversation store, and
// scores the labelled messages sent since opts.Since (earlier turns give context only).
func evalConversations(ctx context.Context, eng *intent.Engine, opts train.DataOptions, name string, stderr io.Writer) (*train.Report, error) {
	convs, st, _, err := train.ReadConversations(ctx, opts, stderr)
	if err == nil || st.Files > 0 {
		printImport(stderr, st, fmt.Sprintf("%d conversations", len(convs)))
	}
	if err != nil {
		return nil, err
	}
	store := session.NewMemory(session.MemoryConfig{})
	defer store.Close()
	rp := reply.New(reply.Config{Sessions: store})
	var items []train.Labelled
	var results []intent.Result
	var buf []byte
	for i, c := range convs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		chat := "replay-" + strconv.Itoa(i)
		for _, t := range c.Turns {
			req := intent.Request{Text: t.Text, MsgID: t.MsgID, ChatID: chat, Channel: c.Channel, Debug: t.Scored}
			if !t.Time.IsZero() {
				req.SentAt = t.Time.UnixMilli()
			}
			d := rp.Decide(ctx, eng, req)
			if d.Replay != "" {
				continue // the same message id again: already scored
			}
			buf = d.Result.AppendJSON(buf[:0])
			rp.Commit(ctx, d, buf)
			if t.Scored {
				items = append(items, train.Labelled{Text: t.Text, Intent: t.Intent})
				results = append(results, d.Result)
			}
		}
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("%s: no labelled messages to score", name)
	}
	what := name + " replayed as conversations"
	if !opts.Since.IsZero() {
		what += ", scored from " + sinceNote(opts.Since)
	}
	return train.Score(eng, items, results, what), nil
}

// sinceNote names --since in the report as it was read, in China's clock: the date alone for a
// date (midnight CST), else the time too. Formatted in its own zone, an RFC 3339 time such as
// 2026-10-17T20:00:00Z (the 18th in China) was reported as "scored from 2026-10-17".
func sinceNote(t time.Time) string {
	t = t.In(period.CST)
	if h, m, s := t.Clock(); h == 0 && m == 0 && s == 0 && t.Nanosecond() == 0 {
		return t.Format(time.DateOnly)
	}
	return t.Format("2006-01-02 15:04:05 MST")
}

// topShares formats the n largest shares of a mix, largest first.
func topShares(mix map[string]float64, n int) string {
	names := make([]string, 0, len(mix))
	for name := range mix {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool {
		if mix[names[i]] != mix[names[j]] {
			return mix[names[i]] > mix[names[j]]
		}
		return names[i] < names[j]
	})
	var parts []string
	for _, name := range names[:min(n, len(names))] {
		parts = append(parts, name+" "+pct(mix[name], 1))
	}
	return strings.Join(parts, ", ")
}
