package stat

import (
	"math"
	"testing"
)

// Values from the textbook formula, checked by hand (81/263 is Newcombe 1998's example: 0.2553–0.3662).
func TestWilson(t *testing.T) {
	for _, tt := range []struct {
		k, n   int64
		z      float64
		lo, hi float64
	}{
		{0, 10, 1.96, 0, 0.27753},
		{5, 10, 1.96, 0.23659, 0.76341},
		{1, 10, 1.96, 0.01787, 0.40415},
		{10, 10, 1.96, 0.72247, 1},
		{81, 263, 1.96, 0.25529, 0.36621},
	} {
		lo, hi := Wilson(tt.k, tt.n, tt.z)
		if math.Abs(lo-tt.lo) > 1e-4 || math.Abs(hi-tt.hi) > 1e-4 {
			t.Errorf("Wilson(%d, %d) = [%.5f, %.5f], want [%.5f, %.5f]", tt.k, tt.n, lo, hi, tt.lo, tt.hi)
		}
	}
	if lo, hi := Wilson(0, 0, 1.96); !math.IsNaN(lo) || !math.IsNaN(hi) {
		t.Errorf("no trials: [%v, %v], want NaNs", lo, hi)
	}
}
