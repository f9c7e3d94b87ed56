package serve

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// Engine is a loaded model that classifies messages; safe for concurrent use.
type Engine interface {
	Classify(ctx context.Context, req intent.Request) intent.Result
	Version() string // model name/version for /metrics and responses
}

// Loader loads an engine from a bundle directory (used at start, on POST /admin/reload and SIGHUP).
type Loader func(ctx context.Context, dir string) (Engine, error)

// model is one loaded engine with where and when it came from. It is immutable once published.
type model struct {
	engine   Engine
	version  string
	dir      string
	loadedAt time.Time
	took     time.Duration
}

// Server answers the HTTP API with the engine currently loaded. Create it with New; it is safe
// for concurrent use. Requests read the engine through an atomic pointer and never lock; Reload
// swaps it.
type Server struct {
	cfg  Config
	load Loader
	log  *slog.Logger
	met  *serverMetrics

	cur      atomic.Pointer[model]
	reloadMu sync.Mutex // one load at a time; readers never take it
	draining atomic.Bool

	adminOn   bool
	tokenHash [sha256.Size]byte

	idPrefix string
	idSeq    atomic.Uint64

	scratch sync.Pool // *[]byte for encoding answers
}

// New checks cfg (zero fields take the defaults), loads the model in cfg.ModelDir with load and
// returns a server ready to Serve. A model that fails to load is an error. A nil log discards
// the logs.
func New(cfg Config, load Loader, log *slog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if load == nil {
		return nil, errors.New("serve: nil Loader")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg, load: load, log: log, met: newServerMetrics()}
	s.scratch.New = func() any { b := make([]byte, 0, 2048); return &b }
	if cfg.AdminToken != "" {
		s.adminOn = true
		s.tokenHash = sha256.Sum256([]byte(cfg.AdminToken))
	}
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	s.idPrefix = hex.EncodeToString(rnd[:]) + "-"
	if err := s.Reload(context.Background(), cfg.ModelDir); err != nil {
		return nil, err
	}
	return s, nil
}

// Config returns the configuration in effect, defaults filled in.
func (s *Server) Config() Config { return s.cfg }

// ModelVersion returns the version of the engine serving now.
func (s *Server) ModelVersion() string { return s.cur.Load().version }

// ModelDir returns the bundle directory of the engine serving now.
func (s *Server) ModelDir() string { return s.cur.Load().dir }

// Reload loads the bundle in dir (the current model's directory when dir is empty) and swaps it
// in atomically: requests already running finish on the old engine, later ones get the new one.
// If loading fails (an error, a nil engine or a panic in the Loader), the old engine keeps
// serving and the error is returned. Reloads are serialised.
func (s *Server) Reload(ctx context.Context, dir string) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	if dir == "" {
		if m := s.cur.Load(); m != nil {
			dir = m.dir
		} else {
			dir = s.cfg.ModelDir
		}
	}
	start := time.Now()
	eng, err := s.safeLoad(ctx, dir)
	took := time.Since(start)
	if err == nil && eng == nil {
		err = errors.New("loader returned no engine")
	}
	if err != nil {
		s.met.reloadErr.Inc()
		s.log.LogAttrs(context.Background(), slog.LevelError, "model load failed",
			slog.String("dir", maskID(dir)), slog.Duration("took", took), slog.String("error", redact(err.Error(), 512)))
		return fmt.Errorf("serve: load model %q: %w", dir, err)
	}
	m := &model{engine: eng, version: eng.Version(), dir: dir, loadedAt: time.Now(), took: took}
	old := s.cur.Swap(m)
	if old != nil {
		// Requests already running may still use the old engine: release it once they are
		// surely done (an engine holds an index with background work of its own).
		if c, ok := old.engine.(io.Closer); ok {
			time.AfterFunc(s.cfg.WriteTimeout+s.cfg.ReadTimeout, func() { _ = c.Close() })
		}
	}
	s.met.reloadOK.Inc()
	s.met.modelLoaded(m.version, took, m.loadedAt)
	attrs := []slog.Attr{slog.String("dir", maskID(dir)), slog.String("model", m.version), slog.Duration("took", took)}
	if old != nil {
		attrs = append(attrs, slog.String("previous", old.version))
	}
	s.log.LogAttrs(context.Background(), slog.LevelInfo, "model loaded", attrs...)
	return nil
}

