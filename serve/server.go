package serve

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/valyala/fasthttp"

	"github.com/zhiyi-ai/zhiyi/alert"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// Engine is a loaded model that classifies messages; safe for concurrent use.
type Engine interface {
	Classify(ctx context.Context, req intent.Request) intent.Result
	Version() string // model name/version for /metrics and responses
}

// Loader loads an engine from a bundle directory (used at start, on POST /admin/reload and SIGHUP).
type Loader func(ctx context.Context, dir string) (Engine, error)

// model is one loaded engine with where and when it came from. It is immutable once published,
// but for refs.
type model struct {
	engine   Engine
	version  string
	dir      string // as given (a reload of the current model reads this name again)
	loadedAt time.Time
	took     time.Duration
	// refs counts the requests using the engine, plus one while it is the server's current
	// model. The engine is closed when it drops to zero: a replaced engine is released as soon
	// as its last request ends (an engine holds an index and its memory).
	refs atomic.Int64
}

// acquire returns the current model, counted as in use until release.
func (s *Server) acquire() *model {
	for {
		m := s.cur.Load()
		// n == 0: m was replaced and released after the Load; s.cur holds its successor now.
		if n := m.refs.Load(); n > 0 && m.refs.CompareAndSwap(n, n+1) {
			return m
		}
	}
}

// release ends one use of m; the last one closes its engine.
func (m *model) release() {
	if m.refs.Add(-1) == 0 {
		closeEngine(m.engine)
	}
}

func closeEngine(e Engine) {
	if c, ok := e.(io.Closer); ok {
		_ = c.Close()
	}
}

// Server answers the HTTP API with the engine currently loaded. Create it with New; it is safe
// for concurrent use. Requests read the engine through an atomic pointer and never lock; Reload
// swaps it.
type Server struct {
	cfg  Config
	load Loader
	log  *slog.Logger
	met  *serverMetrics

	cur       atomic.Pointer[model]
	reloadOne chan struct{} // holds a token while a load runs: one at a time; readers never wait
	root      string        // Config.ModelsRoot, absolute, symlinks resolved
	draining  atomic.Bool
	leaving   atomic.Bool                     // shutdown has begun: /readyz fails (Config.ShutdownDelay), requests are served
	accepted  atomic.Int64                    // connections Serve has accepted (tests wait on it)
	http      atomic.Pointer[fasthttp.Server] // the server Serve runs, nil before
	// life ends when shutdown begins: a reload still loading then gives up.
	life    context.Context
	endLife context.CancelFunc

	adminOn   bool
	tokenHash [sha256.Size]byte
	admins    *adminLimit      // wrong tokens per client (adminlimit.go)
	now       func() time.Time // the admin limit's clock; tests set it with an Option
	// compared, when set, runs before each admin token comparison: tests count and hold them
	compared func()

	// noRoute and noRouteAdmin are the unknown path's 404 messages, without and with the admin
	// token (noRouteMessages)
	noRoute, noRouteAdmin string
	idPrefix              string
	idSeq                 atomic.Uint64

	scratch sync.Pool // *[]byte for encoding answers

	// Optional parts (Option).
	rec          Recorder
	hash         func(string) string
	alerter      *alert.Alerter
	extraMetrics []*metrics.Set
	reloadHook   func(context.Context) error
	reloadCheck  func(context.Context, Engine) error
	parentOf     func(dir string) (string, error)
	unmatched    Unmatched
	forget       Forget
	console      fasthttp.RequestHandler
}

