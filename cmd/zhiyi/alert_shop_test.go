package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/zhiyi-ai/zhiyi/alert"
	"github.com/zhiyi-ai/zhiyi/serve"
)

// An agency runs several shops on one machine and alerts them into one WeCom group robot (and
// one webhook): every alert read "### 知意告警" and {"source":"zhiyi"}, and the group could not
// tell which shop's customers were complaining. Serve gives its alerts the shop of the serving
// kb.yaml (the fixture's 测试小铺), or the alerts file's shop: where it names one (a copy of a
// shop under the same kb.yaml name).
func TestServeAlertsNameTheShop(t *testing.T) {
	bundle, err := fixtureBundle()
	if err != nil {
		t.Fatal(err)
	}
	type received struct{ wecom, webhook string }
	for _, c := range []struct {
		name, file, want string
	}{
		{"kb.yaml's shop", "", "测试小铺"},
		{"the alerts file's shop:", "shop: 衣橱小铺（二店）\n", "衣橱小铺（二店）"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := make(chan received, 4)
			robot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var msg struct {
					Markdown struct {
						Content string `json:"content"`
					} `json:"markdown"`
				}
				body, _ := io.ReadAll(r.Body)
				json.Unmarshal(body, &msg)
				got <- received{wecom: msg.Markdown.Content}
				io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
			}))
			defer robot.Close()
			hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				got <- received{webhook: string(body)}
			}))
			defer hook.Close()
			af := alert.Flags{WeCom: robot.URL + "/cgi-bin/webhook/send?key=k1", Webhook: hook.URL}
			if c.file != "" {
				af.File = filepath.Join(t.TempDir(), "alerts.yaml")
				if err := os.WriteFile(af.File, []byte(c.file), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			sf := serveFlags{record: true, alerts: af, storeFlags: storeFlags{dataDir: filepath.Join(t.TempDir(), "data")}, retain: "0"}
			_, srv := serveWired(t, ctx, serve.Config{ModelDir: bundle}, sf, slog.New(slog.DiscardHandler))
			handle(t, srv, fasthttp.MethodPost, "/intent", `{"text":"什么时候发货","msg_id":"a1","sender_id":"wmShop"}`)
			// a comment saying the agents are slow fires comment_keywords at once
			for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				var req fasthttp.Request
				req.Header.SetMethod(fasthttp.MethodPost)
				req.SetRequestURI("/feedback")
				req.Header.SetContentType("application/json")
				req.SetBodyString(`{"msg_id":"a1","rating":1,"comment":"客服回复慢"}`)
				var rc fasthttp.RequestCtx
				rc.Init(&req, nil, nil)
				srv.Handler()(&rc)
				if rc.Response.StatusCode() == 200 {
					break
				}
				if time.Now().After(deadline) { // a hang guard: the decision reaches the log first
					t.Fatalf("/feedback: %d %s", rc.Response.StatusCode(), rc.Response.Body())
				}
			}
			var wecom, webhook string
			for wecom == "" || webhook == "" {
				select {
				case r := <-got:
					wecom, webhook = wecom+r.wecom, webhook+r.webhook
				case <-time.After(30 * time.Second): // a hang guard, not a timing assertion
					t.Fatalf("no alert reached both targets: wecom %q, webhook %q", wecom, webhook)
				}
			}
			if !strings.HasPrefix(wecom, "### 知意告警 · "+c.want+"\n") {
				t.Errorf("the robot's message does not name the shop %s:\n%s", c.want, wecom)
			}
			var p struct {
				Shop   string            `json:"shop"`
				Alerts []json.RawMessage `json:"alerts"`
			}
			if err := json.Unmarshal([]byte(webhook), &p); err != nil || p.Shop != c.want || len(p.Alerts) == 0 {
				t.Errorf("webhook payload %s (%v): want shop %q", webhook, err, c.want)
			}
		})
	}
}

// The weekly report of each shop goes to the agency's one robot: its heading names the shop
// (the alerts file's shop:), where every shop's read "### 知意客服报告 2026-11-02 – 2026-11-03".
func TestReportSendNamesTheShop(t *testing.T) {
	dir := t.TempDir()
	writeLog(t, dir)
	got := make(chan string, 2)
	robot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var msg struct {
			Markdown struct {
				Content string `json:"content"`
			} `json:"markdown"`
		}
		body, _ := io.ReadAll(r.Body)
		json.Unmarshal(body, &msg)
		got <- msg.Markdown.Content
		io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
	}))
	defer robot.Close()
	file := filepath.Join(t.TempDir(), "alerts.yaml")
	if err := os.WriteFile(file, []byte("shop: 速联宽带\ntargets:\n  robot: {type: wecom, url: \""+robot.URL+"/cgi-bin/webhook/send?key=k2\"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "", "report", "--data-dir", dir, "--since", "2026-11-02", "--until", "2026-11-04", "--send", "--alerts", file)
	if code != 0 {
		t.Fatalf("report --send: exit %d\n%s", code, stderr)
	}
	if md := <-got; !strings.HasPrefix(md, "### 知意客服报告 · 速联宽带 2026-11-02 – 2026-11-03\n") {
		t.Errorf("the report does not name its shop:\n%s", md)
	}
}
