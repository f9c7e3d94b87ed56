package board

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/zhiyi-ai/zhiyi/store"
)

// Previous is the period of the same length just before a board's (last week beside this
// week), for the question a weekly review asks first: what changed. Its totals are store.Stats
// under the board's names; Intents are the intents whose messages changed most.
type Previous struct {
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`
	store.Stats
	Auto    int64          `json:"auto"`
	Intents []IntentChange `json:"intents"`
}

// IntentChange is one intent's messages in the previous period and in the board's.
type IntentChange struct {
	Key      string `json:"key"`
	Previous int64  `json:"previous"`
	Messages int64  `json:"messages"`
	Change   int64  `json:"change"` // Messages − Previous
}

// MaxIntentChanges bounds Previous.Intents: the intents that grew or shrank most.
const MaxIntentChanges = 10

// Compare reads the period of b's length that ends where b's starts, with q's grouping and
// labels, and sets it on b as b.Previous.
func Compare(ctx context.Context, src Source, q Query, b *Board) error {
	q.Until, q.Since = b.Since, b.Since.Add(-b.Until.Sub(b.Since)) // the same length: the same step
	prev, err := build(ctx, src, q, false)
	if err != nil {
		return err
	}
	p := &Previous{Since: prev.Since, Until: prev.Until, Stats: prev.Stats, Auto: prev.Auto}
	before := map[string]int64{}
	for _, g := range prev.ByIntent {
		before[g.Key] = g.Messages
	}
	for _, g := range b.ByIntent {
		p.Intents = append(p.Intents, IntentChange{Key: g.Key, Previous: before[g.Key], Messages: g.Messages, Change: g.Messages - before[g.Key]})
		delete(before, g.Key)
	}
	for k, n := range before { // asked last period, not this one
		p.Intents = append(p.Intents, IntentChange{Key: k, Previous: n, Change: -n})
	}
	abs := func(v int64) int64 { return max(v, -v) }
	slices.SortFunc(p.Intents, func(x, y IntentChange) int {
		return cmp.Or(cmp.Compare(abs(y.Change), abs(x.Change)), cmp.Compare(y.Change, x.Change), cmp.Compare(x.Key, y.Key))
	})
	p.Intents = p.Intents[:min(len(p.Intents), MaxIntentChanges)]
	b.Previous = p
	return nil
}

// CompareRow is one total of the board beside the period before's, formatted: the rows the
// text report, the HTML page and the console's 看板 show alike.
type CompareRow struct {
	Name     string // 消息量 messages, 自动回复 answered, …
	Previous string
	Current  string
	// Change is the relative change of a count ("+25.0%"), empty for a rate (its two values say it).
	Change string
}

// CompareRows are b's totals beside b.Previous's, nil without a comparison.
func (b *Board) CompareRows() []CompareRow {
	p := b.Previous
	if p == nil {
		return nil
	}
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	change := "–"
	if p.Messages > 0 {
		change = fmt.Sprintf("%+.1f%%", 100*float64(b.Messages-p.Messages)/float64(p.Messages))
	}
	s := &b.Stats
	// a period without messages has no rates: "–", not a 0% the other is read as rising from
	rate := func(messages int64, v float64) string { return known(messages, Percent(v)) }
	return []CompareRow{
		{"消息量 messages", n(p.Messages), n(s.Messages), change},
		{"自动回复 answered", rate(p.Messages, ratio(p.Auto, p.Messages)), rate(s.Messages, ratio(b.Auto, s.Messages)), ""},
		{"未识别 unrecognised", rate(p.Messages, p.UnrecognisedRate), rate(s.Messages, s.UnrecognisedRate), ""},
		{"转人工 handoff", rate(p.Messages, p.HandoffRate), rate(s.Messages, s.HandoffRate), ""},
		{"解决率 resolved", known(p.ResolvedKnown, Percent(p.ResolvedRate)), known(s.ResolvedKnown, Percent(s.ResolvedRate)), ""},
		{"满意度 mean rating", known(p.Ratings, Rating(p.MeanRating)), known(s.Ratings, Rating(s.MeanRating)), ""},
		{"重述率 repeats", rate(p.Messages, p.RepeatRate), rate(s.Messages, s.RepeatRate), ""},
	}
}

// writePrevious writes the comparison with the previous period: its totals beside b's, then
// the intents that changed most.
func (b *Board) writePrevious(bw *bufio.Writer) {
	p := b.Previous
	const day = "2006-01-02 15:04"
	fmt.Fprintf(bw, "\nvs the period before, %s – %s:\n", p.Since.In(b.Since.Location()).Format(day), p.Until.In(b.Since.Location()).Format(day))
	var rows [][]string
	for _, r := range b.CompareRows() {
		row := []string{r.Name, r.Previous, "→", r.Current}
		if r.Change != "" {
			row = append(row, r.Change)
		}
		rows = append(rows, row)
	}
	writeTable(bw, "lrlr", rows)
	if len(p.Intents) == 0 {
		return
	}
	fmt.Fprintln(bw, "intents that changed most:")
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	rows = rows[:0]
	for _, c := range p.Intents {
		rows = append(rows, []string{b.Label(c.Key), n(c.Previous), "→", n(c.Messages), fmt.Sprintf("%+d", c.Change)})
	}
	writeTable(bw, "lrlrr", rows)
}
