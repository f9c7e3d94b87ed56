package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/zhiyi-ai/zhiyi/console"
	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
	"github.com/zhiyi-ai/zhiyi/reply"
	"github.com/zhiyi-ai/zhiyi/serve"
	"github.com/zhiyi-ai/zhiyi/session"
	"github.com/zhiyi-ai/zhiyi/store"
	"github.com/zhiyi-ai/zhiyi/train"
)

// serveWired wires the parts as zhiyi serve does and starts a server over them (not listening);
// the parts close when t ends.
func serveWired(t *testing.T, ctx context.Context, cfg serve.Config, sf serveFlags, log *slog.Logger) (*wiring, *serve.Server) {
	t.Helper()
	w, srv := startServing(t, ctx, sf, log, cfg)
	t.Cleanup(w.close)
	return w, srv
}

// startServing is zhiyi serve starting with cfg and the flags sf; stop it with its wiring's
// close (serveWired does at the test's end).
func startServing(t *testing.T, ctx context.Context, sf serveFlags, log *slog.Logger, cfg serve.Config) (*wiring, *serve.Server) {
	t.Helper()
	w, err := wire(ctx, cfg, sf, log)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := w.newServer(cfg)
	if err != nil {
		w.close()
		t.Fatal(err)
	}
	w.started(ctx, srv)
	return w, srv
}

