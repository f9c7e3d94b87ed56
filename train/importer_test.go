package train

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// importDir holds one small export of each format, with the awkward lines real exports have.
var importDir = filepath.Join("testdata", "import")

// sameInstant is the send time most fixture messages share, written as WeCom milliseconds, 微信客服
// seconds, a plain-line sent_at in both units, a CSV date in China Standard Time and a CSV
// millisecond timestamp.
var sameInstant = time.Unix(1785539051, 0) // 2026-08-01 07:04:11 +08:00

// importAll runs a fresh Importer over paths and returns the messages and the stats.
func importAll(t *testing.T, im *Importer, paths ...string) ([]Message, ImportStats) {
	t.Helper()
	if im == nil {
		im = NewImporter()
	}
	var msgs []Message
	err := im.Import(context.Background(), paths, func(m Message) error {
		msgs = append(msgs, m)
		return nil
	})
	if err != nil {
		t.Fatalf("Import(%v): %v", paths, err)
	}
	return msgs, im.Stats()
}

// checkStats compares the counts of st with the expected ones and checks that every line read
// was either kept or skipped for a reason (CSV headers are read but neither).
func checkStats(t *testing.T, st ImportStats, files, lines, kept, labelled, headers int, skipped map[string]int) {
	t.Helper()
	if st.Files != files || st.Lines != lines || st.Kept != kept || st.Labelled != labelled {
		t.Errorf("stats: files %d lines %d kept %d labelled %d; want %d %d %d %d (%s)",
			st.Files, st.Lines, st.Kept, st.Labelled, files, lines, kept, labelled, st)
	}
	got := maps.Clone(st.Skipped)
	if got == nil {
		got = map[string]int{}
	}
	if !maps.Equal(got, skipped) {
		t.Errorf("skipped = %v, want %v", got, skipped)
	}
	total := st.Kept + headers
	for _, n := range st.Skipped {
		total += n
	}
	if total != st.Lines {
		t.Errorf("kept %d + skipped + %d headers = %d, but %d lines were read", st.Kept, headers, total, st.Lines)
	}
}

// byText indexes messages by their text.
func byText(t *testing.T, msgs []Message) map[string]Message {
	t.Helper()
	out := map[string]Message{}
	for _, m := range msgs {
		if _, dup := out[m.Text]; dup {
			t.Errorf("message %q imported twice", m.Text)
		}
		out[m.Text] = m
	}
	return out
}

func checkProblems(t *testing.T, problems []string, path string, lines ...string) {
	t.Helper()
	if len(problems) != len(lines) {
		t.Fatalf("problems = %q, want one for each of lines %v", problems, lines)
	}
	for i, l := range lines {
		if want := path + ":" + l + ": "; !strings.HasPrefix(problems[i], want) {
			t.Errorf("problem %d = %q, want it to start with %q", i, problems[i], want)
		}
	}
}

func TestImportWeCom(t *testing.T) {
	path := filepath.Join(importDir, "wecom.jsonl")
	msgs, st := importAll(t, nil, path)
	// 11 lines, one blank; the last one is cut off in the middle of a field.
	checkStats(t, st, 1, 10, 3, 2, 0, map[string]int{
		SkipNotCustomer: 1, SkipRecall: 1, SkipNotText: 2, SkipDuplicate: 1, SkipEmpty: 1, SkipMalformed: 1,
	})
	checkProblems(t, st.Problems, path, "11")
	want := []Message{
		{Text: "我填的地址是老地址 快帮我改", Intent: "change_address", Time: sameInstant, Sender: "wmAAA111", Source: path + ":1",
			MsgID: "w1", Conversation: "wecom:wmAAA111|liuyang", Channel: "wecom"},
		{Text: "这件卫衣是纯棉的吗", Time: time.UnixMilli(1785539100123), Sender: "woBBB222", Source: path + ":3",
			MsgID: "w3", Conversation: "wecom:woBBB222|liuyang", Channel: "wecom"},
		{Text: "退货地址是哪里", Intent: "return_goods", Time: time.UnixMilli(1785539700000), Sender: "wmCCC333", Source: path + ":10",
			MsgID: "w10", Conversation: "wecom:wmCCC333|zhaolei", Channel: "wecom"},
	}
	checkMessages(t, msgs, want)
}

