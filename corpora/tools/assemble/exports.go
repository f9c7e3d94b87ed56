package main

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"
)

type textBody struct {
	Content string `json:"content"`
}

type wecomImage struct {
	MD5Sum    string `json:"md5sum"`
	FileSize  int    `json:"filesize"`
	SDKFileID string `json:"sdkfileid"`
}

type wecomVoice struct {
	VoiceSize  int    `json:"voice_size"`
	PlayLength int    `json:"play_length"`
	SDKFileID  string `json:"sdkfileid"`
}

type wecomRevoke struct {
	PreMsgID string `json:"pre_msgid"`
}

type wecomLine struct {
	MsgID   string       `json:"msgid"`
	Action  string       `json:"action"`
	From    string       `json:"from"`
	ToList  []string     `json:"tolist"`
	RoomID  string       `json:"roomid"`
	MsgTime int64        `json:"msgtime"`
	MsgType string       `json:"msgtype"`
	Text    *textBody    `json:"text,omitempty"`
	Image   *wecomImage  `json:"image,omitempty"`
	Voice   *wecomVoice  `json:"voice,omitempty"`
	Revoke  *wecomRevoke `json:"revoke,omitempty"`
}

// wecomMsgID returns an archive message id like "8239471286319823719_1659488102_external".
func (a *assembler) wecomMsgID(ms int64) string {
	for {
		id := fmt.Sprintf("%d_%d_external", 1_000_000_000_000_000_000+a.rng.Int64N(8_000_000_000_000_000_000), ms/1000)
		if !a.ids[id] {
			a.ids[id] = true
			return id
		}
	}
}

func (a *assembler) sdkFileID() string {
	return base64.StdEncoding.EncodeToString(a.randBytes(96 + a.rng.IntN(48)))
}

func (a *assembler) wecom(c *conversation, start int64) []record {
	customer := a.uniqueID("wm", idChars, 22)
	agent := staff[a.rng.IntN(len(staff))].id
	its := a.items(c, start, chWeCom)
	var recs []record
	for i := range its {
		it := &its[i]
		it.msgid = a.wecomMsgID(it.ms)
		l := wecomLine{MsgID: it.msgid, Action: "send", From: customer, ToList: []string{agent}, MsgTime: it.ms}
		if !it.customer {
			l.From, l.ToList = agent, []string{customer}
		}
		switch it.kind {
		case kText:
			l.MsgType, l.Text = "text", &textBody{it.msg.text}
		case kImage:
			l.MsgType = "image"
			l.Image = &wecomImage{hex.EncodeToString(a.randBytes(16)), 20_000 + a.rng.IntN(900_000), a.sdkFileID()}
		case kVoice:
			l.MsgType = "voice"
			secs := 1 + a.rng.IntN(40)
			l.Voice = &wecomVoice{secs*1600 + a.rng.IntN(1600), secs, a.sdkFileID()}
		case kRecall:
			l.Action, l.MsgType = "recall", "revoke"
			l.Revoke = &wecomRevoke{its[it.recallOf].msgid}
		}
		r := a.record(it.ms, encodeJSON(l), *it)
		if a.rng.Float64() < pGarble {
			r.line = garble(a.rng, r.line, labelledLength(l, it))
			r.garbled = true
		}
		recs = append(recs, r)
	}
	return recs
}

type kfMedia struct {
	MediaID string `json:"media_id"`
}

type kfEvent struct {
	EventType      string `json:"event_type"`
	OpenKfID       string `json:"open_kfid"`
	ExternalUserID string `json:"external_userid"`
	Scene          string `json:"scene"`
	SceneParam     string `json:"scene_param,omitempty"`
	WelcomeCode    string `json:"welcome_code"`
}

type kfLine struct {
	MsgID          string    `json:"msgid"`
	OpenKfID       string    `json:"open_kfid"`
	ExternalUserID string    `json:"external_userid"`
	SendTime       int64     `json:"send_time"`
	Origin         int       `json:"origin"`
	ServicerUserID string    `json:"servicer_userid,omitempty"`
	MsgType        string    `json:"msgtype"`
	Text           *textBody `json:"text,omitempty"`
	Image          *kfMedia  `json:"image,omitempty"`
	Voice          *kfMedia  `json:"voice,omitempty"`
	Event          *kfEvent  `json:"event,omitempty"`
}

