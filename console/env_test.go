package console

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/experiment"
	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
	"github.com/zhiyi-ai/zhiyi/reply"
	"github.com/zhiyi-ai/zhiyi/rules"
	"github.com/zhiyi-ai/zhiyi/session"
	"github.com/zhiyi-ai/zhiyi/store"
	"github.com/zhiyi-ai/zhiyi/train"
)

// bundles are trained once per test binary: the tiny synthetic shop (shoptest.TrainTiny) and
// the same shop whose invoice intent has a second answer (an experiment).
var bundles struct {
	dir       string
	tiny, ab  string
	err       error
	trainOnce sync.Once
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bundles.dir != "" {
		os.RemoveAll(bundles.dir)
	}
	shoptest.Cleanup()
	os.Exit(code)
}

// trained returns the two bundles, training them on first use.
func trained(t testing.TB) (tiny, ab string) {
	t.Helper()
	bundles.trainOnce.Do(func() {
		dir, err := os.MkdirTemp("", "zhiyi-console-")
		if err != nil {
			bundles.err = err
			return
		}
		bundles.dir = dir
		bundles.tiny, bundles.ab = filepath.Join(dir, "tiny"), filepath.Join(dir, "tiny-ab")
		if bundles.err = shoptest.TrainTiny(bundles.tiny); bundles.err != nil {
			return
		}
		src := filepath.Join("..", "intent", "testdata", "shop")
		kb, err := os.ReadFile(filepath.Join(src, "kb.yaml"))
		if err != nil {
			bundles.err = err
			return
		}
		kb = bytes.Replace(kb, []byte("      - id: invoice.a\n        text: 亲，确认收货后在订单详情申请开票即可。\n"),
			[]byte("      - id: invoice.a\n        text: 亲，确认收货后在订单详情申请开票即可。\n      - id: invoice.b\n        text: 亲，在订单详情点「申请开票」，电子发票 1 个工作日内发到邮箱。\n"), 1)
		kbPath := filepath.Join(dir, "kb-ab.yaml")
		if bundles.err = os.WriteFile(kbPath, kb, 0o644); bundles.err != nil {
			return
		}
		cfg := train.DefaultConfig()
		cfg.Data = []string{filepath.Join(src, "data.jsonl")}
		cfg.KB, cfg.DictDir, cfg.Out, cfg.DevDays, cfg.Progress = kbPath, filepath.Join(src, "dict"), bundles.ab, 7, io.Discard
		_, bundles.err = train.Run(context.Background(), cfg)
	})
	if bundles.err != nil {
		t.Fatalf("train the test bundles: %v", bundles.err)
	}
	return bundles.tiny, bundles.ab
}

// copyDir copies a bundle directory.
func copyDir(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(out, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

const testToken = "s3cret-admin-token"

const testRules = `version: 1
rules:
  - id: complaint
    comment: 投诉加急
    priority: 10
    match:
      text:
        contains: [投诉]
    action:
      handoff: urgent
      answer: 已为您加急转接客服主管。
`

// env is a console over real parts: a bundle in a models root, a SQLite decision log, a rules
// file and an experiments file in a temporary directory, and a clock the test moves.
type env struct {
	t       *testing.T
	c       *Console
	db      *store.DB
	root    string // models root
	rules   string
	exps    string
	live    *rules.Live
	expLive *experiment.Live
	logs    *bytes.Buffer

	cur     atomic.Pointer[reply.Model]
	curDir  atomic.Pointer[string]
	mu      sync.Mutex
	now     time.Time
	engines []*intent.Engine
}

type envOpt struct {
	bundle  string // "tiny" (default) or "ab"
	noDB    bool
	noRules bool
	noExps  bool
	mutate  func(*Deps)
}

func newEnv(t *testing.T, o envOpt) *env {
	t.Helper()
	tiny, ab := trained(t)
	e := &env{t: t, now: time.Date(2026, 11, 11, 12, 0, 0, 0, cst), logs: &bytes.Buffer{}}
	dir := t.TempDir()
	e.root = filepath.Join(dir, "models")
	src, name := tiny, "tiny"
	if o.bundle == "ab" {
		src, name = ab, "tiny-ab"
	}
	copyDir(t, src, filepath.Join(e.root, name))
	e.rules, e.exps = filepath.Join(dir, "rules.yaml"), filepath.Join(dir, "experiments.yaml")
	if err := os.WriteFile(e.rules, []byte(testRules), 0o644); err != nil {
		t.Fatal(err)
	}
	e.live, e.expLive = new(rules.Live), &experiment.Live{Now: e.clock}
	if err := e.reload(context.Background(), filepath.Join(e.root, name)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, eng := range e.engines {
			eng.Close()
		}
	})
	d := Deps{
		Model:      e.cur.Load,
		ModelDir:   func() string { return *e.curDir.Load() },
		Reload:     e.reload,
		ModelsRoot: e.root,
		AdminToken: testToken,
		Log:        slog.New(slog.NewJSONHandler(e.logs, nil)),
		Now:        e.clock,
	}
	d.Tester = func(m *reply.Model, s session.Store) *reply.Model {
		return reply.NewModel(m.Engine, reply.New(e.replyConfig(s)))
	}
	if !o.noDB {
		db, err := store.Open(context.Background(), store.Config{DataDir: filepath.Join(dir, "data")})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		e.db, d.DB, d.Forget = db, db, db.Forget
	}
	if !o.noRules {
		d.RulesPath, d.Rules = e.rules, e.live
	}
	if !o.noExps {
		d.ExperimentsPath, d.Experiments = e.exps, e.expLive
	}
	if o.mutate != nil {
		o.mutate(&d)
	}
	c, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	e.c = c
	return e
}

func (e *env) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *env) advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = e.now.Add(d)
}