func TestImportKF(t *testing.T) {
	path := filepath.Join(importDir, "kf_sync_msg.jsonl")
	msgs, st := importAll(t, nil, path)
	checkStats(t, st, 1, 9, 3, 2, 0, map[string]int{SkipNotCustomer: 2, SkipNotText: 2, SkipMalformed: 2})
	checkProblems(t, st.Problems, path, "7", "8")
	want := []Message{
		{Text: "你们默认发什么快递", Intent: "shipping_courier", Time: sameInstant, Sender: "wmKF0001", Source: path + ":2",
			MsgID: "k2", Conversation: "kf:wkAbC123|wmKF0001", Channel: "kf", OpenKfID: "wkAbC123"},
		{Text: "能开发票吗", Time: time.Unix(1785539100, 0), Sender: "wmKF0002", Source: path + ":6",
			MsgID: "k6", Conversation: "kf:wkAbC123|wmKF0002", Channel: "kf", OpenKfID: "wkAbC123"},
		// send_time is seconds in the API, but a millisecond value must not land in the year 58000.
		{Text: "发货了吗", Intent: "shipping_time", Time: time.Unix(1785539300, 0), Sender: "wmKF0003", Source: path + ":9",
			MsgID: "k9", Conversation: "kf:wkAbC123|wmKF0003", Channel: "kf", OpenKfID: "wkAbC123"},
	}
	checkMessages(t, msgs, want)
}

func TestImportPlain(t *testing.T) {
	path := filepath.Join(importDir, "plain.jsonl")
	msgs, st := importAll(t, nil, path)
	checkStats(t, st, 1, 10, 5, 4, 0, map[string]int{SkipMalformed: 3, SkipDuplicate: 2})
	checkProblems(t, st.Problems, path, "5", "6", "7")
	want := []Message{
		{Text: "东西不要了怎么寄回去", Intent: "return_goods", Time: sameInstant, Source: path + ":1", Channel: "plain"},
		{Text: "什么时候发货", Intent: "shipping_time", Time: sameInstant, Source: path + ":2", Channel: "plain"},
		{Text: "能开专票吗", Intent: "invoice", Source: path + ":3", Channel: "plain"}, // "label" works as well as "intent"
		{Text: "随便问问", Source: path + ":4", Channel: "plain"},
		// The full-width form is kept as written; its half-width, lower-case twin on line 10 is the duplicate.
		{Text: "ＴＫ啥时候到账", Intent: "refund_progress", Time: sameInstant, Source: path + ":9", Channel: "plain"},
	}
	checkMessages(t, msgs, want)
}

func TestImportCSV(t *testing.T) {
	path := filepath.Join(importDir, "crm.csv")
	msgs, st := importAll(t, nil, path)
	// BOM, CRLF line ends, a quoted field with a comma and doubled quotes, a quoted field over two
	// lines, a quote inside an unquoted field (7: text, as customers type it); broken rows: too few
	// fields (5), a time that is not a time (6).
	checkStats(t, st, 1, 10, 5, 3, 1, map[string]int{SkipNotCustomer: 1, SkipMalformed: 2, SkipEmpty: 1})
	checkProblems(t, st.Problems, path, "5", "6")
	want := []Message{
		{Text: "快递员态度恶劣 说我事多", Intent: "delivery_problem", Time: sameInstant, Sender: "U100", Source: path + ":2",
			Conversation: "csv:S1", Channel: "csv"},
		{Text: `你们选快递能不能选好一点的，"顺丰"也行`, Time: sameInstant.Add(109 * time.Second), Sender: "U100", Source: path + ":4",
			Conversation: "csv:S1", Channel: "csv"},
		{Text: `x"y`, Time: time.Date(2026, 8, 1, 1, 0, 0, 0, time.UTC), Sender: "U400", Source: path + ":7",
			Conversation: "csv:S4", Channel: "csv"},
		{Text: "多行\n消息第二行", Intent: "product_info", Time: time.Date(2026, 8, 1, 2, 0, 0, 0, time.UTC), Sender: "U500", Source: path + ":8",
			Conversation: "csv:S5", Channel: "csv"},
		{Text: "时间戳是毫秒的消息", Intent: "product_info", Time: sameInstant, Sender: "U600", Source: path + ":10",
			Conversation: "csv:S6", Channel: "csv"},
	}
	checkMessages(t, msgs, want)
}

