package serve

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/authlimit"
)

// Defaults for Config. A zero field in the Config given to New takes these values.
const (
	DefaultAddr            = ":8080"
	DefaultModelDir        = "models/shop"
	DefaultMaxTextBytes    = 2048    // the WeCom text message limit, in UTF-8 bytes
	DefaultMaxBodyBytes    = 1 << 20 // a full batch of maximal, fully \u-escaped texts fits
	DefaultMaxBatch        = 64
	DefaultReadTimeout     = 5 * time.Second
	DefaultWriteTimeout    = 5 * time.Second
	DefaultIdleTimeout     = 60 * time.Second
	DefaultShutdownTimeout = 15 * time.Second
	DefaultShutdownIdle    = 5 * time.Second
	DefaultReloadTimeout   = time.Minute
	DefaultLogLevel        = "info"
	// DefaultAdminAttempts wrong admin tokens from one client within DefaultAdminWindow lock it
	// out: the console's sign-in limit, so that both doors hold alike.
	DefaultAdminAttempts = authlimit.DefaultAttempts
	DefaultAdminWindow   = authlimit.DefaultWindow
)

// Config is the server's configuration. The zero value is usable: New fills zero fields with the
// Default* constants. Admin routes stay off while AdminToken is empty.
type Config struct {
	// Addr is the TCP address ListenAndServe listens on (env ZHIYI_ADDR, flag -addr).
	Addr string
	// ModelDir is the model bundle loaded at start and by a reload without a named bundle
	// (env ZHIYI_MODEL, flag -model).
	ModelDir string
	// ModelsRoot is the directory every bundle loaded must be inside, symlinks resolved
	// (env ZHIYI_MODELS_ROOT, flag -models-root). Default: ModelDir's parent directory, so that
	// POST /admin/reload can name the bundles beside the model and nothing else.
	ModelsRoot string
	// ReloadTimeout bounds one load of a bundle, at start and on each reload (env
	// ZHIYI_RELOAD_TIMEOUT, flag -reload-timeout). Default one minute.
	ReloadTimeout time.Duration
	// MaxTextBytes limits a message's text, counted in UTF-8 bytes after JSON decoding
	// (env ZHIYI_MAX_TEXT_BYTES, flag -max-text-bytes). Default 2048, the WeCom text limit.
	MaxTextBytes int
	// MaxBodyBytes limits a request body; a larger one is answered 413 body_too_large
	// (env ZHIYI_MAX_BODY_BYTES, flag -max-body-bytes).
	MaxBodyBytes int
	// MaxBatch limits the messages in one POST /intent/batch (env ZHIYI_MAX_BATCH, flag -max-batch).
	MaxBatch int
	// ReadTimeout, WriteTimeout and IdleTimeout are fasthttp's connection timeouts
	// (env ZHIYI_READ_TIMEOUT, ZHIYI_WRITE_TIMEOUT, ZHIYI_IDLE_TIMEOUT; Go durations such as 5s).
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
	IdleTimeout  time.Duration
	// ShutdownTimeout bounds how long Serve waits for in-flight requests once its context is done
	// (env ZHIYI_SHUTDOWN_TIMEOUT, flag -shutdown-timeout).
	ShutdownTimeout time.Duration
	// ShutdownIdle is how long a keep-alive connection idle when shutdown begins stays open for
	// one more request (answered with Connection: close) before it is closed: a gateway that
	// has not noticed the shutdown yet loses nothing (env ZHIYI_SHUTDOWN_IDLE, flag
	// -shutdown-idle). Default 5s; at most ShutdownTimeout.
	ShutdownIdle time.Duration
	// ShutdownDelay is how long, once shutdown begins, the server goes on serving as usual with
	// GET /readyz answering 503, before it stops accepting: time for a load balancer (a
	// Kubernetes Service) to take it out of rotation, so no new connection is refused (env
	// ZHIYI_SHUTDOWN_DELAY, flag -shutdown-delay). Default 0: stop accepting at once.
	ShutdownDelay time.Duration
	// Concurrency caps concurrent connections; 0 keeps fasthttp's default. A connection past it
	// gets fasthttp's plain-text 503, not a JSON error (docs/api.md).
	// (env ZHIYI_CONCURRENCY, flag -concurrency).
	Concurrency int
	// AdminToken enables the admin routes — POST /admin/reload, POST /admin/rollback, GET
	// /admin/unmatched and the console, each when its part is wired. The routes then require
	// "Authorization: Bearer <token>"; the console's sign-in asks for the token (env
	// ZHIYI_ADMIN_TOKEN, flag -admin-token; prefer the environment: flags show in ps).
	AdminToken string
	// AdminAttempts wrong tokens (a request with an Authorization header that is not the admin
	// token) from one client address within AdminWindow lock that client out of the admin routes:
	// 429 too_many_attempts with Retry-After, even with the right token, until the oldest of
	// them leaves the window. The right token clears the client's count. Defaults 5 in 15
	// minutes, the console's sign-in limit; no flag or variable, as the console's has none.
	AdminAttempts int
	AdminWindow   time.Duration
	// TrustedProxies are the reverse proxies in front of zhiyi (nginx on the same host:
	// 127.0.0.1/32). A request from one is counted, for the admin limit, as the client its
	// X-Forwarded-For names; empty: the connection's address, whatever the header, so that
	// behind a proxy one guesser locks every client out of the admin routes.
	TrustedProxies []netip.Prefix
	// LogLevel is debug, info, warn or error (env ZHIYI_LOG_LEVEL, flag -log-level). The server
	// itself logs to the *slog.Logger given to New; NewLogger builds one at this level.
	LogLevel string

	envErr error // a malformed environment variable seen by RegisterFlags
}

