package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
	"github.com/zhiyi-ai/zhiyi/train"
)

// readSheet reads a sheet zhiyi cluster wrote.
func readSheet(t *testing.T, path string) []train.SheetLine {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []train.SheetLine
	for _, ln := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var l train.SheetLine
		if err := json.Unmarshal([]byte(ln), &l); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, l)
	}
	return out
}

// TestClusterSameMessageTwiceIsOneMember: the same export given twice reported "2 messages kept"
// but clustered 4 and listed members ["1","1"]; and one customer message in both the WeCom
// archive and the 微信客服 export (different msgids, the same customer, text and second) was two
// members. A sheet lists every message once, its sizes and the printed counts agree.
func TestClusterSameMessageTwiceIsOneMember(t *testing.T) {
	dir := t.TempDir()
	bundle := filepath.Join(dir, "tiny")
	if err := shoptest.TrainTiny(bundle); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, "plain.jsonl")
	if err := os.WriteFile(plain, []byte(`{"msgid":"1","text":"我的快递到哪了"}`+"\n"+`{"msgid":"2","text":"能开发票吗"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	wecom := filepath.Join(dir, "wecom.jsonl")
	if err := os.WriteFile(wecom, []byte(`{"msgid":"W1_external","action":"send","from":"wmVp83IiawaWeBVxC4yJVRWC","tolist":["liuyang"],"roomid":"","msgtime":1785547253645,"msgtype":"text","text":{"content":"行李箱能装多少东西"}}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	kf := filepath.Join(dir, "kf.jsonl")
	if err := os.WriteFile(kf, []byte(`{"msgid":"K1abc","open_kfid":"wkAbC123","external_userid":"wmVp83IiawaWeBVxC4yJVRWC","send_time":1785547253,"origin":3,"msgtype":"text","text":{"content":"行李箱能装多少东西"}}`+"\n"+
		`{"msgid":"K2abc","open_kfid":"wkAbC123","external_userid":"wmOTHERcustomer000000000","send_time":1785547253,"origin":3,"msgtype":"text","text":{"content":"行李箱能装多少东西"}}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other.jsonl") // another export numbering its lines 1, 2 …: no copies
	if err := os.WriteFile(other, []byte(`{"msgid":"1","text":"怎么退货"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		data    []string
		members []string
		shared  bool // warned of an id given to messages of different texts
	}{
		{"the same file twice", []string{plain, plain}, []string{"1", "2"}, false},
		{"another export's id 1", []string{plain, other}, []string{"1", "2", "1"}, true},
		// the other customer's message, the same text at the same second, is a message of its own
		{"WeCom and 微信客服", []string{wecom, kf}, []string{"W1_external", "K2abc"}, false},
	} {
		sheet := filepath.Join(t.TempDir(), "sheet.jsonl")
		code, _, stderr := runCLI(t, "", append([]string{"cluster", "--model", bundle, "--out", sheet, "--all", "--data"}, tc.data...)...)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s", tc.name, code, stderr)
		}
		var got []string
		size := 0
		for _, l := range readSheet(t, sheet) {
			got = append(got, l.Members...)
			size += l.Size
			if l.Size != len(l.Members) {
				t.Errorf("%s: %s has size %d and %d members", tc.name, l.Cluster, l.Size, len(l.Members))
			}
		}
		if strings.Join(got, ",") != strings.Join(tc.members, ",") && !sameSet(got, tc.members) {
			t.Errorf("%s: members %q, want %q once each\n%s", tc.name, got, tc.members, stderr)
		}
		want := "clustering " + itoa(len(tc.members)) + " of " + itoa(len(tc.members)) + " customer messages"
		if size != len(tc.members) || !strings.Contains(stderr, want) {
			t.Errorf("%s: sizes add up to %d; want %d and %q\n%s", tc.name, size, len(tc.members), want, stderr)
		}
		// a label by such an id is refused by train --labels: the operator hears of it before labelling
		if warned := strings.Contains(stderr, "1 message ids are given to messages of different texts (1"); warned != tc.shared {
			t.Errorf("%s: warned of a shared id %v, want %v\n%s", tc.name, warned, tc.shared, stderr)
		}
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, s := range a {
		m[s]++
	}
	for _, s := range b {
		if m[s]--; m[s] < 0 {
			return false
		}
	}
	return true
}

func itoa(n int) string {
	return strconv.Itoa(n)
}