func TestImportCSVLocation(t *testing.T) {
	im := NewImporter()
	im.Location = time.UTC
	msgs, _ := importAll(t, im, filepath.Join(importDir, "crm.csv"))
	if len(msgs) == 0 {
		t.Fatal("no messages")
	}
	if want := time.Date(2026, 8, 1, 7, 4, 11, 0, time.UTC); !msgs[0].Time.Equal(want) {
		t.Errorf("with Location UTC, 2026-08-01 07:04:11 = %v, want %v", msgs[0].Time, want)
	}
}

// checkMessages compares messages field by field; times compare as instants.
func checkMessages(t *testing.T, got, want []Message) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d messages, want %d:", len(got), len(want))
		for _, m := range got {
			t.Logf("  %+v", m)
		}
		return
	}
	for i := range want {
		g, w := got[i], want[i]
		if !g.Time.Equal(w.Time) {
			t.Errorf("message %d (%q): time %v, want %v", i, g.Text, g.Time, w.Time)
		}
		g.Time, w.Time = time.Time{}, time.Time{}
		if g != w {
			t.Errorf("message %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

func TestTimestampsNormalised(t *testing.T) {
	msgs, _ := importAll(t, nil, importDir)
	n := 0
	for _, m := range msgs {
		if m.Time.Equal(sameInstant) {
			n++
		}
	}
	// WeCom ms, 微信客服 s, plain ms, plain s, plain s (full width), CSV date, CSV ms.
	if n != 7 {
		t.Errorf("%d messages at %v, want 7 (ms and s must give the same time)", n, sameInstant)
		for _, m := range msgs {
			t.Logf("  %s  %v", m.Source, m.Time)
		}
	}
	for _, m := range msgs {
		if !m.Time.IsZero() && (m.Time.Year() < 2020 || m.Time.Year() > 2030) {
			t.Errorf("%s: time %v is not in the export's range", m.Source, m.Time)
		}
	}
}

func TestImportDirectory(t *testing.T) {
	msgs, st := importAll(t, nil, importDir)
	checkStats(t, st, 4, 39, 16, 11, 1, map[string]int{
		SkipNotCustomer: 4, SkipRecall: 1, SkipNotText: 4, SkipDuplicate: 3, SkipEmpty: 2, SkipMalformed: 8,
	})
	if len(st.Problems) != maxReported {
		t.Errorf("%d problems named, want the first %d: %q", len(st.Problems), maxReported, st.Problems)
	}
	// Files are read in sorted order: crm.csv first.
	if first := filepath.Join(importDir, "crm.csv") + ":5: "; !strings.HasPrefix(st.Problems[0], first) {
		t.Errorf("first problem %q, want %q…", st.Problems[0], first)
	}
	byText(t, msgs)
	s := st.String()
	for _, want := range []string{"4 files", "39 lines", "16 messages kept", "11 labelled", "malformed 8", "duplicate 3", "recall 1"} {
		if !strings.Contains(s, want) {
			t.Errorf("String() = %q, want it to say %q", s, want)
		}
	}
}

func TestImportDuplicatesAcrossFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.jsonl"), `{"text":"我要退货","intent":"return_goods"}`+"\n")
	writeFile(t, filepath.Join(dir, "b.jsonl"), `{"text":"我要退货 ","intent":"invoice"}`+"\n"+`{"text":"我要退货！"}`+"\n")
	msgs, st := importAll(t, nil, dir)
	checkStats(t, st, 2, 3, 2, 1, 0, map[string]int{SkipDuplicate: 1})
	if len(msgs) != 2 || msgs[0].Intent != "return_goods" {
		t.Errorf("messages %+v: the first of two duplicates must win", msgs)
	}
}

func TestImportProblemsAreCapped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "broken.jsonl")
	writeFile(t, path, "\xef\xbb\xbf"+`{"text":"第一行前面有 BOM"}`+"\n"+strings.Repeat("{not json\n", 8)+`{"text":"最后一行"}`)
	msgs, st := importAll(t, nil, path)
	checkStats(t, st, 1, 10, 2, 0, 0, map[string]int{SkipMalformed: 8})
	checkProblems(t, st.Problems, path, "2", "3", "4", "5", "6")
	if len(msgs) != 2 || msgs[0].Text != "第一行前面有 BOM" || msgs[1].Source != path+":10" {
		t.Errorf("messages %+v", msgs)
	}
}

