package intent

import "math"

// expTable[i] is 2^(i/64).
var expTable = func() (t [64]float64) {
	for i := range t {
		t[i] = math.Exp2(float64(i) / 64)
	}
	return t
}()

const (
	expScale = 64 / math.Ln2 // x·expScale is x in 64ths of ln 2
	// ln 2 / 64 as a sum (fdlibm's split of ln 2): the high part's trailing zero bits keep
	// k·expLn2Hi exact.
	expLn2Hi = 6.93147180369123816490e-01 / 64
	expLn2Lo = 1.90821492927058770002e-10 / 64
	expRound = 0x1.8p52 // adding it rounds a float64 of magnitude < 2^51 to an integer
)

// expAll replaces each x ≤ 0 in xs by e^x, to within a few units in the last place (0 below
// −708, where e^x leaves float64's normal range; NaN stays NaN), and returns their sum. The
// softmaxes call it for every label of every message: math.Exp, with its special cases and a
// call per value, was a tenth of a message's time. e^x = 2^(k/64) · e^r, with k the nearest
// integer to x·64/ln 2 (so |r| ≤ ln 2/128), 2^(k/64) from a table and the exponent bits, and
// e^r from its Taylor series to r^5 (the next term is below 2^-54). Where the CPU has AVX2 the
// values go four at a time (expVector), with the same operations in the same order, so every
// machine computes the same bits.
func expAll(xs []float64) float64 {
	sum, done := expVector(xs)
	return expFrom(xs, done, sum)
}

// expFrom is expAll for xs[from:], adding the values to sum in order: the portable code, and
// the vector kernel's (expVector) tail. Every product is rounded before it is added (the
// conversions), as the kernel does, so no build fuses them and both give the same bits.
func expFrom(xs []float64, from int, sum float64) float64 {
	for i := from; i < len(xs); i++ {
		x := xs[i]
		if !(x >= -708) {
			if x == x {
				xs[i] = 0
			}
			sum += xs[i]
			continue
		}
		t := float64(x*expScale) + expRound
		k := int64(math.Float64bits(t)) // the low bits hold k in two's complement
		kf := t - expRound
		r := float64(x-float64(kf*expLn2Hi)) - float64(kf*expLn2Lo)
		p := 1 + float64(r*(1+float64(r*(1.0/2+float64(r*(1.0/6+float64(r*(1.0/24+float64(r*(1.0/120))))))))))
		// 2^(k/64) = 2^(k&63/64) · 2^(k>>6); k>>6 ≥ −1022 here, so adding it to the exponent
		// bits keeps the result normal.
		e := math.Float64frombits(math.Float64bits(float64(expTable[k&63]*p)) + uint64(k>>6)<<52)
		xs[i] = e
		sum += e
	}
	return sum
}

// maxLogit returns the largest of xs, or -Inf for none. It compares and branches rather than
// use the max builtin, which must order NaNs and signed zeros: a chain of instructions per
// element that the next element waits on (half of TopProb's time, measured). Logits are finite.
func maxLogit(xs []float32) float32 {
	m := float32(math.Inf(-1))
	for _, x := range xs {
		if x > m {
			m = x
		}
	}
	return m
}
