package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/ncruces/go-sqlite3/driver"

	"github.com/zhiyi-ai/zhiyi/internal/atomicfile"
)

// ErrRestorePostgres is Restore's error on PostgreSQL: its own tools restore it.
var ErrRestorePostgres = errors.New("store: a PostgreSQL decision log is restored with pg_restore (or psql) into a new, empty database, before zhiyi serve starts on it: " +
	"a serve started first makes the tables, a hash key and the shop's claim there, and the restore then fails on them")

// RestoreInfo is what Restore put in place.
type RestoreInfo struct {
	// Path is the decision log restored (absolute): the --data-dir (or --db sqlite:) serve
	// must be started with.
	Path string
	// Shop is the shop the log was claimed for ("" when the backup predates claims).
	Shop string
	// SchemaVersion is the backup's; serve migrates an older one at its start.
	SchemaVersion int64
	// Decisions, Feedback and Labels count the rows the backup holds.
	Decisions, Feedback, Labels int64
	// First and Last are the times of its oldest and newest decision (zero without any).
	First, Last time.Time
	// KeepsHashKey is false for a log serve wrote with --hash-key: its ids join new ones only
	// when serve is started with that same key, which no backup holds.
	KeepsHashKey bool
	// SpoolFiles counts the spool files waiting in the data directory: serve replays them into
	// the restored log at its start.
	SpoolFiles int
}

// Restore puts the backup at from (zhiyi backup's copy) in place of the SQLite decision log
// cfg names, for zhiyi serve to start on. It refuses, changing nothing:
//
//   - while a zhiyi serve runs on cfg.DataDir (it holds the spool's lock): a log replaced under
//     a running serve is overwritten by it at its next checkpoint, without a word (tried: the
//     restored decisions were gone once serve stopped);
//   - a log already there (a non-empty zhiyi.db or zhiyi.db-wal): it may be the only copy of
//     what was written since the backup;
//   - a file that is not a whole decision log: not SQLite, cut short or damaged (PRAGMA
//     quick_check), without zhiyi's schema, or at a schema version newer than this build's.
//
// The copy is written beside the log (run by root, given the directory's owner, as a
// systemd StateDirectory is the service user's: a log of root's, 0600, is one serve cannot
// open) and renamed into place after a stale zhiyi.db-shm is removed, so the log is the backup
// whole or not there at all. The spool's lock is held throughout: a serve starting meanwhile
// refuses the directory.
func Restore(ctx context.Context, from string, cfg Config) (RestoreInfo, error) {
	var info RestoreInfo
	if cfg.Kind() == "postgres" {
		return info, ErrRestorePostgres
	}
	path, err := filepath.Abs(cfg.SQLitePath())
	if err != nil {
		return info, fmt.Errorf("store: restore: %w", err)
	}
	info.Path = path
	dataDir := cfg.DataDir
	if dataDir == "" {
		dataDir = DefaultDataDir
	}
	spoolDir := filepath.Join(dataDir, SpoolDirName)
	if err := os.MkdirAll(spoolDir, 0o700); err != nil {
		return info, fmt.Errorf("store: restore: %w", err)
	}
	unlock, err := tryLockFile(filepath.Join(spoolDir, spoolLockName))
	if errors.Is(err, errLocked) {
		return info, fmt.Errorf("store: restore: a zhiyi serve is running on %s (it holds %s): stop it first; a log replaced under a running serve is overwritten by it",
			dataDir, filepath.Join(spoolDir, spoolLockName))
	}
	if err != nil {
		return info, fmt.Errorf("store: restore: %w", err)
	}
	defer unlock()
	for _, p := range []string{path, path + "-wal"} {
		if st, err := os.Stat(p); err == nil && st.Size() > 0 {
			return info, fmt.Errorf("store: restore: %s exists (%d bytes): a restore never replaces a decision log, which may hold what was written since the backup; "+
				"move it aside first, with its -wal and -shm (or restore into another --data-dir)", p, st.Size())
		} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return info, fmt.Errorf("store: restore: %w", err)
		}
	}
	tmp, err := copyBackup(from, filepath.Dir(path))
	if err != nil {
		return info, err
	}
	defer os.Remove(tmp) // after the rename, no file of that name is left to remove
	if err := inspectBackup(ctx, from, tmp, &info); err != nil {
		return info, err
	}
	for _, p := range []string{path + "-wal", path + "-shm"} {
		// an empty -wal, or a -shm of the log that is no more: SQLite would read the
		// restored log through them
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return info, fmt.Errorf("store: restore: %w", err)
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return info, fmt.Errorf("store: restore: %w", err)
	}
	if err := atomicfile.SyncDir(filepath.Dir(path)); err != nil {
		return info, fmt.Errorf("store: restore: %w", err)
	}
	_, info.SpoolFiles, _ = SpoolState(dataDir)
	return info, nil
}

