package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/zhiyi-ai/zhiyi/experiment"
	"github.com/zhiyi-ai/zhiyi/experiment/explog"
	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/period"
	"github.com/zhiyi-ai/zhiyi/internal/stat"
)

// abResults reads the decision log's per-variant outcomes: every decision with a variant made
// in q's period, with its time and route, joined with its feedback (the latest rating and
// resolved value), minus q.Exclude's senders — an experiment.Tally, from which the report takes
// all of them and the gray judgement its own windows and routes, as zhiyi serve's does. It is
// the seam between zhiyi ab and where the log lives: the store (--db, --data-dir) or JSON-lines
// files in the store's spool format (--log).
type abResults func(ctx context.Context, q abQuery) (experiment.Outcomes, error)

// abQuery selects what abResults counts: the decisions made in [Since, Until) (zero: unbounded),
// with their feedback whenever it came, as zhiyi report and export count a period.
type abQuery struct {
	Since, Until time.Time
	// Exclude are the experiments file's excluded sender ids, raw: a store source hashes them
	// with the store's key before comparing them with its sender hashes.
	Exclude []string
}

// openStoreResults opens the store's decision log as an abResults.
func openStoreResults(ctx context.Context, sf *storeFlags) (abResults, func() error, error) {
	db, err := sf.openReader(ctx)
	if err != nil {
		return nil, nil, err
	}
	return func(ctx context.Context, q abQuery) (experiment.Outcomes, error) {
		return explog.OutcomesIn(ctx, db, q.Since, q.Until, q.Exclude)
	}, db.Close, nil
}

func runAB(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zhiyi ab", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	var logs multiFlag
	fs.Var(&logs, "log", "decision-log JSON lines ({\"d\":decision} / {\"f\":feedback}, the store's spool format); repeatable")
	model := fs.String("model", "models/shop", "the bundle whose kb.yaml defines the experiments (its creation time starts gray periods)")
	kbPath := fs.String("kb", "", "a kb.yaml instead of --model (gray periods then need gray_since)")
	overrides := fs.String("experiments", env("ZHIYI_EXPERIMENTS", ""), "the experiments file serve runs with (experiments.yaml): stopped variants, excluded senders, weights (env ZHIYI_EXPERIMENTS)")
	only := fs.String("experiment", "", "report this experiment (intent id) only")
	since := fs.String("since", "", "count decisions from this time: a duration back from now (720h, 30d), a date (2026-11-01, China time) or an RFC 3339 time (default: the whole log)")
	untilFlag := fs.String("until", "", "count decisions before this time (exclusive), in the same forms (default: now), as report, export and unmatched take it")
	asJSON := fs.Bool("json", false, "print the reports as JSON")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: zhiyi ab [--data-dir DIR | --db URL | --log FILE...] [--model DIR | --kb FILE]\n"+
			"                [--experiments FILE] [--experiment ID] [--since 720h|DATE] [--until DATE] [--json]\n\n"+
			"Reports the A/B experiments on answer variants (intents with several answers in kb.yaml):\n"+
			"per variant the answers served, ratings with their mean and 95 % interval, the resolved\n"+
			"share and the repeat rate (Wilson intervals); against the control Welch's t-test on the\n"+
			"ratings and two-proportion z-tests on resolved and repeats (Fisher's exact test on small\n"+
			"counts), with p-values, significance at α = 0.05 (Bonferroni over the variants) and the\n"+
			"sample size planned for a difference of 0.3 rating points or 5 percentage points.\n"+
			"A p-value holds for one look at the planned size: read early or often, it overstates;\n"+
			"the verdict calls a winner without a caveat only when the always-valid interval of the\n"+
			"rating difference, which holds however often it is read, excludes 0.\n"+
			"A change of the variants' shares within the period is reported: use --since from it.\n"+
			"The log is where zhiyi serve writes it: --data-dir (default data, env ZHIYI_DATA_DIR) or --db\n"+
			"(env ZHIYI_DB); or JSON lines in the store's spool format (--log).")
		fs.PrintDefaults()
	}
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	now := time.Now()
	from, err := period.Parse(*since, now)
	if err != nil {
		return fmt.Errorf("--since: %w", err)
	}
	until, err := period.Parse(*untilFlag, now)
	if err != nil {
		return fmt.Errorf("--until: %w", err)
	}
	if !until.IsZero() && !from.Before(until) {
		return fmt.Errorf("--since %s is not before --until %s", from.In(period.CST).Format(time.DateTime), until.In(period.CST).Format(time.DateTime))
	}
	if *kbPath != "" && flagGiven(fs, "model") {
		// --kb replaces the bundle: its creation time, which starts gray periods, would be lost
		fmt.Fprintln(stderr, "zhiyi ab: give --model or --kb, not both")
		return errUsage
	}
	if *kbPath == "" && !flagGiven(fs, "model") {
		// The experiments are the bundle's: another bundle's log would be reported against it.
		fmt.Fprintf(stderr, "zhiyi ab: the experiments of %s (the default; give --model for the bundle that served the log)\n", *model)
	}
	kb, created, err := abKB(*model, *kbPath)
	if err != nil {
		return err
	}
	var ov *experiment.Overrides
	if *overrides != "" {
		if ov, err = experiment.LoadOverrides(*overrides); err != nil {
			return err
		}
	} else {
		// a variant serve has stopped would be reported at kb.yaml's weight
		fmt.Fprintln(stderr, "zhiyi ab: no --experiments (env ZHIYI_EXPERIMENTS): the variants and weights are kb.yaml's; give serve's experiments file if it runs with one")
	}
	var source abResults
	switch {
	case len(logs) > 0 && sf.given(fs):
		fmt.Fprintln(stderr, "zhiyi ab: give --log, or --db / --data-dir, not both")
		return errUsage
	case len(logs) > 0:
		source = logResults(logs)
	default: // the store zhiyi serve writes: --db, --data-dir or their defaults
		src, closeSrc, err := openStoreResults(ctx, &sf)
		if err != nil {
			return err
		}
		defer closeSrc()
		source = src
	}
	return abReport(ctx, abInput{KB: kb, Created: created, Overrides: ov, Since: from, Until: until, Now: now, Only: *only, JSON: *asJSON},
		source, stdout, stderr)
}

