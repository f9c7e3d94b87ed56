package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"
)

// Defaults for a zero Config.
const (
	DefaultDataDir  = "data"
	DBFileName      = "zhiyi.db" // the SQLite database inside DataDir
	DefaultMaxConns = 8          // PostgreSQL pool size
)

// Config selects and tunes a backend. The zero value is SQLite at data/zhiyi.db.
type Config struct {
	// DataDir holds the SQLite database (DBFileName) and the Recorder's spool. Default "data".
	DataDir string
	// URL selects PostgreSQL when it starts with postgres:// or postgresql:// (a pgx DSN:
	// pool_max_conns and the other pgxpool parameters work). Empty means SQLite in DataDir;
	// "sqlite:PATH" names a SQLite file elsewhere.
	URL string
	// HashKey keys the HMAC of sender and conversation ids (Hash). When empty, a random key is
	// generated on first open and kept in the database's settings table, so every replica
	// sharing the database hashes alike; a key given here (e.g. from a file outside the
	// database) keeps a leaked database from being used to test guessed ids.
	HashKey []byte
	// MaxConns bounds the PostgreSQL pool (DefaultMaxConns when zero) unless the URL sets
	// pool_max_conns.
	MaxConns int
	// Logger receives the store's few log lines; slog.Default() when nil.
	Logger *slog.Logger
}

// Kind reports the backend the config selects: "sqlite" or "postgres".
func (c *Config) Kind() string {
	if strings.HasPrefix(c.URL, "postgres://") || strings.HasPrefix(c.URL, "postgresql://") {
		return "postgres"
	}
	return "sqlite"
}

// SQLitePath returns the SQLite file the config selects.
func (c *Config) SQLitePath() string {
	if p, ok := strings.CutPrefix(c.URL, "sqlite:"); ok && p != "" {
		return p
	}
	dir := c.DataDir
	if dir == "" {
		dir = DefaultDataDir
	}
	return filepath.Join(dir, DBFileName)
}

// Open opens (creating if needed) the database the config selects and migrates it to
// SchemaVersion.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.URL != "" && cfg.Kind() == "sqlite" && !strings.HasPrefix(cfg.URL, "sqlite:") {
		return nil, fmt.Errorf("store: unsupported database URL %q (want postgres://… or sqlite:PATH)", redact(cfg.URL))
	}
	var (
		db  *DB
		err error
	)
	if cfg.Kind() == "postgres" {
		db, err = openPostgres(ctx, cfg)
	} else {
		db, err = openSQLite(ctx, cfg)
	}
	if err != nil {
		return nil, err
	}
	unlock := func() {}
	if db.kind == "sqlite" {
		if unlock, err = lockFile(db.path + ".lock"); err != nil {
			db.Close()
			return nil, err
		}
	}
	err = migrate(ctx, db.w, db.kind, 0, cfg.Logger)
	unlock()
	if err != nil {
		db.Close()
		return nil, err
	}
	key := cfg.HashKey
	if len(key) == 0 {
		if key, err = db.storedHashKey(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	db.hasher = hasher{key: key}
	return db, nil
}

// storedHashKey returns the key kept in settings, generating it on first use. Two replicas
// racing here both read the one that was inserted first.
func (db *DB) storedHashKey(ctx context.Context) ([]byte, error) {
	var b [32]byte
	rand.Read(b[:])
	if _, err := db.w.ExecContext(ctx, db.q(`INSERT INTO settings (name, value) VALUES ('hash_key', ?) ON CONFLICT (name) DO NOTHING`),
		hex.EncodeToString(b[:])); err != nil {
		return nil, fmt.Errorf("store: cannot keep the hash key: %w", err)
	}
	var v string
	if err := db.w.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = 'hash_key'`).Scan(&v); err != nil {
		return nil, fmt.Errorf("store: cannot read the hash key: %w", err)
	}
	key, err := hex.DecodeString(v)
	if err != nil || len(key) == 0 {
		return nil, fmt.Errorf("store: the stored hash key is not hex: %v", err)
	}
	return key, nil
}

// redact hides a password in a database URL for error messages.
func redact(url string) string {
	at := strings.LastIndexByte(url, '@')
	scheme := strings.Index(url, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return url
	}
	cred := url[scheme+3 : at]
	if i := strings.IndexByte(cred, ':'); i >= 0 {
		return url[:scheme+3] + cred[:i] + ":***" + url[at:]
	}
	return url
}

// SchemaVersion returns the migration version the database is at.
func (db *DB) SchemaVersion(ctx context.Context) (int64, error) {
	if db.closed.Load() {
		return 0, ErrClosed
	}
	return schemaVersion(ctx, db.w, db.kind)
}

// micros converts a time to the stored unix microseconds; the zero time stays 0.
func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// errClosedIf maps database/sql's closed error to ErrClosed.
func (db *DB) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if db.closed.Load() || errors.Is(err, sql.ErrConnDone) && db.closed.Load() {
		return ErrClosed
	}
	return fmt.Errorf("store: %s: %w", op, err)
}
