package train

import (
	"path/filepath"
	"strings"
	"testing"
)

// An export saved as one JSON array (export.json: the shape most tools save, and .json is read)
// and lines whose fields have another type (msgtime as text, as PHP and Java pipelines write an
// int64) were named with Go's decoder errors: "json: cannot unmarshal array into Go value of type
// train.exportLine", "Go struct field exportLine.msgtime of type int64". The operator reads the
// field, what it holds, what it should and what to do.
func TestJSONProblemsInPlainWords(t *testing.T) {
	for _, tc := range []struct {
		name, content, want string
	}{
		{"array", `[{"msgid":"a1","text":"什么时候发货","sent_at":1785718800000},{"msgid":"a2","text":"怎么开发票"}]`,
			"a JSON array, not one message a line: write one JSON object a line (jq -c '.[]' export.json > export.jsonl)"},
		{"pretty array", "[\n", "a JSON array"},
		// the 微信客服 sync_msg API's response saved as it came, a page of messages a line
		{"sync_msg response", `{"errcode":0,"errmsg":"ok","next_cursor":"4gw7MepFLfgF2VC5npN","has_more":1,"msg_list":[{"msgid":"k1","open_kfid":"wkAbC123","external_userid":"wmAbC","send_time":1785547253,"origin":3,"msgtype":"text","text":{"content":"在吗"}}]}`,
			"a 微信客服 sync_msg response, not one message a line: write one message of its msg_list a line (jq -c '.msg_list[]' sync_msg.json > kf.jsonl)"},
		// a 会话内容存档 record as GetChatData gives it, before decryption
		{"archive still encrypted", `{"seq":196,"msgid":"CAQQ2fbb4QUY0On2rYSAgAMgip/yzgs=","publickey_ver":3,"encrypt_random_key":"ftJ+uz3n/z1D","encrypt_chat_msg":"898WSfGMnIeytTsea7Rc0WsOocs0bIAerF6de0v2cFwqo9uOxrW9wYe5rCjCHHH5bDrNvLxBE/xOoFfcwOTYX0HQxTJaH0ES9OHDZ61p8gcbfGdJKnq2UU4tAEgGb8H+Q9n8syRXIjaI3KuVCqGIi4QGHFmxWenPFfjF/vRuPd0EpzUNwmqfUxLBWLpGhv+dLnqiEOBW41Zdc0OO0St6E+JeIeHlRZAR+E13Isv9eS09xNbF0qQXWIyNUi+ucLr5VuZnPGXBrSfvwX8f0QebTwpy1tT2zvQiMM2MBugKH6NuMzzuvEsXeD+6+3VRqL"}`,
			"an encrypted 会话内容存档 record (encrypt_chat_msg): decrypt it first"},
		{"msgtime as text", `{"msgid":"w1","msgtime":"1785718800000","from":"wmabc","tolist":["zs"],"msgtype":"text","text":{"content":"在吗"}}`,
			`field "msgtime" holds text in quotes, want a whole number: write the number without quotes`},
		{"intent as a number", `{"text":"好的","intent":3}`, `field "intent" holds a number, want text in quotes: put it in quotes`},
		{"text as a number", `{"text":3}`, `field "text" holds a number, want text in quotes or {"content":…}`},
		{"tolist as text", `{"msgtime":1785718800000,"from":"wmabc","tolist":"zs","msgtype":"text","text":{"content":"在吗"}}`,
			`field "tolist" holds text in quotes, want a list [...]`},
		{"a string", `"什么时候发货"`, "text in quotes, not a JSON object"},
		{"cut short", `{"text":"什么时候`, "the line ends inside its JSON object"},
		{"syntax", `{"text":"在吗",}`, "not valid JSON at byte"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "export.json")
			writeFile(t, path, tc.content+"\n")
			msgs, st := importAll(t, nil, path)
			if len(msgs) != 0 || len(st.Problems) == 0 {
				t.Fatalf("%d messages, problems %q", len(msgs), st.Problems)
			}
			p := st.Problems[0]
			if !strings.HasPrefix(p, path+":1: ") || !strings.Contains(p, tc.want) || strings.Contains(p, "Go ") || strings.Contains(p, "exportLine") {
				t.Errorf("problem %q, want %q", p, tc.want)
			}
		})
	}
	// the same in a --labels file: a msgid the operator's script wrote as a number
	labels := filepath.Join(t.TempDir(), "labels.jsonl")
	writeFile(t, labels, `{"msgid":1234567,"intent":"invoice"}`+"\n")
	_, err := ReadLabels(labels)
	if want := labels + `:1: field "msgid" holds a number, want text in quotes: put it in quotes`; err == nil || err.Error() != want {
		t.Errorf("ReadLabels: %v, want %q", err, want)
	}
}

// An operator opened sheet.jsonl in Excel (one line a cell), filled the intents and saved it as
// "CSV UTF-8": a BOM, CRLF, every cell quoted with its quotes doubled. train --labels said, for
// each line, "not a JSON object: json: cannot unmarshal string into Go value of type
// train.labelLine". The cells are read back as the lines they were.
func TestReadLabelsOfASheetSavedBackByExcel(t *testing.T) {
	line := `{"cluster":"c1","size":2,"suggested":"invoice","confidence":0.9,"terms":["发票"],"samples":["怎么开""发票"""],"members":["m1","m2"],"intent":"invoice"}`
	line = strings.ReplaceAll(line, `""`, `\"`) // a sample holding quotes, JSON-escaped
	cell := `"` + strings.ReplaceAll(line, `"`, `""`) + `"`
	path := filepath.Join(t.TempDir(), "sheet.csv")
	writeFile(t, path, "\ufeff"+cell+"\r\n"+cell+"\r\n")
	ls, err := ReadLabels(path)
	if err != nil || len(ls) != 2 || ls[0].Intent != "invoice" || len(ls[0].MsgIDs) != 2 || ls[1].Samples[0] != `怎么开"发票"` {
		t.Errorf("ReadLabels of a sheet Excel saved as CSV: %+v, %v", ls, err)
	}
}

// Two label objects glued on one line (a newline lost when sheets were concatenated or edited):
// the second was dropped without a word. Anything but white space after the object is an error
// naming the line.
func TestLabelLineWithMoreThanOneObject(t *testing.T) {
	path := filepath.Join(t.TempDir(), "labels.jsonl")
	writeFile(t, path, `{"msgid":"a1","intent":"invoice"}{"msgid":"a2","intent":"return_goods"}`+"\n"+
		`{"msgid":"a3","intent":"invoice"} ,"intent":"none"}`+"\n"+
		`{"msgid":"a4","intent":"invoice"}  `+"\n")
	ls, err := ReadLabels(path)
	if len(ls) != 1 || ls[0].MsgIDs[0] != "a4" || err == nil ||
		!strings.Contains(err.Error(), path+`:1: more after the label's JSON object ({"msgid":"a2","inten…): one label a line`) ||
		!strings.Contains(err.Error(), path+`:2: more after the label's JSON object (,"intent":"none"}): one label a line`) {
		t.Errorf("ReadLabels: %+v, %v", ls, err)
	}
}
