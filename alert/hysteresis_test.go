package alert

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// tally counts the alerts a replay produced.
type tally struct {
	fired, resolved int
	firstFired      time.Time
}

func (tl *tally) count(out []Alert) {
	for _, a := range out {
		if a.State == StateFiring {
			if tl.fired == 0 {
				tl.firstFired = a.At
			}
			tl.fired++
		} else {
			tl.resolved++
		}
	}
}

// replayShop replays a shop's decisions from from to to: arrivals at perMin a minute (Poisson
// when r is set, evenly spaced otherwise), each handed off with probability share(t) (at random
// when r is set; otherwise the handoffs are spread evenly, so that the share is exactly what
// share says). The evaluator is ticked every second, as the Alerter ticks it, so that a rule can
// resolve between messages. It returns the time of the last message.
func replayShop(ev *Evaluator, r *rand.Rand, from, to time.Time, perMin float64, share func(time.Time) float64, tl *tally) time.Time {
	var out []Alert
	at, tick, acc := from, from, 0.0
	for {
		gap := time.Duration(float64(time.Minute) / perMin)
		if r != nil {
			gap = time.Duration(r.ExpFloat64() / perMin * float64(time.Minute))
		}
		next := at.Add(gap)
		if !next.Before(to) {
			return at
		}
		for tick = tick.Add(time.Second); tick.Before(next); tick = tick.Add(time.Second) {
			out = ev.Tick(out[:0], tick)
			tl.count(out)
		}
		at = next
		route := "auto"
		if r != nil {
			if r.Float64() < share(at) {
				route = RouteHandoff
			}
		} else if acc += share(at); acc >= 1 {
			acc--
			route = RouteHandoff
		}
		out = ev.Observe(out[:0], decisionAt(at, route, time.Millisecond))
		tl.count(out)
	}
}

func steady(v float64) func(time.Time) float64 { return func(time.Time) float64 { return v } }

// The statistician's case: a shop of 4 messages a minute whose normal handoff share is 35 %,
// against the default rule (50 % of ≥ 30 messages in 10 minutes). Checked on every message over
// a window of about 40, a share compared as it is fired several times a day by chance alone;
// compared through its Wilson lower bound it must (almost) never fire in 14 shop days.
func TestSteadyHandoffShareBelowThresholdDoesNotFire(t *testing.T) {
	const days = 14
	var tl tally
	ev := mustEvaluator(t, Rule{ID: "h", Measure: MeasureHandoffShare})
	r := rand.New(rand.NewPCG(7, 8))
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for d := range days {
		open := start.Add(time.Duration(d) * 24 * time.Hour)
		replayShop(ev, r, open, open.Add(12*time.Hour), 4, steady(0.35), &tl)
	}
	t.Logf("steady 35 %% handoff, threshold 50 %%: %d firing, %d resolved in %d shop days (%.2f a day)",
		tl.fired, tl.resolved, days, float64(tl.fired)/days)
	if tl.fired > 1 {
		t.Errorf("%d false handoff alerts in %d days (%.2f a day), want at most 1 in all", tl.fired, days, float64(tl.fired)/days)
	}
}

