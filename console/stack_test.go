package console

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/zhiyi-ai/zhiyi/internal/testsvc"

	"github.com/zhiyi-ai/zhiyi/alert"
	"github.com/zhiyi-ai/zhiyi/experiment"
	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/reply"
	"github.com/zhiyi-ai/zhiyi/rules"
	"github.com/zhiyi-ai/zhiyi/sentiment"
	"github.com/zhiyi-ai/zhiyi/serve"
	"github.com/zhiyi-ai/zhiyi/session"
	"github.com/zhiyi-ai/zhiyi/store"
)

// stack is zhiyi serve with the console, as cmd/zhiyi wires it, on a loopback port: a real
// serve.Server, a SQLite decision log with its Recorder, rules and experiments reloaded with the
// bundle, sentiment from the bundle's lexicon, optionally a real alerter.
type stack struct {
	t       testing.TB
	base    string // http://127.0.0.1:port
	srv     *serve.Server
	db      *store.DB
	rec     *store.Recorder
	rules   *rules.Live
	exps    *experiment.Live
	console *Console
	served  atomic.Pointer[stackModel]
}

type stackModel struct {
	model *reply.Model
	rc    reply.Config
}

type stackOpt struct {
	bundle      string // copied into the models root
	rulesFile   []byte
	experiments []byte // experiments.yaml (nil: none)
	alerts      bool   // a real alerter, delivering to a webhook on loopback
}

func newStack(t testing.TB, o stackOpt) *stack {
	t.Helper()
	dir := t.TempDir()
	root := filepath.Join(dir, "models")
	model := filepath.Join(root, filepath.Base(o.bundle))
	copyDir(t, o.bundle, model)
	rulesPath, expPath := filepath.Join(dir, "rules.yaml"), filepath.Join(dir, "experiments.yaml")
	if err := os.WriteFile(rulesPath, o.rulesFile, 0o644); err != nil {
		t.Fatal(err)
	}
	s := &stack{t: t, rules: new(rules.Live), exps: new(experiment.Live)}
	if o.experiments != nil {
		if err := os.WriteFile(expPath, o.experiments, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := s.exps.LoadOverrides(expPath); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	logger := slog.New(slog.DiscardHandler)
	var err error
	if s.db, err = store.Open(ctx, store.Config{DataDir: filepath.Join(dir, "data")}); err != nil {
		t.Fatal(err)
	}
	if s.rec, err = store.NewRecorder(s.db, store.RecorderConfig{DataDir: filepath.Join(dir, "data"), Logger: logger}); err != nil {
		t.Fatal(err)
	}
	sessions := session.NewMemory(session.MemoryConfig{})
	load := func(ctx context.Context, dir string) (serve.Engine, error) {
		eng, err := intent.Load(ctx, dir)
		if err != nil {
			return nil, err
		}
		lex, err := sentiment.LoadLexicon(filepath.Join(dir, intent.DictDir, sentiment.LexiconFile))
		if errors.Is(err, fs.ErrNotExist) {
			lex, err = nil, nil
		}
		var tone *sentiment.Analyzer
		if err == nil {
			tone, err = sentiment.New(lex, sentiment.Options{})
		}
		if err == nil {
			err = s.rules.Load(rulesPath, rulesOptions(eng))
		}
		if err == nil {
			_, err = s.exps.SetKB(eng.KB(), eng.Manifest().CreatedAt)
		}
		if err != nil {
			eng.Close()
			return nil, err
		}
		rc := reply.Config{Sessions: sessions, Rules: s.rules.Current, Experiments: s.exps.Current, Sentiment: tone}
		m := reply.NewModel(eng, reply.New(rc))
		s.served.Store(&stackModel{m, rc})
		return m, nil
	}
	deps := Deps{
		Model: func() *reply.Model { return s.served.Load().model },
		Tester: func(m *reply.Model, ss session.Store) *reply.Model {
			rc := s.served.Load().rc
			rc.Sessions = ss
			return reply.NewModel(m.Engine, reply.New(rc))
		},
		ModelDir: func() string { return s.srv.ModelDir() },
		Reload: func(ctx context.Context, dir string) error {
			return s.srv.Reload(ctx, dir)
		},
		ModelsRoot: root, DB: s.db, RulesPath: rulesPath, Rules: s.rules, ExperimentsPath: expPath, Experiments: s.exps,
		AdminToken: testToken, Log: logger,
		RulesOptions: func() rules.Options { return rulesOptions(s.served.Load().model.Engine) },
		Forget: func(ctx context.Context, sub store.Subject) (store.Forgotten, error) {
			if err := s.rec.Flush(ctx); err != nil {
				return store.Forgotten{}, err
			}
			return s.db.Forget(ctx, sub)
		},
	}
	opts := []serve.Option{serve.WithRecorder(s.rec, s.db.Hash)}
	if o.alerts {
		hook := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) })}
		hln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go hook.Serve(hln)
		t.Cleanup(func() { hook.Close() })
		a, err := alert.New(alert.Config{Targets: []alert.Target{{Name: "ops", Type: alert.TypeWebhook, URL: "http://" + hln.Addr().String() + "/hook"}},
			Logger: logger})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close(context.Background()) })
		opts = append(opts, serve.WithAlerter(a))
		deps.AlertMetrics = a.Metrics()
	}
	if s.console, err = New(deps); err != nil {
		t.Fatal(err)
	}
	opts = append(opts, serve.WithConsole(s.console.Handler()))
	if s.srv, err = serve.New(serve.Config{ModelDir: model, AdminToken: testToken}, load, logger, opts...); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-done
		s.rec.Close()
		s.db.Close()
		if sm := s.served.Load(); sm != nil {
			sm.model.Close()
		}
	})
	s.base = "http://" + ln.Addr().String()
	return s
}