func (e *env) replyConfig(s session.Store) reply.Config {
	return reply.Config{Sessions: s, Rules: e.live.Current, Experiments: e.expLive.Current}
}

// reload is what zhiyi serve's wiring does: load the bundle, the rules against its intents,
// its experiments.
func (e *env) reload(ctx context.Context, dir string) error {
	eng, err := intent.Load(ctx, dir)
	if err != nil {
		return err
	}
	e.engines = append(e.engines, eng)
	opt := rules.Options{Analyzer: eng.Analyzer(), Intents: func(id string) bool { _, ok := eng.KB().Intent(id); return ok || id == "none" }}
	if err := e.live.Load(e.rules, opt); err != nil {
		return err
	}
	if _, err := e.expLive.SetKB(eng.KB(), eng.Manifest().CreatedAt); err != nil {
		return err
	}
	e.cur.Store(reply.NewModel(eng, reply.New(e.replyConfig(session.NewMemory(session.MemoryConfig{})))))
	e.curDir.Store(&dir)
	return nil
}

// client is a browser: it keeps cookies and sends requests to the console's handler.
type client struct {
	e       *env
	cookies map[string]*http.Cookie
	addr    string // RemoteAddr
	header  http.Header
	csrf    string
}

func (e *env) client() *client {
	return &client{e: e, cookies: map[string]*http.Cookie{}, addr: "192.0.2.10:51000", header: http.Header{}}
}

// response is an answer with its body read.
type response struct {
	*http.Response
	Body string
}

func (cl *client) do(method, target string, form url.Values) response {
	cl.e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, "http://zhiyi.test"+target, body)
	req.RemoteAddr = cl.addr
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range cl.header {
		req.Header[k] = v
	}
	for _, ck := range cl.cookies {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	cl.e.c.HTTPHandler().ServeHTTP(rec, req)
	res := rec.Result()
	for _, ck := range res.Cookies() {
		if ck.MaxAge < 0 {
			delete(cl.cookies, ck.Name)
		} else {
			cl.cookies[ck.Name] = ck
		}
	}
	b, _ := io.ReadAll(res.Body)
	r := response{Response: res, Body: string(b)}
	if m := csrfRe.FindStringSubmatch(r.Body); m != nil {
		cl.csrf = m[1]
	}
	return r
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([0-9a-f]{64})"`)

func (cl *client) get(target string) response { return cl.do(http.MethodGet, target, nil) }

// post sends a form with the CSRF token of the last page seen.
func (cl *client) post(target string, form url.Values) response {
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", cl.csrf)
	}
	return cl.do(http.MethodPost, target, form)
}

// login signs in as name and fails the test if that does not work.
func (cl *client) login(name string) {
	cl.e.t.Helper()
	cl.get("/console/login")
	r := cl.post("/console/login", url.Values{"token": {testToken}, "name": {name}})
	if r.StatusCode != http.StatusSeeOther || cl.cookies[sessionCookie] == nil {
		cl.e.t.Fatalf("sign-in: %d %s", r.StatusCode, r.Body)
	}
	cl.get("/console/test") // a page with the session's CSRF token
}

func (e *env) labels(source string) []store.Label {
	e.t.Helper()
	var out []store.Label
	if err := e.db.Labels(context.Background(), store.LabelQuery{Source: source}, func(l *store.Label) error {
		out = append(out, *l)
		return nil
	}); err != nil {
		e.t.Fatal(err)
	}
	return out
}

func (e *env) decisions() int {
	e.t.Helper()
	n := 0
	if err := e.db.Decisions(context.Background(), store.Query{}, func(*store.Decision) error { n++; return nil }); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// seed appends decisions to the log.
func (e *env) seed(ds ...store.Decision) {
	e.t.Helper()
	if _, err := e.db.AppendDecisions(context.Background(), ds); err != nil {
		e.t.Fatal(err)
	}
}

func mustContain(t *testing.T, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	if t.Failed() {
		t.Logf("page:\n%s", clipBody(body))
	}
}

func clipBody(s string) string {
	if i := strings.Index(s, "<main>"); i >= 0 {
		s = s[i:]
	}
	if len(s) > 6000 {
		s = s[:6000] + "…"
	}
	return s
}

var _ = fmt.Sprint
