package store

// SetPostgresBulk switches a PostgreSQL DB between its two batch inserts (pgBulkValues,
// pgBulkCopy), so the suite and the benchmarks run both.
func SetPostgresBulk(db *DB, how string) { db.bulk = db.pgBulk(how) }

const (
	PGBulkValues = pgBulkValues
	PGBulkCopy   = pgBulkCopy
)

// Stopping is closed once Close has begun: a test starting Close from inside a sink call waits
// on it so that the replay in progress sees the stop at its next check.
func Stopping(r *Recorder) <-chan struct{} { return r.stop }

// SetBackupCopied sets the hook Backup calls once its temporary copy is filled.
func SetBackupCopied(f func(tmp string)) { backupCopied = f }
