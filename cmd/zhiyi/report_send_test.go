package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/board"
	"github.com/zhiyi-ai/zhiyi/internal/period"
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

// TestBoardLinkUntilNow: a report of --since 7d without --until links to 看板 for the week up to
// when it was made. The link said until=0001-01-01T00:00:00Z, which 看板 reads as no time and
// replaces by its own now, with a warning.
func TestBoardLinkUntilNow(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, board.CST)
	q := board.Query{Since: now.AddDate(0, 0, -7), Now: now}
	link, err := boardLink("https://shop.example.com", q)
	if err != nil {
		t.Fatal(err)
	}
	if want := "until=2026-12-07T09%3A00%3A00%2B08%3A00"; !strings.Contains(link, want) {
		t.Errorf("boardLink = %s, want %s", link, want)
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

// A target that refuses the report costs neither the page nor the printed report: the cron
// job's output and --html still have the week, and the error names the target.
func TestReportSendRefusedKeepsThePage(t *testing.T) {
	dir := t.TempDir()
	writeLog(t, dir)
	robot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"errcode":93000,"errmsg":"invalid webhook url"}`)
	}))
	defer robot.Close()
	page := filepath.Join(t.TempDir(), "board.html")
	code, stdout, stderr := runCLI(t, "", "report", "--data-dir", dir, "--since", "2026-11-02", "--until", "2026-11-04",
		"--send", "--alert-wecom", robot.URL+"/cgi-bin/webhook/send?key=bad", "--html", page)
	if code == 0 || !strings.Contains(stderr, "target wecom") || !strings.Contains(stderr, "93000") {
		t.Fatalf("exit %d, stderr %q: want a failure naming the robot", code, stderr)
	}
	if !strings.Contains(stdout, "4 messages") {
		t.Errorf("no report printed:\n%s", stdout)
	}
	if _, err := os.Stat(page); err != nil {
		t.Errorf("no page written: %v", err)
	}
}

// A send one target refused says who has the report, and the same command run again sends it
// to the refused alone: the cron line rerun as it was gave the week twice to the inbox or hook
// that had it. --send-to names the targets to send to.
func TestReportSendAgainToTheFailedAlone(t *testing.T) {
	dir := t.TempDir()
	writeLog(t, dir)
	var mu sync.Mutex
	answer := `{"errcode":93000,"errmsg":"invalid webhook url"}`
	robotGot := 0
	robot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if strings.Contains(answer, `"errcode":0`) {
			robotGot++
		}
		io.WriteString(w, answer)
	}))
	defer robot.Close()
	hookGot := 0
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hookGot++
		mu.Unlock()
	}))
	defer hook.Close()
	args := []string{"report", "--data-dir", dir, "--since", "2026-11-02", "--until", "2026-11-04", "--send",
		"--alert-wecom", robot.URL + "/cgi-bin/webhook/send?key=k", "--alert-webhook", hook.URL}
	code, _, stderr := runCLI(t, "", args...)
	if want := "webhook has the report; run the same command again to send it to wecom alone"; code == 0 || !strings.Contains(stderr, want) {
		t.Fatalf("exit %d, stderr %q: want a failure saying %q", code, stderr, want)
	}
	mu.Lock()
	answer = `{"errcode":0,"errmsg":"ok"}`
	mu.Unlock()
	code, _, stderr = runCLI(t, "", args...)
	if code != 0 || !strings.Contains(stderr, "sent the report to wecom\n") || !strings.Contains(stderr, "webhook has had the report since") {
		t.Fatalf("the same command again: exit %d, stderr %q", code, stderr)
	}
	mu.Lock()
	if robotGot != 1 || hookGot != 1 {
		t.Errorf("the robot got %d reports and the webhook %d: want one each", robotGot, hookGot)
	}
	mu.Unlock()
	// both have it: a third run sends nothing; --resend --send-to sends to the one named again
	if code, _, stderr := runCLI(t, "", args...); code != 0 || strings.Contains(stderr, "sent the report") {
		t.Errorf("a third run: exit %d, stderr %q; want nothing sent", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", append(args, "--send-to", "webhook", "--resend")...); code != 0 || !strings.Contains(stderr, "sent the report to webhook\n") {
		t.Errorf("--send-to webhook --resend: exit %d, stderr %q", code, stderr)
	}
	mu.Lock()
	if robotGot != 1 || hookGot != 2 {
		t.Errorf("after --resend: the robot got %d reports and the webhook %d: want 1 and 2", robotGot, hookGot)
	}
	mu.Unlock()
	if code, _, stderr := runCLI(t, "", append(args, "--send-to", "robot")...); code == 0 || !strings.Contains(stderr, "--send-to robot: no target of that name (the targets: webhook, wecom)") {
		t.Errorf("--send-to robot: exit %d, stderr %q", code, stderr)
	}
}

// Two replicas' Monday cron jobs on one log send the week once: the robot got it from each.
func TestReportSendOnceFromTwoRuns(t *testing.T) {
	dir := t.TempDir()
	writeLog(t, dir)
	var mu sync.Mutex
	got := 0
	robot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got++
		mu.Unlock()
		time.Sleep(50 * time.Millisecond) // the other run reads the claim while this one sends
		io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
	}))
	defer robot.Close()
	args := []string{"report", "--data-dir", dir, "--since", "2026-11-02", "--until", "2026-11-04", "--send",
		"--alert-wecom", robot.URL + "/cgi-bin/webhook/send?key=k"}
	var wg sync.WaitGroup
	codes := make([]int, 4)
	for i := range codes {
		wg.Go(func() { codes[i], _, _ = runCLI(t, "", args...) })
	}
	wg.Wait()
	for i, code := range codes {
		if code != 0 {
			t.Errorf("run %d: exit %d", i, code)
		}
	}
	if got != 1 {
		t.Errorf("the robot got the report %d times from %d runs, want once", got, len(codes))
	}
}

// --last-week is the week a Monday cron job reports, China's Monday to Monday, with no date(1)
// in the cron line to read the server's zone; it and --since/--until are one or the other.
func TestReportLastWeek(t *testing.T) {
	dir := t.TempDir()
	writeLog(t, dir)
	header := func(now time.Time) string {
		since, until := period.LastWeek(now)
		return since.Format("2006-01-02 15:04") + " – " + until.Format("2006-01-02 15:04") + " (CST)"
	}
	before := header(time.Now())
	code, stdout, stderr := runCLI(t, "", "report", "--data-dir", dir, "--last-week")
	if code != 0 || !(strings.HasPrefix(stdout, before) || strings.HasPrefix(stdout, header(time.Now()))) {
		t.Errorf("--last-week: exit %d, stderr %q, stdout starts %.60q: want %q", code, stderr, stdout, before)
	}
	code, _, stderr = runCLI(t, "", "report", "--data-dir", dir, "--last-week", "--since", "2026-11-02")
	if want := "--last-week is the period: give it or --since/--until, not both"; code == 0 || !strings.Contains(stderr, want) {
		t.Errorf("--last-week with --since: exit %d, stderr %q; want %q", code, stderr, want)
	}
}

// A webhook's payload names the report's period: a receiver whose answer timed out (the
// command failed, so the job is run again) may have taken it, and drops the second by its id.
func TestReportSendWebhookID(t *testing.T) {
	dir := t.TempDir()
	writeLog(t, dir)
	ids := make(chan string, 2)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p struct{ ID string }
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			t.Error(err)
		}
		ids <- p.ID
	}))
	defer hook.Close()
	for _, again := range []string{"--send", "--resend"} { // sent again as if the first answer had timed out
		if code, _, stderr := runCLI(t, "", "report", "--data-dir", dir, "--since", "2026-11-02", "--until", "2026-11-04", "--send", again, "--alert-webhook", hook.URL); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	}
	const want = "report:2026-11-02T00:00:00+08:00/2026-11-04T00:00:00+08:00"
	if a, b := <-ids, <-ids; a != want || b != want {
		t.Errorf("ids %q and %q, want %q for both", a, b, want)
	}
}
