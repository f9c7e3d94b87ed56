package intent_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
	"github.com/zhiyi-ai/zhiyi/nlp"
)

// The engine tests train a bundle from a tiny synthetic shop (testdata/shop: four intents, one
// of them handoff: true, and out-of-scope chat labelled none) once per test binary. train
// imports intent, so these tests live in the external package.

// engineRoot is the temporary directory of the shared bundle; TestMain removes it.
var engineRoot string

func TestMain(m *testing.M) {
	code := m.Run()
	if engineRoot != "" {
		os.RemoveAll(engineRoot)
	}
	shoptest.Cleanup() // the benchmarks' sample-shop bundle
	os.Exit(code)
}

// tinyBundle trains testdata/shop into a temporary directory and returns the bundle's path.
var tinyBundle = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "zhiyi-engine-test-")
	if err != nil {
		return "", err
	}
	engineRoot = dir
	out := filepath.Join(dir, "tiny")
	return out, shoptest.TrainTiny(out)
})

// tinyEngine is the engine loaded from tinyBundle, shared read-only by the tests.
var tinyEngine = sync.OnceValues(func() (*intent.Engine, error) {
	dir, err := tinyBundle()
	if err != nil {
		return nil, err
	}
	return intent.Load(context.Background(), dir)
})

func engine(t *testing.T) *intent.Engine {
	t.Helper()
	e, err := tinyEngine()
	if err != nil {
		t.Fatalf("loading the test bundle: %v", err)
	}
	return e
}

// probeTexts mix training-like messages, paraphrases, out-of-scope chat and junk.
var probeTexts = []string{
	"请问这双鞋什么时候发货", "东西不要了怎么寄回去", "手机壳不想要了能退吗", "怎么开发票", "能开电子发票吗",
	"我要找人工客服", "转人工", "今天天气怎么样呀", "讲个笑话吧", "你好", "在吗", "", "   ", "？？？", "😀",
	"我的手机号是13912345678 帮我查下发货", "ＴＫ", "asdfghjkl", strings.Repeat("发货", 300), "\xff\xfe无效字节",
	"退货 发票 发货 人工", "这件卫衣有现货吗", "发票抬头写错了 能改吗",
}

func TestEngineClassifiesTrainingLikeTexts(t *testing.T) {
	e := engine(t)
	ctx := context.Background()
	for text, want := range map[string]string{
		"请问这双鞋什么时候发货": "shipping_time",
		"付款后多久发出":     "shipping_time",
		"东西不要了怎么寄回去":  "return_goods",
		"数据线怎么申请退货":   "return_goods",
		"怎么开发票":       "invoice",
		"羽绒服发票在哪里申请":  "invoice",
		"我要找人工客服":     "human_agent",
		"今天天气怎么样呀":    intent.NoneIntent,
	} {
		if res := e.Classify(ctx, intent.Request{Text: text}); res.Intent != want {
			t.Errorf("Classify(%q) = %s (%.3f), want %s; candidates %+v", text, res.Intent, res.Confidence, want, res.Candidates)
		}
	}
}

func TestEngineIntentsComeFromTheKB(t *testing.T) {
	e := engine(t)
	kb := e.KB()
	if kb == nil {
		t.Fatal("the bundle has a knowledge base, the engine none")
	}
	known := func(id string) bool {
		_, ok := kb.Intent(id)
		return ok || id == intent.NoneIntent
	}
	for _, l := range e.Classifier().Labels() {
		if !known(l) {
			t.Errorf("classifier label %q is not in the knowledge base", l)
		}
	}
	for _, text := range probeTexts {
		res := e.Classify(context.Background(), intent.Request{Text: text})
		if !known(res.Intent) {
			t.Errorf("Classify(%q) = %q, not in the knowledge base", text, res.Intent)
		}
		for _, c := range res.Candidates {
			if !known(c.Intent) {
				t.Errorf("Classify(%q): candidate %q is not in the knowledge base", text, c.Intent)
			}
		}
		if res.Route != intent.RouteAuto && res.Route != intent.RouteSuggest && res.Route != intent.RouteHandoff {
			t.Errorf("Classify(%q): route %q", text, res.Route)
		}
		if res.Confidence < 0 || res.Confidence > 1 {
			t.Errorf("Classify(%q): confidence %v", text, res.Confidence)
		}
	}
}

