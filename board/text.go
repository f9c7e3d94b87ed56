package board

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/width"

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
	s := &b.Stats
	n := strconv.FormatInt
	ratings := n(s.Ratings, 10) + " ratings"
	if s.Ratings > 0 {
		ratings += ", " + Percent(s.BadRatingShare) + " of them ≤ 2"
	}
	totals := [][]string{
		{"自动回复 answered", Percent(ratio(b.Auto, s.Messages)), n(b.Auto, 10) + " automatically; " + n(s.Suggested, 10) + " suggested to agents"},
		{"未识别 unrecognised", Percent(s.UnrecognisedRate), n(s.Unrecognised, 10) + " out of scope"},
		{"unmatched", Percent(ratio(s.Unmatched, s.Messages)), n(s.Unmatched, 10) + " out of scope, handed off or low confidence (zhiyi unmatched)"},
		{"转人工 handoff", Percent(s.HandoffRate), n(s.Handoffs, 10)},
	}
	if s.Silent > 0 {
		totals = append(totals, []string{"静默 silent", Percent(ratio(s.Silent, s.Messages)), n(s.Silent, 10) + " kept silent by a rule: no answer, no handoff"})
	}
	writeTable(bw, "lrl", append(totals, [][]string{
		{"解决率 resolved", known(s.ResolvedKnown, Percent(s.ResolvedRate)), n(s.Resolved, 10) + " of " + n(s.ResolvedKnown, 10) + " answered yes/no"},
		{"满意度 mean rating", known(s.Ratings, Rating(s.MeanRating)), ratings},
		{"重述率 repeats", Percent(s.RepeatRate), n(s.Repeats, 10)},
		{"corrections", n(s.Corrections, 10), "by agents"},
		{"latency", "p50 " + Micros(float64(s.LatencyP50)), "p99 " + Micros(float64(s.LatencyP99))},
	}...))
	if b.Previous != nil {
		b.writePrevious(bw)
	}
	if len(b.BadComments) > 0 {
		b.writeBadComments(bw)
	}
	if b.Messages == 0 {
		fmt.Fprintln(bw, "no decisions in this period: is zhiyi serve recording to this database?")
		return bw.Flush()
	}

	table := func(title string, head []string, groups []store.Group, row func(g *store.Group) []string) {
		fmt.Fprintf(bw, "\n%s", title)
		if len(groups) > MaxTextRows {
			fmt.Fprintf(bw, " (top %d of %d)", MaxTextRows, len(groups))
		}
		fmt.Fprintln(bw, ":")
		rows := [][]string{head}
		for i := range groups[:min(len(groups), MaxTextRows)] {
			rows = append(rows, row(&groups[i]))
		}
		writeTable(bw, "l"+strings.Repeat("r", len(head)-1), rows)
	}
	cols := func(key string, g *store.Group) []string {
		return []string{key, n(g.Messages, 10), Percent(ratio(g.Messages, b.Messages)), Percent(g.UnrecognisedRate),
			Percent(g.HandoffRate), known(g.ResolvedKnown, Percent(g.ResolvedRate)), known(g.Ratings, Rating(g.MeanRating)),
			Percent(g.RepeatRate), Micros(float64(g.LatencyP99))}
	}
	head := []string{"messages", "share", "未识别率", "转人工率", "解决率", "满意度", "重述率", "p99"}
	table("by channel", append([]string{"channel"}, head...), b.ByChannel, func(g *store.Group) []string { return cols(cmp.Or(g.Key, "(none)"), g) })
	table("by intent", append([]string{"intent"}, head...), b.ByIntent, func(g *store.Group) []string { return cols(b.Label(g.Key), g) })
	if gone := b.NotInKB(); len(gone) > 0 {
		names := make([]string, len(gone))
		for i, g := range gone {
			names[i] = fmt.Sprintf("%s (%d)", g.Key, g.Messages)
		}
		fmt.Fprintf(bw, "note: %d intent(s) of the period are not in the knowledge base (renamed or deleted since their messages were decided; their rows keep the id they were logged with): %s\n",
			len(gone), strings.Join(names, ", "))
	}
	if len(b.ByAnswer) > 0 {
		table("by answer", []string{"answer", "variant", "served", "解决率", "满意度", "ratings", "重述率"}, b.ByAnswer, func(g *store.Group) []string {
			return []string{g.Key, cmp.Or(g.Variant, "-"), n(g.Messages, 10), known(g.ResolvedKnown, Percent(g.ResolvedRate)),
				known(g.Ratings, Rating(g.MeanRating)), n(g.Ratings, 10), Percent(g.RepeatRate)}
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

// writeTable writes rows as columns two spaces apart, indented by two, each cell padded to its
// column's display width: a Chinese character takes two columns of a terminal, and
// text/tabwriter counts it as one. align says per column: 'l' left, 'r' right.
func writeTable(w io.Writer, align string, rows [][]string) {
	var widths []int
	for _, r := range rows {
		for i, c := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	var line strings.Builder
	for _, r := range rows {
		line.Reset()
		line.WriteString("  ")
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]-displayWidth(c))
			right := i < len(align) && align[i] == 'r'
			if i > 0 {
				line.WriteString("  ")
			}
			if right {
				line.WriteString(pad)
			}
			line.WriteString(c)
			if !right && i < len(r)-1 {
				line.WriteString(pad)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(line.String(), " "))
	}
}

// displayWidth is how many terminal columns s takes: two for East Asian wide and full-width
// characters, one for the others.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}
