package train

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zhiyi-ai/zhiyi/internal/period"
	"github.com/zhiyi-ai/zhiyi/nlp"
)

// CSVColumns maps the columns of a CRM CSV export. Each field lists accepted header names; the
// first header present wins. Role and Customer are optional: without them every row is kept.
type CSVColumns struct {
	Text     []string
	Time     []string
	Intent   []string
	Role     []string
	Sender   []string
	Customer []string // values of the Role column that mean "customer"
	// MsgID and Conversation are optional: a message id (for labels by msgid) and the
	// conversation a row belongs to.
	MsgID        []string
	Conversation []string
}

// DefaultCSVColumns understands common Chinese and English headers.
func DefaultCSVColumns() CSVColumns {
	return CSVColumns{
		Text:         []string{"消息内容", "内容", "消息", "text", "content", "message"},
		Time:         []string{"发送时间", "时间", "time", "sent_at", "timestamp"},
		Intent:       []string{"意图标签", "意图", "标签", "intent", "label"},
		Role:         []string{"发送方类型", "角色", "role", "sender_type"},
		Sender:       []string{"发送方", "客户", "sender", "from"},
		Customer:     []string{"客户", "customer", "用户", "user"},
		MsgID:        []string{"消息ID", "消息id", "msgid", "msg_id", "message_id"},
		Conversation: []string{"会话ID", "会话id", "会话", "conversation", "session_id", "chat_id"},
	}
}

// ParseCSVColumns reads a mapping such as "text=消息内容,time=发送时间,intent=意图标签,role=发送方类型,customer=客户"
// over the defaults.
func ParseCSVColumns(spec string) (CSVColumns, error) {
	c := DefaultCSVColumns()
	if strings.TrimSpace(spec) == "" {
		return c, nil
	}
	for _, kv := range strings.Split(spec, ",") {
		k, v, ok := strings.Cut(kv, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || v == "" {
			return c, fmt.Errorf("csv mapping %q: want key=column", kv)
		}
		switch k {
		case "text":
			c.Text = []string{v}
		case "time":
			c.Time = []string{v}
		case "intent", "label":
			c.Intent = []string{v}
		case "role":
			c.Role = []string{v}
		case "sender":
			c.Sender = []string{v}
		case "customer":
			c.Customer = []string{v}
		case "msgid":
			c.MsgID = []string{v}
		case "conversation":
			c.Conversation = []string{v}
		default:
			return c, fmt.Errorf("csv mapping: unknown key %q (want text, time, intent, role, sender, customer, msgid, conversation)", k)
		}
	}
	return c, nil
}

func (im *Importer) importCSV(ctx context.Context, path string, r io.Reader, fn func(Message) error) error {
	br := bufio.NewReader(r)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("%s:1: csv header: %w", path, err)
	}
	if h := strings.Join(header, ","); !utf8.ValidString(h) {
		return fmt.Errorf("%s:1: %w", path, nlp.CheckUTF8([]byte(h)))
	}
	im.stats.Lines++
	col := func(names []string) int {
		for _, n := range names {
			for i, h := range header {
				if strings.TrimSpace(h) == n {
					return i
				}
			}
		}
		return -1
	}
	textCol, timeCol, intentCol, roleCol, senderCol := col(im.CSV.Text), col(im.CSV.Time), col(im.CSV.Intent), col(im.CSV.Role), col(im.CSV.Sender)
	idCol, convCol := col(im.CSV.MsgID), col(im.CSV.Conversation)
	if textCol < 0 {
		return fmt.Errorf("%s:1: no text column (looked for %s; map one with --csv text=COLUMN)", path, strings.Join(im.CSV.Text, ", "))
	}
	loc := im.Location
	if loc == nil {
		loc = period.CST
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		im.stats.Lines++
		if err != nil {
			// After a parse error there are no field positions; the error knows the line.
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			im.stats.skip(SkipMalformed, fmt.Sprintf("%s:%d", path, line), err)
			continue
		}
		line, _ := cr.FieldPos(0)
		where := fmt.Sprintf("%s:%d", path, line)
		get := func(i int) string {
			if i < 0 || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		if textCol >= len(rec) {
			im.stats.skip(SkipMalformed, where, fmt.Errorf("%d fields, text is column %d", len(rec), textCol+1))
			continue
		}
		agent := roleCol >= 0 && !slices.Contains(im.CSV.Customer, get(roleCol))
		m := Message{Text: rec[textCol], Intent: get(intentCol), Sender: get(senderCol), Source: where,
			MsgID: get(idCol), Channel: "csv"}
		if c := get(convCol); c != "" {
			m.Conversation = "csv:" + c
		}
		if !utf8.ValidString(strings.Join(rec, "")) {
			im.stats.skip(SkipMalformed, where, nlp.CheckUTF8([]byte(strings.Join(rec, ","))))
			continue
		}
		if ts := get(timeCol); ts != "" {
			t, err := parseTime(ts, loc)
			if err != nil {
				im.stats.skip(SkipMalformed, where, err)
				continue
			}
			m.Time = t
		}
		if agent {
			err = im.emitAgent(m, fn)
		} else {
			err = im.emit(m, fn)
		}
		if err != nil {
			return err
		}
	}
}

func parseTime(s string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04:05", "2006/01/02 15:04:05", "2006-01-02 15:04", "2006/1/2 15:04", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	var v int64
	if _, err := fmt.Sscan(s, &v); err == nil && v > 1e8 {
		return unixAuto(v), nil
	}
	return time.Time{}, fmt.Errorf("time %q: not a date like 2026-08-03 14:05:09", s)
}
