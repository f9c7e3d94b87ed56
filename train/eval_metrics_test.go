package train

import (
	"fmt"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/intent"
)

// reportOf builds a report from gold/predicted pairs as buildReport sees them (no engine).
func reportOf(labels []string, pairs ...[2]string) *Report {
	data := make([]Labelled, len(pairs))
	results := make([]intent.Result, len(pairs))
	for i, p := range pairs {
		data[i] = Labelled{Text: fmt.Sprint(i), Intent: p[0]}
		results[i] = intent.Result{Intent: p[1], Confidence: 0.9, Route: intent.RouteAuto}
	}
	return buildReport("m", labels, nil, data, results, "t")
}

// The confusions were ordered by count, then by gold and predicted glued together: ("a",
// "bc") and ("ab", "c") both read "abc", so their order — and which of them the top 20 kept —
// followed the map's random iteration, run to run. Ties now go by gold, then predicted.
func TestConfusionOrderIsDeterministic(t *testing.T) {
	labels := []string{"a", "ab", "bc", "c"}
	for run := range 30 {
		r := reportOf(labels, [2]string{"ab", "c"}, [2]string{"a", "bc"}, [2]string{"c", "a"}, [2]string{"c", "a"})
		var got []string
		for _, c := range r.Confusions {
			got = append(got, fmt.Sprintf("%s>%s:%d", c.Gold, c.Predicted, c.Count))
		}
		if want := "c>a:2 a>bc:1 ab>c:1"; strings.Join(got, " ") != want {
			t.Fatalf("run %d: confusions %s, want %s", run, strings.Join(got, " "), want)
		}
	}
}

// A prediction that is neither one of the model's labels nor a gold intent had no column of
// its own: the matrix counted it in the first label's, so a message of that intent predicted
// as something else counted as right in the per-intent table (recall 1 beside accuracy 0).
func TestPredictionOutsideTheLabels(t *testing.T) {
	r := reportOf([]string{"a", "b"}, [2]string{"a", "x"}, [2]string{"b", "b"})
	if r.Accuracy != 0.5 {
		t.Fatalf("accuracy %v, want 0.5", r.Accuracy)
	}
	rows := map[string]IntentMetrics{}
	for _, m := range r.PerIntent {
		rows[m.Intent] = m
	}
	if a := rows["a"]; a.Recall != 0 || a.Precision != 0 || a.Support != 1 {
		t.Errorf("a: %+v, want recall 0 (its one message was predicted x)", a)
	}
	if x, ok := rows["x"]; !ok || x.Support != 0 || x.Precision != 0 {
		t.Errorf("x: %+v (listed %v), want a row with precision 0 and no support", x, ok)
	}
	// macro-F1 is over the gold intents a (F1 0) and b (F1 1)
	if r.MacroF1 != 0.5 {
		t.Errorf("macro-F1 %v, want 0.5", r.MacroF1)
	}
	total := 0
	for _, row := range r.Matrix {
		for _, v := range row {
			total += v
		}
	}
	if total != 2 {
		t.Errorf("the matrix holds %d messages, want 2", total)
	}
}

// Metrics by hand on a small set, every headline number: two intents and none, one intent
// absent from the gold (predicted only), one message handed off.
func TestReportNumbersByHand(t *testing.T) {
	data := []Labelled{{"1", "a"}, {"2", "a"}, {"3", "a"}, {"4", "b"}, {"5", intent.NoneIntent}, {"6", intent.NoneIntent}}
	res := []intent.Result{
		{Intent: "a", Confidence: 0.99, Route: intent.RouteAuto},
		{Intent: "a", Confidence: 0.6, Route: intent.RouteSuggest},
		{Intent: "c", Confidence: 0.95, Route: intent.RouteAuto}, // c: no gold message
		{Intent: "b", Confidence: 0.97, Route: intent.RouteAuto},
		{Intent: intent.NoneIntent, Confidence: 0.9, Route: intent.RouteHandoff},
		{Intent: "a", Confidence: 0.3, Route: intent.RouteHandoff},
	}
	r := buildReport("m", []string{"a", "b", "c", intent.NoneIntent}, nil, data, res, "t")
	near := func(a, b float64) bool { return a-b < 1e-12 && b-a < 1e-12 }
	// a: P 2/3 R 2/3 F1 2/3; b: 1 1 1; none: P 1 R 1/2 F1 2/3; c: P 0, no support (out of the mean)
	for name, got := range map[string][2]float64{
		"accuracy":      {r.Accuracy, 4.0 / 6},
		"macro-F1":      {r.MacroF1, (2.0/3 + 1 + 2.0/3) / 3},
		"auto coverage": {r.AutoCoverage, 3.0 / 6},
		"auto prec.":    {r.AutoPrecision, 2.0 / 3},
		"oos precision": {r.OutOfScope.Precision, 1},
		"oos recall":    {r.OutOfScope.Recall, 0.5},
	} {
		if !near(got[0], got[1]) {
			t.Errorf("%s = %v, want %v", name, got[0], got[1])
		}
	}
	// the curve: in-scope answers at or above each threshold, over all six messages
	for _, p := range r.Curve {
		var n, right float64
		switch {
		case p.Threshold <= 0.3:
			n, right = 5, 3
		case p.Threshold <= 0.6:
			n, right = 4, 3
		case p.Threshold <= 0.95:
			n, right = 3, 2
		case p.Threshold <= 0.97:
			n, right = 2, 2
		case p.Threshold <= 0.99:
			n, right = 1, 1
		}
		wantP := 0.0
		if n > 0 {
			wantP = right / n
		}
		if !near(p.Coverage, n/6) || !near(p.Precision, wantP) {
			t.Errorf("curve at %v: %v / %v, want %v / %v", p.Threshold, p.Coverage, p.Precision, n/6, wantP)
		}
	}
	if len(r.PerIntent) != 4 {
		t.Errorf("%d per-intent rows, want a, b, c and none", len(r.PerIntent))
	}
	empty := buildReport("m", []string{"a"}, nil, nil, nil, "t")
	if empty.Accuracy != 0 || empty.MacroF1 != 0 || empty.AutoPrecision != 0 || empty.Curve != nil {
		t.Errorf("an empty set: %+v", empty)
	}
}

