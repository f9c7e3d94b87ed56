package train

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/period"
)

// A CRM that quotes every text field (most do, and Excel does for a text with a comma) had one
// row whose field opened a quote it never closed. The stray quote paired with the next row's
// opening quote: the next customer message was lost without a word, and the two rows glued (the
// next row's id, role and time as text) were trained on. docs/training.md promises a stray quote
// "costs its own line, named".
func TestCSVStrayQuoteCostsItsOwnLine(t *testing.T) {
	const head = "消息ID,发送方类型,消息内容,发送时间,意图标签\n"
	for _, tc := range []struct {
		name, rows string
		want       map[string]string // msgid → text
		bad        int               // the line named as a problem (0: none)
	}{
		{"the next row quoted", `m1,客户,"你好 在吗",2026-08-01 07:04:11,` + "\n" +
			`m2,客户,"这是半个引号 我想退货,2026-08-01 07:05:11,return_goods` + "\n" +
			`m3,客户,"什么时候发货",2026-08-01 07:06:11,shipping_time` + "\n" +
			`m4,客户,"怎么开发票",2026-08-01 07:07:11,invoice` + "\n",
			map[string]string{"m1": "你好 在吗", "m3": "什么时候发货", "m4": "怎么开发票"}, 3},
		// A field over two lines is one message: its second line is no row of its own.
		{"a field over two lines", `m1,客户,"第一行` + "\n" + `第二行, 还有",2026-08-01 07:04:11,` + "\n" +
			`m2,客户,"怎么开发票",2026-08-01 07:07:11,invoice` + "\n",
			map[string]string{"m1": "第一行\n第二行, 还有", "m2": "怎么开发票"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "crm.csv")
			writeFile(t, path, head+tc.rows)
			msgs, st := importAll(t, nil, path)
			got := map[string]string{}
			for _, m := range msgs {
				got[m.MsgID] = m.Text
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("imported %q, want %q (%s)", got, tc.want, st)
			}
			switch {
			case tc.bad == 0 && len(st.Problems) != 0:
				t.Errorf("problems %q, want none", st.Problems)
			case tc.bad > 0 && (len(st.Problems) != 1 || !strings.HasPrefix(st.Problems[0], fmt.Sprintf("%s:%d: ", path, tc.bad))):
				t.Errorf("problems %q, want line %d named", st.Problems, tc.bad)
			}
		})
	}
}

// A message quoted over several lines whose middle line holds as many commas as a row (北京市,朝阳区
// in a two-column export) is one message; the look-ahead that keeps it still gives a stray quote
// up at its own line, whether the row after it is quoted or not.
func TestCSVFieldOverLinesThatLookLikeRows(t *testing.T) {
	const head = "消息内容,发送时间\n"
	for _, tc := range []struct {
		name, rows string
		want       []string
		bad        int // the line named as a problem (0: none)
	}{
		{"a field over three lines", "\"你好\n我的地址是北京市,朝阳区\n麻烦改一下\",2026-08-03 09:05:07\n" +
			"什么时候发货,2026-08-03 09:06:07\n",
			[]string{"你好\n我的地址是北京市,朝阳区\n麻烦改一下", "什么时候发货"}, 0},
		{"a field over four lines", "\"你好\n北京市,朝阳区\n望京,西路\n麻烦改一下\",2026-08-03 09:05:07\n" +
			"什么时候发货,2026-08-03 09:06:07\n",
			[]string{"你好\n北京市,朝阳区\n望京,西路\n麻烦改一下", "什么时候发货"}, 0},
		{"a stray quote, the next row quoted", "\"半个引号 我想退货,2026-08-03 09:05:07\n" +
			"\"什么时候发货\",2026-08-03 09:06:07\n怎么开发票,2026-08-03 09:07:07\n",
			[]string{"什么时候发货", "怎么开发票"}, 2},
		{"a stray quote, a quoted row further on", "\"半个引号 我想退货,2026-08-03 09:05:07\n" +
			"什么时候发货,2026-08-03 09:06:07\n\"怎么开发票\",2026-08-03 09:07:07\n",
			[]string{"什么时候发货", "怎么开发票"}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "crm.csv")
			writeFile(t, path, head+tc.rows)
			msgs, st := importAll(t, nil, path)
			var got []string
			for _, m := range msgs {
				got = append(got, m.Text)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("imported %q, want %q (%s)", got, tc.want, st)
			}
			switch {
			case tc.bad == 0 && len(st.Problems) != 0:
				t.Errorf("problems %q, want none", st.Problems)
			case tc.bad > 0 && (len(st.Problems) != 1 || !strings.HasPrefix(st.Problems[0], fmt.Sprintf("%s:%d: ", path, tc.bad))):
				t.Errorf("problems %q, want line %d named", st.Problems, tc.bad)
			}
		})
	}
}

