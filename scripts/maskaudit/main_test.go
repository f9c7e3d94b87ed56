package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRun lists each name and address mask of a tiny shop with its message and source, and
// nothing for the texts left as they are.
func TestRun(t *testing.T) {
	shop := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		path := filepath.Join(shop, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("src/chats.txt", "=== one\nC change_address | 收件人李华 电话不变\nA | 收件人 王芳\nC none | 李华 在吗\n")
	write("holdout/h.jsonl", `{"text": "寄到 文三路 100号", "intent": "change_address"}`+"\n")
	write("dict/userdict.txt", "# 王芳\n马丁靴 1000 n\n")
	write("kb.yaml", "intents:\n  - id: product_info\n    examples: [姓名 iphone 能刻字吗]\n")

	var b strings.Builder
	if err := run(shop, false, &b); err != nil {
		t.Fatal(err)
	}
	want := "name\tchats.txt:2\t收件人李华 电话不变\t收件人<NAME> 电话不变\n" +
		"address\th.jsonl:1\t寄到 文三路 100号\t寄到 <ADDR>\n" +
		"# name: 1 masks in 3 texts\n# address: 1 masks in 3 texts\n"
	if b.String() != want {
		t.Errorf("run:\n%s\nwant:\n%s", b.String(), want)
	}

	// the probe writes the shop's words where names and addresses stand; the agent's line and
	// the dictionary's comment are no customer's words
	msgs, err := messages(shop)
	if err != nil {
		t.Fatal(err)
	}
	probed, err := probes(shop, msgs)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, m := range probed {
		texts = append(texts, m.text)
	}
	got := strings.Join(texts, "|")
	for _, w := range []string{"马丁靴 13812345678", "李华 13812345678", "姓名 iphone", "文三路2号线"} {
		if !strings.Contains(got, w) {
			t.Errorf("probes = %s, missing %q", got, w)
		}
	}
	if strings.Contains(got, "王芳") {
		t.Errorf("probes = %s: an agent's line or a comment was read", got)
	}
}
