package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// A tiny synthetic shop: four intents (one always handed to a person), out-of-scope chat
// labelled none, a few mis-tagged messages, some unlabelled ones, and a few labelled with an
// intent the knowledge base does not have.

const shopKB = `shop: 测试小铺
version: 1
intents:
  - id: return_goods
    label: 退货
    category: 咨询
    priority: 2
    examples:
      - 我想退货
      - 东西不要了怎么寄回去
    answers:
      - id: return_goods.a
        text: 亲，签收 7 天内可以在订单详情申请退货哦。
  - id: shipping_time
    label: 发货时间
    category: 咨询
    priority: 2
    examples:
      - 什么时候发货
      - 多久能发出
    answers:
      - id: shipping_time.a
        text: 亲，付款后 48 小时内发货。
  - id: invoice
    label: 发票
    category: 咨询
    priority: 3
    examples:
      - 怎么开发票
      - 可以开专票吗
    answers:
      - id: invoice.a
        text: 亲，确认收货后在订单详情申请开票即可。
  - id: human_agent
    label: 转人工
    category: 咨询
    priority: 1
    handoff: true
    examples:
      - 转人工
      - 我要找人工客服
    answers:
      - id: human_agent.a
        text: 亲，正在为您转接人工客服，请稍候。
`

var shopDict = map[string]string{
	"userdict.txt":  "# test shop\n七天无理由 2000 n\n专票 2000 n\n转人工 3000 v\n",
	"synonyms.txt":  "退货: 东西不要了, 不想要了\n开票: 要发票, 开发票\n人工: 真人, 人工客服\n",
	"stopwords.txt": "的\n了\n吧\n呢\n啊\n亲\n请问\n一下\n",
}

var shopPhrases = map[string][]string{
	"return_goods": {"我想退货", "东西不要了怎么寄回去", "不想要了能退吗", "怎么申请退货", "退货流程是什么",
		"可以七天无理由退货吗", "退货地址在哪", "买错了想退掉"},
	"shipping_time": {"什么时候发货", "多久能发货", "今天能发出吗", "下单后几天发货", "怎么还不发货",
		"发货要等多久", "能不能快点发货", "付款后多久发出"},
	"invoice": {"怎么开发票", "可以开专票吗", "要发票", "发票在哪里申请", "能开电子发票吗",
		"发票抬头写错了", "开票要多久", "公司报销需要发票"},
	"human_agent": {"转人工", "我要找人工客服", "人工服务", "叫你们客服出来", "机器人听不懂找真人",
		"有没有人工", "帮我转接人工", "给我换个真人客服"},
	intent.NoneIntent: {"今天天气怎么样", "你会唱歌吗", "讲个笑话吧", "你是男的还是女的", "推荐一部电影",
		"中午吃什么好", "哈哈哈哈", "周末去哪玩"},
}

var (
	shopPrefixes = []string{"", "你好 ", "请问", "亲 ", "在吗 "}
	shopItems    = []string{"", "这件卫衣", "这双鞋", "手机壳", "数据线", "那件外套", "羽绒服"}
	noneSuffixes = []string{"", "呀", "哈", "？", "啊"}
)

type shopLine struct {
	Text   string `json:"text"`
	Intent string `json:"intent,omitempty"`
	SentAt int64  `json:"sent_at"`
}

// shopOptions vary the shop for one test.
type shopOptions struct {
	perIntent int               // labelled messages per intent (none included); default 45
	intents   []string          // intents to write; default all
	unknown   int               // labelled messages with an intent missing from the KB
	dict      map[string]string // dictionary files; default shopDict
	extra     []shopLine        // appended to the data
	noSeeds   bool              // train without seeds (set by the test on its Config)
}

type shopFiles struct {
	kb, dict, data string
	lines          []shopLine
}

