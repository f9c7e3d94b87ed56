package reply

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
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
// 谢谢亲, 好的 谢谢啦 went auto, suggest, handoff "asked a second time"). The tiny shop has no
// thanks intent: this test trains the sample shop (half a minute).
func TestThanksAgainIsNoRepeat(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the sample shop")
	}
	dir, err := shoptest.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(shoptest.Cleanup)
	eng, err := intent.Load(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
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
}

// TestOtherOrderIsNoRepeat: masking makes every order number <ORDER>, so the same question about
// three different orders read as one need asked three times (auto, suggest, then a handoff
// "asked a second time"). Different masked values are different needs; the same order number
// asked about again is a repeat as before.
func TestOtherOrderIsNoRepeat(t *testing.T) {
	r, _, set := newReplier(t, Config{})
	for i, m := range []string{"订单1234567890123什么时候发货", "订单2234567890124什么时候发货", "订单3234567890125什么时候发货"} {
		d, _ := send(t, r, intent.Request{Text: m, MsgID: fmt.Sprint("o", i), SenderID: "wmO"})
		if d.Result.Intent != "shipping_time" || d.Result.Answer == nil {
			t.Fatalf("%s: intent %s, the test needs shipping_time answered", m, d.Result.Intent)
		}
		if d.Result.Route != intent.RouteAuto || d.Result.Context.Repeat || d.Result.Context.Escalation != "" {
			t.Errorf("turn %d %s: route %s, context %+v; want auto, no repeat: another order", i+1, m, d.Result.Route, *d.Result.Context)
		}
	}
	if n := counter(set, "zhiyi_repeats_total"); n != 0 {
		t.Errorf("zhiyi_repeats_total %d, want 0", n)
	}
	// The third order again, twice: the same need, escalated as before.
	want := []intent.Route{intent.RouteSuggest, intent.RouteHandoff}
	for i, m := range []string{"订单3234567890125什么时候发货", "订单 3234567890125 到底什么时候发货"} {
		d, _ := send(t, r, intent.Request{Text: m, MsgID: fmt.Sprint("again", i), SenderID: "wmO"})
		if !d.Result.Context.Repeat || d.Result.Route != want[i] {
			t.Errorf("%s again: route %s, context %+v; want a repeat, %s", m, d.Result.Route, *d.Result.Context, want[i])
		}
	}
	// Two orders answered, then a follow-up that names none: not one answer that failed twice.
	for i, m := range []string{"订单1234567890123什么时候发货", "订单2234567890124什么时候发货", "多久能发出"} {
		d, _ := send(t, r, intent.Request{Text: m, MsgID: fmt.Sprint("p", i), SenderID: "wmP"})
		if d.Result.Intent != "shipping_time" || d.Result.Context.Repeat {
			t.Errorf("turn %d %s: intent %s, context %+v; want shipping_time, no repeat", i+1, m, d.Result.Intent, *d.Result.Context)
		}
	}
	// Nothing of the numbers is kept in the conversation.
	st, err := r.cfg.Sessions.Load(context.Background(), conversationKey(intent.Request{SenderID: "wmO"}))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := st.MarshalBinary()
	for _, n := range []string{"1234567890123", "2234567890124", "3234567890125"} {
		if strings.Contains(string(b), n) {
			t.Errorf("the stored conversation holds %s", n)
		}
	}
}
