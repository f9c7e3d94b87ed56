package store

import (
	"errors"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/ncruces/go-sqlite3"
)

// diskError reports whether err says the database cannot take writes for its storage (full,
// failing, read-only) while it still answers: a ping succeeds, so only a write shows it is over.
// The Recorder treats every failed write so, whatever its error (Recorder.setDown); this list
// adds the pings that fail for the disk.
//
// PostgreSQL says so in the SQLSTATE: 53100 disk_full, 58030 io_error, 25006
// read_only_sql_transaction (a hot standby after a failover, default_transaction_read_only) and
// 53200 out_of_memory, which also fails the insert and not the ping. The rest of class 53 is
// left out: too many connections fails the ping as well, an outage like any other.
// SQLite says so in its result codes (FULL, IOERR, READONLY; the driver reports a full disk as an
// I/O error). The message is a fallback for errors that lost their type on the way (a wrapped
// string, a sink of another kind), compared without regard to case.
func diskError(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "53100", "53200", "58030", "25006":
			return true
		}
		return false
	}
	if errors.Is(err, sqlite3.FULL) || errors.Is(err, sqlite3.IOERR) || errors.Is(err, sqlite3.READONLY) ||
		errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EROFS) || errors.Is(err, syscall.EIO) {
		return true
	}
	msg := strings.ToLower(err.Error())
	for _, s := range []string{"database or disk is full", "disk i/o error", "readonly database",
		"read-only file system", "no space left on device"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// corrupt reports whether err is SQLite's word for a damaged database file.
func corrupt(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "database disk image is malformed") || strings.Contains(msg, "file is not a database")
}
