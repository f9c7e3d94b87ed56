package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// srcLine is one message of a test conversation.
type srcLine struct {
	who    string // "C" or "A"
	intent string // customer lines only
	text   string
}

// srcConv is one test conversation.
type srcConv struct {
	header string // text after "=== "
	lines  []srcLine
}

// renderOpts controls how a test source file is spelled.
type renderOpts struct {
	bom      bool // leading UTF-8 BOM
	crlf     bool // CRLF line ends
	comments bool // comments and blank lines between the messages
}

func cust(intent, text string) srcLine { return srcLine{"C", intent, text} }
func agt(text string) srcLine          { return srcLine{"A", "", text} }

// render spells convs in the authoring format.
func render(convs []srcConv, o renderOpts) string {
	var b strings.Builder
	if o.bom {
		b.WriteString("\ufeff")
	}
	nl := "\n"
	if o.crlf {
		nl = "\r\n"
	}
	if o.comments {
		b.WriteString("# sample chats for the assembler test" + nl + nl)
	}
	for i, cv := range convs {
		if cv.header == "" {
			b.WriteString("===" + nl)
		} else {
			b.WriteString("=== " + cv.header + nl)
		}
		for j, l := range cv.lines {
			if o.comments && j == 1 {
				b.WriteString("  # an indented comment inside a conversation" + nl + nl)
			}
			if l.who == "C" {
				b.WriteString("C " + l.intent + " | " + l.text + nl)
			} else {
				b.WriteString("A | " + l.text + nl)
			}
		}
		if o.comments && i%2 == 0 {
			b.WriteString(nl + "# next one" + nl + "   " + nl)
		}
	}
	return b.String()
}

// handwritten is a small valid source: labels incl. none, agent lines, a text
// containing " | ", commas and quotes, and a conversation opened by the agent.
var handwritten = []srcConv{
	{"普通话 买家", []srcLine{
		cust("greeting", "在吗"),
		agt("亲，在的，请问有什么可以帮您？"),
		cust("track_parcel", "我的快递到哪了？都三天了"),
		agt("麻烦提供一下订单号，这边帮您查询哦"),
		cust("none", "你们老板是哪里人啊"),
	}},
	{"粤语", []srcLine{
		cust("return_goods", "东西唔要喇 点寄返去"),
		agt("亲，七天无理由退货，在订单里申请就可以"),
		cust("thanks_goodbye", "好嘅 唔该"),
	}},
	{"", []srcLine{
		agt("欢迎光临，有什么可以帮您"),
		cust("size_advice", `175 70kg 穿什么码, "宽松" 一点`),
		cust("price_coupon", "券用不了，怎么回事 | 急"),
		agt("亲，这张券满199才能用哦"),
	}},
}

// second is the one conversation of a second file, written with BOM and CRLF.
var second = []srcConv{
	{"催发货", []srcLine{
		cust("hurry_shipment", "怎么还没发货"),
		agt("已经帮您催仓库了"),
		cust("human_agent", "转人工"),
	}},
}

// generated returns n conversations over all intents, with unique texts, so
// that every channel and month gets lines.
func generated(n int) []srcConv {
	ids := strings.Fields(intentIDs)
	var convs []srcConv
	for i := range n {
		cv := srcConv{header: fmt.Sprintf("gen %d", i)}
		for j := range 2 + i%4 {
			cv.lines = append(cv.lines,
				cust(ids[(i*7+j)%len(ids)], fmt.Sprintf("生成的问题 %d-%d 怎么办", i, j)),
				agt(fmt.Sprintf("生成的回答 %d-%d", i, j)))
		}
		convs = append(convs, cv)
	}
	return convs
}

// writeSrc writes the files into a new temp folder and returns it.
func writeSrc(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// assemble runs the assembler and returns the out folder and the summary.
func assemble(t *testing.T, src string, seed uint64) (string, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "chats")
	var summary bytes.Buffer
	if err := run(src, out, goldPath(out), seed, &summary); err != nil {
		t.Fatalf("run(seed %d): %v", seed, err)
	}
	return out, summary.String()
}

var outNames = []string{
	"crm_export_2026-08_10.csv",
	"kf_sync_msg_2026-08_10.jsonl",
	"wecom_2026-08.jsonl",
	"wecom_2026-09.jsonl",
	"wecom_2026-10.jsonl",
}

