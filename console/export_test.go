package console

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/store"
)

// 看板's 导出 downloads the period's decisions as CSV with their feedback, logs who took them,
// and refuses a period too long for memory, a bad period and a server without a log.
func TestBoardExport(t *testing.T) {
	e := newEnv(t, envOpt{})
	t0 := e.clock().Add(-30 * time.Hour)
	e.seed(
		store.Decision{MsgID: "x1", Time: t0, Text: "怎么开发票", Intent: "invoice", Route: store.RouteAuto, Confidence: 0.95},
		store.Decision{MsgID: "x2", Time: t0.Add(time.Hour), Text: "+1 退钱", Intent: "none", Route: store.RouteHandoff},
		store.Decision{MsgID: "x0", Time: e.clock().Add(-10 * 24 * time.Hour), Text: "十天前", Intent: "invoice"},
	)
	if err := e.db.AddFeedback(context.Background(), store.Feedback{MsgID: "x1", Rating: 1, Comment: "答非所问", Time: e.clock()}); err != nil {
		t.Fatal(err)
	}
	cl := e.client()
	if r := cl.get("/console/board/export?since=3d"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("signed out: %d, want the sign-in page", r.StatusCode)
	}
	cl.login("小王")
	mustContain(t, cl.get("/console/board?since=3d").Body, `href="/console/board/export?since=3d"`)
	r := cl.get("/console/board/export?since=3d")
	if r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		!strings.HasPrefix(r.Header.Get("Content-Disposition"), `attachment; filename="zhiyi-2026110`) {
		t.Fatalf("export: %d %v", r.StatusCode, r.Header)
	}
	lines := strings.Split(strings.TrimSpace(r.Body), "\r\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "\ufeff时间 time") || !strings.Contains(lines[1], "答非所问") || !strings.Contains(lines[2], ",'+1 退钱,") {
		t.Errorf("the CSV:\n%s\nwant a header and the period's 2 decisions, the rating's comment, the formula-like text defused", r.Body)
	}
	if !strings.Contains(e.logs.String(), `"action":"导出"`) {
		t.Errorf("the download was not logged: %s", e.logs)
	}
	if r := cl.get("/console/board/export?since=forever"); r.StatusCode != http.StatusBadRequest {
		t.Errorf("a bad period: %d, want 400", r.StatusCode)
	}
	defer func(n int) { maxExportRows = n }(maxExportRows)
	maxExportRows = 1
	if r := cl.get("/console/board/export?since=3d"); r.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(r.Body, "zhiyi export") {
		t.Errorf("more rows than the console exports: %d %s", r.StatusCode, clipBody(r.Body))
	}

	nodb := newEnv(t, envOpt{noDB: true})
	cl = nodb.client()
	cl.login("小王")
	if r := cl.get("/console/board/export?since=3d"); r.StatusCode != http.StatusNotFound {
		t.Errorf("without a decision log: %d, want 404", r.StatusCode)
	}
}