// abInput is what abReport reports on.
type abInput struct {
	KB        *index.KB
	Created   time.Time
	Overrides *experiment.Overrides
	Since     time.Time
	Until     time.Time // zero: no end
	Now       time.Time
	Only      string
	JSON      bool
}

// abReport reads the results through source and prints the reports.
func abReport(ctx context.Context, in abInput, source abResults, stdout, stderr io.Writer) error {
	// A first Set without results gives the excluded senders and checks --experiment.
	set, err := experiment.New(experiment.Config{KB: in.KB, Created: in.Created, Overrides: in.Overrides, Now: in.Now, IgnoreStale: true})
	if err != nil {
		return err
	}
	for _, w := range set.Warnings() {
		fmt.Fprintln(stderr, "warning:", w)
	}
	if !in.Since.IsZero() {
		// the notes name a gray answer's own start, but only what --since let in was read
		fmt.Fprintf(stderr, "zhiyi ab: decisions from %s only: a gray answer's \"since\" in its note counts from there at the earliest\n",
			in.Since.In(period.CST).Format("2006-01-02 15:04"))
	}
	if !in.Until.IsZero() {
		fmt.Fprintf(stderr, "zhiyi ab: decisions before %s only (their feedback whenever it came)\n", in.Until.In(period.CST).Format("2006-01-02 15:04"))
	}
	if in.Only != "" && set.Experiment(in.Only) == nil {
		var ids []string
		for _, e := range set.Experiments() {
			ids = append(ids, e.ID)
		}
		return fmt.Errorf("no experiment %q (intents with several answers: %s)", in.Only, strings.Join(ids, ", "))
	}
	out, err := source(ctx, abQuery{Since: in.Since, Until: in.Until, Exclude: set.ExcludedSenders()})
	if err != nil {
		return err
	}
	res := out.Select(experiment.Filter{})
	if w := unreportedVariants(set, res); w != "" {
		fmt.Fprintln(stderr, "warning:", w)
	}
	// The Set that judges gray answers by these outcomes: a fresh judgement on the period read,
	// which may differ from zhiyi serve's (its releases are sticky; it reads from the gray start).
	if set, err = experiment.New(experiment.Config{KB: in.KB, Created: in.Created, Overrides: in.Overrides, Results: res,
		Outcomes: out, Now: in.Now, IgnoreStale: true}); err != nil {
		return err
	}
	var reports []experiment.Report
	if in.Only != "" {
		r, _ := set.Report(in.Only, res)
		reports = append(reports, r)
	} else {
		reports = set.Reports(res)
	}
	if in.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"experiments": reports})
	}
	if len(reports) == 0 {
		// Silence here read as a broken command: say why there is nothing to report.
		_, err := fmt.Fprintln(stdout, "no A/B experiments: no intent of the knowledge base has more than one answer (an intent's answers are its variants; docs/reply-policy.md)")
		return err
	}
	return printABReports(stdout, reports)
}

