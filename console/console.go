package console

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"

	"github.com/zhiyi-ai/zhiyi/experiment"
	"github.com/zhiyi-ai/zhiyi/reply"
	"github.com/zhiyi-ai/zhiyi/rules"
	"github.com/zhiyi-ai/zhiyi/session"
	"github.com/zhiyi-ai/zhiyi/store"
)

// Store is the part of the decision log (*store.DB) the console reads and writes. Methods are
// safe for concurrent use; callbacks get pointers valid only during the call.
type Store interface {
	Decisions(ctx context.Context, q store.Query, fn func(*store.Decision) error) error
	Feedback(ctx context.Context, q store.FeedbackQuery, fn func(*store.FeedbackRecord) error) error
	Labels(ctx context.Context, q store.LabelQuery, fn func(*store.Label) error) error
	// AddLabelsUnlessTaken stores an operator's labels except where someone else labelled the
	// message since the page was made, atomically across replicas (未识别, 错判案例).
	AddLabelsUnlessTaken(ctx context.Context, since time.Time, by string, ls []store.Label) (added []store.Label, taken map[string]store.Label, err error)
	Summary(ctx context.Context, q store.SummaryQuery) (*store.Summary, error)
	Hash(id string) string
}

// Deps is what the console works with: the serving parts, passed in by whoever builds the
// server (cmd/zhiyi's wiring). Only AdminToken and Model are required; a part left out turns
// its page's actions off, and the page says so.
type Deps struct {
	// Model returns the model serving now (nil before one is loaded), to read its state.
	Model func() *reply.Model
	// Acquire returns the model serving now held open until release (serve.Server.Acquire):
	// 测试模式 and 未识别 decide and search with it for the length of a page, and a reload
	// meanwhile would otherwise close its index under them. nil: Model, not held (for an
	// engine nothing closes).
	Acquire func() (m *reply.Model, release func())
	// Tester returns m (the model Acquire gave) with a Replier set up like the serving one
	// (rules, experiments, sentiment) that keeps conversations in sessions and counts nothing:
	// 测试模式 decides with it, so a test is never traffic. nil: m's engine with a Replier over
	// Rules and Experiments (no sentiment).
	Tester func(m *reply.Model, sessions session.Store) *reply.Model
	// ModelDir returns the bundle directory serving now (serve.Server.ModelDir).
	ModelDir func() string
	// Reload loads the bundle in dir and what goes with it (serve.Server.Reload and the
	// rules and experiments); nil turns promote and roll back off. A switch refused because
	// the rules or experiments file do not fit the bundle wraps ErrPartsRefused.
	Reload func(ctx context.Context, dir string) error
	// Parent returns the bundle dir was learnt from (learn.Parent); nil turns roll back off.
	Parent func(dir string) (string, error)
	// ModelsRoot is the directory whose bundles 模型 lists and may load.
	ModelsRoot string
	// Forget deletes a customer's or a conversation's records from the decision log, those on
	// their way to it first (数据删除); nil turns the page off.
	Forget func(ctx context.Context, s store.Subject) (store.Forgotten, error)
	// DB is the decision log; nil when zhiyi serves without one (never a nil *store.DB in a
	// non-nil interface).
	DB Store
	// RulesPath is the operator's rules file and Rules the set serving from it; RulesOptions
	// gives the options it is checked with (the serving bundle's intents and analyzer; nil:
	// derived from Model). Empty path or nil Live: no rules (the page says so).
	RulesPath    string
	Rules        *rules.Live
	RulesOptions func() rules.Options
	// ExperimentsPath is the experiments file (experiments.yaml) and Experiments the Live
	// that serves from it; empty path: stopping variants is off.
	ExperimentsPath string
	Experiments     *experiment.Live
	// AlertMetrics is the alerter's metric set (alert.Alerter.Metrics): 看板 shows its counts
	// of firings. nil: no alerts configured.
	AlertMetrics *metrics.Set
	// AdminToken is what an operator signs in with; New refuses an empty one.
	AdminToken string
	// Log receives a line per sign-in, sign-out and change (nil: discarded).
	Log *slog.Logger
	// Now is the clock (nil: time.Now): sessions, rate limits, backups, periods.
	Now func() time.Time
	// SessionTTL is how long a sign-in lasts (DefaultSessionTTL) and SessionIdle how long it
	// lasts unused (DefaultSessionIdle).
	SessionTTL, SessionIdle time.Duration
	// LoginAttempts failed sign-ins from one client within LoginWindow lock it out until the
	// oldest leaves the window (DefaultLoginAttempts, DefaultLoginWindow).
	LoginAttempts int
	LoginWindow   time.Duration
	// PathPrefix is the path a reverse proxy serves the console under and strips before passing
	// requests on ("/zhiyi" for https://shop.example/zhiyi/console/): links, redirects and the
	// cookies' path carry it, while requests still arrive at /console/…. Empty: served at the
	// root. It starts with a slash and does not end with one.
	PathPrefix string
	// TrustedProxies are the reverse proxies in front of the console (nginx on the same host:
	// 127.0.0.1/32). A request from one is credited to the client its X-Forwarded-For names, for
	// the sign-in limit and the change log; empty: the connection's address, whatever the header.
	TrustedProxies []netip.Prefix
}

