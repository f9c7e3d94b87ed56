package train

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
)

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
	// The intent they name, with its count and where (an export's tags outlive a rename in
	// kb.yaml); it was printed as a Go map, map[gift_wrap:6], with no file.
	if want := "left out (renamed or deleted? give their messages the new id with --labels): gift_wrap (6); e.g. " + s.files.data + ":"; !strings.Contains(s.progress, want) {
		t.Errorf("training's warning of labels naming unknown intents lacks %q:\n%s", want, s.progress)
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
	// The bundle's own report names it as served, and says its numbers precede the refit.
	raw, err := os.ReadFile(filepath.Join(s.out, intent.ReportJSONFile))
	if err != nil {
		t.Fatal(err)
	}
	var rep Report
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Model != m.Version() || len(sum.RefitEpochs) > 0 && !strings.Contains(rep.Data, "before its final refit") {
		t.Errorf("report.json names %q (%q), want %q and, refit %v, the refit", rep.Model, rep.Data, m.Version(), sum.RefitEpochs)
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
		{"GBK dictionary", ctx, shopOptions{dict: map[string]string{"stopwords.txt": "的\n" + gbkReturn + "\n"}}, "stopwords.txt:2: not UTF-8: the bytes look like GBK"},
		// serve reads the sentiment lexicon from the bundle: training must not write one it cannot
		{"bad sentiment lexicon", ctx, shopOptions{dict: map[string]string{"sentiment.txt": "[negative\n差评\n"}}, "sentiment.txt:1"},
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

// TestRunRefusesOutThatIsNoBundle: --out naming a directory of other files (models/ for
// models/myshop) fails before training and deletes nothing.
func TestRunRefusesOutThatIsNoBundle(t *testing.T) {
	dir := t.TempDir()
	files := writeShop(t, filepath.Join(dir, "shop"), shopOptions{})
	models := filepath.Join(dir, "models")
	if err := os.MkdirAll(filepath.Join(models, "other"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Run(context.Background(), shopConfig(files, models))
	if err == nil || !strings.Contains(err.Error(), "not a bundle") {
		t.Fatalf("Run into a directory of other files: %v, want it refused", err)
	}
	checkOnly(t, models, "other")
}

// TestRunOutUnwritableFailsFirst: an --out where no directory can be made (/proc refuses even
// root, as a read-only mount would) fails before the exports are read (here they would fail
// too), not after the import's minutes.
func TestRunOutUnwritableFailsFirst(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /proc")
	}
	dir := t.TempDir()
	files := writeShop(t, filepath.Join(dir, "shop"), shopOptions{})
	cfg := shopConfig(files, "/proc/zhiyi-test-bundle")
	cfg.Data = []string{filepath.Join(dir, "exports-not-yet-copied")}
	_, err := Run(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "/proc") {
		t.Fatalf("Run into /proc: %v, want an error naming it", err)
	}
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
	cfg.Data, cfg.KB = nil, "" // without chats a shop trains on kb.yaml (TestRunKnowledgeBaseAlone)
	if _, err := Run(ctx, cfg); err == nil {
		t.Error("Run without --data and --kb: nil error")
	}
	// a missing file is named before any work, by its flag
	for flag, set := range map[string]func(*Config){
		"--kb":     func(c *Config) { c.KB = filepath.Join(dir, "missing.yaml") },
		"--labels": func(c *Config) { c.Labels = []string{filepath.Join(dir, "missing.jsonl")} },
		"--dict":   func(c *Config) { c.DictDir = filepath.Join(dir, "nodict") },
	} {
		cfg = shopConfig(files, filepath.Join(dir, "out"))
		var prog strings.Builder
		cfg.Progress = &prog
		set(&cfg)
		if _, err := Run(ctx, cfg); err == nil || !strings.HasPrefix(err.Error(), "train: "+flag+": ") || !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Run with a missing %s: %v", flag, err)
		}
		if prog.Len() > 0 {
			t.Errorf("Run with a missing %s did work first:\n%s", flag, prog.String())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("failed runs left %s behind", filepath.Join(dir, "out"))
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

// A labelled message that only gives personal data (an order number asked for) trains nothing
// and is no retrieval example: its label is its conversation's.
func TestRunLeavesOutMessagesThatOnlyGiveData(t *testing.T) {
	dir := t.TempDir()
	var extra []shopLine
	for i, text := range []string{"订单号 4492018376655401", "订单号是4419827365019283", "手机号 13764218805", "单号 6620193847550312 谢谢"} {
		extra = append(extra, shopLine{Text: text, Intent: []string{"invoice", "return_goods"}[i%2]})
	}
	f := writeShop(t, dir, shopOptions{extra: extra})
	cfg := shopConfig(f, filepath.Join(dir, "out"))
	var prog strings.Builder
	cfg.Progress = &prog
	sum, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if sum.DataOnly != len(extra) {
		t.Errorf("%d messages left out for only giving data, want %d", sum.DataOnly, len(extra))
	}
	// The progress tells a shop owner what was left out and why, in their words, with examples
	// (masked) as the seeds' line gives them; not "the retrieval history".
	line := ""
	for l := range strings.Lines(prog.String()) {
		if strings.HasPrefix(l, "analyse: ") {
			line = l
		}
	}
	for _, want := range []string{"4 labelled messages give nothing but personal data", "left out of training", "what its conversation asked", "dev examples left)", "订单号 <ORDER>", "手机号 <PHONE>"} {
		if !strings.Contains(line, want) {
			t.Errorf("progress %q, want it to say %q", line, want)
		}
	}
	if strings.Contains(prog.String(), "4492018376655401") || strings.Contains(line, "retrieval history") {
		t.Errorf("progress %q: want the examples masked, and no jargon", line)
	}
	docs, err := intent.ReadExampleDocs(filepath.Join(dir, "out", intent.ExamplesFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		if strings.Contains(d.Text, "<ORDER>") || strings.Contains(d.Text, "<PHONE>") {
			t.Errorf("retrieval example %q (%s) only gives data", d.Text, d.Intent)
		}
	}
}

// Without a dev split the estimate grades the cross-validated scores of the training examples:
// a message left out for only giving data must not shift the labels and origins they are read
// against (cvItems follow trainEx, not trainRecs).
func TestEstimateLeavesOutMessagesThatOnlyGiveData(t *testing.T) {
	gold := func(extra []shopLine) map[string]int {
		t.Helper()
		dir := t.TempDir()
		f := writeShop(t, dir, shopOptions{extra: extra})
		cfg := shopConfig(f, filepath.Join(dir, "out"))
		cfg.DevDays, cfg.DevShare, cfg.Weak.Rounds = 0, 0, -1 // no dev split: estimated
		sum, err := Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Report == nil || sum.Dev != 0 {
			t.Fatalf("dev %d, report %v: want an estimate without a dev split", sum.Dev, sum.Report != nil)
		}
		out := map[string]int{}
		for _, m := range sum.Report.PerIntent {
			out[m.Intent] = m.Support
		}
		return out
	}
	var extra []shopLine
	for _, text := range []string{"订单号 4492018376655401", "订单号是4419827365019283", "手机号 13764218805", "单号 6620193847550312 谢谢", "我的手机号 13812345678"} {
		extra = append(extra, shopLine{Text: text, Intent: "invoice"})
	}
	want, got := gold(nil), gold(extra)
	if !maps.Equal(got, want) {
		t.Errorf("estimate's support by intent with messages that only give data %v, want %v as without them", got, want)
	}
}

// Self-training neither learns from a labelled message that only gives data nor labels an
// unlabelled one: its guess would be left out again, and counted as a label the shop gave.
func TestSelfTrainingLeavesOutMessagesThatOnlyGiveData(t *testing.T) {
	dir := t.TempDir()
	early := time.Date(2026, 8, 4, 10, 0, 0, 0, time.UTC).UnixMilli() // in the train split
	var extra []shopLine
	for i, text := range []string{"订单号 4492018376655401", "订单号是4419827365019283", "手机号 13764218805", "单号 6620193847550312 谢谢"} {
		extra = append(extra, shopLine{Text: text, Intent: "invoice", SentAt: early + int64(i)})
	}
	for i, text := range []string{"订单号 5592018376655402", "订单号是5519827365019284", "手机号 13764218806", "单号 5620193847550313 谢谢", "订单号 7792018376655403", "订单 7720193847612210"} {
		extra = append(extra, shopLine{Text: text, SentAt: early + int64(10+i)})
	}
	f := writeShop(t, dir, shopOptions{extra: extra})
	sum, err := Run(context.Background(), shopConfig(f, filepath.Join(dir, "out")))
	if err != nil {
		t.Fatal(err)
	}
	if sum.DataOnly != 4 {
		t.Errorf("%d labelled messages left out for only giving data, want the 4 labelled ones (self-training labelled the others)", sum.DataOnly)
	}
}
