package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// TestClusterSheetMasksIDs: zhiyi cluster writes message ids holding personal data masked, and
// train --labels still labels those messages from the filled sheet.
func TestClusterSheetMasksIDs(t *testing.T) {
	dir := t.TempDir()
	bundle := filepath.Join(dir, "tiny")
	if err := shoptest.TrainTiny(bundle); err != nil {
		t.Fatal(err)
	}
	shop, err := os.ReadFile(filepath.Join(fixture, "data.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	extra := `{"msgid":"13900130000","text":"这个行李箱能装多少东西","sent_at":1785718800000}` + "\n" +
		`{"msgid":"li@qq.com","text":"这个行李箱能装多少东西","sent_at":1785718800001}` + "\n" +
		`{"msgid":"2102838273948937309","text":"这个行李箱能装多少东西","sent_at":1785718800002}` + "\n" +
		`{"msgid":"wm` + strings.Repeat("x", 50<<10) + `","text":"这个行李箱能装多少东西","sent_at":1785718800004}` + "\n"
	// serve logs the 50 KB id as its first 128 bytes and "…": the sheet carries the same
	longID := "wm" + strings.Repeat("x", 126) + "…"
	export := filepath.Join(dir, "export.jsonl")
	if err := os.WriteFile(export, append(shop, extra...), 0o600); err != nil {
		t.Fatal(err)
	}
	sheet := filepath.Join(dir, "sheet.jsonl")
	if code, _, stderr := runCLI(t, "", "cluster", "--model", bundle, "--data", export, "--out", sheet); code != 0 {
		t.Fatalf("cluster: exit %d\n%s", code, stderr)
	}
	raw, err := os.ReadFile(sheet)
	if err != nil {
		t.Fatal(err)
	}
	for _, pii := range []string{"13900130000", "li@qq.com"} {
		if strings.Contains(string(raw), pii) {
			t.Errorf("the sheet holds the id %s unmasked:\n%s", pii, raw)
		}
	}
	// the operator fills the line holding the three messages
	var filled []string
	found := false
	for _, ln := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var l map[string]any
		if err := json.Unmarshal([]byte(ln), &l); err != nil {
			t.Fatal(err)
		}
		var members []string
		for _, m := range l["members"].([]any) {
			members = append(members, m.(string))
		}
		// a masked id carries four hex digits of its hash, which tell apart ids masking alike
		has := func(prefix string) bool {
			return slices.ContainsFunc(members, func(m string) bool {
				rest, ok := strings.CutPrefix(m, prefix+"#")
				return ok && len(rest) == 4
			})
		}
		if has("<PHONE>") {
			found = true
			if !has("<EMAIL>") || !slices.Contains(members, "2102838273948937309") || !has(longID) {
				t.Errorf("members %.1000s: want <PHONE>#…, <EMAIL>#…, the order-like id kept and the long id clipped as serve logs it", members)
			}
			l["intent"] = "none"
		}
		b, _ := json.Marshal(l)
		filled = append(filled, string(b))
	}
	if !found {
		t.Fatalf("no sheet line has the member <PHONE>:\n%s", raw)
	}
	if err := os.WriteFile(sheet, []byte(strings.Join(filled, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	train := func(labels string) (int, string) {
		code, _, stderr := runCLI(t, "", "train", "--data", export, "--kb", filepath.Join(fixture, "kb.yaml"),
			"--dict", filepath.Join(fixture, "dict"), "--out", filepath.Join(t.TempDir(), "m"), "--dev-days", "7", "--labels", labels)
		return code, stderr
	}
	if code, stderr := train(sheet); code != 0 || !strings.Contains(stderr, "4 messages labelled") {
		t.Errorf("train --labels with the filled sheet: exit %d; want the 4 messages labelled\n%s", code, stderr)
	}
	// A member naming no message is reported masked; a masked member that two messages of
	// different texts mask to cannot be told apart and is refused.
	export2 := filepath.Join(dir, "export2.jsonl")
	if err := os.WriteFile(export2, append(append(shop, extra...), `{"msgid":"13700137000","text":"有没有大一点的行李箱","sent_at":1785718800003}`+"\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	export = export2
	bad := filepath.Join(dir, "bad.jsonl")
	if err := os.WriteFile(bad, []byte(`{"msgid":"13800138000","intent":"none"}`+"\n"+`{"cluster":"c1","members":["<PHONE>"],"intent":"none"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stderr := train(bad)
	if code == 0 || strings.Contains(stderr, "13800138000") || !strings.Contains(stderr, "bad.jsonl:1: 1 of 1 message ids match no message in the data: <PHONE>") ||
		!strings.Contains(stderr, "bad.jsonl:2: message id <PHONE> is masked and 2 messages") {
		t.Errorf("train --labels naming a missing id and an ambiguous masked one: exit %d\n%s", code, stderr)
	}
}

// TestClusterOutRefusesWhatIsNotAnEmptySheet: an operator filled the sheet in Notepad on a Chinese
// Windows, which saved it as ANSI (GBK), and ran zhiyi cluster again with the same --out: every
// line failed UTF-8, so the sheet counted "0 decided" and the labels were overwritten without a
// word. And zhiyi cluster --data chats.jsonl --out chats.jsonl replaced the shop's only copy of
// its WeCom export with the sheet. Both must be refused and the files left as they were.
func TestClusterOutRefusesWhatIsNotAnEmptySheet(t *testing.T) {
	dir, bundle, raw := tinyShop(t)
	var b strings.Builder // the fixture has no msgids: give every line one
	for i, ln := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		fmt.Fprintf(&b, `{"msgid":"m%d",%s`+"\n", i, ln[1:])
	}
	export := filepath.Join(dir, "export.jsonl")
	if err := os.WriteFile(export, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	sheet := filepath.Join(dir, "sheet.jsonl")
	cluster := func(data, out string) (int, string) {
		code, _, stderr := runCLI(t, "", "cluster", "--model", bundle, "--data", data, "--out", out, "--all")
		return code, stderr
	}
	if code, stderr := cluster(export, sheet); code != 0 {
		t.Fatalf("cluster: exit %d\n%s", code, stderr)
	}
	// an undecided sheet is written again
	if code, stderr := cluster(export, sheet); code != 0 {
		t.Fatalf("cluster over an undecided sheet: exit %d\n%s", code, stderr)
	}
	utf8Sheet, err := os.ReadFile(sheet)
	if err != nil {
		t.Fatal(err)
	}
	filled := bytes.Replace(utf8Sheet, []byte(`"intent":""`), []byte(`"intent":"return_goods"`), 1)
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes(filled)
	if err != nil {
		t.Fatal(err)
	}
	gbk = bytes.ReplaceAll(gbk, []byte("\n"), []byte("\r\n"))
	if err := os.WriteFile(sheet, gbk, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stderr := cluster(export, sheet)
	if after, _ := os.ReadFile(sheet); code == 0 || !bytes.Equal(after, gbk) || !strings.Contains(stderr, "sheet.jsonl:1 is not UTF-8: the bytes look like GBK") {
		t.Errorf("cluster over a filled sheet saved as GBK: exit %d, sheet kept: %v; want it refused naming the line and the encoding\n%s",
			code, bytes.Equal(after, gbk), stderr)
	}
	// a label file of msgid lines, undecided, is not a sheet either
	msgids := filepath.Join(dir, "labels.jsonl")
	if err := os.WriteFile(msgids, []byte(`{"msgid":"m1","intent":""}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, stderr := cluster(export, msgids); code == 0 || !strings.Contains(stderr, `labels.jsonl:1 lacks a sheet line's "cluster"`) {
		t.Errorf("cluster over a label file: exit %d\n%s", code, stderr)
	}
	// --out naming the export being clustered, by another spelling of its path
	wecom := filepath.Join(dir, "wecom.jsonl")
	var w strings.Builder
	for i, ln := range []string{"什么时候发货", "我想退货", "怎么开发票", "转人工", "今天天气怎么样"} {
		fmt.Fprintf(&w, `{"msgid":"w%d","action":"send","from":"wm%d","tolist":["zhangsan"],"msgtime":%d,"msgtype":"text","text":{"content":%q}}`+"\n", i, i, 1785718800000+i, ln)
	}
	if err := os.WriteFile(wecom, []byte(w.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stderr = cluster(wecom, filepath.Join(dir, ".", "..", filepath.Base(dir), "wecom.jsonl"))
	if after, _ := os.ReadFile(wecom); code == 0 || string(after) != w.String() || !strings.Contains(stderr, "is the --data "+wecom) {
		t.Errorf("cluster --out naming its own --data export: exit %d, export kept: %v\n%s", code, string(after) == w.String(), stderr)
	}
}

// TestClusterCSVWithoutMessageIDsSaysSo: a CRM CSV (one of the three documented exports) rarely has
// a message-id column. zhiyi cluster left every message out ("have no message id"), wrote an
// empty sheet and exited 0: the operator had nothing to label and no word why. A sheet names its
// members by id, so it now stops, says which column it needs, and writes nothing; with a 消息ID
// column the same CSV is clustered.
func TestClusterCSVWithoutMessageIDsSaysSo(t *testing.T) {
	dir := t.TempDir()
	bundle := filepath.Join(dir, "tiny")
	if err := shoptest.TrainTiny(bundle); err != nil {
		t.Fatal(err)
	}
	texts := []string{"什么时候发货", "什么时候发货呀", "啥时候发货", "怎么开发票", "发票怎么开", "我想退货", "退货怎么弄"}
	write := func(name string, withID bool) string {
		var b strings.Builder
		b.WriteString("会话ID,发送时间,发送方类型,消息内容")
		if withID {
			b.WriteString(",消息ID")
		}
		b.WriteString("\n")
		for i, text := range texts {
			fmt.Fprintf(&b, "S%d,2026-08-0%d 10:00:00,客户,%s", i, 1+i%5, text)
			if withID {
				fmt.Fprintf(&b, ",M%d", i)
			}
			b.WriteString("\n")
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sheet := filepath.Join(dir, "sheet.jsonl")
	code, _, stderr := runCLI(t, "", "cluster", "--model", bundle, "--data", write("crm.csv", false), "--out", sheet, "--all")
	if _, err := os.Stat(sheet); code != 1 || err == nil || !strings.Contains(stderr, "none of the 7 customer messages") || !strings.Contains(stderr, "--csv msgid=COLUMN") {
		t.Errorf("cluster of a CRM CSV without message ids: exit %d, sheet written: %v; want it refused, saying which column is needed\n%s", code, err == nil, stderr)
	}
	code, _, stderr = runCLI(t, "", "cluster", "--model", bundle, "--data", write("crm-ids.csv", true), "--out", sheet, "--all")
	raw, _ := os.ReadFile(sheet)
	if code != 0 || !strings.Contains(string(raw), `"M0"`) {
		t.Errorf("cluster of a CRM CSV with a 消息ID column: exit %d, sheet %s\n%s", code, raw, stderr)
	}
}
