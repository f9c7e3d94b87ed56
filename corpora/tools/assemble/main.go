package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"
)

// intentIDs is the intent list of corpora/shop/src/INTENTS.md, plus none.
const intentIDs = `product_info size_advice stock_restock price_coupon promotion_rules
shipping_time payment_methods payment_failed installment authenticity shipping_fee
change_order cancel_order track_parcel hurry_shipment change_address
lost_damaged_parcel delivery_problem return_goods exchange_goods refund_progress
price_protection repair_warranty quality_complaint missing_wrong_item issue_invoice
change_invoice_title vat_special_invoice login_problem points_membership bind_phone
human_agent greeting thanks_goodbye opening_hours service_complaint praise suggestion
none`

const (
	wecomMonths = "2026-08 2026-09 2026-10"
	kfFile      = "kf_sync_msg_2026-08_10.jsonl"
	crmFile     = "crm_export_2026-08_10.csv"
	crmHeader   = "\ufeff会话ID,消息ID,发送时间,发送方,发送方类型,消息内容,意图标签\r\n"

	// Noise rates.
	pImage   = 0.04  // extra customer image after a message
	pVoice   = 0.02  // extra customer voice after a message
	pRecall  = 0.02  // recall after a customer message (WeCom only)
	pGarble  = 0.003 // truncated WeCom line
	pEnter   = 0.4   // 微信客服 conversation opens with an enter_session event
	hideRate = 0.23  // hidden labels, most intents
	hideChat = 0.5   // hidden labels, greeting and thanks_goodbye
)

var cst = time.FixedZone("CST", 8*3600) // Asia/Shanghai, no DST

var (
	periodStart = time.Date(2026, 8, 1, 0, 0, 0, 0, cst)
	periodEnd   = time.Date(2026, 11, 1, 0, 0, 0, 0, cst) // exclusive
)

// staff are the agents: WeCom user id and the display name the CRM shows.
var staff = []struct{ id, name string }{
	{"zhangwei", "张伟"}, {"lixiaoyu", "李晓雨"}, {"wangfang", "王芳"},
	{"liuyang", "刘洋"}, {"chenjing", "陈静"}, {"zhaolei", "赵磊"},
}

// kfAccounts are the two 微信客服 accounts (open_kfid).
var kfAccounts = []string{"wkAbC123Dq7XmR2tLp9VsN4eKy", "wkAbC123Hj5WcZ8uFn3GbT6rQa"}

// hourWeight is the relative chat volume per hour of day.
var hourWeight = [24]float64{
	0.6, 0.3, 0.15, 0.1, 0.1, 0.15, 0.3, 0.6, 1.0, 1.6, 2.6, 2.6,
	1.6, 1.5, 2.4, 2.5, 2.4, 1.6, 1.3, 1.7, 2.6, 2.8, 2.5, 1.2,
}

type message struct {
	customer bool
	intent   string // customer messages only
	text     string
	labelled bool // label visible in the export
}

type conversation struct {
	where string // file:line of the === line
	msgs  []message
}

type channel int

const (
	chWeCom channel = iota
	chKf
	chCRM
)

type kind int

const (
	kText kind = iota
	kImage
	kVoice
	kRecall
	kEvent
)

// item is one line of an export before it is encoded.
type item struct {
	kind     kind
	customer bool
	msg      *message // kText
	recallOf int      // kRecall: index of the recalled item
	ms       int64    // unix milliseconds
	msgid    string
}

// record is an encoded export line with its sort key and statistics.
type record struct {
	ms      int64
	seq     int
	line    []byte
	msg     *message // customer text, nil otherwise
	msgid   string   // the line's message id (customer texts)
	garbled bool
	kind    kind // kind of the item
}

func main() {
	src := flag.String("src", "corpora/shop/src", "folder with the chats_*.txt authoring files")
	out := flag.String("out", "corpora/shop/chats", "folder the exports are written to")
	gold := flag.String("gold", "corpora/shop/gold/labels.jsonl", "file the true intent of every customer text message is written to")
	seed := flag.Uint64("seed", 20260801, "random seed")
	flag.Parse()
	if err := run(*src, *out, *gold, *seed, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "assemble:", err)
		os.Exit(1)
	}
}

