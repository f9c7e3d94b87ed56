package alert_test

import (
	"fmt"
	"time"

	"github.com/zhiyi-ai/zhiyi/alert"
)

// The default rules replayed over an afternoon: the 20th unrecognised message in ten minutes
// fires, a comment about slow replies fires the staffing alert at once, and the unrecognised
// alert resolves once its window has emptied.
func ExampleEvaluator() {
	ev, err := alert.NewEvaluator(alert.DefaultRules())
	if err != nil {
		panic(err)
	}
	t0 := time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)
	var out []alert.Alert
	for i := range 20 {
		out = ev.Observe(out[:0], alert.Event{Kind: alert.KindDecision, Time: t0.Add(time.Duration(i) * 20 * time.Second),
			Route: "handoff", Intent: "none", Unrecognised: true, Latency: time.Millisecond})
		for _, a := range out {
			fmt.Printf("message %d: %s %s: %s\n", i+1, a.State, a.Rule, a.Summary)
		}
	}
	out = ev.Observe(out[:0], alert.Event{Kind: alert.KindFeedback, Time: t0.Add(7 * time.Minute),
		Rating: 2, Comment: "客服回复慢，等太久了"})
	for _, a := range out {
		fmt.Printf("feedback: %s %s [%s]: %s\n", a.State, a.Rule, a.Category, a.Summary)
	}
	for _, a := range ev.Tick(nil, t0.Add(20*time.Minute)) {
		fmt.Printf("14:20: %s %s: %s\n", a.State, a.Rule, a.Summary)
	}
	// Output:
	// message 20: firing unrecognised: 10分钟内有 20 条消息未识别（阈值 20 条）
	// feedback: firing comment_keywords [staffing]: 评价提到「回复慢」，归类：人手不足（staffing），评分 2：客服回复慢,等太久了
	// 14:20: resolved unrecognised: 已恢复：10分钟内有 0 条消息未识别（阈值 20 条）
}