// DefaultConfig returns the built-in defaults, without looking at the environment.
func DefaultConfig() Config {
	return Config{
		Addr:            DefaultAddr,
		ModelDir:        DefaultModelDir,
		MaxTextBytes:    DefaultMaxTextBytes,
		MaxBodyBytes:    DefaultMaxBodyBytes,
		MaxBatch:        DefaultMaxBatch,
		ReadTimeout:     DefaultReadTimeout,
		WriteTimeout:    DefaultWriteTimeout,
		IdleTimeout:     DefaultIdleTimeout,
		ShutdownTimeout: DefaultShutdownTimeout,
		ShutdownIdle:    DefaultShutdownIdle,
		ReloadTimeout:   DefaultReloadTimeout,
		LogLevel:        DefaultLogLevel,
		AdminAttempts:   DefaultAdminAttempts,
		AdminWindow:     DefaultAdminWindow,
	}
}

// ConfigFromEnv returns the defaults overridden by the ZHIYI_* environment variables.
// A malformed value is an error naming the variable.
func ConfigFromEnv() (Config, error) {
	c := DefaultConfig()
	err := c.applyEnv(os.LookupEnv)
	return c, err
}

// RegisterFlags sets c to the defaults overridden by the ZHIYI_* environment variables and binds
// one flag per field on fs, so that a flag given on the command line wins over the environment,
// which wins over the default. A malformed environment value keeps the default and is reported
// by Validate (and so by New).
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	*c = DefaultConfig()
	c.envErr = c.applyEnv(os.LookupEnv)
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (env ZHIYI_ADDR)")
	fs.StringVar(&c.ModelDir, "model", c.ModelDir, "model bundle directory (env ZHIYI_MODEL)")
	fs.StringVar(&c.ModelsRoot, "models-root", c.ModelsRoot, "directory every bundle loaded must be inside, symlinks resolved; default: the model's parent (env ZHIYI_MODELS_ROOT)")
	fs.DurationVar(&c.ReloadTimeout, "reload-timeout", c.ReloadTimeout, "longest one bundle load may take (env ZHIYI_RELOAD_TIMEOUT)")
	fs.IntVar(&c.MaxTextBytes, "max-text-bytes", c.MaxTextBytes, "max message text in UTF-8 bytes; 0: the default (env ZHIYI_MAX_TEXT_BYTES)")
	fs.IntVar(&c.MaxBodyBytes, "max-body-bytes", c.MaxBodyBytes, "max request body in bytes; 0: the default (env ZHIYI_MAX_BODY_BYTES)")
	fs.IntVar(&c.MaxBatch, "max-batch", c.MaxBatch, "max messages per /intent/batch; 0: the default (env ZHIYI_MAX_BATCH)")
	fs.DurationVar(&c.ReadTimeout, "read-timeout", c.ReadTimeout, "connection read timeout (env ZHIYI_READ_TIMEOUT)")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", c.WriteTimeout, "connection write timeout (env ZHIYI_WRITE_TIMEOUT)")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", c.IdleTimeout, "keep-alive idle timeout (env ZHIYI_IDLE_TIMEOUT)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "grace period for in-flight requests on shutdown (env ZHIYI_SHUTDOWN_TIMEOUT)")
	fs.DurationVar(&c.ShutdownIdle, "shutdown-idle", c.ShutdownIdle, "on shutdown, how long idle keep-alive connections stay open for one more request (env ZHIYI_SHUTDOWN_IDLE)")
	fs.DurationVar(&c.ShutdownDelay, "shutdown-delay", c.ShutdownDelay, "on shutdown, how long to go on serving with /readyz failing before new connections are refused, for a load balancer to notice; 5s under Kubernetes (env ZHIYI_SHUTDOWN_DELAY)")
	fs.IntVar(&c.Concurrency, "concurrency", c.Concurrency, "max concurrent connections, 0 = fasthttp default (env ZHIYI_CONCURRENCY)")
	fs.StringVar(&c.AdminToken, "admin-token", c.AdminToken, "bearer token enabling the admin routes: POST /admin/reload and /admin/rollback, GET /admin/unmatched and POST /admin/forget (with the decision log) and the console (with --console); empty = all off (env ZHIYI_ADMIN_TOKEN, preferred)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "log level: debug, info, warn, error (env ZHIYI_LOG_LEVEL)")
}