func TestEngineOutOfScopeRoutesHandoff(t *testing.T) {
	e := engine(t)
	for _, text := range []string{"今天天气怎么样呀", "你会唱歌吗", "推荐一部电影吧", "", "？？？", "😀"} {
		res := e.Classify(context.Background(), intent.Request{Text: text})
		if res.Route != intent.RouteHandoff {
			t.Errorf("Classify(%q) = %s (%.3f) routed %s, want handoff", text, res.Intent, res.Confidence, res.Route)
		}
		if res.Route == intent.RouteHandoff && res.Answer != nil && res.Intent == intent.NoneIntent {
			t.Errorf("Classify(%q): an out-of-scope result carries answer %+v", text, res.Answer)
		}
	}
}

func TestEngineHumanRequestRoutesHandoff(t *testing.T) {
	e := engine(t)
	it, ok := e.KB().Intent("human_agent")
	if !ok || !it.Handoff {
		t.Fatal("testdata/shop/kb.yaml: human_agent must be marked handoff: true")
	}
	for _, text := range []string{"我要找人工客服", "转人工", "帮我转接人工"} {
		res := e.Classify(context.Background(), intent.Request{Text: text})
		if res.Intent != "human_agent" || res.Route != intent.RouteHandoff {
			t.Errorf("Classify(%q) = %s routed %s (%s), want human_agent, handoff", text, res.Intent, res.Route, res.Reason)
		}
		if res.Priority != it.Priority {
			t.Errorf("Classify(%q): priority %d, want the knowledge base's %d", text, res.Priority, it.Priority)
		}
	}
	// every handoff carries a priority for the agents' queue, and nothing else does
	for _, text := range probeTexts {
		res := e.Classify(context.Background(), intent.Request{Text: text})
		if (res.Route == intent.RouteHandoff) != (res.Priority != 0) || res.Priority < 0 || res.Priority > 3 {
			t.Errorf("Classify(%q): route %s (%s), priority %d", text, res.Route, res.Reason, res.Priority)
		}
	}
}

