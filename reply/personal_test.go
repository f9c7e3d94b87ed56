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
		// 公众号 MsgIds that pass a card's Luhn check, or an ID number's checksum
		{intent.Request{MsgID: "6226706629854966189"}, false},
		{intent.Request{MsgID: "40974603666543706"}, false},
		{intent.Request{MsgID: "330106198503124213"}, false},
		{intent.Request{MsgID: "card-6222021234567890128"}, true},
		// 微信客服's msgid, and WeCom's 会话内容存档 id, around such numbers
		{intent.Request{MsgID: "from_msgid_6226706629854966189"}, false},
		{intent.Request{MsgID: "6226706629854966189_1785539051_external"}, false},
		{intent.Request{MsgID: "from_msgid_13812345678"}, true},
		{intent.Request{MsgID: "from_6226706629854966189"}, true},
		{intent.Request{MsgID: "6226706629854966189_1785539051_card"}, true},
		{intent.Request{MsgID: "0a7e13812345678bc2ddd9f0e6325df4"}, false}, // a hashed event id
		{intent.Request{MsgID: "0A7E13812345678BC2DDD9F0E6325DF4"}, false}, // upper-case, as strtoupper(md5(…)) makes it
		{intent.Request{MsgID: "m-1", Vars: map[string]string{"order_id": "202611120001234", "link": "https://shop.example.com/o/1"}}, false},
		{intent.Request{MsgID: "13812345678"}, true},
		{intent.Request{MsgID: "8613812345678"}, true},
		{intent.Request{MsgID: "02165528899"}, true}, // a landline
		{intent.Request{MsgID: "msg-１３８１２３４５６７８"}, true},
		{intent.Request{MsgID: "m-2", Vars: map[string]string{"nickname": "小王", "mobile": "139 1234 5678"}}, true},
		{intent.Request{MsgID: "m-3", Vars: map[string]string{"mail": "Zhang.San@Example.com"}}, true},
	} {
		if got := echoesPersonalData(&c.req); got != c.want {
			t.Errorf("echoesPersonalData(%+v) = %v, want %v", c.req, got, c.want)
		}
	}
}

// TestRetryOfNumericMsgIDReplayed: a 公众号 retries an unanswered message with its MsgId, a
// 64-bit number; one in ten of them passes a bank card's Luhn check. 微信客服's sync_msg may
// deliver a message twice, its msgid such a number after from_msgid_. The retry must get the
// first answer's bytes like any other, not be decided again (another took_us, and a gateway
// comparing answers sees two).
func TestRetryOfNumericMsgIDReplayed(t *testing.T) {
	r, _, _ := newReplier(t, Config{})
	for _, id := range []string{"6226706629854966189", "40974603666543706", "23456789012345678", "from_msgid_6226706629854966189"} {
		req := intent.Request{Text: "什么时候发货", MsgID: id, SenderID: "oABCdefGHIjklMNOpqrSTUvw" + id[:4], Channel: "mp"}
		_, first := send(t, r, req)
		retry, again := send(t, r, req)
		if !retry.Retry || retry.Replay == "" || again != first {
			t.Errorf("msg_id %s: retry %v, replayed %v; want the first bytes again", id, retry.Retry, retry.Replay != "")
		}
	}
}

// TestLoggedTextKeepsTheCustomersScript: the text a decision is logged with (the decision log,
// 未识别, 错判案例, the export) was the analysis's, folded to simplified script: a Hong Kong or
// Taiwan shop read 几时送到 where its customer wrote 幾時送到. It keeps the customer's script now,
// and is never less masked than the analysis: a name the scanners find only folded (遊 is a
// variant of the surname 游) is logged as the analysis masked it.
func TestLoggedTextKeepsTheCustomersScript(t *testing.T) {
	r, _, _ := newReplier(t, Config{})
	for _, c := range []struct{ text, want string }{
		{"幾時送到？", "幾時送到?"},
		{"電話 9123 4567，寄去彌敦道 688 號", "電話 <PHONE>,寄去<ADDR>"},
		{"收件人陳大文 0912-345-678", "收件人<NAME> <PHONE>"},
		{"收件人遊小明 電話不變", "收件人<NAME> 电话不变"},
		{"急急急急 到底幾時發貨", "急急急急 到底幾時發貨"},
	} {
		d, _ := send(t, r, intent.Request{Text: c.text})
		if got := d.Text(); got != c.want {
			t.Errorf("%q is logged as %q, want %q", c.text, got, c.want)
		}
	}
}