func run(src, out, gold string, seed uint64, summary io.Writer) error {
	known := map[string]bool{}
	for _, id := range strings.Fields(intentIDs) {
		known[id] = true
	}
	files, err := filepath.Glob(filepath.Join(src, "chats_*.txt"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no chats_*.txt in %s", src)
	}
	slices.Sort(files)
	var convs []*conversation
	for _, f := range files {
		cs, err := parseFile(f, known)
		if err != nil {
			return err
		}
		convs = append(convs, cs...)
	}
	convs, dups, emptied := dedupe(convs)
	for _, c := range convs {
		for i := range c.msgs {
			m := &c.msgs[i]
			m.labelled = m.customer && !hideLabel(seed, m)
		}
	}

	a := &assembler{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), ids: map[string]bool{}}
	a.rng.Shuffle(len(convs), func(i, j int) { convs[i], convs[j] = convs[j], convs[i] })
	starts := a.startTimes(len(convs))
	outs := map[string][]record{}
	perChannel := [3]int{}
	for i, c := range convs {
		ch := a.channel()
		perChannel[ch]++
		switch ch {
		case chWeCom:
			for _, r := range a.wecom(c, starts[i]) {
				name := "wecom_" + time.UnixMilli(r.ms).In(cst).Format("2006-01") + ".jsonl"
				outs[name] = append(outs[name], r)
			}
		case chKf:
			outs[kfFile] = append(outs[kfFile], a.kf(c, starts[i])...)
		case chCRM:
			outs[crmFile] = append(outs[crmFile], a.crm(c, starts[i])...)
		}
	}

	names := []string{kfFile, crmFile}
	for _, m := range strings.Fields(wecomMonths) {
		names = append(names, "wecom_"+m+".jsonl")
	}
	slices.Sort(names)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, name := range names {
		recs := outs[name]
		slices.SortStableFunc(recs, func(x, y record) int {
			if x.ms != y.ms {
				return cmpInt64(x.ms, y.ms)
			}
			return x.seq - y.seq
		})
		var buf bytes.Buffer
		if name == crmFile {
			buf.WriteString(crmHeader)
		}
		for _, r := range recs {
			buf.Write(r.line)
		}
		if err := writeAtomic(filepath.Join(out, name), buf.Bytes()); err != nil {
			return err
		}
	}
	if err := writeGold(gold, names, outs); err != nil {
		return err
	}
	summarize(summary, len(files), len(convs), perChannel, dups, emptied, names, outs)
	return nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// parseFile reads one authoring file.
func parseFile(path string, known map[string]bool) ([]*conversation, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	var convs []*conversation
	var cur *conversation
	closeConv := func() error {
		if cur == nil {
			return nil
		}
		if !slices.ContainsFunc(cur.msgs, func(m message) bool { return m.customer }) {
			return fmt.Errorf("%s: conversation without customer messages", cur.where)
		}
		convs = append(convs, cur)
		return nil
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		where := fmt.Sprintf("%s:%d", path, n)
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || strings.HasPrefix(trimmed, "#"):
			continue
		case line == "===" || strings.HasPrefix(line, "=== "):
			if err := closeConv(); err != nil {
				return nil, err
			}
			cur = &conversation{where: where}
			continue
		}
		label, text, ok := strings.Cut(line, " | ")
		text = strings.TrimSpace(text)
		if !ok {
			return nil, fmt.Errorf("%s: malformed line (want `=== …`, `C <intent> | text` or `A | text`): %q", where, line)
		}
		if text == "" {
			return nil, fmt.Errorf("%s: empty message text", where)
		}
		if cur == nil {
			return nil, fmt.Errorf("%s: message before the first === line", where)
		}
		f := strings.Fields(label)
		switch {
		case len(f) == 1 && f[0] == "A":
			cur.msgs = append(cur.msgs, message{text: text})
		case len(f) == 2 && f[0] == "C":
			if !known[f[1]] {
				return nil, fmt.Errorf("%s: unknown intent %q", where, f[1])
			}
			cur.msgs = append(cur.msgs, message{customer: true, intent: f[1], text: text})
		default:
			return nil, fmt.Errorf("%s: malformed label %q (want `C <intent>` or `A`)", where, label)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := closeConv(); err != nil {
		return nil, err
	}
	return convs, nil
}

// normalize folds full-width forms, lower-cases and collapses whitespace; it
// is the key under which customer texts must be distinct.
func normalize(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 0xff01 && r <= 0xff5e: // full-width ASCII
			return unicode.ToLower(r - 0xfee0)
		case r == 0x3000:
			return ' '
		case r == 0xff61:
			return '。'
		case r == 0xff62:
			return '「'
		case r == 0xff63:
			return '」'
		case r == 0xff64:
			return '、'
		case r == 0xffe0:
			return '¢'
		case r == 0xffe1:
			return '£'
		case r == 0xffe5:
			return '¥'
		}
		return unicode.ToLower(r)
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// dedupe drops customer texts that repeat an earlier one (in source order)
// and conversations left without customer messages.
func dedupe(convs []*conversation) (kept []*conversation, dups, emptied int) {
	seen := map[string]bool{}
	for _, c := range convs {
		msgs := c.msgs[:0]
		customers := 0
		for _, m := range c.msgs {
			if m.customer {
				k := normalize(m.text)
				if seen[k] {
					dups++
					continue
				}
				seen[k] = true
				customers++
			}
			msgs = append(msgs, m)
		}
		c.msgs = msgs
		if customers == 0 {
			emptied++
			continue
		}
		kept = append(kept, c)
	}
	return kept, dups, emptied
}

// hideLabel decides from the seed and the text alone whether a customer
// message loses its label, so edits elsewhere do not move hidden labels.
func hideLabel(seed uint64, m *message) bool {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	h.Write([]byte(normalize(m.text)))
	u := float64(h.Sum64()>>11) / (1 << 53)
	if m.intent == "greeting" || m.intent == "thanks_goodbye" {
		return u < hideChat
	}
	return u < hideRate
}

type assembler struct {
	rng *rand.Rand
	ids map[string]bool // every generated id, to keep them unique
	seq int
}

// startTimes draws n conversation start times (unix ms), sorted.
func (a *assembler) startTimes(n int) []int64 {
	var days []time.Time
	var cum []float64
	total := 0.0
	for d := periodStart; d.Before(periodEnd); d = d.AddDate(0, 0, 1) {
		w := 1.0
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			w = 1.15
		}
		if d.Month() == time.September {
			switch d.Day() {
			case 8, 13:
				w = 1.8
			case 9, 12:
				w = 2.6
			case 10, 11:
				w = 3.2
			}
		}
		total += w
		days = append(days, d)
		cum = append(cum, total)
	}
	hourTotal := 0.0
	for _, w := range hourWeight {
		hourTotal += w
	}
	out := make([]int64, n)
	for i := range out {
		x := a.rng.Float64() * total
		d := days[min(len(days)-1, sortSearch(cum, x))]
		y := a.rng.Float64() * hourTotal
		h := 0
		for ; h < 23 && y >= hourWeight[h]; h++ {
			y -= hourWeight[h]
		}
		t := d.Add(time.Duration(h)*time.Hour + time.Duration(a.rng.Int64N(int64(time.Hour))))
		out[i] = t.UnixMilli()
	}
	slices.Sort(out)
	return out
}

// sortSearch returns the first index with cum[i] > x.
func sortSearch(cum []float64, x float64) int {
	i, _ := slices.BinarySearch(cum, x)
	for i < len(cum) && cum[i] <= x {
		i++
	}
	return i
}

func (a *assembler) channel() channel {
	switch x := a.rng.Float64(); {
	case x < 0.60:
		return chWeCom
	case x < 0.88:
		return chKf
	}
	return chCRM
}

const (
	idChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
	alnum   = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	digits  = "0123456789"
)

// uniqueID returns prefix plus n random characters of set, never repeating.
func (a *assembler) uniqueID(prefix, set string, n int) string {
	for {
		b := []byte(prefix)
		for range n {
			b = append(b, set[a.rng.IntN(len(set))])
		}
		if s := string(b); !a.ids[s] {
			a.ids[s] = true
			return s
		}
	}
}

func (a *assembler) randBytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(a.rng.UintN(256))
	}
	return b
}

