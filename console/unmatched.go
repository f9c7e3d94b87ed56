package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/zhiyi-ai/zhiyi/board"
	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/nlp"
	"github.com/zhiyi-ai/zhiyi/store"
	"github.com/zhiyi-ai/zhiyi/train"
)

// Limits of the 未识别 page.
const (
	// maxUnmatched bounds the decisions one clustering reads, newest first.
	maxUnmatched = 20000
	// maxShownClusters bounds the clusters 未识别 lists, the largest first. Each carries a form
	// (the intents to choose from are one list on the page): a week of 20,000 unmatched
	// messages, most of them clusters of one, made a page of 40 MB. The others come up as these
	// are labelled; zhiyi unmatched and GET /admin/unmatched give the whole sheet.
	maxShownClusters = 200
	// maxSheets is how many clusterings a session keeps for its label actions.
	maxSheets = 4
	// sheetTTL is how long a clustering stays usable for labelling.
	sheetTTL = time.Hour
	// maxLabelRunes bounds a new intent's label.
	maxLabelRunes = 32
)

// Label sources the console writes (store.Label.Source).
const (
	SourceCluster = "cluster" // 未识别: a whole cluster labelled at once
	SourceConsole = "console" // 错判案例: a group of corrections accepted
)

// sheet is a clustering shown to an operator, kept so that the label action labels exactly
// the messages that were shown.
type sheet struct {
	id    string
	made  time.Time
	lines []train.SheetLine
	texts map[string]string // msg_id → masked text
}

// intentChoice is one intent an operator can pick.
type intentChoice struct{ ID, Label string }

// unmatchedData is 未识别's page.
type unmatchedData struct {
	periodView
	NoDB      bool
	Error     string
	Sheet     string
	Messages  int
	Truncated bool
	DataOnly  int               // unmatched messages left off for only giving personal data
	Lines     []train.SheetLine // the largest clusters, at most maxShownClusters
	Clusters  int               // all of them
	// Hidden and HiddenMessages: the clusters beyond Lines, and the messages they hold.
	Hidden, HiddenMessages int
	Intents                []intentChoice
	Labels                 []store.Label // recent cluster labels, newest first
	// LabelsError: the recent labels could not be read (the clusters could)
	LabelsError string
}

func (c *Console) unmatchedPage(w http.ResponseWriter, r *http.Request, s *sessionInfo) {
	now := c.d.Now()
	since, pv := pagePeriod(r.URL.Query().Get("since"), "7d", now)
	data := unmatchedData{periodView: pv}
	// held for the clustering: a reload meanwhile would close the index it searches
	m, release := c.d.Acquire()
	defer release()
	if m != nil {
		data.Intents = intentChoices(m.KB())
	}
	if c.d.DB == nil {
		data.NoDB = true
		c.render(w, r, s, http.StatusOK, "unmatched", "未识别", data)
		return
	}
	if m == nil {
		data.Error = "还没有加载模型。"
		c.render(w, r, s, http.StatusOK, "unmatched", "未识别", data)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Minute)
	defer cancel()
	sh, res, err := c.cluster(ctx, m.Engine, since)
	if err != nil {
		c.storeFailed("unmatched", err)
		data.Error = storeUnreadable
		c.render(w, r, s, http.StatusServiceUnavailable, "unmatched", "未识别", data)
		return
	}
	c.keepSheet(s, sh)
	data.Sheet, data.Messages, data.Truncated, data.DataOnly, data.Clusters = sh.id, res.Messages, res.Truncated, res.DataOnly, len(sh.lines)
	data.Lines = sh.lines[:min(len(sh.lines), maxShownClusters)]
	for _, l := range sh.lines[len(data.Lines):] {
		data.Hidden++
		data.HiddenMessages += l.Size
	}
	if data.Labels, err = c.recentLabels(ctx, SourceCluster, now); err != nil {
		// The clusters were read: the page stands, and says the recent labels are missing.
		c.storeFailed("unmatched", err)
		data.LabelsError = recentLabelsUnreadable
	}
	c.render(w, r, s, http.StatusOK, "unmatched", "未识别", data)
}

