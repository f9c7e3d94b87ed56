package reply

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/experiment"
	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/rules"
)

// TestRetryNotKeptAutoOnlyWithItsAnswer: the first decision answered automatically with
// shipping_time's answer; before WeCom's retry (its response not kept: the vars hold a phone
// number) the operator starts a gray release of a new answer. The retry is given the gray answer,
// which is only suggested ("an agent checks it first"); restoring the first decision's automatic
// route because the intent was the same sent the unreviewed gray answer to the customer.
func TestRetryNotKeptAutoOnlyWithItsAnswer(t *testing.T) {
	set := shippingExperiment(t, `{id: shipping_time.b, text: "亲，马上帮您催仓库，48 小时内一定发出", gray: 72h}`)
	sender := senderInB(t, set)
	var cur atomic.Pointer[experiment.Set]
	r, _, _ := newReplier(t, Config{Experiments: func() *experiment.Set { return cur.Load() }})
	req := intent.Request{Text: "什么时候发货", MsgID: "m1", SenderID: sender, Channel: "wecom",
		Vars: map[string]string{"mobile": "13912345678"}}
	first, _ := send(t, r, req)
	if first.Result.Route != intent.RouteAuto || first.Result.Answer == nil {
		t.Fatalf("setup: first decision %s", first.Result.Route)
	}
	firstAnswer := first.Result.Answer.ID
	cur.Store(set) // the gray release starts
	retry, _ := send(t, r, req)
	if !retry.Retry || retry.Replay != "" {
		t.Fatalf("setup: retry %v, replayed %v", retry.Retry, retry.Replay != "")
	}
	got := retry.Result
	if got.Route == intent.RouteAuto && got.Answer != nil && got.Answer.ID != firstAnswer {
		t.Errorf("retry sent %q automatically (reason %q); the first decision sent %q, and a gray answer is only suggested",
			got.Answer.ID, got.Reason, firstAnswer)
	}
}

// TestRetryNotKeptDecidedAsFirst: a conversation whose gateway passes a phone number in vars
// keeps no response for retries, so a retry is decided again, without the conversation that
// escalated it the first time. WeCom re-sending the 重述 that was suggested, or the one that was
// handed off (the first response did not reach it), must not answer automatically what
// already failed: it is routed and escalated as the first time.
func TestRetryNotKeptDecidedAsFirst(t *testing.T) {
	r, c, _ := newReplier(t, Config{})
	vars := map[string]string{"mobile": "13912345678"}
	var firsts []*Decision
	var reqs []intent.Request
	for i, m := range []string{"什么时候发货", "到底什么时候发货", "什么时候发货啊 多久能发出"} {
		req := intent.Request{Text: m, MsgID: fmt.Sprint("m", i), SenderID: "wmA", Channel: "wecom", Vars: vars}
		d, _ := send(t, r, req)
		firsts, reqs = append(firsts, d), append(reqs, req)
		c.t = c.t.Add(time.Minute)
	}
	if last := firsts[2].Result; last.Route != intent.RouteHandoff || last.Context.Escalation != escalateRepeat {
		t.Fatalf("setup: third ask %s %+v", last.Route, last.Context)
	}
	for i := range reqs {
		retry, _ := send(t, r, reqs[i])
		if !retry.Retry || retry.Replay != "" {
			t.Fatalf("turn %d: retry %v, replayed %v; want decided again", i+1, retry.Retry, retry.Replay != "")
		}
		got, want := retry.Result, firsts[i].Result
		if got.Context == nil {
			got.Context = &intent.Conversation{}
		}
		if got.Route != want.Route || got.Priority != want.Priority || *got.Context != *want.Context {
			t.Errorf("retry of turn %d: %s priority %d %+v; the first time %s priority %d %+v", i+1,
				got.Route, got.Priority, *got.Context, want.Route, want.Priority, *want.Context)
		}
	}
}

