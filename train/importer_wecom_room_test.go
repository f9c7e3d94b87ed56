package train

import (
	"os"
	"path/filepath"
	"testing"
)

// In a group chat the first recipient is any member, a customer as likely as an agent: a
// customer's message is not taken for an agent's because another customer in the room has an
// id more like WeCom's external ones (customerOf compares a one-to-one message's two sides).
func TestImportWeComRoomCustomerBesideCustomer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "room.jsonl")
	lines := `{"msgid":"r1","action":"send","from":"wmT2h3ZCVwFiarruSFBAlyyZ","tolist":["wmqPhRDwAA6FUhoHGwUz8WNrKQqlhYqA","liuyang"],"roomid":"wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA","msgtime":1785539051645,"msgtype":"text","text":{"content":"群里问一下 什么时候发货"}}
{"msgid":"r2","action":"send","from":"liuyang","tolist":["wmT2h3ZCVwFiarruSFBAlyyZ","wmqPhRDwAA6FUhoHGwUz8WNrKQqlhYqA"],"roomid":"wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA","msgtime":1785539097309,"msgtype":"text","text":{"content":"亲，今天发"}}
`
	if err := os.WriteFile(path, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	im := NewImporter()
	im.Agents = true
	msgs, _ := importAll(t, im, path)
	want := map[string]bool{"群里问一下 什么时候发货": false, "亲，今天发": true}
	if len(msgs) != len(want) {
		t.Fatalf("imported %d messages, want %d", len(msgs), len(want))
	}
	for _, m := range msgs {
		if w, ok := want[m.Text]; !ok || m.Agent != w || m.Conversation != "wecom:room:wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA" {
			t.Errorf("%q: agent %v in %q, want agent %v in the room", m.Text, m.Agent, m.Conversation, w)
		}
	}
}
