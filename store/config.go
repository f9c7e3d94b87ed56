package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/atomicfile"
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
	// ConnectLater lets Open return while PostgreSQL cannot be reached, when the hash key is
	// known: HashKey, or the copy (HashKeyFile in DataDir) an earlier Open kept. The database
	// is then connected and migrated in the background, and until it is, calls fail as they
	// do when it goes down (a Recorder spools). zhiyi serve sets it: a replica restarted
	// during an outage answers meanwhile.
	ConnectLater bool
	// ReadOnly opens an existing decision log to read it (zhiyi report, unmatched, ab): nothing
	// is created, migrated or stored, so a mistyped --db or a reporting role with SELECT alone
	// works or fails clearly instead of turning another database into an empty log. A database
	// without zhiyi's schema, or at another version, is an error.
	ReadOnly bool
	// Existing opens a decision log zhiyi serve made, to change it beside serve (zhiyi forget,
	// backup, learn): a database without zhiyi's schema is an error, not a new empty log (a
	// mistyped --db would get the tables and answer "deleted 0"), and without HashKey the key
	// the log keeps is taken, none generated — a log serve wrote with --hash-key keeps none, and
	// a key made up now would hash ids as serve never did: forget would delete nothing, and
	// every later reader would find nothing without an error.
	Existing bool
	// KeyUnused opens, with Existing, a log to copy it whole (zhiyi backup, restore): it hashes
	// no id, so no hash key is taken, asked for or made. A log serve wrote with --hash-key keeps
	// none, and a backup from cron, whose environment has no ZHIYI_HASH_KEY, was refused for the
	// lack of a key it never uses: the shop had no backups. Hash must not be called.
	KeyUnused bool
	// CopyInto opens the destination of CopyFrom (zhiyi copy), and CopyFrom needs it: without
	// HashKey, a new database gets no key of its own, for CopyFrom to give it the source's. A
	// key made at Open by a copy stopped before CopyFrom replaced it (killed, Ctrl-C, a source
	// that stopped answering) was one its rerun could not tell from a replica's, and refused.
	// Until CopyFrom, Hash hashes with the key the database keeps (none: an empty key).
	CopyInto bool
	// Shop names the shop whose decisions the log holds (zhiyi serve: kb.yaml's shop). Open
	// claims the log for it (the settings row "shop") and refuses a log another shop claimed
	// (ErrOtherShop): two shops pointed at one database would drop each other's decisions as
	// duplicates of a msg_id, take each other's feedback and labels, and report and learn the
	// two as one. With ConnectLater the background connect checks it the same way and stays
	// down (decisions spool) on another shop's log. DataDir is claimed the same way (ShopFile),
	// before its spool or hash key is read. Empty, or ReadOnly, Existing or CopyInto: no claim.
	Shop string
}

// ErrOtherShop is Open's error for a decision log another shop claimed (Config.Shop).
var ErrOtherShop = errors.New("store: the decision log is another shop's")

// HashKeyFile is where, in DataDir, Open with ConnectLater keeps a copy of a PostgreSQL
// database's hash key for a later start (mode 0600: it is as secret as the database's copy).
const HashKeyFile = "hash.key"

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
	if err := claimDataDir(cfg); err != nil {
		return nil, err
	}
	var (
		db  *DB
		err error
	)
	if cfg.Kind() == "postgres" {
		db, err = openPostgres(ctx, cfg)
		if errors.Is(err, errUnreachable) && !cfg.ReadOnly {
			return db.connectLater(cfg, err)
		} else if err != nil && db != nil {
			db.Close()
		}
	} else if cfg.ReadOnly {
		db, err = openSQLiteReadOnly(ctx, cfg)
	} else {
		db, err = openSQLite(ctx, cfg)
	}
	if err != nil {
		return nil, err
	}
	if cfg.ReadOnly {
		if err := db.openReadOnly(ctx, cfg); err != nil {
			db.Close()
			return nil, err
		}
		return db, nil
	}
	if cfg.Existing {
		if err := db.checkSchema(ctx, cfg, true); err != nil {
			db.Close()
			return nil, err
		}
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
	if err := db.claimShop(ctx, cfg); err != nil {
		db.Close()
		return nil, err
	}
	key := cfg.HashKey
	db.copyInto = cfg.CopyInto
	if cfg.KeyUnused && cfg.Existing && len(key) == 0 {
		return db, nil // copies the log; hashes nothing (Config.KeyUnused)
	}
	if len(key) == 0 && cfg.Existing {
		if key, err = db.loggedHashKey(ctx, cfg); err != nil {
			db.Close()
			return nil, err
		}
	} else if len(key) == 0 && cfg.CopyInto {
		if key, err = db.keptHashKey(ctx, db.w); err != nil {
			db.Close()
			return nil, err
		}
	} else if len(key) == 0 {
		var want []byte // a new database takes the key this replica hashed with before, if any
		if db.kind == "postgres" && cfg.ConnectLater && cfg.DataDir != "" {
			want, _ = readHashKey(cfg.DataDir)
		}
		if key, err = db.storedHashKey(ctx, want); err != nil {
			db.Close()
			return nil, err
		}
		if db.kind == "postgres" && cfg.ConnectLater && cfg.DataDir != "" {
			// for the next start, should the database be down then (only serve asks)
			if err := keepHashKey(cfg.DataDir, key); err != nil {
				cfg.Logger.Warn("store: cannot keep a copy of the hash key; this replica will not start while the database is down", "error", err)
			}
		}
	}
	db.hasher = hasher{key: key}
	if len(cfg.HashKey) > 0 {
		db.warnKeptHashKey(ctx, cfg)
	}
	if db.created && !cfg.CopyInto { // zhiyi copy --to sqlite:PATH makes its destination
		// A serve started on another --data-dir than the one a backup was restored into (the
		// default, data, is the working directory's) began an empty log without a word, with a
		// hash key of its own: the history seemed lost until a report came out empty.
		abs, _ := filepath.Abs(db.path)
		cfg.Logger.Info("store: a new decision log: none was at this path; if the log is elsewhere (a restored backup), stop and start with its --data-dir", "path", abs)
	}
	return db, nil
}

