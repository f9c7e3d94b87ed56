package alert

import (
	"errors"
	"strings"
	"testing"
	"time"
)

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
	if got[MeasureCommentKeywords].Cooldown != DefaultCommentCooldown || got[MeasureUnrecognised].Cooldown != DefaultCooldown {
		t.Errorf("cooldowns: %s, %s", got[MeasureCommentKeywords].Cooldown, got[MeasureUnrecognised].Cooldown)
	}
}

// "cooldown: 0" in a file means none, for a threshold rule too: NewEvaluator fills the
// defaults of the file's rules again and once turned the 0 into 30m.
func TestWrittenCooldownZero(t *testing.T) {
	f, err := ParseFile("a.yaml", []byte("rules:\n  - {id: u, measure: unrecognised, window: 1m, threshold: 1, cooldown: 0}\n"))
	if err != nil {
		t.Fatal(err)
	}
	ev := mustEvaluator(t, f.Rules...)
	if c := ev.Rules()[0].Cooldown; c != 0 {
		t.Fatalf("cooldown %s, want 0", c)
	}
	fired := 0
	for _, at := range []time.Duration{0, 3 * time.Minute} { // resolved in between (window empty)
		for _, a := range ev.Tick(ev.Observe(nil, unrecognisedAt(t0.Add(at))), t0.Add(at+2*time.Minute)) {
			if a.State == StateFiring {
				fired++
			}
		}
	}
	if fired != 2 {
		t.Fatalf("fired %d times, want 2: no cooldown holds the second back", fired)
	}
}