// A real jump of the handoff share from 35 % to 80 % still fires promptly, and nothing fires
// in the two steady hours before it: in a small shop (4 messages a minute, about 40 in the
// window, where evidence comes slowly) within about a window, in a busier one (20 a minute)
// within a few minutes. 20 replays of each.
func TestHandoffJumpTo80PercentFiresPromptly(t *testing.T) {
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	jump := start.Add(2 * time.Hour)
	share := func(at time.Time) float64 {
		if at.Before(jump) {
			return 0.35
		}
		return 0.8
	}
	for _, shop := range []struct {
		perMin          float64
		median, slowest time.Duration
	}{{4, 10 * time.Minute, 15 * time.Minute}, {20, 6 * time.Minute, 8 * time.Minute}} {
		var delays []time.Duration
		for seed := range uint64(20) {
			ev := mustEvaluator(t, Rule{ID: "h", Measure: MeasureHandoffShare})
			var tl tally
			replayShop(ev, rand.New(rand.NewPCG(seed, 1)), start, jump.Add(30*time.Minute), shop.perMin, share, &tl)
			switch {
			case tl.fired == 0:
				t.Errorf("%v a minute, seed %d: the jump to 80 %% never fired", shop.perMin, seed)
			case tl.firstFired.Before(jump):
				t.Errorf("%v a minute, seed %d: fired %s after opening, before the jump (steady 35 %%)",
					shop.perMin, seed, tl.firstFired.Sub(start))
			default:
				delays = append(delays, tl.firstFired.Sub(jump))
			}
		}
		if len(delays) == 0 {
			continue
		}
		slices.Sort(delays)
		median, slowest := delays[len(delays)/2], delays[len(delays)-1]
		t.Logf("35 %% → 80 %% at %v messages a minute: fired after %s (median), %s (slowest) over %d replays",
			shop.perMin, median.Round(time.Second), slowest.Round(time.Second), len(delays))
		if median > shop.median || slowest > shop.slowest {
			t.Errorf("%v a minute: fired after %s (median), %s (slowest), want within %s and %s",
				shop.perMin, median, slowest, shop.median, shop.slowest)
		}
	}
}

// A share that jumps (fires), then hovers around the threshold for three hours, then falls
// gives one firing and one resolution: while it hovers it is not clearly below the threshold,
// so the alert neither resolves nor, once the cooldown is over, fires again and again.
func TestShareHoveringAroundThresholdFiresOnceResolvesOnce(t *testing.T) {
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	hover, fall := start.Add(30*time.Minute), start.Add(3*time.Hour+30*time.Minute)
	share := func(at time.Time) float64 {
		switch {
		case at.Before(hover):
			return 0.8
		case at.Before(fall):
			// 45 % and 55 % in turns of 7 minutes: the 10-minute share swings across 50 %
			if (at.Sub(hover)/(7*time.Minute))%2 == 0 {
				return 0.45
			}
			return 0.55
		}
		return 0.2
	}
	ev := mustEvaluator(t, Rule{ID: "h", Measure: MeasureHandoffShare})
	var tl tally
	replayShop(ev, nil, start, fall.Add(time.Hour), 20, share, &tl)
	if tl.fired != 1 || tl.resolved != 1 {
		t.Errorf("hovering share: %d firing and %d resolved alerts, want 1 and 1", tl.fired, tl.resolved)
	}
}

// The unrecognised count hovering around its threshold (18 to 22 in the window, for three
// hours) fires once and stays firing; it resolves once, when the count falls well below 20.
func TestUnrecognisedCountHoveringFiresOnceResolvesOnce(t *testing.T) {
	ev := mustEvaluator(t, Rule{ID: "u", Measure: MeasureUnrecognised})
	hover, fall := t0.Add(15*time.Minute), t0.Add(3*time.Hour+15*time.Minute)
	perMin := func(at time.Time) float64 {
		switch {
		case at.Before(hover):
			return 3
		case at.Before(fall):
			if (at.Sub(hover)/(7*time.Minute))%2 == 0 {
				return 1.8
			}
			return 2.2
		}
		return 0
	}
	var tl tally
	var out []Alert
	acc := 0.0
	for at := t0; at.Before(fall.Add(time.Hour)); at = at.Add(time.Second) {
		if acc += perMin(at) / 60; acc >= 1 {
			acc--
			out = ev.Observe(out[:0], unrecognisedAt(at))
			tl.count(out)
		}
		out = ev.Tick(out[:0], at)
		tl.count(out)
	}
	if tl.fired != 1 || tl.resolved != 1 {
		t.Errorf("hovering count: %d firing and %d resolved alerts, want 1 and 1", tl.fired, tl.resolved)
	}
}

