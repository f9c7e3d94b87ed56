package reply

import (
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// BenchmarkEchoesPersonalData is the check Decide makes before a response is kept for retries.
func BenchmarkEchoesPersonalData(b *testing.B) {
	req := intent.Request{Text: "什么时候发货", MsgID: "7301234567890123456", Vars: map[string]string{"nickname": "小王", "order_id": "202611120001234"}}
	for b.Loop() {
		if echoesPersonalData(&req) {
			b.Fatal("a request without personal data")
		}
	}
}

// TestEchoesPersonalData: a msg_id or a var holding a phone, an ID card, a bank card or an
// e-mail address keeps the response out of the conversation store; numeric MsgIds, order
// numbers and links do not.
func TestEchoesPersonalData(t *testing.T) {
	for _, c := range []struct {
		req  intent.Request
		want bool
	}{
		{intent.Request{MsgID: "7301234567890123456"}, false},
		{intent.Request{MsgID: "m-1", Vars: map[string]string{"order_id": "202611120001234", "link": "https://shop.example.com/o/1"}}, false},
		{intent.Request{MsgID: "13812345678"}, true},
		{intent.Request{MsgID: "msg-１３８１２３４５６７８"}, true},
		{intent.Request{MsgID: "m-2", Vars: map[string]string{"nickname": "小王", "mobile": "139 1234 5678"}}, true},
		{intent.Request{MsgID: "m-3", Vars: map[string]string{"mail": "Zhang.San@Example.com"}}, true},
	} {
		if got := echoesPersonalData(&c.req); got != c.want {
			t.Errorf("echoesPersonalData(%+v) = %v, want %v", c.req, got, c.want)
		}
	}
}