// goldPath is where a test's gold labels go for exports in out: beside it, not inside.
func goldPath(out string) string { return filepath.Join(filepath.Dir(out), "gold", "labels.jsonl") }

// readGold reads a gold file into msgid → intent, failing on repeats.
func readGold(t *testing.T, path string) map[string]string {
	t.Helper()
	gold := map[string]string{}
	for n, line := range readLines(t, path) {
		var g goldLabel
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&g); err != nil || g.MsgID == "" || g.Intent == "" {
			t.Errorf("%s:%d: bad gold line %s (%v)", path, n+1, line, err)
			continue
		}
		if _, dup := gold[g.MsgID]; dup {
			t.Errorf("%s:%d: msgid %s repeats", path, n+1, g.MsgID)
		}
		gold[g.MsgID] = g.Intent
	}
	return gold
}

var (
	staffIDs   = map[string]bool{}
	staffNames = map[string]bool{}
	wecomMsgID = regexp.MustCompile(`^[0-9]{19}_([0-9]+)_external$`)
)

func init() {
	for _, s := range staff {
		staffIDs[s.id] = true
		staffNames[s.name] = true
	}
}

// ref locates a text in the test sources.
type ref struct {
	conv, idx int
	customer  bool
	intent    string
}

// checker verifies exported lines against the sources.
type checker struct {
	t       *testing.T
	refs    map[string]ref
	found   map[string]int
	convOf  map[string]int // channel-prefixed customer/session id -> conv
	lastIdx map[string]int
	lastMs  map[string]int64
	garbled int
	perFile map[string]int
	labels  [2]int            // hidden, shown (the CRM's tag column)
	gold    map[string]string // msgid → intent
	golden  int               // customer texts found in gold
}

func newChecker(t *testing.T, convs []srcConv) *checker {
	ck := &checker{t: t, refs: map[string]ref{}, found: map[string]int{}, convOf: map[string]int{},
		lastIdx: map[string]int{}, lastMs: map[string]int64{}, perFile: map[string]int{}}
	for i, cv := range convs {
		for j, l := range cv.lines {
			if _, dup := ck.refs[l.text]; dup {
				t.Fatalf("test source repeats %q", l.text)
			}
			ck.refs[l.text] = ref{i, j, l.who == "C", l.intent}
		}
	}
	return ck
}

func inPeriod(ms int64) bool {
	return ms >= periodStart.UnixMilli() && ms < periodEnd.UnixMilli()
}

// text checks one exported text message of the conversation with key: its gold label (by msgid)
// and, in the CRM, its tag (crm true; tag "" when untagged).
func (ck *checker) text(where, key string, ms int64, customer bool, content, msgid string, crm bool, tag string) {
	t := ck.t
	r, ok := ck.refs[content]
	if !ok {
		t.Errorf("%s: text %q is not in the sources", where, content)
		return
	}
	ck.found[content]++
	if r.customer != customer {
		t.Errorf("%s: %q exported as customer=%v, source says %v", where, content, customer, r.customer)
	}
	gold, inGold := ck.gold[msgid]
	switch {
	case !customer && inGold:
		t.Errorf("%s: agent text %q has a gold label %q", where, content, gold)
	case customer && !inGold:
		t.Errorf("%s: customer text %q (msgid %s) has no gold label", where, content, msgid)
	case customer && gold != r.intent:
		t.Errorf("%s: %q gold %q, source says %q", where, content, gold, r.intent)
	case customer:
		ck.golden++
	}
	switch {
	case !crm:
	case !customer && tag != "":
		t.Errorf("%s: agent text %q carries tag %q", where, content, tag)
	case customer && tag != "" && tag != r.intent:
		t.Errorf("%s: %q tagged %q, source says %q", where, content, tag, r.intent)
	case customer && tag == "":
		ck.labels[0]++
	case customer:
		ck.labels[1]++
	}
	if conv, ok := ck.convOf[key]; !ok {
		ck.convOf[key] = r.conv
	} else if conv != r.conv {
		t.Errorf("%s: %s mixes conversations %d and %d", where, key, conv, r.conv)
	}
	if last, ok := ck.lastIdx[key]; ok && r.idx <= last {
		t.Errorf("%s: %q (message %d) comes after message %d of its conversation", where, content, r.idx, last)
	}
	ck.lastIdx[key] = r.idx
	ck.order(where, key, ms)
}

