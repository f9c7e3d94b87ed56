package reply

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/train"
)

// Repeats and fallbacks: a need asked again after an automatic answer, and turns not understood.

func TestRepeatEscalates(t *testing.T) {
	t.Run("a topic intent", func(t *testing.T) { testRepeatEscalates(t, tinyEngine) })
	// A one-off question never becomes a conversation's topic; asked again, it is a repeat all
	// the same.
	p := tinyEngine.Policy()
	p.Context.Intents = []string{"return_goods"}
	t.Run("not a topic intent", func(t *testing.T) { testRepeatEscalates(t, tinyEngine.WithPolicy(p)) })
}

func testRepeatEscalates(t *testing.T, eng *intent.Engine) {
	r, c, set := newReplier(t, Config{})
	msgs := []string{"什么时候发货", "到底什么时候发货", "什么时候发货啊 多久能发出"}
	want := []struct {
		route      intent.Route
		repeat     bool
		escalation string
	}{{intent.RouteAuto, false, ""}, {intent.RouteSuggest, true, escalateRepeat}, {intent.RouteHandoff, true, escalateRepeat}}
	for i, m := range msgs {
		d, _ := sendTo(t, r, eng, intent.Request{Text: m, MsgID: fmt.Sprint("m", i), SenderID: "wmA", Channel: "wecom"})
		res := d.Result
		if res.Intent != "shipping_time" {
			t.Fatalf("%s: intent %s, the test needs shipping_time", m, res.Intent)
		}
		if res.Route != want[i].route || res.Context.Repeat != want[i].repeat || res.Context.Escalation != want[i].escalation {
			t.Errorf("turn %d %s: route %s, context %+v; want %+v", i+1, m, res.Route, *res.Context, want[i])
		}
		c.t = c.t.Add(time.Minute)
	}
	if n := counter(set, "zhiyi_repeats_total"); n != 2 {
		t.Errorf("zhiyi_repeats_total %d, want 2", n)
	}
	// After the window, the same question is a new one.
	c.t = c.t.Add(time.Hour)
	d, _ := sendTo(t, r, eng, intent.Request{Text: "什么时候发货", MsgID: "later", SenderID: "wmA", Channel: "wecom"})
	if d.Result.Context.Repeat {
		t.Errorf("an hour later: %+v, want no repeat", *d.Result.Context)
	}
}

func TestFallbacksHandOff(t *testing.T) {
	r, _, _ := newReplier(t, Config{})
	var routes []intent.Route
	var esc []string
	for i, m := range []string{"讲个笑话吧", "今天天气怎么样"} {
		d, _ := send(t, r, intent.Request{Text: m, MsgID: fmt.Sprint("f", i), ChatID: "room", Channel: "kf"})
		if d.Result.Intent != intent.NoneIntent && d.Result.Confidence >= tinyEngine.Policy().Suggest {
			t.Fatalf("%s: %s %.2f, the test needs a fallback", m, d.Result.Intent, d.Result.Confidence)
		}
		routes = append(routes, d.Result.Route)
		esc = append(esc, d.Result.Context.Escalation)
	}
	if routes[1] != intent.RouteHandoff || esc[0] != "" || esc[1] != escalateFallbacks {
		t.Errorf("routes %v, escalations %q: the second fallback in a row hands off", routes, esc)
	}
}

func TestFollowUpIsNoRepeat(t *testing.T) {
	r, _, _ := newReplier(t, Config{})
	send(t, r, intent.Request{Text: "什么时候发货", MsgID: "f1", SenderID: "wmF"})
	d, _ := send(t, r, intent.Request{Text: "多久能发出", MsgID: "f2", SenderID: "wmF"})
	if d.Result.Intent != "shipping_time" {
		t.Fatalf("intent %s, the test needs shipping_time", d.Result.Intent)
	}
	if d.Result.Context.Repeat {
		t.Errorf("a follow-up worded differently counted as a repeat: %+v", *d.Result.Context)
	}
	for _, tc := range []struct {
		a, b string
		min  float64
	}{{"什么时候发货", "到底什么时候发货", 0.7}, {"什么时候发货", "多久能发出", 0}, {"", "a", 0}} {
		if s := similarity(tc.a, tc.b); s < tc.min || tc.min == 0 && s != 0 {
			t.Errorf("similarity(%q, %q) = %.2f", tc.a, tc.b, s)
		}
	}
}

// The same answer a third time in a row is a repeat however the customer words it: a
// follow-up it covers once is fine, but 还是不行 after two of the same answers means it did not
// help — suggested, then handed off.
func TestSameAnswerAgainIsARepeat(t *testing.T) {
	r, _, _ := newReplier(t, Config{})
	msgs := []string{"什么时候发货", "多久能发出", "几天能发", "几天能发出"}
	want := []intent.Route{intent.RouteAuto, intent.RouteAuto, intent.RouteSuggest, intent.RouteHandoff}
	for i, m := range msgs {
		d, _ := send(t, r, intent.Request{Text: m, MsgID: fmt.Sprint("s", i), SenderID: "wmS"})
		if d.Result.Intent != "shipping_time" || d.Result.Route == intent.RouteAuto && d.Result.Answer == nil {
			t.Fatalf("%s: intent %s, the test needs shipping_time answered", m, d.Result.Intent)
		}
		if d.Result.Route != want[i] || d.Result.Context.Repeat != (i >= 2) {
			t.Errorf("turn %d %s: route %s, context %+v; want %s", i+1, m, d.Result.Route, *d.Result.Context, want[i])
		}
	}
}

