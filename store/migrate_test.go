package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for raw access
	"github.com/ncruces/go-sqlite3/driver"
	"github.com/pressly/goose/v3"

	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
)

func ctxT(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

// backend is a fresh, empty database: the Config that opens it and a raw handle on it.
type backend struct {
	kind string
	cfg  Config
	raw  *sql.DB
}

func backends(t *testing.T) []backend {
	t.Helper()
	dir := t.TempDir()
	lite, err := driver.Open("file:" + filepath.Join(dir, DBFileName) + "?" + sqlitePragmas)
	if err != nil {
		t.Fatal(err)
	}
	lite.SetMaxOpenConns(1)
	t.Cleanup(func() { lite.Close() })
	out := []backend{{"sqlite", Config{DataDir: dir}, lite}}
	pgs := testsvc.SharedPostgres(t) // skips only when PostgreSQL is not installed
	dsn := pgs.NewDatabase(t)
	pg, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	return append(out, backend{"postgres", Config{URL: dsn}, pg})
}

func tables(t *testing.T, b backend) map[string]bool {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table'`
	if b.kind == "postgres" {
		q = `SELECT tablename FROM pg_tables WHERE schemaname = current_schema()`
	}
	rows, err := b.raw.QueryContext(ctxT(t), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var name string
		rows.Scan(&name)
		out[name] = true
	}
	return out
}

func TestMigrateFromEmpty(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.kind, func(t *testing.T) {
			db, err := Open(ctxT(t), b.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if v, err := db.SchemaVersion(ctxT(t)); err != nil || v != SchemaVersion {
				t.Fatalf("version %d, %v; want %d", v, err, SchemaVersion)
			}
			tabs := tables(t, b)
			for _, want := range []string{"decisions", "feedback", "labels", "settings", "goose_db_version"} {
				if !tabs[want] {
					t.Errorf("no table %s (have %v)", want, tabs)
				}
			}
			// Opening again is a no-op, and the down migrations undo everything cleanly.
			db2, err := Open(ctxT(t), b.cfg)
			if err != nil {
				t.Fatalf("second Open: %v", err)
			}
			db2.Close()
			dir, _ := fs.Sub(migrations, "migrations/"+b.kind)
			dialect := goose.DialectSQLite3
			if b.kind == "postgres" {
				dialect = goose.DialectPostgres
			}
			p, err := goose.NewProvider(dialect, b.raw, dir, goose.WithDisableGlobalRegistry(true))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.DownTo(ctxT(t), 0); err != nil {
				t.Fatalf("down: %v", err)
			}
			for _, gone := range []string{"decisions", "feedback", "labels", "settings"} {
				if tables(t, b)[gone] {
					t.Errorf("table %s left after migrating down", gone)
				}
			}
			if _, err := p.Up(ctxT(t)); err != nil {
				t.Fatalf("up again: %v", err)
			}
		})
	}
}

// A database written by the first schema opens with the current one: rows kept, new columns
// at their defaults, and the new features usable on it.
func TestMigrateFromPrevious(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.kind, func(t *testing.T) {
			if err := migrate(ctxT(t), b.raw, b.kind, 1, discard()); err != nil {
				t.Fatal(err)
			}
			if v, _ := schemaVersion(ctxT(t), b.raw, b.kind); v != 1 {
				t.Fatalf("at version %d, want 1", v)
			}
			at := time.Date(2026, 2, 1, 8, 0, 0, 0, time.UTC)
			if _, err := b.raw.ExecContext(ctxT(t), `INSERT INTO decisions (msg_id, at, channel, text, intent, confidence, route, answer_id, model, latency_us)
				VALUES ('v1-a', `+itoa(at.UnixMicro())+`, 'wecom', '要发票', 'invoice', 0.9, 'auto', 'invoice.a', 'shop@1', 120)`); err != nil {
				t.Fatal(err)
			}
			if _, err := b.raw.ExecContext(ctxT(t), `INSERT INTO feedback (id, msg_id, at, rating, resolved, comment)
				VALUES ('f-a', 'v1-a', `+itoa(at.Add(time.Minute).UnixMicro())+`, 4, TRUE, '好')`); err != nil {
				t.Fatal(err)
			}
			db, err := Open(ctxT(t), b.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if v, _ := db.SchemaVersion(ctxT(t)); v != SchemaVersion {
				t.Fatalf("after Open: version %d, want %d", v, SchemaVersion)
			}
			d, err := db.Decision(ctxT(t), "v1-a")
			if err != nil {
				t.Fatal(err)
			}
			if !d.Time.Equal(at) || d.Intent != "invoice" || d.LatencyMicros != 120 || d.Rule != "" || d.Turn != 0 || d.Repeat {
				t.Errorf("old decision = %+v", d)
			}
			sum, err := db.Summary(ctxT(t), SummaryQuery{})
			if err != nil || sum.Messages != 1 || sum.Ratings != 1 || sum.Resolved != 1 {
				t.Errorf("summary over old rows: %+v, %v", sum, err)
			}
			if _, err := db.AppendDecisions(ctxT(t), []Decision{{MsgID: "v2-b", Time: at, Intent: "invoice", Turn: 2, Repeat: true, Variant: "b"}}); err != nil {
				t.Fatal(err)
			}
			if err := db.AddLabels(ctxT(t), []Label{{Key: "v1-a", Intent: "invoice"}}); err != nil {
				t.Fatal(err)
			}
			d, _ = db.Decision(ctxT(t), "v2-b")
			if d.Turn != 2 || !d.Repeat || d.Variant != "b" {
				t.Errorf("new decision = %+v", d)
			}
		})
	}
}

// Replicas (or serve and zhiyi report) starting together on a new database migrate it once.
func TestMigrateConcurrently(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.kind, func(t *testing.T) {
			errs := make(chan error, 4)
			for range 4 {
				go func() {
					cfg := b.cfg
					cfg.Logger = discard()
					db, err := Open(ctxT(t), cfg)
					if err == nil {
						var v int64
						v, err = db.SchemaVersion(ctxT(t))
						if err == nil && v != SchemaVersion {
							err = fmt.Errorf("version %d", v)
						}
						db.Close()
					}
					errs <- err
				}()
			}
			for range 4 {
				if err := <-errs; err != nil {
					t.Error(err)
				}
			}
		})
	}
}