// order checks that times do not go back within a conversation.
func (ck *checker) order(where, key string, ms int64) {
	if !inPeriod(ms) {
		ck.t.Errorf("%s: time %s outside 2026-08-01..2026-10-31", where, time.UnixMilli(ms).In(cst))
	}
	if last, ok := ck.lastMs[key]; ok && ms < last {
		ck.t.Errorf("%s: time goes back in %s: %d after %d", where, key, ms, last)
	}
	ck.lastMs[key] = ms
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) == 0 {
		return nil
	}
	if !bytes.HasSuffix(data, []byte("\n")) {
		t.Errorf("%s does not end with a newline", path)
	}
	if bytes.Contains(data, []byte("\r")) {
		t.Errorf("%s contains CR", path)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

func (ck *checker) wecom(path, month string) {
	t := ck.t
	msgids := map[string]string{} // msgid -> conversation key
	for n, line := range readLines(t, path) {
		where := fmt.Sprintf("%s:%d", filepath.Base(path), n+1)
		var raw map[string]json.RawMessage
		if json.Unmarshal([]byte(line), &raw) != nil {
			ck.garbled++
			continue
		}
		ck.perFile[filepath.Base(path)]++
		for _, k := range []string{"msgid", "action", "from", "tolist", "msgtime", "msgtype"} {
			if _, ok := raw[k]; !ok {
				t.Errorf("%s: no %q in %s", where, k, line)
			}
		}
		var l wecomLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Errorf("%s: %v", where, err)
			continue
		}
		customer := strings.HasPrefix(l.From, "wm")
		cust := l.From
		if customer {
			if len(l.ToList) != 1 || !staffIDs[l.ToList[0]] {
				t.Errorf("%s: customer message to %v, want one staff id", where, l.ToList)
			}
		} else {
			if !staffIDs[l.From] {
				t.Errorf("%s: from %q is neither a customer (wm…) nor staff", where, l.From)
			}
			if len(l.ToList) != 1 || !strings.HasPrefix(l.ToList[0], "wm") {
				t.Errorf("%s: agent message to %v, want one customer id wm…", where, l.ToList)
			} else {
				cust = l.ToList[0]
			}
		}
		if len(cust) != 24 {
			t.Errorf("%s: customer id %q, want wm + 22 characters", where, cust)
		}
		if got := time.UnixMilli(l.MsgTime).In(cst).Format("2006-01"); got != month {
			t.Errorf("%s: msgtime in %s", where, got)
		}
		if m := wecomMsgID.FindStringSubmatch(l.MsgID); m == nil || m[1] != strconv.FormatInt(l.MsgTime/1000, 10) {
			t.Errorf("%s: msgid %q does not match msgtime %d", where, l.MsgID, l.MsgTime)
		}
		if _, dup := msgids[l.MsgID]; dup {
			t.Errorf("%s: msgid %q repeats", where, l.MsgID)
		}
		msgids[l.MsgID] = cust
		key := "wecom:" + cust
		switch l.MsgType {
		case "text":
			if l.Action != "send" || l.Text == nil {
				t.Errorf("%s: bad text line %s", where, line)
				continue
			}
			ck.text(where, key, l.MsgTime, customer, l.Text.Content, l.MsgID, false, "")
		case "image", "voice":
			if !customer || l.Action != "send" || (l.Image == nil) == (l.Voice == nil) {
				t.Errorf("%s: bad %s line %s", where, l.MsgType, line)
			}
			ck.order(where, key, l.MsgTime)
		case "revoke":
			if !customer || l.Action != "recall" || l.Revoke == nil {
				t.Errorf("%s: bad recall line %s", where, line)
				continue
			}
			// The recalled message may sit in the previous month's file.
			if k, ok := msgids[l.Revoke.PreMsgID]; ok && k != cust {
				t.Errorf("%s: recall of another conversation's message", where)
			}
			ck.order(where, key, l.MsgTime)
		default:
			t.Errorf("%s: unexpected msgtype %q", where, l.MsgType)
		}
	}
}

