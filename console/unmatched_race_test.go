package console

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/store"
)

// labelDuringClustering is the decision log as another operator's replica sees it: while 未识别
// clusters (its read of the decisions), 小张 labels a member, and the clustering takes a second.
type labelDuringClustering struct {
	Store
	once sync.Once
	hook func()
}

func (s *labelDuringClustering) Decisions(ctx context.Context, q store.Query, fn func(*store.Decision) error) error {
	s.once.Do(s.hook)
	return s.Store.Decisions(ctx, q, fn)
}

// The clustering's time was taken when it ended, after the labels it skips were read: a member
// labelled by someone else while the clusters were computed (seconds, up to minutes on a busy
// log) was on the sheet, older than the sheet, and so silently replaced by this operator's label.
// The sheet is as old as the labels it skipped.
func TestUnmatchedLabelKeepsLabelsGivenWhileClustering(t *testing.T) {
	var e *env
	e = newEnv(t, envOpt{mutate: func(d *Deps) {
		real := d.DB
		d.DB = &labelDuringClustering{Store: real, hook: func() {
			l := store.Label{Key: "coupon-b", Text: "优惠券怎么领", Intent: "invoice", Source: SourceConsole, By: "小张", Time: e.clock()}
			if err := e.db.AddLabels(context.Background(), []store.Label{l}); err != nil {
				t.Error(err)
			}
			e.advance(time.Second) // the clustering's own time
		}}
	}})
	e.seed(unmatchedDecisions(e.clock().Add(-2 * time.Hour))...)
	li := e.client()
	li.login("小李")
	page := li.get("/console/unmatched?since=24h").Body
	sheet, cluster := sheetRe.FindStringSubmatch(page), couponClusterRe.FindStringSubmatch(page)
	if sheet == nil || cluster == nil {
		t.Fatal("no coupon cluster")
	}
	e.advance(time.Minute)
	r := li.post("/console/unmatched/label", url.Values{"sheet": {sheet[1]}, "cluster": {cluster[1]}, "since": {"24h"}, "intent": {"none"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("label: %d", r.StatusCode)
	}
	flash := li.get(r.Header.Get("Location")).Body
	for _, l := range e.labels(SourceCluster) {
		if l.Key == "coupon-b" {
			t.Errorf("小张's label of coupon-b, given while the clusters were computed, was replaced by %s's %s", l.By, l.Intent)
		}
	}
	mustContain(t, flash, "1 条已被 小张 标注为")
}
