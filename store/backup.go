package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/zhiyi-ai/zhiyi/internal/atomicfile"
)

// ErrBackupPostgres is Backup's error on PostgreSQL: its own tools copy it.
var ErrBackupPostgres = errors.New("store: a PostgreSQL decision log is backed up with pg_dump (or the server's base backups), not by zhiyi")

// Backup writes a consistent copy of a SQLite decision log to path while it is in use (VACUUM
// INTO): one read snapshot, so serve keeps writing meanwhile and nothing half-written is copied,
// compacted, with its settings (the generated hash key) in it. Copying zhiyi.db with cp while
// serve runs misses what its write-ahead log (zhiyi.db-wal) still holds. The copy is readable by
// its owner alone, written beside path and linked into place: path then holds a whole copy, or
// nothing; a path that exists is refused. Restore: stop serve and put the copy in place of
// zhiyi.db (with no zhiyi.db-wal beside it). The log must be opened for writing (not
// Config.ReadOnly): SQLite's VACUUM needs a connection that may write, though INTO only reads.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.closed.Load() {
		return ErrClosed
	}
	if db.kind != "sqlite" {
		return ErrBackupPostgres
	}
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("store: backup: %s exists; a backup never replaces a file", path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("store: backup: %w", err)
	}
	// VACUUM INTO takes an empty file: made here, for the owner alone, before SQLite fills it.
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Close(); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	// on the writer: readers are query_only, which refuses VACUUM; INTO reads the log alone
	if _, err := db.w.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		// SQLite's own words ("disk I/O error") name no file: say which copy could not be made
		return db.wrap("cannot back up into "+path, err)
	}
	if err := atomicfile.SyncFile(tmp); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	// a hard link does not replace a file that appeared meanwhile, as a rename would
	if err := os.Link(tmp, path); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	return atomicfile.SyncDir(filepath.Dir(path))
}
