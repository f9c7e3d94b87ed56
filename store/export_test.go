package store

// SetPostgresBulk switches a PostgreSQL DB between its two batch inserts (pgBulkValues,
// pgBulkCopy), so the suite and the benchmarks run both.
func SetPostgresBulk(db *DB, how string) { db.bulk = db.pgBulk(how) }

const (
	PGBulkValues = pgBulkValues
	PGBulkCopy   = pgBulkCopy
)
