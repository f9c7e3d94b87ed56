package console

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/nlp"
	"github.com/zhiyi-ai/zhiyi/store"
)

// maxExamples is how many messages a corrections group shows.
const maxExamples = 5

// maxShownGroups bounds the groups 错判案例 lists, the largest first: a 174-intent shop has
// 30,000 pairs of intents, and a month of agents' corrections spread over thousands of them made
// a page of megabytes. Groups accepted whole go last, so the others come up as these are accepted.
const maxShownGroups = 200

// correctionGroup is the corrections from one predicted intent to one correct intent.
type correctionGroup struct {
	Predicted, Correct           string
	PredictedLabel, CorrectLabel string
	Count                        int  // messages
	Accepted                     int  // of them already labelled with Correct
	Known                        bool // Correct is an intent of the serving knowledge base (or none)
	Examples                     []string
	Latest                       time.Time
	members                      []store.Label
}

// doneRank is 1 for a group accepted whole, 0 for one still to decide.
func (g *correctionGroup) doneRank() int {
	if g.Accepted == g.Count {
		return 1
	}
	return 0
}

// correctionsData is 错判案例's page.
type correctionsData struct {
	periodView
	Until  string // the page's end: an accept takes exactly what was shown
	NoDB   bool
	Error  string
	Groups []correctionGroup // the largest, at most maxShownGroups
	Total  int
	// Hidden and HiddenMessages: the groups beyond Groups, and the messages they hold.
	Hidden, HiddenMessages int
}

func (c *Console) correctionsPage(w http.ResponseWriter, r *http.Request, s *sessionInfo) {
	now := c.d.Now()
	since, pv := pagePeriod(r.URL.Query().Get("since"), "30d", now)
	data := correctionsData{periodView: pv, Until: now.UTC().Format(time.RFC3339Nano)}
	if c.d.DB == nil {
		data.NoDB = true
		c.render(w, r, s, http.StatusOK, "corrections", "错判案例", data)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), time.Minute)
	defer cancel()
	groups, err := c.corrections(ctx, since, now)
	if err != nil {
		c.storeFailed("corrections", err)
		data.Error = storeUnreadable
		c.render(w, r, s, http.StatusServiceUnavailable, "corrections", "错判案例", data)
		return
	}
	for i, g := range groups {
		data.Total += g.Count
		if i >= maxShownGroups {
			data.Hidden++
			data.HiddenMessages += g.Count
		}
	}
	data.Groups = groups[:min(len(groups), maxShownGroups)]
	c.render(w, r, s, http.StatusOK, "corrections", "错判案例", data)
}

// corrections groups the feedback that names another intent than the decision's, given in
// [since, until), by (predicted, correct), most messages first. A message corrected several
// times counts once, with its latest correction.
func (c *Console) corrections(ctx context.Context, since, until time.Time) ([]correctionGroup, error) {
	type fix struct {
		predicted, correct, text string
		at                       time.Time
	}
	latest := map[string]fix{}
	err := c.d.DB.Feedback(ctx, store.FeedbackQuery{Since: since, Until: until, Corrections: true}, func(f *store.FeedbackRecord) error {
		text, _ := nlp.Mask(nlp.Normalize(f.Decision.Text))
		latest[f.MsgID] = fix{f.Decision.Intent, f.CorrectIntent, text, f.Time}
		return nil
	})
	if err != nil {
		return nil, err
	}
	accepted := map[string]string{}
	if err := c.d.DB.Labels(ctx, store.LabelQuery{Since: since}, func(l *store.Label) error {
		accepted[l.Key] = l.Intent
		return nil
	}); err != nil {
		return nil, err
	}
	var kbIntent func(string) (string, bool)
	if m := c.d.Model(); m != nil && m.KB() != nil {
		kb := m.KB()
		kbIntent = func(id string) (string, bool) {
			if in, ok := kb.Intent(id); ok {
				return in.Label, true
			}
			return "", id == "none"
		}
	}
	byKey := map[[2]string]*correctionGroup{}
	ids := make([]string, 0, len(latest))
	for id := range latest {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int { return latest[b].at.Compare(latest[a].at) }) // newest examples first
	for _, id := range ids {
		f := latest[id]
		k := [2]string{f.predicted, f.correct}
		g := byKey[k]
		if g == nil {
			g = &correctionGroup{Predicted: f.predicted, Correct: f.correct, Known: kbIntent == nil} // no model: nothing to tell
			if kbIntent != nil {
				g.PredictedLabel, _ = kbIntent(f.predicted)
				g.CorrectLabel, g.Known = kbIntent(f.correct)
			}
			byKey[k] = g
		}
		g.Count++
		if accepted[id] == f.correct {
			g.Accepted++
		}
		if len(g.Examples) < maxExamples && f.text != "" && !slices.Contains(g.Examples, f.text) {
			g.Examples = append(g.Examples, f.text)
		}
		if f.at.After(g.Latest) {
			g.Latest = f.at
		}
		g.members = append(g.members, store.Label{Key: id, Text: f.text, Intent: f.correct, Source: SourceConsole})
	}
	out := make([]correctionGroup, 0, len(byKey))
	for _, g := range byKey {
		out = append(out, *g)
	}
	// Groups accepted whole go last: done, they would keep the page's places (maxShownGroups)
	// from the groups still to decide.
	slices.SortFunc(out, func(a, b correctionGroup) int {
		if c := cmp.Compare(a.doneRank(), b.doneRank()); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.Predicted+"\x00"+a.Correct, b.Predicted+"\x00"+b.Correct)
	})
	return out, nil
}

