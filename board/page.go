package board

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/zhiyi-ai/zhiyi/store"
)

// Charts are the board's charts, drawn: what the page shows and the console's 看板 embeds.
type Charts struct {
	Volume   template.HTML // 消息量: stacked columns, answered / suggested / handed off / silent
	Rates    template.HTML // 解决率, 转人工率, 未识别率, 重述率 over time
	Rating   template.HTML // 满意度 (mean rating, 1–5) and the bad-rating share over time
	Latency  template.HTML // latency p50 and p99 over time
	Hours    template.HTML // volume by hour of the day, unrecognised stacked in red
	ByIntent template.HTML // messages by intent, 未识别 in red
}

// MaxIntentBars bounds the intent bar chart; the tables list every intent.
const MaxIntentBars = 25

// Size is what a board's charts are drawn at: Width, Text and Plain as in Chart (zero: 640
// units wide, with 10-unit axis labels and tooltips). Bar charts narrower than 480 units are
// Stacked.
type Size struct {
	Width int
	Text  float64
	Plain bool
}

// Phone is the size the console draws charts at for a phone: 340 units wide with 12-unit text,
// Plain. A 390 px phone's chart box is about 356 px wide, so a unit is about a CSS pixel and
// the smallest text is 12 px on the screen (11.5 on a 360 px phone), where the 640-unit chart's
// 10-unit labels came out at 5.6 px.
var Phone = Size{Width: 340, Text: 12, Plain: true}

// Charts draws the board's charts at the default size.
func (b *Board) Charts() Charts { return b.ChartsAt(Size{}) }

// ChartsAt draws the board's charts at a size.
func (b *Board) ChartsAt(z Size) Charts {
	n := len(b.Series)
	labels := make([]string, n)
	auto, suggest, handoff, silent := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	resolved, handoffR, unrec, repeat := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	mean, bad := make([]float64, n), make([]float64, n)
	p50, p99 := make([]float64, n), make([]float64, n)
	layout := "01-02 15时"
	if b.Bucket != "hour" {
		layout = "01-02 周"
	}
	for i, s := range b.Series {
		labels[i] = seriesLabel(s.Start, layout)
		// A message a rule kept silent got no answer: it is not an automatic reply.
		auto[i] = float64(s.Messages - s.Handoffs - s.Suggested - s.Silent)
		suggest[i], handoff[i], silent[i] = float64(s.Suggested), float64(s.Handoffs), float64(s.Silent)
		resolved[i] = rate(s.Resolved, s.ResolvedKnown)
		handoffR[i] = rate(s.Handoffs, s.Messages)
		unrec[i] = rate(s.Unrecognised, s.Messages)
		repeat[i] = rate(s.Repeats, s.Messages)
		mean[i] = given(s.Ratings, s.MeanRating)
		bad[i] = rate(s.BadRatings, s.Ratings)
		p50[i], p99[i] = given(s.Messages, float64(s.LatencyP50)), given(s.Messages, float64(s.LatencyP99))
	}
	var c Charts
	volume := []Series{
		{Name: "自动回复 auto", Color: ColorVolume, Values: auto},
		{Name: "推荐 suggest", Color: ColorSuggest, Values: suggest},
		{Name: "转人工 handoff", Color: ColorHandoff, Values: handoff}}
	if b.Silent > 0 {
		volume = append(volume, Series{Name: "静默 silent", Color: ColorMuted, Values: silent})
	}
	c.Volume = ColumnChart(Chart{Title: "消息量 messages", Labels: labels, Width: z.Width, Text: z.Text, Plain: z.Plain, Series: volume})
	c.Rates = LineChart(Chart{Title: "解决率 · 转人工率 · 未识别率 · 重述率", Labels: labels, Format: Percent, Max: 1, Width: z.Width, Text: z.Text, Plain: z.Plain, Series: []Series{
		{Name: "解决率", Color: ColorGood, Values: resolved},
		{Name: "转人工率", Color: ColorHandoff, Values: handoffR},
		{Name: "未识别率", Color: ColorBad, Values: unrec},
		{Name: "重述率", Color: ColorRepeat, Values: repeat}}})
	c.Rating = LineChart(Chart{Title: "满意度 mean rating (1–5)", Labels: labels, Format: Rating, Min: 1, Max: 5, Width: z.Width, Text: z.Text, Plain: z.Plain, Series: []Series{
		{Name: "满意度", Color: ColorRating, Values: mean}}})
	if b.Ratings > 0 {
		c.Rating += LineChart(Chart{Title: "差评率 ratings ≤ 2", Labels: labels, Format: Percent, Max: 1, Width: z.Width, Text: z.Text, Plain: z.Plain, Series: []Series{
			{Name: "差评率", Color: ColorBad, Values: bad}}})
	}
	c.Latency = LineChart(Chart{Title: "延迟 latency", Labels: labels, Format: Micros, Width: z.Width, Text: z.Text, Plain: z.Plain, Series: []Series{
		{Name: "p50", Color: ColorVolume, Values: p50},
		{Name: "p99", Color: ColorHandoff, Values: p99}}})
	hl := make([]string, 24)
	known, unknown := make([]float64, 24), make([]float64, 24)
	for i, h := range b.ByHour {
		hl[i] = strconv.Itoa(h.Hour) + "时"
		known[i], unknown[i] = float64(h.Messages-h.Unrecognised), float64(h.Unrecognised)
	}
	c.Hours = ColumnChart(Chart{Title: "按小时 by hour of day (" + b.TimeZone + ")", Labels: hl, Height: 200, Width: z.Width, Text: z.Text, Plain: z.Plain, Series: []Series{
		{Name: "已识别", Color: ColorVolume, Values: known},
		{Name: "未识别", Color: ColorBad, Values: unknown}}})
	var bars []Bar
	for _, g := range b.ByIntent[:min(len(b.ByIntent), MaxIntentBars)] {
		bar := Bar{Label: b.Label(g.Key), Value: float64(g.Messages), Note: Percent(ratio(g.Messages, b.Messages))}
		if g.Key == store.NoneIntent {
			bar.Color = ColorBad
		}
		bars = append(bars, bar)
	}
	title := "按意图 by intent"
	if len(b.ByIntent) > MaxIntentBars {
		title += " (top " + strconv.Itoa(MaxIntentBars) + " of " + strconv.Itoa(len(b.ByIntent)) + ")"
	}
	c.ByIntent = BarChart(Bars{Title: title, Items: bars, Width: z.Width, Text: z.Text, Stacked: z.Width > 0 && z.Width < 480})
	return c
}

