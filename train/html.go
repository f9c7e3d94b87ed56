package train

import (
	"cmp"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/zhiyi-ai/zhiyi/internal/stat"
)

// WriteHTML renders the report as one self-contained page (no scripts, no external files): the
// headline numbers, per-intent F1 bars, the confusion matrix as a heatmap, and the mistakes to
// fix first with masked examples.
func (r *Report) WriteHTML(w io.Writer) error {
	return reportPage.Execute(w, r)
}

var reportPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"pct":          pct,
	"f3":           func(v float64) string { return fmt.Sprintf("%.3f", v) },
	"curve":        curveSVG,
	"weakestFirst": weakestFirst,
	"width": func(v float64) string {
		return fmt.Sprintf("%.1f", 100*math.Max(0, math.Min(1, v)))
	},
	// heat shades a cell by its share of the gold row: correct cells green, errors red.
	"heat": func(m [][]int, i, j int) template.CSS {
		row := 0
		for _, v := range m[i] {
			row += v
		}
		if row == 0 || m[i][j] == 0 {
			return ""
		}
		a := 0.15 + 0.85*float64(m[i][j])/float64(row)
		if i == j {
			return template.CSS(fmt.Sprintf("background:rgba(34,139,34,%.2f)", a))
		}
		return template.CSS(fmt.Sprintf("background:rgba(220,20,60,%.2f)", a))
	},
}).Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>zhiyi evaluation — {{.Model}}</title>
<style>
body{font:14px/1.5 system-ui,"PingFang SC","Noto Sans CJK SC",sans-serif;margin:2em;color:#222}
h1{font-size:20px}h2{font-size:16px;margin-top:2em}
.cards{display:flex;gap:1em;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:6px;padding:.6em 1em;min-width:9em}
.card b{display:block;font-size:22px}
table{border-collapse:collapse}td,th{padding:2px 6px;border:1px solid #eee;text-align:right}
th{background:#fafafa}td.l,th.l{text-align:left}
.bar{background:#4682b4;height:12px}.barbox{width:240px;background:#f0f0f0}
.matrix td{min-width:18px;font-size:11px;text-align:center}.matrix th{font-size:11px}
.vert{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap}
</style></head><body>
<h1>zhiyi evaluation</h1>
<p>Model <code>{{.Model}}</code> on <code>{{.Data}}</code>: {{.Count}} messages.</p>
<div class="cards">
<div class="card">Accuracy<b>{{pct .Accuracy}}</b></div>
<div class="card">Macro-F1<b>{{f3 .MacroF1}}</b></div>
<div class="card">Answered automatically<b>{{pct .AutoCoverage}}</b>precision {{if index .Routes "auto"}}{{pct .AutoPrecision}}{{else}}–{{end}}</div>
<div class="card">Out of scope<b>P {{if .OutOfScopePredicted}}{{pct .OutOfScope.Precision}}{{else}}–{{end}}</b>R {{if .OutOfScope.Support}}{{pct .OutOfScope.Recall}}{{else}}–{{end}} ({{.OutOfScope.Support}})</div>
</div>
{{with .Curve}}<h2>Coverage and precision by threshold</h2>
<p>Share of all messages a single confidence threshold would answer alone at or above it (neither out of scope nor an intent kb.yaml hands to a person), and the precision of those answers. The red point is the route as served, with the per-intent thresholds, so it need not lie on the line.</p>
{{curve $}}
<table><tr><th>threshold</th>{{range .}}<td>{{f3 .Threshold}}</td>{{end}}</tr>
<tr><th>coverage</th>{{range .}}<td>{{pct .Coverage}}</td>{{end}}</tr>
<tr><th>precision</th>{{range .}}<td>{{pct .Precision}}</td>{{end}}</tr></table>{{end}}
<h2>Routes</h2>
<p>{{range $k, $v := .Routes}}{{$k}}: {{$v}} &nbsp; {{end}}</p>
<h2>错判案例 — most frequent mistakes</h2>
<table><tr><th class="l">gold</th><th class="l">predicted</th><th>count</th><th class="l">examples (masked)</th></tr>
{{range .Confusions}}<tr><td class="l">{{.Gold}}</td><td class="l">{{.Predicted}}</td><td>{{.Count}}</td><td class="l">{{range .Examples}}{{.}}<br>{{end}}</td></tr>
{{else}}<tr><td class="l" colspan="4">none: every message's intent is right</td></tr>
{{end}}</table>
<h2>Per intent — weakest first</h2>
<table><tr><th class="l">intent</th><th class="l">label</th><th>precision</th><th>recall</th><th>F1</th><th>support</th><th class="l">F1</th></tr>
{{range weakestFirst .PerIntent}}<tr><td class="l">{{.Intent}}</td><td class="l">{{.Label}}</td><td>{{f3 .Precision}}</td><td>{{f3 .Recall}}</td><td>{{f3 .F1}}</td><td>{{.Support}}</td>
<td class="l"><div class="barbox"><div class="bar" style="width:{{width .F1}}%"></div></div></td></tr>
{{end}}</table>
<h2>Confusion matrix (rows: gold, columns: predicted)</h2>
{{$m := .Matrix}}{{$v := .MatrixView}}
{{if $v.Left}}<p>{{$v.Left}} intents are left out: {{if $v.Mistakes}}with more than {{$v.Max}} intents in the data, the matrix shows those in a mistake (every message of the others is right, see Per intent){{else}}no message has them, gold or predicted{{end}}; report.json (<code>zhiyi eval --json --full</code>) has the whole matrix.</p>{{end}}
{{with $v.Index}}<table class="matrix"><tr><th></th>{{range .}}<th><span class="vert">{{index $.Labels .}}</span></th>{{end}}</tr>
{{range $i := .}}<tr><th class="l">{{index $.Labels $i}}</th>{{range $j := $v.Index}}<td style="{{heat $m $i $j}}">{{with index (index $m $i) $j}}{{.}}{{end}}</td>{{end}}</tr>
{{end}}</table>{{else}}<p>No messages.</p>{{end}}
</body></html>
`))

// weakestFirst orders the per-intent rows as an operator reads them: the lowest F1 first, the
// busier of two alike first, then by id (report.json keeps the id order tools rely on). A
// shop of 174 intents listed by id hid its three weak ones among 171 good ones.
func weakestFirst(rows []IntentMetrics) []IntentMetrics {
	out := slices.Clone(rows)
	slices.SortStableFunc(out, func(a, b IntentMetrics) int {
		return cmp.Or(cmp.Compare(a.F1, b.F1), cmp.Compare(b.Support, a.Support), cmp.Compare(a.Intent, b.Intent))
	})
	return out
}

// maxMatrixIntents bounds the confusion matrix's rows and columns before it keeps only the
// intents in a mistake: a 174-intent shop's matrix was 30,000 cells, 4,000 px wide, to find a
// handful of red ones.
const maxMatrixIntents = 40

// matrixView is which of the matrix's labels the page shows.
type matrixView struct {
	Index    []int // into Labels and Matrix
	Left     int   // labels left out
	Mistakes bool  // Index holds only the intents in a mistake
	Max      int
}

// MatrixView picks the confusion matrix's rows and columns for the page: the intents the data
// has (as gold or predicted), and of more than maxMatrixIntents those in a mistake.
func (r *Report) MatrixView() matrixView {
	n := len(r.Labels)
	seen, wrong := make([]bool, n), make([]bool, n)
	for i := range min(n, len(r.Matrix)) {
		for j := range min(n, len(r.Matrix[i])) {
			if v := r.Matrix[i][j]; v > 0 {
				seen[i], seen[j] = true, true
				if i != j {
					wrong[i], wrong[j] = true, true
				}
			}
		}
	}
	v := matrixView{Max: maxMatrixIntents}
	for i := range n {
		if seen[i] {
			v.Index = append(v.Index, i)
		}
	}
	if len(v.Index) > maxMatrixIntents {
		v.Index, v.Mistakes = v.Index[:0], true
		for i := range n {
			if wrong[i] {
				v.Index = append(v.Index, i)
			}
		}
	}
	v.Left = n - len(v.Index)
	return v
}

// pct formats a share as a percentage with one decimal: 12.5%, and >99.9% (not 100.0%) for a
// precision of 0.9996 (stat.PercentText).
func pct(v float64) string { return stat.PercentText(v, 1) + "%" }

// curveSVG draws precision against coverage as an inline SVG line chart (no scripts, nothing
// fetched): x is coverage 0–100 %, y precision from just under the lowest point (never below
// 50 %) to 100 %, with the served operating point (Report.AutoCoverage, AutoPrecision) marked.
func curveSVG(r *Report) template.HTML {
	const w, h, pad, left = 380.0, 220.0, 30.0, 40.0
	lo := 1.0
	for _, p := range r.Curve {
		if p.Coverage > 0 {
			lo = math.Min(lo, p.Precision)
		}
	}
	if r.AutoCoverage > 0 {
		lo = math.Min(lo, r.AutoPrecision)
	}
	lo = math.Max(0.5, math.Floor(lo*20-0.5)/20) // a 5 % step below the lowest point
	if lo >= 1 {
		lo = 0.95
	}
	x := func(c float64) float64 { return left + c*(w-left-pad) }
	y := func(p float64) float64 { return h - pad - math.Max(0, (p-lo)/(1-lo))*(h-2*pad) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" role="img" aria-label="precision against coverage">`, w, h, w, h)
	fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="%.0f" height="%.0f" fill="none" stroke="#ccc"/>`, left, pad, w-left-pad, h-2*pad)
	step := 0.05
	if 1-lo > 0.3 {
		step = 0.1
	}
	for g := 1.0; g >= lo-1e-9; g -= step {
		fmt.Fprintf(&b, `<line x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" stroke="#eee"/><text x="4" y="%.1f" font-size="10">%.0f%%</text>`,
			left, w-pad, y(g), y(g), y(g)+3, 100*g)
	}
	for _, c := range []float64{0, 0.25, 0.5, 0.75, 1} {
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.0f" y2="%.0f" stroke="#eee"/><text x="%.1f" y="%.0f" font-size="10">%.0f%%</text>`,
			x(c), x(c), pad, h-pad, x(c)-8, h-pad+12, 100*c)
	}
	b.WriteString(`<polyline fill="none" stroke="#4682b4" stroke-width="2" points="`)
	for _, p := range r.Curve {
		if p.Coverage > 0 {
			fmt.Fprintf(&b, "%.1f,%.1f ", x(p.Coverage), y(p.Precision))
		}
	}
	b.WriteString(`"/>`)
	for _, p := range r.Curve {
		if p.Coverage > 0 {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="#4682b4"><title>≥ %.3f: %s answered, %s right</title></circle>`,
				x(p.Coverage), y(p.Precision), p.Threshold, template.HTMLEscapeString(pct(p.Coverage)), template.HTMLEscapeString(pct(p.Precision)))
		}
	}
	if r.AutoCoverage > 0 {
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="4" fill="#c0392b"><title>served: %s answered automatically, %s right</title></circle>`,
			x(r.AutoCoverage), y(r.AutoPrecision), template.HTMLEscapeString(pct(r.AutoCoverage)), template.HTMLEscapeString(pct(r.AutoPrecision)))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="10" fill="#c0392b">served</text>`, x(r.AutoCoverage)+6, y(r.AutoPrecision)+12)
	}
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="10">coverage →</text><text x="4" y="%.0f" font-size="10">precision</text></svg>`, w/2-10, h-2, pad-8)
	return template.HTML(b.String())
}
