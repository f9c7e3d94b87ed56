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

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

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

// DefaultCSVColumns understands common Chinese and English headers; they are compared folded
// (csvName), so the traditional-script and upper-case forms are understood too.
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

// csvName is a header or role value as it is compared: a CRM in Hong Kong or Taiwan writes its
// headers and roles in traditional script (訊息內容, 發送方類型, 客戶) and some in capitals (Text,
// 消息ID), so both sides are normalised and folded as messages are.
func csvName(s string) string { return nlp.Fold(nlp.Normalize(strings.TrimSpace(s))) }

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

// errCSVLineTooLong marks a CSV line too long to hold a message (SkipTooLong).
var errCSVLineTooLong = errors.New("line too long for a message")

// maxCSVRecordLines bounds the lines one CSV record may span (a quoted field over several lines):
// a quote opened and never closed would otherwise take the rest of the file with it.
const maxCSVRecordLines = 100

// csvRecords splits a CSV file into records as encoding/csv with LazyQuotes reads them — a
// newline inside a quoted field (one that starts with a quote) stays in the record, a quote
// inside an unquoted field is text — and gives each (record) with the line it starts on. A record
// that would span more than maxCSVRecordLines lines or maxBytes bytes is given up: its first
// line goes to bad and reading starts again at its second, so one stray quote costs one line,
// not the rest of the file, and memory stays bounded.
type csvRecords struct {
	br       *bufio.Reader
	maxBytes int
	next     int      // the number of the next line to read
	queue    []string // lines read ahead, to scan again after a record was given up
	queued   int      // the number of queue[0]
	eof      bool
	buf      []byte // readLine's, reused
	// fields is the header's number of fields, once read (0 before): a line that alone is a
	// complete row of that many fields ends a quote the line before left open, unless reading
	// on closes the quote on a line that alone is no row, in a record of that many fields.
	fields int
}

// line returns the next physical line (with its newline) and its number; ok false at the end.
// A line over maxBytes comes back as "" with tooLong set.
func (c *csvRecords) line() (line string, n int, tooLong bool, ok bool, err error) {
	if len(c.queue) > 0 {
		line, n = c.queue[0], c.queued
		c.queue, c.queued = c.queue[1:], c.queued+1
		return line, n, false, true, nil
	}
	if c.eof {
		return "", 0, false, false, nil
	}
	b, size, err := readLine(c.br, c.buf[:0], c.maxBytes)
	if b != nil {
		c.buf = b
	}
	if errors.Is(err, io.EOF) {
		c.eof, err = true, nil
	}
	if err != nil {
		return "", 0, false, false, err
	}
	if size == 0 {
		return "", 0, false, false, nil
	}
	c.next++
	return string(b), c.next - 1, b == nil, true, nil
}

// record returns the next record's text and first line; ok false at the end. Lines given up on
// and lines over maxBytes come back with bad set.
func (c *csvRecords) record() (rec string, first int, bad error, ok bool, err error) {
	var one [1]string
	lines := one[:0]
	inQuotes, fieldStart, size, commas := false, true, 0, 0
	why, rowOfItsOwn := "", false
	for {
		l, n, tooLong, more, err := c.line()
		if err != nil {
			return "", 0, nil, false, err
		}
		if !more {
			if len(lines) == 0 {
				return "", 0, nil, false, nil
			}
			break // a quoted field open at the end of the file: given up below
		}
		if tooLong {
			if len(lines) == 0 {
				return "", n, fmt.Errorf("%w: over %d bytes", errCSVLineTooLong, c.maxBytes), true, nil
			}
			lines = append(lines, "")
			break
		}
		if len(lines) == 0 {
			first = n
		}
		lines = append(lines, l)
		size += len(l)
		// A quote left open at the end of a line, and the next line is a row of its own: a
		// stray quote (a CRM that quotes its text fields: the stray quote pairs with a later
		// row's opening quote and swallows the rows between), or a message over several lines
		// whose second line happens to hold as many commas as a row (北京市,朝阳区). Read on:
		// the record is kept below only if it reads as one.
		rowOfItsOwn = rowOfItsOwn || len(lines) == 2 && c.fields > 0 && c.row(l)
		var lineCommas int
		inQuotes, _, lineCommas, _ = scanCSVLine(l, inQuotes, fieldStart)
		commas += lineCommas
		if !inQuotes {
			if len(lines) == 1 {
				return l, first, nil, true, nil
			}
			// A message over several lines ends on a line that alone is no row (its closing
			// quote: 麻烦改一下",2026-08-03 09:05:07) and makes a record of the header's
			// fields; a stray quote closes with a later row's own quotes, on a line that alone
			// is a row.
			if !rowOfItsOwn || commas+1 == c.fields && !c.row(l) {
				return strings.Join(lines, ""), first, nil, true, nil
			}
			why = "a quote opened here is not closed on its line, and the next line is a row of its own"
			break
		}
		fieldStart = false
		if len(lines) >= maxCSVRecordLines || c.maxBytes >= 0 && size > c.maxBytes {
			break
		}
	}
	// The quote never closed: give the first line up and read again from the second.
	rest := lines[1:]
	if len(rest) > 0 && rest[len(rest)-1] == "" {
		rest = rest[:len(rest)-1] // a line too long: read past already
	}
	c.queue, c.queued = append(rest, c.queue...), first+1
	if why == "" && rowOfItsOwn {
		why = "a quote opened here is not closed on its line, and the next line is a row of its own"
	}
	if why == "" {
		why = fmt.Sprintf("a quote opened here is not closed within %d lines", len(lines))
	}
	return "", first, errors.New(why), true, nil
}

