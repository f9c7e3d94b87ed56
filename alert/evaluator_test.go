package alert

import (
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

// Stop says a rule still firing at the close ends there (stopped), but one whose condition is
// gone by then (its window slid since the last Tick) resolved: it gets the resolved message a
// Tick would have given it, not a stop that says it still fires. A rule that is not firing, and
// a comment_keywords rule, get nothing.
func TestStopResolvesWhatIsOverAndStopsWhatFires(t *testing.T) {
	fire := func() *Evaluator {
		ev := mustEvaluator(t, Rule{ID: "u", Measure: MeasureUnrecognised}, Rule{ID: "b", Measure: MeasureBadRatings},
			Rule{ID: "c", Measure: MeasureCommentKeywords})
		var out []Alert
		for i := range 20 {
			out = ev.Observe(out, unrecognisedAt(t0.Add(time.Duration(i)*time.Second)))
		}
		if len(out) != 1 || out[0].State != StateFiring {
			t.Fatalf("20 unrecognised: %+v, want one firing", out)
		}
		return ev
	}
	f := func(at time.Duration, want State) {
		t.Helper()
		out := fire().Stop(nil, t0.Add(at))
		if len(out) != 1 || out[0].Rule != "u" || out[0].State != want {
			t.Errorf("Stop %v after the firing: %+v, want u %s", at, out, want)
		}
	}
	f(5*time.Minute, StateStopped)   // the 20 still in the window
	f(11*time.Minute, StateResolved) // the window empty since: over, not firing
	ev := fire()
	ev.Stop(nil, t0.Add(time.Minute))
	if out := ev.Stop(nil, t0.Add(2*time.Minute)); len(out) != 0 {
		t.Errorf("a second Stop: %+v, want nothing", out)
	}
}
