package console

import (
	"bufio"
	"bytes"
	"context"
	"html/template"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/store"
)

// alertCount is one alert rule's firings since the process started.
type alertCount struct {
	Rule     string
	Fired    int64
	Resolved int64
	Firing   bool
}

// boardData is 看板's page.
type boardData struct {
	Since, Problem string
	Periods        any
	NoDB           bool
	Error          string
	Bucket         string
	Stats          store.Stats
	Charts         []template.HTML
	ByIntent       []store.Group
	ByChannel      []store.Group
	NoAlerts       bool
	Alerts         []alertCount
}

// maxIntentRows bounds the by-intent table.
const maxIntentRows = 20

func (c *Console) boardPage(w http.ResponseWriter, r *http.Request, s *sessionInfo) {
	now := c.d.Now()
	since, value, problem := periodOf(r.URL.Query().Get("since"), "7d", now)
	data := boardData{Since: value, Problem: problem, Periods: periods, NoDB: c.d.DB == nil}
	data.Alerts, data.NoAlerts = alertCounts(c.d), c.d.AlertMetrics == nil
	if c.d.DB == nil {
		c.render(w, r, s, http.StatusOK, "board", "看板", data)
		return
	}
	bucket, layout := time.Hour, "01-02 15时"
	data.Bucket = "按小时"
	if now.Sub(since) > 3*24*time.Hour {
		bucket, layout = 24*time.Hour, "01-02"
		data.Bucket = "按天"
	}
	ctx, cancel := context.WithTimeout(r.Context(), time.Minute)
	defer cancel()
	sum, err := c.d.DB.Summary(ctx, store.SummaryQuery{Since: since, Until: now, Bucket: bucket, Location: cst})
	if err != nil {
		data.Error = "决策日志暂时无法读取：" + maskedError(err)
		c.render(w, r, s, http.StatusServiceUnavailable, "board", "看板", data)
		return
	}
	data.Stats, data.Charts = sum.Stats, boardCharts(sum.Series, layout)
	data.ByIntent, data.ByChannel = sum.ByIntent, sum.ByChannel
	if len(data.ByIntent) > maxIntentRows {
		data.ByIntent = data.ByIntent[:maxIntentRows]
	}
	c.render(w, r, s, http.StatusOK, "board", "看板", data)
}

// boardCharts draws the series: volume by route, the rates, satisfaction and latency.
func boardCharts(ser []store.Bucket, layout string) []template.HTML {
	n := len(ser)
	labels := make([]string, n)
	auto, suggest, handoff := make([]float64, n), make([]float64, n), make([]float64, n)
	resolved, handoffR, unrec, repeat := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	rating, p50, p99 := make([]float64, n), make([]float64, n), make([]float64, n)
	for i, b := range ser {
		labels[i] = b.Start.In(cst).Format(layout)
		auto[i] = float64(b.Messages - b.Suggested - b.Handoffs)
		suggest[i], handoff[i] = float64(b.Suggested), float64(b.Handoffs)
		resolved[i] = rate(b.Resolved, b.ResolvedKnown)
		handoffR[i], unrec[i], repeat[i] = rate(b.Handoffs, b.Messages), rate(b.Unrecognised, b.Messages), rate(b.Repeats, b.Messages)
		rating[i] = math.NaN()
		if b.Ratings > 0 {
			rating[i] = b.MeanRating
		}
		p50[i], p99[i] = math.NaN(), math.NaN()
		if b.Messages > 0 {
			p50[i], p99[i] = float64(b.LatencyP50), float64(b.LatencyP99)
		}
	}
	return []template.HTML{
		columnChart(chart{Title: "消息量", Labels: labels, Series: []series{
			{"自动回复", colorVolume, auto}, {"推荐给客服", colorSuggest, suggest}, {"转人工", colorHandoff, handoff}}}),
		lineChart(chart{Title: "解决率 · 转人工率 · 未识别率 · 重述率", Labels: labels, Format: percentText, Max: 1, Series: []series{
			{"解决率", colorGood, resolved}, {"转人工率", colorHandoff, handoffR}, {"未识别率", colorBad, unrec}, {"重述率", colorRepeat, repeat}}}),
		lineChart(chart{Title: "满意度（平均评分 1–5）", Labels: labels, Format: ratingText, Min: 1, Max: 5, Series: []series{
			{"平均评分", colorRating, rating}}}),
		lineChart(chart{Title: "响应时间", Labels: labels, Format: micros, Series: []series{
			{"p50", colorVolume, p50}, {"p99", colorBad, p99}}}),
	}
}

// rate is a/b, NaN when b is 0 (a gap in a line, not a zero).
func rate(a, b int64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

// alertCounts reads the alerter's counters (zhiyi_alert_fired_total{rule}, …) from its metric
// set: the alert package logs and counts each firing, and these counts are what the console
// shows of them.
func alertCounts(d Deps) []alertCount {
	if d.AlertMetrics == nil {
		return nil
	}
	var b bytes.Buffer
	d.AlertMetrics.WritePrometheus(&b)
	byRule := map[string]*alertCount{}
	get := func(rule string) *alertCount {
		a := byRule[rule]
		if a == nil {
			a = &alertCount{Rule: rule}
			byRule[rule] = a
		}
		return a
	}
	sc := bufio.NewScanner(&b)
	for sc.Scan() {
		name, rule, v, ok := metricLine(sc.Text())
		if !ok {
			continue
		}
		switch name {
		case "zhiyi_alert_fired_total":
			get(rule).Fired = int64(v)
		case "zhiyi_alert_resolved_total":
			get(rule).Resolved = int64(v)
		case "zhiyi_alert_firing":
			get(rule).Firing = v > 0
		}
	}
	out := make([]alertCount, 0, len(byRule))
	for _, a := range byRule {
		out = append(out, *a)
	}
	slices.SortFunc(out, func(a, b alertCount) int { return strings.Compare(a.Rule, b.Rule) })
	return out
}

// metricLine reads `name{rule="x"} value` (other labels ignored).
func metricLine(line string) (name, rule string, v float64, ok bool) {
	if strings.HasPrefix(line, "#") {
		return "", "", 0, false
	}
	open := strings.IndexByte(line, '{')
	end := strings.LastIndexByte(line, '}')
	if open < 0 || end < open {
		return "", "", 0, false
	}
	name = line[:open]
	for _, kv := range strings.Split(line[open+1:end], ",") {
		if val, found := strings.CutPrefix(kv, `rule="`); found {
			rule = strings.TrimSuffix(val, `"`)
		}
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(line[end+1:]), 64)
	return name, rule, v, err == nil && rule != ""
}
