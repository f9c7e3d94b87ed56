package store

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestDiskError: PostgreSQL's storage errors are known by SQLSTATE however they are worded or
// wrapped, SQLite's by result code or message in any case; errors a ping would show as well are
// not storage errors.
func TestDiskError(t *testing.T) {
	pg := func(code string) error {
		return fmt.Errorf("store: cannot append decisions: %w", &pgconn.PgError{Code: code, Message: "whatever the server says"})
	}
	f := func(err error, want bool) {
		t.Helper()
		if got := diskError(err); got != want {
			t.Errorf("diskError(%v) = %v, want %v", err, got, want)
		}
	}
	f(nil, false)
	f(pg("53100"), true)  // disk_full
	f(pg("58030"), true)  // io_error
	f(pg("25006"), true)  // read_only_sql_transaction
	f(pg("53200"), true)  // out_of_memory
	f(pg("53300"), false) // too_many_connections: the ping fails too
	f(pg("57P03"), false) // cannot_connect_now
	f(pg("23505"), false)
	f(errors.New("store: insert: sqlite3: disk I/O error"), true)
	f(errors.New("sqlite3: DATABASE OR DISK IS FULL"), true)
	f(errors.New("sqlite3: attempt to write a readonly database"), true)
	f(fmt.Errorf("write: %w", errors.New("no space left on device")), true)
	f(errors.New("connection refused"), false)
}
