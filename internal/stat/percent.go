package stat

import (
	"math"
	"strconv"
)

// PercentText formats a share (0.125) as a percentage with decimals digits after the point,
// without the sign ("12.5"), so that no share is shown as what it is not: one strictly between
// 0 and 1 that rounds to 100 or to 0 is written ">99.9" or "<0.1" (at one decimal), for a
// precision of 0.9996 is not 100 % and an unrecognised share of 0.0004 is not none. 0 and 1
// themselves, and values outside [0, 1], are rounded as they are; NaN and ±Inf are "–".
func PercentText(v float64, decimals int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	decimals = max(decimals, 0)
	s := strconv.FormatFloat(100*v, 'f', decimals, 64)
	if v <= 0 || v >= 1 {
		return s
	}
	step := math.Pow10(-decimals) // the smallest step shown, in percent
	switch r, _ := strconv.ParseFloat(s, 64); {
	case r >= 100:
		return ">" + strconv.FormatFloat(100-step, 'f', decimals, 64)
	case r <= 0:
		return "<" + strconv.FormatFloat(step, 'f', decimals, 64)
	}
	return s
}
