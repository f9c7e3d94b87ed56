package main

import "testing"

// zhiyi ab printed a gray variant serving 0.4 % of the senders as "0% gray" and a resolved
// share of 0.9996 as "100.0%", and zhiyi eval an automatic share of 0.9996 as "auto 100.0%",
// while the console's 实验 page and the reports say <1% and >99.9% (stat.PercentText).
func TestTextSharesNeverRoundToCertainty(t *testing.T) {
	for _, tt := range []struct {
		v      float64
		digits int
		want   string
	}{
		{0.004, 0, "<1%"},
		{0.998, 0, ">99%"},
		{0.5, 0, "50%"},
		{0.9996, 1, ">99.9%"},
		{0.0004, 1, "<0.1%"},
		{1, 1, "100.0%"},
		{0, 1, "0.0%"},
	} {
		if got := pct(tt.v, tt.digits); got != tt.want {
			t.Errorf("pct(%v, %d) = %q, want %q", tt.v, tt.digits, got, tt.want)
		}
	}
	if got := topShares(map[string]float64{"invoice": 0.9996, "refund": 0.0004}, 5); got != "invoice >99.9%, refund <0.1%" {
		t.Errorf("topShares = %q", got)
	}
}