// given is v when n counts something, else NaN: a bucket without ratings has no mean, not 0.
func given(n int64, v float64) float64 {
	if n == 0 {
		return math.NaN()
	}
	return v
}

var weekdays = [...]string{"日", "一", "二", "三", "四", "五", "六"}

func seriesLabel(t time.Time, layout string) string {
	if layout == "01-02 周" {
		return t.Format("01-02") + " 周" + weekdays[t.Weekday()]
	}
	return t.Format(layout)
}

// WriteHTML renders the board as one self-contained page in the evaluation report's style: no
// scripts, nothing fetched, every text escaped (html/template); the charts are inline SVG.
func (b *Board) WriteHTML(w io.Writer) error {
	return page.Execute(w, struct {
		*Board
		Charts Charts
	}{b, b.Charts()})
}

var page = template.Must(template.New("board").Funcs(template.FuncMap{
	"pct":    Percent,
	"count":  func(v int64) string { return strconv.FormatInt(v, 10) },
	"micros": func(v int64) string { return Micros(float64(v)) },
	"rating": func(s store.Stats) string {
		if s.Ratings == 0 {
			return "–"
		}
		return Rating(s.MeanRating)
	},
	"resolved": func(s store.Stats) string {
		if s.ResolvedKnown == 0 {
			return "–"
		}
		return Percent(s.ResolvedRate)
	},
	"when":   func(t time.Time) string { return t.Format("2006-01-02 15:04") },
	"share":  ratio,
	"signed": func(v int64) string { return fmt.Sprintf("%+d", v) },
}).Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>zhiyi 看板 {{when .Since}} – {{when .Until}}</title>
<style>
body{font:14px/1.5 system-ui,"PingFang SC","Noto Sans CJK SC",sans-serif;margin:2em;color:#222}
h1{font-size:20px}h2{font-size:16px;margin-top:2em}
.cards{display:flex;gap:1em;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:6px;padding:.6em 1em;min-width:9em}
.card b{display:block;font-size:22px}.card.alarm{border-color:#dc143c}.card.alarm b{color:#dc143c}
table{border-collapse:collapse}td,th{padding:2px 6px;border:1px solid #eee;text-align:right}
th{background:#fafafa}td.l,th.l{text-align:left}tr.none td{color:#dc143c}
svg.chart{display:block;margin:1em 0;max-width:100%;height:auto}
.muted{color:#666}
</style></head><body>
<h1>zhiyi 看板 — dashboard</h1>
<p>{{when .Since}} – {{when .Until}} ({{.TimeZone}}), by {{.Bucket}}. <span class="muted">Generated {{when .Generated}}.</span></p>
<div class="cards">
<div class="card">消息量 messages<b>{{count .Messages}}</b>unmatched {{count .Unmatched}}</div>
<div class="card{{if .Unrecognised}} alarm{{end}}">未识别率 unrecognised<b>{{pct .UnrecognisedRate}}</b>{{count .Unrecognised}} messages</div>
<div class="card">转人工率 handoff<b>{{pct .HandoffRate}}</b>{{count .Handoffs}} messages</div>
<div class="card">解决率 resolved<b>{{resolved .Stats}}</b>of {{count .ResolvedKnown}} answered yes/no</div>
<div class="card">满意度 mean rating<b>{{rating .Stats}}</b>{{count .Ratings}} ratings{{if .Ratings}}, {{pct .BadRatingShare}} ≤ 2{{end}}</div>
<div class="card">重述率 repeats<b>{{pct .RepeatRate}}</b>{{count .Repeats}} messages</div>
<div class="card">延迟 latency<b>{{micros .LatencyP50}}</b>p99 {{micros .LatencyP99}}</div>
</div>
{{with .Previous}}<h2>与上一周期相比 vs the period before</h2>
<p>{{when .Since}} – {{when .Until}}</p>
<table><tr><th class="l"></th><th>before</th><th>now</th><th>change</th></tr>
{{range $.CompareRows}}<tr><td class="l">{{.Name}}</td><td>{{.Previous}}</td><td>{{.Current}}</td><td>{{.Change}}</td></tr>
{{end}}</table>
{{with .Intents}}<p>Intents that changed most:</p>
<table><tr><th class="l">intent</th><th>before</th><th>now</th><th>change</th></tr>
{{range .}}<tr><td class="l">{{$.Label .Key}}</td><td>{{count .Previous}}</td><td>{{count .Messages}}</td><td>{{signed .Change}}</td></tr>
{{end}}</table>{{end}}
{{end}}{{with .BadComments}}<h2>差评的话 bad ratings' words</h2>
<p>{{count $.BadCommented}} of {{count $.BadRatings}} bad ratings had a comment; the most frequent:</p>
<table><tr><th>messages</th><th class="l">comment</th></tr>
{{range .}}<tr><td>{{count .Messages}}</td><td class="l">{{.Comment}}</td></tr>
{{end}}</table>
{{end}}{{if not .Messages}}<p><b>No decisions in this period.</b> Is <code>zhiyi serve</code> recording to this database (--data-dir or --db)?</p>{{end}}
<h2>Over time</h2>
{{.Charts.Volume}}
{{.Charts.Rates}}
{{.Charts.Rating}}
{{.Charts.Latency}}
<h2>By hour of the day</h2>
{{.Charts.Hours}}
<h2>By intent</h2>
{{.Charts.ByIntent}}
<table><tr><th class="l">intent</th><th>messages</th><th>share</th><th>转人工率</th><th>解决率</th><th>满意度</th><th>重述率</th><th>corrections</th><th>p99</th></tr>
{{range .ByIntent}}<tr{{if eq .Key "none"}} class="none"{{end}}><td class="l">{{$.Label .Key}}</td><td>{{count .Messages}}</td><td>{{pct (share .Messages $.Messages)}}</td><td>{{pct .HandoffRate}}</td><td>{{resolved .Stats}}</td><td>{{rating .Stats}}</td><td>{{pct .RepeatRate}}</td><td>{{count .Corrections}}</td><td>{{micros .LatencyP99}}</td></tr>
{{end}}</table>
{{with .NotInKB}}<p class="muted">{{len .}} intent(s) of the period are not in the knowledge base（已不在知识库: renamed or deleted since their messages were decided; their rows keep the id they were logged with):{{range $i, $g := .}}{{if $i}},{{end}} {{$g.Key}} ({{count $g.Messages}}){{end}}</p>
{{end}}<h2>By channel</h2>
<table><tr><th class="l">channel</th><th>messages</th><th>未识别率</th><th>转人工率</th><th>解决率</th><th>满意度</th><th>重述率</th><th>p50</th><th>p99</th></tr>
{{range .ByChannel}}<tr><td class="l">{{or .Key "(none)"}}</td><td>{{count .Messages}}</td><td>{{pct .UnrecognisedRate}}</td><td>{{pct .HandoffRate}}</td><td>{{resolved .Stats}}</td><td>{{rating .Stats}}</td><td>{{pct .RepeatRate}}</td><td>{{micros .LatencyP50}}</td><td>{{micros .LatencyP99}}</td></tr>
{{end}}</table>
<h2>By answer and variant</h2>
{{if .ByAnswer}}<table><tr><th class="l">answer</th><th class="l">variant</th><th>served</th><th>解决率</th><th>满意度</th><th>ratings</th><th>差评</th><th>重述率</th><th>转人工率</th></tr>
{{range .ByAnswer}}<tr><td class="l">{{.Key}}</td><td class="l">{{.Variant}}</td><td>{{count .Messages}}</td><td>{{resolved .Stats}}</td><td>{{rating .Stats}}</td><td>{{count .Ratings}}</td><td>{{count .BadRatings}}</td><td>{{pct .RepeatRate}}</td><td>{{pct .HandoffRate}}</td></tr>
{{end}}</table>{{else}}<p class="muted">No answers served in this period.</p>{{end}}
</body></html>
`))