// Defaults for Deps' zero fields.
const (
	DefaultSessionTTL    = 12 * time.Hour
	DefaultSessionIdle   = 2 * time.Hour
	DefaultLoginAttempts = 5
	DefaultLoginWindow   = 15 * time.Minute
)

// ErrNoToken is returned by New without an admin token: the console is off then.
var ErrNoToken = errors.New("console: no admin token: the console is off without one")

// ErrPartsRefused is what Deps.Reload wraps when the bundle loaded but the rules or the
// experiments file do not fit it (a rule or an experiments entry naming an intent or answer
// its knowledge base lacks), so the switch was refused and nothing changed; the rest of the
// error names the files' lines. 模型 shows them, by the files' names, instead of saying that
// the bundle did not load.
var ErrPartsRefused = errors.New("console: the rules or experiments file do not fit the bundle")

//go:embed templates static
var assets embed.FS

// Console is the operator console. Build it with New; its handler is safe for concurrent use.
type Console struct {
	d     Deps
	log   *slog.Logger
	pages map[string]*pageTemplate
	auth  *auth
	audit *auditLog
	mux   http.Handler
	// write serialises the changes to files (rules, experiments) and reloads.
	write sync.Mutex
}

// New checks deps and builds the console.
func New(d Deps) (*Console, error) {
	if d.AdminToken == "" {
		return nil, ErrNoToken
	}
	if d.Model == nil {
		return nil, errors.New("console: Deps.Model is required")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.SessionTTL <= 0 {
		d.SessionTTL = DefaultSessionTTL
	}
	if d.SessionIdle <= 0 {
		d.SessionIdle = DefaultSessionIdle
	}
	if d.LoginAttempts <= 0 {
		d.LoginAttempts = DefaultLoginAttempts
	}
	if d.LoginWindow <= 0 {
		d.LoginWindow = DefaultLoginWindow
	}
	if d.ModelDir == nil {
		d.ModelDir = func() string { return "" }
	}
	if d.Acquire == nil {
		model := d.Model
		d.Acquire = func() (*reply.Model, func()) { return model(), func() {} }
	}
	if err := CheckPathPrefix(d.PathPrefix); err != nil {
		return nil, err
	}
	pages, err := parsePages(d.PathPrefix)
	if err != nil {
		return nil, err
	}
	c := &Console{d: d, log: d.Log, pages: pages, audit: newAuditLog(500)}
	c.auth = newAuth(d)
	c.routes()
	return c, nil
}

// HTTPHandler returns the console as a net/http handler (paths start with /console).
func (c *Console) HTTPHandler() http.Handler { return c.mux }

// Handler returns the console as a fasthttp handler, for serve.WithConsole. The console is
// low-traffic, so it runs on net/http inside (fasthttpadaptor) for html/template and forms.
func (c *Console) Handler() fasthttp.RequestHandler {
	return fasthttpadaptor.NewFastHTTPHandler(c.mux)
}

// Changes returns the audit list, newest first: every change made through the console.
func (c *Console) Changes() []Change { return c.audit.list("") }

func (c *Console) routes() {
	m := http.NewServeMux()
	static, _ := fs.Sub(assets, "static")
	files := http.StripPrefix("/console/static/", http.FileServerFS(static))
	m.Handle("GET /console/static/", c.headers(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})))
	m.Handle("GET /console/login", c.headers(http.HandlerFunc(c.loginPage)))
	m.Handle("POST /console/login", c.headers(http.HandlerFunc(c.login)))
	in := func(pattern string, h func(http.ResponseWriter, *http.Request, *sessionInfo)) {
		m.Handle(pattern, c.headers(c.signedIn(h)))
	}
	in("POST /console/logout", c.logout)
	in("GET /console/{$}", func(w http.ResponseWriter, r *http.Request, _ *sessionInfo) {
		c.redirect(w, r, "/console/test")
	})
	in("GET /console/test", c.testPage)
	in("POST /console/test", c.testRun)
	in("GET /console/unmatched", c.unmatchedPage)
	in("POST /console/unmatched/label", c.unmatchedLabel)
	in("GET /console/corrections", c.correctionsPage)
	in("POST /console/corrections/accept", c.correctionsAccept)
	in("GET /console/rules", c.rulesPage)
	in("POST /console/rules/test", c.rulesTest)
	in("POST /console/rules/save", c.rulesSave)
	in("GET /console/experiments", c.experimentsPage)
	in("POST /console/experiments/stop", c.experimentsStop)
	in("GET /console/board", c.boardPage)
	in("GET /console/board/export", c.boardExport)
	in("GET /console/models", c.modelsPage)
	in("GET /console/models/report", c.modelsReport)
	in("POST /console/models/promote", c.modelsPromote)
	in("POST /console/models/rollback", c.modelsRollback)
	in("GET /console/forget", c.forgetPage)
	in("POST /console/forget", c.forgetRun)
	m.Handle("/console", c.headers(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { c.redirect(w, r, "/console/") })))
	m.Handle("/", c.headers(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.errorPage(w, r, nil, http.StatusNotFound, "没有这个页面。")
	})))
	c.mux = c.prefixCheck(m)
}

// headers sets what every answer carries: no caching, no framing, no sniffing, and a content
// security policy that allows only the console's own script and styles.
func (c *Console) headers(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}
