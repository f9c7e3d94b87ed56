package train

import (
	"math"
	"testing"
)

func TestLevelC(t *testing.T) {
	grid := []float64{0.25, 0.5, 1, 2, 4}
	tests := []struct {
		name   string
		acc    []float64
		n      int
		want   float64
		lo, hi float64
	}{
		// SMP2017's intents CAIS shares, before and after four messages were analysed differently:
		// the argmax moved from 2 to 1, the level range stayed C 1–4.
		{"lead", []float64{0.9547, 0.9623, 0.9688, 0.9720, 0.9709}, 1037, 2, 1, 4},
		{"tie", []float64{0.9580, 0.9644, 0.9709, 0.9709, 0.9698}, 1037, 2, 1, 4},
		// With many examples the standard error is small: only a clear best stays.
		{"clear best", []float64{0.70, 0.71, 0.75, 0.72, 0.70}, 100_000, 1, 1, 1},
		{"best at the edge", []float64{0.80, 0.85, 0.88, 0.90, 0.95}, 10_000, 4, 4, 4},
		{"flat", []float64{0.9, 0.9, 0.9, 0.9, 0.9}, 500, 1, 0.25, 4},
		{"perfect", []float64{0.99, 1, 1, 1, 1}, 50, math.Sqrt(0.5 * 4), 0.5, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, level := levelC(grid, tt.acc, tt.n)
			if math.Abs(c-tt.want) > 1e-9 || level != [2]float64{tt.lo, tt.hi} {
				t.Errorf("levelC = %v over %v, want %v over [%v %v]", c, level, tt.want, tt.lo, tt.hi)
			}
		})
	}
}