// items lays out the lines of a conversation with noise and timestamps.
func (a *assembler) items(c *conversation, start int64, ch channel) []item {
	var its []item
	if ch == chKf && a.rng.Float64() < pEnter {
		its = append(its, item{kind: kEvent})
	}
	for i := range c.msgs {
		m := &c.msgs[i]
		its = append(its, item{kind: kText, customer: m.customer, msg: m})
		if ch == chCRM {
			continue
		}
		if ch == chWeCom && m.customer && a.rng.Float64() < pRecall {
			its = append(its, item{kind: kRecall, customer: true, recallOf: len(its) - 1})
		}
		switch x := a.rng.Float64(); {
		case x < pImage:
			its = append(its, item{kind: kImage, customer: true})
		case x < pImage+pVoice:
			its = append(its, item{kind: kVoice, customer: true})
		}
	}
	t := start + int64(a.rng.IntN(1000))
	for i := range its {
		if i > 0 {
			t += a.gap(its[i-1], its[i])
		}
		its[i].ms = t
	}
	if last := its[len(its)-1].ms; last >= periodEnd.UnixMilli() {
		shift := last - periodEnd.UnixMilli() + 1000 + a.rng.Int64N(3600_000)
		for i := range its {
			its[i].ms -= shift
		}
	}
	return its
}

