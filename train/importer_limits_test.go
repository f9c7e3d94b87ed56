package train

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// put writes content to dir/name and returns the path.
func put(t testing.TB, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	writeFile(t, path, content)
	return path
}

// TestImportSkipsOversizedMessages: a message over the serving limit (2048 UTF-8 bytes by
// default) is skipped at import, counted and named by file:line, in every format.
func TestImportSkipsOversizedMessages(t *testing.T) {
	dir := t.TempDir()
	long := strings.Repeat("退", 700) // 2100 bytes
	jsonl := put(t, dir, "a.jsonl", `{"text":"我要退货","intent":"return_goods"}`+"\n"+
		`{"text":"`+long+`","intent":"return_goods"}`+"\n"+
		`{"text":"`+strings.Repeat(`\u9000`, 700)+`","intent":"return_goods"}`+"\n"+ // the same, escaped
		`{"text":"`+strings.Repeat("好", 682)+`","intent":"return_goods"}`+"\n") // 2046 bytes: kept
	csv := put(t, dir, "b.csv", "消息内容,意图标签\n快递到哪了,logistics\n\""+long+"\",logistics\n")
	msgs, st := importAll(t, nil, jsonl, csv)
	if len(msgs) != 3 || st.Skipped[SkipTooLong] != 3 {
		t.Fatalf("kept %d, skipped %v", len(msgs), st.Skipped)
	}
	for _, want := range []string{jsonl + ":2", jsonl + ":3", csv + ":3"} {
		if !strings.Contains(strings.Join(st.Problems, "\n"), want+":") {
			t.Errorf("problems do not name %s: %q", want, st.Problems)
		}
	}
	// the limit is configurable
	im := NewImporter()
	im.MaxTextBytes = 4096
	if msgs, st := importAll(t, im, jsonl, csv); len(msgs) != 4 || st.Skipped[SkipDuplicate] != 2 {
		t.Errorf("MaxTextBytes 4096 kept %d (%v), want the 4 different messages", len(msgs), st.Skipped)
	}
}

// TestImportOversizedLineStreams: a 32 MB line is skipped without being held in memory.
func TestImportOversizedLineStreams(t *testing.T) {
	dir := t.TempDir()
	var b bytes.Buffer
	b.WriteString(`{"text":"`)
	b.Write(bytes.Repeat([]byte("a"), 32<<20))
	b.WriteString(`","intent":"x"}` + "\n" + `{"text":"我要退货","intent":"return_goods"}` + "\n")
	path := put(t, dir, "big.jsonl", b.String())
	b.Reset()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	msgs, st := importAll(t, nil, path)
	runtime.ReadMemStats(&after)
	if len(msgs) != 1 || st.Skipped[SkipTooLong] != 1 {
		t.Fatalf("kept %d, skipped %v", len(msgs), st.Skipped)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Errorf("importing allocated %d MB for a 32 MB line", grew>>20)
	}
}

// TestImportCSVBounded: a CSV line of 32 MB and a quote opened and never closed neither hold the
// file in memory nor lose the rows after them.
func TestImportCSVBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("会话ID,发送时间,发送方,发送方类型,消息内容\n")
	b.WriteString("S1,2026-08-01 07:00:00,U1,客户," + strings.Repeat("长", 32<<20/3) + "\n") // 2
	b.WriteString("S2,2026-08-01 07:01:00,U1,客户,\"引号开头 我想问\n")                            // 3
	for i := range 300 {
		fmt.Fprintf(&b, "S3,2026-08-01 08:00:00,U1,客户,消息%d %s\n", i, strings.Repeat("快递到哪了", 60))
	}
	path := put(t, t.TempDir(), "big.csv", b.String())
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	msgs, st := importAll(t, nil, path)
	runtime.ReadMemStats(&after)
	if len(msgs) != 300 || st.Skipped[SkipTooLong] != 1 || st.Skipped[SkipMalformed] != 1 {
		t.Fatalf("kept %d, skipped %v, problems %q", len(msgs), st.Skipped, st.Problems)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
		t.Errorf("importing allocated %d MB for a 32 MB line", grew>>20)
	}
}