func (ck *checker) kf(path string) {
	t := ck.t
	for n, line := range readLines(t, path) {
		where := fmt.Sprintf("%s:%d", filepath.Base(path), n+1)
		ck.perFile[filepath.Base(path)]++
		var l kfLine
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			t.Errorf("%s: %v: %s", where, err, line)
			continue
		}
		if len(l.MsgID) != 32 || !slices.Contains(kfAccounts, l.OpenKfID) || !strings.HasPrefix(l.ExternalUserID, "wm") {
			t.Errorf("%s: bad ids in %s", where, line)
		}
		if (l.Origin == 5) != staffIDs[l.ServicerUserID] {
			t.Errorf("%s: origin %d with servicer %q", where, l.Origin, l.ServicerUserID)
		}
		key := "kf:" + l.ExternalUserID
		ms := l.SendTime * 1000
		switch l.MsgType {
		case "text":
			if l.Text == nil || (l.Origin != 3 && l.Origin != 5) {
				t.Errorf("%s: bad text line %s", where, line)
				continue
			}
			ck.text(where, key, ms, l.Origin == 3, l.Text.Content, l.MsgID, false, "")
		case "image", "voice":
			if l.Origin != 3 || (l.Image == nil) == (l.Voice == nil) {
				t.Errorf("%s: bad %s line %s", where, l.MsgType, line)
			}
			ck.order(where, key, ms)
		case "event":
			if l.Origin != 4 || l.Event == nil || l.Event.EventType != "enter_session" ||
				l.Event.ExternalUserID != l.ExternalUserID || l.Event.OpenKfID != l.OpenKfID {
				t.Errorf("%s: bad event line %s", where, line)
			}
			if _, ok := ck.lastMs[key]; ok {
				t.Errorf("%s: enter_session is not the first line of its conversation", where)
			}
			ck.order(where, key, ms)
		default:
			t.Errorf("%s: unexpected msgtype %q", where, l.MsgType)
		}
	}
}

func (ck *checker) crm(path string) {
	t := ck.t
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte(crmHeader)) {
		t.Fatalf("%s does not start with BOM + header + CRLF: %q", path, data[:min(len(data), 80)])
	}
	if bytes.Count(data, []byte("\n")) != bytes.Count(data, []byte("\r\n")) ||
		bytes.Count(data, []byte("\r")) != bytes.Count(data, []byte("\r\n")) {
		t.Errorf("%s: line ends are not all CRLF", path)
	}
	if !bytes.HasSuffix(data, []byte("\r\n")) {
		t.Errorf("%s does not end with CRLF", path)
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	r.FieldsPerRecord = 7
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"会话ID", "消息ID", "发送时间", "发送方", "发送方类型", "消息内容", "意图标签"}; !slices.Equal(header, want) {
		t.Errorf("header %q, want %q", header, want)
	}
	customers := map[string]string{} // session -> customer id
	for n := 2; ; n++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		where := fmt.Sprintf("%s:%d", filepath.Base(path), n)
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		ck.perFile[filepath.Base(path)]++
		session, msgid, when, sender, role, content, label := rec[0], rec[1], rec[2], rec[3], rec[4], rec[5], rec[6]
		if len(session) != 13 || session[0] != 'S' {
			t.Errorf("%s: session id %q", where, session)
		}
		if !strings.HasPrefix(msgid, "M"+session[1:]+"-") || len(msgid) != 17 {
			t.Errorf("%s: message id %q in session %s", where, msgid, session)
		}
		tm, err := time.ParseInLocation(time.DateTime, when, cst)
		if err != nil {
			t.Errorf("%s: %v", where, err)
			continue
		}
		switch role {
		case "客户":
			if len(sender) != 10 || sender[0] != 'U' {
				t.Errorf("%s: customer id %q", where, sender)
			}
			if prev, ok := customers[session]; ok && prev != sender {
				t.Errorf("%s: two customers in session %s", where, session)
			}
			customers[session] = sender
		case "客服":
			if !staffNames[sender] {
				t.Errorf("%s: agent %q is not staff", where, sender)
			}
		default:
			t.Errorf("%s: role %q", where, role)
		}
		key := "crm:" + session
		ck.text(where, key, tm.UnixMilli(), role == "客户", content, msgid, true, label)
	}
}

