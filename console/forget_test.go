package console

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/store"
)

// 数据删除 shows a customer's records (查看记录) without deleting anything, deletes them once the
// operator confirms, says how many went, and keeps a change without the customer's id; without a
// log the page says so.
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

	// a look first: the customer's two decisions, nothing deleted
	r := cl.post("/console/forget", url.Values{"sender_id": {"wm_zhang_42"}, "action": {"preview"}})
	if r.StatusCode != http.StatusOK {
		t.Fatalf("preview: %d", r.StatusCode)
	}
	mustContain(t, r.Body, "共 2 条", "发票抬头写错了", "我要开发票")
	if strings.Contains(r.Body, "发货了吗") || e.decisions() != 3 {
		t.Errorf("the preview shows another customer's message or deleted something (%d left)", e.decisions())
	}
	if r := cl.post("/console/forget", url.Values{"sender_id": {"wm_nobody"}, "action": {"preview"}}); !strings.Contains(r.Body, "没有这个客户的记录") {
		t.Errorf("preview of a customer with no records:\n%s", clipBody(r.Body))
	}
	if r := cl.post("/console/forget", url.Values{"sender_id": {"wm_zhang_42"}, "action": {"delete"}}); r.StatusCode != http.StatusSeeOther {
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

	if r := cl.post("/console/forget", url.Values{"sender_id": {" wm_zhang_42 "}, "confirm": {"yes"}, "action": {"delete"}}); r.StatusCode != http.StatusSeeOther {
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

// An id the gateway sent with spaces around it was hashed so: the page finds and deletes that
// customer's records by the id as pasted, spaces and all.
func TestForgetPageSpacedID(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.seed(
		store.Decision{MsgID: "f1", Time: e.clock(), SenderHash: e.db.Hash(" wm_li "), Text: "我要开发票", Intent: "invoice"},
		store.Decision{MsgID: "f2", Time: e.clock(), SenderHash: e.db.Hash("wm_other"), Text: "发货了吗", Intent: "shipping"},
	)
	cl := e.client()
	cl.login("小王")
	if r := cl.post("/console/forget", url.Values{"sender_id": {" wm_li "}, "action": {"preview"}}); !strings.Contains(r.Body, "我要开发票") {
		t.Errorf("preview of ' wm_li ':\n%s", clipBody(r.Body))
	}
	if r := cl.post("/console/forget", url.Values{"sender_id": {" wm_li "}, "confirm": {"yes"}, "action": {"delete"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("forget: %d %s", r.StatusCode, clipBody(r.Body))
	}
	if n := e.decisions(); n != 1 {
		t.Errorf("%d decisions left, want the other customer's alone", n)
	}
}