// gap is the time in ms between two consecutive lines of a conversation.
func (a *assembler) gap(prev, cur item) int64 {
	exp := func(minS, meanS, maxS float64) int64 {
		return int64(min(maxS, minS+a.rng.ExpFloat64()*meanS) * 1000)
	}
	var d int64
	switch {
	case prev.kind == kEvent:
		d = exp(1, 8, 60)
	case cur.kind == kRecall:
		d = exp(4, 25, 110)
	case cur.customer && prev.customer:
		d = exp(3, 12, 120)
	case cur.customer:
		d = exp(8, 50, 900)
	case prev.customer:
		d = exp(12, 40, 600)
		if a.rng.Float64() < 0.1 {
			d += exp(120, 240, 1500)
		}
	default:
		d = exp(4, 15, 90)
	}
	return d + int64(a.rng.IntN(1000))
}

func (a *assembler) record(ms int64, line []byte, it item) record {
	a.seq++
	r := record{ms: ms, seq: a.seq, line: line, kind: it.kind}
	if it.kind == kText && it.customer {
		r.msg, r.msgid = it.msg, it.msgid
	}
	return r
}

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

// goldLabel is one line of the gold file: a customer text message's true intent, by message id.
type goldLabel struct {
	MsgID  string `json:"msgid"`
	Intent string `json:"intent"`
}

// writeGold writes the true intent of every customer text message that survived export (garbled
// lines are lost to every reader), in the order of the export files.
func writeGold(path string, names []string, outs map[string][]record) error {
	var buf bytes.Buffer
	for _, name := range names {
		for _, r := range outs[name] {
			if r.msg != nil && !r.garbled {
				buf.Write(encodeJSON(goldLabel{r.msgid, r.msg.intent}))
			}
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return writeAtomic(path, buf.Bytes())
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

// writeAtomic writes data to path through a temporary file and a rename.
func writeAtomic(path string, data []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(f.Name())
		}
	}()
	_, err = f.Write(data)
	err = errors.Join(err, f.Chmod(0o644), f.Close())
	if err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

func summarize(w io.Writer, nFiles, nConvs int, perChannel [3]int, dups, emptied int, names []string, outs map[string][]record) {
	fmt.Fprintf(w, "assemble: %d source files, %d conversations (WeCom %d, 微信客服 %d, CRM %d)\n",
		nFiles, nConvs, perChannel[chWeCom], perChannel[chKf], perChannel[chCRM])
	fmt.Fprintf(w, "duplicate customer texts dropped: %d (conversations emptied: %d)\n", dups, emptied)

	fmt.Fprintf(w, "%-30s %7s %9s %8s %6s %6s %6s %6s %7s\n",
		"file", "lines", "cust.text", "labelled", "image", "voice", "recall", "event", "garbled")
	total, labelled, none := 0, 0, 0
	perIntent, perIntentLabelled := map[string]int{}, map[string]int{}
	lost := 0
	for _, name := range names {
		var n [5]int
		texts, lab, garbled := 0, 0, 0
		for _, r := range outs[name] {
			if r.garbled {
				garbled++
				if r.msg != nil {
					lost++
				}
				continue
			}
			if r.kind != kText {
				n[r.kind]++
			}
			if r.msg == nil {
				continue
			}
			texts++
			perIntent[r.msg.intent]++
			if r.msg.intent == "none" {
				none++
			}
			if r.msg.labelled {
				lab++
				perIntentLabelled[r.msg.intent]++
			}
		}
		total += texts
		labelled += lab
		fmt.Fprintf(w, "%-30s %7d %9d %8d %6d %6d %6d %6d %7d\n", name, len(outs[name]), texts, lab,
			n[kImage], n[kVoice], n[kRecall], n[kEvent], garbled)
	}
	fmt.Fprintf(w, "customer text messages: %d (%d more lost in garbled lines), labelled %.1f %%, out of scope %.1f %%\n",
		total, lost, pct(labelled, total), pct(none, total))
	fmt.Fprintln(w, "per intent (customer text messages / labelled):")
	for _, id := range strings.Fields(intentIDs) {
		fmt.Fprintf(w, "  %-22s %6d %6d\n", id, perIntent[id], perIntentLabelled[id])
	}
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}