// abKB loads the knowledge base and when the bundle's answers were first served (its creation,
// or a learnt bundle's first ancestor's: intent.Manifest.AnswersFrom).
func abKB(model, kbPath string) (*index.KB, time.Time, error) {
	if kbPath != "" {
		kb, err := index.LoadKB(kbPath)
		return kb, time.Time{}, err
	}
	m, err := intent.ReadManifest(model)
	if err != nil {
		return nil, time.Time{}, err
	}
	kb, err := index.LoadKB(filepath.Join(model, intent.KBFile))
	return kb, m.AnswersFrom(), err
}

// logResults reads decision-log JSON lines: {"d":{decision}} and {"f":{feedback}} with the
// store's field names (msg_id, time, sender, variant, route, repeat; msg_id, rating, resolved,
// time). Senders are compared with the excluded ids as written.
func logResults(paths []string) abResults {
	return func(ctx context.Context, q abQuery) (experiment.Outcomes, error) {
		excluded := map[string]bool{}
		for _, id := range q.Exclude {
			excluded[id] = true
		}
		tl := &experiment.Tally{Exclude: func(s string) bool { return excluded[s] }}
		for _, path := range paths {
			if err := readLog(ctx, path, q.Since, q.Until, tl); err != nil {
				return nil, err
			}
		}
		return tl, nil
	}
}

type logLine struct {
	D *struct {
		MsgID   string    `json:"msg_id"`
		Time    time.Time `json:"time"`
		Sender  string    `json:"sender"`
		Variant string    `json:"variant"`
		Route   string    `json:"route"`
		Repeat  bool      `json:"repeat"`
	} `json:"d"`
	F *struct {
		MsgID    string    `json:"msg_id"`
		Rating   int       `json:"rating"`
		Resolved *bool     `json:"resolved"`
		Time     time.Time `json:"time"`
	} `json:"f"`
}

func readLog(ctx context.Context, path string, since, until time.Time, tl *experiment.Tally) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	const maxLine = 1 << 20
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	line := 1 // the line being read: after the loop, the one the scanner stopped at
	for ; sc.Scan(); line++ {
		if line%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		b := sc.Bytes()
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		var l logLine
		if err := json.Unmarshal(b, &l); err != nil {
			return fmt.Errorf("%s:%d: %w", path, line, err)
		}
		switch {
		case l.D != nil:
			if !l.D.Time.Before(since) && (until.IsZero() || l.D.Time.Before(until)) {
				tl.Record(experiment.Decided{MsgID: l.D.MsgID, Variant: l.D.Variant, Sender: l.D.Sender, Route: l.D.Route,
					Time: l.D.Time, Repeat: l.D.Repeat})
			}
		case l.F != nil:
			tl.Feedback(l.F.MsgID, l.F.Time, l.F.Rating, l.F.Resolved)
		default:
			return fmt.Errorf("%s:%d: neither a decision (\"d\") nor a feedback (\"f\")", path, line)
		}
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		return fmt.Errorf("%s:%d: a line longer than %d bytes: %w", path, line, maxLine, err)
	} else if err != nil {
		return fmt.Errorf("%s:%d: %w", path, line, err)
	}
	return nil
}

// printABReports prints the reports as text tables.
func printABReports(w io.Writer, reports []experiment.Report) error {
	bw := bufio.NewWriter(w)
	for i, r := range reports {
		if i > 0 {
			fmt.Fprintln(bw)
		}
		fmt.Fprintf(bw, "%s  (control %s; α = %g", r.Experiment, r.Control, r.Alpha)
		if r.Comparisons > 1 {
			fmt.Fprintf(bw, ", %g per comparison (Bonferroni over %d variants)", r.Alpha/float64(r.Comparisons), r.Comparisons)
		}
		fmt.Fprintln(bw, ")")
		tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  variant\tshare\tserved\trated\trating [95% CI]\tresolved [95% CI]\trepeats [95% CI]")
		for _, v := range r.Variants {
			id := v.ID
			if v.Control {
				id += " (control)"
			}
			share := pct(v.Share, 0)
			switch {
			case v.Stopped:
				share = "stopped"
			case v.Gray:
				share += " gray"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%d\t%d\t%s\t%s\t%s\n", id, share, v.Served, v.Rated,
				meanCell(v.Rating), shareCell(v.Resolved), shareCell(v.Repeat))
		}
		tw.Flush()
		for _, v := range r.Variants {
			if v.GrayNote != "" {
				fmt.Fprintf(bw, "  %s: %s\n", v.ID, v.GrayNote)
			}
		}
		for _, v := range r.Variants[1:] {
			c := v.VsControl
			fmt.Fprintf(bw, "  %s vs control:\n", v.ID)
			fmt.Fprintf(bw, "    rating    %s\n", testLine(c.Rating, false, "ratings"))
			fmt.Fprintf(bw, "    resolved  %s\n", testLine(c.Resolved, true, "answers with a resolved yes/no"))
			fmt.Fprintf(bw, "    repeats   %s\n", testLine(c.Repeat, true, "served answers"))
		}
		fmt.Fprintf(bw, "  verdict: %s\n", r.Verdict)
	}
	return bw.Flush()
}

