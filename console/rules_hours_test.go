package console

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"
)

// Reduced holiday hours written with outside (and a promotion long over) are saved and serve,
// and the page says what they do, at their lines: outside beside dates and times answers on
// every other day too.
func TestRulesSaveWarnsOfHolidayHours(t *testing.T) {
	e := newEnv(t, envOpt{})
	cl := e.client()
	cl.login("小王")
	page := cl.get("/console/rules")
	base := regexp.MustCompile(`name="base" value="([0-9a-f]*)"`).FindStringSubmatch(page.Body)[1]
	holiday := testRules + "  - id: spring_reduced\n    priority: 20\n    match: {text: {contains: [人工]}}\n" +
		"    hours: {dates: [2027-02-09..2027-02-11], times: [\"10:00-18:00\"], outside: true}\n    action: {answer: 春节期间 10:00–18:00 在线}\n" +
		"  - id: double11\n    match: {text: {contains: [双11]}}\n    hours: {dates: [2025-11-11]}\n    action: {answer: 双11 每满 300 减 50}\n"
	r := cl.post("/console/rules/save", url.Values{"content": {holiday}, "base": {base}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.StatusCode, clipBody(r.Body))
	}
	if _, ok := e.live.Current().Rule("spring_reduced"); !ok {
		t.Fatal("the rules do not serve")
	}
	mustContain(t, cl.get("/console/rules").Body, "规则已保存并立即生效", "有 2 条规则提醒", `id="rules-warnings"`,
		"在这些日期以外的每一天全天都生效",
		e.rules+`:15: rule &#34;spring_reduced&#34;: hours: outside: true applies while the window is closed`,
		`write times: [&#34;00:00-10:00&#34;, &#34;18:00-24:00&#34;] and leave out outside`,
		e.rules+`:19: rule &#34;double11&#34;: hours: every one of its dates has passed (the last was 2025-11-11)`)
}
