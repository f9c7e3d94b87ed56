package train

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// A shop whose newest weeks carry a few labels (CRM tags on some rows) and that has seeds: the
// thresholds are chosen on cross-validated predictions beside those dev messages, not on the
// dev messages alone, where no threshold could reach 95 % over so few answers.
func TestCalibrateSmallDevWithEstimates(t *testing.T) {
	dir := t.TempDir()
	kb := filepath.Join(dir, "kb.yaml")
	writeFile(t, kb, weakKB)
	asks := map[string][]string{
		"invoice":       {"发票怎么开", "能开发票吗", "开个电子发票", "发票抬头写公司", "要报销凭证", "发票开一下"},
		"return_goods":  {"我要退货", "东西不要了想退", "怎么退掉", "退货流程", "不合适想退", "退了吧"},
		"shipping_time": {"什么时候发货", "几天能发", "今天能发出吗", "多久发货", "还没发货吗", "明天发吗"},
	}
	tails := []string{"", "呢", "啊", "呀", "哈"}
	var export, labels strings.Builder
	ms, n := int64(1785539051000), 0
	for day := range 30 {
		for _, id := range []string{"invoice", "return_goods", "shipping_time"} {
			n++
			text := asks[id][day%6] + tails[(day/6)%5]
			line, _ := json.Marshal(map[string]any{"msgid": fmt.Sprintf("c%d", n), "action": "send", "from": fmt.Sprintf("wmC%03d", n),
				"tolist": []string{"liuyang"}, "roomid": "", "msgtime": ms + int64(day)*86_400_000 + int64(n)*1000, "msgtype": "text",
				"text": map[string]string{"content": text}})
			export.Write(line)
			export.WriteByte('\n')
			fmt.Fprintf(&labels, "{\"msgid\":\"c%d\",\"intent\":\"%s\"}\n", n, id)
		}
	}
	data, lab := filepath.Join(dir, "wecom.jsonl"), filepath.Join(dir, "labels.jsonl")
	writeFile(t, data, export.String())
	writeFile(t, lab, labels.String())
	var prog strings.Builder
	cfg := DefaultConfig()
	cfg.Data, cfg.KB, cfg.Labels, cfg.Out, cfg.Progress = []string{data}, kb, []string{lab}, filepath.Join(dir, "m"), &prog
	sum, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Dev < minDev || sum.Dev >= minCalibration {
		t.Fatalf("dev has %d messages, want a small dev split (%d to %d):\n%s", sum.Dev, minDev, 199, prog.String())
	}
	if !strings.Contains(prog.String(), "calibrated on 5-fold cross-validation") {
		t.Errorf("a dev split of %d messages with seeds did not calibrate on cross-validation:\n%s", sum.Dev, prog.String())
	}
	if sum.Policy.Auto > 1 {
		t.Errorf("auto threshold %.3f: nothing would ever be answered automatically:\n%s", sum.Policy.Auto, prog.String())
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

// The trained mix is weighted as the fit weighs its examples: ten at weight 1 against ten
// self-labelled ones at 0.5 are two thirds and one third.
func TestLabelSharesWeighted(t *testing.T) {
	var ex []Example
	for range 10 {
		ex = append(ex, Example{Label: 0}, Example{Label: 1, Weight: 0.5})
	}
	got := labelShares([]string{"a", "b", "c"}, ex)
	total := 10 + 5 + 0.5
	for l, want := range map[string]float64{"a": 10 / total, "b": 5 / total, "c": 0.5 / total} {
		if math.Abs(got[l]-want) > 1e-12 {
			t.Errorf("share of %s: %v, want %v", l, got[l], want)
		}
	}
}
