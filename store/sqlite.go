package store

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/driver" // pure Go; opened directly, not by its registered name
)

// sqlitePragmas are set on every SQLite connection: WAL so readers never block the writer,
// a busy timeout instead of immediate SQLITE_BUSY, synchronous=NORMAL (in WAL mode a process
// crash loses nothing; a power cut may lose the last commits), and BEGIN IMMEDIATE so a write
// transaction takes the write lock up front instead of failing to upgrade a read lock.
// journal_size_limit cuts the write-ahead log back to sqliteWALLimit when it restarts: a read
// that lasts (a console page scanning a quarter, the gray-release refresh) keeps SQLite from
// restarting the log, so a burst written meanwhile (a spool replayed after an outage) grows it
// past the checkpoint size, and without the limit the file stayed at that peak for good (92 MB
// after 300k decisions written under one open read, TestSQLiteWALShrinksAfterLongRead).
const sqlitePragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(wal)&_pragma=synchronous(normal)" +
	"&_pragma=temp_store(memory)&_pragma=cache_size(-65536)&_pragma=mmap_size(268435456)&_pragma=wal_autocheckpoint(16384)" +
	"&_pragma=journal_size_limit(67108864)&_txlock=immediate"

// sqliteWALLimit is journal_size_limit in sqlitePragmas: the size of wal_autocheckpoint's 16384
// pages of 4 KiB, which the log reaches in ordinary use before each checkpoint.
const sqliteWALLimit = 64 << 20

// readerPragmas follow sqlitePragmas on the read connections: read-only, and a page cache of
// 8 MiB instead of the writer's 64 (each connection keeps its own, outside Go's heap; reads come
// mostly through mmap): five connections at 64 MiB grew serve's memory by 330 MB once the log
// passed that size (a soak test).
const readerPragmas = "&_pragma=query_only(1)&_pragma=cache_size(-8192)"

// sqliteReaders bounds the read connections; WAL lets them run beside the writer.
const sqliteReaders = 4

func openSQLite(ctx context.Context, cfg Config) (*DB, error) {
	path := cfg.SQLitePath()
	uri, err := sqliteURI(path)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		// A relative --data-dir (the default, data) is the working directory's: a service
		// started by an init system has / or a directory of its unit's, which the error's own
		// relative path does not say.
		dir := filepath.Dir(path)
		if abs, aerr := filepath.Abs(dir); aerr == nil && abs != dir {
			dir += " (" + abs + ")"
		}
		return nil, fmt.Errorf("store: cannot make the decision log's directory %s: %w", dir, err)
	}
	// The log holds hashed keys and the settings their key: the database and its -shm are
	// created for the owner alone (an empty file is an empty database), since the driver's VFS
	// creates files with the process's umask, and a --data-dir made beforehand (a volume,
	// /var/lib/zhiyi) is often readable by all. The -wal, made again at times, takes the
	// database's mode (modeof, in dsn).
	created := false
	for _, p := range []string{path, path + "-shm"} {
		if f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
			f.Close()
			created = created || p == path
		}
	}
	dsn := uri + "?modeof=" + uriEscape(path) + "&" + sqlitePragmas
	// driver.Open, not sql.Open("sqlite3"): a program that also uses mattn/go-sqlite3 builds
	// with -ldflags -X github.com/ncruces/go-sqlite3/driver.driverName= and the log still opens
	w, err := driver.Open(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: cannot open %s: %w", path, err)
	}
	// One writer connection: SQLite has one writer anyway, and a single connection turns
	// contention into queueing in database/sql instead of busy retries.
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	if err := pingSQLite(ctx, w); err != nil {
		w.Close()
		if errors.Is(err, sqlite3.CORRUPT) || errors.Is(err, sqlite3.NOTADB) {
			// a backup cut short on its way (or any file) put in place by hand: SQLite's own
			// words ("invalid _pragma: … malformed") do not say what to do
			return nil, fmt.Errorf("store: cannot open %s: %w: the file is damaged, cut short or not a decision log; "+
				"if it was a backup put in place, restore another with zhiyi restore, which checks one first", path, err)
		}
		return nil, fmt.Errorf("store: cannot open %s: %w", path, err)
	}
	for _, p := range []string{path, path + "-shm"} {
		if st, err := os.Stat(p); err == nil && st.Mode().Perm()&0o077 != 0 {
			os.Chmod(p, 0o600) // left by an earlier version; best effort: another user's file stays as it is
		}
	}
	r, err := driver.Open(dsn + readerPragmas)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: cannot open %s: %w", path, err)
	}
	r.SetMaxOpenConns(sqliteReaders)
	db := &DB{kind: "sqlite", r: r, w: w, path: path, log: cfg.Logger, created: created}
	db.bulk = db.sqliteBulk
	return db, nil
}