// cluster reads the period's unmatched decisions that nobody has labelled yet and clusters
// them as GET /admin/unmatched does (board.Unmatched), below the bundle's suggest threshold.
//
// The sheet is as old as the labels it skipped: made is taken before they are read, so a
// member someone labels while the clusters are computed counts as labelled since the page was
// made (store.DB.AddLabelsUnlessTaken keeps it) instead of older than the sheet.
func (c *Console) cluster(ctx context.Context, eng *intent.Engine, since time.Time) (*sheet, *board.UnmatchedResult, error) {
	made := c.d.Now()
	labelled := map[string]bool{}
	if err := c.d.DB.Labels(ctx, store.LabelQuery{Since: since}, func(l *store.Label) error {
		labelled[l.Key] = true
		return nil
	}); err != nil {
		return nil, nil, err
	}
	res, err := board.Unmatched(ctx, c.d.DB, eng, board.UnmatchedQuery{Since: since, LowConfidence: eng.Policy().Suggest,
		Max: maxUnmatched, Skip: labelled})
	if err != nil {
		return nil, nil, err
	}
	return &sheet{id: randomID()[:16], made: made, lines: res.Lines, texts: res.Texts}, res, nil
}

// keepSheet remembers a clustering in the session, dropping the oldest and expired ones.
func (c *Console) keepSheet(s *sessionInfo, sh *sheet) {
	c.auth.mu.Lock()
	defer c.auth.mu.Unlock()
	if s.sheets == nil {
		s.sheets = map[string]*sheet{}
	}
	for id, old := range s.sheets {
		if sh.made.Sub(old.made) > sheetTTL {
			delete(s.sheets, id)
		}
	}
	for len(s.sheets) >= maxSheets {
		var oldest *sheet
		for _, old := range s.sheets {
			if oldest == nil || old.made.Before(oldest.made) {
				oldest = old
			}
		}
		delete(s.sheets, oldest.id)
	}
	s.sheets[sh.id] = sh
}

func (c *Console) sheetOf(s *sessionInfo, id string) *sheet {
	c.auth.mu.Lock()
	defer c.auth.mu.Unlock()
	sh := s.sheets[id]
	if sh == nil || c.d.Now().Sub(sh.made) > sheetTTL {
		return nil
	}
	return sh
}

