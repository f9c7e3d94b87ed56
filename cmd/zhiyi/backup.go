package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/zhiyi-ai/zhiyi/store"
)

func runBackup(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zhiyi backup", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	out := fs.String("out", "", "the copy to write (a new file; never replaced)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: zhiyi backup [--data-dir DIR | --db sqlite:PATH] --out FILE\n\n"+
			"Writes a consistent copy of the SQLite decision log while zhiyi serve keeps writing it (cp\n"+
			"of zhiyi.db misses what zhiyi.db-wal still holds), readable by its owner alone, with the\n"+
			"generated hash key in it (a key serve was given is not: keep it apart). Needs no --hash-key.\n"+
			"Restore: stop serve, zhiyi restore --from FILE, start serve. A PostgreSQL log is backed up\n"+
			"with pg_dump.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if envErr != nil {
		return envErr
	}
	if *out == "" {
		fmt.Fprintln(stderr, "zhiyi backup: --out is required")
		fs.Usage()
		return errUsage
	}
	if cfg := sf.config(); cfg.Kind() == "postgres" {
		return store.ErrBackupPostgres // said before connecting: nothing to open for it
	}
	db, err := sf.openToCopy(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, *out); err != nil {
		return err
	}
	st, err := os.Stat(*out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%d bytes) from %s\n", *out, st.Size(), db.Path())
	if kept, err := db.KeepsHashKey(ctx); err == nil && !kept {
		// said on every run, to stdout (a cron line sends it to /dev/null): the key is in
		// serve's environment, which a lost disk takes with it
		fmt.Fprintln(stdout, "the copy holds no hash key: serve hashed its ids with --hash-key (env ZHIYI_HASH_KEY); keep that key apart from the backups, for a restore without it splits every customer from their history")
	}
	return nil
}