// openSQLiteReadOnly opens an existing SQLite log to read it alone (Config.ReadOnly): mode=ro,
// no pragma that writes (journal_mode), no file created or chmod'ed, so another application's
// database given by mistake is left exactly as it was, and a copy on a read-only mount opens.
func openSQLiteReadOnly(ctx context.Context, cfg Config) (*DB, error) {
	path := cfg.SQLitePath()
	uri, err := sqliteURI(path)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("store: no decision log: %w", err)
	}
	// Reading a log in WAL mode, SQLite makes its -shm and -wal with the process's umask
	// (often world-readable) if serve is not running: the -wal takes the log's mode (modeof),
	// and the -shm, which the driver makes without it, is made here first with that mode.
	if walMode(path) {
		if f, err := os.OpenFile(path+"-shm", os.O_RDWR|os.O_CREATE|os.O_EXCL, st.Mode().Perm()); err == nil {
			f.Close()
		}
	}
	const pragmas = "&_pragma=busy_timeout(10000)&_pragma=mmap_size(268435456)" + readerPragmas
	uri += "?modeof=" + uriEscape(path)
	r, err := openSQLiteReader(ctx, uri+"&mode=ro"+pragmas)
	if err != nil {
		// A log in WAL mode needs its shared-memory file (zhiyi.db-shm), which SQLite creates
		// beside it, even to read: on a read-only mount or in a directory this user cannot
		// write, read it as a file nothing writes (immutable) — a copy, or a backup.
		// Not while a write-ahead log holds data: immutable reads ignore it, and would show an
		// older log (or none) without a word.
		if st, serr := os.Stat(path + "-wal"); serr == nil && st.Size() > 0 {
			return nil, fmt.Errorf("store: cannot open %s: %w (SQLite needs to write %s-shm beside it to read a live log, and its -wal holds writes a read-only open would miss: read it where it is writable, or a copy)",
				path, err, filepath.Base(path))
		}
		var ierr error
		if r, ierr = openSQLiteReader(ctx, uri+"&immutable=1"+pragmas); ierr != nil {
			return nil, fmt.Errorf("store: cannot open %s: %w (SQLite needs to write %s-shm beside it to read a live log; a copy on a read-only mount opens as a file nothing writes, but not this one: %v)",
				path, err, filepath.Base(path), ierr)
		}
	}
	return &DB{kind: "sqlite", r: r, w: r, path: path, log: cfg.Logger}, nil
}

// walMode reports whether the SQLite file at path is in WAL mode: its header's read and write
// versions are 2 (a legacy journal has 1).
func walMode(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var h [20]byte
	_, err = io.ReadFull(f, h[:])
	return err == nil && string(h[:16]) == "SQLite format 3\x00" && h[18] == 2 && h[19] == 2
}