func TestImportStopsOnCallbackError(t *testing.T) {
	stop := errors.New("stop")
	calls := 0
	err := NewImporter().Import(context.Background(), []string{importDir}, func(Message) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("Import = %v after %d calls, want the callback's error after 1", err, calls)
	}
}

func TestImportCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := NewImporter().Import(ctx, []string{filepath.Join(importDir, "crm.csv")}, func(Message) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Import with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestImportMissingFile(t *testing.T) {
	err := NewImporter().Import(context.Background(), []string{filepath.Join(importDir, "nope.jsonl")}, func(Message) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "nope.jsonl") {
		t.Errorf("Import(missing file) = %v, want an error naming it", err)
	}
}

// A CSV row whose first field holds a stray quote is one malformed line like any other.
// TestImportCSVQuotes: a quote inside a field is text (S"1), a quote that opens a field and
// never closes costs its own line only — the rest of the file is read — and a quoted field over
// several lines is one message.
func TestImportCSVQuotes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crm.csv")
	var b strings.Builder
	b.WriteString("会话ID,发送时间,发送方,发送方类型,消息内容,意图标签\n")
	b.WriteString(`S"1,2026-08-01 07:04:11,U1,客户,你好 在吗,` + "\n")   // 2
	b.WriteString(`"S2"x,2026-08-01 07:05:11,U1,客户,还在吗,` + "\n")   // 3: never closed
	b.WriteString(`S3,2026-08-01 07:06:11,U1,客户,这个是"正品"吗,` + "\n") // 4
	b.WriteString(`S4,2026-08-01 07:07:11,U1,客户,"引号开头 我想问` + "\n") // 5: never closed
	for i := range 150 {                                           // 6-155
		fmt.Fprintf(&b, "S5,2026-08-01 08:00:00,U1,客户,消息%d 快递到哪了,\n", i)
	}
	b.WriteString("S6,2026-08-01 09:00:00,U1,客户,\"第一行\n第二行\",product_info\n") // 156-157
	writeFile(t, path, b.String())
	var msgs []Message
	var st ImportStats
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("Import panicked on a broken CSV row: %v", r)
			}
		}()
		msgs, st = importAll(t, nil, path)
	}()
	checkStats(t, st, 1, 156, 153, 1, 1, map[string]int{SkipMalformed: 2})
	checkProblems(t, st.Problems, path, "3", "5")
	got := byText(t, msgs)
	for text, source := range map[string]string{"你好 在吗": ":2", `这个是"正品"吗`: ":4", "消息0 快递到哪了": ":6", "消息149 快递到哪了": ":155", "第一行\n第二行": ":156"} {
		if m, ok := got[text]; !ok || m.Source != path+source {
			t.Errorf("%q: %+v, want it read from line %s", text, m, source)
		}
	}
}

// TestImportCSVEdges: blank lines before the header are skipped, as encoding/csv skips them,
// and without a length limit a quoted field over several lines is still one message.
func TestImportCSVEdges(t *testing.T) {
	dir := t.TempDir()
	blank := filepath.Join(dir, "blank.csv")
	writeFile(t, blank, "\ufeff\r\n\ntext,intent\n退款,refund\n")
	msgs, _ := importAll(t, nil, blank)
	if len(msgs) != 1 || msgs[0].Text != "退款" || msgs[0].Source != blank+":4" {
		t.Errorf("blank lines before the header: %+v", msgs)
	}
	multi := filepath.Join(dir, "multi.csv")
	writeFile(t, multi, "text,intent\n\"请问\n什么时候发货\",shipping\n")
	im := NewImporter()
	im.MaxTextBytes = -1
	msgs, st := importAll(t, im, multi)
	if len(msgs) != 1 || msgs[0].Text != "请问\n什么时候发货" || len(st.Skipped) != 0 {
		t.Errorf("a quoted field over two lines without a length limit: %+v, skipped %v", msgs, st.Skipped)
	}
}