// New checks cfg (zero fields take the defaults), loads the model in cfg.ModelDir with load and
// returns a server ready to Serve. A model that fails to load is an error. A nil log discards
// the logs.
func New(cfg Config, load Loader, log *slog.Logger, opts ...Option) (*Server, error) {
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
	root, err := resolvePath(cfg.ModelsRoot)
	if err != nil {
		return nil, fmt.Errorf("serve: models root %s: %w", cfg.ModelsRoot, err)
	}
	s := &Server{cfg: cfg, load: load, log: log, met: newServerMetrics(), root: root, reloadOne: make(chan struct{}, 1), now: time.Now}
	s.life, s.endLife = context.WithCancel(context.Background())
	s.scratch.New = func() any { b := make([]byte, 0, 2048); return &b }
	for _, o := range opts {
		o(s)
	}
	s.admins = newAdminLimit(cfg, s.met.set)
	if s.reloadHook != nil {
		s.met.withConfigReloads()
	}
	if cfg.AdminToken != "" {
		s.adminOn = true
		s.tokenHash = sha256.Sum256([]byte(cfg.AdminToken))
	}
	s.noRoute, s.noRouteAdmin = s.noRouteMessages()
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	s.idPrefix = hex.EncodeToString(rnd[:]) + "-"
	// The first load only: the caller loaded what goes with the bundle as it wired the parts.
	if err := s.reloadBundle(context.Background(), cfg.ModelDir, false, ""); err != nil {
		return nil, err
	}
	return s, nil
}

// Config returns the configuration in effect, defaults filled in.
func (s *Server) Config() Config { return s.cfg }

// ModelVersion returns the version of the engine serving now.
func (s *Server) ModelVersion() string { return s.cur.Load().version }

// CurrentEngine returns the engine serving now, to read its state (not to decide with: a reload
// may release it at any moment; Acquire holds it).
func (s *Server) CurrentEngine() Engine { return s.cur.Load().engine }

// Held is the model serving at one moment, as Acquire returns it: its engine, and the version
// and bundle directory it was loaded as. The three come from one load, unlike ModelVersion,
// ModelDir and CurrentEngine called one after the other, between which a reload may fall.
type Held struct {
	Engine  Engine
	Version string
	Dir     string
}

// Acquire returns the model serving now, counted as in use — as a request counts — until
// release is called: a reload meanwhile does not close its engine (it is closed after the last
// release). For work that decides or searches with the engine outside a request, such as the
// console's tests and clustering. Call release once, when done; later calls do nothing (a second
// would close an engine still in use). Hold it no longer than the work takes: a replaced
// engine's index and memory stay until then.
func (s *Server) Acquire() (h Held, release func()) {
	m := s.acquire()
	return Held{Engine: m.engine, Version: m.version, Dir: m.dir}, sync.OnceFunc(m.release)
}

// ModelDir returns the bundle directory of the engine serving now.
func (s *Server) ModelDir() string { return s.cur.Load().dir }

// ErrPartsNotReloaded is returned (wrapped, with the hook's error) by Reload when the bundle was
// swapped in but what goes with it (WithReloadHook: rules, experiments) was not: the new bundle
// serves with the previous version of those.
var ErrPartsNotReloaded = errors.New("serve: the bundle was reloaded, but not what goes with it")

// ErrNotServing is returned (wrapped) by ReloadIf when the version it was to replace no longer
// serves: another reload or a rollback came first, and nothing changed.
var ErrNotServing = errors.New("serve: the version to replace no longer serves")

// ErrPartsRefused is returned (wrapped, with the check's error) by Reload when the bundle loaded
// but the WithReloadCheck function refused it: nothing changed.
var ErrPartsRefused = errors.New("serve: the bundle loaded, but what goes with it does not fit it")

// ErrNotRecorded, wrapped by a WithReloadCheck function's error, refuses a switch whose record
// could not be written (a rollback's learn-from floor, --data-dir full): the admin routes answer
// 503 not_recorded rather than blame the rules, and nothing changed.
var ErrNotRecorded = errors.New("serve: the switch could not be recorded")

