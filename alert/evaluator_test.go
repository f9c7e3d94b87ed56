package alert

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func unrecognisedAt(at time.Time) Event {
	return Event{Kind: KindDecision, Time: at, Route: "handoff", Intent: "none", Unrecognised: true, Latency: time.Millisecond}
}

func decisionAt(at time.Time, route string, latency time.Duration) Event {
	return Event{Kind: KindDecision, Time: at, Route: route, Intent: "x", Latency: latency}
}

func mustEvaluator(t *testing.T, rules ...Rule) *Evaluator {
	t.Helper()
	ev, err := NewEvaluator(rules)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestTwentiethUnrecognisedFires(t *testing.T) {
	ev := mustEvaluator(t, Rule{ID: "unrecognised", Measure: MeasureUnrecognised})
	var out []Alert
	// 19 messages over 9 minutes: below the threshold.
	for i := range 19 {
		out = ev.Observe(out, unrecognisedAt(t0.Add(time.Duration(i)*30*time.Second)))
	}
	if len(out) != 0 {
		t.Fatalf("19 unrecognised messages in 10 minutes fired: %+v", out)
	}
	out = ev.Tick(out, t0.Add(9*time.Minute+15*time.Second))
	if len(out) != 0 {
		t.Fatalf("a tick after 19 fired: %+v", out)
	}
	out = ev.Observe(out, unrecognisedAt(t0.Add(9*time.Minute+30*time.Second)))
	if len(out) != 1 {
		t.Fatalf("the 20th unrecognised message in 10 minutes: %d alerts, want 1", len(out))
	}
	a := out[0]
	if a.State != StateFiring || a.Rule != "unrecognised" || a.Num != 20 || a.Threshold != 20 || a.Window != 10*time.Minute {
		t.Fatalf("alert = %+v", a)
	}
	if want := "10分钟内有 20 条消息未识别（阈值 20 条）"; a.Summary != want {
		t.Fatalf("summary = %q, want %q", a.Summary, want)
	}
	// Further messages while firing do not fire again.
	if out = ev.Observe(out[:0], unrecognisedAt(t0.Add(9*time.Minute+40*time.Second))); len(out) != 0 {
		t.Fatalf("fired again while firing: %+v", out)
	}
}

func TestTwentyOverElevenMinutesDoNotFire(t *testing.T) {
	ev := mustEvaluator(t, Rule{ID: "u", Measure: MeasureUnrecognised})
	var out []Alert
	for i := range 20 { // 20 messages 35s apart: the first has left the window when the 20th comes
		out = ev.Observe(out, unrecognisedAt(t0.Add(time.Duration(i)*35*time.Second)))
	}
	if len(out) != 0 {
		t.Fatalf("20 messages spread over 11 minutes fired: %+v", out)
	}
}

func TestResolvedWhenTheWindowEmpties(t *testing.T) {
	ev := mustEvaluator(t, Rule{ID: "u", Measure: MeasureUnrecognised, Threshold: 3, Window: time.Minute})
	var out []Alert
	for i := range 3 {
		out = ev.Observe(out, unrecognisedAt(t0.Add(time.Duration(i)*time.Second)))
	}
	if len(out) != 1 || out[0].State != StateFiring {
		t.Fatalf("want one firing, got %+v", out)
	}
	if out = ev.Tick(out[:0], t0.Add(59*time.Second)); len(out) != 0 {
		t.Fatalf("resolved while still 3 in the window: %+v", out)
	}
	out = ev.Tick(out[:0], t0.Add(61*time.Second))
	if len(out) != 1 || out[0].State != StateResolved {
		t.Fatalf("want one resolved alert after the window, got %+v", out)
	}
	if !out[0].Since.Equal(t0.Add(2*time.Second)) || !out[0].At.Equal(t0.Add(61*time.Second)) {
		t.Errorf("since %s at %s", out[0].Since, out[0].At)
	}
	if !strings.HasPrefix(out[0].Summary, "已恢复：") {
		t.Errorf("resolved summary = %q", out[0].Summary)
	}
	if out = ev.Tick(out[:0], t0.Add(2*time.Minute)); len(out) != 0 {
		t.Fatalf("resolved twice: %+v", out)
	}
}

func TestCooldown(t *testing.T) {
	ev := mustEvaluator(t, Rule{ID: "u", Measure: MeasureUnrecognised, Threshold: 2, Window: time.Minute, Cooldown: 10 * time.Minute})
	var suppressed int
	ev.onSuppress = func(*Rule) { suppressed++ }
	var out []Alert
	burst := func(at time.Duration) []Alert {
		out = ev.Observe(out[:0], unrecognisedAt(t0.Add(at)))
		return ev.Observe(out, unrecognisedAt(t0.Add(at+time.Second)))
	}
	if got := burst(0); len(got) != 1 || got[0].State != StateFiring {
		t.Fatalf("first burst: %+v", got)
	}
	if got := ev.Tick(nil, t0.Add(2*time.Minute)); len(got) != 1 || got[0].State != StateResolved {
		t.Fatalf("want resolved: %+v", got)
	}
	// Again at +5m: within the 10-minute cooldown, held back.
	if got := burst(5 * time.Minute); len(got) != 0 {
		t.Fatalf("fired within the cooldown: %+v", got)
	}
	if suppressed != 1 {
		t.Fatalf("suppressed = %d, want 1", suppressed)
	}
	// More of the same episode is not counted again.
	ev.Observe(nil, unrecognisedAt(t0.Add(5*time.Minute+2*time.Second)))
	if suppressed != 1 {
		t.Fatalf("suppressed = %d after the same episode, want 1", suppressed)
	}
	// A condition still true when the cooldown ends fires then.
	for s := time.Duration(3); s < 62; s += 3 { // keep it true: 2 messages every few seconds
		ev.Observe(nil, unrecognisedAt(t0.Add(9*time.Minute+s*time.Second)))
	}
	if got := ev.Tick(nil, t0.Add(10*time.Minute+time.Second)); len(got) != 1 || got[0].State != StateFiring {
		t.Fatalf("after the cooldown: %+v, want firing", got)
	}
}

func TestCommentKeywords(t *testing.T) {
	ev := mustEvaluator(t, DefaultRules()...)
	fb := func(rating int, comment string) []Alert { // the comment alerts only (bad_ratings may fire too)
		var out []Alert
		for _, a := range ev.Observe(nil, Event{Kind: KindFeedback, Time: t0, Rating: rating, Comment: comment}) {
			if a.Measure == MeasureCommentKeywords {
				out = append(out, a)
			}
		}
		return out
	}
	got := fb(1, "客服回复慢")
	if len(got) != 1 {
		t.Fatalf("回复慢: %d alerts, want 1: %+v", len(got), got)
	}
	a := got[0]
	if a.Rule != "comment_keywords" || a.Category != "staffing" || a.CategoryLabel != "人手不足" || a.Keyword != "回复慢" || a.Rating != 1 || a.State != StateFiring {
		t.Fatalf("alert = %+v", a)
	}
	if got := fb(2, "完全听不懂我在说什么"); len(got) != 1 || got[0].Category != "model" || got[0].CategoryLabel != "模型需要改进" {
		t.Fatalf("听不懂: %+v", got)
	}
	if got := fb(0, "等太久了，机器人也答非所问"); len(got) != 2 || got[0].Category != "staffing" || got[1].Category != "model" {
		t.Fatalf("both groups: %+v", got)
	}
	if got := fb(5, "很好，谢谢"); len(got) != 0 {
		t.Fatalf("a kind comment fired: %+v", got)
	}
	// The comment is masked again: a phone number never reaches an operator.
	got = fb(1, "回复慢，打我电话13812345678")
	if len(got) != 1 || strings.Contains(got[0].Comment, "13812345678") || !strings.Contains(got[0].Comment, "<PHONE>") {
		t.Fatalf("comment not masked: %+v", got)
	}
	// Comment rules never resolve.
	for _, a := range ev.Tick(nil, t0.Add(24*time.Hour)) {
		if a.Measure == MeasureCommentKeywords {
			t.Fatalf("tick: %+v", a)
		}
	}
}

func TestCommentCooldownPerGroup(t *testing.T) {
	ev := mustEvaluator(t, Rule{ID: "c", Measure: MeasureCommentKeywords, Cooldown: time.Hour})
	fb := func(at time.Duration, comment string) int {
		return len(ev.Observe(nil, Event{Kind: KindFeedback, Time: t0.Add(at), Comment: comment}))
	}
	if fb(0, "回复慢") != 1 || fb(time.Minute, "没人理") != 0 || fb(2*time.Minute, "听不懂") != 1 || fb(61*time.Minute, "等太久") != 1 {
		t.Fatal("cooldown should hold back repeats of the same group only, for an hour")
	}
}

func TestShareAndMinCount(t *testing.T) {
	ev := mustEvaluator(t, Rule{ID: "h", Measure: MeasureHandoffShare})
	var out []Alert
	for i := range 29 {
		out = ev.Observe(out, decisionAt(t0.Add(time.Duration(i)*time.Second), RouteHandoff, time.Millisecond))
	}
	if len(out) != 0 {
		t.Fatalf("29 messages (below min_count 30) fired: %+v", out)
	}
	out = ev.Observe(out, decisionAt(t0.Add(30*time.Second), "auto", time.Millisecond))
	if len(out) != 1 || out[0].Num != 29 || out[0].Count != 30 {
		t.Fatalf("30 messages, 29 handed off: %+v", out)
	}
	if want := "10分钟内转人工占 96.7%（29/30 条消息，阈值 50%）"; out[0].Summary != want {
		t.Fatalf("summary %q, want %q", out[0].Summary, want)
	}
	for i := range 30 { // 29 of 60 is below 50 %: resolves
		out = ev.Observe(out[:0], decisionAt(t0.Add(time.Minute+time.Duration(i)*time.Second), "auto", time.Millisecond))
		if len(out) > 0 {
			break
		}
	}
	if len(out) != 1 || out[0].State != StateResolved || out[0].Count != 59 {
		t.Fatalf("want resolved at 29/59: %+v", out)
	}
}

func TestBadRatings(t *testing.T) {
	ev := mustEvaluator(t, Rule{ID: "b", Measure: MeasureBadRatings})
	rate := func(at time.Duration, r int) []Alert {
		return ev.Observe(nil, Event{Kind: KindFeedback, Time: t0.Add(at), Rating: r})
	}
	if len(rate(0, 1))+len(rate(time.Minute, 3))+len(rate(2*time.Minute, 0))+len(rate(3*time.Minute, 2)) != 0 {
		t.Fatal("fired before the third bad rating")
	}
	got := rate(29*time.Minute, 2)
	if len(got) != 1 || got[0].Num != 3 {
		t.Fatalf("third bad rating in 30 minutes: %+v", got)
	}
}

func TestErrorRate(t *testing.T) {
	ev := mustEvaluator(t, Rule{ID: "e", Measure: MeasureErrorRate})
	var out []Alert
	for i := range 99 {
		out = ev.Observe(out, decisionAt(t0.Add(time.Duration(i)*time.Second), "auto", time.Millisecond))
	}
	out = ev.Observe(out, Event{Kind: KindServerError, Time: t0.Add(100 * time.Second), Status: 500})
	if len(out) != 1 || out[0].Num != 1 || out[0].Count != 100 || out[0].Value != 0.01 {
		t.Fatalf("1 error in 100 requests (1 %%): %+v", out)
	}
	if out[0].Severity != SeverityWarning {
		t.Errorf("severity %s: a rule built in Go without one is a warning", out[0].Severity)
	}
}

func TestP99Latency(t *testing.T) {
	ev := mustEvaluator(t, Rule{ID: "p", Measure: MeasureP99Latency})
	var out []Alert
	for i := range 99 {
		out = ev.Observe(out, decisionAt(t0.Add(time.Duration(i)*time.Second), "auto", time.Millisecond))
	}
	out = ev.Observe(out, decisionAt(t0.Add(100*time.Second), "auto", 80*time.Millisecond))
	if len(out) != 0 {
		t.Fatalf("one slow message in 100 (p99 = 1ms) fired: %+v", out)
	}
	out = ev.Observe(out, decisionAt(t0.Add(101*time.Second), "auto", 80*time.Millisecond))
	if len(out) != 1 {
		t.Fatalf("two slow messages in 101 (p99 = 80ms): %+v", out)
	}
	if v := out[0].Value; v < 0.080 || v > 0.096 {
		t.Fatalf("p99 shown as %vs, want ≈ 0.08", v)
	}
	if !strings.Contains(out[0].Summary, "阈值 50ms") {
		t.Fatalf("summary %q", out[0].Summary)
	}
}

func TestSpool(t *testing.T) {
	ev := mustEvaluator(t, Rule{ID: "s", Measure: MeasureSpool})
	spool := func(n int64) []Alert { return ev.Observe(nil, Event{Kind: KindSpool, Time: t0, Spool: n}) }
	if len(spool(9999)) != 0 {
		t.Fatal("9999 records fired")
	}
	if got := spool(10000); len(got) != 1 || got[0].Summary != "决策日志积压 10000 条（阈值 10000 条）" {
		t.Fatalf("10000 records: %+v", got)
	}
	if got := spool(12); len(got) != 1 || got[0].State != StateResolved {
		t.Fatalf("drained: %+v", got)
	}
}

func TestRuleValidation(t *testing.T) {
	_, err := NewEvaluator([]Rule{
		{ID: "Bad ID", Measure: MeasureUnrecognised},
		{ID: "x", Measure: "nope"},
		{ID: "share", Measure: MeasureHandoffShare, Threshold: 1.5},
		{ID: "count", Measure: MeasureUnrecognised, Threshold: 2.5, MinCount: 3},
		{ID: "spool", Measure: MeasureSpool, Window: time.Minute},
		{ID: "kw", Measure: MeasureCommentKeywords, Keywords: []KeywordGroup{{Category: "a"}}},
		{ID: "share", Measure: MeasureHandoffShare, Severity: "loud"},
	})
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want a *ConfigError", err)
	}
	want := []string{
		`rule Bad ID: id: "Bad ID"`,
		`rule x: measure: "nope"`,
		`rule share: threshold: 1.5: a share must be in (0, 1]`,
		`rule count: threshold: 2.5: want a whole number`,
		`rule count: min_count: measure unrecognised takes none`,
		`rule spool: window: measure spool has no window`,
		`rule kw: keywords: group 1 (a): want at least one word`,
		`rule share: severity: "loud"`,
		`rule share: id used twice`,
	}
	msg := err.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error lacks %q:\n%s", w, msg)
		}
	}
	if len(ce.Problems) != len(want) {
		t.Errorf("%d problems, want %d:\n%s", len(ce.Problems), len(want), msg)
	}
}