func TestImportCSVMapping(t *testing.T) {
	path := filepath.Join(t.TempDir(), "export.csv")
	writeFile(t, path, "编号,内容,时间,标签,角色,昵称\n"+
		"1,这件有现货吗,2026-08-01 07:04:11,stock,买家,小王\n"+
		"2,有的亲,2026-08-01 07:05:11,,卖家,店小二\n"+
		"3,什么时候补货,2026-08-01 07:06:11,stock,买家,小李\n")
	cols, err := ParseCSVColumns("text=内容, time=时间, label=标签, role=角色, customer=买家, sender=昵称")
	if err != nil {
		t.Fatal(err)
	}
	im := NewImporter()
	im.CSV = cols
	msgs, st := importAll(t, im, path)
	checkStats(t, st, 1, 4, 2, 2, 1, map[string]int{SkipNotCustomer: 1})
	checkMessages(t, msgs, []Message{
		{Text: "这件有现货吗", Intent: "stock", Time: sameInstant, Sender: "小王", Source: path + ":2", Channel: "csv"},
		{Text: "什么时候补货", Intent: "stock", Time: sameInstant.Add(2 * time.Minute), Sender: "小李", Source: path + ":4", Channel: "csv"},
	})

	// Without a role column every row is a customer's.
	path2 := filepath.Join(t.TempDir(), "norole.csv")
	writeFile(t, path2, "text,intent\n我要退货,return_goods\n发票怎么开,\n")
	msgs, st = importAll(t, nil, path2)
	checkStats(t, st, 1, 3, 2, 1, 1, map[string]int{})
	if len(msgs) != 2 || !msgs[0].Time.IsZero() {
		t.Errorf("messages %+v", msgs)
	}
}

func TestImportCSVNoTextColumn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "export.csv")
	writeFile(t, path, "编号,正文\n1,你好\n")
	err := NewImporter().Import(context.Background(), []string{path}, func(Message) error { return nil })
	if err == nil || !strings.Contains(err.Error(), path+":1") || !strings.Contains(err.Error(), "text column") {
		t.Errorf("Import(CSV without a text column) = %v, want an error naming %s:1 and the text column", err, path)
	}
}

func TestParseCSVColumns(t *testing.T) {
	def, err := ParseCSVColumns("  ")
	if err != nil || !reflect.DeepEqual(def, DefaultCSVColumns()) {
		t.Errorf("ParseCSVColumns(blank) = %+v, %v; want the defaults", def, err)
	}
	c, err := ParseCSVColumns("text=消息内容,time=发送时间,intent=意图标签,role=发送方类型,customer=客户,sender=发送方")
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultCSVColumns()
	want.Text, want.Time, want.Intent = []string{"消息内容"}, []string{"发送时间"}, []string{"意图标签"}
	want.Role, want.Sender, want.Customer = []string{"发送方类型"}, []string{"发送方"}, []string{"客户"}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("ParseCSVColumns = %+v, want %+v", c, want)
	}
	// Keys not given keep their defaults.
	c, err = ParseCSVColumns("text=正文")
	if err != nil || !slices.Equal(c.Text, []string{"正文"}) || !slices.Equal(c.Time, DefaultCSVColumns().Time) {
		t.Errorf("ParseCSVColumns(text=正文) = %+v, %v", c, err)
	}
	if c, _ := ParseCSVColumns("label=标签"); !slices.Equal(c.Intent, []string{"标签"}) {
		t.Errorf("label= should map the intent column, got %+v", c.Intent)
	}
	for _, bad := range []string{"text", "text=", "=消息内容", "foo=bar", "text=a,,time=b"} {
		if _, err := ParseCSVColumns(bad); err == nil {
			t.Errorf("ParseCSVColumns(%q) = nil error, want one", bad)
		}
	}
	if _, err := ParseCSVColumns("colour=红"); err == nil || !strings.Contains(err.Error(), "colour") {
		t.Errorf("unknown key: error %v should name it", err)
	}
}

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"b.jsonl", "a.csv", "sub/c.json", "sub/deeper/d.NDJSON", "notes.txt", "sub/e.JSONL", "README.md"} {
		writeFile(t, filepath.Join(dir, name), "{}\n")
	}
	if err := os.Mkdir(filepath.Join(dir, "dir.jsonl"), 0o755); err != nil { // a directory named like data
		t.Fatal(err)
	}
	single := filepath.Join(dir, "notes.txt") // a file named explicitly is taken whatever its name
	got, err := Files([]string{dir, single})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, name := range []string{"a.csv", "b.jsonl", "sub/c.json", "sub/deeper/d.NDJSON", "sub/e.JSONL"} {
		want = append(want, filepath.Join(dir, name))
	}
	want = append(want, single)
	if !slices.Equal(got, want) {
		t.Errorf("Files =\n%q\nwant\n%q", got, want)
	}

	empty := t.TempDir()
	writeFile(t, filepath.Join(empty, "notes.txt"), "x")
	if _, err := Files([]string{empty}); err == nil || !strings.Contains(err.Error(), empty) {
		t.Errorf("Files(dir without data) = %v, want an error naming the directory", err)
	}
	if _, err := Files([]string{filepath.Join(dir, "missing")}); err == nil {
		t.Error("Files(missing path) = nil error")
	}
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestImportAgentsAndConversations(t *testing.T) {
	im := NewImporter()
	im.Agents = true
	msgs, st := importAll(t, im, filepath.Join(importDir, "kf_sync_msg.jsonl"), filepath.Join(importDir, "crm.csv"))
	if st.Agent != 2 || st.Skipped[SkipNotCustomer] != 1 {
		t.Errorf("stats %s: want 2 agent replies passed on and the system event skipped", st)
	}
	var agents []Message
	for _, m := range msgs {
		if m.Agent {
			agents = append(agents, m)
		}
	}
	if len(agents) != 2 || agents[0].Text != "亲，默认中通哦" || agents[0].Conversation != "kf:wkAbC123|wmKF0001" ||
		agents[1].Text != "亲，非常抱歉" || agents[1].Conversation != "csv:S1" || agents[1].Intent != "" {
		t.Errorf("agent replies %+v", agents)
	}
	// An agent's reply is no customer message: not kept, not labelled.
	if st.Kept != 8 {
		t.Errorf("kept %d, want the 8 customer texts", st.Kept)
	}
}