func TestEngineResultFields(t *testing.T) {
	e := engine(t)
	ctx := context.Background()
	res := e.Classify(ctx, intent.Request{Text: "东西不要了怎么寄回去", MsgID: "m-1", SenderID: "wmX", Channel: "wecom"})
	if res.MsgID != "m-1" {
		t.Errorf("msg_id %q, want it echoed", res.MsgID)
	}
	if res.Model == "" || res.Model != e.Version() || res.Model != e.Manifest().Version() {
		t.Errorf("model %q, engine version %q, manifest %q", res.Model, e.Version(), e.Manifest().Version())
	}
	if res.Intent != "return_goods" || res.Label != "退货" || res.Category != "咨询" {
		t.Errorf("result %+v: want return_goods with its label and category", res)
	}
	if res.Answer == nil || res.Answer.ID != "return_goods.a" || res.Answer.Text == "" {
		t.Errorf("answer %+v, want the knowledge base's return_goods.a", res.Answer)
	}
	if res.TookMicros < 0 || res.Reason == "" {
		t.Errorf("took_us %d, reason %q", res.TookMicros, res.Reason)
	}
	if len(res.Candidates) == 0 || len(res.Candidates) > 3 || res.Candidates[0].Intent != res.Intent || res.Candidates[0].Confidence != res.Confidence {
		t.Errorf("candidates %+v: want up to 3, led by the result", res.Candidates)
	}
	for i := 1; i < len(res.Candidates); i++ {
		if res.Candidates[i].Confidence > res.Candidates[i-1].Confidence {
			t.Errorf("candidates not in order: %+v", res.Candidates)
		}
	}
	// The rewrite that made the paraphrase understandable is reported.
	found := false
	for _, rw := range res.Rewrites {
		found = found || rw.From == "东西不要了" && rw.To == "退货"
	}
	if !found {
		t.Errorf("rewrites %+v, want 东西不要了 → 退货", res.Rewrites)
	}
	if res.Debug != nil {
		t.Error("Debug filled without being asked for")
	}

	plain := e.Classify(ctx, intent.Request{Text: "怎么开发票"})
	if plain.Rewrites == nil || plain.Candidates == nil {
		t.Errorf("rewrites %v, candidates %v: want empty lists, not nil (they are JSON arrays)", plain.Rewrites, plain.Candidates)
	}

	dbg := e.Classify(ctx, intent.Request{Text: "我的手机号是13912345678 东西不要了", Debug: true})
	if dbg.Debug == nil {
		t.Fatal("Debug requested, not filled")
	}
	if strings.Contains(dbg.Debug.Text, "13912345678") || !strings.Contains(dbg.Debug.Text, "<PHONE>") {
		t.Errorf("debug text %q: want the phone number masked", dbg.Debug.Text)
	}
	if len(dbg.Debug.Tokens) == 0 || len(dbg.Debug.Terms) == 0 || len(dbg.Debug.Features) == 0 {
		t.Errorf("debug %+v: want tokens, terms and features", dbg.Debug)
	}
	if !slices.Contains(dbg.Masked, "phone") {
		t.Errorf("masked kinds %q, want the phone", dbg.Masked)
	}
	withoutDebug := e.Classify(ctx, intent.Request{Text: "我的手机号是13912345678 东西不要了"})
	dbg.Debug, dbg.TookMicros, withoutDebug.TookMicros = nil, 0, 0
	if !reflect.DeepEqual(dbg, withoutDebug) {
		t.Errorf("asking for debug changed the decision:\n%+v\n%+v", dbg, withoutDebug)
	}
}

func TestEngineAccessors(t *testing.T) {
	e := engine(t)
	p := e.Policy()
	if err := p.Validate(); err != nil {
		t.Errorf("policy: %v", err)
	}
	if p.Auto < p.Suggest {
		t.Errorf("auto %v below suggest %v", p.Auto, p.Suggest)
	}
	if st := e.IndexStats(); st.Docs == 0 {
		t.Errorf("index stats %+v: want the knowledge-base examples and history indexed", st)
	}
	if e.Analyzer() == nil || !e.Analyzer().HasSubword() {
		t.Error("the analyzer has no subword model, though the bundle has one")
	}
}