// checkOutputs verifies the exports in out against the source conversations.
func checkOutputs(t *testing.T, out string, convs []srcConv) *checker {
	t.Helper()
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, outNames) {
		t.Fatalf("out folder holds %q, want %q", names, outNames)
	}
	ck := newChecker(t, convs)
	ck.gold = readGold(t, goldPath(out))
	ck.crm(filepath.Join(out, "crm_export_2026-08_10.csv"))
	ck.kf(filepath.Join(out, "kf_sync_msg_2026-08_10.jsonl"))
	for _, m := range []string{"2026-08", "2026-09", "2026-10"} {
		ck.wecom(filepath.Join(out, "wecom_"+m+".jsonl"), m)
	}
	missing := 0
	for text := range ck.refs {
		switch ck.found[text] {
		case 0:
			missing++
		case 1:
		default:
			t.Errorf("text %q exported %d times", text, ck.found[text])
		}
	}
	if ck.golden != len(ck.gold) {
		t.Errorf("gold labels %d messages, %d found in the exports", len(ck.gold), ck.golden)
	}
	if missing > ck.garbled {
		t.Errorf("%d source texts missing from the exports, only %d garbled lines", missing, ck.garbled)
	}
	perConv := map[int]int{}
	for _, conv := range ck.convOf {
		perConv[conv]++
	}
	for i := range convs {
		if perConv[i] != 1 {
			t.Errorf("conversation %d (%s) found under %d customer/session ids, want 1", i, convs[i].header, perConv[i])
		}
	}
	return ck
}

