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
