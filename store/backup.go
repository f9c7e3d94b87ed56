package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/zhiyi-ai/zhiyi/internal/atomicfile"
	"github.com/zhiyi-ai/zhiyi/internal/dirlock"
)

// ErrBackupPostgres is Backup's error on PostgreSQL: its own tools copy it.
var ErrBackupPostgres = errors.New("store: a PostgreSQL decision log is backed up with pg_dump (or the server's base backups), not by zhiyi")

// Backup writes a consistent copy of a SQLite decision log to path while it is in use (VACUUM
// INTO): one read snapshot, so serve keeps writing meanwhile and nothing half-written is copied,
// compacted, with its settings (the generated hash key) in it. Copying zhiyi.db with cp while
// serve runs misses what its write-ahead log (zhiyi.db-wal) still holds. The copy is readable by
// its owner alone, written beside path and linked into place: path then holds a whole copy, or
// nothing; a path that exists is refused. Restore puts it back, serve stopped. The log must be opened for writing (not
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
	cleanBackupLitter(path)
	// VACUUM INTO takes an empty file: made here, for the owner alone, before SQLite fills it.
	// It stays open, flocked, until the copy is done: the lock tells a later backup that this
	// one is alive (cleanBackupLitter).
	f, err := os.CreateTemp(filepath.Dir(path), backupTmpPrefix(path)+"*")
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	tmp := f.Name()
	defer func() {
		os.Remove(tmp)
		os.Remove(tmp + "-journal") // SQLite's, when VACUUM INTO failed midway
		f.Close()
	}()
	if _, err := dirlock.TryLock(f); err != nil {
		return fmt.Errorf("store: backup: lock %s: %w", tmp, err)
	}
	// on the writer: readers are query_only, which refuses VACUUM; INTO reads the log alone
	if _, err := db.w.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		// SQLite's own words ("disk I/O error") name no file: say which copy could not be made
		return db.wrap("cannot back up into "+path, err)
	}
	if backupCopied != nil {
		backupCopied(tmp)
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

// backupCopied, when set (by tests), is called with the temporary copy once VACUUM INTO has
// filled it, before it is linked into place: a test's helper process waits there to be killed.
var backupCopied func(tmp string)

// backupTmpPrefix begins the name of the temporary copy Backup makes beside path.
func backupTmpPrefix(path string) string { return "." + filepath.Base(path) + ".tmp-" }

// cleanBackupLitter removes what backups to path killed midway (SIGKILL, a timeout in cron, a
// reboot) left beside it: the temporary copy, as large as the log, and SQLite's journal of it.
// Nothing else removed them, and a nightly backup killed now and then filled the disk with
// copies of the log that no one lists. A live backup holds a flock on its temporary copy and is
// passed by. Best effort: what cannot be removed is tried again at the next backup.
func cleanBackupLitter(path string) {
	dir, prefix := filepath.Dir(path), backupTmpPrefix(path)
	es, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range es {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		journal := strings.HasSuffix(rest, "-journal")
		rest = strings.TrimSuffix(rest, "-journal")
		if !ok || rest == "" || strings.Trim(rest, "0123456789") != "" || !e.Type().IsRegular() {
			continue // os.CreateTemp's names are the prefix and digits
		}
		p := filepath.Join(dir, e.Name())
		if journal {
			if _, err := os.Lstat(strings.TrimSuffix(p, "-journal")); errors.Is(err, fs.ErrNotExist) {
				os.Remove(p) // its copy is gone: a backup killed as it removed them
			}
			continue
		}
		removeUnlockedCopy(p)
	}
}

// removeUnlockedCopy removes the temporary copy p and its journal unless a live backup holds it.
func removeUnlockedCopy(p string) {
	f, err := os.Open(p)
	if err != nil {
		return
	}
	defer f.Close()
	if locked, err := dirlock.TryLock(f); err != nil || !locked {
		return
	}
	os.Remove(p + "-journal")
	os.Remove(p)
}
