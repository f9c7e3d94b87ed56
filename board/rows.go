package board

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/store"
)

// RowSource is what WriteRows reads from the decision log; *store.DB implements it.
type RowSource interface {
	Decisions(ctx context.Context, q store.Query, fn func(*store.Decision) error) error
	Feedback(ctx context.Context, q store.FeedbackQuery, fn func(*store.FeedbackRecord) error) error
	Labels(ctx context.Context, q store.LabelQuery, fn func(*store.Label) error) error
}

// Row is one decision of the log with what its feedback says last: the rating, the resolution,
// an agent's correction (each field's latest value, as the report reads them), and the latest
// comment of each side. Comment is the customer's (feedback without an agent_id) and
// AgentComment an agent's: in one column, an agent's note on a correction replaced the words of
// the bad rating before it (答非所问 became 应为退货), the words a weekly review reads.
type Row struct {
	store.Decision
	Rating        int    `json:"rating,omitempty"`
	Resolved      *bool  `json:"resolved,omitempty"`
	CorrectIntent string `json:"correct_intent,omitempty"`
	Comment       string `json:"comment,omitempty"`
	AgentID       string `json:"agent_id,omitempty"`
	AgentComment  string `json:"agent_comment,omitempty"`
	// Label is the intent the labels table gives the message (the console's 未识别 and 错判案例;
	// new:<标签> for an intent kb.yaml lacked), unless an agent corrected
	// it after: of a label and a correction the later names the message's intent, and zhiyi
	// train reads it so (a row's gold is its label, else its correction).
	Label string `json:"label,omitempty"`

	correctedAt time.Time // when CorrectIntent was given
}

// Row formats.
const (
	RowsJSON = "jsonl" // one JSON object per line (Row)
	RowsCSV  = "csv"   // a header and one line per decision, UTF-8 with a byte-order mark
)

// rowColumns are the CSV's columns, in Chinese and English so that a spreadsheet reads either.
var rowColumns = []string{
	"时间 time", "消息ID msg_id", "渠道 channel", "客户 sender", "会话 chat", "消息 text", "意图 intent",
	"置信度 confidence", "处理 route", "原因 reason", "答案 answer_id", "规则 rule", "实验组 variant",
	"情绪 sentiment", "轮次 turn", "上下文意图 active_intent", "重述 repeat", "升级 escalation",
	"模型 model", "耗时 latency_us", "评分 rating", "已解决 resolved", "纠正意图 correct_intent",
	"评论 comment", "客服 agent_id", "客服备注 agent_comment", "标签 label", // new columns last: a sheet's column letters before them stay
}

// RowsQuery chooses what WriteRows writes and how.
type RowsQuery struct {
	Since, Until time.Time      // the period [Since, Until); zero Until: no end
	Location     *time.Location // the clock times are written in (CST when nil)
	Format       string         // RowsJSON or RowsCSV
	// Max, when not zero, is the most rows written: the period holding more is ErrTooManyRows,
	// after Max rows have gone to w (the console buffers its download and refuses it whole).
	Max int
}

// ErrTooManyRows is WriteRows's error for a period holding more decisions than RowsQuery.Max.
var ErrTooManyRows = errors.New("rows: the period holds more decisions than asked for")

// WriteRows writes the decisions of q's period, oldest first, each with its latest feedback, to w
// in q's format, and returns how many. Text, reason and comment are masked (again: the log keeps
// them masked by the masker of the day they were written); senders and
// conversations are keyed hashes. A CSV cell a spreadsheet would run as a formula (one that
// starts with = + - @ or a tab: a customer's message can) is written with a leading apostrophe.
func WriteRows(ctx context.Context, db RowSource, q RowsQuery, w io.Writer) (int, error) {
	format, since, until, loc := q.Format, q.Since, q.Until, q.Location
	if format != RowsJSON && format != RowsCSV {
		return 0, fmt.Errorf("rows: format %q: want %s or %s", format, RowsJSON, RowsCSV)
	}
	if loc == nil {
		loc = CST
	}
	latest, err := latestFeedback(ctx, db, since, until)
	if err != nil {
		return 0, err
	}
	labels, err := latestLabels(ctx, db, since)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var (
		enc  *json.Encoder
		cw   *csv.Writer
		cell []string
	)
	if format == RowsJSON {
		enc = json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
	} else {
		bw.WriteString("\ufeff") // Excel reads a CSV without it in the machine's code page, not UTF-8
		cw = csv.NewWriter(bw)
		cw.UseCRLF = true
		if err := cw.Write(rowColumns); err != nil {
			return 0, err
		}
	}
	n := 0
	err = db.Decisions(ctx, store.Query{Since: since, Until: until}, func(d *store.Decision) error {
		r := Row{Decision: *d}
		if fb := latest[d.MsgID]; fb != nil {
			fb.Decision = *d
			r = *fb
		}
		if l, ok := labels[d.MsgID]; ok && !l.Time.Before(r.correctedAt) {
			r.Label = l.Intent
		}
		if q.Max > 0 && n == q.Max {
			return ErrTooManyRows
		}
		r.Time = r.Time.In(loc)
		// The store masks on write; masking again (a few microseconds a row) keeps a row written
		// before the masker knew its form, or by another tool, from going out on a sheet, as the
		// unmatched page and corrections mask what they show.
		r.Text, r.Reason = store.MaskText(r.Text), store.MaskText(r.Reason)
		n++
		if enc != nil {
			return enc.Encode(&r)
		}
		cell = r.cells(cell[:0])
		return cw.Write(cell)
	})
	if err != nil {
		return n, err
	}
	if cw != nil {
		if cw.Flush(); cw.Error() != nil {
			return n, cw.Error()
		}
	}
	return n, bw.Flush()
}

