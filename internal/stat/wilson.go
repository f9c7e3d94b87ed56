package stat

import "math"

// Wilson returns the Wilson score interval of k successes in n trials at the normal quantile z
// (1.96 for a two-sided 95 % interval, 2.326 for a one-sided 99 % bound). Unlike the normal
// approximation it stays inside [0, 1] and is honest for small n and for shares near 0 or 1. It
// is exact at the ends (k = 0 gives lo = 0, k = n gives hi = 1), where rounding would otherwise
// put a share of 0 or 1 just out of its own interval. n ≤ 0 gives NaNs.
func Wilson(k, n int64, z float64) (lo, hi float64) {
	if n <= 0 {
		return math.NaN(), math.NaN()
	}
	fn, p := float64(n), float64(k)/float64(n)
	z2 := z * z
	den := 1 + z2/fn
	center := (p + z2/(2*fn)) / den
	half := z / den * math.Sqrt(p*(1-p)/fn+z2/(4*fn*fn))
	lo, hi = max(center-half, 0), min(center+half, 1)
	if k == 0 {
		lo = 0
	}
	if k == n {
		hi = 1
	}
	return lo, hi
}
