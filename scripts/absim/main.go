package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/zhiyi-ai/zhiyi/experiment"
	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/internal/absim"
	"github.com/zhiyi-ai/zhiyi/internal/atomicfile"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "absim:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("absim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	kbPath := fs.String("kb", "corpora/shop/kb.yaml", "knowledge base")
	holdout := fs.String("holdout", "corpora/shop/holdout/holdout_2026-11.jsonl", "holdout messages replayed as traffic")
	exp := fs.String("experiment", "track_parcel", "the experiment (an intent with two answers)")
	seed := fs.Uint64("seed", 1, "random seed")
	rated := fs.Int64("rated", 209, "stop when every variant has this many ratings")
	aa := fs.Bool("aa", false, "A/A: both variants rated like the control")
	out := fs.String("out", "", "the log to write (JSON lines)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("-out is required")
	}
	kb, err := index.LoadKB(*kbPath)
	if err != nil {
		return err
	}
	set, err := experiment.New(experiment.Config{KB: kb, Created: time.Now()})
	if err != nil {
		return err
	}
	e := set.Experiment(*exp)
	if e == nil || len(e.Variants) != 2 {
		return fmt.Errorf("%s: not an experiment with two answers", *exp)
	}
	msgs, err := absim.LoadHoldout(*holdout)
	if err != nil {
		return err
	}
	arms := map[string]absim.Arm{e.Variants[0].ID: absim.Control, e.Variants[1].ID: absim.Better}
	if *aa {
		arms[e.Variants[1].ID] = absim.Control
	}
	f, err := atomicfile.Create(*out, 0o644)
	if err != nil {
		return err
	}
	defer f.Discard()
	w := absim.NewLogWriter(f)
	res, passes := absim.Run(msgs, absim.Config{Set: set, Experiment: *exp, Arms: arms, Seed: *seed, Rated: *rated}, w.Write)
	if err := w.Flush(); err != nil {
		return err
	}
	if err := f.Commit(); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%s: %d passes over the holdout; %s served %d (%d rated), %s served %d (%d rated)\n", *out, passes,
		e.Variants[0].ID, res[e.Variants[0].ID].Served, res[e.Variants[0].ID].Rated,
		e.Variants[1].ID, res[e.Variants[1].ID].Served, res[e.Variants[1].ID].Rated)
	return nil
}
