package stat

import (
	"math"
	"testing"
)

func TestPercentText(t *testing.T) {
	for _, tt := range []struct {
		v        float64
		decimals int
		want     string
	}{
		{0.125, 1, "12.5"},
		{1, 1, "100.0"},
		{0, 1, "0.0"},
		{0.9996, 1, ">99.9"}, // not 100.0: one answer in 2,500 was wrong
		{0.99949, 1, "99.9"},
		{0.9995, 1, ">99.9"},
		{0.0004, 1, "<0.1"}, // not 0.0: one message in 2,500
		{0.0005, 1, "0.1"},
		{0.9996, 2, "99.96"},
		{0.99996, 2, ">99.99"},
		{0.996, 0, ">99"},
		{0.004, 0, "<1"},
		{0.5, 0, "50"},
		{1.2, 1, "120.0"}, // not a share: as it is
		{-0.1, 1, "-10.0"},
		{math.NaN(), 1, "–"},
		{math.Inf(1), 1, "–"},
	} {
		if got := PercentText(tt.v, tt.decimals); got != tt.want {
			t.Errorf("PercentText(%v, %d) = %q, want %q", tt.v, tt.decimals, got, tt.want)
		}
	}
}