func rulesOptions(eng *intent.Engine) rules.Options {
	return rules.Options{Analyzer: eng.Analyzer(), Intents: func(id string) bool { _, ok := eng.KB().Intent(id); return ok || id == intent.NoneIntent }}
}

// intent posts a message to /intent as the gateway does.
func (s *stack) intent(req intent.Request) intent.Result {
	s.t.Helper()
	body, _ := json.Marshal(req)
	res, err := http.Post(s.base+"/intent", "application/json", bytes.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	var out intent.Result
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusOK {
		s.t.Fatalf("/intent: %d %v", res.StatusCode, err)
	}
	return out
}

// feedback posts to /feedback.
func (s *stack) feedback(f map[string]any) {
	s.t.Helper()
	body, _ := json.Marshal(f)
	res, err := http.Post(s.base+"/feedback", "application/json", bytes.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		s.t.Fatalf("/feedback %v: %d", f, res.StatusCode)
	}
}

// chromium finds the browser: $ZHIYI_CHROMIUM, else Debian's chromium on the PATH.
func chromium() string {
	if p := os.Getenv("ZHIYI_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser starts a headless Chromium for the test and collects what its pages report as
// errors: console.error calls, uncaught exceptions, and the browser log's errors (a failed
// request, a blocked script or style).
type browser struct {
	ctx     context.Context
	profile string // Chromium's user data directory
	mu      sync.Mutex
	errs    []string
}

func newBrowser(t testing.TB, width, height int) *browser {
	t.Helper()
	path := chromium()
	if path == "" {
		testsvc.Missing(t, "chromium is not installed (apt-get install chromium; CI installs it): the console's browser test needs it")
	}
	// Chromium makes its process-singleton socket in a directory org.chromium.Chromium.* of
	// $TMPDIR, linked from the profile, and leaves the directory behind when it exits: removed
	// here once the browser has gone (this cleanup runs after the one that stops it).
	profile := t.TempDir()
	var singletonDir string
	t.Cleanup(func() {
		if singletonDir != "" {
			os.RemoveAll(singletonDir)
		}
	})
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.NoFirstRun, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile), chromedp.WindowSize(width, height))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	b := &browser{profile: profile}
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithListener(func(ev any) {
		var msg string
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
				msg = "console." + string(ev.Type)
				for _, a := range ev.Args {
					msg += " " + string(a.Value) + a.Description
				}
			}
		case *runtime.EventExceptionThrown:
			msg = "exception: " + ev.ExceptionDetails.Text
			if ev.ExceptionDetails.Exception != nil {
				msg += " " + ev.ExceptionDetails.Exception.Description
			}
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError {
				msg = "log: " + ev.Entry.Text + " " + ev.Entry.URL
			}
		}
		if msg != "" {
			b.mu.Lock()
			b.errs = append(b.errs, msg)
			b.mu.Unlock()
		}
	}))
	ctx, cancelTime := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTime(); cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height))); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	if socket, err := os.Readlink(filepath.Join(profile, "SingletonSocket")); err == nil &&
		strings.HasPrefix(filepath.Base(filepath.Dir(socket)), "org.chromium.") {
		singletonDir = filepath.Dir(socket)
	}
	b.ctx = ctx
	return b
}

// errors returns the errors the pages reported so far.
func (b *browser) errors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.errs...)
}

func (b *browser) do(t testing.TB, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// submit clicks a form's button and waits for the page it leads to.
func (b *browser) submit(t testing.TB, what string, button string) {
	t.Helper()
	if _, err := chromedp.RunResponse(b.ctx, chromedp.Click(button)); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func (b *browser) text(t testing.TB, sel string) string {
	t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// login signs in through the form.
func (b *browser) login(t testing.TB, base, name string) {
	t.Helper()
	b.do(t, "open the console", chromedp.Navigate(base+"/console/"), chromedp.WaitVisible(chromedp.CSS("#login")))
	b.do(t, "fill the sign-in form",
		chromedp.SetValue(chromedp.CSS(`#login input[name="name"]`), name),
		chromedp.SetValue(chromedp.CSS(`#login input[name="token"]`), testToken))
	b.submit(t, "sign in", `#login button`)
	b.do(t, "see the test page", chromedp.WaitVisible(chromedp.CSS("#test-form")))
}