func TestImportKeepDuplicates(t *testing.T) {
	im := NewImporter()
	im.KeepDuplicates = true
	msgs, st := importAll(t, im, filepath.Join(importDir, "wecom.jsonl"))
	if st.Skipped[SkipDuplicate] != 1 || st.Kept != 3 {
		t.Errorf("stats %s: a duplicate is still counted as skipped", st)
	}
	if len(msgs) != 4 || !msgs[2].Duplicate || msgs[2].MsgID != "w7" || msgs[2].Intent != "return_goods" {
		t.Errorf("messages %+v: want the duplicate w7 passed on, marked", msgs)
	}
}

// A time of 0 is no time, as sent_at 0 is to /intent: read as 1970-01-01 it made the message
// the oldest of the export (trained on, never in a dev split by time) and left it out of what
// zhiyi eval --since scores, where a message without a time is scored.
func TestImportZeroTimeIsNone(t *testing.T) {
	path := filepath.Join(t.TempDir(), "zero.jsonl")
	lines := `{"text":"东西不要了怎么寄回去","intent":"return_goods","sent_at":0}
{"msgid":"a","open_kfid":"wk1","external_userid":"wm1","send_time":0,"origin":3,"msgtype":"text","text":{"content":"什么时候发货"}}
{"msgid":"b","action":"send","from":"wm2","tolist":["zhangsan"],"roomid":"","msgtime":0,"msgtype":"text","text":{"content":"能开专票吗"}}
`
	if err := os.WriteFile(path, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	msgs, _ := importAll(t, nil, path)
	if len(msgs) != 3 {
		t.Fatalf("%d messages, want 3", len(msgs))
	}
	for _, m := range msgs {
		if !m.Time.IsZero() {
			t.Errorf("%s (%s): time %v, want none", m.Source, m.Text, m.Time)
		}
	}
}

// A plain line's sent_at may be a time written as text, as a spreadsheet writes it: read as a
// CSV's time is (China Standard Time unless it names a zone); a blank one is no time, as a
// blank cell of the CSV's. One that reads as no time is a malformed line that says what it wants.
func TestImportPlainTextTimes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "times.jsonl")
	lines := `{"text":"东西不要了怎么寄回去","sent_at":"2026-08-01 07:04:11"}
{"text":"什么时候发货","sent_at":"2026-08-01T07:04:11+08:00"}
{"text":"能开专票吗","sent_at":"1785539051000"}
{"text":"发票抬头写错了","sent_at":1785539051}
{"text":"在吗","sent_at":null}
{"text":"在的吧","sent_at":""}
{"text":"快递到哪了","sent_at":"昨天下午"}
{"text":"优惠券怎么领","sent_at":[1785539051]}
`
	if err := os.WriteFile(path, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	msgs, st := importAll(t, nil, path)
	if len(msgs) != 6 || st.Skipped[SkipMalformed] != 2 {
		t.Fatalf("kept %d, skipped %v; want 6 kept, 2 malformed", len(msgs), st.Skipped)
	}
	for _, m := range msgs[:4] {
		if !m.Time.Equal(sameInstant) {
			t.Errorf("%s (%s): time %v, want %v", m.Source, m.Text, m.Time, sameInstant)
		}
	}
	for _, m := range msgs[4:] { // a blank cell, as the CSV's
		if !m.Time.IsZero() {
			t.Errorf("%s (%s): time %v, want none", m.Source, m.Text, m.Time)
		}
	}
	problems := strings.Join(st.Problems, "\n")
	for _, want := range []string{path + `:7: field "sent_at": time "昨天下午"`, path + `:8: field "sent_at" holds a list [...], want unix milliseconds`} {
		if !strings.Contains(problems, want) {
			t.Errorf("problems lack %q:\n%s", want, problems)
		}
	}
}

