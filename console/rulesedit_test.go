package console

import (
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
)

// TestRulesTestErrorIsNotASaveError: an empty test message is said in the test box, not under
// the editor's "没有保存，旧规则继续服务", which told the operator a save had been refused.
func TestRulesTestErrorIsNotASaveError(t *testing.T) {
	e := newEnv(t, envOpt{})
	cl := e.client()
	cl.login("小王")
	r := cl.post("/console/rules/test", url.Values{"text": {"  "}})
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("empty test message: %d", r.StatusCode)
	}
	mustContain(t, r.Body, `id="rules-test-error"`, "测试消息为空或超过 2048 字节。")
	if strings.Contains(r.Body, "没有保存") {
		t.Errorf("a test box error reads as a refused save:\n%s", clipBody(r.Body))
	}
}

// TestRulesLintInChinese: the advertising-law findings on 规则与答案 say why in Chinese, as the
// rest of the page does (they read "absolute term (绝对化用语, …)").
func TestRulesLintInChinese(t *testing.T) {
	e := newEnv(t, envOpt{})
	rulesWithAbsolute := strings.Replace(testRules, "已为您加急转接客服主管。", "已为您加急转接最好的客服主管。", 1)
	if err := os.WriteFile(e.rules, []byte(rulesWithAbsolute), 0o644); err != nil {
		t.Fatal(err)
	}
	cl := e.client()
	cl.login("小王")
	body := cl.get("/console/rules").Body
	mustContain(t, body, "「最好」绝对化用语（广告法第九条第三项）")
	if strings.Contains(body, "absolute term") {
		t.Errorf("an English reason on the page:\n%s", clipBody(body))
	}
}
