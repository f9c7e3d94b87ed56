package board

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/zhiyi-ai/zhiyi/alert"
)

// Title names the board's shop (when known) and period, as a report's subject: 知意客服报告 · 衣橱小铺
// 2026-11-30 – 2026-12-07.
func (b *Board) Title() string {
	if b.Shop != "" {
		return "知意客服报告 · " + b.Shop + " " + b.periodText()
	}
	return "知意客服报告 " + b.periodText()
}

// periodText is the period in the board's location: whole days as dates (the end inclusive, as
// a person reads 11-30 – 12-06), otherwise minutes.
func (b *Board) periodText() string {
	since, until := b.Since.In(b.Since.Location()), b.Until.In(b.Since.Location())
	if since.Hour() == 0 && since.Minute() == 0 && until.Hour() == 0 && until.Minute() == 0 && since.Second() == 0 && until.Second() == 0 {
		return since.Format("2006-01-02") + " – " + until.AddDate(0, 0, -1).Format("2006-01-02")
	}
	return since.Format("2006-01-02 15:04") + " – " + until.Format("2006-01-02 15:04")
}

// maxDigestLines bounds each list of the digest: a group chat reads five, not ten.
const maxDigestLines = 5

// maxDigestComment bounds a comment in the digest, in runes: five of 2048 bytes (what
// /feedback takes) ran past WeComMaxContentBytes, and the cut took the link to 看板 with it.
const maxDigestComment = 100

// Markdown is the board as a WeCom group robot's markdown message (zhiyi report --send): the
// first numbers of a weekly review, the period before's beside them when Compare set it, the
// intents that changed most and the bad ratings' words — customer text escaped, so a comment
// cannot put a link or a tag in the shop's own robot's message. link, when not empty, is where
// the console's 看板 shows the rest. The robot takes WeComMaxContentBytes; a longer board is
// cut by the sender; one with a link is cut here, above the link, which it keeps.
func (b *Board) Markdown(link string) string {
	var w strings.Builder
	esc := alert.WeComEscape
	fmt.Fprintf(&w, "### %s\n", esc(b.Title()))
	s := &b.Stats
	fmt.Fprintf(&w, "消息 **%d** 条", s.Messages)
	if p := b.Previous; p != nil && p.Messages > 0 {
		fmt.Fprintf(&w, "，较上一周期 %+.1f%%", 100*float64(s.Messages-p.Messages)/float64(p.Messages))
	}
	w.WriteString("\n")
	if s.Messages == 0 {
		w.WriteString("这段时间没有决策记录：zhiyi serve 是否在记录到这个数据库？\n")
	}
	// a week without messages has no rates: 0% would read as none answered, none handed off
	rate := func(r float64) string {
		if s.Messages == 0 {
			return "–"
		}
		return Percent(r)
	}
	fmt.Fprintf(&w, "自动回复 **%s** · 未识别 **%s** · 转人工 **%s**\n", rate(ratio(b.Auto, s.Messages)), rate(s.UnrecognisedRate), rate(s.HandoffRate))
	bad := "–"
	if s.Ratings > 0 {
		bad = Percent(s.BadRatingShare)
	}
	fmt.Fprintf(&w, "解决率 %s · 满意度 %s · 差评 %s · 重述率 %s\n",
		known(s.ResolvedKnown, Percent(s.ResolvedRate)), known(s.Ratings, Rating(s.MeanRating)), bad, rate(s.RepeatRate))
	if p := b.Previous; p != nil {
		w.WriteString("**与上一周期相比**\n")
		for _, r := range b.CompareRows()[1:] { // messages is the line above
			name, _, _ := strings.Cut(r.Name, " ")
			fmt.Fprintf(&w, "> %s %s → %s\n", name, r.Previous, r.Current)
		}
		if len(p.Intents) > 0 {
			w.WriteString("**变化最大的意图**\n")
			for _, c := range p.Intents[:min(len(p.Intents), maxDigestLines)] {
				fmt.Fprintf(&w, "> %s：%d → %d（%+d）\n", esc(b.Label(c.Key)), c.Previous, c.Messages, c.Change)
			}
		}
	}
	if len(b.BadComments) > 0 {
		fmt.Fprintf(&w, "**差评的话**（%d 个差评中 %d 个留了话）\n", s.BadRatings, b.BadCommented)
		for _, c := range b.BadComments[:min(len(b.BadComments), maxDigestLines)] {
			fmt.Fprintf(&w, "> %d 条：%s\n", c.Messages, esc(clip(c.Comment, maxDigestComment)))
		}
	}
	if link == "" {
		return w.String()
	}
	// the link is what the group follows for the rest: a message past the robot's limit is cut
	// before it, not through it (the sender's cut took the link with it)
	linkLine := fmt.Sprintf("[在控制台看板查看](%s)\n", link)
	body := w.String()
	if len(body)+len(linkLine) > alert.WeComMaxContentBytes {
		const more = "……（更多见看板）\n"
		body = cutAtLine(body, alert.WeComMaxContentBytes-len(linkLine)-len(more)) + more
	}
	return body + linkLine
}

// cutAtLine cuts s to at most n bytes, at the end of a line when one ends within them.
func cutAtLine(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	s = s[:n]
	if i := strings.LastIndexByte(s, '\n'); i > 0 {
		return s[:i+1]
	}
	return s
}