// Reload loads the bundle in dir (the current model's directory when dir is empty), swaps it in
// and then reloads what goes with it (the WithReloadHook function, given a context of its own:
// the bundle serves by then, and its rules must follow it). Every reload goes
// through it — POST /admin/reload, POST /admin/rollback, SIGHUP (ReloadOn), and callers such as
// the console and learning — so that rules and experiments are always checked against the
// bundle that serves.
//
// The swap is atomic: requests already running finish on the old engine, later ones get the new
// one, and the old engine is closed (when it is an io.Closer) as soon as its last request ends.
// dir must be inside Config.ModelsRoot once symlinks are resolved; the loader gets the resolved
// path. A load is given up after Config.ReloadTimeout, or when ctx ends (loaders that do not
// watch ctx are abandoned, and an engine they return later is closed). If loading fails (an
// error, a nil engine, a panic in the Loader, the deadline), the old engine keeps serving, the
// hook does not run and the error is returned; so too when the WithReloadCheck function refuses
// the new engine (the error wraps ErrPartsRefused). If the hook fails, the error wraps
// ErrPartsNotReloaded. Reloads are serialised; one waits for another only until its own
// deadline.
func (s *Server) Reload(ctx context.Context, dir string) error {
	return s.reload(ctx, dir, "")
}

// ReloadIf is Reload on condition that the model serving is still version from: a bundle made
// from the one serving (learning, which takes minutes) must not replace a rollback or another
// reload that happened meanwhile. The condition is checked as the engine is swapped in, under
// the slot that serialises reloads, so no other reload falls between the check and the swap.
// When another version serves, the loaded engine is closed, nothing changes and the error
// wraps ErrNotServing.
func (s *Server) ReloadIf(ctx context.Context, dir, from string) error {
	if from == "" {
		return errors.New("serve: ReloadIf needs the version to replace")
	}
	return s.reload(ctx, dir, from)
}

// reload is Reload and ReloadIf: the bundle, swapped in only while from serves (any version
// when from is empty), then the hook.
func (s *Server) reload(ctx context.Context, dir, from string) error {
	return s.reloadBundle(ctx, dir, true, from)
}

// reloadBundle loads the bundle and swaps it in only while version from serves (when from is not
// empty). With parts set (every reload but New's first load) what goes with the bundle is
// checked before the swap and reloaded after it, still holding the reload slot: a hook run after
// the slot was let go could load the rules after a later reload's and leave them in force
// against the newer bundle.
func (s *Server) reloadBundle(ctx context.Context, dir string, parts bool, from string) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ReloadTimeout)
	defer cancel()
	if from != "" {
		// before loading too, so as not to load for nothing; the check that counts is the
		// one under the slot, below
		if cur := s.cur.Load().version; cur != from {
			return fmt.Errorf("%w: %s serves, not %s", ErrNotServing, cur, from)
		}
	}
	if dir == "" {
		if m := s.cur.Load(); m != nil {
			dir = m.dir
		} else {
			dir = s.cfg.ModelDir
		}
	}
	start := time.Now()
	eng, done, err := s.loadWithin(ctx, dir)
	// the slot is held through the check and the swap: reloads end in the order they load
	defer done()
	took := time.Since(start)
	if err == nil && eng == nil {
		err = errors.New("loader returned no engine")
	}
	if err != nil {
		s.met.reloadErr.Inc()
		s.log.LogAttrs(context.Background(), slog.LevelError, "load failed",
			slog.String("dir", maskID(dir)), slog.String("took", took.Round(time.Microsecond).String()), slog.String("error", loadErrorText(err)))
		return fmt.Errorf("serve: load %q: %w", dir, err)
	}
	if from != "" {
		// every swap happens under the slot this load holds: no reload can come between
		// this check and the swap below
		if cur := s.cur.Load().version; cur != from {
			closeEngine(eng)
			s.log.LogAttrs(context.Background(), slog.LevelWarn, "reload skipped: the version it was to replace no longer serves",
				slog.String("dir", maskID(dir)), slog.String("serving", cur), slog.String("replacing", from))
			return fmt.Errorf("%w: %s serves, not %s", ErrNotServing, cur, from)
		}
	}
	if parts && s.reloadCheck != nil {
		if err := s.reloadCheck(ctx, eng); err != nil {
			closeEngine(eng)
			s.met.reloadErr.Inc()
			why := "reload refused: the rules or experiments file do not fit the bundle; nothing changed"
			if errors.Is(err, ErrNotRecorded) {
				why = "reload refused: the switch could not be recorded; nothing changed"
			}
			s.log.LogAttrs(context.Background(), slog.LevelError, why,
				slog.String("dir", maskID(dir)), slog.String("error", redact(err.Error(), maxHookError)))
			return fmt.Errorf("%w: %w", ErrPartsRefused, err)
		}
	}
	m := &model{engine: eng, version: eng.Version(), dir: dir, loadedAt: time.Now(), took: took}
	m.refs.Store(1) // the server's own reference while it is current
	old := s.cur.Swap(m)
	if old != nil {
		old.release()
	}
	s.met.reloadOK.Inc()
	s.met.modelLoaded(m.version, took, m.loadedAt)
	attrs := []slog.Attr{slog.String("dir", maskID(dir)), slog.String("model", m.version), slog.String("took", took.Round(time.Microsecond).String())}
	if old != nil {
		attrs = append(attrs, slog.String("previous", old.version))
	}
	s.log.LogAttrs(context.Background(), slog.LevelInfo, "model loaded", attrs...)
	if !parts || s.reloadHook == nil {
		return nil
	}
	// The bundle serves now: its rules and experiments must follow even when the caller gives up
	// (a console page closed mid-reload), so the hook has its own deadline, not the caller's.
	hookCtx, cancelHook := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ReloadTimeout)
	defer cancelHook()
	err = s.reloadHook(hookCtx)
	s.met.configReloaded(err)
	if err != nil {
		s.log.LogAttrs(ctx, slog.LevelError, "the bundle serves, but its rules or experiments did not load; those loaded before stay in force",
			slog.String("error", redact(err.Error(), maxHookError)))
		return fmt.Errorf("%w: %w", ErrPartsNotReloaded, err)
	}
	return nil
}