func writeShop(t *testing.T, dir string, o shopOptions) shopFiles {
	t.Helper()
	f, err := makeShop(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// makeShop writes kb.yaml, dict/ and data.jsonl into dir: ~200 labelled messages spread evenly
// over four weeks (sent_at alternately in ms and s), 20 unlabelled ones, and o.unknown labelled
// with an intent the knowledge base lacks. The content depends only on o.
func makeShop(dir string, o shopOptions) (shopFiles, error) {
	if o.perIntent == 0 {
		o.perIntent = 45
	}
	if o.intents == nil {
		o.intents = []string{"return_goods", "shipping_time", "invoice", "human_agent", intent.NoneIntent}
	}
	if o.dict == nil {
		o.dict = shopDict
	}
	rng := rand.New(rand.NewPCG(42, 42))
	var lines []shopLine
	for _, name := range o.intents {
		var all []string
		for _, ph := range shopPhrases[name] {
			for _, pre := range shopPrefixes {
				if name == intent.NoneIntent {
					for _, suf := range noneSuffixes {
						all = append(all, pre+ph+suf)
					}
					continue
				}
				for _, item := range shopItems {
					all = append(all, pre+item+ph)
				}
			}
		}
		for _, i := range rng.Perm(len(all))[:min(o.perIntent, len(all))] {
			lines = append(lines, shopLine{Text: all[i], Intent: name})
		}
	}
	// Agents mis-tag now and then: one message in fifteen carries the next intent's label.
	for i := 7; i < len(lines) && len(o.intents) > 1; i += 15 {
		next := (slices.Index(o.intents, lines[i].Intent) + 1) % len(o.intents)
		lines[i].Intent = o.intents[next]
	}
	for i := range o.unknown {
		lines = append(lines, shopLine{Text: fmt.Sprintf("能帮我包装成礼物吗 第%d件", i+1), Intent: "gift_wrap"})
	}
	for i, ph := range []string{"你好", "在吗", "好的", "谢谢", "嗯嗯", "收到了", "知道了", "稍等", "那我再看看", "行吧"} {
		lines = append(lines, shopLine{Text: ph}, shopLine{Text: fmt.Sprintf("%s %d", ph, i)})
	}
	rng.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
	lines = append(lines, o.extra...)
	start := time.Date(2026, 8, 3, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	step := 28 * 24 * time.Hour / time.Duration(len(lines))
	var b strings.Builder
	for i := range lines {
		at := start.Add(time.Duration(i) * step)
		if lines[i].SentAt == 0 {
			lines[i].SentAt = at.UnixMilli()
			if i%2 == 1 {
				lines[i].SentAt = at.Unix()
			}
		}
		data, err := json.Marshal(lines[i])
		if err != nil {
			return shopFiles{}, err
		}
		b.Write(data)
		b.WriteByte('\n')
	}
	f := shopFiles{kb: filepath.Join(dir, "kb.yaml"), dict: filepath.Join(dir, "dict"), data: filepath.Join(dir, "data.jsonl"), lines: lines}
	files := map[string]string{f.kb: shopKB, f.data: b.String()}
	for name, content := range o.dict {
		files[filepath.Join(f.dict, name)] = content
	}
	for path, content := range files {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return f, err
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			return f, err
		}
	}
	return f, nil
}

func shopConfig(f shopFiles, out string) Config {
	cfg := DefaultConfig()
	cfg.Data = []string{f.data}
	cfg.KB = f.kb
	cfg.DictDir = f.dict
	cfg.Out = out
	cfg.DevDays = 7 // of four weeks: a quarter of the data is dev
	cfg.Progress = io.Discard
	return cfg
}

// testRoot holds what the package's tests share; TestMain removes it.
var testRoot string

func TestMain(m *testing.M) {
	code := m.Run()
	if testRoot != "" {
		os.RemoveAll(testRoot)
	}
	os.Exit(code)
}

type trainedShop struct {
	files   shopFiles
	out     string
	summary *Summary
}

// shopBundle trains the shop once for every test that only reads the bundle.
var shopBundle = sync.OnceValues(func() (*trainedShop, error) {
	root, err := os.MkdirTemp("", "zhiyi-train-test-")
	if err != nil {
		return nil, err
	}
	testRoot = root
	files, err := makeShop(filepath.Join(root, "shop"), shopOptions{unknown: 6})
	if err != nil {
		return nil, err
	}
	out := filepath.Join(root, "models", "shop")
	sum, err := Run(context.Background(), shopConfig(files, out))
	if err != nil {
		return nil, err
	}
	return &trainedShop{files: files, out: out, summary: sum}, nil
})

func trained(t *testing.T) *trainedShop {
	t.Helper()
	s, err := shopBundle()
	if err != nil {
		t.Fatalf("training the test shop: %v", err)
	}
	return s
}

func TestRunWritesCompleteBundle(t *testing.T) {
	s := trained(t)
	sum := s.summary
	if sum.Bundle != s.out {
		t.Errorf("summary names bundle %q, want %q", sum.Bundle, s.out)
	}
	// 5 × 45 labelled, 6 with an unknown intent, 20 unlabelled.
	if sum.Import.Kept != 251 || sum.Import.Labelled != 231 || sum.Dropped != 6 {
		t.Errorf("import %s, %d dropped; want 251 kept, 231 labelled, 6 dropped", sum.Import, sum.Dropped)
	}
	// The knowledge base's examples, the built-in out-of-scope examples and what self-training
	// labelled of the 20 unlabelled messages train beside the 225 labelled ones.
	if sum.Seeds == 0 || sum.NoneSeeds == 0 || sum.SelfLabelled > 20 {
		t.Errorf("%d seeds, %d out-of-scope seeds, %d self-labelled: want seeds of both kinds and at most the 20 unlabelled messages", sum.Seeds, sum.NoneSeeds, sum.SelfLabelled)
	}
	if sum.Train+sum.Dev != 225+sum.Seeds+sum.NoneSeeds+sum.SelfLabelled || sum.Dev < 40 || sum.Dev > 70 || !strings.HasPrefix(sum.DevSplit, "by time") {
		t.Errorf("split %d train, %d dev (%s); want the newest week of 225 labelled messages as dev", sum.Train, sum.Dev, sum.DevSplit)
	}
	if sum.Report == nil || sum.Classifier == nil {
		t.Fatal("no dev reports in the summary")
	}

	m, err := intent.ReadManifest(s.out)
	if err != nil {
		t.Fatalf("the bundle does not verify: %v", err)
	}
	for _, name := range []string{intent.ClassifierFile, intent.PolicyFile, intent.KBFile, intent.ExamplesFile,
		intent.ReportJSONFile, intent.ReportHTMLFile, "dict/userdict.txt", "dict/synonyms.txt", "dict/stopwords.txt",
		"subword/vocab.json", "subword/merges.txt", intent.IndexDir + "/index_meta.json"} {
		if _, ok := m.Files[name]; !ok {
			t.Errorf("manifest does not list %s (files: %v)", name, slices.Sorted(maps.Keys(m.Files)))
		}
	}
	if _, ok := m.Files["dict/dialect.txt"]; ok {
		t.Error("manifest lists dict/dialect.txt, which the shop does not have")
	}
	if m.Name != "shop" || m.CreatedAt.IsZero() || !strings.HasPrefix(m.DataFingerprint, "sha256:") || len(m.Config) == 0 {
		t.Errorf("manifest %+v: want name, creation time, fingerprint and config", m)
	}
	for _, k := range []string{"accuracy", "macro_f1", "auto_coverage", "oos_recall", "classifier_only_accuracy"} {
		if _, ok := m.Metrics[k]; !ok {
			t.Errorf("manifest metrics %v lack %s", m.Metrics, k)
		}
	}
	if m.Metrics["accuracy"] != sum.Report.Accuracy {
		t.Errorf("manifest accuracy %v, report %v", m.Metrics["accuracy"], sum.Report.Accuracy)
	}
	var cfg struct {
		Labels []string `json:"labels"`
	}
	if err := json.Unmarshal(m.Config, &cfg); err != nil {
		t.Fatal(err)
	}
	want := []string{"human_agent", "invoice", "none", "return_goods", "shipping_time"}
	if !slices.Equal(cfg.Labels, want) {
		t.Errorf("labels %q, want %q (gift_wrap is not in the knowledge base and must be dropped)", cfg.Labels, want)
	}
	// No temporary or old directories beside the bundle.
	checkOnly(t, filepath.Dir(s.out), "shop")
	if _, err := os.Stat(filepath.Join(s.out, intent.ManifestFile)); err != nil {
		t.Error(err)
	}
}

func TestRunBundleLoadsAndClassifies(t *testing.T) {
	s := trained(t)
	ctx := context.Background()
	eng, err := intent.Load(ctx, s.out)
	if err != nil {
		t.Fatalf("intent.Load: %v", err)
	}
	defer eng.Close()
	if slices.Contains(eng.Classifier().Labels(), "gift_wrap") {
		t.Error("the classifier knows gift_wrap, which the knowledge base lacks")
	}
	for text, want := range map[string]string{
		"请问这双鞋什么时候发货":  "shipping_time",
		"东西不要了怎么寄回去":   "return_goods",
		"你好 手机壳怎么申请退货": "return_goods",
		"怎么开发票":        "invoice",
		"羽绒服发票在哪里申请":   "invoice",
		"我要找人工客服":      "human_agent",
		"今天天气怎么样呀":     intent.NoneIntent,
	} {
		res := eng.Classify(ctx, intent.Request{Text: text})
		if res.Intent != want {
			t.Errorf("Classify(%q) = %s (%.3f), want %s; candidates %+v", text, res.Intent, res.Confidence, want, res.Candidates)
		}
	}
	if res := eng.Classify(ctx, intent.Request{Text: "我要找人工客服"}); res.Route != intent.RouteHandoff {
		t.Errorf("a request for a person routes %s, want handoff", res.Route)
	}
}

// The bundle carries its retrieval index: Load opens it rather than building it, and answers
// exactly as an engine that built its index from the same documents.
func TestRunBundleOpensPersistedIndex(t *testing.T) {
	s := trained(t)
	ctx := context.Background()
	opened, err := intent.Load(ctx, s.out)
	if err != nil {
		t.Fatal(err)
	}
	defer opened.Close()
	built, err := intent.LoadUnverified(ctx, s.out, "shop")
	if err != nil {
		t.Fatal(err)
	}
	defer built.Close()
	if st := opened.IndexStats(); !st.Opened || st.Docs == 0 {
		t.Errorf("Load: index %+v, want the bundle's persisted index opened", st)
	}
	if st := built.IndexStats(); st.Opened {
		t.Errorf("LoadUnverified: index %+v, want it built from the documents", st)
	}
	for _, text := range []string{"请问这双鞋什么时候发货", "东西不要了怎么寄回去", "羽绒服发票在哪里申请", "在吗", "手机壳"} {
		a := opened.Classify(ctx, intent.Request{Text: text})
		b := built.Classify(ctx, intent.Request{Text: text})
		// Timing and the model version (LoadUnverified dates its own) are not the index's doing.
		a.TookMicros, b.TookMicros = 0, 0
		a.Model, b.Model = "", ""
		if !reflect.DeepEqual(a, b) {
			t.Errorf("Classify(%q):\nopened index %+v\nbuilt index  %+v", text, a, b)
		}
	}
	// Files any user can read: a bundle is often built by one user and served by another.
	err = filepath.WalkDir(filepath.Join(s.out, intent.IndexDir), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err == nil && info.Mode().Perm()&0o444 != 0o444 {
			t.Errorf("%s has mode %v, want readable by all", p, info.Mode().Perm())
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A persisted index this build cannot read is rebuilt from the documents, not a failed load.
func TestRunBundleRebuildsUnreadableIndex(t *testing.T) {
	s := trained(t)
	dir := filepath.Join(t.TempDir(), "shop")
	if err := os.CopyFS(dir, os.DirFS(s.out)); err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(dir, intent.IndexDir, "store")
	entries, err := os.ReadDir(store)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if err := os.WriteFile(filepath.Join(store, e.Name()), []byte("not bleve"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m, err := intent.ReadManifest(s.out)
	if err != nil {
		t.Fatal(err)
	}
	if err := intent.WriteManifest(dir, m); err != nil { // sealed as it is now
		t.Fatal(err)
	}
	eng, err := intent.Load(context.Background(), dir)
	if err != nil {
		t.Fatalf("Load with an unreadable index: %v", err)
	}
	defer eng.Close()
	if st := eng.IndexStats(); st.Opened || st.Docs == 0 {
		t.Errorf("index %+v, want it rebuilt from the documents", st)
	}
	if res := eng.Classify(context.Background(), intent.Request{Text: "东西不要了怎么寄回去"}); res.Intent != "return_goods" {
		t.Errorf("Classify = %s, want return_goods", res.Intent)
	}
}

func TestRunReport(t *testing.T) {
	s := trained(t)
	data, err := os.ReadFile(filepath.Join(s.out, intent.ReportJSONFile))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatalf("report.json: %v", err)
	}
	for _, k := range []string{"accuracy", "macro_f1", "per_intent", "confusions", "out_of_scope", "auto_coverage", "auto_precision", "labels", "matrix"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("report.json has no %q", k)
		}
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	if r.Count != s.summary.Dev || r.Accuracy < 0.8 || r.MacroF1 < 0.8 || r.Accuracy > 1 {
		t.Errorf("report: %d messages, accuracy %.3f, macro-F1 %.3f; want the %d dev messages, both ≥ 0.8",
			r.Count, r.Accuracy, r.MacroF1, s.summary.Dev)
	}
	support := 0
	for _, pi := range r.PerIntent {
		support += pi.Support
		if pi.Intent != intent.NoneIntent && pi.Label == "" {
			t.Errorf("per-intent %s has no label from the knowledge base", pi.Intent)
		}
	}
	if len(r.PerIntent) != 5 || support != r.Count {
		t.Errorf("per_intent %+v: want 5 intents whose support adds up to %d", r.PerIntent, r.Count)
	}
	cells := 0
	for _, row := range r.Matrix {
		for _, v := range row {
			cells += v
		}
	}
	if len(r.Matrix) != len(r.Labels) || cells != r.Count {
		t.Errorf("matrix over %d labels has %d rows and %d messages, want %d", len(r.Labels), len(r.Matrix), cells, r.Count)
	}
	wrong := 0
	for _, c := range r.Confusions {
		wrong += c.Count
		if c.Gold == c.Predicted || len(c.Examples) == 0 {
			t.Errorf("confusion %+v", c)
		}
	}
	if right := int(r.Accuracy*float64(r.Count) + 0.5); right+wrong != r.Count {
		t.Errorf("%d right and %d in confusions, of %d", right, wrong, r.Count)
	}
	if r.OutOfScope.Support == 0 {
		t.Error("out_of_scope has no support: the none messages were not evaluated")
	}

	html, err := os.ReadFile(filepath.Join(s.out, intent.ReportHTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	page := strings.ToLower(string(html))
	if len(page) < 1000 || !strings.Contains(page, "<html") || !strings.Contains(page, "</html>") {
		t.Errorf("report.html is %d bytes and not a whole page", len(page))
	}
	for _, bad := range []string{"<script src", "<link", "http://", "https://", "@import", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("report.html contains %q: it must be self-contained", bad)
		}
	}
	for _, want := range []string{"return_goods", "退货", "macro-f1"} {
		if !strings.Contains(page, strings.ToLower(want)) {
			t.Errorf("report.html does not mention %q", want)
		}
	}
}

// The ranker's fusion weights are fitted on dev to improve on the classifier: they must not do
// worse than the classifier alone on that same dev split, and retrieval evidence for an intent
// must not count against it.
func TestRunFusionNoWorseThanClassifier(t *testing.T) {
	s := trained(t)
	sum := s.summary
	if sum.Report.Accuracy < sum.Classifier.Accuracy {
		t.Errorf("dev accuracy %.4f fused, %.4f classifier alone (fusion %+v)", sum.Report.Accuracy, sum.Classifier.Accuracy, sum.Policy.Fusion)
	}
	f := sum.Policy.Fusion
	if f.BM25 < 0 || f.Agree < 0 || f.Overlap < 0 || f.Classifier <= 0 {
		t.Errorf("fusion weights %+v: evidence weights must not be negative", f)
	}
}

// A report with no mistakes still lists its confusions as an array, for machines.
func TestReportJSONEmptyConfusions(t *testing.T) {
	s := trained(t)
	eng, err := intent.Load(context.Background(), s.out)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	r, err := Evaluate(context.Background(), eng, []Labelled{{Text: "我要找人工客服", Intent: "human_agent"}}, "one", nil)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"confusions":[]`) {
		t.Errorf("report JSON %s: want \"confusions\": []", data)
	}
}

func TestRunTwiceReplacesBundle(t *testing.T) {
	dir := t.TempDir()
	files := writeShop(t, filepath.Join(dir, "shop"), shopOptions{})
	out := filepath.Join(dir, "models", "m")
	ctx := context.Background()
	if _, err := Run(ctx, shopConfig(files, out)); err != nil {
		t.Fatal(err)
	}
	first, err := intent.ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	// The second run sees one more message.
	files = writeShop(t, filepath.Join(dir, "shop"), shopOptions{extra: []shopLine{{Text: "发票可以开个人抬头吗", Intent: "invoice"}}})
	if _, err := Run(ctx, shopConfig(files, out)); err != nil {
		t.Fatal(err)
	}
	second, err := intent.ReadManifest(out)
	if err != nil {
		t.Fatalf("after the second run the bundle does not verify: %v", err)
	}
	if first.DataFingerprint == second.DataFingerprint {
		t.Error("the second run's bundle has the first run's data fingerprint: not replaced")
	}
	checkOnly(t, filepath.Join(dir, "models"), "m")
	eng, err := intent.Load(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	eng.Close()
}

func TestRunFailureLeavesNothing(t *testing.T) {
	ctx := context.Background()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		o    shopOptions
		want string // in the error
	}{
		// Fails while reading the dictionaries, before anything is written.
		{"bad dictionary line", ctx, shopOptions{dict: map[string]string{"stopwords.txt": "的\n不\n"}}, "stopwords.txt:2"},
		// Fails after the bundle directory was started: one intent cannot be fitted (without the
		// seeds, which would add the knowledge base's other intents and out of scope).
		{"one intent", ctx, shopOptions{intents: []string{"invoice"}, noSeeds: true}, "2 intents"},
		// Fails in fitting.
		{"cancelled", cancelled, shopOptions{}, context.Canceled.Error()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			files := writeShop(t, filepath.Join(dir, "shop"), tc.o)
			models := filepath.Join(dir, "models")
			cfg := shopConfig(files, filepath.Join(models, "m"))
			cfg.Weak.NoSeeds, cfg.Weak.NoNoneSeeds = tc.o.noSeeds, tc.o.noSeeds
			_, err := Run(tc.ctx, cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run = %v, want an error mentioning %q", err, tc.want)
			}
			checkOnly(t, models)
		})
	}
}

func TestRunFailureKeepsOldBundle(t *testing.T) {
	s := trained(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "m")
	if err := os.CopyFS(out, os.DirFS(s.out)); err != nil {
		t.Fatal(err)
	}
	before, err := intent.ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	files := writeShop(t, filepath.Join(t.TempDir(), "shop"), shopOptions{intents: []string{"invoice"}})
	cfg := shopConfig(files, out)
	cfg.Weak.NoSeeds, cfg.Weak.NoNoneSeeds = true, true
	if _, err := Run(context.Background(), cfg); err == nil {
		t.Fatal("Run with one intent succeeded")
	}
	after, err := intent.ReadManifest(out)
	if err != nil {
		t.Fatalf("a failed run damaged the old bundle: %v", err)
	}
	if after.DataFingerprint != before.DataFingerprint {
		t.Error("a failed run replaced the old bundle")
	}
	checkOnly(t, dir, "m")
}

func TestRunArguments(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	files := writeShop(t, dir, shopOptions{})
	cfg := shopConfig(files, "")
	if _, err := Run(ctx, cfg); err == nil {
		t.Error("Run without --out: nil error")
	}
	cfg = shopConfig(files, filepath.Join(dir, "out"))
	cfg.Data = nil
	if _, err := Run(ctx, cfg); err == nil {
		t.Error("Run without --data: nil error")
	}
	cfg = shopConfig(files, filepath.Join(dir, "out"))
	cfg.KB = filepath.Join(dir, "missing.yaml")
	if _, err := Run(ctx, cfg); err == nil {
		t.Error("Run with a missing knowledge base: nil error")
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("failed runs left %s behind", filepath.Join(dir, "out"))
	}
}

func TestSplitDev(t *testing.T) {
	day := 24 * time.Hour
	start := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	var timed, untimed []record
	for i := range 28 {
		timed = append(timed, record{text: fmt.Sprint("消息", i), intent: "a", time: start.Add(time.Duration(i) * day)})
		untimed = append(untimed, record{text: fmt.Sprint("消息", i), intent: "a"})
	}
	cfg := DefaultConfig()
	cfg.DevDays = 7
	train, dev, how := splitDev(timed, nil, cfg)
	if len(dev) != 7 || len(train) != 21 || !strings.HasPrefix(how, "by time") {
		t.Errorf("by time: %d train, %d dev (%s); want the newest 7 days as dev", len(train), len(dev), how)
	}
	for _, r := range dev {
		for _, q := range train {
			if !r.time.After(q.time) {
				t.Fatalf("dev message at %v is not newer than training message at %v", r.time, q.time)
			}
		}
	}
	// Without times: a share of the messages, the same every time.
	cfg.DevShare = 0.25
	train, dev, how = splitDev(untimed, nil, cfg)
	train2, dev2, _ := splitDev(untimed, nil, cfg)
	if len(train)+len(dev) != 28 || len(dev) == 0 || !strings.HasPrefix(how, "by hash") ||
		!slices.Equal(dev, dev2) || !slices.Equal(train, train2) {
		t.Errorf("by hash: %d train, %d dev (%s)", len(train), len(dev), how)
	}
	// An explicit dev file wins.
	explicit := []record{{text: "x", intent: "a"}}
	cfg.Dev = "dev.jsonl"
	train, dev, _ = splitDev(timed, explicit, cfg)
	if len(train) != 28 || len(dev) != 1 {
		t.Errorf("explicit dev: %d train, %d dev", len(train), len(dev))
	}
}

// checkOnly fails unless dir holds exactly the named entries (none: empty or missing).
func checkOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if !slices.Equal(got, names) {
		t.Errorf("%s holds %q, want %q (no temporary or old bundles left behind)", dir, got, names)
	}
}
