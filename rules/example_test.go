package rules_test

import (
	"fmt"
	"time"

	"github.com/zhiyi-ai/zhiyi/nlp"
	"github.com/zhiyi-ai/zhiyi/rules"
)

func ExampleParse() {
	file := []byte(`version: 1
rules:
  - id: complaint
    priority: 10
    match:
      text: {contains: [投诉, "12315"]}
    action: {handoff: urgent, answer: 非常抱歉，已为您加急转接人工客服}
  - id: after_hours
    match: {any: true}
    hours: {times: ["09:00-23:00"], outside: true}
    action: {answer: "{{nickname|亲}}，客服每天 9:00–23:00 在线，上线后按顺序回复您～"}
`)
	set, err := rules.Parse(file, "rules.yaml", rules.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	at := func(hhmm string) int64 {
		t, _ := time.ParseInLocation("2006-01-02 15:04", "2026-11-12 "+hhmm, time.FixedZone("CST", 8*3600))
		return t.UnixMilli()
	}
	for _, m := range []struct{ text, at string }{
		{"你们这什么态度，我要投诉！", "03:10"},
		{"在吗", "03:10"},
		{"在吗", "10:00"},
	} {
		in := &rules.Input{Text: nlp.Normalize(m.text), SentAt: at(m.at)}
		r := set.Match(in)
		if r == nil {
			fmt.Printf("%s %s: no rule, the classifier decides\n", m.at, m.text)
			continue
		}
		fmt.Printf("%s %s: %s → %s", m.at, m.text, r.ID, r.Action.Kind)
		if r.Action.Answer != nil {
			fmt.Printf(" %q", r.Action.Answer.Fill(nil))
		}
		fmt.Println()
	}
	// Output:
	// 03:10 你们这什么态度，我要投诉！: complaint → handoff "非常抱歉，已为您加急转接人工客服"
	// 03:10 在吗: after_hours → answer "亲，客服每天 9:00–23:00 在线，上线后按顺序回复您～"
	// 10:00 在吗: no rule, the classifier decides
}

func ExampleParse_errors() {
	file := []byte(`version: 1
rules:
  - id: promo
    match:
      text: {regex: ['双11(']}
    hours: {dates: [2026-11-31]}
    action: {answer: 好的}
  - id: promo
    match: {}
    action: {intent: nosuch}
    colour: red
`)
	_, err := rules.Parse(file, "rules.yaml", rules.Options{Intents: func(id string) bool { return id == "human_agent" }})
	fmt.Println(err)
	// Output:
	// rules.yaml:5: rule "promo": match.text.regex: bad regex "双11(": error parsing regexp: missing closing ): `双11(`
	// rules.yaml:6: rule "promo": hours.dates: no such date "2026-11-31": 2026-11 has 30 days, not 31
	// rules.yaml:8: rule "promo": duplicate rule id (first at line 3)
	// rules.yaml:9: rule "promo": match: no keywords (give text or terms keywords, or any: true to match every message)
	// rules.yaml:10: rule "promo": action.intent: unknown intent "nosuch" (not in the knowledge base)
	// rules.yaml:11: field colour unknown in a rule (want id, priority, enabled, comment, match, scope, hours, action, waive)
}
