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