func TestAssemble(t *testing.T) {
	t.Parallel()
	gen := generated(120)
	tests := []struct {
		name   string
		files  map[string]string
		convs  []srcConv
		nFiles int // chats_*.txt files
		seeds  []uint64
		full   bool // expect lines in every file and hidden and shown labels
	}{
		{
			name: "handwritten",
			files: map[string]string{
				"chats_a.txt":  render(handwritten, renderOpts{comments: true}),
				"chats_b.txt":  render(second, renderOpts{bom: true, crlf: true, comments: true}),
				"notes.txt":    "not a chats file\n",
				"chats_c.txt~": "C greeting | ignored backup\n",
			},
			convs:  append(slices.Clone(handwritten), second...),
			nFiles: 2,
			seeds:  []uint64{1, 20260801, 42},
		},
		{
			name: "generated",
			files: map[string]string{
				"chats_a.txt":   render(handwritten, renderOpts{comments: true}),
				"chats_b.txt":   render(second, renderOpts{crlf: true}),
				"chats_gen.txt": render(gen, renderOpts{bom: true}),
			},
			convs:  slices.Concat(handwritten, second, gen),
			nFiles: 3,
			seeds:  []uint64{7, 20260801},
			full:   true,
		},
	}
	for _, tt := range tests {
		src := writeSrc(t, tt.files)
		for _, seed := range tt.seeds {
			t.Run(fmt.Sprintf("%s/seed=%d", tt.name, seed), func(t *testing.T) {
				out, summary := assemble(t, src, seed)
				ck := checkOutputs(t, out, tt.convs)
				if want := fmt.Sprintf("assemble: %d source files, %d conversations", tt.nFiles, len(tt.convs)); !strings.HasPrefix(summary, want) {
					t.Errorf("summary starts %q, want %q", firstLine(summary), want)
				}
				if tt.full {
					for _, name := range outNames {
						if ck.perFile[name] == 0 {
							t.Errorf("%s has no lines", name)
						}
					}
					if ck.labels[0] == 0 || ck.labels[1] == 0 {
						t.Errorf("customer texts hidden/shown labels %v, want both", ck.labels)
					}
				}
				if testing.Verbose() {
					t.Logf("lines per file %v, garbled %d, labels hidden/shown %v", ck.perFile, ck.garbled, ck.labels)
				}
			})
		}
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func readOuts(t *testing.T, out string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	for _, name := range outNames {
		data, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		m[name] = data
	}
	return m
}

func TestDeterminism(t *testing.T) {
	t.Parallel()
	src := writeSrc(t, map[string]string{
		"chats_a.txt":   render(handwritten, renderOpts{comments: true}),
		"chats_b.txt":   render(second, renderOpts{crlf: true}),
		"chats_gen.txt": render(generated(40), renderOpts{}),
	})
	tests := []struct {
		seed1, seed2 uint64
		same         bool
	}{
		{1, 1, true},
		{20260801, 20260801, true},
		{1, 2, false},
		{20260801, 20260802, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d_%d", tt.seed1, tt.seed2), func(t *testing.T) {
			out1, sum1 := assemble(t, src, tt.seed1)
			out2, sum2 := assemble(t, src, tt.seed2)
			f1, f2 := readOuts(t, out1), readOuts(t, out2)
			differ := []string{}
			for _, name := range outNames {
				if !bytes.Equal(f1[name], f2[name]) {
					differ = append(differ, name)
				}
			}
			if tt.same {
				if len(differ) > 0 {
					t.Errorf("same seed, different %v", differ)
				}
				if sum1 != sum2 {
					t.Errorf("same seed, different summaries:\n%s\n%s", sum1, sum2)
				}
			} else if len(differ) == 0 {
				t.Errorf("seeds %d and %d give identical exports", tt.seed1, tt.seed2)
			}
		})
	}
	t.Run("overwrite", func(t *testing.T) {
		// Re-running into a filled folder replaces the files and leaves no temporaries.
		out, _ := assemble(t, src, 3)
		want := readOuts(t, out)
		if err := run(src, out, goldPath(out), 4, io.Discard); err != nil {
			t.Fatal(err)
		}
		if err := run(src, out, goldPath(out), 3, io.Discard); err != nil {
			t.Fatal(err)
		}
		got := readOuts(t, out)
		for _, name := range outNames {
			if !bytes.Equal(got[name], want[name]) {
				t.Errorf("%s differs after re-running with the same seed", name)
			}
		}
		entries, _ := os.ReadDir(out)
		if len(entries) != len(outNames) {
			t.Errorf("out folder holds %d entries, want %d", len(entries), len(outNames))
		}
	})
}

func TestErrors(t *testing.T) {
	t.Parallel()
	const ok = "=== fine\nC greeting | 你好\nA | 在的\n"
	tests := []struct {
		name  string
		files map[string]string
		want  string // file:line prefix, "" when there is no line
		msg   string
	}{
		{"unknown intent", map[string]string{"chats_a.txt": "=== x\nC greeting | 在吗\nC track_parcels | 快递呢\n"},
			"chats_a.txt:3:", `unknown intent "track_parcels"`},
		{"intent case", map[string]string{"chats_a.txt": "===\nC Greeting | 在吗\n"},
			"chats_a.txt:2:", "unknown intent"},
		{"malformed line", map[string]string{"chats_a.txt": "=== x\nC greeting 在吗\n"},
			"chats_a.txt:2:", "malformed line"},
		{"no space before bar", map[string]string{"chats_a.txt": "=== x\nC greeting| 在吗\n"},
			"chats_a.txt:2:", "malformed line"},
		{"malformed label", map[string]string{"chats_a.txt": "=== x\nB | 在吗\n"},
			"chats_a.txt:2:", "malformed label"},
		{"label without intent", map[string]string{"chats_a.txt": "=== x\nC | 在吗\n"},
			"chats_a.txt:2:", "malformed label"},
		{"agent with intent", map[string]string{"chats_a.txt": "=== x\nC greeting | 在吗\nA greeting | 在的\n"},
			"chats_a.txt:3:", "malformed label"},
		{"header without space", map[string]string{"chats_a.txt": "===x\nC greeting | 在吗\n"},
			"chats_a.txt:1:", "malformed line"},
		{"message before first ===", map[string]string{"chats_a.txt": "# comment\n\nC greeting | 在吗\n=== x\nC greeting | 你好\n"},
			"chats_a.txt:3:", "message before the first ==="},
		{"agent before first ===", map[string]string{"chats_a.txt": "A | 在的\n" + ok},
			"chats_a.txt:1:", "message before the first ==="},
		{"empty customer text", map[string]string{"chats_a.txt": "=== x\nC greeting | 在吗\nC thanks_goodbye | \n"},
			"chats_a.txt:3:", "empty message text"},
		{"blank agent text", map[string]string{"chats_a.txt": "=== x\nC greeting | 在吗\nA |  \u3000 \n"},
			"chats_a.txt:3:", "empty message text"},
		{"conversation without customer", map[string]string{"chats_a.txt": "=== x\nA | 在的\n" + ok},
			"chats_a.txt:1:", "conversation without customer messages"},
		{"last conversation without customer", map[string]string{"chats_a.txt": ok + "\n===\n# nothing\n"},
			"chats_a.txt:5:", "conversation without customer messages"},
		{"second file, BOM and CRLF", map[string]string{
			"chats_a.txt": ok,
			"chats_b.txt": "\ufeff# c\r\n=== x\r\nC greeting | 在吗\r\nC nope | 嗯\r\n",
		}, "chats_b.txt:4:", `unknown intent "nope"`},
		{"no sources", map[string]string{"chat_a.txt": ok}, "", "no chats_*.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := writeSrc(t, tt.files)
			out := filepath.Join(t.TempDir(), "chats")
			err := run(src, out, goldPath(out), 1, io.Discard)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.want != "" {
				if prefix := filepath.Join(src, tt.want); !strings.HasPrefix(err.Error(), prefix) {
					t.Errorf("error %q does not start with %q", err, prefix)
				}
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not mention %q", err, tt.msg)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("out folder written despite the error (stat: %v)", err)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		in, want string
		bug      string // known bug: skip instead of failing
	}{
		{"在吗", "在吗", ""},
		{"ｏｋ谢谢", "ok谢谢", ""},
		{"OK谢谢", "ok谢谢", ""},
		{"我的快递到哪了？ABC１２３", "我的快递到哪了?abc123", ""},
		{"  你好\u3000\t 在吗  ", "你好 在吗", ""},
		{"Hello World", "hello world", ""},
		{"￥９９，＃１", "¥99,#1", ""},
		{"ｶ｡｢x｣､", "ｶ。「x」、", ""},
		{"ＯＫ谢谢", "ok谢谢", ""},
		{"我的快递到哪了？ＡＢＣ１２３", "我的快递到哪了?abc123", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := normalize(tt.in)
			if got != tt.want && tt.bug != "" {
				t.Skipf("%s: normalize(%q) = %q, want %q", tt.bug, tt.in, got, tt.want)
			}
			if got != tt.want {
				t.Errorf("normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDedupe(t *testing.T) {
	t.Parallel()
	// Spellings that fold to an earlier customer text are dropped; agent
	// texts may repeat; a conversation left without customers goes.
	convs := []srcConv{
		{"first", []srcLine{
			cust("greeting", "在吗"),
			agt("在的亲"),
			cust("track_parcel", "我的快递到哪了？单号ABC123"),
			cust("none", "你 是 机器人吗"),
		}},
		{"second", []srcLine{
			cust("greeting", "在吗 "),
			agt("在的亲"),
			cust("track_parcel", "我的快递到哪了?单号ａｂｃ１２３"),
			cust("refund_progress", "退款什么时候到"),
		}},
		{"emptied", []srcLine{
			agt("欢迎光临"),
			cust("none", "你\u3000是  机器人吗"),
			agt("亲，我是真人客服哦"),
		}},
	}
	third := []srcConv{{"other file", []srcLine{
		cust("thanks_goodbye", "ｏｋ 谢谢"),
		cust("thanks_goodbye", "OK 谢谢"), // same conversation
		cust("greeting", "在吗"),          // an earlier file's text
	}}}
	src := writeSrc(t, map[string]string{
		"chats_1.txt": render(convs, renderOpts{comments: true}),
		"chats_2.txt": render(third, renderOpts{}),
	})
	out, summary := assemble(t, src, 20260801)
	if want := "duplicate customer texts dropped: 5 (conversations emptied: 1)"; !strings.Contains(summary, want) {
		t.Errorf("summary lacks %q:\n%s", want, summary)
	}
	if want := "assemble: 2 source files, 3 conversations"; !strings.HasPrefix(summary, want) {
		t.Errorf("summary starts %q, want %q", firstLine(summary), want)
	}
	var all []byte
	for _, data := range readOuts(t, out) {
		all = append(all, data...)
	}
	tests := []struct {
		text string
		n    int
	}{
		{"在吗", 1}, // "在吗 " is trimmed to the same text
		{"在的亲", 2},
		{"我的快递到哪了？单号ABC123", 1},
		{"我的快递到哪了?单号ａｂｃ１２３", 0},
		{"你 是 机器人吗", 1},
		{"你\u3000是  机器人吗", 0},
		{"欢迎光临", 0},
		{"亲，我是真人客服哦", 0},
		{"退款什么时候到", 1},
		{"ｏｋ 谢谢", 1},
		{"OK 谢谢", 0},
	}
	for _, tt := range tests {
		// Count the text as a whole JSON string or CSV field.
		n := bytes.Count(all, []byte(`"content":"`+tt.text+`"`)) + bytes.Count(all, []byte(","+tt.text+","))
		if n != tt.n {
			t.Errorf("%q exported %d times, want %d", tt.text, n, tt.n)
		}
	}

	// dedupe itself keeps the first spelling in source order.
	parsed := []*conversation{
		{where: "x:1", msgs: []message{{customer: true, intent: "greeting", text: "ｈｉ"}, {text: "Hi"}}},
		{where: "x:4", msgs: []message{{text: "hi"}, {customer: true, intent: "greeting", text: "Hi"}}},
		{where: "x:7", msgs: []message{{customer: true, intent: "none", text: "Hi there"}}},
	}
	kept, dups, emptied := dedupe(parsed)
	if dups != 1 || emptied != 1 || len(kept) != 2 || kept[0].where != "x:1" || kept[1].where != "x:7" ||
		len(kept[0].msgs) != 2 || kept[0].msgs[0].text != "ｈｉ" {
		t.Errorf("dedupe: kept %d (%v), dups %d, emptied %d", len(kept), kept, dups, emptied)
	}
}

func TestDedupeFullWidthUpper(t *testing.T) {
	src := writeSrc(t, map[string]string{"chats_a.txt": render([]srcConv{
		{"", []srcLine{cust("thanks_goodbye", "ＯＫ谢谢"), agt("不客气")}},
		{"", []srcLine{cust("thanks_goodbye", "ok谢谢"), cust("greeting", "在吗")}},
	}, renderOpts{})})
	_, summary := assemble(t, src, 1)
	if want := "duplicate customer texts dropped: 1 "; !strings.Contains(summary, want) {
		t.Errorf("a full-width upper-case spelling survived dedupe; summary: %s", strings.Split(summary, "\n")[1])
	}
}

func TestHideLabel(t *testing.T) {
	t.Parallel()
	count := func(seed uint64, intent string) int {
		n := 0
		for i := range 4000 {
			if hideLabel(seed, &message{customer: true, intent: intent, text: fmt.Sprintf("%d号订单怎么还没到", i)}) {
				n++
			}
		}
		return n
	}
	tests := []struct {
		intent   string
		min, max int
	}{
		{"track_parcel", 4000 * 18 / 100, 4000 * 28 / 100},
		{"none", 4000 * 18 / 100, 4000 * 28 / 100},
		{"greeting", 4000 * 44 / 100, 4000 * 56 / 100},
		{"thanks_goodbye", 4000 * 44 / 100, 4000 * 56 / 100},
	}
	for _, tt := range tests {
		if n := count(20260801, tt.intent); n < tt.min || n > tt.max {
			t.Errorf("%s: %d of 4000 labels hidden, want %d..%d", tt.intent, n, tt.min, tt.max)
		}
	}
	m := &message{customer: true, intent: "track_parcel", text: "快递到哪了"}
	folded := &message{customer: true, intent: "track_parcel", text: "快递到哪了\u3000"}
	for seed := range uint64(50) {
		if hideLabel(seed, m) != hideLabel(seed, folded) {
			t.Errorf("seed %d: hideLabel depends on the spelling", seed)
		}
	}
}

// TestIntentList checks intentIDs against the table in INTENTS.md.
func TestIntentList(t *testing.T) {
	data, err := os.ReadFile("../../shop/src/INTENTS.md")
	if err != nil {
		t.Skip(err)
	}
	var ids []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Split(line, "|")
		if len(f) < 3 || !strings.HasPrefix(line, "| ") {
			continue
		}
		id := strings.TrimSpace(f[1])
		if id == "id" || strings.Trim(id, "-") == "" {
			continue
		}
		ids = append(ids, id)
	}
	if got := strings.Fields(intentIDs); !slices.Equal(got, ids) {
		t.Errorf("intentIDs = %q\nINTENTS.md has %q", got, ids)
	}
}

// TestCommittedExports checks that corpora/shop/chats is what the sources and
// the default seed give.
func TestCommittedExports(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("short")
	}
	src, chats := "../../shop/src", "../../shop/chats"
	if _, err := os.Stat(chats); err != nil {
		t.Skip(err)
	}
	out, _ := assemble(t, src, 20260801)
	got, want := readOuts(t, out), readOuts(t, chats)
	for _, name := range outNames {
		if !bytes.Equal(got[name], want[name]) {
			t.Errorf("corpora/shop/chats/%s is stale: run go run ./corpora/tools/assemble", name)
		}
	}
	gotGold, err := os.ReadFile(goldPath(out))
	if err != nil {
		t.Fatal(err)
	}
	if wantGold, err := os.ReadFile("../../shop/gold/labels.jsonl"); err != nil || !bytes.Equal(gotGold, wantGold) {
		t.Errorf("corpora/shop/gold/labels.jsonl is stale (%v): run go run ./corpora/tools/assemble", err)
	}
}