// row reports whether line alone is a complete CSV row of the header's number of fields, with no
// quote that looks like the end of a quoted field begun on a line before (第二行",product_info:
// a quote in an unquoted field followed by a comma or the line's end).
func (c *csvRecords) row(line string) bool {
	inQuotes, _, commas, closing := scanCSVLine(line, false, true)
	return !inQuotes && !closing && commas+1 == c.fields
}

// scanCSVLine reads line's quotes as encoding/csv with LazyQuotes does, from the state the line
// before left (inside a quoted field or not, at a field's start or not), and returns the state
// at its end, the commas it holds outside quotes, and whether a quote outside a quoted field is
// followed by a comma or the line's end (closing a field quoted on a line before).
func scanCSVLine(l string, inQuotes, fieldStart bool) (bool, bool, int, bool) {
	commas, closing := 0, false
	for i := 0; i < len(l); i++ {
		ch := l[i]
		endsField := i+1 == len(l) || l[i+1] == ',' || l[i+1] == '\r' || l[i+1] == '\n'
		switch {
		case inQuotes && ch == '"':
			if i+1 < len(l) && l[i+1] == '"' {
				i++ // "" is a quote in the field
			} else if endsField {
				inQuotes = false
			} // else a quote inside the field, as LazyQuotes reads it
		case inQuotes:
		case fieldStart && ch == '"':
			inQuotes = true
		case ch == '"' && endsField:
			closing = true
		}
		fieldStart = !inQuotes && ch == ','
		if fieldStart {
			commas++
		}
	}
	return inQuotes, fieldStart, commas, closing
}