// TestRetryDecidedAgainCountedOnce: a retry whose response was not kept (the vars hold a phone
// number) is decided again, but it is the same message: like its escalation, its tone and the
// rule that decided it are counted once, the first time (zhiyi_sentiment_total,
// zhiyi_rule_hits_total), or the tone's share of messages and the rules' hit counts grow with
// WeCom's re-sends.
func TestRetryDecidedAgainCountedOnce(t *testing.T) {
	set, err := rules.Parse([]byte(`version: 1
rules:
  - id: promo
    match:
      text: {contains: [双11]}
    action: {answer: "{{nickname|亲}}，双11 每满 300 减 50"}
`), "rules.yaml", rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, _, met := newReplier(t, Config{Sentiment: shopSentiment(t), Rules: func() *rules.Set { return set }})
	vars := map[string]string{"mobile": "13912345678"}
	for i, m := range []string{"气死我了 什么破玩意儿", "双11有什么活动"} {
		req := intent.Request{Text: m, MsgID: fmt.Sprint("c", i), SenderID: "wmCount", Channel: "wecom", Vars: vars}
		send(t, r, req)
		if retry, _ := send(t, r, req); !retry.Retry || retry.Replay != "" {
			t.Fatalf("setup: %s: retry %v, replayed %v; want decided again", m, retry.Retry, retry.Replay != "")
		}
	}
	var tones uint64
	for _, tag := range []string{"neutral", "negative", "urgent"} {
		tones += counter(met, `zhiyi_sentiment_total{tag="`+tag+`"}`)
	}
	if tones != 2 {
		t.Errorf("zhiyi_sentiment_total: %d, want 2 (two messages, each sent twice)", tones)
	}
	if n := counter(met, `zhiyi_rule_hits_total{rule="promo"}`); n != 1 {
		t.Errorf("zhiyi_rule_hits_total{rule=\"promo\"} %d, want 1", n)
	}
}

// TestRetryRestoredRouteDropsHandoffPriority: a retry decided again (its response not kept: the
// vars hold a phone number) after a reload that made its message a handoff (thresholds raised)
// goes back to the route it was given the first time, a suggestion. A suggestion has no
// priority (api.md: "for a handoff … absent otherwise"): the handoff's priority must not stay
// beside the restored route.
func TestRetryRestoredRouteDropsHandoffPriority(t *testing.T) {
	before := tinyEngine.Policy()
	before.Auto, before.AutoByIntent, before.Suggest = 0.9999, nil, 0.2 // suggested
	after := before
	after.Suggest = 0.99999 // handed off
	r, _, _ := newReplier(t, Config{})
	req := intent.Request{Text: "什么时候发货", MsgID: "p1", SenderID: "wmPrio", Channel: "wecom",
		Vars: map[string]string{"mobile": "13912345678"}}
	first, _ := sendTo(t, r, tinyEngine.WithPolicy(before), req)
	if first.Result.Route != intent.RouteSuggest || first.Result.Priority != 0 {
		t.Fatalf("setup: first decision %s priority %d, want a suggestion", first.Result.Route, first.Result.Priority)
	}
	retry, body := sendTo(t, r, tinyEngine.WithPolicy(after), req)
	if !retry.Retry || retry.Replay != "" {
		t.Fatalf("setup: retry %v, replayed %v; want decided again", retry.Retry, retry.Replay != "")
	}
	if got := retry.Result; got.Route != intent.RouteSuggest || got.Priority != 0 {
		t.Errorf("retry: route %s priority %d (%s), want suggest without a priority\n%s", got.Route, got.Priority, got.Reason, body)
	}
}

// TestRetryRestoredSilentSendsNothing: a retry decided again after the rules were reloaded
// without the rule that kept its message silent stays silent, as the first time, and so has no
// answer (api.md: absent when silent).
func TestRetryRestoredSilentSendsNothing(t *testing.T) {
	set, err := rules.Parse([]byte(`version: 1
rules:
  - id: internal
    match: {any: true}
    scope: {senders: [wmTEST]}
    action: {silent: true}
`), "rules.yaml", rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var cur atomic.Pointer[rules.Set]
	cur.Store(set)
	r, _, _ := newReplier(t, Config{Rules: cur.Load})
	req := intent.Request{Text: "什么时候发货", MsgID: "s1", SenderID: "wmTEST", Channel: "wecom",
		Vars: map[string]string{"mobile": "13912345678"}}
	if first, _ := send(t, r, req); first.Result.Route != intent.RouteSilent {
		t.Fatalf("setup: first decision %s, want silent", first.Result.Route)
	}
	cur.Store(nil) // the rules reloaded without it
	retry, body := send(t, r, req)
	if !retry.Retry || retry.Replay != "" {
		t.Fatalf("setup: retry %v, replayed %v; want decided again", retry.Retry, retry.Replay != "")
	}
	if got := retry.Result; got.Route != intent.RouteSilent || got.Answer != nil || got.Priority != 0 {
		t.Errorf("retry: route %s, answer %v, priority %d; want silent with nothing to send\n%s", got.Route, got.Answer, got.Priority, body)
	}
}

// TestReusedMsgIDIsNoRetry: a msg_id the conversation has seen, with another text, is a gateway
// reusing ids (its counter started again after a restart), not WeCom's retry, which re-sends the
// same message. Replaying the first answer answered another question: 这件卫衣是纯棉的吗 got the
// shipping answer. The same text, or the same with another phone number, is told apart too;
// the same text with the same masked values is a retry.
func TestReusedMsgIDIsNoRetry(t *testing.T) {
	r, _, _ := newReplier(t, Config{})
	req := func(text string) intent.Request {
		return intent.Request{Text: text, MsgID: "1", SenderID: "wmReuse", Channel: "wecom"}
	}
	_, first := send(t, r, req("什么时候发货"))
	d, again := send(t, r, req("东西不要了怎么寄回去"))
	if d.Retry || again == first || d.Result.Intent != "return_goods" || d.Result.Context.Turn != 2 {
		t.Errorf("another text under a seen msg_id: retry %v, %s, context %+v; want turn 2 decided as itself", d.Retry, d.Result.Intent, d.Result.Context)
	}
	if d, _ := send(t, r, req("东西不要了怎么寄回去")); !d.Retry {
		t.Errorf("the same text again: not a retry")
	}
	send(t, r, req("我的电话13800138000 什么时候发货"))
	if d, _ := send(t, r, req("我的电话13900139000 什么时候发货")); d.Retry {
		t.Errorf("the same words about another phone number: a retry")
	}
	if d, _ := send(t, r, req("我的电话13900139000 什么时候发货")); !d.Retry {
		t.Errorf("the same words and number again: not a retry")
	}
}
