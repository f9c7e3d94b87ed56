package console

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/store"
)

// recentLabelsUnreadable is what 未识别 says under 最近的聚类标注 when they cannot be read
// (the clusters above could be).
const recentLabelsUnreadable = "最近的聚类标注暂时无法读取，详情见服务日志；上面的聚类不受影响，可以照常标注。"

// addLabelsKeeping stores the labels operator by gave from a page made at since (未识别's
// clustering, 错判案例's page), except for the messages someone else labelled at or after
// since, whose labels stay: that operator saw something this one's page did not.
// It returns the labels it stored and the ones it left alone, keyed by msg_id. A read or a
// write of the decision log that fails stores nothing (AddLabels is one transaction).
//
// The console's labelling lock closes the gap between the read and the write within this
// process; labels written meanwhile by another process are not seen.
func (c *Console) addLabelsKeeping(ctx context.Context, since time.Time, by string, labels []store.Label) (added []store.Label, taken map[string]store.Label, err error) {
	if len(labels) == 0 {
		return nil, nil, nil
	}
	c.labelling.Lock()
	defer c.labelling.Unlock()
	keys := make([]string, len(labels))
	for i, l := range labels {
		keys[i] = l.Key
	}
	if taken, err = c.labelledSince(ctx, since, keys, by); err != nil {
		return nil, nil, err
	}
	added = make([]store.Label, 0, len(labels))
	for _, l := range labels {
		if _, ok := taken[l.Key]; !ok {
			added = append(added, l)
		}
	}
	if len(added) > 0 {
		if err := c.d.DB.AddLabels(ctx, added); err != nil {
			return nil, nil, err
		}
	}
	return added, taken, nil
}

// labelledSince returns the labels of members that someone other than by gave at or after
// since, keyed by msg_id.
func (c *Console) labelledSince(ctx context.Context, since time.Time, members []string, by string) (map[string]store.Label, error) {
	want := make(map[string]bool, len(members))
	for _, id := range members {
		want[id] = true
	}
	taken := map[string]store.Label{}
	err := c.d.DB.Labels(ctx, store.LabelQuery{Since: since}, func(l *store.Label) error {
		if want[l.Key] {
			if l.By == by {
				delete(taken, l.Key) // the newest label counts: this operator's own, again
			} else {
				taken[l.Key] = *l
			}
		}
		return nil
	})
	return taken, err
}

// keptLabels words the labels left alone, by who and what: 3 条已被 小王 标注为 发票 (invoice)，未覆盖.
func keptLabels(kb *index.KB, taken map[string]store.Label) string {
	type who struct{ by, intent string }
	count := map[who]int{}
	for _, l := range taken {
		by := l.By
		if by == "" {
			by = "“" + cmp.Or(l.Source, "未知来源") + "”"
		}
		count[who{by, l.Intent}]++
	}
	keys := slices.SortedFunc(maps.Keys(count), func(a, b who) int {
		return cmp.Or(cmp.Compare(count[b], count[a]), cmp.Compare(a.by, b.by), cmp.Compare(a.intent, b.intent))
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d 条已被 %s 标注为 %s", count[k], k.by, describeIntent(kb, k.intent))
	}
	return strings.Join(parts, "，") + "，未覆盖"
}

// keptDetail is what the change log adds for the labels left alone: a count, no names.
func keptDetail(taken map[string]store.Label) string {
	return fmt.Sprintf("，%d 条已被他人标注，未覆盖", len(taken))
}

// recentLabels returns the newest labels of a source from the last 30 days (at most 20).
func (c *Console) recentLabels(ctx context.Context, source string, now time.Time) ([]store.Label, error) {
	var all []store.Label
	err := c.d.DB.Labels(ctx, store.LabelQuery{Since: now.Add(-30 * 24 * time.Hour), Source: source}, func(l *store.Label) error {
		all = append(all, *l)
		if len(all) > 200 {
			all = all[len(all)-20:]
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(all) > 20 {
		all = all[len(all)-20:]
	}
	slices.Reverse(all)
	return all, nil
}
