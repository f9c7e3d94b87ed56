package board

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/zhiyi-ai/zhiyi/store"
)

// MaxTextRows bounds each table of WriteText; the JSON and the page list every row.
const MaxTextRows = 15

// WriteText writes the board as a short plain-text summary: the headline numbers, then tables
// by channel, intent and answer, and the busiest hours.
func (b *Board) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	const day = "2006-01-02 15:04"
	fmt.Fprintf(bw, "%s – %s (%s): %d messages\n", b.Since.Format(day), b.Until.Format(day), b.TimeZone, b.Messages)
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	s := &b.Stats
	fmt.Fprintf(tw, "  未识别 unrecognised\t%d\t%s\t(out of scope)\n", s.Unrecognised, Percent(s.UnrecognisedRate))
	fmt.Fprintf(tw, "  unmatched\t%d\t%s\t(out of scope, handed off or low confidence: zhiyi unmatched)\n", s.Unmatched, Percent(ratio(s.Unmatched, s.Messages)))
	fmt.Fprintf(tw, "  转人工 handoff\t%d\t%s\t\n", s.Handoffs, Percent(s.HandoffRate))
	fmt.Fprintf(tw, "  解决率 resolved\t%d\t%s\tof %d answered yes/no\n", s.Resolved, known(s.ResolvedKnown, Percent(s.ResolvedRate)), s.ResolvedKnown)
	fmt.Fprintf(tw, "  满意度 mean rating\t%d\t%s\tratings; %s of them ≤ 2\n", s.Ratings, known(s.Ratings, Rating(s.MeanRating)), Percent(s.BadRatingShare))
	fmt.Fprintf(tw, "  重述率 repeats\t%d\t%s\t\n", s.Repeats, Percent(s.RepeatRate))
	fmt.Fprintf(tw, "  corrections\t%d\t\tby agents\n", s.Corrections)
	fmt.Fprintf(tw, "  latency\tp50 %s\tp99 %s\t\n", Micros(float64(s.LatencyP50)), Micros(float64(s.LatencyP99)))
	tw.Flush()
	if b.Messages == 0 {
		fmt.Fprintln(bw, "no decisions in this period: is zhiyi serve recording to this database?")
		return bw.Flush()
	}

	table := func(title string, head string, rows []store.Group, row func(g *store.Group) string) {
		fmt.Fprintf(bw, "\n%s", title)
		if len(rows) > MaxTextRows {
			fmt.Fprintf(bw, " (top %d of %d)", MaxTextRows, len(rows))
		}
		fmt.Fprintln(bw, ":")
		tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  "+head)
		for i := range rows[:min(len(rows), MaxTextRows)] {
			fmt.Fprintln(tw, "  "+row(&rows[i]))
		}
		tw.Flush()
	}
	cols := func(g *store.Group) string {
		return strings.Join([]string{fmt.Sprint(g.Messages), Percent(ratio(g.Messages, b.Messages)), Percent(g.UnrecognisedRate),
			Percent(g.HandoffRate), known(g.ResolvedKnown, Percent(g.ResolvedRate)), known(g.Ratings, Rating(g.MeanRating)),
			Percent(g.RepeatRate), Micros(float64(g.LatencyP99))}, "\t")
	}
	const head = "messages\tshare\t未识别率\t转人工率\t解决率\t满意度\t重述率\tp99"
	table("by channel", "channel\t"+head, b.ByChannel, func(g *store.Group) string { return cmp.Or(g.Key, "(none)") + "\t" + cols(g) })
	table("by intent", "intent\t"+head, b.ByIntent, func(g *store.Group) string { return b.Label(g.Key) + "\t" + cols(g) })
	if len(b.ByAnswer) > 0 {
		table("by answer", "answer\tvariant\tserved\t解决率\t满意度\tratings\t重述率", b.ByAnswer, func(g *store.Group) string {
			return strings.Join([]string{g.Key, cmp.Or(g.Variant, "-"), fmt.Sprint(g.Messages), known(g.ResolvedKnown, Percent(g.ResolvedRate)),
				known(g.Ratings, Rating(g.MeanRating)), fmt.Sprint(g.Ratings), Percent(g.RepeatRate)}, "\t")
		})
	}
	hours := slices.Clone(b.ByHour)
	slices.SortStableFunc(hours, func(x, y HourStats) int { return cmp.Compare(y.Messages, x.Messages) })
	fmt.Fprintf(bw, "\nbusiest hours (%s):", b.TimeZone)
	for _, h := range hours[:min(len(hours), 5)] {
		if h.Messages > 0 {
			fmt.Fprintf(bw, "  %d时 %d (%s 未识别)", h.Hour, h.Messages, Percent(h.UnrecogRate))
		}
	}
	fmt.Fprintln(bw)
	return bw.Flush()
}

// known is v when n counts something, else "–".
func known(n int64, v string) string {
	if n == 0 {
		return "–"
	}
	return v
}
