package console

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/store"
)

// TestBrowser drives Debian's chromium (headless, through chromedp) against a real serve.Server
// with the console, a SQLite decision log and the tiny bundle: sign in, test a message, label a
// cluster and see it stored, edit a rule and see /intent's answer change, and open every page
// without an error in the browser's console. It skips only when chromium is not installed.
func TestBrowser(t *testing.T) {
	tiny, _ := trained(t)
	b := newBrowser(t, 1280, 900)
	s := newStack(t, stackOpt{bundle: tiny, rulesFile: []byte(testRules)})

	// Traffic the model does not place: questions about coupons it has never seen.
	coupon := []string{"优惠券怎么用", "优惠券怎么领", "优惠券在哪里领", "领的优惠券怎么用不了", "优惠券能叠加吗"}
	for i, text := range coupon {
		s.intent(intent.Request{Text: text, MsgID: "coupon-" + string(rune('a'+i)), SenderID: "wmCustomer" + string(rune('a'+i)), Channel: "wecom"})
	}
	before := s.intent(intent.Request{Text: "优惠券怎么用不了了"})
	if before.Rule != "" {
		t.Fatalf("a rule answers coupons before the edit: %+v", before)
	}
	if err := s.rec.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	logged := 0
	if err := s.db.Decisions(context.Background(), store.Query{}, func(*store.Decision) error { logged++; return nil }); err != nil {
		t.Fatal(err)
	}

	// Sign in.
	b.login(t, s.base, "小王")

	// 测试模式: a complaint meets the rule; nothing is recorded.
	b.do(t, "type a message", chromedp.SetValue(chromedp.CSS(`#test-form textarea[name="text"]`), "我要投诉，发货太慢了"))
	b.submit(t, "test the message", `#test-form button`)
	b.do(t, "see the result", chromedp.WaitVisible(chromedp.CSS("#test-result")))
	if got := b.text(t, "#result-rule"); got != "complaint" {
		t.Errorf("test mode: rule %q, want complaint", got)
	}
	if got := b.text(t, "#result-route"); got != "handoff" {
		t.Errorf("test mode: route %q, want handoff", got)
	}
	if got := b.text(t, "#result-answer"); got != "已为您加急转接客服主管。" {
		t.Errorf("test mode: answer %q", got)
	}

	// 未识别: the coupon questions form a cluster; label it as a new intent in one action.
	b.do(t, "open 未识别", chromedp.Navigate(s.base+"/console/unmatched?since=24h"), chromedp.WaitVisible(chromedp.CSS(".cluster")))
	const couponCluster = `//div[contains(@class,"cluster")][.//li[contains(., "优惠券")]]`
	button, err := chromedp.Run(b.ctx, chromedp.Text(couponCluster+`//button`))
	if err != nil {
		t.Fatal(err)
	}
	var size int
	if _, err := fmt.Sscanf(strings.TrimSpace(button), "标注整组（%d 条）", &size); err != nil || size < 2 {
		t.Fatalf("the coupon cluster's button says %q", button)
	}
	b.do(t, "name the new intent", chromedp.SetValue(couponCluster+`//input[@name="new_label"]`, "优惠券"))
	b.submit(t, "label the cluster", couponCluster+`//button`)
	b.do(t, "see it saved", chromedp.WaitVisible(`//p[contains(@class,"flash") and contains(., "已将聚类")]`))
	if got := b.text(t, "#recent-labels"); !strings.Contains(got, "new:优惠券") || !strings.Contains(got, "小王") {
		t.Errorf("recent labels: %q", got)
	}
	var labels []store.Label
	if err := s.db.Labels(context.Background(), store.LabelQuery{Source: SourceCluster}, func(l *store.Label) error {
		labels = append(labels, *l)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(labels) != size {
		t.Fatalf("%d cluster labels stored, want the cluster's %d messages", len(labels), size)
	}
	for _, l := range labels {
		if l.Intent != "new:优惠券" || l.By != "小王" || !strings.Contains(l.Text, "优惠券") {
			t.Errorf("stored label %+v", l)
		}
	}

	// 规则与答案: add a rule in the editor, save; /intent answers with it at once.
	b.do(t, "open 规则与答案", chromedp.Navigate(s.base+"/console/rules"), chromedp.WaitVisible(chromedp.CSS("#rules-save")))
	content, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(`#rules-save textarea`)))
	if err != nil {
		t.Fatal(err)
	}
	content += "  - id: coupon\n    comment: 优惠券使用说明\n    match:\n      text:\n        contains: [优惠券]\n    action:\n      answer: 亲，优惠券在「我的-卡券」里查看，下单时自动抵扣～\n"
	b.do(t, "edit the rules", chromedp.SetValue(chromedp.CSS(`#rules-save textarea`), content))
	b.submit(t, "save the rules", `#rules-save button`)
	b.do(t, "see them saved", chromedp.WaitVisible(`//p[contains(@class,"flash") and contains(., "规则已保存")]`))
	after := s.intent(intent.Request{Text: "优惠券怎么用不了了"})
	if after.Rule != "coupon" || after.Answer == nil || after.Answer.Text != "亲，优惠券在「我的-卡券」里查看，下单时自动抵扣～" {
		t.Fatalf("/intent after the edit: rule %q, answer %+v", after.Rule, after.Answer)
	}
	b.do(t, "test the rule", chromedp.SetValue(chromedp.CSS(`#rules-test input[name="text"]`), "领的优惠券呢"))
	b.submit(t, "run the rule test", `#rules-test button`)
	if got := b.text(t, "#rules-hit"); !strings.Contains(got, "命中规则 coupon") {
		t.Errorf("rule test box: %q", got)
	}

	// 数据删除: a look at a customer's records deletes nothing and asks nothing.
	b.do(t, "open 数据删除", chromedp.Navigate(s.base+"/console/forget"), chromedp.WaitVisible(chromedp.CSS("form.forget")))
	b.do(t, "name the customer", chromedp.SetValue(chromedp.CSS(`form.forget input[name="sender_id"]`), "wmCustomera"))
	b.submit(t, "look at their records", `form.forget button[value="preview"]`)
	b.do(t, "see them", chromedp.WaitVisible(`//p[contains(., "共 1 条")]`))

	// Every page opens without an error.
	for path, title := range map[string]string{"/console/test": "测试模式", "/console/unmatched": "未识别", "/console/corrections": "错判案例",
		"/console/rules": "规则与答案", "/console/experiments": "实验", "/console/board": "看板", "/console/models": "模型",
		"/console/forget": "数据删除"} {
		b.do(t, "open "+path, chromedp.Navigate(s.base+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
		if got := b.text(t, "main h1"); got != title {
			t.Errorf("%s: heading %q, want %q", path, got, title)
		}
	}
	time.Sleep(100 * time.Millisecond) // the last page's log entries
	if errs := b.errors(); len(errs) > 0 {
		t.Errorf("the browser reported errors:\n%s", strings.Join(errs, "\n"))
	}

	// The console's tests never reached the decision log.
	if err := s.rec.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := s.db.Decisions(context.Background(), store.Query{}, func(*store.Decision) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != logged+1 { // the one /intent after the edit
		t.Errorf("%d decisions logged, want %d: the console's tests were recorded", n, logged+1)
	}
}
