package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A weekly cron job sends the report where the alerts go: the robot named in the environment
// zhiyi serve alerts with gets the period's numbers, the week before beside them, and a link to
// the console's 看板 for the same period.
func TestReportSend(t *testing.T) {
	dir := t.TempDir()
	writeLog(t, dir)
	got := make(chan string, 2)
	robot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var msg struct {
			MsgType  string `json:"msgtype"`
			Markdown struct {
				Content string `json:"content"`
			} `json:"markdown"`
		}
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &msg); err != nil || msg.MsgType != "markdown" {
			t.Errorf("robot got %s (%v)", body, err)
		}
		got <- msg.Markdown.Content
		io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
	}))
	defer robot.Close()
	t.Setenv("ZHIYI_ALERT_WECOM", robot.URL+"/cgi-bin/webhook/send?key=k1")
	code, stdout, stderr := runCLI(t, "", "report", "--data-dir", dir, "--since", "2026-11-02", "--until", "2026-11-04",
		"--compare", "--send", "--console-url", "https://shop.example.com/zhiyi/")
	if code != 0 {
		t.Fatalf("report --send: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "sent the report to wecom") || !strings.Contains(stdout, "4 messages") {
		t.Errorf("stderr %q, stdout %q: want the text printed and the sending said", stderr, stdout)
	}
	md := <-got
	for _, want := range []string{
		"### 知意客服报告 2026-11-02 – 2026-11-03\n",
		"消息 **4** 条",
		"未识别 **25%**",
		"**与上一周期相比**",
		"(https://shop.example.com/zhiyi/console/board?since=2026-11-02T00%3A00%3A00%2B08%3A00&until=2026-11-04T00%3A00%3A00%2B08%3A00)",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the message lacks %q:\n%s", want, md)
		}
	}
}

func TestReportSendErrors(t *testing.T) {
	dir := t.TempDir()
	writeLog(t, dir)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--console-url", "https://shop.example.com"}, "--console-url is the link in a sent report: give --send too"},
		{[]string{"--send"}, "no targets"},
		{[]string{"--send", "--alert-wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"}, "no key parameter"},
		{[]string{"--send", "--alert-wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "--console-url", "shop.example.com"}, "--console-url \"shop.example.com\": want the console's address"},
	} {
		code, _, stderr := runCLI(t, "", append([]string{"report", "--data-dir", dir}, tt.args...)...)
		if code == 0 || !strings.Contains(stderr, tt.want) {
			t.Errorf("report %v: exit %d, stderr %q; want an error with %q", tt.args, code, stderr, tt.want)
		}
	}
}