func testLine(t experiment.Test, points bool, unit string) string {
	if math.IsNaN(t.P) {
		return "no data to compare"
	}
	diff := fmt.Sprintf("%+.2f", t.Diff)
	if points {
		diff = fmt.Sprintf("%+.1f pts", 100*t.Diff)
	}
	var stat string
	switch t.Name {
	case experiment.TestWelch:
		stat = fmt.Sprintf("Welch's t = %.2f, df = %.1f", t.Stat, t.DF)
		if math.IsNaN(t.Stat) {
			// every rating the same within each side: no spread for t; P is the exact
			// permutation test's (experiment's welch)
			stat = "exact permutation test: every rating the same within each side"
		}
	case experiment.TestFisher:
		stat = "Fisher's exact test: small counts"
	default:
		stat = fmt.Sprintf("two-proportion z = %.2f", t.Stat)
		if math.IsNaN(t.Stat) {
			stat = "two-proportion z: identical"
		}
	}
	verdict := "not significant"
	if t.Significant {
		verdict = "significant"
	}
	s := fmt.Sprintf("%s (%s, p = %s) %s at %g", diff, stat, pValue(t.P), verdict, t.Alpha)
	if t.Needed > 0 {
		effect := fmt.Sprintf("%.2f", t.Effect)
		if points {
			effect = fmt.Sprintf("%.1f pts", 100*t.Effect)
		}
		s += fmt.Sprintf("; planned: %d %s a variant for 80 %% power at a difference of %s (has %d)", t.Needed, unit, effect, t.Have)
	}
	if t.Name == experiment.TestWelch && !math.IsNaN(t.SeqLow) && t.SeqLow != t.SeqHigh {
		// the interval the verdict rests on when the report is read more than once
		s += fmt.Sprintf("; always-valid %g %% interval [%+.2f, %+.2f]", 100*(1-t.Alpha), t.SeqLow, t.SeqHigh)
	}
	return s
}

func pValue(p float64) string {
	if p < 0.0001 {
		return fmt.Sprintf("%.1e", p)
	}
	return fmt.Sprintf("%.4f", p)
}

func meanCell(m experiment.Mean) string {
	switch {
	case m.N == 0:
		return "–"
	case math.IsNaN(m.Low):
		return fmt.Sprintf("%.2f", m.Mean)
	}
	return fmt.Sprintf("%.2f [%.2f, %.2f]", m.Mean, m.Low, m.High)
}

func shareCell(s experiment.Share) string {
	if s.N == 0 {
		return "–"
	}
	return fmt.Sprintf("%s [%s, %s]", pct(s.Rate, 1), pct(s.Low, 1), pct(s.High, 1))
}

// pct formats a share with digits decimals; one strictly between 0 and 1 never reads 100 %
// or 0 % (stat.PercentText): a gray variant at 0.4 % of the senders is "<1% gray", not "0% gray".
func pct(x float64, digits int) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "–"
	}
	return stat.PercentText(x, digits) + "%"
}

// unreportedVariants says which variants the log served that none of set's experiments has —
// answers a retrain renamed or removed, or of an intent renamed, deleted or left with one
// answer — and so no report counts: they would otherwise vanish from zhiyi ab without a word,
// and an experiment's control that was served beside one of them pools both periods. Empty
// when there are none.
func unreportedVariants(set *experiment.Set, res experiment.Results) string {
	known := map[string]bool{}
	for _, e := range set.Experiments() {
		for _, v := range e.Variants {
			known[v.ID] = true
		}
	}
	var ids []string
	for id, c := range res {
		if !known[id] && c.Served > 0 {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return ""
	}
	slices.SortFunc(ids, func(a, b string) int {
		return cmp.Or(cmp.Compare(res[b].Served, res[a].Served), strings.Compare(a, b))
	})
	names := make([]string, 0, min(len(ids), 10))
	for _, id := range ids[:min(len(ids), 10)] {
		names = append(names, fmt.Sprintf("%s (%d served)", id, res[id].Served))
	}
	more := ""
	if len(ids) > 10 {
		more = fmt.Sprintf(" and %d more", len(ids)-10)
	}
	return fmt.Sprintf("the log holds answers of %d variant(s) no experiment of this knowledge base has, not counted below: %s%s. "+
		"They were renamed or removed (or their intent was) by a retrain: report them with --model of the bundle that served them, "+
		"and read an experiment whose variants changed with --since from the change, for its control's numbers pool both periods",
		len(ids), strings.Join(names, ", "), more)
}
