package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	iofs "io/fs"
	"log/slog"
	"os"
	"slices"
	"strings"

	"github.com/zhiyi-ai/zhiyi/store"
)

// storeFlags say where the decision log is: --data-dir and --db, with the same defaults and
// environment variables in every command (serve, learn, ab, report, unmatched), so that a
// command reads what zhiyi serve writes without being told again.
type storeFlags struct {
	dataDir, db string
	hashKey     string // --hash-key: given to serve, every reader (and every replica sharing Redis) needs it too
}

// register binds --data-dir (default ZHIYI_DATA_DIR, then store.DefaultDataDir) and --db
// (default ZHIYI_DB); an empty variable counts as unset.
func (f *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.dataDir, "data-dir", cmp.Or(os.Getenv("ZHIYI_DATA_DIR"), store.DefaultDataDir),
		"directory of the decision log: SQLite at DIR/"+store.DBFileName+", and zhiyi serve's spool (env ZHIYI_DATA_DIR)")
	fs.StringVar(&f.db, "db", os.Getenv("ZHIYI_DB"),
		"the decision log in PostgreSQL, shared by replicas (postgres://…), or SQLite elsewhere (sqlite:PATH); empty: SQLite in --data-dir (env ZHIYI_DB)")
	fs.StringVar(&f.hashKey, "hash-key", os.Getenv("ZHIYI_HASH_KEY"),
		"key hashing sender and chat ids in the log (default: one kept in the database), and in serve the conversation ids and msg_ids kept in Redis (default: unkeyed SHA-256); every command on a log serve wrote with one needs the same, and so does every replica sharing Redis (env ZHIYI_HASH_KEY)")
}

// config is the store configuration the flags name.
func (f *storeFlags) config() store.Config {
	c := store.Config{URL: f.db, DataDir: f.dataDir}
	if f.hashKey != "" {
		c.HashKey = []byte(f.hashKey)
	}
	return c
}

// minHashKeyBytes is the shortest --hash-key serve takes without a warning: the store takes
// any (a log written with a short one is read with it), so a short key is said, not refused.
const minHashKeyBytes = 16

// warnHashKey says at serve's start what the hash key leaves open: a short key, or none with
// Redis. Without a key, conversation ids and msg_ids in Redis are unkeyed SHA-256, which whoever
// reads Redis can test every phone number against; the decision log's default key, kept in its
// database (one per SQLite replica), cannot key what replicas share. In process nothing leaves
// it, so the memory store needs no key.
func (f *storeFlags) warnHashKey(log *slog.Logger, redis bool) {
	switch n := len(f.hashKey); {
	case n == 0 && redis:
		log.Warn("session: conversation ids in Redis are hashed without a key (SHA-256): whoever reads Redis can find a sender id that is a phone number by trying every number; " +
			"set --hash-key (env ZHIYI_HASH_KEY), the same on every replica (conversations start afresh once)")
	case n > 0 && n < minHashKeyBytes:
		log.Warn("the hash key is short: whoever reads the decision log or Redis may find it by trying keys; use 16 or more random characters (openssl rand -hex 16)",
			slog.Int("bytes", n))
	}
}

// given reports whether --data-dir or --db was on the command line (not just defaulted).
func (f *storeFlags) given(fs *flag.FlagSet) bool {
	return flagGiven(fs, "data-dir", "db")
}

// flagGiven reports whether one of the named flags was set on the command line.
func flagGiven(fs *flag.FlagSet, names ...string) bool {
	set := false
	fs.Visit(func(fl *flag.Flag) { set = set || slices.Contains(names, fl.Name) })
	return set
}

// openReader opens the decision log to read it alone (report, unmatched, ab): nothing is
// created or migrated, so a mistyped --db or --data-dir fails instead of reporting an empty
// period, and a role that may only SELECT can report.
func (f *storeFlags) openReader(ctx context.Context) (*store.DB, error) {
	return f.openLog(ctx, true, false)
}

// open opens the decision log for a command that writes to it (learn). store.Open creates a
// SQLite database that is not there; no command here may, or a mistyped --data-dir works on an
// empty log instead of saying so.
func (f *storeFlags) open(ctx context.Context) (*store.DB, error) {
	return f.openLog(ctx, false, false)
}

// openToCopy opens the decision log as open does for a command that copies it whole (backup):
// it hashes no id, so it needs no --hash-key (store.Config.KeyUnused) — cron's environment,
// where a nightly backup runs, has none.
func (f *storeFlags) openToCopy(ctx context.Context) (*store.DB, error) {
	return f.openLog(ctx, false, true)
}

// logFiles are the files of a SQLite decision log (the database and its journals), what an
// output must not replace; none for PostgreSQL.
func (f *storeFlags) logFiles() []namedPath {
	if f.db != "" && !strings.HasPrefix(f.db, "sqlite:") {
		return nil
	}
	flag := "--db"
	if f.db == "" {
		flag = "--data-dir"
	}
	cfg := f.config()
	db := cfg.SQLitePath()
	return inputs(flag+" decision log", db, db+"-wal", db+"-shm", db+"-journal")
}

func (f *storeFlags) openLog(ctx context.Context, readOnly, keyUnused bool) (*store.DB, error) {
	cfg := f.config()
	cfg.ReadOnly, cfg.KeyUnused = readOnly, keyUnused
	cfg.Existing = !readOnly // forget, backup, learn: a log serve made, with its key
	if f.db == "" || strings.HasPrefix(f.db, "sqlite:") {
		path := cfg.SQLitePath()
		if _, err := os.Stat(path); errors.Is(err, iofs.ErrNotExist) {
			where := "--db " + f.db
			if f.db == "" {
				where = "--data-dir " + f.dataDir
			}
			return nil, fmt.Errorf("no decision log at %s (%s): zhiyi serve with the same %s writes it", path, where, strings.Fields(where)[0])
		} else if err != nil {
			return nil, fmt.Errorf("cannot read the decision log: %w", err)
		}
	}
	return store.Open(ctx, cfg)
}
