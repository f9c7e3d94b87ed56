package reply

import (
	"fmt"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/experiment"
	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/intent"
)

// TestVariants: two repliers assign a customer the same A/B variant, a gray variant is
// suggested with its placeholders filled, the assignment sticks for the conversation, and in a
// group chat each customer keeps the variant they would have alone.
func TestVariants(t *testing.T) {
	set := shippingExperiment(t, `{id: shipping_time.b, text: "{{nickname|亲}}，马上帮您催仓库，48 小时内一定发出", gray: 72h}`)
	newR := func() *Replier {
		r, _, _ := newReplier(t, Config{Experiments: func() *experiment.Set { return set }})
		return r
	}
	a, b := newR(), newR()
	variants := map[string]int{}
	for i := range 40 {
		sender := fmt.Sprint("wm", i)
		req := intent.Request{Text: "什么时候发货", MsgID: "v" + sender, SenderID: sender, Vars: map[string]string{"nickname": "小王"}}
		da, _ := send(t, a, req)
		db, _ := send(t, b, req)
		ra, rb := da.Result, db.Result
		if ra.Variant != rb.Variant || ra.Answer.ID != rb.Answer.ID {
			t.Fatalf("sender %s: two repliers assign %s and %s", sender, ra.Variant, rb.Variant)
		}
		variants[ra.Variant]++
		switch ra.Variant {
		case "shipping_time.b":
			if ra.Route != intent.RouteSuggest || ra.Answer.Text != "小王，马上帮您催仓库，48 小时内一定发出" {
				t.Errorf("a gray variant: route %s, answer %q; want it suggested, filled", ra.Route, ra.Answer.Text)
			}
		case "shipping_time.a":
			if ra.Route != intent.RouteAuto {
				t.Errorf("the control: route %s, want auto", ra.Route)
			}
		default:
			t.Errorf("variant %q", ra.Variant)
		}
		// the assignment sticks for the conversation
		d2, _ := send(t, a, intent.Request{Text: "什么时候发货啊", MsgID: "w" + sender, SenderID: sender})
		if d2.Result.Variant != ra.Variant {
			t.Errorf("sender %s: second message in variant %s, first in %s", sender, d2.Result.Variant, ra.Variant)
		}
	}
	if variants["shipping_time.a"] < 8 || variants["shipping_time.b"] < 8 {
		t.Errorf("40 senders split %v", variants)
	}
	// In a group chat (one conversation, many customers) each customer keeps their own variant.
	group := newR()
	for i := range 10 {
		sender := fmt.Sprint("wm", i)
		alone, _ := send(t, newR(), intent.Request{Text: "什么时候发货", MsgID: "alone" + sender, SenderID: sender})
		d, _ := send(t, group, intent.Request{Text: "什么时候发货", MsgID: "g" + sender, SenderID: sender, ChatID: "room9"})
		if d.Result.Variant != alone.Result.Variant {
			t.Errorf("sender %s in a group chat: variant %s, alone %s", sender, d.Result.Variant, alone.Result.Variant)
		}
	}
}

// TestGroupVariantsBounded: in a group chat each customer keeps the variant they were given, but
// a busy group, never idle, does not remember every customer it ever had: its state stays
// bounded while the customers speaking now keep theirs.
func TestGroupVariantsBounded(t *testing.T) {
	set := shippingExperiment(t, `{id: shipping_time.b, text: 亲，48 小时内一定发出。}`)
	r, _, _ := newReplier(t, Config{Experiments: func() *experiment.Set { return set }})
	var d *Decision
	for i := range 200 {
		d, _ = send(t, r, intent.Request{Text: "什么时候发货", MsgID: fmt.Sprint("g", i), ChatID: "room", SenderID: fmt.Sprint("wm", i)})
		if d.Result.Variant == "" {
			t.Fatalf("message %d: no variant, the test needs the experiment", i)
		}
	}
	if n := len(d.state.Experiments); n > maxStickyVariants || n == 0 {
		t.Errorf("after 200 customers the group remembers %d variants, want 1–%d", n, maxStickyVariants)
	}
	if _, ok := d.state.Experiments[variantKey("shipping_time", r.hasher.Sender("wm199"))]; !ok {
		t.Errorf("the customer who spoke last lost their variant")
	}
}

// shippingExperiment is an experiment on shipping_time between its control and answerB (a YAML
// flow mapping: the second answer), created and judged at 2026-12-01 10:00 UTC.
func shippingExperiment(t *testing.T, answerB string) *experiment.Set {
	t.Helper()
	kb, err := index.ParseKB([]byte(`shop: t
version: 1
intents:
  - id: shipping_time
    label: 发货时间
    category: 咨询
    priority: 2
    examples: [什么时候发货]
    answers:
      - {id: shipping_time.a, text: 亲，付款后 48 小时内发货。}
      - `+answerB+`
`), "kb.yaml")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	set, err := experiment.New(experiment.Config{KB: kb, Created: now, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// TestEmptyFilledAnswerHandsOff: an answer of placeholders alone ({{faq}}) is the gateway's to
// fill; a request without the var would have been sent an empty answer automatically. It goes to
// a person instead, and with the var it is answered.
func TestEmptyFilledAnswerHandsOff(t *testing.T) {
	set := shippingExperiment(t, `{id: shipping_time.b, text: "{{faq}}"}`)
	sender := senderInB(t, set)
	r, _, _ := newReplier(t, Config{Experiments: func() *experiment.Set { return set }})
	d, _ := send(t, r, intent.Request{Text: "什么时候发货", MsgID: "e1", SenderID: sender})
	if res := d.Result; res.Answer != nil || res.Route != intent.RouteHandoff {
		t.Errorf("no vars: route %s, answer %+v; want a handoff with no answer", res.Route, res.Answer)
	}
	d, _ = send(t, r, intent.Request{Text: "什么时候发货", MsgID: "e2", SenderID: sender, Vars: map[string]string{"faq": "48 小时内发货"}})
	if res := d.Result; res.Answer == nil || res.Answer.Text != "48 小时内发货" || res.Route != intent.RouteAuto {
		t.Errorf("with the var: route %s, answer %+v; want it filled and sent", res.Route, res.Answer)
	}
}

// senderInB returns a sender the experiment assigns shipping_time.b.
func senderInB(t *testing.T, set *experiment.Set) string {
	t.Helper()
	for i := range 100 {
		if s := fmt.Sprint("wm", i); set.Assign("shipping_time", s).Variant == "shipping_time.b" {
			return s
		}
	}
	t.Fatal("setup: no sender in shipping_time.b")
	return ""
}
