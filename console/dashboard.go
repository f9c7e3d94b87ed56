package console

import (
	"bufio"
	"bytes"
	"context"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/board"
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
	ctx, cancel := context.WithTimeout(r.Context(), time.Minute)
	defer cancel()
	// The same board as zhiyi report: by the hour up to board.AutoHourly, by the day beyond.
	b, err := board.Build(ctx, c.d.DB, board.Query{Since: since, Until: now, Now: now, Location: cst})
	if err != nil {
		c.storeFailed("board", err)
		data.Error = storeUnreadable
		c.render(w, r, s, http.StatusServiceUnavailable, "board", "看板", data)
		return
	}
	data.Bucket = "按小时"
	if b.Bucket != "hour" {
		data.Bucket = "按天"
	}
	ch := b.Charts()
	data.Stats, data.Charts = b.Stats, []template.HTML{ch.Volume, ch.Rates, ch.Rating, ch.Latency, ch.Hours}
	data.ByIntent, data.ByChannel = b.ByIntent, b.ByChannel
	if len(data.ByIntent) > maxIntentRows {
		data.ByIntent = data.ByIntent[:maxIntentRows]
	}
	c.render(w, r, s, http.StatusOK, "board", "看板", data)
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
