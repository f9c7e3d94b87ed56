package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/period"
	"github.com/zhiyi-ai/zhiyi/store"
)

func runCopy(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zhiyi copy", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	to := fs.String("to", "", "the decision log to copy into: postgres://… (created and migrated when new) or sqlite:PATH")
	sinceFlag := fs.String("since", "", "copy only what changed since (a second pass): a duration back from now (1h, 90m), a date or an RFC 3339 time; empty: everything")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: zhiyi copy [--data-dir DIR | --db URL] --to URL [--since 1h]\n\n"+
			"Copies a decision log — decisions, feedback, labels and the hash key — into another\n"+
			"database: a shop that began on SQLite moves its history to the PostgreSQL its replicas\n"+
			"will share. Rows the destination holds already stay; running it again copies what is\n"+
			"new, so copy once while serve runs, start the replicas on --to, stop the old serve and\n"+
			"copy again with --since (a little longer ago than the first copy began). The source is\n"+
			"only read.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if envErr != nil {
		return envErr
	}
	if *to == "" {
		fmt.Fprintln(stderr, "zhiyi copy: --to is required")
		fs.Usage()
		return errUsage
	}
	var since time.Time
	if *sinceFlag != "" {
		var err error
		if since, err = period.Parse(*sinceFlag, time.Now()); err != nil {
			return fmt.Errorf("--since %w", err)
		}
	}
	srcCfg := sf.config()
	dstCfg := store.Config{URL: *to, HashKey: srcCfg.HashKey, CopyInto: true}
	if dstCfg.Kind() == "sqlite" && *to != "" && len(*to) <= len("sqlite:") {
		return fmt.Errorf("--to %q names no database: postgres://… or sqlite:PATH", *to)
	}
	if store.SameLog(srcCfg, dstCfg) {
		return fmt.Errorf("--to names the log being copied (%s)", srcCfg.Where())
	}
	if srcCfg.Kind() == "sqlite" && sf.db == "" {
		running, waiting, err := store.SpoolState(sf.dataDir)
		switch {
		case err != nil:
			fmt.Fprintf(stderr, "zhiyi copy: %v\n", err)
		case waiting > 0:
			fmt.Fprintf(stderr, "zhiyi copy: %d spool files in %s wait to be written to the log; this copy misses them: start zhiyi serve on --data-dir %s until they are replayed (zhiyi_store_spool_bytes 0), then copy again\n",
				waiting, sf.dataDir, sf.dataDir)
		case running:
			fmt.Fprintf(stderr, "zhiyi copy: a zhiyi serve is writing --data-dir %s: what it writes after this copy begins is copied by running zhiyi copy again once it has stopped\n", sf.dataDir)
		}
	}
	src, err := sf.openReader(ctx)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := store.Open(ctx, dstCfg)
	if err != nil {
		return err
	}
	defer dst.Close()

	start, said := time.Now(), time.Now()
	p, err := dst.CopyFrom(ctx, src, store.CopyOptions{Since: since, Progress: func(p store.CopyProgress) {
		if time.Since(said) >= 2*time.Second {
			said = time.Now()
			fmt.Fprintf(stderr, "zhiyi copy: %s %d of %d read, %d new\n", p.Table, p.Read, p.Total, p.Added)
		}
	}})
	if errors.Is(err, store.ErrSinceGap) || errors.Is(err, store.ErrHashKeyDiffers) {
		// refused before anything was copied: running it again as it was would not help
		return fmt.Errorf("not copied into %s: %w", dstCfg.Where(), err)
	}
	if err != nil {
		return fmt.Errorf("copying into %s (what was copied stays; run again to complete it): %w", dstCfg.Where(), err)
	}
	fmt.Fprintf(stdout, "copied %s into %s in %s: %d decisions, %d feedback, %d labels new (rows already there kept)\n",
		src.Kind(), dstCfg.Where(), time.Since(start).Round(time.Millisecond), p.Decisions, p.Feedback, p.Labels)
	serve := "zhiyi serve --db " + dstCfg.Where()
	if dst.Kind() == "sqlite" {
		serve = "zhiyi serve --db sqlite:" + dst.Path()
	}
	switch {
	case p.OwnHashKey && len(srcCfg.HashKey) > 0:
		// The log's ids were hashed with the key it keeps, not the one given (ZHIYI_HASH_KEY set
		// for Redis, say): serving with it would hash every customer apart from their history.
		fmt.Fprintln(stderr, "zhiyi copy: warning: the log keeps a hash key of its own, which hashed its ids and came with the copy; "+
			"--hash-key (env ZHIYI_HASH_KEY) would hash customers apart from their history: serve the copy without it")
		serve += " without --hash-key (the log's own key came with it)"
	case p.OwnHashKey:
		serve += " (no --hash-key: the log's own key came with it)"
	case len(srcCfg.HashKey) > 0:
		serve += " with the same --hash-key"
	}
	fmt.Fprintf(stdout, "serve it: %s\n", serve)
	return nil
}