func TestDefaultRulesAreValid(t *testing.T) {
	ev := mustEvaluator(t, DefaultRules()...)
	got := map[Measure]Rule{}
	for _, r := range ev.Rules() {
		got[r.Measure] = r
	}
	check := func(m Measure, window time.Duration, threshold float64, min int64) {
		t.Helper()
		r := got[m]
		if r.Window != window || r.Threshold != threshold || r.MinCount != min {
			t.Errorf("%s: window %s threshold %v min %d, want %s %v %d", m, r.Window, r.Threshold, r.MinCount, window, threshold, min)
		}
	}
	check(MeasureUnrecognised, 10*time.Minute, 20, 0)
	check(MeasureHandoffShare, 10*time.Minute, 0.5, 30)
	check(MeasureBadRatings, 30*time.Minute, 3, 0)
	check(MeasureErrorRate, 5*time.Minute, 0.01, 100)
	check(MeasureP99Latency, 5*time.Minute, 0.05, 100)
	check(MeasureSpool, 0, 10000, 0)
	if got[MeasureCommentKeywords].Cooldown != 0 || got[MeasureUnrecognised].Cooldown != DefaultCooldown {
		t.Errorf("cooldowns: %s, %s", got[MeasureCommentKeywords].Cooldown, got[MeasureUnrecognised].Cooldown)
	}
}
