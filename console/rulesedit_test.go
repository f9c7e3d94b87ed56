package console

import (
	"net/http"
	"net/url"
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
