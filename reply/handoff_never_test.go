package reply

import (
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/rules"
)

// TestRuleAnswerNeverHandedOff: a 公众号 with nobody behind it at night answers every message
// with a rule; an urgent or strongly negative message hands a rule's plain answer to a person
// (whose queue nobody reads there), and handoff: never keeps it answered. Elsewhere (another
// channel, by day) sentiment still hands off.
func TestRuleAnswerNeverHandedOff(t *testing.T) {
	set, err := rules.Parse([]byte(`version: 1
rules:
  - id: mp_night
    match: {any: true}
    scope: {channels: [mp]}
    hours: {times: ["09:00-23:00"], outside: true}
    action: {answer: 公众号夜间请留言, handoff: never}
  - id: kf_night
    match: {any: true}
    scope: {channels: [kf]}
    hours: {times: ["09:00-23:00"], outside: true}
    action: {answer: 现在是非工作时间}
`), "rules.yaml", rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, _, _ := newReplier(t, Config{Sentiment: shopSentiment(t), Rules: func() *rules.Set { return set }})
	const (
		night = 1797361200000 // 2026-12-16 03:00 in Shanghai
		day   = 1797400800000 // 2026-12-16 14:00
	)
	urgent := "充电宝冒烟了还发烫 会不会爆炸 快点处理！！"
	for _, tc := range []struct {
		name, channel, text string
		at                  int64
		rule                string
		route               intent.Route
	}{
		{"mp at night, urgent", "mp", urgent, night, "mp_night", intent.RouteAuto},
		{"mp at night, strongly negative", "mp", "我要投诉，气死了，什么垃圾店，真的受够了！！", night, "mp_night", intent.RouteAuto},
		{"a plain rule answer at night, urgent", "kf", urgent, night, "kf_night", intent.RouteHandoff},
		{"mp by day, urgent", "mp", urgent, day, "", intent.RouteHandoff},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, _ := send(t, r, intent.Request{Text: tc.text, Channel: tc.channel, SentAt: tc.at, SenderID: "wm" + tc.channel + tc.name})
			res := d.Result
			if res.Rule != tc.rule || res.Route != tc.route || res.Sentiment == nil || !res.Sentiment.Strong {
				t.Errorf("rule %q route %s (%s) sentiment %+v; want rule %q route %s, the tone still reported strong",
					res.Rule, res.Route, res.Reason, res.Sentiment, tc.rule, tc.route)
			}
			if tc.route == intent.RouteAuto && (res.Answer == nil || res.Priority != 0) {
				t.Errorf("answer %+v priority %d; want the rule's answer, no priority", res.Answer, res.Priority)
			}
		})
	}
}
