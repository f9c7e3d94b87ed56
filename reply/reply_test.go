package reply

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
	"github.com/zhiyi-ai/zhiyi/rules"
	"github.com/zhiyi-ai/zhiyi/sentiment"
	"github.com/zhiyi-ai/zhiyi/session"
)

var tinyEngine *intent.Engine

// tinyDir is the tiny shop's bundle, as zhiyi train wrote it (tinyEngine decides with fixed
// thresholds instead of its own).
var tinyDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "zhiyi-reply-")
	if err != nil {
		panic(err)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		out := filepath.Join(dir, "tiny")
		tinyDir = out
		if err := shoptest.TrainTiny(out); err != nil {
			fmt.Fprintln(os.Stderr, "train the tiny shop:", err)
			return 1
		}
		eng, err := intent.Load(context.Background(), out)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer eng.Close()
		// Thresholds fixed for the test: confident answers are automatic, a fair guess is
		// suggested, below 0.2 it is handed off.
		p := eng.Policy()
		p.Auto, p.AutoByIntent, p.Suggest = 0.5, nil, 0.2
		tinyEngine = eng.WithPolicy(p)
		return m.Run()
	}()
	os.Exit(code)
}

// clock is a settable clock for the tests.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newReplier(t *testing.T, cfg Config) (*Replier, *clock, *metrics.Set) {
	t.Helper()
	c := &clock{t: time.Date(2026, 11, 12, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))}
	set := metrics.NewSet()
	if cfg.Sessions == nil {
		cfg.Sessions = session.NewMemory(session.MemoryConfig{Now: c.now})
	}
	cfg.Now, cfg.Metrics = c.now, set
	return New(cfg), c, set
}

// send decides and commits one message as serve does, and returns the decision and the bytes.
func send(t *testing.T, r *Replier, req intent.Request) (*Decision, string) {
	t.Helper()
	return sendTo(t, r, tinyEngine, req)
}

// sendTo is send with another engine.
func sendTo(t *testing.T, r *Replier, eng Engine, req intent.Request) (*Decision, string) {
	t.Helper()
	d := r.Decide(context.Background(), eng, req)
	if d.Replay != "" {
		return d, d.Replay
	}
	body := d.Result.AppendJSON(nil)
	r.Commit(context.Background(), d, body)
	return d, string(body)
}

func counter(set *metrics.Set, name string) uint64 {
	var b strings.Builder
	set.WritePrometheus(&b)
	for _, line := range strings.Split(b.String(), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			var n uint64
			fmt.Sscan(v, &n)
			return n
		}
	}
	return 0
}

func TestRetryGetsTheSameBytes(t *testing.T) {
	r, _, set := newReplier(t, Config{})
	req := intent.Request{Text: "什么时候发货", MsgID: "m1", ChatID: "c1", Channel: "wecom"}
	d1, first := send(t, r, req)
	d2, again := send(t, r, req)
	if d1.Retry || !d2.Retry || again != first {
		t.Fatalf("retry: %v %v\nfirst %s\nagain %s", d1.Retry, d2.Retry, first, again)
	}
	if n := counter(set, "zhiyi_retries_total"); n != 1 {
		t.Errorf("zhiyi_retries_total %d, want 1", n)
	}
	// The retry is not a new turn.
	d3, _ := send(t, r, intent.Request{Text: "好的 谢谢", MsgID: "m2", ChatID: "c1", Channel: "wecom"})
	if d3.Result.Context == nil || d3.Result.Context.Turn != 2 {
		t.Errorf("context after a retry %+v, want turn 2", d3.Result.Context)
	}
}

// TestRetryAfterNewerTurns: a callback re-sent while the customer has gone on typing (three
// messages within WeCom's retry window) still gets the bytes sent the first time.
func TestRetryAfterNewerTurns(t *testing.T) {
	r, c, _ := newReplier(t, Config{})
	msgs := []string{"我要退货", "在吗", "快递到哪了", "亲"}
	bodies := map[string]string{}
	for i, m := range msgs {
		_, body := send(t, r, intent.Request{Text: m, MsgID: fmt.Sprint("n", i), SenderID: "wmRetry", Channel: "wecom"})
		bodies[fmt.Sprint("n", i)] = body
		c.t = c.t.Add(3 * time.Second)
	}
	d, again := send(t, r, intent.Request{Text: msgs[0], MsgID: "n0", SenderID: "wmRetry", Channel: "wecom"})
	if !d.Retry || again != bodies["n0"] {
		t.Errorf("a retry of the first of four messages 9 s later: retry %v\nfirst %s\nagain %s", d.Retry, bodies["n0"], again)
	}
}

