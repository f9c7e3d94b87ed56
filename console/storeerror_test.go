package console

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/store"
)

// pageMain is a page's <main> element, without the layout.
func pageMain(body string) string {
	if i := strings.Index(body, "<main>"); i >= 0 {
		body = body[i:]
	}
	return body
}

var flashErrorRe = regexp.MustCompile(`flash error">[^<]*`)

// The decision log closed while the console was open. The operator saw the error above a
// row of zero cards (消息量 0, 解决率 0.0%), under it "这段时间没有未标注的未识别消息" and
// "这段时间没有被纠正的消息" as if there were nothing to do, and 实验 answered 200 with every
// variant served 0 and "还没有可比较的评分". Each page now says the log cannot be read, with
// 503, and shows no figures.
func TestStoreDownShowsNoFigures(t *testing.T) {
	e := newEnv(t, envOpt{bundle: "ab"})
	e.seed(store.Decision{MsgID: "p1", Time: e.clock().Add(-time.Hour), Text: "怎么开发票", Intent: "invoice", Route: store.RouteAuto, Confidence: 0.95})
	cl := e.client()
	cl.login("ops")
	e.db.Close()
	for _, tt := range []struct {
		path       string
		misleading []string
	}{
		{"/console/board?since=3d", []string{`<span>消息量</span><b>0</b>`, "0/0 条有反馈", "<b>0µs</b>", "按意图"}},
		{"/console/unmatched?since=3d", []string{"这段时间没有未标注的未识别消息", "0 条未标注的消息", "最近的聚类标注"}},
		{"/console/corrections?since=3d", []string{"这段时间没有被纠正的消息", "0 条被纠正的消息"}},
		{"/console/experiments?since=3d", []string{"<td>0</td><td>0</td>", "还没有可比较的评分", "结论", "<th>投放</th>"}},
	} {
		r := cl.get(tt.path)
		body := pageMain(r.Body)
		if !strings.Contains(body, storeUnreadable) {
			t.Errorf("%s: %d, no error shown", tt.path, r.StatusCode)
		}
		if r.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("%s: status %d with the store down, want 503", tt.path, r.StatusCode)
		}
		for _, m := range tt.misleading {
			if strings.Contains(body, m) {
				t.Errorf("%s: the store is down, yet the page shows %q as if it were the period's figures", tt.path, m)
			}
		}
	}
	// 实验 still lists the variants, so that one can be stopped while the log is down.
	mustContain(t, cl.get("/console/experiments?since=3d").Body, "invoice.a", "invoice.b", `action="/console/experiments/stop"`)
}

// The decision log's directory went away (a disk unmounted, a cleanup script). Every page
// printed the driver's English error with the server's path — "store: cannot summarise
// feedback: sqlite3: unable to open database file: lstat /tmp/…" — and nothing reached the
// service log. The page now says 决策日志暂时无法读取，详情见服务日志, and the error is logged
// with the page's name.
func TestStoreErrorLoggedNotShown(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.seed(store.Decision{MsgID: "p1", Time: e.clock().Add(-time.Hour), Text: "怎么开发票", Intent: "invoice", Route: store.RouteAuto, Confidence: 0.95})
	cl := e.client()
	cl.login("ops")
	if err := os.RemoveAll(filepath.Join(filepath.Dir(e.rules), "data")); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ path, page string }{
		{"/console/board?since=30d", "board"},
		{"/console/unmatched?since=30d", "unmatched"},
		{"/console/corrections?since=30d", "corrections"},
	} {
		logged := e.logs.Len()
		body := pageMain(cl.get(tt.path).Body)
		if !strings.Contains(body, storeUnreadable) {
			t.Errorf("%s: no store error shown", tt.path)
			continue
		}
		for _, leak := range []string{"sqlite3", "lstat", "no such file", "/tmp/", "store:", t.Name()[:12]} {
			if strings.Contains(body, leak) {
				t.Errorf("%s: the page shows %q: %s", tt.path, leak, flashErrorRe.FindString(body))
			}
		}
		line := e.logs.String()[logged:]
		if !strings.Contains(line, "unable to open database file") || !strings.Contains(line, `"page":"`+tt.page+`"`) {
			t.Errorf("%s: the store failure is not in the service log with its page:\n%s", tt.path, line)
		}
	}
}