func (s *Server) safeLoad(ctx context.Context, dir string) (eng Engine, err error) {
	defer func() {
		if p := recover(); p != nil {
			eng, err = nil, fmt.Errorf("loader panicked: %v", p)
		}
	}()
	return s.load(ctx, dir)
}

// ReloadOn reloads the current bundle each time a value arrives on sig (wire it to SIGHUP with
// signal.Notify) until ctx is done or sig is closed. Failures are logged; the old model keeps
// serving.
func (s *Server) ReloadOn(ctx context.Context, sig <-chan os.Signal) {
	for {
		select {
		case <-ctx.Done():
			return
		case v, ok := <-sig:
			if !ok {
				return
			}
			s.log.LogAttrs(ctx, slog.LevelInfo, "reload requested", slog.String("signal", fmt.Sprint(v)))
			_ = s.Reload(ctx, "") // logged by Reload
		}
	}
}

// fastServer builds the fasthttp server for one Serve call.
func (s *Server) fastServer() *fasthttp.Server {
	return &fasthttp.Server{
		Handler:                      s.handle,
		ErrorHandler:                 s.handleError,
		Name:                         "zhiyi",
		ReadTimeout:                  s.cfg.ReadTimeout,
		WriteTimeout:                 s.cfg.WriteTimeout,
		IdleTimeout:                  s.cfg.IdleTimeout,
		MaxRequestBodySize:           s.cfg.MaxBodyBytes,
		Concurrency:                  s.cfg.Concurrency,
		DisablePreParseMultipartForm: true,
		CloseOnShutdown:              true,
		SecureErrorLogMessage:        true, // fasthttp's errors then quote less; none are logged anyway
		Logger:                       fastLogger{s.log},
	}
}

// Serve answers requests on ln until ctx is done, then shuts down gracefully: it stops
// accepting, lets in-flight requests finish (for at most Config.ShutdownTimeout), closes idle
// keep-alive connections and returns. It returns nil after a clean shutdown. ln is closed on
// return.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := s.fastServer()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		_ = ln.Close()
		if err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		return nil
	case <-ctx.Done():
	}
	s.draining.Store(true)
	s.log.LogAttrs(context.Background(), slog.LevelInfo, "shutting down",
		slog.Duration("grace", s.cfg.ShutdownTimeout))
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err := srv.ShutdownWithContext(sctx)
	// Shutdown closes the listeners Serve registered; close ln too in case Serve had not
	// registered it yet, so that the goroutine above always returns.
	_ = ln.Close()
	<-errc
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	s.log.LogAttrs(context.Background(), slog.LevelInfo, "stopped")
	return nil
}

// ListenAndServe listens on Config.Addr (TCP) and calls Serve.
func (s *Server) ListenAndServe(ctx context.Context) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("serve: listen: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Handler returns the request handler, for use with a fasthttp.Server of the caller's own.
// Serve sets up more than the handler (body limit with 413 answers, timeouts, graceful
// shutdown); prefer it.
func (s *Server) Handler() fasthttp.RequestHandler { return s.handle }

// fastLogger sends fasthttp's own messages to slog without their arguments: connection errors
// quote the bytes of the request (bodies, Authorization headers). It logs fasthttp's format
// string, which holds no data, and the kind of each error. A connection error is also the
// request line's error_kind, so it is logged at debug level; the other messages (accept
// errors, the concurrency limit) are warnings.
type fastLogger struct{ log *slog.Logger }

func (l fastLogger) Printf(format string, args ...any) {
	level := slog.LevelWarn
	if strings.HasPrefix(format, "error when serving connection") {
		level = slog.LevelDebug
	}
	bg := context.Background()
	if !l.log.Enabled(bg, level) {
		return
	}
	attrs := []slog.Attr{slog.String("what", format)}
	for _, a := range args {
		if err, ok := a.(error); ok {
			attrs = append(attrs, slog.String("error_kind", errorKind(err)))
		}
	}
	l.log.LogAttrs(bg, level, "fasthttp", attrs...)
}
