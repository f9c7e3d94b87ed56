package alert

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zhiyi-ai/zhiyi/internal/period"
	"github.com/zhiyi-ai/zhiyi/internal/stat"
)

// State is where a rule stands when it emits an Alert.
type State string

const (
	// StateFiring: the condition holds (or a keyword comment arrived).
	StateFiring State = "firing"
	// StateResolved: the condition of a firing rule no longer holds.
	StateResolved State = "resolved"
	// StateStopped: the process stops while the rule fires, so nothing will say when it
	// resolves; a process that starts again evaluates from empty windows and fires again if
	// the condition still holds.
	StateStopped State = "stopped"
)

// Alert is one change of a rule's state, as notifiers receive it. Notifiers must treat it as
// read-only: the same Alert goes to every target of its rule.
type Alert struct {
	Rule     string // the rule's id
	Name     string // the rule's name
	Measure  Measure
	Severity Severity
	State    State
	// Value is what was measured when the state changed, in the units of Threshold: a count,
	// a share in [0, 1], seconds (p99_latency) or records (spool).
	Value     float64
	Threshold float64
	Num       int64         // the events counted in Value (the numerator of a share)
	Count     int64         // the events in the window (the denominator of a share); comments: how many this alert reports
	Window    time.Duration // 0 for comment_keywords and spool
	// Keyword alerts only: the group's category and label, the word found, the comment
	// (masked, at most MaxCommentRunes) and its rating (0 when absent), all of the newest
	// comment; when the alert reports the comments a cooldown held back too (Count > 1),
	// Earlier quotes the newest of them, newest first (at most MaxQuotedComments of
	// MaxQuotedRunes each) and Since is when the first came.
	Category      string
	CategoryLabel string
	Keyword       string
	Comment       string
	Earlier       []string
	Rating        int
	Since         time.Time // when the rule started firing
	At            time.Time // when this state was entered
	// Summary says it in one Chinese line for people, e.g. "10分钟内有 20 条消息未识别（阈值 20 条）".
	Summary string
	// Shop is the shop the alert is about (Config.Shop: kb.yaml's shop), so that a group robot
	// or mailbox several shops alert into tells them apart; empty when not given.
	Shop string

	targets []string // the rule's targets; empty means all
}

// MaxCommentRunes bounds the comment an alert carries, so one long comment cannot fill a
// WeCom message.
const MaxCommentRunes = 200

// MaxSummaryBytes bounds an alert's Summary (the comments it quotes make it long), so that one
// alert always fits in one WeCom markdown message with its heading and footer.
const MaxSummaryBytes = 2048

// summary writes the one-line Chinese description of a.
func (a *Alert) summary() string {
	var b strings.Builder
	switch a.State {
	case StateResolved:
		b.WriteString("已恢复：")
	case StateStopped:
		b.WriteString("停止监测（zhiyi 停止时仍在告警，之后不会再发恢复；重启后重新统计，问题仍在会再次告警）：")
	}
	w := zhDuration(a.Window)
	switch a.Measure {
	case MeasureUnrecognised:
		fmt.Fprintf(&b, "%s内有 %d 条消息未识别（阈值 %s 条）", w, a.Num, num(a.Threshold))
	case MeasureUnrecognisedShare:
		fmt.Fprintf(&b, "%s内未识别占 %s（%d/%d 条消息，阈值 %s）", w, percent(a.Value), a.Num, a.Count, percent(a.Threshold))
	case MeasureHandoffShare:
		fmt.Fprintf(&b, "%s内转人工占 %s（%d/%d 条消息，阈值 %s）", w, percent(a.Value), a.Num, a.Count, percent(a.Threshold))
	case MeasureBadRatings:
		fmt.Fprintf(&b, "%s内收到 %d 个差评（阈值 %s 个）", w, a.Num, num(a.Threshold))
	case MeasureErrorRate:
		fmt.Fprintf(&b, "%s内 5xx 错误占 %s（%d/%d 次，阈值 %s）", w, percent(a.Value), a.Num, a.Count, percent(a.Threshold))
	case MeasureP99Latency:
		fmt.Fprintf(&b, "%s内 p99 延迟约 %s（%d 条消息，阈值 %s）", w, seconds(a.Value), a.Count, seconds(a.Threshold))
	case MeasureSpool:
		fmt.Fprintf(&b, "决策日志积压 %d 条（阈值 %s 条）", a.Num, num(a.Threshold))
	case MeasureDropped:
		// The store counts every loss in one metric: a full or unwritable spool, a decision the
		// database refused. Its log line says which. (Spooled feedback whose msg_id never reached
		// the log is not a loss: zhiyi_store_feedback_unmatched_total.)
		fmt.Fprintf(&b, "%s内决策日志丢失 %d 条记录（阈值 %s 条；zhiyi_store_dropped_total）", w, a.Num, num(a.Threshold))
		if a.State == StateFiring {
			b.WriteString("：积压已满或写不进、数据库拒收等，原因见日志中 store: 开头的错误和警告")
		}
	case MeasureCommentKeywords:
		fmt.Fprintf(&b, "评价提到「%s」，归类：%s（%s）", a.Keyword, a.CategoryLabel, a.Category)
		if a.Rating > 0 {
			fmt.Fprintf(&b, "，评分 %d", a.Rating)
		}
		if a.Comment != "" {
			fmt.Fprintf(&b, "：%s", a.Comment)
		}
		if a.Count > 1 {
			fmt.Fprintf(&b, "；自 %s 起另有 %d 条同类评价", a.Since.In(period.CST).Format("01-02 15:04"), a.Count-1)
			for i, q := range a.Earlier {
				if i == 0 {
					b.WriteString("，如")
				}
				fmt.Fprintf(&b, "「%s」", q)
			}
		}
	}
	if b.Len() > MaxSummaryBytes {
		return truncateBytes(b.String(), MaxSummaryBytes-len("…")) + "…"
	}
	return b.String()
}

// logSummary is the summary without the customer's words: the alert's targets get them
// (masked), logs do not.
func (a *Alert) logSummary() string {
	if a.Comment == "" && len(a.Earlier) == 0 {
		return a.Summary
	}
	c := *a
	c.Comment, c.Earlier = "", nil
	return c.summary()
}

// zhDuration writes a window the way an operator says it: 10分钟, 1小时, 30秒.
func zhDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + "小时"
	case d%time.Minute == 0:
		return strconv.Itoa(int(d/time.Minute)) + "分钟"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "秒"
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// percent is a share to one decimal, never rounded to all or none (stat.PercentText).
func percent(v float64) string {
	return strings.TrimSuffix(stat.PercentText(v, 1), ".0") + "%"
}

func seconds(v float64) string {
	d := time.Duration(v * float64(time.Second))
	if d < time.Second {
		s := strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64)
		return strings.TrimSuffix(s, ".0") + "ms"
	}
	return strings.TrimSuffix(strconv.FormatFloat(d.Seconds(), 'f', 1, 64), ".0") + "s"
}

// truncateRunes cuts s to at most n runes, marking the cut with "…".
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, k := 0, 0
	for i = range s {
		if k == n-1 {
			break
		}
		k++
	}
	return s[:i] + "…"
}
