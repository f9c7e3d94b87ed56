package experiment

import (
	"encoding/json"
	"math"
	"strconv"
)

// Power is the power the sample sizes are computed for: the chance of calling a true
// difference of the observed size significant.
const Power = 0.8

// Test names, as reports give them.
const (
	TestWelch   = "welch_t"          // Welch's unequal-variances t-test on mean ratings
	TestTwoProp = "two_proportion_z" // pooled two-proportion z-test
)

// Mean is a sample mean with its confidence interval (Student's t). Mean is NaN without data,
// Low and High with fewer than two values.
type Mean struct {
	N    int64   `json:"n"`
	Mean float64 `json:"mean"`
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

// Share is a proportion with its Wilson score interval (sound near 0 and 1 and for small N,
// where the Wald interval is not). Rate, Low and High are NaN when N is 0.
type Share struct {
	Count int64   `json:"count"`
	N     int64   `json:"n"`
	Rate  float64 `json:"rate"`
	Low   float64 `json:"low"`
	High  float64 `json:"high"`
}

// Test compares one metric of a variant with the control's. Numbers that the data do not
// define (no data on one side, no variance) are NaN, and Significant is false.
type Test struct {
	Name string  `json:"test"`
	Diff float64 `json:"diff"` // variant − control
	// Low and High bound Diff at the test's level (1 − Alpha): Welch's interval for means,
	// the unpooled Wald interval for proportions.
	Low  float64 `json:"low"`
	High float64 `json:"high"`
	Stat float64 `json:"stat"`         // t or z
	DF   float64 `json:"df,omitempty"` // Welch–Satterthwaite degrees of freedom (t only)
	P    float64 `json:"p"`            // two-sided
	// Alpha is the level P is held against (after the Bonferroni correction).
	Alpha       float64 `json:"alpha"`
	Significant bool    `json:"significant"`
	// Needed is the sample size per variant (ratings, answers with a resolved value, or
	// served answers) at which a true difference of Diff would be found significant with
	// probability Power at Alpha; 0 when Diff is 0 or undefined. Have is the smaller of the
	// two sizes the test had.
	Needed int64 `json:"needed"`
	Have   int64 `json:"have"`
}

// moments summarise ratings: count, sum, sum of squares.
type moments struct {
	n          int64
	sum, sumSq float64
}

func (m moments) mean() float64 {
	if m.n == 0 {
		return math.NaN()
	}
	return m.sum / float64(m.n)
}

// variance is the unbiased sample variance (NaN below two values; never negative, which
// rounding in sumSq − sum²/n could make it).
func (m moments) variance() float64 {
	if m.n < 2 {
		return math.NaN()
	}
	n := float64(m.n)
	return math.Max(0, (m.sumSq-m.sum*m.sum/n)/(n-1))
}

// meanCI is the mean with its two-sided 1 − alpha t interval.
func meanCI(m moments, alpha float64) Mean {
	out := Mean{N: m.n, Mean: m.mean(), Low: math.NaN(), High: math.NaN()}
	if m.n >= 2 {
		half := tQuantile(1-alpha/2, float64(m.n-1)) * math.Sqrt(m.variance()/float64(m.n))
		out.Low, out.High = out.Mean-half, out.Mean+half
	}
	return out
}

// wilson is the proportion k/n with its two-sided 1 − alpha Wilson score interval.
func wilson(k, n int64, alpha float64) Share {
	out := Share{Count: k, N: n, Rate: math.NaN(), Low: math.NaN(), High: math.NaN()}
	if n <= 0 {
		return out
	}
	z := normQuantile(1 - alpha/2)
	fn, p := float64(n), float64(k)/float64(n)
	z2 := z * z
	den := 1 + z2/fn
	center := (p + z2/(2*fn)) / den
	half := z / den * math.Sqrt(p*(1-p)/fn+z2/(4*fn*fn))
	out.Rate, out.Low, out.High = p, math.Max(0, center-half), math.Min(1, center+half)
	return out
}

// welch is Welch's t-test of v's mean against c's at level alpha, with the interval of the
// difference and the per-group sample size for Power at the observed difference and variances.
func welch(v, c moments, alpha float64) Test {
	t := Test{Name: TestWelch, Alpha: alpha, Have: min(v.n, c.n)}
	t.Diff = v.mean() - c.mean()
	t.Low, t.High, t.Stat, t.DF, t.P = math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()
	if v.n < 2 || c.n < 2 {
		return t
	}
	vv, vc := v.variance()/float64(v.n), c.variance()/float64(c.n)
	se := math.Sqrt(vv + vc)
	if se == 0 {
		// Every rating the same within each side: the t statistic has no noise to measure
		// against. The exact permutation test does: how often would shuffling the ratings
		// between the sides separate them this far? (5,5 against 4,4: one time in three.)
		t.P = separationP(v.n, c.n, t.Diff)
		t.Low, t.High = t.Diff, t.Diff
		t.Significant = t.P < alpha
		return t
	}
	t.DF = (vv + vc) * (vv + vc) / (vv*vv/float64(v.n-1) + vc*vc/float64(c.n-1))
	t.Stat = t.Diff / se
	t.P = tTwoSided(t.Stat, t.DF)
	half := tQuantile(1-alpha/2, t.DF) * se
	t.Low, t.High = t.Diff-half, t.Diff+half
	t.Significant = t.P < alpha
	t.Needed = needMeans(v.variance(), c.variance(), t.Diff, alpha)
	return t
}

// twoProp is the pooled two-proportion z-test of kv/nv against kc/nc at level alpha, with the
// unpooled Wald interval of the difference and the per-group sample size for Power.
func twoProp(kv, nv, kc, nc int64, alpha float64) Test {
	t := Test{Name: TestTwoProp, Alpha: alpha, Have: min(nv, nc)}
	t.Diff, t.Low, t.High, t.Stat, t.P = math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()
	if nv == 0 || nc == 0 {
		return t
	}
	pv, pc := float64(kv)/float64(nv), float64(kc)/float64(nc)
	t.Diff = pv - pc
	pool := float64(kv+kc) / float64(nv+nc)
	se0 := math.Sqrt(pool * (1 - pool) * (1/float64(nv) + 1/float64(nc)))
	if se0 == 0 {
		t.P = 1 // all yes or all no on both sides: the same
	} else {
		t.Stat = t.Diff / se0
		t.P = math.Min(1, 2*normCDF(-math.Abs(t.Stat)))
	}
	half := normQuantile(1-alpha/2) * math.Sqrt(pv*(1-pv)/float64(nv)+pc*(1-pc)/float64(nc))
	t.Low, t.High = t.Diff-half, t.Diff+half
	t.Significant = t.P < alpha
	t.Needed = needProportions(pv, pc, alpha)
	return t
}

// needMeans is the sample size per group for a two-sided test at alpha to find a difference d
// between means with variances v1 and v2 with probability Power:
// n = (z_{1−α/2} + z_{Power})² (σ₁² + σ₂²) / d².
func needMeans(v1, v2, d, alpha float64) int64 {
	if d == 0 || math.IsNaN(d) || math.IsNaN(v1) || math.IsNaN(v2) {
		return 0
	}
	z := normQuantile(1-alpha/2) + normQuantile(Power)
	return ceilSize(z * z * (v1 + v2) / (d * d))
}

// needProportions is the sample size per group for a two-sided two-proportion test at alpha to
// find p1 ≠ p2 with probability Power:
// n = [z_{1−α/2} √(2p̄(1−p̄)) + z_{Power} √(p₁(1−p₁) + p₂(1−p₂))]² / (p₁ − p₂)².
func needProportions(p1, p2, alpha float64) int64 {
	d := p1 - p2
	if d == 0 || math.IsNaN(d) {
		return 0
	}
	pbar := (p1 + p2) / 2
	a := normQuantile(1-alpha/2)*math.Sqrt(2*pbar*(1-pbar)) + normQuantile(Power)*math.Sqrt(p1*(1-p1)+p2*(1-p2))
	return ceilSize(a * a / (d * d))
}

func ceilSize(n float64) int64 {
	switch {
	case math.IsNaN(n):
		return 0
	case n > 1e15:
		return 1e15
	}
	return max(2, int64(math.Ceil(n-1e-9)))
}

// jnum is a number in a report's JSON: 6 significant digits, and null where the data do not
// define it (encoding/json refuses NaN).
type jnum float64

func (f jnum) MarshalJSON() ([]byte, error) {
	x := float64(f)
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, x, 'g', 6, 64), nil
}