// loadWithin checks dir against the models root and runs the loader on the resolved path, one
// load at a time, until ctx ends. done gives the slot back (always call it: the caller holds the
// slot until it has swapped the engine in or given it up).
func (s *Server) loadWithin(ctx context.Context, dir string) (eng Engine, done func(), err error) {
	done = func() {}
	real, err := resolvePath(dir)
	if err != nil {
		return nil, done, err
	}
	if !within(real, s.root) {
		if hint := relativeHint(dir, real); hint != "" {
			return nil, done, fmt.Errorf("%s is outside the models root %s (%s)", dir, s.root, hint)
		}
		return nil, done, fmt.Errorf("%s is outside the models root %s", dir, s.root)
	}
	select {
	case s.reloadOne <- struct{}{}:
	case <-ctx.Done():
		return nil, done, fmt.Errorf("another load is still running: %w", ctx.Err())
	}
	done = func() { <-s.reloadOne }
	eng, err = s.runLoader(ctx, dir, real)
	return eng, done, err
}

// runLoader runs the loader on real until ctx ends.
func (s *Server) runLoader(ctx context.Context, dir, real string) (Engine, error) {
	type loaded struct {
		eng Engine
		err error
	}
	done := make(chan loaded, 1)
	go func() {
		eng, err := s.safeLoad(ctx, real)
		done <- loaded{eng, err}
	}()
	select {
	case r := <-done:
		if _, err := os.Stat(real); r.err != nil && errors.Is(err, fs.ErrNotExist) {
			if hint := relativeHint(dir, real); hint != "" {
				return nil, fmt.Errorf("%w (no such bundle; %s)", r.err, hint)
			}
			return nil, fmt.Errorf("%w (no such bundle)", r.err)
		}
		return r.eng, r.err
	case <-ctx.Done():
		// The loader may be stuck where ctx cannot reach it (a read that never ends): it is
		// abandoned, the next load does not wait for it, and whatever it returns in the end is
		// released.
		go func() {
			if r := <-done; r.eng != nil {
				closeEngine(r.eng)
			}
		}()
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("gave up after %s: %w", s.cfg.ReloadTimeout, ctx.Err())
		}
		return nil, fmt.Errorf("gave up: %w", ctx.Err())
	}
}

