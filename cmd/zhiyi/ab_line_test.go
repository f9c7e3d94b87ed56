package main

import (
	"math"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/experiment"
)

// Every rating the same within each side (158 fives against 142 fours): the report's p-value
// is the exact permutation test's, and the line says so instead of "t = NaN, df = NaN".
func TestTestLineWelchWithoutSpread(t *testing.T) {
	tt := experiment.Test{Name: experiment.TestWelch, Diff: 1, Low: 1, High: 1, Stat: math.NaN(), DF: math.NaN(),
		P: 1.6e-89, Alpha: 0.05, Significant: true, Needed: 44, Effect: 0.3, Have: 142}
	got := testLine(tt, false, "ratings")
	if strings.Contains(got, "NaN") || !strings.Contains(got, "permutation test") {
		t.Errorf("testLine = %q, want the permutation test named and no NaN", got)
	}
	tt.Stat, tt.DF = 1.42, 87.9
	if got := testLine(tt, false, "ratings"); !strings.Contains(got, "Welch's t = 1.42, df = 87.9") {
		t.Errorf("testLine = %q, want Welch's t and df", got)
	}
}
