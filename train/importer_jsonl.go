package train

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/zhiyi-ai/zhiyi/internal/period"
	"github.com/zhiyi-ai/zhiyi/nlp"
)

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
	// MsgList is the sync_msg API's page of messages: a response saved as it came, which is
	// not a message (jsonLine says how to make one a line).
	MsgList json.RawMessage `json:"msg_list"`
	// EncryptChatMsg is a 会话内容存档 record as GetChatData gives it, before decryption.
	EncryptChatMsg json.RawMessage `json:"encrypt_chat_msg"`
	// shared
	MsgID   string          `json:"msgid"`
	MsgType string          `json:"msgtype"`
	Text    json.RawMessage `json:"text"`
	// labels and plain lines
	Intent  string          `json:"intent"`
	Label   string          `json:"label"`
	SentAt  json.RawMessage `json:"sent_at"`
	MsgID2  string          `json:"msg_id"`
	ChatID  string          `json:"chat_id"`
	Channel string          `json:"channel"`
	// zhiyi export --format jsonl: a decision of the log. Its intent is the model's own answer,
	// never a label (the model would learn its own mistakes back); its label (the labels
	// table's, given after any correction: board.Row) is, and else an agent's correct_intent.
	Route         string          `json:"route"`
	CorrectIntent string          `json:"correct_intent"`
	Time          json.RawMessage `json:"time"`
	Chat          string          `json:"chat"`
	Sender        string          `json:"sender"`
}

// isCustomerID reports whether a WeCom id may be an external user's: customers' ids start wm or
// wo. So may a member's own (wongkaming, woody): customerOf decides between two.
func isCustomerID(id string) bool { return strings.HasPrefix(id, "wm") || strings.HasPrefix(id, "wo") }

// customerOf says which of a one-to-one message's sender and first recipient is the customer:
// the one whose id may be an external user's; when both may (a member named wongkaming writing
// to wmT2h3ZCVwFiarruSFBAlyyZ), the one more like the ids WeCom gives external users, long and
// in mixed case (externalLike), the sender on a tie. fromIsCustomer is false when neither may.
func customerOf(from, to string) (fromIsCustomer bool) {
	switch f, t := isCustomerID(from), isCustomerID(to); {
	case f && t:
		return externalLike(from) >= externalLike(to)
	default:
		return f
	}
}

