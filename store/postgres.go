package store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// pgBulkValues and pgBulkCopy are the two ways to insert a batch into PostgreSQL; both ignore
// msg_ids that are stored already. BenchmarkPostgresBulk measured them equal within this
// machine's noise at 512-row batches (73–94k rows/s each), so the default is the simpler one:
// a single statement, no temporary table, nothing a transaction-pooling proxy would mind.
const (
	pgBulkValues = "values" // one multi-row INSERT … ON CONFLICT (msg_id) DO NOTHING
	pgBulkCopy   = "copy"   // COPY into a temporary table, then INSERT … SELECT … ON CONFLICT DO NOTHING
)

// pgValuesRows caps the rows of one multi-row INSERT (20 columns each; PostgreSQL allows
// 65535 parameters); a power of two.
const pgValuesRows = 512

func openPostgres(ctx context.Context, cfg Config) (*DB, error) {
	pc, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("store: cannot parse the database URL %s: %w", redact(cfg.URL), err)
	}
	if !strings.Contains(cfg.URL, "pool_max_conns") {
		pc.MaxConns = int32(cfg.MaxConns)
		if pc.MaxConns <= 0 {
			pc.MaxConns = DefaultMaxConns
		}
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("store: cannot connect to %s: %w", redact(cfg.URL), err)
	}
	sdb := stdlib.OpenDBFromPool(pool)
	db := &DB{kind: "postgres", r: sdb, w: sdb, pool: pool, log: cfg.Logger}
	db.bulk = db.pgBulk(pgBulkValues)
	if err := pool.Ping(ctx); err != nil {
		if !unreachable(err) {
			// it answered: a wrong name, role, password or TLS setting waiting will not fix
			pool.Close()
			return nil, fmt.Errorf("store: cannot connect to %s: %w", redact(cfg.URL), err)
		}
		// the pool stays: with Config.ConnectLater, Open keeps the DB and connects it later
		return db, fmt.Errorf("store: cannot connect to %s: %w: %w", redact(cfg.URL), errUnreachable, err)
	}
	return db, nil
}

// errUnreachable marks openPostgres's failure to reach a database whose pool it made.
var errUnreachable = errors.New("no answer")

// refusedValue reports whether err is the database refusing a value, which trying again would
// not change: PostgreSQL's SQLSTATE class 22 (data exception: a time out of range, an invalid
// byte) or 54 (a limit exceeded: an index entry too large), or SQLite's (sqliteRefused).
func refusedValue(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (strings.HasPrefix(pgErr.Code, "22") || strings.HasPrefix(pgErr.Code, "54")) ||
		sqliteRefused(err)
}

// unreachable reports whether err says the database did not answer (down, refused, timed out,
// starting up), as opposed to answering no.
func unreachable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "57P03" // cannot_connect_now: starting up or shutting down
	}
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, context.DeadlineExceeded)
}

func (db *DB) pgBulk(how string) func(context.Context, []Decision) (int, error) {
	if how == pgBulkCopy {
		return db.pgCopy
	}
	return db.pgValues
}

var pgColumns = strings.Split(insertCols, ", ")

func (db *DB) pgValues(ctx context.Context, ds []Decision) (int, error) {
	// Statements come in power-of-two sizes (512, 256, … 1 rows), so a connection prepares and
	// caches at most ten of them whatever the batch sizes (sending them unprepared, in pgx's
	// QueryExecModeExec, measured half as fast). A batch that needs several statements runs
	// them in one transaction: one commit.
	type execer interface {
		Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
	}
	var ex execer = db.pool
	if len(ds) > pgValuesRows || len(ds)&(len(ds)-1) != 0 {
		tx, err := db.pool.Begin(ctx)
		if err != nil {
			return 0, err
		}
		defer tx.Rollback(ctx)
		ex = tx
	}
	n, stored := 0, micros(time.Now())
	args := make([]any, 0, min(len(ds), pgValuesRows)*numInsertCols)
	for len(ds) > 0 {
		k := pgValuesRows
		for k > len(ds) {
			k /= 2
		}
		args = args[:0]
		for i := range ds[:k] {
			args = insertArgs(args, &ds[i], stored)
		}
		tag, err := ex.Exec(ctx, pgInsert(k), args...)
		if err != nil {
			return 0, err
		}
		n += int(tag.RowsAffected())
		ds = ds[k:]
	}
	if tx, ok := ex.(pgx.Tx); ok {
		return n, tx.Commit(ctx)
	}
	return n, nil
}

// pgInserts holds the INSERT for each power-of-two row count up to pgValuesRows. They are built
// on first use: 600 kB of statements, and every zhiyi command (predict too) would pay for them
// at start-up, the PostgreSQL store or not.
var pgInserts = sync.OnceValue(func() map[int]string {
	m := map[int]string{}
	for k := 1; k <= pgValuesRows; k *= 2 {
		var b strings.Builder
		b.WriteString("INSERT INTO decisions (" + insertCols + ") VALUES ")
		p := 0
		for i := range k {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('(')
			for c := range numInsertCols {
				if c > 0 {
					b.WriteByte(',')
				}
				p++
				b.WriteString("$" + strconv.Itoa(p))
			}
			b.WriteByte(')')
		}
		b.WriteString(" ON CONFLICT (msg_id) DO NOTHING")
		m[k] = b.String()
	}
	return m
})

func pgInsert(k int) string { return pgInserts()[k] }

func (db *DB) pgCopy(ctx context.Context, ds []Decision) (int, error) {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS decisions_in (LIKE decisions INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`); err != nil {
		return 0, err
	}
	args := make([]any, 0, numInsertCols)
	i, stored := 0, micros(time.Now())
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i == len(ds) {
			return nil, nil
		}
		args = insertArgs(args[:0], &ds[i], stored)
		i++
		return args, nil
	})
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"decisions_in"}, pgColumns, src); err != nil {
		return 0, err
	}
	tag, err := tx.Exec(ctx, "INSERT INTO decisions ("+insertCols+") SELECT "+insertCols+" FROM decisions_in ON CONFLICT (msg_id) DO NOTHING")
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), tx.Commit(ctx)
}