// MarshalJSON writes undefined numbers as null.
func (m Mean) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		N    int64 `json:"n"`
		Mean jnum  `json:"mean"`
		Low  jnum  `json:"low"`
		High jnum  `json:"high"`
	}{m.N, jnum(m.Mean), jnum(m.Low), jnum(m.High)})
}

// MarshalJSON writes undefined numbers as null.
func (s Share) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Count int64 `json:"count"`
		N     int64 `json:"n"`
		Rate  jnum  `json:"rate"`
		Low   jnum  `json:"low"`
		High  jnum  `json:"high"`
	}{s.Count, s.N, jnum(s.Rate), jnum(s.Low), jnum(s.High)})
}

// MarshalJSON writes undefined numbers as null.
func (t Test) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Name        string `json:"test"`
		Diff        jnum   `json:"diff"`
		Low         jnum   `json:"low"`
		High        jnum   `json:"high"`
		Stat        jnum   `json:"stat"`
		DF          *jnum  `json:"df,omitempty"`
		P           jnum   `json:"p"`
		Alpha       jnum   `json:"alpha"`
		Significant bool   `json:"significant"`
		Needed      int64  `json:"needed"`
		Have        int64  `json:"have"`
	}{t.Name, jnum(t.Diff), jnum(t.Low), jnum(t.High), jnum(t.Stat), dfOf(t), jnum(t.P), jnum(t.Alpha), t.Significant, t.Needed, t.Have})
}

func dfOf(t Test) *jnum {
	if t.Name != TestWelch {
		return nil
	}
	d := jnum(t.DF)
	return &d
}

// separationP is the two-sided p-value of the permutation test of a difference in means
// between two groups each of one value (n1 of a, n2 of b, diff = a − b): over the ways of
// dealing the n1+n2 ratings into groups of n1 and n2, the chance of a difference at least as
// large as diff. k, the a's dealt to the first group, is hypergeometric, and the difference is
// diff·(k/n1 − (n1−k)/n2).
func separationP(n1, n2 int64, diff float64) float64 {
	if diff == 0 {
		return 1
	}
	lchoose := func(n, k int64) float64 {
		a, _ := math.Lgamma(float64(n + 1))
		b, _ := math.Lgamma(float64(k + 1))
		c, _ := math.Lgamma(float64(n - k + 1))
		return a - b - c
	}
	d := func(k int64) float64 { return math.Abs(float64(k)/float64(n1) - float64(n1-k)/float64(n2)) }
	observed, total := d(n1), lchoose(n1+n2, n1)
	p := 0.0
	for k := max(0, n1-n2); k <= n1; k++ {
		if d(k) >= observed*(1-1e-12) {
			p += math.Exp(lchoose(n1, k) + lchoose(n2, n1-k) - total)
		}
	}
	return math.Min(1, p)
}
