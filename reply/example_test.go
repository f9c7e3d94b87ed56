package reply

import (
	"context"
	"fmt"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/session"
)

// Example decides a customer's messages in their conversation, as a gateway embedding zhiyi
// would: Decide, send, Commit. The engine is the tiny test shop's (intent.Load of a bundle;
// reply.BundleSentiment(dir) gives Config.Sentiment as zhiyi serve has it).
func Example() {
	rp := New(Config{Sessions: session.NewMemory(session.MemoryConfig{})})
	ctx := context.Background()
	for _, m := range []struct{ id, text string }{
		{"m1", "东西不要了怎么寄回去"},
		{"m2", "好的"},
		{"m2", "好的"}, // WeCom calls back again with the same MsgId
	} {
		text := m.text
		req := intent.Request{Text: text, MsgID: m.id, SenderID: "wm-customer", Channel: "wecom"}
		d := rp.Decide(ctx, tinyEngine, req)
		body := []byte(d.Replay)
		if d.Replay == "" {
			body = d.Result.AppendJSON(nil)
		}
		// send(body) to the customer here, then remember the turn
		rp.Commit(ctx, d, body)
		if d.Replay != "" {
			fmt.Println(text, "→ a retry: the same bytes again")
			continue
		}
		fmt.Println(text, "→", d.Result.Context.ActiveIntent, "turn", d.Result.Context.Turn)
	}
	// Output:
	// 东西不要了怎么寄回去 → return_goods turn 1
	// 好的 → return_goods turn 2
	// 好的 → a retry: the same bytes again
}
