package console

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/store"
)

// 数据删除 deletes a customer's records once the operator confirms, says how many went, and
// keeps a change without the customer's id; without a log the page says so.
func TestForgetPage(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.seed(
		store.Decision{MsgID: "f1", Time: e.clock(), SenderHash: e.db.Hash("wm_zhang_42"), Text: "我要开发票", Intent: "invoice"},
		store.Decision{MsgID: "f2", Time: e.clock(), SenderHash: e.db.Hash("wm_zhang_42"), Text: "发票抬头写错了", Intent: "invoice"},
		store.Decision{MsgID: "f3", Time: e.clock(), SenderHash: e.db.Hash("wm_other"), Text: "发货了吗", Intent: "shipping"},
	)
	cl := e.client()
	cl.login("小王")
	mustContain(t, cl.get("/console/forget").Body, `action="/console/forget"`, `name="sender_id"`, `name="confirm"`)

	if r := cl.post("/console/forget", url.Values{"sender_id": {"wm_zhang_42"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("unconfirmed: %d", r.StatusCode)
	}
	mustContain(t, cl.get("/console/forget").Body, "请勾选确认")
	if n := e.decisions(); n != 3 {
		t.Fatalf("an unconfirmed request deleted records: %d left", n)
	}
	if r := cl.post("/console/forget", url.Values{"confirm": {"yes"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("no id: %d", r.StatusCode)
	}
	mustContain(t, cl.get("/console/forget").Body, "请填写客户 ID")

	if r := cl.post("/console/forget", url.Values{"sender_id": {" wm_zhang_42 "}, "confirm": {"yes"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("forget: %d %s", r.StatusCode, clipBody(r.Body))
	}
	mustContain(t, cl.get("/console/forget").Body, "已删除该客户的 2 条决策记录")
	if n := e.decisions(); n != 1 {
		t.Errorf("%d decisions left, want the other customer's", n)
	}
	found := false
	for _, ch := range e.c.Changes() {
		if strings.Contains(ch.Detail+ch.Action, "wm_zhang_42") {
			t.Errorf("the change log keeps the id: %+v", ch)
		}
		found = found || ch.Area == "forget" && strings.Contains(ch.Detail, "2 条决策记录")
	}
	if !found {
		t.Errorf("no change recorded: %+v", e.c.Changes())
	}
	if strings.Contains(e.logs.String(), "wm_zhang_42") {
		t.Error("the log keeps the id")
	}

	off := newEnv(t, envOpt{noDB: true})
	cl = off.client()
	cl.login("小王")
	mustContain(t, cl.get("/console/forget").Body, "没有决策日志")
}