// sqliteMagic begins every SQLite database file.
const sqliteMagic = "SQLite format 3\x00"

// copyBackup copies the backup at from into a new private file in dir, synced, and returns its
// path.
func copyBackup(from, dir string) (string, error) {
	src, err := os.Open(from)
	if err != nil {
		return "", fmt.Errorf("store: restore: %w", err)
	}
	defer src.Close()
	head := make([]byte, len(sqliteMagic))
	if _, err := io.ReadFull(src, head); err != nil || string(head) != sqliteMagic {
		return "", fmt.Errorf("store: restore: %s is not a SQLite file (zhiyi backup writes one; a PostgreSQL dump goes to pg_restore)", from)
	}
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return "", fmt.Errorf("store: restore: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("store: restore: %w", err)
	}
	dst, err := os.CreateTemp(dir, "."+DBFileName+".restore-*")
	if err != nil {
		return "", fmt.Errorf("store: restore: %w", err)
	}
	err = giveToDirOwner(dst, dir)
	if err == nil {
		_, err = io.Copy(dst, src)
	}
	if err == nil {
		err = dst.Sync()
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst.Name())
		return "", fmt.Errorf("store: restore: cannot copy %s: %w", from, err)
	}
	return dst.Name(), nil
}

// inspectBackup checks that the copy at tmp of the backup from is a whole zhiyi decision log
// this build can serve, and fills info from it. It reads the copy as a file nothing writes
// (immutable): nothing is created beside it.
func inspectBackup(ctx context.Context, from, tmp string, info *RestoreInfo) error {
	db, err := driver.Open("file:" + uriEscape(tmp) + "?mode=ro&immutable=1")
	if err != nil {
		return fmt.Errorf("store: restore: cannot open %s: %w", from, err)
	}
	defer db.Close()
	damaged := func(err error) error {
		return fmt.Errorf("store: restore: %s is not a whole decision log (cut short or damaged: %w): restore another backup", from, err)
	}
	var check string
	if err := db.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&check); err != nil {
		return damaged(err)
	}
	if check != "ok" {
		return damaged(errors.New(check))
	}
	err = db.QueryRowContext(ctx, `SELECT version_id FROM goose_db_version ORDER BY id DESC LIMIT 1`).Scan(&info.SchemaVersion)
	switch {
	case err != nil && (errors.Is(err, sql.ErrNoRows) || missingTable(err)):
		return fmt.Errorf("store: restore: %s holds no zhiyi decision log (no schema version)", from)
	case err != nil:
		return damaged(err)
	case info.SchemaVersion > SchemaVersion:
		return fmt.Errorf("store: restore: %s has schema version %d, newer than this zhiyi's %d: restore it with the zhiyi that wrote it (or a newer one)",
			from, info.SchemaVersion, SchemaVersion)
	}
	var first, last sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT count(*), min(at), max(at) FROM decisions`).Scan(&info.Decisions, &first, &last); err != nil {
		return damaged(err)
	}
	if first.Valid {
		info.First, info.Last = fromMicros(first.Int64), fromMicros(last.Int64)
	}
	if err := db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM feedback), (SELECT count(*) FROM labels)`).Scan(&info.Feedback, &info.Labels); err != nil {
		return damaged(err)
	}
	var shop sql.NullString
	var keys int
	if err := db.QueryRowContext(ctx, `SELECT (SELECT value FROM settings WHERE name = 'shop'), (SELECT count(*) FROM settings WHERE name = 'hash_key')`).
		Scan(&shop, &keys); err != nil {
		return damaged(err)
	}
	info.Shop, info.KeepsHashKey = shop.String, keys > 0
	return nil
}