// A share strictly between 0 and 1 never shows as 100.0 % or 0.0 %: a precision of 0.9996
// (one wrong answer in 2,500) read "100.0%" in the report's cards, table and tooltips.
func TestReportHTMLNeverRoundsToCertainty(t *testing.T) {
	r := &Report{Model: "m", Data: "d", Count: 2500, Accuracy: 0.9996, AutoCoverage: 0.6, AutoPrecision: 0.9996,
		Routes:     map[string]int{"auto": 1500},
		OutOfScope: ClassMetrics{Precision: 1, Recall: 0.0004, Support: 2500},
		Labels:     []string{"a", intent.NoneIntent}, Matrix: [][]int{{0, 0}, {2499, 1}},
		Curve: []CurvePoint{{0.5, 0.7, 0.9996}, {0.9, 0.0004, 1}}}
	var b strings.Builder
	if err := r.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if n := strings.Count(page, "100.0%"); n != 3 { // exactly 1: the out-of-scope precision, the last curve point (table, tooltip)
		t.Errorf("the page shows 100.0%% %d times, want 3 (the shares that are exactly 1)", n)
	}
	for _, want := range []string{"Accuracy<b>&gt;99.9%", "precision &gt;99.9%", "R &lt;0.1%", "right</title>", "served: 60.0% answered automatically, &gt;99.9% right"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

// The curve's coverage is what a threshold would answer alone. It counted the intents kb.yaml
// hands to a person, which no threshold answers (7.7 points of the sample shop's holdout at
// 0.7: 75.2 % against 63.5 % served), and a conversation's message by its displayed confidence,
// topic bonus included, where its route goes by the exact one without it. At the policy's auto
// threshold, with no per-intent bars, the curve now meets the automatic share served.
func TestCurveCountsWhatAThresholdAnswers(t *testing.T) {
	kb, err := index.ParseKB([]byte(`shop: 测试店
version: 1
intents:
  - id: return_goods
    label: 退货
    category: 咨询
    priority: 2
    examples: [我想退货]
    answers:
      - {id: return_goods.a, text: 亲，订单详情里申请退货。}
  - id: quality_complaint
    label: 质量投诉
    category: 投诉
    priority: 1
    handoff: true
    examples: [衣服开线了]
    answers:
      - {id: quality_complaint.a, text: 亲，马上为您转人工。}
`), "kb.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := intent.Policy{Auto: 0.8, Suggest: 0.2}
	decide := func(id string, exact, shown float64) intent.Result {
		r := intent.Result{Intent: id, Confidence: shown, Debug: &intent.Debug{Confidence: exact}}
		it, ok := kb.Intent(id)
		r.Route, r.Reason = p.Decide(id, exact, ok && it.Handoff)
		return r
	}
	data := []Labelled{{"1", "return_goods"}, {"2", "return_goods"}, {"3", "quality_complaint"}, {"4", "return_goods"}, {"5", intent.NoneIntent}}
	res := []intent.Result{
		decide("return_goods", 0.95, 0.95),
		decide("return_goods", 0.7, 0.9), // a follow-up: the topic's bonus shows 0.9, the route went by 0.7
		decide("quality_complaint", 0.99, 0.99),
		decide("return_goods", 0.85, 0.85),
		decide(intent.NoneIntent, 0.9, 0.9),
	}
	r := buildReport("m", []string{"return_goods", "quality_complaint", intent.NoneIntent}, kb, data, res, "t")
	if r.AutoCoverage != 0.4 {
		t.Fatalf("auto coverage %v, want 0.4 (two of five)", r.AutoCoverage)
	}
	for _, c := range r.Curve {
		if c.Threshold == p.Auto && c.Coverage != r.AutoCoverage {
			t.Errorf("curve at the auto threshold %v: coverage %v, want the automatic share %v", p.Auto, c.Coverage, r.AutoCoverage)
		}
		if c.Threshold == 0 && c.Coverage != 0.6 {
			t.Errorf("curve at 0: coverage %v, want 0.6 (the three return_goods answers; not the handoff intent, not none)", c.Coverage)
		}
	}
}

// train's dev line said "out-of-scope P 0.000 R 0.000" for a dev split without an out-of-scope
// message (a 174-intent shop's 76 labelled dev messages), where zhiyi eval says "–".
func TestDevLineWithNothingToMeasure(t *testing.T) {
	r := reportOf([]string{"a", "b"}, [2]string{"a", "a"}, [2]string{"b", "a"})
	if got, want := devLine(r, 0.5), "dev: accuracy 0.5000 (without retrieval 0.5000), macro-F1 0.3333, auto 100.0% at precision 0.5000, out-of-scope P – R –"; got != want {
		t.Errorf("dev line %q, want %q", got, want)
	}
	r = reportOf([]string{"a", intent.NoneIntent}, [2]string{"a", intent.NoneIntent}, [2]string{intent.NoneIntent, intent.NoneIntent})
	if got := devLine(r, 1); !strings.HasSuffix(got, "out-of-scope P 0.500 R 1.000") {
		t.Errorf("dev line %q, want out-of-scope P 0.500 R 1.000", got)
	}
}

// A set with no out-of-scope message, scored by a model that never says none (a public data
// set's, say), printed "out-of-scope P 0.000 R 0.000" and "P 0.0% R 0.0%" in the report: as if
// every out-of-scope message had been missed. A share with nothing to measure reads "–".
func TestSummaryWithNothingToMeasure(t *testing.T) {
	r := reportOf([]string{"a", "b"}, [2]string{"a", "a"}, [2]string{"b", "a"})
	if got, want := r.Summary(), "accuracy 0.5000  macro-F1 0.3333  auto 100.0% (precision 0.5000)  out-of-scope P – R –  n=2"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	var b strings.Builder
	if err := r.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	if page := b.String(); !strings.Contains(page, "Out of scope<b>P –</b>R – (0)") {
		t.Errorf("the report's out-of-scope card does not say – for what it cannot measure:\n%s", page[:min(len(page), 3000)])
	}
	// none predicted once, wrongly: precision 0 is measured, recall is not
	r = reportOf([]string{"a", intent.NoneIntent}, [2]string{"a", intent.NoneIntent}, [2]string{"a", "a"})
	if got := r.Summary(); !strings.Contains(got, "out-of-scope P 0.000 R –") {
		t.Errorf("summary %q, want out-of-scope P 0.000 R –", got)
	}
	// no automatic answer: its precision is not 0
	data := []Labelled{{"1", "a"}}
	r = buildReport("m", []string{"a"}, nil, data, []intent.Result{{Intent: "a", Confidence: 0.5, Route: intent.RouteSuggest}}, "t")
	if got := r.Summary(); !strings.Contains(got, "auto 0.0% (precision –)") {
		t.Errorf("summary %q, want auto 0.0%% (precision –)", got)
	}
}

// A 174-intent shop's report drew a 174 × 174 confusion matrix, 30,000 cells for a few mistakes.
// Past maxMatrixIntents intents with data it keeps the intents in a mistake and says so; intents
// without a message, gold or predicted, are never rows.
func TestReportMatrixOfManyIntents(t *testing.T) {
	var labels []string
	var pairs [][2]string
	for i := range 60 {
		id := fmt.Sprintf("i%02d", i)
		labels = append(labels, id)
		pairs = append(pairs, [2]string{id, id})
	}
	labels = append(labels, "unused")
	pairs = append(pairs, [2]string{"i03", "i07"})
	page := func(r *Report) string {
		var b strings.Builder
		if err := r.WriteHTML(&b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	body := page(reportOf(labels, pairs...))
	if n := strings.Count(body, `<span class="vert">`); n != 2 {
		t.Errorf("the matrix has %d columns, want 2 (i03 and i07, the intents in a mistake)", n)
	}
	if !strings.Contains(body, "59 intents are left out") {
		t.Errorf("the page does not say which intents the matrix leaves out")
	}
	// few intents: every one with a message, none without
	body = page(reportOf([]string{"a", "b", "unused"}, [2]string{"a", "a"}, [2]string{"b", "b"}))
	if n := strings.Count(body, `<span class="vert">`); n != 2 {
		t.Errorf("the matrix has %d columns, want 2 (a and b)", n)
	}
	if !strings.Contains(body, "none: every message") {
		t.Errorf("an empty 错判案例 table does not say there was no mistake")
	}
}
