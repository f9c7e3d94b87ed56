package train

import (
	"context"
	"fmt"
	"io"
	"sort"

	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/stat"
)

// Labelled is a message with its gold intent, for evaluation.
type Labelled struct {
	Text   string // raw; only its masked form ever reaches a report
	Intent string
}

// Report is an evaluation of a model on labelled data: the numbers an operator trusts, and the
// mistakes to fix first.
type Report struct {
	Model    string  `json:"model"`
	Data     string  `json:"data"`
	Count    int     `json:"count"`
	Accuracy float64 `json:"accuracy"`
	// MacroF1 is the mean F1 over the intents the data has (support > 0), as the drift suite
	// scores every system; an intent only predicted is left out of the mean (scikit-learn's
	// default would count it with F1 0), but its wrong predictions still lower the recall of
	// the intents they were taken from. PerIntent lists it.
	MacroF1    float64         `json:"macro_f1"`
	PerIntent  []IntentMetrics `json:"per_intent"`
	Confusions []Confusion     `json:"confusions"`
	OutOfScope ClassMetrics    `json:"out_of_scope"`
	// Auto: the share of messages answered automatically and how often those answers were right.
	AutoCoverage  float64        `json:"auto_coverage"`
	AutoPrecision float64        `json:"auto_precision"`
	Routes        map[string]int `json:"routes"`
	// Curve is coverage against precision of the in-scope answers as the auto threshold moves:
	// where a shop can choose how much to answer alone.
	Curve []CurvePoint `json:"curve,omitempty"`
	// Matrix is the confusion matrix over Labels: Matrix[gold][predicted].
	Labels []string `json:"labels"`
	Matrix [][]int  `json:"matrix"`
}

// CurvePoint is one threshold of Report.Curve: the share of all messages answered in scope at or
// above it (Coverage), and how many of those answers were right.
type CurvePoint struct {
	Threshold float64 `json:"threshold"`
	Coverage  float64 `json:"coverage"`
	Precision float64 `json:"precision"`
}

// curveThresholds are the confidences Report.Curve is drawn at.
var curveThresholds = []float64{0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995}

// coverageCurve computes Report.Curve from results scored against data. A threshold can only
// answer what the policy lets a threshold decide: out-of-scope predictions and intents kb hands
// to a person (kb.yaml's handoff) are never answered alone, whatever their confidence, so they
// are left out of every point (counted in the whole, as the automatic share counts them). A
// result's confidence is the one its route was decided on (Debug.Confidence, exact, without a
// conversation's topic bonus) when it has one, else the rounded one it shows.
func coverageCurve(data []Labelled, results []intent.Result, kb *index.KB) []CurvePoint {
	if len(data) == 0 {
		return nil
	}
	out := make([]CurvePoint, 0, len(curveThresholds))
	for _, t := range curveThresholds {
		n, right := 0, 0
		for i, res := range results {
			if res.Intent == intent.NoneIntent || handedOff(kb, res.Intent) || routeConfidence(res) < t {
				continue
			}
			n++
			if res.Intent == data[i].Intent {
				right++
			}
		}
		p := CurvePoint{Threshold: t, Coverage: float64(n) / float64(len(data))}
		if n > 0 {
			p.Precision = float64(right) / float64(n)
		}
		out = append(out, p)
	}
	return out
}

// handedOff reports whether kb, when there is one, marks the intent as always handled by a person.
func handedOff(kb *index.KB, id string) bool {
	if kb == nil {
		return false
	}
	it, ok := kb.Intent(id)
	return ok && it.Handoff
}

// routeConfidence is the confidence res's route was decided on: Debug's exact one when the
// result carries it, else the displayed one.
func routeConfidence(res intent.Result) float64 {
	if res.Debug != nil {
		return res.Debug.Confidence
	}
	return res.Confidence
}

// ClassMetrics are precision, recall and F1 of one class.
type ClassMetrics struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"`
}

// IntentMetrics are one intent's metrics.
type IntentMetrics struct {
	Intent string `json:"intent"`
	Label  string `json:"label,omitempty"`
	ClassMetrics
}

// Confusion is a frequent mistake, with examples (masked text).
type Confusion struct {
	Gold      string   `json:"gold"`
	Predicted string   `json:"predicted"`
	Count     int      `json:"count"`
	Examples  []string `json:"examples"`
}

// Metrics returns the headline numbers, for the manifest and --json.
func (r *Report) Metrics() map[string]float64 {
	return map[string]float64{
		"accuracy": r.Accuracy, "macro_f1": r.MacroF1,
		"oos_precision": r.OutOfScope.Precision, "oos_recall": r.OutOfScope.Recall,
		"auto_coverage": r.AutoCoverage, "auto_precision": r.AutoPrecision, "count": float64(r.Count),
	}
}

// Summary is the report's headline as one line, what zhiyi eval prints: a precision with nothing
// to measure (no automatic answer, no message predicted out of scope) and a recall with no
// message to find (none out of scope in the data) read "–", not 0, which would say the model
// missed them all.
func (r *Report) Summary() string {
	return fmt.Sprintf("accuracy %.4f  macro-F1 %.4f  auto %s%% (precision %s)  out-of-scope P %s R %s  n=%d",
		r.Accuracy, r.MacroF1, stat.PercentText(r.AutoCoverage, 1), measured(r.AutoPrecision, r.Routes[string(intent.RouteAuto)], "%.4f"),
		measured(r.OutOfScope.Precision, r.OutOfScopePredicted(), "%.3f"), measured(r.OutOfScope.Recall, r.OutOfScope.Support, "%.3f"), r.Count)
}