// openSQLiteReader opens and pings a reading pool on dsn.
func openSQLiteReader(ctx context.Context, dsn string) (*sql.DB, error) {
	r, err := driver.Open(dsn)
	if err != nil {
		return nil, err
	}
	r.SetMaxOpenConns(sqliteReaders)
	if err := r.PingContext(ctx); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// pingSQLite opens the first connection, which applies the pragmas. Switching a database that
// another process is creating to WAL can fail with SQLITE_BUSY at once, without the busy
// handler (SQLite does not wait where waiting could deadlock): replicas starting together retry
// for up to the busy timeout.
func pingSQLite(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(10 * time.Second)
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		err := db.PingContext(ctx)
		if err == nil || !errors.Is(err, sqlite3.BUSY) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// sqliteInsert is one decision's INSERT. A batch runs it prepared, once per decision, in one
// transaction: multi-row VALUES lists measured no cheaper (BenchmarkSQLiteBulk).
var sqliteInsert = `INSERT INTO decisions (` + insertCols + `) VALUES (?` + strings.Repeat(", ?", numInsertCols-1) +
	`) ON CONFLICT (msg_id) DO NOTHING`

// yieldEvery is how many rows sqliteBulk inserts between yields to the scheduler (about 0.1 ms
// of work).
const yieldEvery = 8

// sqliteBulk writes a batch through the driver's own connection, not database/sql: binding
// typed values directly skips database/sql's per-Exec conversions and locks, a third of a
// row's CPU (BenchmarkSQLiteBulk).
func (db *DB) sqliteBulk(ctx context.Context, ds []Decision) (int, error) {
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	n := 0
	err = conn.Raw(func(dc any) error {
		c := dc.(driver.Conn).Raw()
		if old := c.SetInterrupt(ctx); old != ctx {
			defer c.SetInterrupt(old)
		}
		stmt, _, err := c.Prepare(sqliteInsert)
		if err != nil {
			return err
		}
		defer stmt.Close()
		if err := c.Exec("BEGIN IMMEDIATE"); err != nil {
			return err
		}
		stored := micros(time.Now())
		for i := range ds {
			if i%yieldEvery == yieldEvery-1 {
				// A batch takes milliseconds of CPU; yielding between rows lets the requests
				// queued on this P run instead of waiting behind the whole batch.
				runtime.Gosched()
			}
			if err := bindDecision(stmt, &ds[i], stored); err != nil {
				return rollback(c, err)
			}
			if err := stmt.Exec(); err != nil {
				return rollback(c, err)
			}
			n += int(c.Changes())
		}
		if err := c.Exec("COMMIT"); err != nil {
			return rollback(c, err)
		}
		return nil
	})
	if errors.Is(err, sqlite3.INTERRUPT) && context.Cause(ctx) != nil {
		// say why it was interrupted, as database/sql does: the deadline, not "interrupted"
		err = fmt.Errorf("%w: %w", context.Cause(ctx), err)
	}
	if err != nil {
		return 0, err
	}
	return n, nil
}

// rollback ends the open transaction after err, if SQLite has not ended it already, and
// returns err.
func rollback(c *sqlite3.Conn, err error) error {
	if !c.GetAutocommit() {
		// ROLLBACK runs even when the context interrupted the connection.
		old := c.SetInterrupt(context.Background())
		if rerr := c.Exec("ROLLBACK"); rerr != nil {
			err = errors.Join(err, rerr)
		}
		c.SetInterrupt(old)
	}
	if !c.GetAutocommit() {
		// Still in the transaction: database/sql must not hand this connection out again,
		// or every later batch fails at BEGIN.
		err = errors.Join(err, sqldriver.ErrBadConn)
	}
	return err
}

// sqliteRefused reports whether err is SQLite refusing a value (a constraint, a string or blob
// too big, a type mismatch), which trying again would not change.
func sqliteRefused(err error) bool {
	return errors.Is(err, sqlite3.CONSTRAINT) || errors.Is(err, sqlite3.TOOBIG) || errors.Is(err, sqlite3.MISMATCH)
}

// bindDecision binds d in insertCols order, as insertArgs lists it for database/sql.
func bindDecision(s *sqlite3.Stmt, d *Decision, stored int64) error {
	return errors.Join(
		s.BindText(1, d.MsgID), s.BindInt64(2, micros(d.Time)), s.BindText(3, d.Channel),
		s.BindText(4, d.SenderHash), s.BindText(5, d.ChatHash), s.BindText(6, d.Text),
		s.BindText(7, d.Intent), s.BindFloat(8, d.Confidence), s.BindText(9, d.Route),
		s.BindText(10, d.Reason), s.BindText(11, d.AnswerID), s.BindText(12, d.Model),
		s.BindInt64(13, d.LatencyMicros), s.BindText(14, d.Rule), s.BindText(15, d.Variant),
		s.BindText(16, d.Sentiment), s.BindInt64(17, int64(d.Turn)), s.BindText(18, d.ActiveIntent),
		s.BindBool(19, d.Repeat), s.BindText(20, d.Escalation), s.BindInt64(21, stored))
}

// sqliteURI is path as an SQLite URI filename, without parameters.
func sqliteURI(path string) (string, error) {
	if strings.ContainsAny(path, "?#") {
		// sqlite:/data/zhiyi.db?mode=ro reads as URI parameters, which are zhiyi's to set
		return "", fmt.Errorf("store: cannot open %s: '?' and '#' are not allowed in the path", path)
	}
	return "file:" + uriEscape(path), nil
}

// uriEscape percent-encodes s for an SQLite URI filename (its path or a parameter): spaces,
// '%', '&' and non-ASCII in a --data-dir are all allowed.
func uriEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("/-._~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
