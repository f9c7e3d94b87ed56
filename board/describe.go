package board

import (
	"math"
	"strings"
)

// describe says in words what a chart shows, for its <desc>, which a screen reader gives after
// the chart's name: the span of the x labels, then each series' lowest, highest and last value
// with the labels they fall on, and with totals its sum over the span as well:
//
//	11-30 周一 至 12-07 周一，8 个点。自动回复 auto：最低 30（12-01 周二），最高 101（12-07 周一），最近 101（12-07 周一），合计 420。…
func describe(c *Chart, format func(float64) string, totals bool) string {
	n := len(c.Labels)
	for _, s := range c.Series {
		n = max(n, len(s.Values))
	}
	label := func(i int) string {
		if i < len(c.Labels) && c.Labels[i] != "" {
			return c.Labels[i]
		}
		return "第 " + Count(float64(i+1)) + " 个"
	}
	var b strings.Builder
	if n == 0 {
		return "没有数据。"
	}
	b.WriteString(label(0))
	if n > 1 {
		b.WriteString(" 至 " + label(n-1))
	}
	b.WriteString("，" + Count(float64(n)) + " 个点。")
	for _, s := range c.Series {
		lo, hi, last, sum := -1, -1, -1, 0.0
		for i, v := range s.Values {
			if !finite(v) {
				continue
			}
			if lo < 0 || v < s.Values[lo] {
				lo = i
			}
			if hi < 0 || v > s.Values[hi] {
				hi = i
			}
			last, sum = i, sum+math.Max(v, 0)
		}
		b.WriteString(s.Name + "：")
		if last < 0 {
			b.WriteString("没有数据。")
			continue
		}
		at := func(i int) string { return format(s.Values[i]) + "（" + label(i) + "）" }
		b.WriteString("最低 " + at(lo) + "，最高 " + at(hi) + "，最近 " + at(last))
		if totals {
			b.WriteString("，合计 " + format(sum))
		}
		b.WriteString("。")
	}
	return b.String()
}

// describeBars says in words what a bar chart shows: each item's label and value (with its
// note and interval), in order.
func describeBars(c *Bars, values []string) string {
	if len(c.Items) == 0 {
		return "没有数据。"
	}
	format := c.Format
	if format == nil {
		format = Count
	}
	parts := make([]string, len(c.Items))
	for i, it := range c.Items {
		parts[i] = it.Label + "：" + values[i]
		if finite(it.Low) && finite(it.High) && it.Low < it.High {
			parts[i] += "（区间 " + format(it.Low) + " 至 " + format(it.High) + "）"
		}
	}
	return strings.Join(parts, "；") + "。"
}