// A spool that fired resolves only once it is below 0.8 × the threshold, not when it dips just
// under it.
func TestSpoolResolvesWellBelowThreshold(t *testing.T) {
	ev := mustEvaluator(t, Rule{ID: "s", Measure: MeasureSpool})
	var tl tally
	for _, n := range []int64{10000, 9500, 10200, 9900, 8100, 7999, 10000} {
		tl.count(ev.Observe(nil, Event{Kind: KindSpool, Time: t0, Spool: n}))
		if n == 8100 && tl.resolved != 0 {
			t.Fatalf("resolved at %d records, above 0.8 × 10000", n)
		}
	}
	if tl.fired != 1 || tl.resolved != 1 {
		t.Errorf("%d firing and %d resolved, want 1 and 1 (resolved at 7999; 10000 again is in the cooldown)", tl.fired, tl.resolved)
	}
}

// A p99 that fired (60ms against 50ms) stays firing while it hovers just under the threshold
// (45ms) and resolves once it is below 0.8 × the threshold.
func TestP99ResolvesWellBelowThreshold(t *testing.T) {
	ev := mustEvaluator(t, Rule{ID: "p", Measure: MeasureP99Latency})
	var tl tally
	var out []Alert
	at := t0
	run := func(d time.Duration, latency time.Duration) {
		for end := at.Add(d); at.Before(end); at = at.Add(time.Second) {
			out = ev.Observe(out[:0], decisionAt(at, "auto", latency))
			tl.count(out)
		}
	}
	run(3*time.Minute, 60*time.Millisecond)
	if tl.fired != 1 {
		t.Fatalf("p99 60ms: %d firings, want 1", tl.fired)
	}
	run(10*time.Minute, 45*time.Millisecond)
	if tl.resolved != 0 {
		t.Fatalf("resolved while p99 is 45ms, above 0.8 × 50ms")
	}
	run(10*time.Minute, 10*time.Millisecond)
	if tl.fired != 1 || tl.resolved != 1 {
		t.Errorf("%d firing and %d resolved, want 1 and 1", tl.fired, tl.resolved)
	}
}

// The share form of the unrecognised rule, opt-in from the file: a busy shop's 30 unrecognised
// messages in 300 (10 %) do not fire a 20 % rule, one in three do; the default rules keep
// the count.
func TestUnrecognisedShareRuleFromFile(t *testing.T) {
	f, err := ParseFile("alerts.yaml", []byte("rules:\n  - {id: unrec, measure: unrecognised_share, threshold: 20%}\n"))
	if err != nil {
		t.Fatal(err)
	}
	r := f.Rules[0]
	if r.Threshold != 0.2 || r.MinCount != 30 || r.Window != 10*time.Minute || r.Name != "未识别比例过高" {
		t.Fatalf("rule = %+v", r)
	}
	for _, d := range DefaultRules() {
		if d.Measure == MeasureUnrecognisedShare {
			t.Fatal("unrecognised_share is among the default rules; it is opt-in")
		}
	}
	replay := func(every int) []Alert {
		ev := mustEvaluator(t, f.Rules...)
		var all []Alert
		for i := range 300 { // 30 a minute for 10 minutes
			e := decisionAt(t0.Add(time.Duration(i)*2*time.Second), "auto", time.Millisecond)
			e.Unrecognised = i%every == 0
			all = ev.Observe(all, e)
		}
		return all
	}
	if got := replay(10); len(got) != 0 {
		t.Fatalf("10 %% unrecognised against 20 %%: %+v", got)
	}
	got := replay(3)
	if len(got) != 1 || got[0].State != StateFiring || got[0].Rule != "unrec" {
		t.Fatalf("33 %% unrecognised against 20 %%: %+v, want one firing", got)
	}
	if want := "10分钟内未识别占"; !strings.HasPrefix(got[0].Summary, want) {
		t.Errorf("summary %q, want it to start %q", got[0].Summary, want)
	}
}