// A member whose own id starts wm or wo (wongkaming, woody) is not taken for the customer: of two
// such ids, WeCom's external ones are long and in mixed case; in a group chat, the one-to-one
// messages read before tell.
func TestImportWeComMemberLikeCustomer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wecom.jsonl")
	lines := `{"msgid":"m1","action":"send","from":"wmT2h3ZCVwFiarruSFBAlyyZ","tolist":["wongkaming"],"roomid":"","msgtime":1785539051645,"msgtype":"text","text":{"content":"我填的地址是老地址 快帮我改"}}
{"msgid":"m2","action":"send","from":"wongkaming","tolist":["wmT2h3ZCVwFiarruSFBAlyyZ"],"roomid":"","msgtime":1785539097309,"msgtype":"text","text":{"content":"亲，请提供新地址"}}
{"msgid":"m3","action":"send","from":"woody","tolist":["woAJ2GCAAAXtWyujaWJHDDGi0mACHAAA"],"roomid":"","msgtime":1785539098309,"msgtype":"text","text":{"content":"亲，在的"}}
{"msgid":"m4","action":"send","from":"wmabc","tolist":["liuyang"],"roomid":"","msgtime":1785539099309,"msgtype":"text","text":{"content":"还没发货吗"}}
{"msgid":"m5","action":"send","from":"wongkaming","tolist":["wmT2h3ZCVwFiarruSFBAlyyZ"],"roomid":"r1","msgtime":1785539100309,"msgtype":"text","text":{"content":"大家好，活动今晚开始"}}
{"msgid":"m6","action":"send","from":"wmQ9x8ZCVwFiarruSFBAlyyZ","tolist":["wmT2h3ZCVwFiarruSFBAlyyZ"],"roomid":"r1","msgtime":1785539101309,"msgtype":"text","text":{"content":"有优惠券吗"}}
`
	if err := os.WriteFile(path, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	im := NewImporter()
	im.Agents = true
	msgs, _ := importAll(t, im, path)
	want := map[string]struct {
		agent bool
		conv  string
	}{
		"我填的地址是老地址 快帮我改": {false, "wecom:wmT2h3ZCVwFiarruSFBAlyyZ|wongkaming"},
		"亲，请提供新地址":       {true, "wecom:wmT2h3ZCVwFiarruSFBAlyyZ|wongkaming"},
		"亲，在的":           {true, "wecom:woAJ2GCAAAXtWyujaWJHDDGi0mACHAAA|woody"},
		"还没发货吗":          {false, "wecom:wmabc|liuyang"},
		// in a group chat, the member known from the one-to-one messages before; a customer
		// writing to another customer is still one
		"大家好，活动今晚开始": {true, "wecom:room:r1"},
		"有优惠券吗":      {false, "wecom:room:r1"},
	}
	if len(msgs) != len(want) {
		t.Fatalf("imported %d messages, want %d", len(msgs), len(want))
	}
	for _, m := range msgs {
		if w, ok := want[m.Text]; !ok || m.Agent != w.agent || m.Conversation != w.conv {
			t.Errorf("%q: agent %v in %q, want %+v", m.Text, m.Agent, m.Conversation, w)
		}
	}
}