// TestThanksAgainIsNoRepeat: thanks said again after an automatic answer asks for nothing, so it
// neither counts as a repeat nor hands the customer to a person (on the sample shop, 好的谢谢,
// 谢谢亲, 好的 谢谢啦 went auto, suggest, handoff "asked a second time").
func TestThanksAgainIsNoRepeat(t *testing.T) {
	eng := thanksEngine(t)
	r, c, set := newReplier(t, Config{})
	for i, m := range []string{"好的谢谢", "谢谢亲", "好的 谢谢啦", "谢谢"} {
		d, _ := sendTo(t, r, eng, intent.Request{Text: m, MsgID: fmt.Sprint("t", i), SenderID: "wmT", Channel: "wecom"})
		res := d.Result
		if i == 0 && (res.Route != intent.RouteAuto || res.Intent != "thanks_goodbye") {
			t.Fatalf("%s: %s %s %.2f, the test needs thanks_goodbye answered automatically", m, res.Route, res.Intent, res.Confidence)
		}
		if res.Context.Repeat || res.Context.Escalation != "" || res.Route == intent.RouteHandoff {
			t.Errorf("turn %d %s: %s %s, context %+v; want no repeat and no escalation", i+1, m, res.Route, res.Intent, *res.Context)
		}
		c.t = c.t.Add(time.Minute)
	}
	if n := counter(set, "zhiyi_repeats_total"); n != 0 {
		t.Errorf("zhiyi_repeats_total %d, want 0", n)
	}
	// A thanks beside a need is a repeat as the need alone is.
	r2, c2, _ := newReplier(t, Config{})
	var last *Decision
	for i, m := range []string{"什么时候发货", "谢谢 到底什么时候发货", "什么时候发货啊 谢谢"} {
		last, _ = sendTo(t, r2, eng, intent.Request{Text: m, MsgID: fmt.Sprint("n", i), SenderID: "wmN", Channel: "wecom"})
		c2.t = c2.t.Add(time.Minute)
	}
	if !last.Result.Context.Repeat {
		t.Errorf("a need asked again with a thanks: %s, context %+v; want a repeat", last.Result.Route, *last.Result.Context)
	}
}

