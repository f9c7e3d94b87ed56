package train

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// TestRunTrainsRanker trains the test shop on its labels alone, so the dev week calibrates: the
// bundle gets a ranker with C chosen by cross-validation and a calibrated Policy.Ranker, and
// without a labelled dev split (or with --ranker=false) it gets none.
func TestRunTrainsRanker(t *testing.T) {
	dir := t.TempDir()
	files, err := makeShop(filepath.Join(dir, "shop"), shopOptions{noSeeds: true})
	if err != nil {
		t.Fatal(err)
	}
	train := func(name string, edit func(*Config)) (*Summary, *intent.Engine) {
		t.Helper()
		cfg := shopConfig(files, filepath.Join(dir, name))
		cfg.Weak.NoSeeds, cfg.Weak.NoNoneSeeds, cfg.Weak.Rounds = true, true, -1
		edit(&cfg)
		sum, err := Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		eng, err := intent.Load(context.Background(), cfg.Out)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { eng.Close() })
		return sum, eng
	}
	sum, eng := train("ranked", func(*Config) {})
	if eng.Ranker() == nil || eng.Policy().Ranker == nil || !(eng.Policy().Ranker.Temperature > 0) {
		t.Fatalf("ranker %v, policy %+v: want a ranker and its calibration", eng.Ranker(), eng.Policy().Ranker)
	}
	if !eng.Ranker().Weighted() {
		t.Error("the ranker does not weigh its features by TF-IDF")
	}
	if sum.Ranker == nil || sum.Ranker.ChosenC == nil || len(sum.Ranker.ChosenC.Accuracy) != len(svmGrid) {
		t.Errorf("summary %+v: want the ranker's fit and how C was chosen", sum.Ranker)
	}
	if acc := sum.Report.Accuracy; acc < 0.8 {
		t.Errorf("dev accuracy %.3f with the ranker, want ≥ 0.8 on the test shop", acc)
	}
	if r := eng.Classify(context.Background(), intent.Request{Text: "东西不要了怎么寄回去"}); r.Intent != "return_goods" {
		t.Errorf("东西不要了怎么寄回去: %s, want return_goods", r.Intent)
	}

	_, eng = train("fixed-c", func(c *Config) { c.RankerC = 0.5 })
	if eng.Ranker() == nil {
		t.Error("--ranker-c 0.5: no ranker")
	}
	_, eng = train("off", func(c *Config) { c.Ranker = false })
	if eng.Ranker() != nil || eng.Policy().Ranker != nil {
		t.Error("--ranker=false: the bundle has a ranker")
	}
	if _, err := os.Stat(filepath.Join(dir, "off", intent.RankerFile)); err == nil {
		t.Errorf("--ranker=false wrote %s", intent.RankerFile)
	}
	_, eng = train("seeded", func(c *Config) { c.Weak.NoSeeds, c.Weak.NoNoneSeeds = false, false })
	if eng.Ranker() != nil {
		t.Error("seeds and a dev week of fewer than 200 messages: a ranker without a dev split to calibrate it on")
	}
	cfg := shopConfig(files, filepath.Join(dir, "bad"))
	cfg.RankerC = -1
	if _, err := Run(context.Background(), cfg); err == nil {
		t.Error("ranker C -1 accepted")
	}
}

// Learning from corrections fits the ranker again on what it was fitted on (the bundle's
// ranker data) and the corrections, and the gate judges its decisions. Fitted again without
// them, the ranker decides as its parent does.
func TestLearnRefitsRanker(t *testing.T) {
	dir := t.TempDir()
	files, err := makeShop(filepath.Join(dir, "shop"), shopOptions{noSeeds: true})
	if err != nil {
		t.Fatal(err)
	}
	cfg := shopConfig(files, filepath.Join(dir, "parent"))
	cfg.Weak.NoSeeds, cfg.Weak.NoNoneSeeds, cfg.Weak.Rounds = true, true, -1
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	probe := "报销凭证多久能弄好"
	if got := classifyIn(t, cfg.Out, probe); got == "invoice" {
		t.Fatalf("the parent already knows %q", probe)
	}
	parent, err := intent.Load(context.Background(), cfg.Out)
	if err != nil {
		t.Fatal(err)
	}
	defer parent.Close()
	data, err := parentRankerData(cfg.Out, parent)
	if err != nil || data == nil {
		t.Fatalf("the parent's ranker data: %v, %v", data, err)
	}
	again, err := refitRanker(context.Background(), data, nil, parent.Ranker(), nil, parent.Classifier().Labels())
	if err != nil {
		t.Fatal(err)
	}
	if a, b := Accuracy(parent.Ranker(), data.Examples), Accuracy(again, data.Examples); a != b {
		t.Errorf("fitted again on its data, the ranker gets %.4f of it right, its parent %.4f", b, a)
	}
	differ := 0
	pl, al := make([]float32, len(again.Labels())), make([]float32, len(again.Labels()))
	for _, ex := range data.Examples {
		parent.Ranker().Logits(ex.Features, pl)
		again.Logits(ex.Features, al)
		if argmax(pl) != argmax(al) {
			differ++
		}
	}
	if differ > 0 {
		t.Errorf("fitted again on its data, the ranker decides %d of its %d examples otherwise than its parent", differ, len(data.Examples))
	}
	var fixes []Correction
	for _, text := range []string{"报销凭证在哪弄", "报销凭证能给吗", "我要报销凭证", "报销凭证怎么申请", "公司要报销凭证",
		"报销凭证开一下", "能给个报销凭证不", "报销凭证发我邮箱", "报销凭证可以吗", "需要报销凭证", "报销凭证哪里申请", "报销凭证电子的行吗"} {
		fixes = append(fixes, Correction{Text: text, Intent: "invoice", Source: "feedback"})
	}
	out := filepath.Join(dir, "learnt")
	res, err := Learn(context.Background(), cfg.Out, out, fixes, LearnConfig{MaxDrop: 0.02})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Promoted {
		t.Fatalf("not promoted: %+v", res)
	}
	if got := classifyIn(t, out, probe); got != "invoice" {
		t.Errorf("after learning, %q is %s, want invoice", probe, got)
	}
	eng, err := intent.Load(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	if eng.Ranker() == nil || eng.Policy().Ranker == nil {
		t.Fatal("the learnt bundle lost its ranker")
	}
	// Fitted again, the ranker still shares the classifier's rows (stored without feature ids).
	var over, alone strings.Builder
	if _, err := eng.Ranker().WriteOver(&over, eng.Classifier()); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Ranker().WriteTo(&alone); err != nil {
		t.Fatal(err)
	}
	if over.Len() >= alone.Len() {
		t.Errorf("the learnt ranker does not share the classifier's rows: %d bytes over them, %d alone", over.Len(), alone.Len())
	}
	// The learnt bundle keeps its ranker's data, the corrections added, for the next generation.
	if next, err := parentRankerData(out, eng); err != nil || next == nil || len(next.Examples) != len(data.Examples)+res.Used {
		t.Errorf("the learnt bundle's ranker data: %v (%v), want %d examples", next, err, len(data.Examples)+res.Used)
	}
}