var kfScenes = []struct{ scene, param string }{
	{"order_page", ""}, {"goods_detail", "sku_"}, {"mini_program", "from=mine"}, {"official_account_menu", ""},
}

func (a *assembler) kf(c *conversation, start int64) []record {
	customer := a.uniqueID("wm", idChars, 22)
	agent := staff[a.rng.IntN(len(staff))].id
	account := kfAccounts[a.rng.IntN(len(kfAccounts))]
	var recs []record
	for _, it := range a.items(c, start, chKf) {
		it.msgid = a.uniqueID("", alnum, 32)
		l := kfLine{MsgID: it.msgid, OpenKfID: account, ExternalUserID: customer, SendTime: it.ms / 1000, Origin: 3}
		if !it.customer && it.kind != kEvent {
			l.Origin, l.ServicerUserID = 5, agent
		}
		switch it.kind {
		case kText:
			l.MsgType, l.Text = "text", &textBody{it.msg.text}
		case kImage:
			l.MsgType, l.Image = "image", &kfMedia{a.uniqueID("", alnum, 44)}
		case kVoice:
			l.MsgType, l.Voice = "voice", &kfMedia{a.uniqueID("", alnum, 44)}
		case kEvent:
			sc := kfScenes[a.rng.IntN(len(kfScenes))]
			param := sc.param
			if param == "sku_" {
				param += fmt.Sprint(100000 + a.rng.IntN(900000))
			}
			l.Origin, l.MsgType = 4, "event"
			l.Event = &kfEvent{"enter_session", account, customer, sc.scene, param, a.uniqueID("", alnum, 20)}
		}
		recs = append(recs, a.record(it.ms, encodeJSON(l), it))
	}
	return recs
}

func (a *assembler) crm(c *conversation, start int64) []record {
	session := a.uniqueID("S", digits, 12)
	customer := a.uniqueID("U", digits, 9)
	agent := staff[a.rng.IntN(len(staff))].name
	var recs []record
	for i, it := range a.items(c, start, chCRM) {
		// The CRM numbers a session's messages itself: no randomness, so the other exports'
		// ids and times do not move.
		it.msgid = fmt.Sprintf("M%s-%03d", session[1:], i+1)
		sender, role, label := agent, "客服", ""
		if it.customer {
			sender, role = customer, "客户"
			if it.msg.labelled {
				label = it.msg.intent
			}
		}
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.UseCRLF = true
		when := time.UnixMilli(it.ms).In(cst).Format(time.DateTime)
		_ = w.Write([]string{session, it.msgid, when, sender, role, it.msg.text, label}) // bytes.Buffer cannot fail
		w.Flush()
		recs = append(recs, a.record(it.ms, buf.Bytes(), it))
	}
	return recs
}

// encodeJSON encodes v as one line without HTML escaping.
func encodeJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // only plain structs of strings and numbers are encoded
	}
	return buf.Bytes()
}

// garble truncates a JSON line at a rune boundary, as a broken exporter would. The cut is drawn
// for a line of n runes (see labelledLength) and always leaves the line incomplete.
func garble(rng *rand.Rand, line []byte, n int) []byte {
	s := string(bytes.TrimSuffix(line, []byte("\n")))
	runes := []rune(s)
	cut := n/5 + rng.IntN(max(1, n*7/10))
	cut = min(cut, len(runes)-1)
	return append([]byte(string(runes[:cut])), '\n')
}

// labelledLength is the length in runes of the line as the exports were first written, with an
// "intent" field on tagged customer texts. Garbling draws its cut from it, so the random stream
// — and every id and time after it — is what it was before labels moved out of the exports.
func labelledLength(l wecomLine, it *item) int {
	line := encodeJSON(l)
	n := len([]rune(string(bytes.TrimSuffix(line, []byte("\n")))))
	if it.kind == kText && it.customer && it.msg.labelled {
		n += len([]rune(`,"intent":""`)) + len([]rune(it.msg.intent))
	}
	return n
}