// correctionsAccept stores one group's corrections as labels: the messages shown (the
// period up to the page's time) with the intent the agents gave.
func (c *Console) correctionsAccept(w http.ResponseWriter, r *http.Request, s *sessionInfo) {
	f := r.PostForm
	to := "/console/corrections?since=" + url.QueryEscape(f.Get("since"))
	if c.d.DB == nil {
		c.back(w, r, s, to, "error", "没有决策日志，无法保存标注。")
		return
	}
	until, err := time.Parse(time.RFC3339Nano, f.Get("until"))
	if err != nil {
		c.back(w, r, s, to, "error", "页面时间无效，请刷新后重试。")
		return
	}
	// since= is relative: the page read it at until, and so does the accept.
	since, err := parsePeriod(f.Get("since"), until)
	if err != nil {
		c.back(w, r, s, to, "error", "时间范围无效。")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), time.Minute)
	defer cancel()
	groups, err := c.corrections(ctx, since, until)
	if err != nil {
		c.storeFailed("corrections", err)
		c.back(w, r, s, to, "error", storeUnreadable)
		return
	}
	pred, corr := f.Get("predicted"), f.Get("correct")
	var g *correctionGroup
	for i := range groups {
		if groups[i].Predicted == pred && groups[i].Correct == corr {
			g = &groups[i]
		}
	}
	if g == nil {
		c.back(w, r, s, to, "error", "没有这组错判。")
		return
	}
	if !g.Known {
		// A label naming an intent the model lacks (renamed or deleted by a retrain since the
		// agents corrected) is one learning counts as unknown and drops: storing it would say
		// 已保存 for nothing.
		c.back(w, r, s, to, "error", fmt.Sprintf("「%s → %s」没有保存为标注：正在服务的知识库里没有意图 %s（改名或删除了？）。学习只用知识库里的意图；这些消息请在「未识别」或反馈里按现在的意图重新标注。", pred, corr, corr))
		return
	}
	now := c.d.Now()
	for i := range g.members {
		g.members[i].By, g.members[i].Time = s.Name, now
	}
	// Messages another operator labelled since this page was made (the same group open in
	// two browsers, or a newer correction labelled elsewhere) keep their label, as in 未识别.
	added, taken, err := c.d.DB.AddLabelsUnlessTaken(ctx, until, s.Name, g.members)
	if err != nil {
		c.storeFailed("corrections", err)
		c.back(w, r, s, to, "error", labelsNotSaved)
		return
	}
	var kb *index.KB
	if m := c.d.Model(); m != nil {
		kb = m.KB()
	}
	kept := keptLabels(kb, taken)
	if len(added) == 0 {
		c.back(w, r, s, to, "warn", fmt.Sprintf("「%s → %s」的纠正没有保存为标注：%s。", pred, corr, kept))
		return
	}
	detail := fmt.Sprintf("%s → %s：%d 条消息", pred, corr, len(added))
	msg := fmt.Sprintf("已把 %d 条「%s → %s」的纠正保存为标注。", len(added), pred, corr)
	kind := "ok"
	if len(taken) > 0 {
		detail += keptDetail(taken)
		msg, kind = msg+"另有 "+kept+"。", "warn"
	}
	c.record(s, r, "labels", "采纳错判", detail)
	c.back(w, r, s, to, kind, msg)
}
