package experiment

import "math"

// The distribution functions the tests need, in pure Go on the standard library's math
// (Erfc, Erfcinv, Lgamma). Each is checked against scipy.stats in dist_test.go.

// normCDF is the standard normal distribution function Φ(x).
func normCDF(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

// normQuantile is Φ⁻¹(p) for 0 < p < 1: −√2·erfc⁻¹(2p) (erfc⁻¹ keeps the precision in the
// lower tail that 1 − p would lose), then one Halley step on Φ, because math.Erfcinv is only
// good to about 1e-9 relative in the far tails.
func normQuantile(p float64) float64 {
	x := -math.Sqrt2 * math.Erfcinv(2*p)
	if math.IsInf(x, 0) || math.IsNaN(x) {
		return x
	}
	e := normCDF(x) - p
	u := e * math.Sqrt(2*math.Pi) * math.Exp(x*x/2)
	return x - u/(1+x*u/2)
}

// tCDF is Student's t distribution function with df > 0 degrees of freedom (df need not be
// an integer: Welch's test gives fractional ones). It goes through the regularised incomplete
// beta function: P(T > |t|) = ½·I_{df/(df+t²)}(df/2, ½).
func tCDF(t, df float64) float64 {
	if math.IsInf(t, 0) {
		if t > 0 {
			return 1
		}
		return 0
	}
	tail := 0.5 * betaInc(df/2, 0.5, df/(df+t*t))
	if t > 0 {
		return 1 - tail
	}
	return tail
}

// tTwoSided is the two-sided p-value P(|T| ≥ |t|), computed without the cancellation of
// 1 − tCDF for large |t|.
func tTwoSided(t, df float64) float64 {
	if math.IsInf(t, 0) {
		return 0
	}
	return betaInc(df/2, 0.5, df/(df+t*t))
}

// tQuantile is the t distribution's inverse for 0 < p < 1. It solves for the upper tail
// ½·I_{df/(df+x²)}(df/2, ½) = 1 − p (exact in floating point for p ≥ ½, where the CDF would
// cancel) by Newton's method from the normal quantile, kept inside a bisection bracket so that
// it cannot diverge in the heavy tails of small df.
func tQuantile(p, df float64) float64 {
	switch {
	case p == 0.5:
		return 0
	case p < 0.5:
		return -tQuantile(1-p, df)
	}
	q := 1 - p
	upper := func(x float64) float64 { return 0.5 * betaInc(df/2, 0.5, df/(df+x*x)) }
	lo, hi := 0.0, 1.0
	for upper(hi) > q {
		lo, hi = hi, hi*2
		if hi > 1e300 {
			return math.Inf(1)
		}
	}
	x := normQuantile(p)
	if !(x > lo && x < hi) {
		x = (lo + hi) / 2
	}
	for range 200 {
		f := upper(x) - q
		if f == 0 {
			return x
		}
		if f > 0 {
			lo = x
		} else {
			hi = x
		}
		next := x + f/tPDF(x, df)
		if !(next > lo && next < hi) {
			next = (lo + hi) / 2
		}
		if math.Abs(next-x) <= 1e-15*math.Max(1, math.Abs(x)) {
			return next
		}
		x = next
	}
	return x
}

// tPDF is the t distribution's density.
func tPDF(t, df float64) float64 {
	lg1, _ := math.Lgamma((df + 1) / 2)
	lg2, _ := math.Lgamma(df / 2)
	return math.Exp(lg1 - lg2 - 0.5*math.Log(df*math.Pi) - (df+1)/2*math.Log1p(t*t/df))
}

// betaInc is the regularised incomplete beta function I_x(a, b) for a, b > 0 and 0 ≤ x ≤ 1,
// by its continued fraction (modified Lentz), on the side of the symmetry
// I_x(a, b) = 1 − I_{1−x}(b, a) where the fraction converges fast.
func betaInc(a, b, x float64) float64 {
	switch {
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	}
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	front := math.Exp(lab - la - lb + a*math.Log(x) + b*math.Log1p(-x))
	if x < (a+1)/(a+b+2) {
		return front * betaCF(a, b, x) / a
	}
	return 1 - front*betaCF(b, a, 1-x)/b
}

// betaCF evaluates the continued fraction of the incomplete beta function.
func betaCF(a, b, x float64) float64 {
	const (
		eps  = 1e-16
		tiny = 1e-300
	)
	qab, qap, qam := a+b, a+1, a-1
	c, d := 1.0, 1-qab*x/qap
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	h := d
	for m := 1; m <= 10000; m++ {
		fm := float64(m)
		m2 := 2 * fm
		aa := fm * (b - fm) * x / ((qam + m2) * (a + m2))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		h *= d * c
		aa = -(a + fm) * (qab + fm) * x / ((a + m2) * (qap + m2))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < eps {
			break
		}
	}
	return h
}