// An empty CRM export (0 bytes, blank lines only, a BOM only: a day without chats) was refused as
// "file:0: csv header: EOF": line 0 and a word of Go's. The file is named as empty.
func TestCSVEmptyFileIsNamedEmpty(t *testing.T) {
	for name, content := range map[string]string{"empty.csv": "", "blank.csv": "\r\n\r\n", "bom.csv": "\ufeff"} {
		path := filepath.Join(t.TempDir(), name)
		writeFile(t, path, content)
		err := NewImporter().Import(t.Context(), []string{path}, func(Message) error { return nil })
		if err == nil || err.Error() != path+": empty, no header row" {
			t.Errorf("%s: %v; want %q", name, err, path+": empty, no header row")
		}
	}
}

// An export saved as Excel's "Unicode 文本" (UTF-16, tab-separated) was refused as "a file in
// another encoding?", and once converted to UTF-8 as having "no text column": its header was one
// column holding tabs. Each error says what the file is and how to save it.
func TestCSVSavedAsUnicodeText(t *testing.T) {
	header, row := "会话ID\t消息ID\t发送时间\t发送方类型\t消息内容", "S1\tM1\t2026-08-03 09:00:00\t客户\t怎么退货"
	var utf16 []byte
	for _, r := range "\ufeff" + header + "\r\n" + row + "\r\n" { // all in the BMP
		utf16 = append(utf16, byte(r), byte(r>>8))
	}
	for _, tc := range []struct {
		name, content, want string
	}{
		{"UTF-16", string(utf16), "the bytes look like UTF-16 (Notepad's \"Unicode\", Excel's \"Unicode 文本\")"},
		{"tab-separated UTF-8", header + "\r\n" + row + "\r\n", "the header holds tabs: a tab-separated file"},
	} {
		path := filepath.Join(t.TempDir(), "export.csv")
		writeFile(t, path, tc.content)
		err := NewImporter().Import(t.Context(), []string{path}, func(Message) error { return nil })
		if err == nil || !strings.HasPrefix(err.Error(), path+":1: ") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want %s:1: and %q", tc.name, err, path, tc.want)
		}
	}
}

// A CRM CSV opened in Excel and saved again carries its times as Excel shows them: 2026/8/3
// 9:05:07. "2026/8/3 9:05" was read, but with seconds every row was malformed and the whole
// export refused.
func TestCSVTimesAsExcelWritesThem(t *testing.T) {
	for _, ts := range []string{"2026/8/3 9:05:07", "2026-8-3 9:05:07", "2026-8-3 9:05", "2026/08/03 09:05",
		"2026-08-03T09:05:07", "2026-08-03 09:05:07.250", "2026年8月3日 9:05:07", "2026年8月3日 9:05", "2026/8/3"} {
		path := filepath.Join(t.TempDir(), "crm.csv")
		writeFile(t, path, fmt.Sprintf("消息内容,发送时间\r\n什么时候发货,%s\r\n", ts))
		msgs, st := importAll(t, nil, path)
		if len(msgs) != 1 || msgs[0].Time.Year() != 2026 || msgs[0].Time.Day() != 3 {
			t.Errorf("time %q: %d messages kept (%s, %q)", ts, len(msgs), st, st.Problems)
		}
	}
}