// cells appends r's CSV cells in rowColumns order.
func (r *Row) cells(dst []string) []string {
	resolved := ""
	if r.Resolved != nil {
		resolved = strconv.FormatBool(*r.Resolved)
	}
	rating := ""
	if r.Rating != 0 {
		rating = strconv.Itoa(r.Rating)
	}
	d := &r.Decision
	for _, v := range []string{
		d.Time.Format(time.DateTime), d.MsgID, d.Channel, d.SenderHash, d.ChatHash, d.Text, d.Intent,
		strconv.FormatFloat(d.Confidence, 'f', 4, 64), d.Route, d.Reason, d.AnswerID, d.Rule, d.Variant,
		d.Sentiment, strconv.Itoa(d.Turn), d.ActiveIntent, strconv.FormatBool(d.Repeat), d.Escalation,
		d.Model, strconv.FormatInt(d.LatencyMicros, 10), rating, resolved, r.CorrectIntent, r.Comment, r.AgentID, r.AgentComment, r.Label,
	} {
		dst = append(dst, spreadsheetSafe(v))
	}
	return dst
}

// spreadsheetSafe keeps a spreadsheet from running a cell as a formula (CSV injection: a
// customer who types =HYPERLINK(…) into the chat): a leading = + - @, tab or carriage return
// gets an apostrophe before it, which spreadsheets show as text and do not display.
func spreadsheetSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// latestFeedback reads the feedback of the period [since, until) — on the decisions made in it,
// whenever given, as the report counts it (store.FeedbackQuery.ByDecision) — and returns, by
// msg_id, its decision and each field's latest value, the comments masked (again: the log keeps
// them masked by the masker of their day).
func latestFeedback(ctx context.Context, db RowSource, since, until time.Time) (map[string]*Row, error) {
	latest := map[string]*Row{}
	q := store.FeedbackQuery{Since: since, Until: until, ByDecision: true}
	err := db.Feedback(ctx, q, func(f *store.FeedbackRecord) error {
		r := latest[f.MsgID]
		if r == nil {
			r = &Row{Decision: f.Decision}
			latest[f.MsgID] = r
		}
		if f.Rating != 0 {
			r.Rating = f.Rating
		}
		if f.Resolved != nil {
			v := *f.Resolved
			r.Resolved = &v
		}
		if f.CorrectIntent != "" {
			r.CorrectIntent, r.correctedAt = f.CorrectIntent, f.Time
		}
		switch {
		case f.Comment == "":
		case f.AgentID != "": // given by an agent (docs/api.md: agent_id is who gave it)
			r.AgentComment = store.MaskText(f.Comment)
		default:
			r.Comment = store.MaskText(f.Comment)
		}
		if f.AgentID != "" {
			r.AgentID = f.AgentID
		}
		return nil
	})
	return latest, err
}

// latestLabels reads the labels given since the period began (none is given to a message before
// it is said) and returns the latest of each message, by msg_id. A label of a message without
// an id is keyed by its text (store.LabelKey), and names no decision.
func latestLabels(ctx context.Context, db RowSource, since time.Time) (map[string]store.Label, error) {
	out := map[string]store.Label{}
	err := db.Labels(ctx, store.LabelQuery{Since: since}, func(l *store.Label) error {
		if prev, ok := out[l.Key]; !ok || !l.Time.Before(prev.Time) {
			out[l.Key] = *l
		}
		return nil
	})
	return out, err
}
