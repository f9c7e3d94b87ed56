package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// migrations holds the versioned schema, one directory per backend; goose applies them in
// order and records the version in the table goose_db_version.
//
//go:embed migrations
var migrations embed.FS

// SchemaVersion is the newest migration's version: Open brings every database up to it.
const SchemaVersion = 4

// migrate applies the migrations of kind ("sqlite" or "postgres") up to version (0 = all).
// On PostgreSQL an advisory lock lets several replicas start at once: one migrates, the others
// wait and find nothing left to do.
func migrate(ctx context.Context, db *sql.DB, kind string, version int64, log *slog.Logger) error {
	dir, err := fs.Sub(migrations, "migrations/"+kind)
	if err != nil {
		return err
	}
	dialect := goose.DialectSQLite3
	var opts []goose.ProviderOption
	opts = append(opts, goose.WithDisableGlobalRegistry(true), goose.WithSlog(log))
	if kind == "postgres" {
		dialect = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, db, dir, opts...)
	if err != nil {
		return fmt.Errorf("store: cannot read migrations: %w", err)
	}
	if version == 0 {
		_, err = p.Up(ctx)
	} else {
		_, err = p.UpTo(ctx, version)
	}
	if err != nil {
		return fmt.Errorf("store: cannot migrate the %s schema: %w", kind, err)
	}
	return nil
}

// schemaVersion returns the version the database is at.
func schemaVersion(ctx context.Context, db *sql.DB, kind string) (int64, error) {
	dir, err := fs.Sub(migrations, "migrations/"+kind)
	if err != nil {
		return 0, err
	}
	dialect := goose.DialectSQLite3
	if kind == "postgres" {
		dialect = goose.DialectPostgres
	}
	p, err := goose.NewProvider(dialect, db, dir, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return 0, err
	}
	return p.GetDBVersion(ctx)
}