// unmatchedLabel labels every member of one cluster with an intent, none, or a new intent.
func (c *Console) unmatchedLabel(w http.ResponseWriter, r *http.Request, s *sessionInfo) {
	f := r.PostForm
	to := "/console/unmatched?since=" + url.QueryEscape(f.Get("since"))
	if c.d.DB == nil {
		c.back(w, r, s, to, "error", "没有决策日志，无法保存标注。")
		return
	}
	m := c.d.Model()
	if m == nil {
		c.back(w, r, s, to, "error", "还没有加载模型。")
		return
	}
	label, problem := chosenIntent(m.KB(), f.Get("intent"), f.Get("new_label"))
	if problem != "" {
		c.back(w, r, s, to, "error", problem)
		return
	}
	sh := c.sheetOf(s, f.Get("sheet"))
	if sh == nil {
		c.back(w, r, s, to, "error", "这次聚类已过期，请查看刷新后的聚类再标注。")
		return
	}
	var line *train.SheetLine
	for i := range sh.lines {
		if sh.lines[i].Cluster == f.Get("cluster") {
			line = &sh.lines[i]
		}
	}
	if line == nil {
		c.back(w, r, s, to, "error", "没有这个聚类。")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	now := c.d.Now()
	labels := make([]store.Label, 0, len(line.Members))
	for _, id := range line.Members {
		labels = append(labels, store.Label{Key: id, Text: sh.texts[id], Intent: label, Source: SourceCluster, By: s.Name, Time: now})
	}
	// Members another operator labelled since this clustering was made (the same cluster
	// open in two browsers) keep their label, and this operator is told.
	added, taken, err := c.d.DB.AddLabelsUnlessTaken(ctx, sh.made, s.Name, labels)
	if err != nil {
		c.storeFailed("unmatched", err)
		c.back(w, r, s, to, "error", labelsNotSaved)
		return
	}
	kept := keptLabels(m.KB(), taken)
	if len(added) == 0 {
		c.back(w, r, s, to, "warn", fmt.Sprintf("聚类 %s 没有标注：%s。", line.Cluster, kept))
		return
	}
	detail := fmt.Sprintf("聚类 %s（%d 条消息）→ %s", line.Cluster, len(added), label)
	msg := fmt.Sprintf("已将聚类 %s 的 %d 条消息标注为 %s。下次 zhiyi learn（或 --learn）和训练会用到这些标注。", line.Cluster, len(added), describeIntent(m.KB(), label))
	if strings.HasPrefix(label, train.NewIntentPrefix) {
		// learn continues the model's intents: the exported log's rows carry this label to
		// training, which takes it once kb.yaml has an intent of the label.
		msg = fmt.Sprintf("已将聚类 %s 的 %d 条消息标注为 %s。zhiyi learn（--learn）不学新意图：先把新意图写进 kb.yaml（label 写这个标签，再填 id、答案），再用 zhiyi export --format jsonl --out log.jsonl 导出决策日志（每行带着这里的标注），交给 zhiyi train --data log.jsonl --kb kb.yaml … 训练。", line.Cluster, len(added), describeIntent(m.KB(), label))
	}
	kind := "ok"
	if len(taken) > 0 {
		detail += keptDetail(taken)
		msg, kind = msg+"另有 "+kept+"。", "warn"
	}
	c.record(s, r, "labels", "标注聚类", detail)
	c.back(w, r, s, to, kind, msg)
}

// chosenIntent reads the label action's choice: a new intent's label wins over the list.
func chosenIntent(kb *index.KB, id, newLabel string) (string, string) {
	newLabel = strings.TrimSpace(newLabel)
	if newLabel != "" {
		if utf8.RuneCountInString(newLabel) > maxLabelRunes || !utf8.ValidString(newLabel) {
			return "", fmt.Sprintf("新意图的标签最多 %d 个字。", maxLabelRunes)
		}
		for _, r := range newLabel {
			if unicode.IsControl(r) {
				return "", "新意图的标签不能含控制字符。"
			}
		}
		masked, kinds := nlp.Mask(newLabel)
		if _, folded := nlp.Mask(nlp.Normalize(newLabel)); kinds|folded != 0 { // ①③⑧…, 138、1234… too
			return "", "新意图的标签不能含手机号、证件号等个人信息。"
		}
		// An intent the knowledge base has, typed as a new one (退货 for return_goods), would be
		// a new:退货 label that zhiyi learn leaves out: the operator meant the existing intent.
		if newLabel == intent.NoneIntent || newLabel == "不在范围" {
			return "", "「不在范围」请在意图列表中选择「不在范围（none）」，不要填为新意图。"
		}
		if kb != nil {
			for _, in := range kb.Intents {
				if newLabel == in.ID || newLabel == in.Label {
					return "", fmt.Sprintf("知识库里已经有意图「%s」（%s），请在意图列表中选择它，不要填为新意图。", in.Label, in.ID)
				}
			}
		}
		return train.NewIntentPrefix + masked, ""
	}
	// The field takes an intent's id or, typed rather than picked from the list, its label or
	// the list's "标签（id）".
	id = strings.TrimSpace(id)
	if i := strings.LastIndex(id, "（"); i > 0 && strings.HasSuffix(id, "）") {
		id = strings.TrimSuffix(id[i+len("（"):], "）")
	}
	switch {
	case id == "":
		return "", "请选择一个意图，或填写新意图的标签。"
	case id == intent.NoneIntent || id == "不在范围":
		return intent.NoneIntent, ""
	}
	if kb != nil {
		if _, ok := kb.Intent(id); ok {
			return id, ""
		}
		for _, in := range kb.Intents {
			if in.Label == id {
				return in.ID, ""
			}
		}
	}
	return "", fmt.Sprintf("知识库中没有意图「%s」：请从列表中选择，或填写新意图的标签。", id)
}

// intentChoices lists the knowledge base's intents for a select.
func intentChoices(kb *index.KB) []intentChoice {
	if kb == nil {
		return nil
	}
	out := make([]intentChoice, 0, len(kb.Intents))
	for _, in := range kb.Intents {
		out = append(out, intentChoice{in.ID, in.Label})
	}
	return out
}

// describeIntent names an intent for a message: 发票 (invoice), 不在范围 (none), 新意图 X.
func describeIntent(kb *index.KB, id string) string {
	switch {
	case id == intent.NoneIntent:
		return "不在范围 (none)"
	case strings.HasPrefix(id, train.NewIntentPrefix):
		return "新意图「" + strings.TrimPrefix(id, train.NewIntentPrefix) + "」"
	}
	if kb != nil {
		if in, ok := kb.Intent(id); ok {
			return in.Label + " (" + id + ")"
		}
	}
	return id
}