// openReadOnly checks that db holds zhiyi's schema at this version and takes its hash key —
// Config.HashKey, else the one the log keeps (a log written with --hash-key keeps none: the
// same key must be given) — without writing anything.
func (db *DB) openReadOnly(ctx context.Context, cfg Config) error {
	if err := db.checkSchema(ctx, cfg, false); err != nil {
		return err
	}
	key := cfg.HashKey
	if len(key) == 0 {
		var err error
		if key, err = db.loggedHashKey(ctx, cfg); err != nil {
			return err
		}
	}
	db.hasher = hasher{key: key}
	if len(cfg.HashKey) > 0 {
		db.warnKeptHashKey(ctx, cfg)
	}
	return nil
}

// warnKeptHashKey says, for a process given a hash key, when the log keeps a key of its own
// and holds decisions: those were hashed with the kept key (a serve started without
// --hash-key, or a log zhiyi copy moved), so this process hashes the same customer apart from
// them — its decisions split from theirs, and records and forget, which hash the id given them,
// find none of the earlier ones. Nothing else tells: both keys hash every id to something.
// An operator who set ZHIYI_HASH_KEY for Redis, as the replicas are told to, meets it first.
func (db *DB) warnKeptHashKey(ctx context.Context, cfg Config) {
	kept, err := db.keptHashKey(ctx, db.r)
	if err != nil || kept == nil {
		return
	}
	var any bool
	if err := db.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM decisions)`).Scan(&any); err != nil || !any {
		return
	}
	cfg.Logger.Warn("store: the decision log keeps a hash key of its own and holds decisions hashed with it, but this process was given --hash-key (env ZHIYI_HASH_KEY): " +
		"the ids it hashes will not match the earlier ones (zhiyi records, forget, reports, learning by sender); drop --hash-key to keep them, or knowingly start anew")
}

// Where names the log cfg selects for an error message (a PostgreSQL URL without its password).
func (cfg *Config) Where() string {
	if cfg.Kind() == "postgres" {
		return redact(cfg.URL)
	}
	return cfg.SQLitePath()
}

// checkSchema checks that db holds zhiyi's decision log at this schema version, or at an older
// one when older (Open migrates it then).
func (db *DB) checkSchema(ctx context.Context, cfg Config, older bool) error {
	where := cfg.Where()
	var v int64
	err := db.r.QueryRowContext(ctx, `SELECT version_id FROM goose_db_version ORDER BY id DESC LIMIT 1`).Scan(&v)
	switch {
	case err != nil && ctx.Err() == nil && !errors.Is(err, ErrUnavailable) && (errors.Is(err, sql.ErrNoRows) || missingTable(err)):
		return fmt.Errorf("store: %s holds no zhiyi decision log (no schema version): zhiyi serve with the same --db or --data-dir writes one", where)
	case err != nil:
		return fmt.Errorf("store: cannot read the schema version of %s: %w", where, err)
	case v < SchemaVersion && !older:
		return fmt.Errorf("store: the decision log at %s has schema version %d, this zhiyi reads %d: start zhiyi serve on it once (it migrates)", where, v, SchemaVersion)
	case v > SchemaVersion:
		return fmt.Errorf("store: the decision log at %s has schema version %d, newer than this zhiyi's %d: use the zhiyi that wrote it", where, v, SchemaVersion)
	}
	return nil
}

// loggedHashKey returns the hash key the log keeps, or an error saying to give serve's
// --hash-key when it keeps none (serve was given one).
func (db *DB) loggedHashKey(ctx context.Context, cfg Config) ([]byte, error) {
	key, err := db.keptHashKey(ctx, db.r)
	if err == nil && key == nil {
		// written with --hash-key: senders and conversations hash only with that key
		return nil, fmt.Errorf("store: the decision log at %s keeps no hash key (zhiyi serve was given one): pass the same --hash-key (env ZHIYI_HASH_KEY)", cfg.Where())
	}
	return key, err
}

// missingTable reports whether err says a table does not exist (SQLite's "no such table",
// PostgreSQL's undefined_table).
func missingTable(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "no such table") || strings.Contains(msg, "SQLSTATE 42P01")
}

// connectLater returns db, whose database could not be reached (err), when Config.ConnectLater
// and the hash key allow serving without it, and connects and migrates it in the background.
func (db *DB) connectLater(cfg Config, err error) (*DB, error) {
	key := cfg.HashKey
	if len(key) == 0 && cfg.ConnectLater && cfg.DataDir != "" {
		key, _ = readHashKey(cfg.DataDir)
	}
	if !cfg.ConnectLater || len(key) == 0 {
		db.Close()
		if cfg.ConnectLater {
			return nil, fmt.Errorf("%w; to start without it zhiyi needs the hash key: --hash-key, or one start with the database up (it keeps a copy in %s)", err, filepath.Join(cfg.DataDir, HashKeyFile))
		}
		return nil, err
	}
	db.hasher = hasher{key: key}
	ctx, cancel := context.WithCancel(context.Background())
	db.stopConnecting, db.connected = cancel, make(chan struct{})
	cfg.Logger.Warn("store: the database is down; serving without it, decisions spool until it is back", "error", err.Error())
	go func() {
		defer close(db.connected)
		// the last error logged, and when: the line above said this one (Open's error wraps
		// the ping's), so the first retries failing alike add nothing to it
		said, saidAt := cause(err).Error(), time.Now()
		for wait := 500 * time.Millisecond; ; wait = min(2*wait, 2*time.Second) {
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			if err := db.connect(ctx, cfg, key); err != nil {
				// once a minute, or at once when it changes (the database answered, but no)
				if msg := err.Error(); msg != said || time.Since(saidAt) >= time.Minute {
					said, saidAt = msg, time.Now()
					cfg.Logger.Warn("store: the database is not usable yet; decisions spool", "error", msg)
				}
				continue
			}
			db.ready.Store(true)
			cfg.Logger.Info("store: the database is back: connected and migrated")
			return
		}
	}()
	return db, nil
}

// cause returns what openPostgres's "cannot connect" error wraps beside errUnreachable: the
// ping's error, as connect returns it when the database is still down.
func cause(err error) error {
	if u, ok := err.(interface{ Unwrap() []error }); ok {
		if errs := u.Unwrap(); len(errs) > 0 {
			return errs[len(errs)-1]
		}
	}
	return err
}

// connecting reports whether the database is one Open could not reach and is still connecting
// in the background: its outage has been logged (connectLater) and is not news to the recorder.
func (db *DB) connecting() bool {
	return db.connected != nil && !db.ready.Load() && !db.closed.Load()
}

// connect pings and migrates a database Open could not reach, and checks that it keeps the
// hash key this replica hashes with (storing it in a new database).
func (db *DB) connect(ctx context.Context, cfg Config, key []byte) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := db.pool.Ping(ctx); err != nil {
		return err
	}
	if err := migrate(ctx, db.w, db.kind, 0, cfg.Logger); err != nil {
		return err
	}
	if err := db.claimShop(ctx, cfg); err != nil {
		return err // not connected: decisions spool, never into another shop's log
	}
	if len(cfg.HashKey) > 0 {
		return nil
	}
	stored, err := db.storedHashKey(ctx, key)
	if err != nil {
		return err
	}
	if !bytes.Equal(stored, key) {
		// the copy was stale (the database was replaced, or --db changed): the next start takes
		// the database's key; this process keeps hashing with the one it started with
		cfg.Logger.Error("store: the database keeps another hash key than this replica's copy; its sender and conversation hashes will not match the others' until it restarts",
			"copy", filepath.Join(cfg.DataDir, HashKeyFile))
		if err := keepHashKey(cfg.DataDir, stored); err != nil {
			cfg.Logger.Warn("store: cannot update the hash key's copy", "error", err.Error())
		}
	}
	return nil
}

// claimShop claims the log for cfg.Shop unless another shop has it (Config.Shop).
func (db *DB) claimShop(ctx context.Context, cfg Config) error {
	if cfg.Shop == "" || cfg.ReadOnly || cfg.Existing || cfg.CopyInto {
		return nil
	}
	if _, err := db.w.ExecContext(ctx, db.q(`INSERT INTO settings (name, value) VALUES ('shop', ?) ON CONFLICT (name) DO NOTHING`), cfg.Shop); err != nil {
		return fmt.Errorf("store: cannot claim the decision log for the shop: %w", err)
	}
	var have string
	if err := db.w.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = 'shop'`).Scan(&have); err != nil {
		return fmt.Errorf("store: cannot read which shop the decision log is: %w", err)
	}
	if have != cfg.Shop {
		return fmt.Errorf("%w: the decision log at %s holds the decisions of %q and this is %q: give each shop a database (or --data-dir, or schema) of its own; if the shop was renamed, set it: UPDATE settings SET value = '…' WHERE name = 'shop'",
			ErrOtherShop, cfg.Where(), have, cfg.Shop)
	}
	return nil
}