func (s *Server) safeLoad(ctx context.Context, dir string) (eng Engine, err error) {
	defer func() {
		if p := recover(); p != nil {
			eng, err = nil, fmt.Errorf("loader panicked: %v", p)
		}
	}()
	return s.load(ctx, dir)
}

// relativeHint says where a relative bundle path was looked for ("" for an absolute one), since
// an operator may expect it under the models root rather than the server's working directory.
func relativeHint(dir, real string) string {
	if filepath.IsAbs(dir) {
		return ""
	}
	return "a relative path is read from zhiyi serve's working directory: " + real
}

// resolvePath makes p absolute and resolves its symlinks; a path that does not exist (yet) is
// resolved as far as it does.
func resolvePath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	rest := ""
	for {
		real, err := filepath.EvalSymlinks(abs)
		if err == nil {
			return filepath.Join(real, rest), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(abs)
		if parent == abs {
			return filepath.Join(abs, rest), nil
		}
		rest = filepath.Join(filepath.Base(abs), rest)
		abs = parent
	}
}

// within reports whether path is root or inside it (both absolute and resolved).
func within(path, root string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// maxHookError bounds a reload hook's error (rules, experiments: every problem as file:line) in
// an answer and a log line: enough for a few lines, unlike an id's 128 bytes.
const maxHookError = 2048

// loadErrorText is a load error as a reload's answer and log line carry it: parsers quote what
// they could not read, so quoted spans are dropped (the file and line stay), and what is left
// is masked and clipped.
func loadErrorText(err error) string {
	s := err.Error()
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '"' && c != '`' {
			b.WriteByte(c)
			continue
		}
		j := i + 1
		for j < len(s) && s[j] != c {
			if c == '"' && s[j] == '\\' {
				j++
			}
			j++
		}
		b.WriteByte(c)
		b.WriteString("…")
		b.WriteByte(c)
		i = j
	}
	return redact(b.String(), 512)
}

// ReloadOn reloads the current bundle and what goes with it (Reload) each time a value arrives
// on sig (wire it to SIGHUP with signal.Notify) until ctx is done or sig is closed. Failures are
// logged; the old model keeps serving.
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
		SecureErrorLogMessage:        true, // fasthttp's errors then quote less; none are logged anyway
		Logger:                       fastLogger{s.log},
	}
}

// Serve answers requests on ln until ctx is done, then shuts down gracefully: it stops
// accepting, answers every request clients have written (pipelined ones included), gives idle
// keep-alive connections Config.ShutdownIdle to send one more request, closes each connection
// after an answer that says Connection: close, and returns once all are closed (drain.go). It
// returns nil after a clean shutdown, an error when connections were still busy at
// Config.ShutdownTimeout. ln is closed on return.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	return s.serveWithDrain(ctx, s.fastServer(), ln)
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
// string, which holds no data, filled in only when every argument is a number, and the kind of
// each error. A connection error is also the
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
	what := format
	if numbersOnly(args) {
		// a count or a limit (the concurrency limit's message) says nothing of a request
		what = fmt.Sprintf(format, args...)
	}
	attrs := []slog.Attr{slog.String("what", what)}
	for _, a := range args {
		if err, ok := a.(error); ok {
			attrs = append(attrs, slog.String("error_kind", errorKind(err)))
		}
	}
	l.log.LogAttrs(bg, level, "fasthttp", attrs...)
}

// numbersOnly reports whether args holds at least one argument and only integers.
func numbersOnly(args []any) bool {
	for _, a := range args {
		switch a.(type) {
		case int, int32, int64, uint, uint32, uint64:
		default:
			return false
		}
	}
	return len(args) > 0
}
