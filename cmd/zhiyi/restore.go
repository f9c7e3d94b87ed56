package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/zhiyi-ai/zhiyi/internal/period"
	"github.com/zhiyi-ai/zhiyi/store"
)

func runRestore(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zhiyi restore", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	from := fs.String("from", "", "the backup to restore (a file zhiyi backup wrote)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: zhiyi restore --from FILE [--data-dir DIR | --db sqlite:PATH]\n\n"+
			"Puts a zhiyi backup copy in place of the SQLite decision log, for zhiyi serve to start on,\n"+
			"after checking it is whole (not cut short or damaged) and of a schema this zhiyi serves.\n"+
			"Refuses while a serve runs on DIR, and over a log already there. Prints what the backup\n"+
			"holds and the --data-dir to start serve with. A PostgreSQL log is restored with pg_restore.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if envErr != nil {
		return envErr
	}
	if *from == "" {
		fmt.Fprintln(stderr, "zhiyi restore: --from is required")
		fs.Usage()
		return errUsage
	}
	info, err := store.Restore(ctx, *from, sf.config())
	if err != nil {
		return err
	}
	shop := ""
	if info.Shop != "" {
		shop = info.Shop + "'s log, "
	}
	span := ""
	if info.Decisions > 0 {
		span = fmt.Sprintf(" (%s to %s China time)", info.First.In(period.CST).Format("2006-01-02 15:04"), info.Last.In(period.CST).Format("2006-01-02 15:04"))
	}
	fmt.Fprintf(stdout, "restored %s into %s: %s%d decisions%s, %d feedback, %d labels, schema version %d\n",
		*from, info.Path, shop, info.Decisions, span, info.Feedback, info.Labels, info.SchemaVersion)
	where := "--data-dir " + filepath.Dir(info.Path)
	if sf.db != "" {
		where = "--db sqlite:" + info.Path
	}
	fmt.Fprintf(stdout, "start zhiyi serve with %s", where)
	if info.SchemaVersion < store.SchemaVersion {
		fmt.Fprintf(stdout, " (it migrates the log to schema version %d)", store.SchemaVersion)
	}
	fmt.Fprintln(stdout)
	if !info.KeepsHashKey {
		fmt.Fprintln(stdout, "its sender and chat ids were hashed with the --hash-key serve was given, which no backup holds: start serve with that same key (env ZHIYI_HASH_KEY); "+
			"without it every customer is split from their history (zhiyi records and forget find none of it)")
	}
	if info.SpoolFiles > 0 {
		fmt.Fprintf(stdout, "%d spool files wait in %s: serve replays them into the restored log at its start\n",
			info.SpoolFiles, filepath.Join(sf.dataDir, store.SpoolDirName))
	}
	return nil
}