// keepHashKey writes key to dir's HashKeyFile (atomicfile: temp file, sync, rename, sync the
// directory), always 0600: it is the secret every hash is keyed with, and a copy left
// readable to others must not pass that on to the new key (atomicfile.WritePrivate).
func keepHashKey(dir string, key []byte) error {
	if old, err := readHashKey(dir); err == nil && bytes.Equal(old, key) {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return atomicfile.WritePrivate(filepath.Join(dir, HashKeyFile), []byte(hex.EncodeToString(key)+"\n"), 0o600)
}

// readHashKey reads dir's HashKeyFile.
func readHashKey(dir string) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(dir, HashKeyFile))
	if err != nil {
		return nil, err
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) == 0 {
		return nil, fmt.Errorf("store: %s is not a hex key", filepath.Join(dir, HashKeyFile))
	}
	return key, nil
}

// storedHashKey returns the key kept in settings, storing want (a random key when nil) on first
// use. Two replicas racing here both read the one that was inserted first.
func (db *DB) storedHashKey(ctx context.Context, want []byte) ([]byte, error) {
	if want == nil {
		var b [32]byte
		rand.Read(b[:])
		want = b[:]
	}
	res, err := db.w.ExecContext(ctx, db.q(`INSERT INTO settings (name, value) VALUES ('hash_key', ?) ON CONFLICT (name) DO NOTHING`),
		hex.EncodeToString(want))
	if err != nil {
		return nil, fmt.Errorf("store: cannot keep the hash key: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n > 0 {
		// a key made now for a log that holds decisions already: they were hashed with a key
		// given to serve (--hash-key), which this process was not given
		var any bool
		if err := db.w.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM decisions)`).Scan(&any); err == nil && any {
			db.log.Warn("store: the decision log holds decisions but kept no hash key: they were hashed with a --hash-key this process was not given. " +
				"Its sender and chat ids now hash with a new key kept in the log, and will not match the earlier ones (zhiyi records, forget, reports): give it the same --hash-key (env ZHIYI_HASH_KEY) as the others")
		}
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

// redact hides a password in a database URL for error messages: the URL's user info, and a
// password parameter, of the URL's query (pgx reads ?password=) or of a keyword/value DSN
// ("host=… password=…", which --db refuses, naming what it was given).
func redact(url string) string {
	if at, scheme := strings.LastIndexByte(url, '@'), strings.Index(url, "://"); at >= 0 && scheme >= 0 && at > scheme {
		if i := strings.IndexByte(url[scheme+3:at], ':'); i >= 0 {
			url = url[:scheme+3+i] + ":***" + url[at:]
		}
	}
	return passwordParam.ReplaceAllString(url, "${1}***")
}

// passwordParam matches a password parameter's value — password=…, and sslpassword=…, the client
// key's passphrase — up to the next parameter (a query's & or a DSN's space), or a DSN's quoted
// value.
var passwordParam = regexp.MustCompile(`(?i)((?:^|[?&\s])(?:ssl)?password\s*=\s*)(?:'(?:[^'\\]|\\.)*'|[^&\s]*)`)

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
