package console

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
	"github.com/zhiyi-ai/zhiyi/learn"
	"github.com/zhiyi-ai/zhiyi/session"
	"github.com/zhiyi-ai/zhiyi/store"
	"github.com/zhiyi-ai/zhiyi/train"
)

// TestScreenshots writes a PNG of every page into the directory $ZHIYI_CONSOLE_SCREENSHOTS
// (the repository keeps them in docs/console), from a run against the sample shop: its bundle,
// rules and experiments, a week of its holdout messages as history in the decision log with
// simulated ratings and agents' corrections, the rest sent live through /intent, a version
// learnt from the corrections, and a real alerter. Each page is taken twice: name.png at the
// desktop size (1280 wide) and name-phone.png on the phone (emulatePhone), its first two
// screens (phoneShotMax; raise it to see whole pages). Run it with
//
//	ZHIYI_CONSOLE_SCREENSHOTS=$PWD/docs/console go test -run TestScreenshots ./console/
//
// docs/console keeps the desktop shots and two of the phone's (board, unmatched); the other
// phone shots are for looking at. It needs chromium and, for the Chinese text, a CJK font
// (fonts-wqy-microhei).
func TestScreenshots(t *testing.T) {
	out := os.Getenv("ZHIYI_CONSOLE_SCREENSHOTS")
	if out == "" {
		t.Skip("set ZHIYI_CONSOLE_SCREENSHOTS=DIR to write the console's screenshots")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, 1280, 1000)
	bundle, err := shoptest.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	rulesFile, err := os.ReadFile(shoptest.Path("rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := newStack(t, stackOpt{bundle: bundle, rulesFile: rulesFile, alerts: true,
		experiments: []byte("# 运营的实验设置\nversion: 1\nexclude_senders: [wmBossAccount0001]\n")})
	msgs := holdout(t)
	split := len(msgs) * 3 / 4
	s.history(t, msgs[:split], time.Now().Add(-7*24*time.Hour), time.Now().Add(-time.Hour))
	for i, m := range msgs[split:] { // the last hour, live
		res := s.intent(intent.Request{Text: m.Text, MsgID: fmt.Sprintf("live-%d", i), SenderID: sender(i), Channel: channel(i)})
		if res.Answer != nil && i%3 == 0 {
			s.feedback(map[string]any{"msg_id": res.MsgID, "rating": rating(res.Intent, m.Intent, i)})
		}
	}
	if err := s.rec.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.learnt(t)

	b.login(t, s.base, "运营小王")
	capture := func(name string) {
		t.Helper()
		png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s.png: %d KB", name, len(png)/1024)
	}
	// shot takes the page at the desktop size, the first height pixels of it, then on the phone
	// as much of it as phoneShotMax allows.
	shot := func(name string, height int64) {
		t.Helper()
		b.do(t, "size for "+name, chromedp.EmulateViewport(1280, height))
		capture(name)
		b.do(t, "phone size for "+name, emulatePhone(phoneHeight))
		h, err := chromedp.Run(b.ctx, chromedp.Evaluate[int64](`document.documentElement.scrollHeight`))
		if err != nil {
			t.Fatal(err)
		}
		b.do(t, "phone height for "+name, emulatePhone(min(max(h, phoneHeight), phoneShotMax)))
		capture(name + "-phone")
	}
	b.do(t, "test a message", chromedp.SetValue(chromedp.CSS(`#test-form textarea[name="text"]`), "那运费谁出啊，我的手机号13812345678"),
		chromedp.SetValue(chromedp.CSS(`#test-form textarea[name="history"]`), "东西不要了怎么寄回去"),
		chromedp.SetValue(chromedp.CSS(`#test-form input[name="sender"]`), "wmXiaoLi0001"))
	b.submit(t, "test", `#test-form button`)
	shot("test", 1500)
	for _, p := range []struct {
		path, name string
		height     int64
	}{
		{"/console/unmatched?since=7d", "unmatched", 1300},
		{"/console/corrections?since=30d", "corrections", 1200},
		{"/console/experiments?since=30d", "experiments", 1400},
		{"/console/board?since=7d", "board", 1500},
		{"/console/models", "models", 900},
	} {
		b.do(t, "open "+p.path, chromedp.EmulateViewport(1280, 1000), chromedp.Navigate(s.base+p.path), chromedp.WaitVisible(chromedp.CSS("main h1")))
		shot(p.name, p.height)
	}
	b.do(t, "open 数据删除", chromedp.EmulateViewport(1280, 1000), chromedp.Navigate(s.base+"/console/forget"),
		chromedp.SetValue(chromedp.CSS(`form.forget input[name="sender_id"]`), sender(0)))
	b.submit(t, "look at a customer's records", `form.forget button[value="preview"]`)
	shot("forget", 900)
	b.do(t, "open rules", chromedp.EmulateViewport(1280, 1000), chromedp.Navigate(s.base+"/console/rules"),
		chromedp.SetValue(chromedp.CSS(`#rules-test input[name="text"]`), "我要投诉你们，12315见"))
	b.submit(t, "test a rule", `#rules-test button`)
	shot("rules", 1400)
	b.do(t, "sign out", chromedp.Click(chromedp.CSS(`form[action="/console/logout"] button`)), chromedp.WaitVisible(chromedp.CSS("#login")))
	shot("login", 600)
	if errs := b.errors(); len(errs) > 0 {
		t.Errorf("the browser reported errors: %v", errs)
	}
}

