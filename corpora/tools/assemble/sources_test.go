package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

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
