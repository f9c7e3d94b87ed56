package console

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestTestMode(t *testing.T) {
	e := newEnv(t, envOpt{})
	cl := e.client()
	cl.login("ops")
	// The placeholder is a question of the serving shop's (its kb.yaml's first), not the
	// sample shop's 东西不要了怎么寄回去 on every shop's page.
	mustContain(t, cl.get("/console/test").Body, `placeholder="我想退货"`)
	r := cl.post("/console/test", url.Values{"text": {"我要投诉，电话13812345678"}, "channel": {"wecom"}, "history": {"东西不要了怎么寄回去\n"}})
	if r.StatusCode != http.StatusOK {
		t.Fatalf("test: %d %s", r.StatusCode, clipBody(r.Body))
	}
	mustContain(t, r.Body, `id="result-rule">complaint<`, "已为您加急转接客服主管。", `id="result-route">handoff<`,
		"&lt;PHONE&gt;", "之前的对话", "第 2 轮",
		// the reason in Chinese, the API's words in its title
		`title="an operator&#39;s rule hands off" id="result-reason">运营规则转人工<`)
	if m := regexp.MustCompile(`id="result-text">([^<]*)<`).FindStringSubmatch(r.Body); m == nil || !strings.Contains(m[1], "&lt;PHONE&gt;") || strings.Contains(m[1], "1381234") {
		t.Errorf("the analysed text is not masked: %v", m)
	}
	r = cl.post("/console/test", url.Values{"text": {"怎么开发票"}})
	mustContain(t, r.Body, `id="result-intent">invoice<`, "确认收货后在订单详情申请开票", "无</b>")
	if n := e.decisions(); n != 0 {
		t.Fatalf("test mode recorded %d decisions", n)
	}
	for _, bad := range []url.Values{{"text": {""}}, {"text": {strings.Repeat("长", 1000)}}, {"text": {"hi"}, "channel": {"sms"}}, {"text": {"hi"}, "time": {"tomorrow"}}} {
		if r := cl.post("/console/test", bad); r.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%v: %d, want 422", bad, r.StatusCode)
		}
	}
}

// A rule scoped to an account, an agent's department and a customer's tag is tried in 测试模式
// as the gateway would send those fields: it fires with them and not without.
func TestTestModeScopedRule(t *testing.T) {
	e := newEnv(t, envOpt{})
	cl := e.client()
	cl.login("ops")
	base := regexp.MustCompile(`name="base" value="([0-9a-f]*)"`).FindStringSubmatch(cl.get("/console/rules").Body)[1]
	scoped := testRules + "  - id: vip_invoice\n    scope:\n      open_kfids: [wkShop01]\n      departments: [\"7\"]\n      tags: [VIP]\n" +
		"    match:\n      text:\n        contains: [发票]\n    action:\n      answer: VIP 专属开票通道已为您开启。\n"
	if r := cl.post("/console/rules/save", url.Values{"content": {scoped}, "base": {base}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.StatusCode, clipBody(r.Body))
	}
	msg := url.Values{"text": {"怎么开发票"}, "channel": {"kf"}}
	if r := cl.post("/console/test", msg); strings.Contains(r.Body, "VIP 专属开票通道") {
		t.Fatal("the scoped rule fired without its account, department and tag")
	}
	msg["account"], msg["agent"], msg["depts"], msg["tags"] = []string{"wkShop01"}, []string{"zhangsan"}, []string{"2， 7"}, []string{"新客,VIP"}
	r := cl.post("/console/test", msg)
	mustContain(t, r.Body, `id="result-rule">vip_invoice<`, "VIP 专属开票通道已为您开启。", `value="wkShop01"`, `value="2， 7"`)
	msg["account"] = []string{strings.Repeat("w", 200)}
	if r := cl.post("/console/test", msg); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a 200-byte account: %d, want 422", r.StatusCode)
	}
}

// The candidates are the model's: when a rule names another intent, 测试模式 says the rule
// decided it, not that the first candidate is the decided intent.
func TestTestModeCandidatesNoteWithARuleIntent(t *testing.T) {
	e := newEnv(t, envOpt{})
	cl := e.client()
	cl.login("ops")
	note := regexp.MustCompile(`<h3>候选意图</h3>\s*<p class="muted small"[^>]*>([^<]*)<`)
	r := cl.post("/console/test", url.Values{"text": {"怎么开发票"}})
	if m := note.FindStringSubmatch(r.Body); m == nil || !strings.Contains(m[1], "第一个就是判定的意图") {
		t.Fatalf("no rule: note %q, want the first candidate to be the intent", m)
	}
	base := regexp.MustCompile(`name="base" value="([0-9a-f]*)"`).FindStringSubmatch(cl.get("/console/rules").Body)[1]
	forced := testRules + "  - id: invoice_to_people\n    match:\n      text:\n        contains: [发票]\n    action:\n      intent: human_agent\n"
	if r := cl.post("/console/rules/save", url.Values{"content": {forced}, "base": {base}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.StatusCode, clipBody(r.Body))
	}
	r = cl.post("/console/test", url.Values{"text": {"怎么开发票"}})
	mustContain(t, r.Body, `id="result-intent">human_agent<`, `id="result-rule">invoice_to_people<`)
	m := note.FindStringSubmatch(r.Body)
	if m == nil || strings.Contains(m[1], "第一个就是判定的意图") || !strings.Contains(m[1], "由规则 invoice_to_people 指定") {
		t.Errorf("a rule named the intent: note %q, want it to say so", m)
	}
}

// 测试模式 warns of an answer's advertising-law terms as zhiyi lint judges its file: a term the
// answer's waiver covers is no warning here either.
func TestTestModeLintHonoursWaivers(t *testing.T) {
	e := newEnv(t, envOpt{})
	cl := e.client()
	cl.login("ops")
	base := regexp.MustCompile(`name="base" value="([0-9a-f]*)"`).FindStringSubmatch(cl.get("/console/rules").Body)[1]
	waived := testRules + "  - id: bestseller\n    match:\n      text:\n        contains: [销量]\n    action:\n      answer: 这款是本店销量第一的卫衣，放心购买。\n" +
		"    waive:\n      - {term: 第一, reason: 店铺后台销量排行截图}\n"
	if r := cl.post("/console/rules/save", url.Values{"content": {waived}, "base": {base}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.StatusCode, clipBody(r.Body))
	}
	r := cl.post("/console/test", url.Values{"text": {"这款销量怎么样"}})
	mustContain(t, r.Body, `id="result-rule">bestseller<`, "本店销量第一的卫衣")
	if strings.Contains(r.Body, "广告法检查") {
		t.Errorf("a waived term is warned of in 测试模式: %s", clipBody(r.Body))
	}
}