// TestTrainWithAnOversizedMessage: training used to read back its own examples.jsonl with a
// 1 MB line limit and fail at the very end on a 2.1 MB message.
func TestTrainWithAnOversizedMessage(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join("..", "intent", "testdata", "shop", "data.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	huge := `{"text":"` + strings.Repeat("我要退货", 180000) + `","intent":"return_goods","sent_at":1785718800000}` + "\n"
	path := put(t, dir, "data.jsonl", string(data)+huge)
	cfg := tinyConfig(dir)
	cfg.Data = []string{path}
	sum, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Import.Skipped[SkipTooLong] != 1 {
		t.Errorf("skipped %v", sum.Import.Skipped)
	}
}

func tinyConfig(dir string) Config {
	tiny := filepath.Join("..", "intent", "testdata", "shop")
	cfg := DefaultConfig()
	cfg.KB = filepath.Join(tiny, "kb.yaml")
	cfg.DictDir = filepath.Join(tiny, "dict")
	cfg.Out = filepath.Join(dir, "out")
	cfg.DevDays = 7
	return cfg
}

// GBK bytes: 消息内容, 意图标签, 我要退货, 快递到哪了.
const (
	gbkText    = "\xcf\xfb\xcf\xa2\xc4\xda\xc8\xdd"
	gbkIntent  = "\xd2\xe2\xcd\xbc\xb1\xea\xc7\xa9"
	gbkReturn  = "\xce\xd2\xd2\xaa\xcd\xcb\xbb\xf5"
	gbkWhereIs = "\xbf\xec\xb5\xdd\xb5\xbd\xc4\xc4\xc1\xcb"
)

// TestImportNamesTheEncoding: GBK exports used to import as U+FFFD text, or fail with "no text
// column"; now lines are malformed with file:line and the error names the encoding.
func TestImportNamesTheEncoding(t *testing.T) {
	dir := t.TempDir()
	jsonl := put(t, dir, "gbk.jsonl", `{"text":"`+gbkReturn+`","intent":"return_goods"}`+"\n"+
		`{"text":"`+gbkWhereIs+`","intent":"logistics"}`+"\n"+
		`{"text":"我要退货","intent":"return_goods"}`+"\n"+
		`{"text":"\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd","intent":"logistics"}`+"\n"+ // decoded with the wrong encoding upstream
		`{"text":"好的\ufffd谢谢你们的客服","intent":"logistics"}`+"\n") // one stray: kept
	msgs, st := importAll(t, nil, jsonl)
	if len(msgs) != 2 || st.Skipped[SkipMalformed] != 3 {
		t.Fatalf("kept %d, skipped %v, problems %q", len(msgs), st.Skipped, st.Problems)
	}
	problems := strings.Join(st.Problems, "\n")
	for _, want := range []string{jsonl + ":1: ", jsonl + ":2: ", "GBK", jsonl + ":4: ", "U+FFFD"} {
		if !strings.Contains(problems, want) {
			t.Errorf("problems lack %q: %s", want, problems)
		}
	}
	// a CSV that Excel saved as GBK is read as GB18030, and the import says so
	csv := put(t, dir, "gbk.csv", gbkText+","+gbkIntent+"\r\n"+gbkReturn+",return_goods\r\n"+gbkWhereIs+",logistics\r\n")
	msgs, st = importAll(t, nil, csv)
	if len(msgs) != 2 || msgs[0].Text != "我要退货" || msgs[0].Intent != "return_goods" || msgs[1].Text != "快递到哪了" ||
		!slices.Equal(st.GB18030, []string{csv}) || !strings.Contains(st.String(), "read as GB18030 ("+csv+")") {
		t.Errorf("GBK CSV: kept %+v, %s", msgs, st)
	}
	// a UTF-8 CSV with one GBK row
	mixed := put(t, dir, "mixed.csv", "消息内容,意图标签\n"+gbkReturn+",return_goods\n快递到哪了,logistics\n")
	msgs, st = importAll(t, nil, mixed)
	if len(msgs) != 1 || st.Skipped[SkipMalformed] != 1 || !strings.Contains(strings.Join(st.Problems, ""), mixed+":2: ") {
		t.Errorf("mixed CSV: kept %d, %v %q", len(msgs), st.Skipped, st.Problems)
	}
}

// TestImportPrintsNoPersonalData: a CSV whose columns are shifted puts phones, ID and card
// numbers where the time and the label belong; nothing train prints or returns may hold them.
func TestImportPrintsNoPersonalData(t *testing.T) {
	dir := t.TempDir()
	csv := put(t, dir, "shifted.csv", "消息内容,发送时间,意图标签\n"+
		"我要退货,138-1234-5678,return_goods\n"+
		"快递到哪了,2026-08-01 10:00:00,110105194912310021\n"+
		"退款,6222 0212 3456 7890 128,x@example.com\n"+
		"在吗,张三 电话13912345678,return_goods\n"+
		"发票,2026-08-01 10:00:00,一三八一二三四五六七八\n")
	data, err := os.ReadFile(filepath.Join("..", "intent", "testdata", "shop", "data.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	jsonl := put(t, dir, "data.jsonl", string(data))
	_, st := importAll(t, nil, csv)
	js, _ := json.Marshal(st)
	printed := st.String() + "\n" + strings.Join(st.Problems, "\n") + "\n" + string(js)
	var progress bytes.Buffer
	cfg := tinyConfig(dir)
	cfg.Data = []string{jsonl, csv}
	cfg.Progress = &progress
	sum, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	js, _ = json.Marshal(sum)
	printed += progress.String() + string(js)
	for _, pat := range []string{`138\D{0,3}1234\D{0,3}5678`, `11010519491231002`, `6222\D?0212`, `x@example\.com`, `139\D?1234\D?5678`, `一三八一二三四`} {
		if m := regexp.MustCompile(pat).FindString(printed); m != "" {
			t.Errorf("%q printed", m)
		}
	}
	if st.Skipped[SkipMalformed] != 5 {
		t.Errorf("skipped %v, want the 5 shifted rows malformed: %q", st.Skipped, st.Problems)
	}
}

// BenchmarkImportCSV reads a CRM export of 20,000 rows, a tenth with a quoted field.
func BenchmarkImportCSV(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("会话ID,消息ID,发送时间,发送方,发送方类型,消息内容\n")
	for i := range 20000 {
		text := fmt.Sprintf("消息%d 快递到哪了 我想问一下什么时候能到", i)
		if i%10 == 0 {
			text = `"` + text + `，""加急""谢谢"`
		}
		fmt.Fprintf(&sb, "S%d,M%d,2026-10-01 10:00:00,U%d,客户,%s\n", i/5, i, i/5, text)
	}
	path := put(b, b.TempDir(), "crm.csv", sb.String())
	b.SetBytes(int64(sb.Len()))
	for b.Loop() {
		im := NewImporter()
		if err := im.Import(context.Background(), []string{path}, func(Message) error { return nil }); err != nil {
			b.Fatal(err)
		}
		if im.Stats().Kept != 20000 {
			b.Fatalf("kept %d", im.Stats().Kept)
		}
	}
}

// TestTrainRefusesAnImportThatKeptNothing: an export whose customer rows all read as an agent's
// (a CRM naming its customers 买家) used to train a bundle that never answers, exit 0; now
// training stops and names the role values to map.
func TestTrainRefusesAnImportThatKeptNothing(t *testing.T) {
	dir := t.TempDir()
	path := put(t, dir, "c.csv", "会话ID,消息ID,发送时间,发送方,发送方类型,消息内容\n"+
		"S1,M1,2026-10-01 10:00:00,U1,买家,快递到哪了\nS1,M2,2026-10-01 10:01:00,A1,客服,亲，马上查\nS1,M3,2026-10-01 10:02:00,U1,买家,我要退款\n")
	cfg := tinyConfig(dir)
	cfg.Data = []string{path}
	_, err := Run(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "no customer message kept") || !strings.Contains(err.Error(), `"买家" 2`) ||
		!strings.Contains(err.Error(), "--csv customer=") {
		t.Fatalf("training on an export of 买家 rows: %v", err)
	}
	if _, err := os.Stat(cfg.Out); !os.IsNotExist(err) {
		t.Errorf("a refused training wrote %s", cfg.Out)
	}
}

// TestTrainNamesTheDictionaries: training says which dictionaries of --dict it read, and warns of
// a file there that is none (synonym.txt for synonyms.txt used to be ignored unsaid).
func TestTrainNamesTheDictionaries(t *testing.T) {
	dir := t.TempDir()
	dict := filepath.Join(dir, "dict")
	put(t, dict, "synonyms.txt", "退货: 退掉\n")
	put(t, dict, "synonym.txt", "发票: 发飘\n")
	cfg := tinyConfig(dir)
	cfg.DictDir = dict
	cfg.Data = []string{filepath.Join("..", "intent", "testdata", "shop", "data.jsonl")}
	var prog strings.Builder
	cfg.Progress = &prog
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"dictionaries: synonyms.txt\n", "warning: synonym.txt in " + dict + ": not read"} {
		if !strings.Contains(prog.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, prog.String())
		}
	}
}