// shopSentiment is the sample shop's sentiment analyzer.
func shopSentiment(t *testing.T) *sentiment.Analyzer {
	t.Helper()
	lex, err := sentiment.LoadLexicon(shoptest.Path("dict", sentiment.LexiconFile))
	if err != nil {
		t.Fatal(err)
	}
	a, err := sentiment.New(lex, sentiment.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestEscalationCountedOnce: a message escalated for its tone and then for fallbacks in a row
// counts once, under the reason its response names.
func TestEscalationCountedOnce(t *testing.T) {
	a := shopSentiment(t)
	r, _, set := newReplier(t, Config{Sentiment: a})
	total := func() uint64 {
		var n uint64
		for _, reason := range []string{escalateRepeat, escalateFallbacks, escalateSentiment} {
			n += counter(set, `zhiyi_escalations_total{reason="`+reason+`"}`)
		}
		return n
	}
	escalated := 0
	for i, m := range []string{"气死我了", "什么破玩意儿 气死了", "讲个笑话吧"} {
		d, _ := send(t, r, intent.Request{Text: m, MsgID: fmt.Sprint("e", i), SenderID: "wmEsc", Channel: "wecom"})
		if d.Result.Context != nil && d.Result.Context.Escalation != "" {
			escalated++
		}
		if n := total(); n != uint64(escalated) {
			t.Errorf("after %q (escalation %q): %d escalations counted, %d messages escalated", m, d.Result.Context.Escalation, n, escalated)
		}
	}
	if escalated < 2 {
		t.Fatalf("%d messages escalated; the test needs a message escalated twice over", escalated)
	}
}

func TestActiveIntentCarries(t *testing.T) {
	r, _, _ := newReplier(t, Config{})
	send(t, r, intent.Request{Text: "东西不要了怎么寄回去", MsgID: "a1", SenderID: "wmB"})
	d, _ := send(t, r, intent.Request{Text: "好的", MsgID: "a2", SenderID: "wmB"})
	if ctx := d.Result.Context; ctx == nil || ctx.ActiveIntent != "return_goods" || ctx.Turn != 2 {
		t.Errorf("context %+v, want turn 2 about return_goods", ctx)
	}
	// Another sender's conversation knows nothing of it.
	d, _ = send(t, r, intent.Request{Text: "好的", MsgID: "b1", SenderID: "wmC"})
	if d.Result.Context.ActiveIntent != "" || d.Result.Context.Turn != 1 {
		t.Errorf("a new conversation: %+v", *d.Result.Context)
	}
	// Without chat or sender there is no conversation.
	d, _ = send(t, r, intent.Request{Text: "好的"})
	if d.Result.Context != nil {
		t.Errorf("no conversation, context %+v", *d.Result.Context)
	}
}

func TestRules(t *testing.T) {
	set, err := rules.Parse([]byte(`version: 1
rules:
  - id: internal
    match: {any: true}
    scope: {senders: [wmTEST]}
    action: {silent: true}
  - id: complaint
    priority: 10
    match:
      text: {contains: ["12315"]}
    action: {handoff: urgent, answer: "{{nickname|亲}}，已为您加急转接"}
  - id: invoice-word
    match:
      text: {contains: [报销]}
    action: {intent: invoice}
  - id: promo
    match:
      text: {contains: [双11]}
    action: {answer: "{{nickname|亲}}，双11 每满 300 减 50"}
  - id: chitchat
    match:
      text: {contains: [讲个笑话]}
    action: {intent: none}
`), "rules.yaml", rules.Options{Intents: func(id string) bool { _, ok := tinyEngine.KB().Intent(id); return ok || id == intent.NoneIntent }})
	if err != nil {
		t.Fatal(err)
	}
	r, _, _ := newReplier(t, Config{Rules: func() *rules.Set { return set }})
	for _, tc := range []struct {
		req      intent.Request
		rule     string
		route    intent.Route
		intent   string
		answer   string
		priority int
	}{
		{intent.Request{Text: "双11有什么活动", Vars: map[string]string{"nickname": "小王"}}, "promo", intent.RouteAuto, "", "小王，双11 每满 300 减 50", 0},
		{intent.Request{Text: "我要打12315投诉你们"}, "complaint", intent.RouteHandoff, "", "亲，已为您加急转接", 1},
		{intent.Request{Text: "报销用的单子怎么弄"}, "invoice-word", intent.RouteAuto, "invoice", "亲，确认收货后在订单详情申请开票即可。", 0},
		{intent.Request{Text: "什么时候发货", SenderID: "wmTEST"}, "internal", intent.RouteSilent, "", "", 0},
		{intent.Request{Text: "给我讲个笑话"}, "chitchat", intent.RouteHandoff, intent.NoneIntent, "", 3},
		{intent.Request{Text: "什么时候发货", SenderID: "wmOTHER"}, "", intent.RouteAuto, "shipping_time", "亲，付款后 48 小时内发货。", 0},
	} {
		d, body := send(t, r, tc.req)
		res := d.Result
		answer := ""
		if res.Answer != nil {
			answer = res.Answer.Text
		}
		if res.Rule != tc.rule || res.Route != tc.route || tc.intent != "" && res.Intent != tc.intent || answer != tc.answer || res.Priority != tc.priority {
			t.Errorf("%s: rule %q route %s intent %s answer %q priority %d; want %q %s %s %q %d",
				tc.req.Text, res.Rule, res.Route, res.Intent, answer, res.Priority, tc.rule, tc.route, tc.intent, tc.answer, tc.priority)
		}
		if tc.rule != "" && !strings.Contains(body, `"rule":"`+tc.rule+`"`) {
			t.Errorf("%s: the response does not name the rule: %s", tc.req.Text, body)
		}
	}
}

func TestSentimentHandsOff(t *testing.T) {
	a := shopSentiment(t)
	for _, off := range []bool{false, true} {
		r, _, _ := newReplier(t, Config{Sentiment: a, NoSentimentHandoff: off})
		d, _ := send(t, r, intent.Request{Text: "充电宝冒烟了还发烫 会不会爆炸 快点处理！！", SenderID: "wmD"})
		res := d.Result
		if res.Sentiment == nil || res.Sentiment.Tag != "urgent" || res.Sentiment.Label != "紧急" {
			t.Fatalf("sentiment %+v, want urgent", res.Sentiment)
		}
		if handedOff := res.Route == intent.RouteHandoff && res.Priority == 1 && res.Context.Escalation == escalateSentiment; handedOff == off {
			t.Errorf("handoff off=%v: route %s priority %d context %+v", off, res.Route, res.Priority, res.Context)
		}
		d, _ = send(t, r, intent.Request{Text: "什么时候发货呀", SenderID: "wmE"})
		if d.Result.Sentiment.Tag != "neutral" || d.Result.Route == intent.RouteHandoff {
			t.Errorf("a neutral question: %+v, route %s", d.Result.Sentiment, d.Result.Route)
		}
	}
}

// TestSentimentReadsRepeatsAsTyped: a customer hammering the same words (快点快点快点, 急急急)
// is urgent. The analysis collapses such repeats for the intent (nlp's CollapseRepeats), but the
// tone is read from the text as typed, normalised and masked, as the sentiment model and its
// lexicon (急急急 1.5) were made: collapsed, 快点快点快点 reads as a calm 快点.
func TestSentimentReadsRepeatsAsTyped(t *testing.T) {
	r, _, _ := newReplier(t, Config{Sentiment: shopSentiment(t)})
	for _, tc := range []struct {
		text string
		cue  string // a cue the response must name
	}{
		{"快点快点快点", ""},
		{"急急急 什么时候发货", "急急急"},
	} {
		d, _ := send(t, r, intent.Request{Text: tc.text, SenderID: "wmRep"})
		res := d.Result
		if res.Sentiment == nil || res.Sentiment.Tag != "urgent" || res.Route != intent.RouteHandoff {
			t.Errorf("%s: sentiment %+v, route %s; want urgent, handed off", tc.text, res.Sentiment, res.Route)
			continue
		}
		if tc.cue != "" && !slices.Contains(res.Sentiment.Cues, tc.cue) {
			t.Errorf("%s: cues %q, want %q", tc.text, res.Sentiment.Cues, tc.cue)
		}
	}
}

func TestStateOutageStillAnswers(t *testing.T) {
	store := session.NewMemory(session.MemoryConfig{})
	store.Close() // every Load and Save now fails
	r, _, set := newReplier(t, Config{Sessions: store})
	d, _ := send(t, r, intent.Request{Text: "什么时候发货", MsgID: "x", SenderID: "wmF"})
	if d.Result.Intent != "shipping_time" || d.Result.Context != nil {
		t.Errorf("outage: %s, context %+v; want the answer without context", d.Result.Intent, d.Result.Context)
	}
	if n := counter(set, "zhiyi_context_unavailable_total"); n != 1 {
		t.Errorf("zhiyi_context_unavailable_total %d, want 1 (the load; nothing is saved)", n)
	}
}

func TestTwoRepliersShareConversations(t *testing.T) {
	store := session.NewMemory(session.MemoryConfig{})
	a, _, _ := newReplier(t, Config{Sessions: store})
	b, _, _ := newReplier(t, Config{Sessions: store})
	one, _, _ := newReplier(t, Config{})
	msgs := []string{"东西不要了怎么寄回去", "好的", "东西不要了 寄回去", "那什么时候发货"}
	for i, m := range msgs {
		replica := a
		if i%2 == 1 {
			replica = b
		}
		req := intent.Request{Text: m, MsgID: fmt.Sprint("t", i), ChatID: "shared"}
		_, got := send(t, replica, req)
		_, want := send(t, one, req)
		if strip(got) != strip(want) {
			t.Errorf("turn %d on alternating replicas:\n got %s\nwant %s", i+1, got, want)
		}
	}
}

// strip drops took_us, the only field that differs between two decisions of one message.
func strip(body string) string {
	i := strings.Index(body, `"took_us":`)
	if i < 0 {
		return body
	}
	j := strings.IndexAny(body[i+10:], ",}")
	return body[:i] + body[i+10+j:]
}

// In a group conversation (one chat_id, several customers) repeats and fallbacks are each
// customer's own: three customers asking the same once is no repeat, and two customers not
// understood once each is no escalation; one customer asking again is, whoever spoke between.
func TestGroupRepeatsAndFallbacksPerCustomer(t *testing.T) {
	r, c, _ := newReplier(t, Config{})
	msg := func(id, sender, text string) *intent.Result {
		t.Helper()
		d, _ := send(t, r, intent.Request{Text: text, MsgID: id, ChatID: "group1", SenderID: sender, Channel: "wecom"})
		c.t = c.t.Add(time.Minute)
		return &d.Result
	}
	for i, s := range []string{"wmA", "wmB", "wmC"} {
		if res := msg(fmt.Sprint("q", i), s, "什么时候发货"); res.Route != intent.RouteAuto || res.Context.Repeat {
			t.Fatalf("customer %s asking once: route %s, context %+v; want auto, no repeat", s, res.Route, *res.Context)
		}
	}
	if res := msg("q3", "wmA", "到底什么时候发货"); res.Route != intent.RouteSuggest || !res.Context.Repeat {
		t.Errorf("wmA asking again after others spoke: route %s, context %+v; want a repeat, suggested", res.Route, *res.Context)
	}

	if res := msg("f1", "wmD", "讲个笑话吧"); res.Context.Escalation != "" {
		t.Fatalf("a first fallback escalated: %+v", *res.Context)
	}
	if res := msg("f2", "wmE", "今天天气怎么样"); res.Context.Escalation == escalateFallbacks {
		t.Errorf("two customers' single fallbacks escalated: %+v", *res.Context)
	}
	if res := msg("f3", "wmE", "讲个笑话吧"); res.Context.Escalation != escalateFallbacks {
		t.Errorf("wmE's second fallback in a row: %+v, want %s", *res.Context, escalateFallbacks)
	}
}
