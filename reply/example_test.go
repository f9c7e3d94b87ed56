package reply_test

import (
	"context"
	"fmt"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/reply"
	"github.com/zhiyi-ai/zhiyi/session"
)

// Example decides a customer's messages in their conversation, as a gateway embedding zhiyi
// would: load the bundle, then for each message Decide, send, Commit. The bundle is the tiny test
// shop's (a gateway loads its own: "models/shop").
func Example() {
	ctx := context.Background()
	dir := reply.TinyBundle()
	eng, err := intent.Load(ctx, dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer eng.Close()                       // once no Decide runs on it any more
	tone, err := reply.BundleSentiment(dir) // as zhiyi serve decides: handoff for 气死了, 急
	if err != nil {
		fmt.Println(err)
		return
	}
	sessions := session.NewMemory(session.MemoryConfig{})
	defer sessions.Close()
	rp := reply.New(reply.Config{Sessions: sessions, Sentiment: tone})

	for _, m := range []struct{ id, text string }{
		{"m1", "东西不要了怎么寄回去"},
		{"m2", "好的"},
		{"m2", "好的"}, // WeCom calls back again with the same MsgId
	} {
		req := intent.Request{Text: m.text, MsgID: m.id, SenderID: "wm-customer", Channel: "wecom"}
		d := rp.Decide(ctx, eng, req)
		body := []byte(d.Replay)
		if d.Replay == "" {
			body = d.Result.AppendJSON(nil)
		}
		// send(body) to the customer here, then remember the turn (Commit releases the
		// conversation for its next message; d.Release does for a decision not sent)
		rp.Commit(ctx, d, body)
		if d.Replay != "" {
			fmt.Println(m.text, "→ a retry: the same bytes again")
			continue
		}
		fmt.Println(m.text, "→", d.Result.Context.ActiveIntent, "turn", d.Result.Context.Turn)
	}
	// Output:
	// 东西不要了怎么寄回去 → return_goods turn 1
	// 好的 → return_goods turn 2
	// 好的 → a retry: the same bytes again
}
