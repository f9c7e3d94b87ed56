package console

import (
	"testing"

	"github.com/zhiyi-ai/zhiyi/experiment"
)

// The 实验 page words every standing of an experiment in Chinese.
func TestVerdictZH(t *testing.T) {
	report := func(rated int64, vs experiment.Test) *experiment.Report {
		return &experiment.Report{Variants: []experiment.VariantReport{
			{ID: "a", Control: true, Rated: rated},
			{ID: "b", Rated: rated, VsControl: &experiment.Comparison{Rating: vs}},
		}}
	}
	for _, c := range []struct {
		name string
		r    *experiment.Report
		want string
	}{
		{"no ratings", report(0, experiment.Test{}), "还没有可比较的评分"},
		{"higher", report(40, experiment.Test{Significant: true, Diff: 0.8, P: 0.01}), "b 的评分显著高于对照组（+0.80，p = 0.0100）"},
		{"lower", report(40, experiment.Test{Significant: true, Diff: -0.5, P: 0.02}), "b 的评分显著低于对照组（-0.50，p = 0.0200）"},
		{"too few", report(5, experiment.Test{Diff: 0.2, Needed: 120, Have: 5}), "评分暂无显著差别：b 约需每组 120 个评分才能分辨 +0.20 的差别（现有 5）"},
		{"no difference", report(500, experiment.Test{Diff: 0.01, Needed: 300, Have: 500}), "评分没有显著差别"},
	} {
		got := verdictZH(c.r)
		if got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
