package train

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
)

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

// The report's chart spans the curve's own range (not 50–100 % for points all above 94 %),
// labels both axes and marks the operating point as served.
func TestReportHTMLCurve(t *testing.T) {
	r := &Report{Model: "shop@x", Data: "holdout", Count: 600, Accuracy: 0.95, AutoCoverage: 0.623, AutoPrecision: 0.984,
		Curve: []CurvePoint{{0, 0.98, 0.951}, {0.5, 0.90, 0.962}, {0.8, 0.715, 0.978}, {0.95, 0.55, 0.991}}}
	var b strings.Builder
	if err := r.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{">95%<", ">100%<", ">25%<", ">75%<", "served: 62.3% answered automatically, 98.4% right"} {
		if !strings.Contains(page, want) {
			t.Errorf("the report's chart lacks %q", want)
		}
	}
	if strings.Contains(page, ">60%<") {
		t.Error("the chart's precision axis starts at 60 % for points all above 95 %")
	}
}

// The page lists intents weakest first, so a large shop's few weak ones come first; the JSON
// keeps its order.
func TestReportHTMLWeakestFirst(t *testing.T) {
	r := &Report{Model: "shop@x", Data: "holdout", Count: 30, PerIntent: []IntentMetrics{
		{Intent: "a_good", ClassMetrics: ClassMetrics{F1: 0.98, Support: 10}},
		{Intent: "b_weak", ClassMetrics: ClassMetrics{F1: 0.41, Support: 5}},
		{Intent: "c_middle", ClassMetrics: ClassMetrics{F1: 0.80, Support: 3}},
		{Intent: "d_middle_busier", ClassMetrics: ClassMetrics{F1: 0.80, Support: 12}},
	}}
	var b strings.Builder
	if err := r.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	at := func(s string) int { return strings.Index(page, ">"+s+"<") }
	order := []string{"b_weak", "d_middle_busier", "c_middle", "a_good"}
	for i := 1; i < len(order); i++ {
		if at(order[i-1]) < 0 || at(order[i]) < at(order[i-1]) {
			t.Errorf("%s listed before %s (want weakest first, busier first among equals)", order[i], order[i-1])
		}
	}
	if r.PerIntent[0].Intent != "a_good" {
		t.Errorf("rendering reordered the report's own rows: %s first", r.PerIntent[0].Intent)
	}
}
