package train

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zhiyi-ai/zhiyi/internal/period"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

// Message is one text message from an export: a customer's, or with Importer.Agents an agent's
// reply. Text is raw: mask it (nlp) before it is stored or logged anywhere.
type Message struct {
	Text   string
	Intent string    // label; "" when nobody tagged the message
	Time   time.Time // zero when the format carries none
	Sender string
	Source string // file:line
	// MsgID is the export's message id (WeCom and 微信客服 msgid, the CSV's message id column,
	// msgid or msg_id in plain lines); "" when the format has none.
	MsgID string
	// Conversation identifies the conversation the message belongs to, prefixed by its channel:
	// "wecom:" customer|staff (or "wecom:room:" room id), "kf:" open_kfid|external_userid,
	// "csv:" session id, "plain:" chat_id; "" when the format has none.
	Conversation string
	// Channel is wecom, kf, csv or plain; OpenKfID the 微信客服 account, where there is one.
	Channel  string
	OpenKfID string
	// Agent marks an agent's reply (only with Importer.Agents).
	Agent bool
	// Duplicate marks a customer text seen before (only with Importer.KeepDuplicates).
	Duplicate bool
}

// Skip reasons counted by Import.
const (
	SkipNotCustomer = "not_customer" // agent replies, system events
	SkipNotText     = "not_text"     // image, voice, file, …
	SkipRecall      = "recall"       // a recalled message's revoke event
	SkipDuplicate   = "duplicate"    // the same text (after normalisation) seen before
	SkipEmpty       = "empty"        // no text after normalisation
	SkipMalformed   = "malformed"    // a line that does not parse, is not UTF-8, or has personal data for a label
	SkipTooLong     = "too_long"     // a message over Importer.MaxTextBytes
)

// DefaultMaxTextBytes is the longest message Import keeps, in UTF-8 bytes: what zhiyi serve
// accepts (serve.DefaultMaxTextBytes, the WeCom text limit). Longer ones are not chat messages
// a customer typed, and one of megabytes costs gigabytes downstream.
const DefaultMaxTextBytes = 2048

// maxReported is how many malformed lines are named individually.
const maxReported = 5

// ImportStats says what Import read, kept and skipped, and why.
type ImportStats struct {
	Files    int            `json:"files"`
	Lines    int            `json:"lines"`
	Kept     int            `json:"kept"`
	Labelled int            `json:"labelled"`
	Agent    int            `json:"agent,omitempty"` // agents' text replies passed on (Importer.Agents)
	Skipped  map[string]int `json:"skipped"`
	// Problems names the first few malformed and oversized lines, as "file:line: reason". The
	// reason is masked (nlp.Mask): a misaligned CSV puts phones where dates belong.
	Problems []string `json:"problems,omitempty"`
}

func (s *ImportStats) skip(reason, where string, err error) {
	if s.Skipped == nil {
		s.Skipped = map[string]int{}
	}
	s.Skipped[reason]++
	if (reason == SkipMalformed || reason == SkipTooLong) && len(s.Problems) < maxReported {
		why := err.Error()
		if masked, set := nlp.Mask(nlp.Normalize(why)); set != 0 {
			why = masked
		}
		s.Problems = append(s.Problems, where+": "+why)
	}
}

// String summarises the stats in one line for people.
func (s ImportStats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d files, %d lines read, %d messages kept (%d labelled)", s.Files, s.Lines, s.Kept, s.Labelled)
	keys := make([]string, 0, len(s.Skipped))
	for k := range s.Skipped {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		if i == 0 {
			b.WriteString("; skipped:")
		}
		fmt.Fprintf(&b, " %s %d", k, s.Skipped[k])
	}
	return b.String()
}

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

// Importer streams customer messages out of exported chat files.
type Importer struct {
	CSV CSVColumns
	// Location interprets CSV times without a zone; nil means UTC+8 (China Standard Time).
	Location *time.Location
	// Agents also passes agents' text replies to the callback (Message.Agent), for what the
	// conversation around a customer message says. They are counted apart (ImportStats.Agent).
	Agents bool
	// KeepDuplicates passes repeated customer texts on, marked Message.Duplicate, instead of
	// skipping them: a conversation replay needs every turn. They are still counted as skipped.
	KeepDuplicates bool
	// MaxTextBytes skips messages longer than this many UTF-8 bytes (SkipTooLong); 0 means
	// DefaultMaxTextBytes, a negative value no limit. A JSON line too long to hold such a
	// message is skipped as it is read, never held whole.
	MaxTextBytes int

	stats ImportStats
	seen  map[uint64]struct{}
}

// NewImporter returns an Importer with the default CSV columns.
func NewImporter() *Importer {
	return &Importer{CSV: DefaultCSVColumns(), seen: map[uint64]struct{}{}}
}

// Stats returns what has been imported so far.
func (im *Importer) Stats() ImportStats { return im.stats }