// externalLike scores how much an id looks like one WeCom gives an external user (24–32
// characters of mixed case: wmT2h3ZCVwFiarruSFBAlyyZ) rather than one an administrator gives a
// member (lower-case pinyin, a few characters: wongkaming).
func externalLike(id string) int {
	score := len(id)
	if strings.IndexFunc(id, unicode.IsUpper) >= 0 {
		score += 64 // ids are at most 64 bytes: mixed case outweighs any length
	}
	return score
}

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
		im.stats.skip(SkipMalformed, where, nlp.CheckUTF8(line))
		return nil
	}
	var l exportLine
	if err := json.Unmarshal(line, &l); err != nil {
		im.stats.skip(SkipMalformed, where, jsonProblem(err, line))
		return nil
	}
	if l.MsgList != nil && l.Text == nil {
		im.stats.skip(SkipMalformed, where, errors.New("a 微信客服 sync_msg response, not one message a line: write one message of its msg_list a line (jq -c '.msg_list[]' sync_msg.json > kf.jsonl)"))
		return nil
	}
	if l.EncryptChatMsg != nil && l.Text == nil {
		im.stats.skip(SkipMalformed, where, errors.New("an encrypted 会话内容存档 record (encrypt_chat_msg): decrypt it first (the archive SDK's DecryptData), one decrypted message a line"))
		return nil
	}
	m := Message{Source: where, Intent: l.Intent, MsgID: l.MsgID}
	if m.Intent == "" {
		m.Intent = l.Label
	}
	if l.Route != "" {
		return im.decisionLine(where, l, m, fn)
	}
	agent := false
	switch {
	case l.MsgTime != nil: // WeCom archive
		if l.Action == "recall" || l.MsgType == "revoke" {
			im.stats.skip(SkipRecall, where, nil)
			return nil
		}
		m.Sender, m.Channel = l.From, "wecom"
		if *l.MsgTime > 0 { // 0 is no time (unixAuto)
			m.Time = time.UnixMilli(*l.MsgTime)
		}
		customer, staff := l.From, ""
		if len(l.ToList) > 0 {
			staff = l.ToList[0]
		}
		// A group chat's first recipient is any member, another customer as likely as an
		// agent: customerOf compares the two sides of a one-to-one message only, and a room
		// knows a member whose id starts wm or wo (wongkaming) by the one-to-one messages read
		// before (im.members).
		fromCustomer := isCustomerID(l.From) && !im.members[l.From]
		if l.RoomID == "" {
			fromCustomer = customerOf(l.From, staff)
		}
		if agent = !fromCustomer; agent {
			customer, staff = staff, l.From
		}
		if l.RoomID == "" && staff != "" && isCustomerID(staff) {
			im.members[staff] = true // a member like a customer by name: remembered for rooms
		}
		if l.RoomID != "" {
			m.Conversation = "wecom:room:" + l.RoomID
		} else if isCustomerID(customer) {
			m.Conversation = "wecom:" + customer + "|" + staff
		}
	case l.Origin != nil || l.SendTime != nil: // 微信客服
		if l.Origin == nil {
			// every sync_msg message has one: a line without says nothing of who wrote it
			im.stats.skip(SkipMalformed, where, errors.New(`a 微信客服 message without "origin" (3 customer, 4 system, 5 agent): who wrote it is unknown`))
			return nil
		}
		if *l.Origin != 3 && *l.Origin != 5 {
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
		t, err := im.sentAt(l.SentAt)
		if err != nil {
			im.stats.skip(SkipMalformed, where, err)
			return nil
		}
		m.Time = t
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

// decisionLine reads a row of zhiyi export --format jsonl: labelled only by its label (the
// console's 未识别) or an agent's correction, the later of the two
// (the export writes a label only when no correction followed it), timed when it was answered,
// in the conversation the log hashed.
func (im *Importer) decisionLine(where string, l exportLine, m Message, fn func(Message) error) error {
	t, err := im.sentAt(l.Time)
	if err != nil {
		im.stats.skip(SkipMalformed, where, fmt.Errorf("a decision of zhiyi export: %w", err))
		return nil
	}
	m.Time, m.Intent, m.MsgID = t, cmp.Or(l.Label, l.CorrectIntent), l.MsgID2
	m.Channel, m.Sender = cmp.Or(l.Channel, "plain"), l.Sender
	if c := cmp.Or(l.Chat, l.Sender); c != "" {
		m.Conversation = "log:" + m.Channel + ":" + c
	}
	if m.Text, err = textField(l.Text); err != nil {
		im.stats.skip(SkipMalformed, where, err)
		return nil
	}
	return im.emit(m, fn)
}

// sentAt reads a plain line's "sent_at": unix milliseconds or seconds as the API takes them, or
// a time written as text as a spreadsheet writes it ("2026-10-01 10:00:00", RFC 3339, the CSV's
// layouts; China Standard Time unless it names a zone). Absent, null or blank is no time.
func (im *Importer) sentAt(raw json.RawMessage) (time.Time, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, nil
	}
	if raw[0] != '"' {
		var v int64
		if err := json.Unmarshal(raw, &v); err != nil {
			what := "something else"
			if ute := (*json.UnmarshalTypeError)(nil); errors.As(err, &ute) {
				what = jsonValueWords(ute.Value)
			}
			return time.Time{}, fmt.Errorf("field \"sent_at\" holds %s, want unix milliseconds or a time such as \"2026-10-01 10:00:00\"", what)
		}
		return unixAuto(v), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return time.Time{}, err
	}
	if s = strings.TrimSpace(s); s == "" {
		return time.Time{}, nil // a blank cell, as the CSV's
	}
	t, err := parseTime(s, cmp.Or(im.Location, period.CST))
	if err != nil {
		return time.Time{}, fmt.Errorf("field \"sent_at\": %w", err)
	}
	return t, nil
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
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field == "" {
			return "", fmt.Errorf(`field "text" holds %s, want text in quotes or {"content":…}`, jsonValueWords(te.Value))
		}
		return "", fmt.Errorf("text: %w", jsonProblem(err, nil))
	}
	if obj.Content == nil {
		return "", errors.New("text has no content")
	}
	return *obj.Content, nil
}
