package console

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/store"
)

// 看板 and its 导出 end the period at until= as zhiyi report and export end it at --until: the
// page read since= alone and ended every period now, so a weekly review on a Monday afternoon
// could not see, or download, last week (Monday to Monday) — the console's rows and numbers
// were never the CLI's for a closed week. A bad until= ends the period now and says so.
func TestBoardUntil(t *testing.T) {
	e := newEnv(t, envOpt{}) // now: 2026-11-11 12:00 China time
	monday := time.Date(2026, 11, 9, 0, 0, 0, 0, cst)
	e.seed(
		store.Decision{MsgID: "w1", Time: monday.Add(-time.Hour), Text: "上周日的", Intent: "invoice", Route: store.RouteAuto, Confidence: 0.95},
		store.Decision{MsgID: "w2", Time: monday.Add(-time.Microsecond), Text: "上周最后一条", Intent: "invoice", Route: store.RouteAuto, Confidence: 0.95},
		store.Decision{MsgID: "t1", Time: monday, Text: "本周第一条", Intent: "invoice", Route: store.RouteAuto, Confidence: 0.95},
	)
	cl := e.client()
	cl.login("小王")
	page := cl.get("/console/board?since=2026-11-02&until=2026-11-09").Body
	mustContain(t, page, `href="/console/board/export?since=2026-11-02&amp;until=2026-11-09"`)
	mustContain(t, page, "2026-11-02 00:00 至 2026-11-09 00:00（北京时间）")
	mustContain(t, page, `type="text" name="until" value="2026-11-09"`)
	// the card zhiyi report's first line has: answered automatically, of the week's 2 messages
	mustContain(t, page, `<span>自动回复</span><b>100.0%</b>2 条 · 推荐给客服 0 条`)
	r := cl.get("/console/board/export?since=2026-11-02&until=2026-11-09")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Header.Get("Content-Disposition"), `zhiyi-20261102-0000-20261109-0000.csv`) {
		t.Fatalf("export: %d %v", r.StatusCode, r.Header)
	}
	lines := strings.Split(strings.TrimSpace(r.Body), "\r\n")
	if len(lines) != 3 || !strings.Contains(r.Body, "上周日的") || !strings.Contains(r.Body, "上周最后一条") || strings.Contains(r.Body, "本周第一条") {
		t.Errorf("the CSV:\n%s\nwant last week's 2 decisions, not this Monday's", r.Body)
	}
	for _, bad := range []string{"2026-11-30", "2026-11-01", "someday"} {
		page := cl.get("/console/board?since=2026-11-02&until=" + bad).Body
		mustContain(t, page, "已改为截至现在")
		mustContain(t, page, "2026-11-02 00:00 至 2026-11-11 12:00（北京时间）")
	}
	// the other pages end their periods now and offer no until
	if body := cl.get("/console/unmatched?since=7d").Body; strings.Contains(body, `name="until"`) {
		t.Error("未识别 offers an until it does not read")
	}
}