type labelled struct {
	Text   string `json:"text"`
	Intent string `json:"intent"`
}

func holdout(t *testing.T) []labelled {
	f, err := os.Open(shoptest.Path("holdout", "holdout_2026-11.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m labelled
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func sender(i int) string  { return fmt.Sprintf("wmShopper%04d", i%160) }
func channel(i int) string { return []string{"wecom", "kf", "wecom", "mp"}[i%4] }

// rating simulates a customer: a right answer rates 4–5, a wrong one 1–2.
func rating(got, want string, i int) int {
	h := fnv.New32a()
	fmt.Fprint(h, i)
	r := int(h.Sum32() % 100)
	switch {
	case got == want && r < 8:
		return 3 // now and then
	case got == want:
		return 4 + r%2
	}
	return 1 + r%2
}

// history decides msgs as they would have been decided between from and to (spread evenly)
// and writes the decision log's rows as serve does, with simulated feedback: ratings, resolved
// answers and agents' corrections of wrong intents.
func (s *stack) history(t *testing.T, msgs []labelled, from, to time.Time) {
	ctx := context.Background()
	m := s.console.d.Tester(s.console.d.Model(), session.NewMemory(session.MemoryConfig{}))
	step := to.Sub(from) / time.Duration(len(msgs))
	var ds []store.Decision
	var fbs []store.Feedback
	for i, msg := range msgs {
		at := from.Add(time.Duration(i) * step)
		req := intent.Request{Text: msg.Text, MsgID: fmt.Sprintf("h-%d", i), SenderID: sender(i), Channel: channel(i), SentAt: at.UnixMilli()}
		start := time.Now()
		d := m.Decide(ctx, req)
		m.Commit(ctx, d, d.Result.AppendJSON(nil))
		res := d.Result
		row := store.Decision{MsgID: req.MsgID, Time: at, Channel: req.Channel, SenderHash: s.db.Hash(req.SenderID), Text: d.Text(),
			Intent: res.Intent, Confidence: res.Confidence, Route: string(res.Route), Reason: res.Reason, Rule: res.Rule,
			Variant: res.Variant, Model: res.Model, LatencyMicros: time.Since(start).Microseconds()}
		if res.Answer != nil {
			row.AnswerID = res.Answer.ID
		}
		if res.Sentiment != nil {
			row.Sentiment = res.Sentiment.Tag
		}
		if c := res.Context; c != nil {
			row.Turn, row.ActiveIntent, row.Repeat, row.Escalation = c.Turn, c.ActiveIntent, c.Repeat, c.Escalation
		}
		ds = append(ds, row)
		fbAt := at.Add(5 * time.Minute)
		if res.Answer != nil && i%3 != 2 {
			fb := store.Feedback{MsgID: req.MsgID, Rating: rating(res.Intent, msg.Intent, i), Time: fbAt}
			if i%2 == 0 {
				ok := res.Intent == msg.Intent
				fb.Resolved = &ok
			}
			fbs = append(fbs, fb)
		}
		if res.Intent != msg.Intent && msg.Intent != intent.NoneIntent && i%4 != 3 {
			fbs = append(fbs, store.Feedback{MsgID: req.MsgID, CorrectIntent: msg.Intent, AgentID: "zhangsan", Time: fbAt.Add(time.Minute)})
		}
	}
	if _, err := s.db.AppendDecisions(ctx, ds); err != nil {
		t.Fatal(err)
	}
	for _, f := range fbs {
		if err := s.db.AddFeedback(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
}

// learnt promotes a version learnt from the log's corrections (when the gate lets it through)
// and loads it, so that 模型 shows a lineage.
func (s *stack) learnt(t *testing.T) {
	ctx := context.Background()
	fixes, err := learn.Corrections(ctx, s.db, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := learn.Promote(ctx, s.srv.ModelDir(), fixes, train.LearnConfig{})
	if err != nil {
		t.Logf("learn: %v", err)
		return
	}
	t.Logf("learn: %s", res.Reason)
	if res.Promoted {
		if err := s.srv.Reload(ctx, res.Bundle); err != nil {
			t.Fatal(err)
		}
	}
}