// applyEnv overrides c's fields from the environment looked up by get.
func (c *Config) applyEnv(get func(string) (string, bool)) error {
	var errs []error
	str := func(key string, dst *string) {
		if v, ok := get(key); ok {
			*dst = v
		}
	}
	num := func(key string, dst *int) {
		if v, ok := get(key); ok && strings.TrimSpace(v) != "" {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: want a whole number", key, v))
				return
			}
			*dst = n
		}
	}
	dur := func(key string, dst *time.Duration) {
		if v, ok := get(key); ok && strings.TrimSpace(v) != "" {
			d, err := time.ParseDuration(strings.TrimSpace(v))
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: want a duration such as 30s or 2m", key, v))
				return
			}
			*dst = d
		}
	}
	str("ZHIYI_ADDR", &c.Addr)
	str("ZHIYI_MODEL", &c.ModelDir)
	str("ZHIYI_MODELS_ROOT", &c.ModelsRoot)
	dur("ZHIYI_RELOAD_TIMEOUT", &c.ReloadTimeout)
	num("ZHIYI_MAX_TEXT_BYTES", &c.MaxTextBytes)
	num("ZHIYI_MAX_BODY_BYTES", &c.MaxBodyBytes)
	num("ZHIYI_MAX_BATCH", &c.MaxBatch)
	dur("ZHIYI_READ_TIMEOUT", &c.ReadTimeout)
	dur("ZHIYI_WRITE_TIMEOUT", &c.WriteTimeout)
	dur("ZHIYI_IDLE_TIMEOUT", &c.IdleTimeout)
	dur("ZHIYI_SHUTDOWN_TIMEOUT", &c.ShutdownTimeout)
	dur("ZHIYI_SHUTDOWN_IDLE", &c.ShutdownIdle)
	dur("ZHIYI_SHUTDOWN_DELAY", &c.ShutdownDelay)
	num("ZHIYI_CONCURRENCY", &c.Concurrency)
	str("ZHIYI_ADMIN_TOKEN", &c.AdminToken)
	str("ZHIYI_LOG_LEVEL", &c.LogLevel)
	if v, ok := get("ZHIYI_LOG_LEVEL"); ok {
		// checked here too: a flag given later must not hide a bad variable
		if _, err := ParseLevel(v); err != nil {
			errs = append(errs, fmt.Errorf("ZHIYI_LOG_LEVEL: %w", err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("environment: %w", errors.Join(errs...))
	}
	return nil
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	c.Addr = cmp.Or(c.Addr, d.Addr)
	c.ModelDir = cmp.Or(c.ModelDir, d.ModelDir)
	c.MaxTextBytes = cmp.Or(c.MaxTextBytes, d.MaxTextBytes)
	c.MaxBodyBytes = cmp.Or(c.MaxBodyBytes, d.MaxBodyBytes)
	c.MaxBatch = cmp.Or(c.MaxBatch, d.MaxBatch)
	c.ReadTimeout = cmp.Or(c.ReadTimeout, d.ReadTimeout)
	c.WriteTimeout = cmp.Or(c.WriteTimeout, d.WriteTimeout)
	c.IdleTimeout = cmp.Or(c.IdleTimeout, d.IdleTimeout)
	c.ShutdownTimeout = cmp.Or(c.ShutdownTimeout, d.ShutdownTimeout)
	c.ShutdownIdle = min(cmp.Or(c.ShutdownIdle, d.ShutdownIdle), c.ShutdownTimeout)
	c.ReloadTimeout = cmp.Or(c.ReloadTimeout, d.ReloadTimeout)
	c.ModelsRoot = cmp.Or(c.ModelsRoot, filepath.Dir(filepath.Clean(c.ModelDir)))
	c.LogLevel = cmp.Or(c.LogLevel, d.LogLevel)
	c.AdminAttempts = cmp.Or(c.AdminAttempts, d.AdminAttempts)
	c.AdminWindow = cmp.Or(c.AdminWindow, d.AdminWindow)
	return c
}

// Validate reports a malformed environment variable seen by RegisterFlags, a negative limit or
// timeout, or an unknown log level. Zero fields are valid: they mean the default.
func (c Config) Validate() error {
	var errs []error
	if c.envErr != nil {
		errs = append(errs, c.envErr)
	}
	for _, f := range []struct {
		flag, env string
		v         int64
	}{
		{"max-text-bytes", "ZHIYI_MAX_TEXT_BYTES", int64(c.MaxTextBytes)},
		{"max-body-bytes", "ZHIYI_MAX_BODY_BYTES", int64(c.MaxBodyBytes)},
		{"max-batch", "ZHIYI_MAX_BATCH", int64(c.MaxBatch)},
		{"read-timeout", "ZHIYI_READ_TIMEOUT", int64(c.ReadTimeout)},
		{"write-timeout", "ZHIYI_WRITE_TIMEOUT", int64(c.WriteTimeout)},
		{"idle-timeout", "ZHIYI_IDLE_TIMEOUT", int64(c.IdleTimeout)},
		{"shutdown-timeout", "ZHIYI_SHUTDOWN_TIMEOUT", int64(c.ShutdownTimeout)},
		{"shutdown-idle", "ZHIYI_SHUTDOWN_IDLE", int64(c.ShutdownIdle)},
		{"shutdown-delay", "ZHIYI_SHUTDOWN_DELAY", int64(c.ShutdownDelay)},
		{"reload-timeout", "ZHIYI_RELOAD_TIMEOUT", int64(c.ReloadTimeout)},
		{"concurrency", "ZHIYI_CONCURRENCY", int64(c.Concurrency)},
	} {
		if f.v < 0 {
			errs = append(errs, fmt.Errorf("--%s (env %s) must not be negative (0: the default)", f.flag, f.env))
		}
	}
	if c.AdminAttempts < 0 || c.AdminWindow < 0 {
		errs = append(errs, errors.New("Config.AdminAttempts and Config.AdminWindow must not be negative (0: the default)"))
	}
	if c.Addr != "" {
		// before the model loads and the database migrates, not after
		if _, port, err := net.SplitHostPort(c.Addr); err != nil {
			errs = append(errs, fmt.Errorf("--addr (env ZHIYI_ADDR) %q: want host:port or :port (%v)", c.Addr, err))
		} else if _, err := net.LookupPort("tcp", port); err != nil {
			errs = append(errs, fmt.Errorf("--addr (env ZHIYI_ADDR) %q: no such port", c.Addr))
		}
	}
	if c.LogLevel != "" {
		if _, err := ParseLevel(c.LogLevel); err != nil {
			errs = append(errs, fmt.Errorf("--log-level (env ZHIYI_LOG_LEVEL): %w", err))
		}
	}
	if t := c.AdminToken; t != strings.TrimSpace(t) {
		// a header's token is read trimmed, and a console user types none: such a token would
		// refuse every admin request without a word (a secret file's final newline, say)
		errs = append(errs, errors.New("the admin token (--admin-token, env ZHIYI_ADMIN_TOKEN) has white space around it, a newline from the file it was read from perhaps: remove it"))
	}
	if len(errs) > 0 {
		return fmt.Errorf("config: %w", errors.Join(errs...))
	}
	return nil
}

// ParseLevel parses a log level name: debug, info, warn (or warning) or error, case-insensitive.
func ParseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug":
		return slog.LevelDebug, nil
	case "", "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("unknown log level %q (want debug, info, warn or error)", s)
}

// NewLogger returns a JSON slog logger writing to w at the named level (see ParseLevel).
func NewLogger(w io.Writer, level string) (*slog.Logger, error) {
	l, err := ParseLevel(level)
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	return slog.New(newJSONHandler(w, l)), nil
}
