package session_test

import (
	"context"
	"fmt"

	"github.com/zhiyi-ai/zhiyi/session"
)

// What reply does with each message: load the conversation, answer a retry from the kept
// response, otherwise add the turn and save.
func Example() {
	ctx := context.Background()
	var store session.Store = session.NewMemory(session.MemoryConfig{}) // or session.NewRedis
	defer store.Close()

	handle := func(key, msgID, text, intent string) string {
		st, err := store.Load(ctx, key)
		if err != nil {
			st = session.State{} // store down or value unreadable: answer without context
		}
		if t := st.FindTurn(msgID); t != nil && t.Response != "" {
			return t.Response + " (retry)"
		}
		resp := fmt.Sprintf(`{"intent":%q,"context":{"turn":%d}}`, intent, st.TurnCount+1)
		st.Push(session.Turn{MsgID: msgID, Text: text, Intent: intent, Route: "auto", Response: resp}, 0)
		st.ActiveIntent = intent
		_ = store.Save(ctx, key, st) // a failed Save costs the next turn its context, nothing more
		return resp
	}

	fmt.Println(handle("wecom:chat-1", "m1", "我要开发票", "invoice"))
	fmt.Println(handle("wecom:chat-1", "m2", "好 快点", "invoice"))
	fmt.Println(handle("wecom:chat-1", "m2", "好 快点", "invoice")) // WeCom re-sent m2
	fmt.Println(handle("wecom:chat-2", "m1", "退货", "return_goods"))
	// Output:
	// {"intent":"invoice","context":{"turn":1}}
	// {"intent":"invoice","context":{"turn":2}}
	// {"intent":"invoice","context":{"turn":2}} (retry)
	// {"intent":"return_goods","context":{"turn":1}}
}

// Replicas given one hash key (zhiyi serve --hash-key) hash a msg_id alike, and not as the
// unkeyed HashMsgID that anyone can compute for a guessed phone number.
func ExampleNewHasher() {
	a := session.NewHasher([]byte("the replicas' key, 16+ random characters"))
	b := session.NewHasher([]byte("the replicas' key, 16+ random characters"))
	const msgID = "13812345678"
	fmt.Println(a.Keyed(), len(a.MsgID(msgID)), a.MsgID(msgID) == b.MsgID(msgID), a.MsgID(msgID) == session.HashMsgID(msgID))
	var unkeyed *session.Hasher // NewHasher(nil): as before keys existed
	fmt.Println(unkeyed.Keyed(), unkeyed.MsgID(msgID) == session.HashMsgID(msgID))
	// Output:
	// true 32 true false
	// false true
}
