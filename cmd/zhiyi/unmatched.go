package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/zhiyi-ai/zhiyi/board"
	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/train"
)

func runUnmatched(ctx context.Context, args []string, _ io.Reader, _, stderr io.Writer) error {
	fs := flag.NewFlagSet("zhiyi unmatched", flag.ContinueOnError)
	var lf logFlags
	lf.register(fs, "24h")
	model := fs.String("model", "", "the model bundle serving now: it clusters the messages and suggests an intent per cluster")
	out := fs.String("out", "", "the cluster sheet to write (JSON lines, largest cluster first, as zhiyi cluster writes)")
	maxN := fs.Int("max", board.DefaultMaxUnmatched, "cluster at most this many messages, the newest")
	minSim := fs.Float64("min-similarity", 0, "cosine similarity to a cluster's centre needed to join it (0: default 0.35)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: zhiyi unmatched [--data-dir DIR | --db URL] --model DIR --out FILE [--since 24h] [--until TIME]\n\n"+
			"Writes the messages of a period that the model did not place — out of scope, handed off, or\n"+
			"answered below --low-confidence — from the decision log, grouped into clusters of similar\n"+
			"questions: the sheet of zhiyi cluster. Fill \"intent\" on the lines you decide (an intent id,\n"+
			"none, or new:<标签>), then zhiyi learn --labels FILE (it reads the members' text from the log),\n"+
			"or zhiyi train --data <exports holding these messages> --labels FILE.")
		fs.PrintDefaults()
	}
	q, err := lf.parse(fs, args, stderr)
	if err != nil {
		return err
	}
	if *model == "" || *out == "" {
		fmt.Fprintln(stderr, "zhiyi unmatched: --model and --out are required")
		fs.Usage()
		return errUsage
	}
	if *maxN <= 0 {
		return fmt.Errorf("--max %d: want a positive number of messages", *maxN)
	}
	if insideDir(*out, *model) {
		return fmt.Errorf("--out %s is inside the model bundle %s; a bundle must stay as it was written, so write the sheet elsewhere", *out, *model)
	}
	if err := checkNotInput("--out", *out, lf.logFiles()); err != nil {
		return err
	}
	if err := checkSheetOut(*out); err != nil {
		return err
	}
	db, err := lf.openReader(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	eng, err := intent.Load(ctx, *model)
	if err != nil {
		return err
	}
	defer eng.Close()
	res, err := board.Unmatched(ctx, db, eng, board.UnmatchedQuery{Since: q.Since, Until: q.Until, LowConfidence: q.LowConfidence,
		Max: *maxN, Cluster: train.ClusterConfig{MinSimilarity: *minSim}})
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := board.WriteSheet(&b, res.Lines); err != nil {
		return err
	}
	if err := intent.WriteFileAtomic(*out, b.Bytes()); err != nil {
		return err
	}
	period := "since " + q.Since.In(board.CST).Format(time.DateTime)
	if !q.Until.IsZero() {
		period += " until " + q.Until.In(board.CST).Format(time.DateTime)
	}
	fmt.Fprintf(stderr, "%d unmatched messages %s (CST): %d out of scope, %d handed off, %d below confidence %g\n",
		res.Messages, period, res.Reasons["none"], res.Reasons["handoff"], res.Reasons["low_confidence"], q.LowConfidence)
	if res.DataOnly > 0 {
		fmt.Fprintf(stderr, "left out %d unmatched messages that only give personal data (订单号<ORDER>, 手机号 <PHONE>): training leaves them out whatever their label, for what they ask is what their conversation asked\n", res.DataOnly)
	}
	switch {
	case res.Truncated && res.Messages == *maxN:
		fmt.Fprintf(stderr, "warning: more than %d unmatched messages in the period: only the newest %d are in the sheet (--max)\n", *maxN, *maxN)
	case res.Truncated:
		// board.Unmatched reads at most twice --max: those only giving data ended the reading
		fmt.Fprintf(stderr, "warning: the reading stopped at twice --max (%d), most of what it read only giving personal data: older unmatched messages of the period are not in the sheet's %d (a later --since, or a larger --max)\n", *maxN, res.Messages)
	}
	fmt.Fprintf(stderr, "wrote %d clusters to %s\n", len(res.Lines), *out)
	if len(res.Lines) > 0 {
		fmt.Fprintf(stderr, "fill \"intent\" on the lines you decide (an intent id, none, or new:<标签>), then: zhiyi learn --labels %s …\n", *out)
	}
	return nil
}