// OutOfScopePredicted is how many messages the model put out of scope, rightly or not.
func (r *Report) OutOfScopePredicted() int {
	for i, l := range r.Labels {
		if l == intent.NoneIntent {
			return colSum(r.Matrix, i)
		}
	}
	return 0
}

// measured formats v, a share of n things, or "–" when there were none.
func measured(v float64, n int, format string) string {
	if n == 0 {
		return "–"
	}
	return fmt.Sprintf(format, v)
}

// Evaluate classifies every message with the engine and scores the decisions. Progress (a line
// every few thousand messages) goes to progress when it is not nil.
func Evaluate(ctx context.Context, e *intent.Engine, data []Labelled, name string, progress io.Writer) (*Report, error) {
	results := make([]intent.Result, len(data))
	for i, d := range data {
		if i%1000 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if progress != nil && i > 0 {
				fmt.Fprintf(progress, "evaluated %d/%d\n", i, len(data))
			}
		}
		results[i] = e.Classify(ctx, intent.Request{Text: d.Text, Debug: true})
	}
	return buildReport(e.Version(), e.Classifier().Labels(), e.KB(), data, results, name), nil
}

// Score builds the report of results already decided (by a conversation replay, say) for data,
// in the same order.
func Score(e *intent.Engine, data []Labelled, results []intent.Result, name string) *Report {
	return buildReport(e.Version(), e.Classifier().Labels(), e.KB(), data, results, name)
}

// buildReport scores results (with Debug set, for the masked examples) against data's gold
// intents. labels are the model's; kb, when not nil, names them.
func buildReport(model string, labels []string, kb *index.KB, data []Labelled, results []intent.Result, name string) *Report {
	r := &Report{Model: model, Data: name, Count: len(data), Routes: map[string]int{}, Confusions: []Confusion{}}
	labelSet := map[string]bool{}
	for _, l := range labels {
		labelSet[l] = true
	}
	for _, d := range data {
		labelSet[d.Intent] = true
	}
	// A prediction outside the model's labels and the gold ones (a replay's or a caller's
	// result) needs its own column: idx would send it to the first label's, counted there as
	// that intent predicted, right when the gold was that intent.
	for _, res := range results[:min(len(results), len(data))] {
		labelSet[res.Intent] = true
	}
	for l := range labelSet {
		r.Labels = append(r.Labels, l)
	}
	sort.Strings(r.Labels)
	idx := map[string]int{}
	for i, l := range r.Labels {
		idx[l] = i
	}
	r.Matrix = make([][]int, len(r.Labels))
	for i := range r.Matrix {
		r.Matrix[i] = make([]int, len(r.Labels))
	}
	type pair struct{ gold, pred string }
	confusions := map[pair]*Confusion{}
	right, auto, autoRight := 0, 0, 0
	for i, d := range data {
		res := results[i]
		r.Matrix[idx[d.Intent]][idx[res.Intent]]++
		r.Routes[string(res.Route)]++
		ok := res.Intent == d.Intent
		if ok {
			right++
		} else {
			p := pair{d.Intent, res.Intent}
			c := confusions[p]
			if c == nil {
				c = &Confusion{Gold: d.Intent, Predicted: res.Intent}
				confusions[p] = c
			}
			c.Count++
			if len(c.Examples) < 3 && res.Debug != nil {
				c.Examples = append(c.Examples, res.Debug.Text) // masked, never the raw text
			}
		}
		if res.Route == intent.RouteAuto {
			auto++
			if ok {
				autoRight++
			}
		}
	}
	if len(data) > 0 {
		r.Accuracy = float64(right) / float64(len(data))
		r.AutoCoverage = float64(auto) / float64(len(data))
	}
	if auto > 0 {
		r.AutoPrecision = float64(autoRight) / float64(auto)
	}
	r.Curve = coverageCurve(data, results, kb)
	f1sum, f1n := 0.0, 0
	for i, l := range r.Labels {
		m := classMetrics(r.Matrix, i)
		if l == intent.NoneIntent {
			r.OutOfScope = m
		}
		if m.Support == 0 && colSum(r.Matrix, i) == 0 {
			continue
		}
		im := IntentMetrics{Intent: l, ClassMetrics: m}
		if kb != nil {
			if it, ok := kb.Intent(l); ok {
				im.Label = it.Label
			}
		}
		if l == intent.NoneIntent {
			im.Label = "超出范围 (out of scope)"
		}
		r.PerIntent = append(r.PerIntent, im)
		if m.Support > 0 {
			f1sum += m.F1
			f1n++
		}
	}
	if f1n > 0 {
		r.MacroF1 = f1sum / float64(f1n)
	}
	for _, c := range confusions {
		r.Confusions = append(r.Confusions, *c)
	}
	sort.Slice(r.Confusions, func(i, j int) bool {
		a, b := r.Confusions[i], r.Confusions[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		if a.Gold != b.Gold {
			return a.Gold < b.Gold
		}
		return a.Predicted < b.Predicted
	})
	if len(r.Confusions) > 20 {
		r.Confusions = r.Confusions[:20]
	}
	return r
}

func colSum(m [][]int, j int) int {
	s := 0
	for i := range m {
		s += m[i][j]
	}
	return s
}

func classMetrics(m [][]int, i int) ClassMetrics {
	tp := m[i][i]
	support := 0
	for _, v := range m[i] {
		support += v
	}
	predicted := colSum(m, i)
	c := ClassMetrics{Support: support}
	if predicted > 0 {
		c.Precision = float64(tp) / float64(predicted)
	}
	if support > 0 {
		c.Recall = float64(tp) / float64(support)
	}
	if c.Precision+c.Recall > 0 {
		c.F1 = 2 * c.Precision * c.Recall / (c.Precision + c.Recall)
	}
	return c
}