func TestEngineConcurrentClassify(t *testing.T) {
	e := engine(t)
	ctx := context.Background()
	want := make([]intent.Result, len(probeTexts))
	for i, text := range probeTexts {
		want[i] = e.Classify(ctx, intent.Request{Text: text, Debug: i%2 == 0})
		want[i].TookMicros = 0
	}
	const workers = 8
	var wg sync.WaitGroup
	errs := make(chan string, workers*len(probeTexts))
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 5 {
				for k := range probeTexts {
					i := (k + w*3 + round) % len(probeTexts) // each worker in its own order
					got := e.Classify(ctx, intent.Request{Text: probeTexts[i], Debug: i%2 == 0})
					got.TookMicros = 0
					if !reflect.DeepEqual(got, want[i]) {
						errs <- fmt.Sprintf("worker %d: Classify(%q) = %+v, sequentially %+v", w, probeTexts[i], got, want[i])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
}

// copyBundle copies the shared bundle into a fresh directory for a test to damage.
func copyBundle(t *testing.T) string {
	t.Helper()
	src, err := tinyBundle()
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "tiny")
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestLoadRejectsTamperedBundle(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		tamper func(dir string) error
		want   string
	}{
		{"weights changed", func(dir string) error {
			path := filepath.Join(dir, intent.ClassifierFile)
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			data[len(data)-1] ^= 0x40
			return os.WriteFile(path, data, 0o644)
		}, intent.ClassifierFile},
		{"thresholds edited", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, intent.PolicyFile), []byte(`{"temperature":1,"auto":0,"suggest":0}`), 0o644)
		}, intent.PolicyFile},
		{"dictionary removed", func(dir string) error {
			return os.Remove(filepath.Join(dir, "dict", "synonyms.txt"))
		}, "dict/synonyms.txt"},
		{"file added", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "dict", "dialect.txt"), []byte("[粤语]\n付款: 俾钱\n"), 0o644)
		}, "dict/dialect.txt"},
		{"not a bundle", func(dir string) error {
			return os.Remove(filepath.Join(dir, intent.ManifestFile))
		}, intent.ManifestFile},
		// Checked while they load: the check's error still wins over what their readers make of them.
		{"lexicon truncated", func(dir string) error {
			path := filepath.Join(dir, nlp.LexiconFile)
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			return os.WriteFile(path, data[:len(data)/2], 0o644)
		}, nlp.LexiconFile},
		{"index file changed", func(dir string) error {
			return filepath.WalkDir(filepath.Join(dir, intent.IndexDir), func(path string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				return os.WriteFile(path, []byte("not bleve's"), 0o644)
			})
		}, intent.IndexDir + "/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyBundle(t)
			if err := tc.tamper(dir); err != nil {
				t.Fatal(err)
			}
			e, err := intent.Load(ctx, dir)
			if err == nil {
				e.Close()
				t.Fatal("Load accepted a tampered bundle")
			}
			if e != nil {
				t.Error("Load returned an engine with its error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load error %q does not name %s", err, tc.want)
			}
		})
	}
	if _, err := intent.Load(ctx, filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("Load of a missing directory: nil error")
	}
}

// The server swaps engines with an atomic pointer: a load that fails must leave the serving
// engine in place and working.
func TestFailedLoadKeepsServingEngine(t *testing.T) {
	e := engine(t)
	var serving atomic.Pointer[intent.Engine]
	serving.Store(e)
	ctx := context.Background()
	before := serving.Load().Classify(ctx, intent.Request{Text: "什么时候发货"})

	dir := copyBundle(t)
	if err := os.WriteFile(filepath.Join(dir, intent.ClassifierFile), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	reload := func() error {
		next, err := intent.Load(ctx, dir)
		if err != nil {
			return err
		}
		serving.Store(next)
		return nil
	}
	if err := reload(); err == nil {
		t.Fatal("reload from a damaged bundle succeeded")
	}
	if serving.Load() != e {
		t.Fatal("a failed load replaced the serving engine")
	}
	after := serving.Load().Classify(ctx, intent.Request{Text: "什么时候发货"})
	before.TookMicros, after.TookMicros = 0, 0
	if !reflect.DeepEqual(before, after) {
		t.Errorf("the serving engine answers differently after a failed reload:\n%+v\n%+v", before, after)
	}
}

// Load's errors can be told apart: a directory that is not there or holds no bundle matches
// fs.ErrNotExist, a cancelled context context.Canceled; a nil engine closes.
func TestLoadErrors(t *testing.T) {
	ctx := context.Background()
	for _, dir := range []string{filepath.Join(t.TempDir(), "missing"), t.TempDir()} {
		if _, err := intent.Load(ctx, dir); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Load(%s) = %v, want an error matching fs.ErrNotExist", dir, err)
		}
	}
	if _, err := intent.Load(ctx, t.TempDir()); err == nil || !strings.Contains(err.Error(), "no manifest.json") {
		t.Errorf("Load(empty dir) = %v, want it to say there is no manifest.json", err)
	}
	dir, err := tinyBundle()
	if err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := intent.Load(cancelled, dir); !errors.Is(err, context.Canceled) {
		t.Errorf("Load with a cancelled context = %v, want context.Canceled", err)
	}
	var nilEngine *intent.Engine
	if err := nilEngine.Close(); err != nil {
		t.Errorf("Close of a nil engine: %v", err)
	}
}