func (im *Importer) importCSV(ctx context.Context, path string, r io.Reader, fn func(Message) error) error {
	br := bufio.NewReaderSize(r, 64*1024)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	} else if b, _ := br.Peek(64 * 1024); nlp.LooksGB(b) {
		// Excel on a Chinese Windows saves "CSV (逗号分隔)" in GBK: a whole file that reads
		// as GB18030 (GBK's superset) and not as UTF-8 is decoded, and the import says so. A
		// UTF-8 file with a stray GBK row is not: that row is malformed, as any other.
		br = bufio.NewReaderSize(transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder()), 64*1024)
		im.stats.GB18030 = append(im.stats.GB18030, path)
	}
	recs := &csvRecords{br: br, maxBytes: im.maxLine(), next: 1}
	// parse reads one record's fields.
	parse := func(rec string) ([]string, error) {
		if !strings.Contains(rec, `"`) {
			// most rows: what encoding/csv would read, without a reader per row
			return strings.Split(strings.TrimSuffix(strings.TrimSuffix(rec, "\n"), "\r"), ","), nil
		}
		cr := csv.NewReader(strings.NewReader(rec))
		cr.FieldsPerRecord, cr.LazyQuotes = -1, true
		fields, err := cr.Read()
		if err != nil {
			return nil, err
		}
		return fields, nil
	}
	var headerText string
	headerLine, bad, ok := 1, error(nil), true
	for {
		// blank lines before the header are skipped, as encoding/csv skips them
		var err error
		headerText, headerLine, bad, ok, err = recs.record()
		if err != nil {
			return fmt.Errorf("%s:%d: %w", path, recs.next, err)
		}
		if !ok || bad != nil || strings.TrimSpace(headerText) != "" {
			break
		}
	}
	if !ok {
		return fmt.Errorf("%s: empty, no header row", path)
	}
	if bad != nil {
		return fmt.Errorf("%s:%d: csv header: %w", path, headerLine, bad)
	}
	header, err := parse(headerText)
	if err != nil {
		return fmt.Errorf("%s:%d: csv header: %w", path, headerLine, err)
	}
	recs.fields = len(header)
	if h := strings.Join(header, ","); !utf8.ValidString(h) {
		return fmt.Errorf("%s:%d: %w", path, headerLine, nlp.CheckUTF8([]byte(h)))
	}
	im.stats.Lines++
	col := func(names []string) int {
		for _, n := range names {
			for i, h := range header {
				if csvName(h) == csvName(n) {
					return i
				}
			}
		}
		return -1
	}
	customer := make([]string, len(im.CSV.Customer))
	for i, v := range im.CSV.Customer {
		customer[i] = csvName(v)
	}
	textCol, timeCol, intentCol, roleCol, senderCol := col(im.CSV.Text), col(im.CSV.Time), col(im.CSV.Intent), col(im.CSV.Role), col(im.CSV.Sender)
	idCol, convCol := col(im.CSV.MsgID), col(im.CSV.Conversation)
	if textCol < 0 {
		if len(header) == 1 && strings.Contains(header[0], "\t") {
			return fmt.Errorf("%s:%d: no text column: the header holds tabs: a tab-separated file (Excel's \"Unicode 文本\" or \"文本文件(制表符分隔)\"), not a CSV; save it as \"CSV UTF-8(逗号分隔)\"", path, headerLine)
		}
		return fmt.Errorf("%s:%d: no text column (looked for %s; map one with --csv text=COLUMN)", path, headerLine, strings.Join(im.CSV.Text, ", "))
	}
	loc := im.Location
	if loc == nil {
		loc = period.CST
	}
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		text, line, bad, ok, err := recs.record()
		if err != nil {
			return fmt.Errorf("%s:%d: %w", path, recs.next, err)
		}
		if !ok {
			return nil
		}
		im.stats.Lines++
		where := fmt.Sprintf("%s:%d", path, line)
		if errors.Is(bad, errCSVLineTooLong) {
			im.stats.skip(SkipTooLong, where, bad)
			continue
		}
		if bad != nil {
			im.stats.skip(SkipMalformed, where, bad)
			continue
		}
		if strings.TrimSpace(text) == "" {
			continue // a blank line
		}
		rec, err := parse(text)
		if err != nil {
			im.stats.skip(SkipMalformed, where, err)
			continue
		}
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
		agent := roleCol >= 0 && !slices.Contains(customer, csvName(get(roleCol)))
		if agent {
			im.stats.agentRole(get(roleCol))
		}
		m := Message{Text: rec[textCol], Intent: get(intentCol), Sender: get(senderCol), Source: where,
			MsgID: get(idCol), Channel: "csv"}
		if c := get(convCol); c != "" {
			m.Conversation = "csv:" + c
		}
		if !utf8.ValidString(text) {
			im.stats.skip(SkipMalformed, where, nlp.CheckUTF8([]byte(text)))
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

// timeLayouts are the CSV times parseTime reads. A month, day or hour of one digit reads two as
// well (2026/8/3 9:05 and 2026/08/03 09:05: what Excel writes once it has opened the export and
// what the CRM wrote), and fractional seconds after the seconds are read whatever the layout.
var timeLayouts = []string{
	"2006-1-2 15:04:05", "2006/1/2 15:04:05", "2006-1-2 15:04", "2006/1/2 15:04",
	"2006-1-2T15:04:05", time.RFC3339,
	// with the zone's offset, as Java and many CRMs write it: +0800, +08:00 or Z, after a T or
	// a space, with or without a space before it
	"2006-1-2T15:04:05Z0700", "2006-1-2 15:04:05Z07:00", "2006-1-2 15:04:05Z0700",
	"2006-1-2 15:04:05 Z07:00", "2006-1-2 15:04:05 Z0700", "2006/1/2 15:04:05 Z0700",
	"2006年1月2日 15:04:05", "2006年1月2日 15:04",
	"2006-1-2", "2006/1/2", "2006年1月2日", // a day's date alone: its midnight
}

// compactLayouts are the all-digit dates of Chinese systems by their length (WeChat Pay's
// time_end is 20060102150405). As a Unix number, 14 digits would be milliseconds past the year
// 2286 and 12 before 2001 — no chat export's — so those lengths are a date or not a time; 8
// digits are below the 10⁸ a Unix time needs.
var compactLayouts = map[int]string{8: "20060102", 12: "200601021504", 14: "20060102150405"}

func parseTime(s string, loc *time.Location) (time.Time, error) {
	for _, layout := range timeLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	if layout, ok := compactLayouts[len(s)]; ok && strings.Trim(s, "0123456789") == "" {
		t, err := time.ParseInLocation(layout, s, loc)
		if err != nil {
			return time.Time{}, fmt.Errorf("time %q: not a date like %s", s, layout)
		}
		return t, nil
	}
	if s == "0" {
		// no time, as sent_at 0 is in JSON lines (unixAuto): the row is kept untimed, not
		// skipped as malformed
		return time.Time{}, nil
	}
	var v int64
	if _, err := fmt.Sscan(s, &v); err == nil && v > 1e8 {
		return unixAuto(v), nil
	}
	return time.Time{}, fmt.Errorf("time %q: not a date like 2026-08-03 14:05:09", s)
}
