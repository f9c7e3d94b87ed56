package console

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/experiment"
	"github.com/zhiyi-ai/zhiyi/internal/period"
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
		{"higher", report(40, experiment.Test{Significant: true, Diff: 0.8, P: 0.01, Confirmed: true, SeqLow: 0.1, SeqHigh: 1.5}), "b 的评分显著高于对照组（+0.80，p = 0.0100），随时查看都成立（随时有效区间 +0.10 至 +1.50）"},
		{"lower", report(40, experiment.Test{Significant: true, Diff: -0.5, P: 0.02, Confirmed: true, SeqLow: -0.9, SeqHigh: -0.1}), "b 的评分显著低于对照组（-0.50，p = 0.0200），随时查看都成立（随时有效区间 -0.90 至 -0.10）"},
		{"early", report(40, experiment.Test{Significant: true, Diff: 0.8, P: 0.01, Needed: 175, Have: 40}),
			"b 的评分显著高于对照组（+0.80，p = 0.0100）（评分未达计划样本量：p 值只对事先定好样本量的一次查看成立，提前或反复查看会高估差别；随时有效区间仍包含 0）"},
		// Past the planned size a significant p-value read again and again is no safer: the
		// page said "显著高于" with no caveat, and equal answers got a winner in 17 % of runs.
		{"late", report(900, experiment.Test{Significant: true, Diff: 0.2, P: 0.02, Needed: 660, Have: 900}),
			"b 的评分显著高于对照组（+0.20，p = 0.0200）（未确认：p 值只对达到计划样本量时的那一次查看成立，之后反复查看会高估差别；随时有效区间仍包含 0）"},
		{"confirmed early", report(100, experiment.Test{Significant: true, Diff: 0.8, P: 0.001, Needed: 175, Have: 100, Confirmed: true, SeqLow: 0.35, SeqHigh: 1.25}),
			"b 的评分显著高于对照组（+0.80，p = 0.0010），随时查看都成立（随时有效区间 +0.35 至 +1.25）"},
		{"too few", report(5, experiment.Test{Diff: 0.2, Needed: 120, Effect: 0.3, Have: 5}), "评分暂无显著差别，尚不能判断：b 与对照组中评分较少的一组现有 5 个评分，计划每组 120 个才能分辨 0.30 分的差别"},
		// Have is the smaller side: here the control's 1, not b's 4 ratings.
		{"control has fewer", func() *experiment.Report {
			r := report(4, experiment.Test{Diff: -2.25, Needed: 458, Effect: 0.3, Have: 1})
			r.Variants[0].Rated = 1
			return r
		}(), "评分暂无显著差别，尚不能判断：b 与对照组中评分较少的一组现有 1 个评分，计划每组 458 个才能分辨 0.30 分的差别"},
		{"no difference", report(500, experiment.Test{Diff: 0.01, Needed: 300, Have: 500}), "评分没有显著差别（已达计划样本量）"},
		// A variant stopped at 20 ratings held the page at 尚不能判断 for good.
		{"stopped short", func() *experiment.Report {
			r := report(500, experiment.Test{Diff: 0.01, Needed: 300, Have: 500})
			r.Variants[0].Share, r.Variants[1].Share = 0.5, 0.5
			r.Variants = append(r.Variants, experiment.VariantReport{ID: "c", Rated: 20, Stopped: true,
				VsControl: &experiment.Comparison{Rating: experiment.Test{Diff: -0.1, Needed: 300, Effect: 0.3, Have: 20}}})
			return r
		}(), "评分没有显著差别（已达计划样本量）；未达计划样本量就已停止、不作判断：c 与对照组中评分较少的一组现有 20 个评分，计划每组 300 个才能分辨 0.30 分的差别"},
		{"shares changed", func() *experiment.Report {
			r := report(500, experiment.Test{Diff: 0.01, Needed: 300, Have: 500})
			r.Allocation = &experiment.AllocationChange{Since: time.Date(2026, 11, 8, 0, 0, 0, 0, period.CST), Variant: "b", Before: 0.1, After: 0.9}
			return r
		}(), "评分没有显著差别（已达计划样本量）；注意：2026-11-08 起各版本的分流比例变了（b 10% → 90%），合并不同比例的结果可能误导，请从 2026-11-08 起看"},
	} {
		got := verdictZH(c.r)
		if got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// The 实验 page words every gray verdict in Chinese, with the numbers the English note has.
func TestGrayNoteZH(t *testing.T) {
	since := time.Date(2026, 12, 1, 8, 0, 0, 0, period.CST)
	rated := experiment.GrayStatus{Mean: 4.5, Rated: 150, ControlMean: 4, ControlRated: 150,
		Basis: experiment.GrayBasisSuggested, Since: since, Level: 0.95, Low: 0.35, High: 0.65, Margin: 0.3, MinRated: 30}
	with := func(r experiment.GrayReason) experiment.GrayStatus { g := rated; g.Reason = r; return g }
	for _, c := range []struct {
		g    experiment.GrayStatus
		want string
	}{
		{experiment.GrayStatus{}, ""},
		{experiment.GrayStatus{Reason: experiment.GrayInPeriod, Until: since.Add(72 * time.Hour)}, "灰度到 2026-12-04 08:00（北京时间）：只推荐给客服，不自动发送"},
		{with(experiment.GrayRatedReleased), "已放量：平均评分 4.50（150 个）对对照组 4.00（150 个），比较的是 2026-12-01 08:00 起推荐给客服的答案；差值的 95% 随时有效下界 +0.35 不低于 -0.30"},
		{with(experiment.GrayAwaitingRatings), "灰度：灰度期已过，等待评分（hurry.b 有 150 个，需 30 个；对照组有 150 个，需 30 个，比较的是 2026-12-01 08:00 起推荐给客服的答案）"},
		{func() experiment.GrayStatus {
			g := with(experiment.GrayMayBeWorse)
			g.Basis, g.ControlSuggested, g.Low = experiment.GrayBasisAll, 12, -0.5
			return g
		}(), "灰度：平均评分 4.50（150 个）对对照组 4.00（150 个），比较的是 2026-12-01 08:00 起的全部答案：对照组推荐给客服并有评分的只有 12 个，不足 30 个，所以也计入了它自动发送的答案，这对经客服把关的灰度答案有利；差值的 95% 随时有效下界 -0.50 低于 -0.30，可能更差"},
	} {
		if got := grayNoteZH(c.g, "hurry.b"); got != c.want {
			t.Errorf("reason %d: %q, want %q", c.g.Reason, got, c.want)
		}
	}
	// Every reason has its Chinese wording, as it has its English one.
	for r := experiment.GrayFileReleased; r <= experiment.GrayMayBeWorse; r++ {
		g := with(r)
		if zh, en := grayNoteZH(g, "hurry.b"), g.Note("hurry.b"); zh == "" || en == "" {
			t.Errorf("reason %d: Chinese %q, English %q", r, zh, en)
		}
	}
}

// A mean rating's interval stays on the 1-to-5 scale: four ratings of 2, 5, 5, 3 have a t
// interval of [0.74, 6.76], shown as [1.00, 5.00].
func TestExperimentsRatingIntervalOnTheScale(t *testing.T) {
	e := newEnv(t, envOpt{})
	rep := experiment.Report{Experiment: "size_advice", Control: "size_advice.a", Variants: []experiment.VariantReport{
		{ID: "size_advice.a", Control: true, Served: 8, Rated: 4, Rating: experiment.Mean{N: 4, Mean: 3.75, Low: 0.74, High: 6.76}},
	}}
	w := httptest.NewRecorder()
	e.c.render(w, httptest.NewRequest("GET", "/console/experiments", nil), nil, http.StatusOK, "experiments", "实验",
		experimentsData{Results: true, Experiments: []experimentView{{Report: rep}}})
	body := w.Body.String()
	if !strings.Contains(body, "3.75 [1.00, 5.00]") || strings.Contains(body, "6.76") || strings.Contains(body, "0.74") {
		t.Errorf("the rating interval is not bounded to 1–5:\n%s", body)
	}
}