// zhiyi serve --console: the console is mounted under /console with the wiring's parts, and its
// test mode decides with the serving rules without recording anything.
func TestServeConsole(t *testing.T) {
	bundle, err := fixtureBundle()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rulesPath := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(rulesPath, []byte("version: 1\nrules:\n  - id: complaint\n    match: {text: {contains: [投诉]}}\n    action: {handoff: urgent, answer: 已为您加急转接。}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := serve.Config{ModelDir: bundle, AdminToken: "tok"}
	sf := serveFlags{console: true, rules: rulesPath, record: true, storeFlags: storeFlags{dataDir: filepath.Join(dir, "data")}, retain: "0"}
	log := slog.New(slog.DiscardHandler)
	w, srv := serveWired(t, ctx, cfg, sf, log)
	if w.console == nil {
		t.Fatal("--console with an admin token built no console")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()
	base := "http://" + ln.Addr().String()

	jar, _ := cookiejar.New(nil)
	cl := &http.Client{Jar: jar}
	csrfRe := regexp.MustCompile(`name="csrf" value="([0-9a-f]{64})"`)
	get := func(path string) string {
		t.Helper()
		res, err := cl.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, res.StatusCode)
		}
		return string(b)
	}
	post := func(path, page string, form url.Values) string {
		t.Helper()
		form.Set("csrf", csrfRe.FindStringSubmatch(page)[1])
		res, err := cl.PostForm(base+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("POST %s: %d %s", path, res.StatusCode, b)
		}
		return string(b)
	}
	page := post("/console/login", get("/console/login"), url.Values{"token": {"tok"}, "name": {"ops"}})
	page = post("/console/test", page, url.Values{"text": {"我要投诉"}})
	if !strings.Contains(page, `id="result-rule">complaint<`) || !strings.Contains(page, "已为您加急转接。") {
		t.Fatalf("test mode did not decide with the serving rules:\n%s", page)
	}
	if !strings.Contains(get("/console/rules"), "complaint") || !strings.Contains(get("/console/models"), "正在服务") {
		t.Fatal("the rules or models page does not show the serving parts")
	}
	if err := w.rec.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := w.db.Decisions(ctx, store.Query{}, func(*store.Decision) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("the console's test was recorded: %d decisions", n)
	}

	// Every reload re-reads the rules against the bundle it loaded: the server's own (learning
	// and the admin routes reload through it) and the console's.
	ruleIDs := func() []string {
		var ids []string
		for _, r := range w.rules.Current().Rules() {
			ids = append(ids, r.ID)
		}
		return ids
	}
	for i, reload := range map[string]func(context.Context, string) error{"server": srv.Reload, "console": w.consoleDeps().Reload} {
		id := "rule_" + i
		rules := "version: 1\nrules:\n  - id: " + id + "\n    match: {text: {contains: [投诉]}}\n    action: {handoff: urgent}\n"
		if err := os.WriteFile(rulesPath, []byte(rules), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := reload(ctx, bundle); err != nil {
			t.Fatalf("%s reload: %v", i, err)
		}
		if got := ruleIDs(); len(got) != 1 || got[0] != id {
			t.Errorf("after the %s reload the rules are %v, want [%s]", i, got, id)
		}
	}
	// rules that fit no bundle (an intent neither has) fail the reload after the swap: the
	// bundle serves with the old rules, so a half-edited file never blocks a reload or rollback
	if err := os.WriteFile(rulesPath, []byte("version: 1\nrules:\n  - id: gift\n    match: {text: {contains: [礼盒]}}\n    action: {intent: gift_wrap}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := ruleIDs()
	if err := srv.Reload(ctx, bundle); !errors.Is(err, serve.ErrPartsNotReloaded) || !strings.Contains(err.Error(), "gift_wrap") {
		t.Errorf("reload with rules naming an unknown intent: %v; want ErrPartsNotReloaded naming gift_wrap", err)
	}
	if got := ruleIDs(); !slices.Equal(got, before) {
		t.Errorf("a failed rules reload replaced the rules: %v, want %v", got, before)
	}
}

// TestServeReloadRefusesRulesThatDoNotFit: rules that fit the serving bundle but not the new one
// (retrained without an intent a rule names: the rule would answer automatically with no
// answer) refuse the reload before the new bundle serves; the engine and the rules stay.
func TestServeReloadRefusesRulesThatDoNotFit(t *testing.T) {
	root := t.TempDir()
	withInvoice, without := filepath.Join(root, "a"), filepath.Join(root, "b")
	if err := shoptest.TrainTiny(withInvoice); err != nil {
		t.Fatal(err)
	}
	tiny := filepath.Join("..", "..", "intent", "testdata", "shop")
	kb, err := os.ReadFile(filepath.Join(tiny, "kb.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	i, j := strings.Index(string(kb), "  - id: invoice\n"), strings.Index(string(kb), "  - id: human_agent\n")
	kbPath := filepath.Join(root, "kb-without-invoice.yaml")
	if err := os.WriteFile(kbPath, []byte(string(kb[:i])+string(kb[j:])), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := train.DefaultConfig()
	cfg.Data, cfg.KB, cfg.DictDir, cfg.Out, cfg.DevDays, cfg.Progress = []string{filepath.Join(tiny, "data.jsonl")}, kbPath, filepath.Join(tiny, "dict"), without, 7, io.Discard
	if _, err := train.Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	rulesPath := filepath.Join(root, "rules.yaml")
	if err := os.WriteFile(rulesPath, []byte("version: 1\nrules:\n  - id: receipt\n    match: {text: {contains: [报销单]}}\n    action: {intent: invoice}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	w, srv := serveWired(t, ctx, serve.Config{ModelDir: withInvoice}, serveFlags{rules: rulesPath}, slog.New(slog.DiscardHandler))
	engine, set := srv.CurrentEngine(), w.rules.Current()
	err = srv.Reload(ctx, without)
	if !errors.Is(err, serve.ErrPartsRefused) || !strings.Contains(err.Error(), rulesPath+":5") || !strings.Contains(err.Error(), "invoice") {
		t.Fatalf("reload of a bundle without the rule's intent: %v, want ErrPartsRefused naming %s:5", err, rulesPath)
	}
	if srv.CurrentEngine() != engine || w.rules.Current() != set {
		t.Errorf("a refused reload changed what serves (engine %v, rules %v)", srv.CurrentEngine() != engine, w.rules.Current() != set)
	}
}

// TestServeReloadRefusesStaleExperiments: a reload to a retrained bundle whose knowledge base
// lacks an answer the experiments file stops is refused before it serves (422, the file's
// line), as zhiyi serve refuses to start with that file and bundle: it used to serve with the
// entry skipped, and the next restart did not come up. Once the file fits the new bundle, the
// reload goes through. A file that fits neither bundle (a typo) still refuses nothing.
func TestServeReloadRefusesStaleExperiments(t *testing.T) {
	root := t.TempDir()
	twoAnswers, oneAnswer := filepath.Join(root, "a"), filepath.Join(root, "b")
	if err := shoptest.TrainTiny(oneAnswer); err != nil {
		t.Fatal(err)
	}
	tiny := filepath.Join("..", "..", "intent", "testdata", "shop")
	kb, err := os.ReadFile(filepath.Join(tiny, "kb.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const first = "        text: 亲，确认收货后在订单详情申请开票即可。\n"
	kbPath := filepath.Join(root, "kb-two-invoice-answers.yaml")
	two := strings.Replace(string(kb), first, first+"      - id: invoice.b\n        text: 亲，订单详情里可以申请开票哦。\n", 1)
	if err := os.WriteFile(kbPath, []byte(two), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := train.DefaultConfig()
	cfg.Data, cfg.KB, cfg.DictDir, cfg.Out, cfg.DevDays, cfg.Progress = []string{filepath.Join(tiny, "data.jsonl")}, kbPath, filepath.Join(tiny, "dict"), twoAnswers, 7, io.Discard
	if _, err := train.Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	expPath := filepath.Join(root, "experiments.yaml")
	if err := os.WriteFile(expPath, []byte("version: 1\nstop: [invoice.b]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	w, srv := serveWired(t, ctx, serve.Config{ModelDir: twoAnswers}, serveFlags{experiments: expPath}, slog.New(slog.DiscardHandler))
	engine, set := srv.CurrentEngine(), w.exps.Current()
	err = srv.Reload(ctx, oneAnswer)
	if !errors.Is(err, serve.ErrPartsRefused) || !strings.Contains(err.Error(), expPath+`:2: stop: no answer "invoice.b"`) {
		t.Fatalf("reload of the retrained bundle without invoice.b: %v, want ErrPartsRefused naming %s:2", err, expPath)
	}
	if srv.CurrentEngine() != engine || w.exps.Current() != set {
		t.Fatal("a refused reload changed what serves")
	}
	// The console's 模型 is told it was refused for the file, not that the bundle did not load.
	if err := w.consoleDeps().Reload(ctx, oneAnswer); !errors.Is(err, console.ErrPartsRefused) || !strings.Contains(err.Error(), expPath+":2") {
		t.Errorf("the console's reload: %v, want console.ErrPartsRefused naming %s:2", err, expPath)
	}
	// What a restart would say of the same file and bundle: the refusal is not stricter.
	restart := serve.Config{ModelDir: oneAnswer}
	w2, err := wire(ctx, restart, serveFlags{experiments: expPath}, slog.New(slog.DiscardHandler))
	if err == nil {
		_, err = w2.newServer(restart)
		w2.close()
	}
	if err == nil || !strings.Contains(err.Error(), expPath+":2") {
		t.Errorf("zhiyi serve starting with the file and the retrained bundle: %v, want it refused naming %s:2", err, expPath)
	}

	// A file that fits neither bundle is the file's own fault: the bundle serves, the file's
	// previous version stays, and the reload says the experiments did not load.
	if err := os.WriteFile(expPath, []byte("version: 1\nstop: [invoice.c]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := srv.Reload(ctx, oneAnswer); !errors.Is(err, serve.ErrPartsNotReloaded) {
		t.Fatalf("reload with a file that fits neither bundle: %v, want ErrPartsNotReloaded", err)
	}
	if err := os.WriteFile(expPath, []byte("version: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := srv.Reload(ctx, oneAnswer); err != nil {
		t.Fatalf("reload once the file fits: %v", err)
	}
	if a := w.exps.Current().Assign("invoice", "wmX").Answer; a == nil || a.ID != "invoice.a" {
		t.Errorf("invoice answered with %v, want invoice.a", a)
	}
}

// zhiyi serve --adapt-mix: the served engine records its messages, updateMix re-estimates the
// mix and exports it, and a reload carries the window over to the bundle it loads.
func TestServeAdaptMix(t *testing.T) {
	f := defaultServeFlags(t)
	f.adaptMix, f.adaptMixWindow = true, 10
	if err := f.validate(); err == nil || !strings.Contains(err.Error(), "--adapt-mix-window") {
		t.Errorf("a window of 10 messages: %v, want an error naming --adapt-mix-window", err)
	}
	for _, c := range []struct {
		window int
		retain string
	}{
		{50, "90d"},           // checked though --adapt-mix is off
		{minMixWindow, "90x"}, // checked though --record may be off
	} {
		f := defaultServeFlags(t)
		f.adaptMixWindow, f.retain = c.window, c.retain
		if err := f.validate(); err == nil || !strings.Contains(err.Error(), "env ZHIYI_") {
			t.Errorf("%+v: %v, want an error naming the flag and its environment variable", c, err)
		}
	}
	bundle, err := fixtureBundle()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := serve.Config{ModelDir: bundle}
	w, srv := serveWired(t, ctx, cfg, serveFlags{adaptMix: true, adaptMixWindow: minMixWindow}, slog.New(slog.DiscardHandler))
	mixOf := func() *intent.Mix { return srv.CurrentEngine().(*reply.Model).Engine.Mix() }
	m := w.serving()
	for i := range 3 * minMixWindow {
		m.Classify(ctx, intent.Request{Text: []string{"什么时候发货", "能开发票吗", "东西不要了怎么寄回去"}[i%3]})
	}
	first := mixOf()
	if first == nil || first.Seen() != 3*minMixWindow {
		t.Fatalf("the serving engine's live mix is %v, or did not see the %d messages", first, 3*minMixWindow)
	}
	// the console's test mode decides with the mix and adds nothing to it
	w.consoleDeps().Tester(m, session.NewMemory(session.MemoryConfig{})).Classify(ctx, intent.Request{Text: "能开发票吗"})
	if first.Seen() != 3*minMixWindow {
		t.Errorf("a test-mode message went into the traffic's mix")
	}
	w.updateMix(ctx)
	var b strings.Builder
	w.set.WritePrometheus(&b)
	for _, want := range []string{fmt.Sprintf("zhiyi_intent_mix_messages %d", minMixWindow), "zhiyi_intent_mix_moved ", `zhiyi_intent_mix_share{intent="invoice"}`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("metrics after an update lack %q:\n%s", want, b.String())
		}
	}
	if err := srv.Reload(ctx, bundle); err != nil {
		t.Fatal(err)
	}
	// a reload mid-surge (SIGHUP, /admin/reload, a learnt bundle) goes on from the traffic's mix
	second := mixOf()
	if second == first || second.Seen() != first.Seen() || second.Estimated() != first.Estimated() {
		t.Errorf("after a reload: the old mix %v, seen %d of %d, estimated %v (was %v)", second == first, second.Seen(), first.Seen(), second.Estimated(), first.Estimated())
	}
	if !first.Estimated() {
		t.Fatal("the surge did not move the mix before the reload")
	}
	if got, want := second.Share("invoice"), first.Share("invoice"); math.Abs(got-want) > 1e-9 {
		t.Errorf("invoice's share %.6f after the reload, %.6f before", got, want)
	}
}

// A load the server gives up on (past --reload-timeout, it is abandoned and its engine closed)
// changes nothing that serves: the console's model, the experiments' knowledge base and
// learning still work with the bundle the server decides with.
func TestServeAbandonedLoadChangesNothing(t *testing.T) {
	bundle, err := fixtureBundle()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := serve.Config{ModelDir: bundle, AdminToken: "tok"}
	sf := serveFlags{console: true, record: true, storeFlags: storeFlags{dataDir: filepath.Join(t.TempDir(), "data")}, retain: "0"}
	log := slog.New(slog.DiscardHandler)
	w, srv := serveWired(t, ctx, cfg, sf, log)
	serving := srv.CurrentEngine().(*reply.Model)
	exps := w.exps.Current()
	deps := w.consoleDeps()

	// what the server's loader returns for a load it then abandons
	late, err := w.load(ctx, bundle)
	if err != nil {
		t.Fatal(err)
	}
	defer late.(*reply.Model).Close()
	if got := deps.Model(); got != serving {
		t.Errorf("after an abandoned load the console's model is %p, want the serving %p", got, serving)
	}
	if w.exps.Current() != exps {
		t.Errorf("an abandoned load replaced the experiments in force")
	}
	if got := deps.RulesOptions().Analyzer; got != serving.Analyzer() {
		t.Errorf("rules are checked with another analyzer than the serving bundle's")
	}

	// a reload the server completes does switch them
	if err := srv.Reload(ctx, bundle); err != nil {
		t.Fatal(err)
	}
	if now := srv.CurrentEngine().(*reply.Model); deps.Model() != now || now == serving {
		t.Errorf("after a reload the console's model is not the new serving one")
	}
	if w.exps.Current() == exps {
		t.Errorf("a completed reload kept the experiments built on the previous knowledge base")
	}
}

// A retry is counted once: re-sent at once it gets the first answer's bytes; re-sent after its
// conversation has moved past the window in which those bytes are kept, it is decided again,
// and still not counted again.
func TestServeRetryCountedOnce(t *testing.T) {
	bundle, err := fixtureBundle()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, srv := serveWired(t, ctx, serve.Config{ModelDir: bundle}, serveFlags{}, slog.New(slog.DiscardHandler))
	call := func(method, uri, body string) string { return handle(t, srv, method, uri, body) }
	post := func(body string) string { return call(fasthttp.MethodPost, "/intent", body) }
	decided := func() int {
		n := 0
		for _, line := range strings.Split(call(fasthttp.MethodGet, "/metrics", ""), "\n") {
			if strings.HasPrefix(line, "zhiyi_routes_total{") {
				var v int
				fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &v)
				n += v
			}
		}
		return n
	}
	const at = 1_764_800_000_000 // sent_at, milliseconds
	first := fmt.Sprintf(`{"text":"什么时候发货","msg_id":"r1","sender_id":"wmRetry","sent_at":%d}`, int64(at))
	body := post(first)
	if again := post(first); again != body {
		t.Errorf("a retry at once: %s, want the first bytes %s", again, body)
	}
	post(fmt.Sprintf(`{"text":"能开发票吗","msg_id":"r2","sender_id":"wmRetry","sent_at":%d}`, int64(at+session.ResponseWindow+1000)))
	post(first)
	if n := decided(); n != 2 {
		t.Errorf("%d decisions counted for two messages and two retries, want 2", n)
	}
	// a ?debug=1 answer is the asker's: a retry sent without it gets no analysis
	dbg := fmt.Sprintf(`{"text":"什么时候发货","msg_id":"d1","sender_id":"wmDebug","sent_at":%d}`, int64(at))
	if b := call(fasthttp.MethodPost, "/intent?debug=1", dbg); !strings.Contains(b, `"debug":`) {
		t.Fatalf("?debug=1 without debug: %s", b)
	}
	if b := post(dbg); strings.Contains(b, `"debug":`) {
		t.Errorf("a retry without ?debug=1 got the first answer's analysis: %s", b)
	}
}

// handle serves one request with srv's handler, in process, and returns the body of its 200
// answer (another status fails the test).
func handle(t *testing.T, srv *serve.Server, method, uri, body string) string {
	t.Helper()
	var req fasthttp.Request
	req.Header.SetMethod(method)
	req.SetRequestURI(uri)
	req.Header.SetContentType("application/json")
	req.SetBodyString(body)
	var rc fasthttp.RequestCtx
	rc.Init(&req, nil, nil)
	srv.Handler()(&rc)
	if rc.Response.StatusCode() != 200 {
		t.Fatalf("%s %s %s: status %d: %s", method, uri, body, rc.Response.StatusCode(), rc.Response.Body())
	}
	return string(rc.Response.Body())
}

// An experiments file naming an answer the bundle lacks keeps zhiyi from starting, as a
// reload of the same file is refused (it used to start, the entry skipped with a warning).
func TestServeRefusesStaleExperimentsAtStart(t *testing.T) {
	bundle, err := fixtureBundle()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "experiments.yaml")
	if err := os.WriteFile(path, []byte("version: 1\nstop: [return_goods.zz]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cfg := serve.Config{ModelDir: bundle}
	w, err := wire(ctx, cfg, serveFlags{experiments: path}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	_, err = serve.New(cfg, w.load, slog.New(slog.DiscardHandler), w.options()...)
	if err == nil || !strings.Contains(err.Error(), path+":2") {
		t.Fatalf("start with a stale experiments file: %v, want an error naming %s:2", err, path)
	}
}

// A missing experiments file starts with a warning naming it (the console writes it later); one
// whose directory is missing cannot ever be written, and refuses to start.
func TestServeMissingExperimentsFile(t *testing.T) {
	bundle, err := fixtureBundle()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cfg := serve.Config{ModelDir: bundle}
	var logged strings.Builder
	path := filepath.Join(t.TempDir(), "experiments.yaml")
	w, err := wire(ctx, cfg, serveFlags{experiments: path}, slog.New(slog.NewTextHandler(&logged, nil)))
	if err != nil {
		t.Fatalf("start without the experiments file: %v", err)
	}
	w.close()
	if !strings.Contains(logged.String(), "level=WARN") || !strings.Contains(logged.String(), path) {
		t.Errorf("start without the experiments file logged %q; want a warning naming %s", logged.String(), path)
	}
	nowhere := filepath.Join(t.TempDir(), "no-such-dir", "experiments.yaml")
	if w, err := wire(ctx, cfg, serveFlags{experiments: nowhere}, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), nowhere) {
		if err == nil {
			w.close()
		}
		t.Errorf("start with the experiments file's directory missing: %v, want an error naming %s", err, nowhere)
	}
}

// --learn takes the corrections since the serving bundle was made, and after a switch to an
// older bundle (a rollback) only those given since the switch.
func TestLearnWindow(t *testing.T) {
	parentMade := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	childMade := parentMade.Add(24 * time.Hour)
	rollback := childMade.Add(time.Hour)
	var l learnWindow
	l.serving(parentMade, parentMade)
	if got := l.since(parentMade); !got.Equal(parentMade) {
		t.Errorf("serving the parent: since %v, want its creation", got)
	}
	l.serving(childMade, childMade) // a promotion: newer
	if got := l.since(childMade); !got.Equal(childMade) {
		t.Errorf("serving the child: since %v, want its creation", got)
	}
	l.serving(parentMade, rollback) // a rollback: older
	if got := l.since(parentMade); !got.Equal(rollback) {
		t.Errorf("after a rollback: since %v, want the rollback %v", got, rollback)
	}
	l.serving(parentMade, rollback.Add(time.Hour)) // the same bundle reloaded (rules edited)
	if got := l.since(parentMade); !got.Equal(rollback) {
		t.Errorf("after reloading the same bundle: since %v, want still the rollback %v", got, rollback)
	}
}

// close waits for the background work to end before it closes what that work uses: a learn
// ending as serve stops finishes (or gives up) first.
func TestCloseWaitsForBackgroundWork(t *testing.T) {
	w := &wiring{log: slog.New(slog.DiscardHandler)}
	var ctx context.Context
	ctx, w.stop = context.WithCancel(context.Background())
	var finished atomic.Bool
	w.bg.Go(func() {
		<-ctx.Done()
		time.Sleep(20 * time.Millisecond) // the end of a learn's last step
		finished.Store(true)
	})
	w.close()
	if !finished.Load() {
		t.Error("close returned before the background work ended")
	}
}