// CSV times: offsets as Java and CRMs write them (+0800, a space before); the compact forms of Chinese systems (20260803140509, as WeChat Pay writes
// time_end) are dates in the export's zone. Read as a Unix number they were milliseconds: the
// year 2612 (so zhiyi train --until left every message out as sent after it) or, with 12 digits,
// 1976.
func TestParseCSVTime(t *testing.T) {
	cst := period.CST
	for _, tt := range []struct {
		in   string
		want time.Time
	}{
		{"2026-08-03 14:05:09", time.Date(2026, 8, 3, 14, 5, 9, 0, cst)},
		{"2026/8/3 9:05", time.Date(2026, 8, 3, 9, 5, 0, 0, cst)},
		{"2026-08-03T14:05:09Z", time.Date(2026, 8, 3, 14, 5, 9, 0, time.UTC)},
		{"2026-08-03T14:05:09+0800", time.Date(2026, 8, 3, 14, 5, 9, 0, cst)},
		{"2026-08-03 14:05:09+08:00", time.Date(2026, 8, 3, 14, 5, 9, 0, cst)},
		{"2026-08-03 14:05:09 +0800", time.Date(2026, 8, 3, 14, 5, 9, 0, cst)},
		{"2026-08-03 14:05:09.250 +0000", time.Date(2026, 8, 3, 14, 5, 9, 250e6, time.UTC)},
		{"2026/8/3 14:05:09 +0900", time.Date(2026, 8, 3, 13, 5, 9, 0, cst)},
		{"20260803140509", time.Date(2026, 8, 3, 14, 5, 9, 0, cst)},
		{"202608031405", time.Date(2026, 8, 3, 14, 5, 0, 0, cst)},
		{"20260803", time.Date(2026, 8, 3, 0, 0, 0, 0, cst)},
		// Unix numbers stay what they were: seconds, or milliseconds past 10¹¹.
		{"1785539051", time.Unix(1785539051, 0)},
		{"1785539051000", time.Unix(1785539051, 0)},
	} {
		got, err := parseTime(tt.in, cst)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("parseTime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	// 0 is no time, as in the JSON-lines exports (unixAuto): the row is kept, untimed.
	if got, err := parseTime("0", cst); err != nil || !got.IsZero() {
		t.Errorf("parseTime(\"0\") = %v, %v; want no time and no error", got, err)
	}
	for _, bad := range []string{"20261303140509", "99999999", "20260230"} {
		if got, err := parseTime(bad, cst); err == nil {
			t.Errorf("parseTime(%q) = %v, want an error", bad, got)
		}
	}
}

// A CRM in Hong Kong or Taiwan exports its headers and roles in traditional script (訊息內容,
// 發送方類型, 客戶): the import stopped with "no text column", and with the text mapped, every row
// was read as an agent's (客戶 is not 客户). docs/training.md promises Chinese headers.
func TestCSVTraditionalHeadersAndRoles(t *testing.T) {
	for _, tc := range []struct{ name, csv, spec string }{
		{"traditional", "會話ID,消息ID,發送時間,發送方,發送方類型,消息內容,意圖標籤\n" +
			"S1,M1-001,2026-11-20 10:01:00,U1,客戶,請問寄台灣運費多少,shipping_fee\n" +
			"S1,M1-002,2026-11-20 10:02:00,阿美,客服,親，滿千免運,\n", ""},
		{"Taiwan's words", "訊息ID,傳送時間,角色,訊息內容,標籤\n" +
			"M1-001,2026-11-20 10:01:00,用戶,請問寄台灣運費多少,shipping_fee\n" +
			"M1-002,2026-11-20 10:02:00,客服,親，滿千免運,\n", "time=傳送時間"},
		{"a role value mapped in simplified, written in traditional", "訊息,時間,身分,意圖\n" +
			"請問寄台灣運費多少,2026-11-20 10:01:00,買家,shipping_fee\n" +
			"親，滿千免運,2026-11-20 10:02:00,賣家,\n", "text=訊息,role=身分,customer=买家"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "crm.csv")
			writeFile(t, path, tc.csv)
			cols, err := ParseCSVColumns(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			im := NewImporter()
			im.CSV = cols
			msgs, st := importAll(t, im, path)
			if len(msgs) != 1 || msgs[0].Text != "請問寄台灣運費多少" || msgs[0].Intent != "shipping_fee" || msgs[0].Time.IsZero() {
				t.Fatalf("imported %+v, want the customer's one message with its label and time (%s)", msgs, st)
			}
		})
	}
}
