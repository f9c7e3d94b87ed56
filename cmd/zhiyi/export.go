package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/board"
	"github.com/zhiyi-ai/zhiyi/internal/atomicfile"
)

func runExport(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zhiyi export", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	sinceFlag := fs.String("since", "7d", "the period's start: a duration back from now (7d, 24h, 90m), a date (2026-11-01, China Standard Time) or an RFC 3339 time")
	untilFlag := fs.String("until", "", "the period's end (exclusive), in the same forms (default: now)")
	format := fs.String("format", "", "csv (for a spreadsheet: UTF-8 with a byte-order mark, so Excel reads the Chinese) or jsonl; default: csv when --out ends in .csv, else jsonl")
	out := fs.String("out", "", "the file to write (replaced whole, readable by its owner alone); default: stdout")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: zhiyi export [--data-dir DIR | --db URL] [--since 7d] [--until TIME] [--format csv|jsonl] [--out FILE]\n\n"+
			"Writes a period's decisions, oldest first, one row each with its latest feedback (rating,\n"+
			"resolved, correction, agent, the customer's comment and the agent's) and its label from\n"+
			"the console unless corrected after, for a spreadsheet, an analysis, or zhiyi train --data\n"+
			"(a new: label once kb.yaml has the intent): the messages as\n"+
			"the log keeps them (masked), customers and conversations as keyed hashes, times in China\n"+
			"Standard Time. It only reads the log.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if envErr != nil {
		return envErr
	}
	since, until, err := parsePeriod(*sinceFlag, *untilFlag, time.Now())
	if err != nil {
		return err
	}
	if *format == "" {
		*format = board.RowsJSON
		if strings.EqualFold(filepath.Ext(*out), ".csv") {
			*format = board.RowsCSV
		}
	}
	if *format != board.RowsCSV && *format != board.RowsJSON {
		return fmt.Errorf("--format %q: want csv or jsonl", *format)
	}
	if *out != "" {
		if err := checkNotInput("--out", *out, sf.logFiles()); err != nil {
			return err
		}
	}
	db, err := sf.openReader(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	w := stdout
	var f *atomicfile.File
	if *out != "" {
		if f, err = atomicfile.CreatePrivate(*out, 0o600); err != nil {
			return err
		}
		defer f.Discard() // nothing half-written stays when the export fails
		w = f
	}
	n, err := board.WriteRows(ctx, db, board.RowsQuery{Since: since, Until: until, Format: *format}, w)
	if err != nil {
		return err
	}
	if f != nil {
		if err := f.Commit(); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "wrote %d decisions to %s\n", n, *out)
		return nil
	}
	fmt.Fprintf(stderr, "%d decisions\n", n)
	return nil
}