// Files expands paths (files or directories, searched recursively for .jsonl, .json and .csv
// files) into a sorted list of files.
func Files(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("data: %w", err)
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			switch strings.ToLower(filepath.Ext(path)) {
			case ".jsonl", ".json", ".csv", ".ndjson":
				if !d.IsDir() {
					found = append(found, path)
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("data: %w", err)
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("data: no .jsonl, .json or .csv files in %s", p)
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}

// Import reads every file in paths and calls fn for each customer text message, in file order.
// Malformed lines — unparseable, not UTF-8 (the encoding guessed, e.g. GBK, is named), mostly
// U+FFFD (decoded with the wrong encoding upstream), or with personal data where the label
// belongs — and messages over MaxTextBytes are counted and the first few named in the stats;
// they never stop the run. A CSV whose header is not UTF-8, an error from fn, an unreadable
// file or a cancelled ctx stops it.
func (im *Importer) Import(ctx context.Context, paths []string, fn func(Message) error) error {
	files, err := Files(paths)
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := im.importFile(ctx, f, fn); err != nil {
			return err
		}
	}
	return nil
}

func (im *Importer) importFile(ctx context.Context, path string, fn func(Message) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	im.stats.Files++
	if strings.EqualFold(filepath.Ext(path), ".csv") {
		return im.importCSV(ctx, path, f, fn)
	}
	return im.importJSONL(ctx, path, f, fn)
}

// emitAgent passes an agent's reply on when the Importer wants them.
func (im *Importer) emitAgent(m Message, fn func(Message) error) error {
	if !im.Agents {
		im.stats.skip(SkipNotCustomer, m.Source, nil)
		return nil
	}
	if nlp.Normalize(m.Text) == "" {
		im.stats.skip(SkipEmpty, m.Source, nil)
		return nil
	}
	m.Agent, m.Intent = true, ""
	im.stats.Agent++
	return fn(m)
}

func (im *Importer) maxText() int {
	if im.MaxTextBytes == 0 {
		return DefaultMaxTextBytes
	}
	return im.MaxTextBytes
}

// maxLine is the longest JSON line that can hold a message of maxText bytes: every byte
// escaped (\u00XX), and room for the other fields.
func (im *Importer) maxLine() int {
	if im.maxText() < 0 {
		return -1
	}
	return 6*im.maxText() + 64<<10
}

func (im *Importer) emit(m Message, fn func(Message) error) error {
	if max := im.maxText(); max >= 0 && len(m.Text) > max {
		im.stats.skip(SkipTooLong, m.Source, fmt.Errorf("message of %d bytes, over the limit of %d", len(m.Text), max))
		return nil
	}
	if err := checkDecoded(m.Text); err != nil {
		im.stats.skip(SkipMalformed, m.Source, err)
		return nil
	}
	if _, set := nlp.Mask(nlp.Normalize(m.Intent)); set != 0 {
		// a label is an intent's name; one that holds a phone or an ID number is a column
		// out of place
		im.stats.skip(SkipMalformed, m.Source, fmt.Errorf("the label holds personal data (%s): columns out of place?", set))
		return nil
	}
	norm := nlp.Normalize(m.Text)
	if norm == "" {
		im.stats.skip(SkipEmpty, m.Source, nil)
		return nil
	}
	h := fnv.New64a()
	h.Write([]byte(norm))
	key := h.Sum64()
	if _, dup := im.seen[key]; dup {
		im.stats.skip(SkipDuplicate, m.Source, nil)
		if !im.KeepDuplicates {
			return nil
		}
		m.Duplicate = true
		m.Intent = strings.TrimSpace(m.Intent)
		return fn(m)
	}
	im.seen[key] = struct{}{}
	m.Intent = strings.TrimSpace(m.Intent)
	im.stats.Kept++
	if m.Intent != "" {
		im.stats.Labelled++
	}
	return fn(m)
}

// exportLine holds the fields of every JSON-lines shape we read: WeCom archive, 微信客服
// sync_msg and plain {"text","intent"} lines.
type exportLine struct {
	// WeCom 会话内容存档
	Action  string   `json:"action"`
	From    string   `json:"from"`
	ToList  []string `json:"tolist"`
	RoomID  string   `json:"roomid"`
	MsgTime *int64   `json:"msgtime"`
	// 微信客服 sync_msg
	SendTime       *int64 `json:"send_time"`
	Origin         *int   `json:"origin"`
	ExternalUserID string `json:"external_userid"`
	OpenKfID       string `json:"open_kfid"`
	// shared
	MsgID   string          `json:"msgid"`
	MsgType string          `json:"msgtype"`
	Text    json.RawMessage `json:"text"`
	// labels and plain lines
	Intent  string `json:"intent"`
	Label   string `json:"label"`
	SentAt  *int64 `json:"sent_at"`
	MsgID2  string `json:"msg_id"`
	ChatID  string `json:"chat_id"`
	Channel string `json:"channel"`
}

// isCustomerID reports whether a WeCom id is an external user's (customers' ids start wm or wo).
func isCustomerID(id string) bool { return strings.HasPrefix(id, "wm") || strings.HasPrefix(id, "wo") }

func (im *Importer) importJSONL(ctx context.Context, path string, r io.Reader, fn func(Message) error) error {
	br := bufio.NewReaderSize(r, 64*1024)
	var buf []byte
	for n := 1; ; n++ {
		line, size, err := readLine(br, buf[:0], im.maxLine())
		if line != nil {
			buf = line
		}
		if size > 0 {
			if n%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			im.stats.Lines++
			where := fmt.Sprintf("%s:%d", path, n)
			if line == nil {
				im.stats.skip(SkipTooLong, where, fmt.Errorf("line of %d bytes, too long for a message of %d", size, im.maxText()))
			} else {
				if n == 1 {
					line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
				}
				if e := im.jsonLine(where, bytes.TrimSpace(line), fn); e != nil {
					return e
				}
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s:%d: %w", path, n, err)
		}
	}
}

func (im *Importer) jsonLine(where string, line []byte, fn func(Message) error) error {
	if len(line) == 0 {
		im.stats.Lines--
		return nil
	}
	if !utf8.Valid(line) { // encoding/json would make the text U+FFFD and carry on
		im.stats.skip(SkipMalformed, where, notUTF8(line))
		return nil
	}
	var l exportLine
	if err := json.Unmarshal(line, &l); err != nil {
		im.stats.skip(SkipMalformed, where, err)
		return nil
	}
	m := Message{Source: where, Intent: l.Intent, MsgID: l.MsgID}
	if m.Intent == "" {
		m.Intent = l.Label
	}
	agent := false
	switch {
	case l.MsgTime != nil: // WeCom archive
		if l.Action == "recall" || l.MsgType == "revoke" {
			im.stats.skip(SkipRecall, where, nil)
			return nil
		}
		m.Time, m.Sender, m.Channel = time.UnixMilli(*l.MsgTime), l.From, "wecom"
		customer, staff := l.From, ""
		if len(l.ToList) > 0 {
			staff = l.ToList[0]
		}
		if agent = !isCustomerID(l.From); agent {
			customer, staff = staff, l.From
		}
		if l.RoomID != "" {
			m.Conversation = "wecom:room:" + l.RoomID
		} else if isCustomerID(customer) {
			m.Conversation = "wecom:" + customer + "|" + staff
		}
	case l.Origin != nil || l.SendTime != nil: // 微信客服
		if l.Origin == nil || *l.Origin != 3 && *l.Origin != 5 {
			im.stats.skip(SkipNotCustomer, where, nil)
			return nil
		}
		agent = *l.Origin == 5
		if l.SendTime != nil {
			m.Time = unixAuto(*l.SendTime)
		}
		m.Sender, m.Channel, m.OpenKfID = l.ExternalUserID, "kf", l.OpenKfID
		if l.ExternalUserID != "" {
			m.Conversation = "kf:" + l.OpenKfID + "|" + l.ExternalUserID
		}
	default: // plain {"text": "…", "intent": "…"}
		if l.SentAt != nil {
			m.Time = unixAuto(*l.SentAt)
		}
		if m.MsgID == "" {
			m.MsgID = l.MsgID2
		}
		m.Channel = cmp.Or(l.Channel, "plain")
		if l.ChatID != "" {
			m.Conversation = "plain:" + l.ChatID
		}
	}
	if l.MsgType != "" && l.MsgType != "text" {
		im.stats.skip(SkipNotText, where, nil)
		return nil
	}
	content, err := textField(l.Text)
	if err != nil {
		im.stats.skip(SkipMalformed, where, err)
		return nil
	}
	m.Text = content
	if agent {
		return im.emitAgent(m, fn)
	}
	return im.emit(m, fn)
}

// textField reads "text" as {"content": "…"} (WeCom, 微信客服) or as a plain string.
func textField(raw json.RawMessage) (string, error) {
	if len(raw) == 0 {
		return "", errors.New("no text field")
	}
	if raw[0] == '"' {
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	}
	var obj struct {
		Content *string `json:"content"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return "", fmt.Errorf("text: %w", err)
	}
	if obj.Content == nil {
		return "", errors.New("text has no content")
	}
	return *obj.Content, nil
}

// unixAuto reads a Unix time in seconds or milliseconds (exports use both).
func unixAuto(v int64) time.Time {
	if v > 1e11 {
		return time.UnixMilli(v)
	}
	return time.Unix(v, 0)
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
		return fmt.Errorf("%s:1: %w", path, notUTF8([]byte(h)))
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
			im.stats.skip(SkipMalformed, where, notUTF8([]byte(strings.Join(rec, ","))))
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
