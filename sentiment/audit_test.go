package sentiment

import (
	"testing"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

// TestRoutingAudit holds what a customer-experience audit of the handoff found (200 messages
// written for the sample shop before reading the lexicon; these are other sentences of the same
// kinds). Each row was decided wrongly before: a stated emergency the model overrode, an
// emergency or fury in words the lexicon lacked, a question whether something could happen read
// as if it had, praise slang read as an explosion.
func TestRoutingAudit(t *testing.T) {
	a := mustNew(t, DefaultLexicon(), Options{})
	for _, c := range []struct {
		text   string
		tag    Tag
		strong bool
		reason string
	}{
		// A stated emergency of weight 3 is urgent whatever the model reads: 信用卡被盗刷 was
		// neutral (0.47 against 0.45), for one labelled question ends in 被盗刷.
		{"信用卡被盗刷", Urgent, true, "money"},
		{"银行卡被盗刷", Urgent, true, "money"},
		// A negation reached over a verb to the cue 3 characters on (不小心误吞, 不停冒烟, 止不住
		// 流血, 不退款就报警): these emergencies read calm, their cue cancelled as in 不急.
		{"孩子不小心误吞了一颗纽扣", Urgent, true, "safety"},
		{"手被钢化膜划了 止不住流血", Urgent, true, "safety"},
		{"充电宝一直不停冒烟", Urgent, true, "safety"},
		{"用了没几天就鼓包了", Urgent, true, "safety"},
		{"一不小心就着火了", Urgent, true, "safety"},
		{"银行卡有一笔不明扣款", Urgent, true, "money"},
		{"还没发货急死我了", Urgent, true, "time"},
		{"不退款就报警", Urgent, true, "threat"},
		{"三天内不处理就曝光你们", Urgent, true, "threat"},
		// Money, time and threats the lexicon lacked.
		{"花呗被别人盗用了", Urgent, true, "money"},
		{"重复支付了 钱扣了两笔", Urgent, true, "money"},
		{"退款少退了50块", Urgent, true, "money"},
		{"宝宝吞了一颗扣子 怎么办", Urgent, true, "safety"},
		{"明天必须到货", Urgent, true, "time"},
		{"今晚必须送到 明早的飞机", Urgent, true, "time"},
		{"再拖着我就申请平台介入", Urgent, true, "threat"},
		{"你们再不解决 我就发微博", Urgent, true, "threat"},
		{"我已经投诉到平台了", Urgent, true, "threat"},
		// Fury the model read as mild: the lexicon's score makes it strong (lexstrong).
		{"气死我了 又发错货了", Negative, true, ""},
		{"我真的受够了 客服一直踢皮球", Negative, true, ""},
		{"你们这是欺诈", Negative, true, ""},
		// Questions whether something could happen ([hypothetical]) are no emergency.
		{"宝宝的外套扣子会不会误吞啊", Neutral, false, ""},
		{"怎么防止账号被盗 有没有二次验证", Neutral, false, ""}, // labelled set line 41: kept so by 防止, not by luck
		// Slang and words that only look urgent.
		{"这件外套穿上帅炸了", Neutral, false, ""},
		{"我是急诊科的 想买双软底鞋", Neutral, false, ""},
		{"扣款成功了吗 我看看订单", Neutral, false, ""},
	} {
		m, _ := nlp.Mask(nlp.Fold(nlp.Normalize(c.text)))
		r := a.Analyze(m)
		if r.Tag != c.tag || r.Strong != c.strong || r.Reason != c.reason {
			t.Errorf("%s: %s strong=%v reason=%q (probs %.2f, strength %.2f, cues %s); want %s strong=%v reason=%q",
				c.text, r.Tag, r.Strong, r.Reason, r.Probs, r.Strength, cueString(r.Cues), c.tag, c.strong, c.reason)
		}
	}
}