// thanksEngine is the tiny shop with a thanks intent (the tiny shop has none; the sample shop
// has one but takes minutes to train under the race detector), trained into a temporary
// directory, with the tests' fixed thresholds.
func thanksEngine(t *testing.T) *intent.Engine {
	t.Helper()
	tiny := filepath.Join("..", "intent", "testdata", "shop")
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "shop"), os.DirFS(tiny)); err != nil {
		t.Fatal(err)
	}
	kb, err := os.ReadFile(filepath.Join(tiny, "kb.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	kb = append(kb, []byte(`  - id: thanks_goodbye
    label: 感谢再见
    category: 咨询
    priority: 3
    examples:
      - 谢谢
      - 好的谢谢
    answers:
      - id: thanks_goodbye.a
        text: 不客气哦亲～有任何问题随时找我。
`)...)
	data, err := os.ReadFile(filepath.Join(tiny, "data.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.Write(data)
	i := 0
	for _, pre := range []string{"", "好的 ", "嗯嗯 ", "亲 ", "ok "} {
		for _, core := range []string{"谢谢", "谢谢亲", "多谢", "谢谢啦", "谢谢你们", "感谢", "太感谢了", "谢了", "非常感谢"} {
			fmt.Fprintf(&b, "{\"text\":%q,\"intent\":\"thanks_goodbye\",\"sent_at\":%d}\n", pre+core, 1785718800000+int64(i)*20_000_000)
			i++
		}
	}
	shop := filepath.Join(dir, "shop")
	for name, content := range map[string][]byte{"kb.yaml": kb, "data.jsonl": []byte(b.String())} {
		if err := os.WriteFile(filepath.Join(shop, name), content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := train.DefaultConfig()
	cfg.Data = []string{filepath.Join(shop, "data.jsonl")}
	cfg.KB = filepath.Join(shop, "kb.yaml")
	cfg.DictDir = filepath.Join(shop, "dict")
	cfg.Out = filepath.Join(dir, "model")
	cfg.DevDays = 7
	cfg.Progress = io.Discard
	if _, err := train.Run(t.Context(), cfg); err != nil {
		t.Fatal(err)
	}
	eng, err := intent.Load(t.Context(), cfg.Out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	p := eng.Policy()
	p.Auto, p.AutoByIntent, p.Suggest = 0.5, nil, 0.2
	return eng.WithPolicy(p)
}

// TestLateMessageMovesNothing sends a message whose sent_at is older than the conversation's
// newest turn (a gateway retrying one that failed after those that followed it went through):
// it is decided in context, but the conversation goes on from its newest turn. It took the
// topic from the newer message, was "asked again" of an answer sent after it, and counted in
// the fallbacks of turns sent after it.
func TestLateMessageMovesNothing(t *testing.T) {
	r, c, _ := newReplier(t, Config{})
	base := c.t
	req := func(id, text string, sent time.Duration) intent.Request {
		if arrived := base.Add(sent + time.Second); arrived.After(c.t) {
			c.t = arrived // the server's clock when it arrives: a late message arrives after the newer
		}
		return intent.Request{Text: text, MsgID: id, SenderID: "wmL", Channel: "wecom", SentAt: base.Add(sent).UnixMilli()}
	}
	send(t, r, req("l1", "东西不要了怎么寄回去", 0))
	d, _ := send(t, r, req("l0", "什么时候发货", -30*time.Second))
	if d.Result.Intent != "shipping_time" || d.Result.Context.ActiveIntent != "return_goods" {
		t.Errorf("late message: %s, context %+v; want shipping_time, the topic still return_goods", d.Result.Intent, *d.Result.Context)
	}
	d, _ = send(t, r, req("l2", "好的", 10*time.Second))
	if d.Result.Context.ActiveIntent != "return_goods" {
		t.Errorf("after the late message: context %+v, want the newest turn's topic return_goods", *d.Result.Context)
	}

	send(t, r, req("r1", "什么时候发货", time.Minute))
	d, _ = send(t, r, req("r0", "什么时候发货", 40*time.Second))
	if d.Result.Context.Repeat || d.Result.Route != intent.RouteAuto {
		t.Errorf("sent before the answer it would repeat: route %s, context %+v; want auto, no repeat", d.Result.Route, *d.Result.Context)
	}

	send(t, r, req("f1", "东西不要了怎么寄回去", 2*time.Minute))
	d, _ = send(t, r, req("f0", "讲个笑话吧", 90*time.Second))
	if d.Result.Intent != intent.NoneIntent && d.Result.Confidence >= tinyEngine.Policy().Suggest {
		t.Fatalf("%s %.2f, the test needs a fallback", d.Result.Intent, d.Result.Confidence)
	}
	d, _ = send(t, r, req("f2", "今天天气怎么样", 3*time.Minute))
	if d.Result.Context.Escalation != "" {
		t.Errorf("one fallback after an understood turn, and a late one before it: context %+v, want no escalation", *d.Result.Context)
	}

	// The message after a late one goes on from the newest turn, not from the late one: the
	// same need asked again after its automatic answer is a repeat (the late message was the
	// conversation's last turn, of another intent, and ended the run).
	send(t, r, req("p1", "什么时候发货", 5*time.Minute))
	send(t, r, req("p0", "东西不要了怎么寄回去", 5*time.Minute-30*time.Second))
	d, _ = send(t, r, req("p2", "什么时候发货", 5*time.Minute+20*time.Second))
	if !d.Result.Context.Repeat {
		t.Errorf("asked again after its automatic answer, a late message between: context %+v, want a repeat", *d.Result.Context)
	}

	// A turn sent in the server's future (a gateway's clock eight hours ahead) makes no
	// message after it late: the conversation would keep its topic until the clock caught up.
	ahead := intent.Request{Text: "东西不要了怎么寄回去", MsgID: "z1", SenderID: "wmZ", Channel: "wecom", SentAt: c.t.Add(8 * time.Hour).UnixMilli()}
	send(t, r, ahead)
	d, _ = send(t, r, intent.Request{Text: "什么时候发货", MsgID: "z2", SenderID: "wmZ", Channel: "wecom"})
	if d.Result.Context.ActiveIntent != "shipping_time" {
		t.Errorf("after a turn stamped in the future: context %+v, want the topic shipping_time", *d.Result.Context)
	}
}

// TestKfAccountsAreTwoConversations sends one 微信客服 customer's messages to two of the shop's
// accounts (售前, 售后): two conversations, as WeCom keeps them and as training groups the
// exports (open_kfid|external_userid). Keyed by the customer alone they were one, and the
// second account's first message followed the first account's topic.
func TestKfAccountsAreTwoConversations(t *testing.T) {
	r, _, _ := newReplier(t, Config{})
	send(t, r, intent.Request{Text: "东西不要了怎么寄回去", MsgID: "k1", SenderID: "wmK", OpenKfID: "wkPRESALE", Channel: "kf"})
	d, _ := send(t, r, intent.Request{Text: "好的", MsgID: "k2", SenderID: "wmK", OpenKfID: "wkAFTERSALE", Channel: "kf"})
	if c := d.Result.Context; c.Turn != 1 || c.ActiveIntent == "return_goods" {
		t.Errorf("another account's first message: context %+v, want turn 1 without the other's topic", *c)
	}
	d, _ = send(t, r, intent.Request{Text: "好的", MsgID: "k3", SenderID: "wmK", OpenKfID: "wkPRESALE", Channel: "kf"})
	if c := d.Result.Context; c.Turn != 2 || c.ActiveIntent != "return_goods" {
		t.Errorf("back to the first account: context %+v, want turn 2 about return_goods", *c)
	}
}
