package console

import (
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// The console showed a precision of 0.9996 as 100.0 % (its pct and the models page's own
// formatting); a share strictly between 0 and 1 now never reads 100 % or 0 %.
func TestPercentNeverRoundsToCertainty(t *testing.T) {
	pct := funcs["pct"].(func(float64) string)
	for v, want := range map[float64]string{0.9996: ">99.9%", 0.0004: "<0.1%", 1: "100.0%", 0: "0.0%", 0.123: "12.3%"} {
		if got := pct(v); got != want {
			t.Errorf("pct(%v) = %q, want %q", v, got, want)
		}
	}
	got := map[string]string{}
	for _, m := range metricsOf(map[string]float64{"auto_precision": 0.9996, "oos_recall": 1, "accuracy": 0.95}) {
		got[m.Name] = m.Value
	}
	if got["自动回复准确率"] != ">99.9%" || got["范围外召回率"] != "100.0%" || got["准确率"] != "95.0%" {
		t.Errorf("metrics shown: %v", got)
	}
}

// A bundle's headline metrics were shown as its accuracy even when they were not: trained
// without a labelled dev split they are a cross-validated estimate (agreement with
// self-training's labels), and a bundle learnt from corrections carries its ancestor's (learning
// copies the manifest's metrics). The page says so beside them.
func TestMetricsNote(t *testing.T) {
	for _, tt := range []struct {
		name string
		m    intent.Manifest
		want []string
	}{
		{"trained on labels", intent.Manifest{Metrics: map[string]float64{"accuracy": 0.9}}, nil},
		{"estimated", intent.Manifest{Metrics: map[string]float64{"accuracy": 0.9, "estimated": 1}}, []string{"交叉验证的估计"}},
		{"learnt", intent.Manifest{Parent: "shop@1", Metrics: map[string]float64{"accuracy": 0.9}}, []string{"不是这一版本的"}},
		{"learnt from an estimate", intent.Manifest{Parent: "shop@1", Metrics: map[string]float64{"accuracy": 0.9, "estimated": 1}},
			[]string{"交叉验证的估计", "不是这一版本的"}},
		{"no metrics", intent.Manifest{Parent: "shop@1"}, nil},
	} {
		note := metricsNote(&tt.m)
		if (note == "") != (len(tt.want) == 0) {
			t.Errorf("%s: note %q", tt.name, note)
		}
		for _, w := range tt.want {
			if !strings.Contains(note, w) {
				t.Errorf("%s: note %q lacks %q", tt.name, note, w)
			}
		}
	}
}