func TestLoadUnverifiedNeedsClassifier(t *testing.T) {
	_, err := intent.LoadUnverified(context.Background(), t.TempDir(), "empty")
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadUnverified(empty dir) = %v, want a not-exist error for the classifier", err)
	}
}

// ExampleLoad loads a bundle written by `zhiyi train` (here: the tiny test shop's) and
// classifies two messages.
func ExampleLoad() {
	dir, err := tinyBundle()
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	eng, err := intent.Load(ctx, dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer eng.Close()
	res := eng.Classify(ctx, intent.Request{Text: "东西不要了怎么寄回去"})
	fmt.Println(res.Intent, res.Label)
	// human_agent is marked handoff: true in the knowledge base: a person takes over.
	res = eng.Classify(ctx, intent.Request{Text: "我要找人工客服"})
	fmt.Println(res.Intent, res.Route)
	// Output:
	// return_goods 退货
	// human_agent handoff
}

// TestEngineRetrievalOnlyWhenFusionUsesIt: with fusion off, retrieval could not change a
// decision, so it does not run (no evidence on candidates); with fusion on and no gate it runs
// for every message; ScoreAll always retrieves (training fits fusion from it).
func TestEngineRetrievalOnlyWhenFusionUsesIt(t *testing.T) {
	base := engine(t)
	ctx := context.Background()
	text := "东西不要了怎么寄回去"
	p := base.Policy()
	p.RetrievalGate = 0
	p.Fusion = intent.Fusion{Classifier: 1, BM25: 0.5, BM25Half: 5}
	on := base.WithPolicy(p)
	p.Fusion = intent.Fusion{Classifier: 1, BM25Half: 5}
	off := base.WithPolicy(p)

	an := base.Analyzer().Analyze(text)
	if s := on.Score(ctx, an); s.Evidence == nil {
		t.Error("fusion on, no gate: Score retrieved nothing")
	}
	if s := off.Score(ctx, an); s.Evidence != nil {
		t.Error("fusion off: Score retrieved anyway")
	}
	if s := off.ScoreAll(ctx, an); s.Evidence == nil {
		t.Error("ScoreAll with fusion off retrieved nothing")
	}
	hasExample := func(r intent.Result) bool {
		return slices.ContainsFunc(r.Candidates, func(c intent.Candidate) bool { return c.Example != "" })
	}
	if !hasExample(on.Classify(ctx, intent.Request{Text: text})) {
		t.Error("fusion on: no candidate carries a retrieved example")
	}
	if r := off.Classify(ctx, intent.Request{Text: text}); hasExample(r) || r.Intent != "return_goods" {
		t.Errorf("fusion off: %+v, want return_goods without retrieved examples", r)
	}
}

// A lexicon.bin cut short and resealed into the manifest fails a fresh start; a process that
// has a lexicon loaded already must refuse it too, not serve on with its cached copy.
func TestLoadVerifiesLexiconWhenCached(t *testing.T) {
	engine(t) // this process has its lexicon now
	dir := copyBundle(t)
	path := filepath.Join(dir, "lexicon.bin")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := intent.ReadManifest(copyBundle(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := intent.WriteManifest(dir, m); err != nil { // reseal the checksums
		t.Fatal(err)
	}
	e, err := intent.Load(context.Background(), dir)
	if err == nil {
		e.Close()
		t.Fatal("Load accepted a truncated lexicon.bin")
	}
	if !strings.Contains(err.Error(), "lexicon") {
		t.Errorf("error %q does not name the lexicon", err)
	}
	// the intact bundle still loads
	e, err = intent.Load(context.Background(), copyBundle(t))
	if err != nil {
		t.Fatal(err)
	}
	e.Close()
}

// The conversation's active intent helps choose the intent but does not answer alone: a message
// whose top intent is the active one is routed on its confidence without the context's bonus;
// one whose top intent is another is routed on its (lowered) confidence with it.
func TestContextDoesNotAnswerAlone(t *testing.T) {
	base := engine(t)
	t.Run("classifier", func(t *testing.T) { testContextDoesNotAnswerAlone(t, base) })
	// A ranker (the classifier again, at another temperature) whose agreement with the
	// classifier gives the confidence.
	p := base.Policy()
	p.Ranker = &intent.RankerPolicy{Temperature: 2, Fusion: intent.Fusion{Classifier: 1}, Agreement: true}
	ranked, err := withRanker(t, base.Classifier(), p)
	if err != nil {
		t.Fatal(err)
	}
	defer ranked.Close()
	t.Run("ranker agreement", func(t *testing.T) { testContextDoesNotAnswerAlone(t, ranked) })
}

func testContextDoesNotAnswerAlone(t *testing.T, base *intent.Engine) {
	ctx := context.Background()
	const text, active = "东西不要了怎么寄回去", "return_goods"
	p := base.Policy()
	p.Context = intent.ContextPolicy{Weight: 3, Intents: []string{active, "invoice"}}
	eng := base.WithPolicy(p)

	own := eng.Classify(ctx, intent.Request{Text: text, Debug: true})
	with := eng.Classify(ctx, intent.Request{Text: text, ActiveIntent: active, Debug: true})
	if own.Intent != active || with.Intent != active {
		t.Fatalf("intents %q alone, %q with context; want %q", own.Intent, with.Intent, active)
	}
	if !(with.Confidence > own.Confidence) {
		t.Fatalf("confidence %v with the active intent, %v alone: the bonus did not count", with.Confidence, own.Confidence)
	}
	if d := math.Abs(with.Debug.Confidence - own.Debug.Confidence); d > 1e-12 {
		t.Errorf("route confidence with context %v, alone %v: want the message's own", with.Debug.Confidence, own.Debug.Confidence)
	}

	// An auto threshold between the two: automatic only thanks to the context, so suggested.
	p.Auto, p.AutoByIntent, p.Suggest = (own.Debug.Confidence+with.Confidence)/2, nil, 0.01
	eng = base.WithPolicy(p)
	res := eng.Classify(ctx, intent.Request{Text: text, ActiveIntent: active})
	if res.Route != intent.RouteSuggest || res.Reason != "confident only with the conversation's context" {
		t.Errorf("route %s (%s), want suggest for the context's confidence", res.Route, res.Reason)
	}
	if res := eng.Classify(ctx, intent.Request{Text: text}); res.Route != intent.RouteSuggest || res.Reason != "not confident enough to answer alone" {
		t.Errorf("without context: route %s (%s), want suggest", res.Route, res.Reason)
	}
	// Under both, the message answers alone with or without its context.
	p.Auto = own.Debug.Confidence - 1e-6
	if res := base.WithPolicy(p).Classify(ctx, intent.Request{Text: text, ActiveIntent: active}); res.Route != intent.RouteAuto {
		t.Errorf("route %s (%s) with a threshold under the message's own confidence, want auto", res.Route, res.Reason)
	}

	// Another conversation's topic lowers the message's confidence; the route goes by it.
	other := eng.Classify(ctx, intent.Request{Text: text, ActiveIntent: "invoice", Debug: true})
	if other.Intent != active || !(other.Debug.Confidence < own.Debug.Confidence) {
		t.Errorf("with another active intent: %s at %v (alone %v), want %s at a lower confidence",
			other.Intent, other.Debug.Confidence, own.Debug.Confidence, active)
	}
}
