package console

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/board"
	"github.com/zhiyi-ai/zhiyi/internal/period"
	"github.com/zhiyi-ai/zhiyi/nlp"
)

// periods are the choices the pages offer; any other value parsePeriod reads works too.
var periods = []struct{ Value, Label string }{
	{"24h", "24 小时"}, {"3d", "3 天"}, {"7d", "7 天"}, {"30d", "30 天"}, {"90d", "90 天"},
}

// maxPeriod bounds how far back a page reads: as far as 看板 can report (board.Build refuses a
// period of more than board.MaxPoints hours), so that every page takes the same periods.
const maxPeriod = board.MaxPoints * time.Hour

// parsePeriod reads the start of a period as zhiyi's commands do (period.Parse: a
// duration back from now such as 90m, 24h or 7d, a date such as 2026-11-01 at midnight China
// time, or an RFC 3339 time), in the past and at most maxPeriod back.
func parsePeriod(v string, now time.Time) (time.Time, error) {
	// the pages are Chinese: so are these messages
	t, err := period.Parse(v, now)
	v = nlp.MaskID(v) // quoted back on the page: a since= of 13812345678 is shown as <PHONE>
	switch {
	case err != nil || t.IsZero():
		return time.Time{}, fmt.Errorf("“%s”看不懂：请用 24h、7d 这样的时长，或 2026-11-01 这样的日期", v)
	case t.After(now):
		return time.Time{}, fmt.Errorf("“%s”在将来", v)
	case t.Equal(now):
		return time.Time{}, fmt.Errorf("“%s”是空的时间段：开始就是现在", v)
	case now.Sub(t) > maxPeriod:
		return time.Time{}, fmt.Errorf("“%s”太早：最多往前 %d 天", v, int(maxPeriod.Hours()/24))
	}
	return t, nil
}

// periodOf reads the request's since= (def when absent); a bad value falls back to def and
// says so.
func periodOf(v, def string, now time.Time) (since time.Time, value, problem string) {
	if v == "" {
		v = def
	}
	t, err := parsePeriod(v, now)
	if err != nil {
		t, _ = parsePeriod(def, now)
		return t, def, "时间范围无效：" + err.Error() + "；已改用 " + def
	}
	return t, v, ""
}

// periodView is what the period partial (partial_period.html) shows of a page's period.
type periodView struct {
	Since string // the value read: a preset or any other value parsePeriod takes
	// Until is the until= read ("" for now) and WithUntil whether the page offers it: 看板 and
	// its 导出 end a period where the operator says (last week, Monday to Monday), as zhiyi
	// report and export --until do; the other pages end it now.
	Until     string
	WithUntil bool
	Problem   string // why the value asked for was not taken
	Periods   any    // the presets
	Custom    bool   // Since is not a preset: the select offers it as an option of its own
	Span      string // the period's start and end in China time
}

// pagePeriod reads a page's since= (periodOf) for the period partial.
func pagePeriod(v, def string, now time.Time) (time.Time, periodView) {
	since, value, problem := periodOf(v, def, now)
	const layout = "2006-01-02 15:04"
	return since, periodView{Since: value, Problem: problem, Periods: periods,
		Custom: !slices.ContainsFunc(periods, func(p struct{ Value, Label string }) bool { return p.Value == value }),
		Span:   since.In(cst).Format(layout) + " 至 " + now.In(cst).Format(layout) + "（北京时间）"}
}

// pagePeriodUntil reads a page's since= and until= (the period's end, exclusive: a date, an
// RFC 3339 time or a duration back, as --until takes them; now when absent). An until= that
// cannot be read, is not after the start or is in the future ends the period now, and says so.
func pagePeriodUntil(sinceV, untilV, def string, now time.Time) (since, until time.Time, pv periodView) {
	since, pv = pagePeriod(sinceV, def, now)
	pv.WithUntil, until = true, now
	if untilV == "" {
		return since, until, pv
	}
	t, err := period.Parse(untilV, now)
	shown := nlp.MaskID(untilV) // quoted back on the page, as since= is
	var problem string
	switch {
	case err != nil || t.IsZero():
		problem = fmt.Sprintf("截至“%s”看不懂：请用 2026-11-30 这样的日期", shown)
	case t.After(now):
		problem = fmt.Sprintf("截至“%s”在将来", shown)
	case !t.After(since):
		problem = fmt.Sprintf("截至“%s”不在开始之后", shown)
	default:
		until, pv.Until = t, untilV
	}
	if problem != "" {
		problem = "时间范围无效：" + problem + "；已改为截至现在"
		pv.Problem = strings.TrimPrefix(pv.Problem+"；"+problem, "；")
	}
	const layout = "2006-01-02 15:04"
	pv.Span = since.In(cst).Format(layout) + " 至 " + until.In(cst).Format(layout) + "（北京时间）"
	return since, until, pv
}
