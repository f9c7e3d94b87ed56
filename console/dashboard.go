package console

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/board"
	"github.com/zhiyi-ai/zhiyi/intent"
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
	periodView
	NoDB   bool
	Error  string
	Bucket string
	Stats  store.Stats
	// Auto and AutoRate are the messages answered automatically (board.Board.Auto) and their
	// share, the card zhiyi report's first line has.
	Auto     int64
	AutoRate float64
	Charts   []chart
	ByIntent []store.Group
	Intents  int // intents in the period; ByIntent may show fewer (maxIntentRows)
	// TopIntents is maxIntentRows, for the page's "前 20 个，共 N 个".
	TopIntents int
	ByChannel  []store.Group
	NoAlerts   bool
	Alerts     []alertCount
	// Names shows each intent of ByIntent as board.Label does, from the serving knowledge base:
	// 退货 return_goods, or shipping_time（已不在知识库） for one renamed or deleted since.
	Names map[string]string
	// NotInKB are the period's intents the serving knowledge base lacks (board.NotInKB).
	NotInKB []store.Group
	// Previous is the period of the same length just before (board.Compare), Compare its totals
	// beside the period's and Changes the intents that changed most, named as ByIntent is.
	Previous *board.Previous
	Compare  []board.CompareRow
	Changes  []intentChange
	// BadComments are what customers wrote on the period's bad ratings (board.BadComments),
	// BadCommented how many of Stats.BadRatings had a comment.
	BadComments  []board.CommentCount
	BadCommented int64
}

// intentChange is a board.IntentChange with the intent's name.
type intentChange struct {
	board.IntentChange
	Name string
}

// maxIntentRows bounds the by-intent table (and the page says "前 20 个，共 N 个"); the none
// row is kept beyond it.
const maxIntentRows = 20

// periodRefused is 看板's answer to a period board.Build cannot report on (parsePeriod keeps
// such periods out; this is the guard should the two disagree).
const periodRefused = "看板无法统计这个时间范围：请选一个不为空、最多往前 366 天的时间范围。"

func (c *Console) boardPage(w http.ResponseWriter, r *http.Request, s *sessionInfo) {
	now := c.d.Now()
	since, until, pv := pagePeriodUntil(r.URL.Query().Get("since"), r.URL.Query().Get("until"), "7d", now)
	data := boardData{periodView: pv, NoDB: c.d.DB == nil, TopIntents: maxIntentRows}
	data.Alerts, data.NoAlerts = alertCounts(c.d), c.d.AlertMetrics == nil
	if c.d.DB == nil {
		c.render(w, r, s, http.StatusOK, "board", "看板", data)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), time.Minute)
	defer cancel()
	// The same board as zhiyi report: by the hour up to board.AutoHourly, by the day beyond.
	q := board.Query{Since: since, Until: until, Now: now, Location: cst}
	if m := c.d.Model(); m != nil && m.KB() != nil {
		q.Labels = map[string]string{}
		for _, in := range m.KB().Intents {
			q.Labels[in.ID] = in.Label
		}
	}
	unreadable := func(err error) {
		c.storeFailed("board", err)
		data.Error = storeUnreadable
		c.render(w, r, s, http.StatusServiceUnavailable, "board", "看板", data)
	}
	b, err := board.Build(ctx, c.d.DB, q)
	if errors.Is(err, board.ErrQuery) {
		data.Error = periodRefused
		c.render(w, r, s, http.StatusBadRequest, "board", "看板", data)
		return
	}
	if err != nil {
		unreadable(err)
		return
	}
	data.Bucket = "按小时"
	if b.Bucket != "hour" {
		data.Bucket = "按天"
	}
	ch, ph := b.Charts(), b.ChartsAt(board.Phone)
	data.Auto = b.Auto
	if b.Messages > 0 {
		data.AutoRate = float64(b.Auto) / float64(b.Messages)
	}
	data.Stats, data.Charts = b.Stats, []chart{{ch.Volume, ph.Volume}, {ch.Rates, ph.Rates}, {ch.Rating, ph.Rating},
		{ch.Latency, ph.Latency}, {ch.Hours, ph.Hours}}
	data.ByIntent, data.ByChannel, data.Intents = topIntents(b.ByIntent), b.ByChannel, len(b.ByIntent)
	data.Names, data.NotInKB = map[string]string{}, b.NotInKB()
	for _, g := range data.ByIntent {
		data.Names[g.Key] = b.Label(g.Key)
	}
	// what changed since the period before, and the words behind 满意度: a weekly review's
	// first questions, as zhiyi report --compare answers them
	if err := board.Compare(ctx, c.d.DB, q, b); err != nil {
		unreadable(err)
		return
	}
	if err := board.BadComments(ctx, c.d.DB, b); err != nil {
		unreadable(err)
		return
	}
	data.Previous, data.Compare = b.Previous, b.CompareRows()
	for _, ch := range b.Previous.Intents {
		data.Changes = append(data.Changes, intentChange{ch, b.Label(ch.Key)})
	}
	data.BadComments, data.BadCommented = b.BadComments, b.BadCommented
	c.render(w, r, s, http.StatusOK, "board", "看板", data)
}

// topIntents is the first maxIntentRows of by-intent groups (busiest first), and the none
// group wherever it ranks: out of scope is the row an operator looks for.
func topIntents(gs []store.Group) []store.Group {
	if len(gs) <= maxIntentRows {
		return gs
	}
	top := slices.Clip(gs[:maxIntentRows])
	if !slices.ContainsFunc(top, func(g store.Group) bool { return g.Key == intent.NoneIntent }) {
		if i := slices.IndexFunc(gs, func(g store.Group) bool { return g.Key == intent.NoneIntent }); i >= 0 {
			top = append(top, gs[i])
		}
	}
	return top
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
