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
