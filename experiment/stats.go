package experiment

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/zhiyi-ai/zhiyi/internal/stat"
)

// Power is the power the planned sample sizes are computed for: the chance of calling a true
// difference of the minimum effect significant.
const Power = 0.8

// Minimum effects the planned sample sizes are for (Config.MinEffect, Config.MinShareEffect).
// A report plans from the smallest difference worth finding, chosen before the data, not from
// the difference observed: a size planned from the observed difference is post-hoc power,
// which is 0 when the observed difference is 0 and so declares "no difference" from a handful
// of ratings.
const (
	// DefaultMinEffect is the smallest difference in mean rating (points on the 1–5 scale)
	// an experiment is planned to find.
	DefaultMinEffect = 0.3
	// DefaultMinShareEffect is the smallest difference in the resolved share or the repeat rate
	// (a fraction: 0.05 = 5 percentage points) an experiment is planned to find.
	DefaultMinShareEffect = 0.05
)

// Rating variances a plan assumes at least. The sample variance of a few ratings says little
// about their spread (a few equal ratings have variance 0, which would plan a size of 2), so
// below planSmallN ratings a side is taken to vary at least as typical 1–5 ratings do
// (minRatingVariance: the sample shop's are 1.0–1.4); from planSmallN on, its own variance
// counts, down to that of a rating split between two neighbouring stars (minGrayVariance).
const (
	minRatingVariance = 1.0
	planSmallN        = 30
)

// Test names, as reports give them.
const (
	TestWelch   = "welch_t"          // Welch's unequal-variances t-test on mean ratings
	TestTwoProp = "two_proportion_z" // pooled two-proportion z-test
	// TestFisher is Fisher's exact test (two-sided), used for proportions instead of the
	// z-test when an expected cell count is below 5, where the normal approximation calls
	// differences significant too readily (3/3 against 0/3: z-test p = 0.014, exact p = 0.1).
	TestFisher = "fisher_exact"
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
	// the unpooled Wald interval for proportions (Newcombe's hybrid score interval, built from
	// the two Wilson intervals, with Fisher's test: the Wald interval is degenerate at 0/n).
	Low  float64 `json:"low"`
	High float64 `json:"high"`
	Stat float64 `json:"stat"`         // t or z; NaN for Fisher's exact test
	DF   float64 `json:"df,omitempty"` // Welch–Satterthwaite degrees of freedom (t only)
	P    float64 `json:"p"`            // two-sided
	// Alpha is the level P is held against (after the Bonferroni correction).
	Alpha       float64 `json:"alpha"`
	Significant bool    `json:"significant"`
	// Needed is the planned sample size per variant (ratings, answers with a resolved value,
	// or served answers): the size at which a true difference of Effect, the minimum effect
	// set before the data, would be found significant with probability Power at Alpha. P holds
	// for one look at that size; read earlier or again and again, some look calls a
	// difference significant far more often than Alpha. Reports fill it (0 from the bare
	// tests). Have is the smaller of the two sizes the test had.
	Needed int64   `json:"needed"`
	Effect float64 `json:"effect"`
	Have   int64   `json:"have"`
	// SeqLow and SeqHigh bound Diff at every look at once (ratings only; NaN otherwise, or
	// below two ratings a side): the always-valid 1 − Alpha interval the gray release uses
	// (grayInterval), which holds however often the report is read and whenever one stops.
	// Confirmed says that it excludes 0, with at least 30 ratings a side: a difference that
	// reading again and again cannot have made up. Reports fill them.
	SeqLow    float64 `json:"-"`
	SeqHigh   float64 `json:"-"`
	Confirmed bool    `json:"-"`
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
	out.Rate = float64(k) / float64(n)
	out.Low, out.High = stat.Wilson(k, n, normQuantile(1-alpha/2))
	return out
}

// welch is Welch's t-test of v's mean against c's at level alpha, with the interval of the
// difference. The planned size is planMeans's.
func welch(v, c moments, alpha float64) Test {
	t := Test{Name: TestWelch, Alpha: alpha, Have: min(v.n, c.n)}
	t.Diff = v.mean() - c.mean()
	t.Low, t.High, t.Stat, t.DF, t.P = math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()
	t.SeqLow, t.SeqHigh = math.NaN(), math.NaN() // a report fills them
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
	return t
}

// twoProp compares kv/nv with kc/nc at level alpha: the pooled two-proportion z-test with the
// unpooled Wald interval of the difference, or, when an expected cell of the 2×2 table is
// below 5, Fisher's exact test with Newcombe's interval. The planned size is planShares's.
func twoProp(kv, nv, kc, nc int64, alpha float64) Test {
	t := Test{Name: TestTwoProp, Alpha: alpha, Have: min(nv, nc)}
	t.Diff, t.Low, t.High, t.Stat, t.P = math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()
	if nv == 0 || nc == 0 {
		return t
	}
	pv, pc := float64(kv)/float64(nv), float64(kc)/float64(nc)
	t.Diff = pv - pc
	k, n := kv+kc, nv+nc
	pool := float64(k) / float64(n)
	se0 := math.Sqrt(pool * (1 - pool) * (1/float64(nv) + 1/float64(nc)))
	switch {
	case se0 == 0:
		t.P = 1 // all yes or all no on both sides: the same
	case float64(min(nv, nc))*float64(min(k, n-k))/float64(n) < 5: // the smallest expected cell
		t.Name = TestFisher
		t.P = fisherExact(kv, nv, kc, nc)
		wv, wc := wilson(kv, nv, alpha), wilson(kc, nc, alpha)
		t.Low = t.Diff - math.Sqrt((pv-wv.Low)*(pv-wv.Low)+(wc.High-pc)*(wc.High-pc))
		t.High = t.Diff + math.Sqrt((wv.High-pv)*(wv.High-pv)+(pc-wc.Low)*(pc-wc.Low))
		t.Significant = t.P < alpha
		return t
	default:
		t.Stat = t.Diff / se0
		t.P = math.Min(1, 2*normCDF(-math.Abs(t.Stat)))
	}
	half := normQuantile(1-alpha/2) * math.Sqrt(pv*(1-pv)/float64(nv)+pc*(1-pc)/float64(nc))
	t.Low, t.High = t.Diff-half, t.Diff+half
	t.Significant = t.P < alpha
	return t
}

// fisherExact is the two-sided p-value of Fisher's exact test of a/n1 against c/n2: given the
// margins, the number of yeses in the first group is hypergeometric, and p is the total
// probability of the tables no more probable than the observed one (as R's fisher.test and
// scipy's fisher_exact, with the same relative tolerance of 1e-7 for ties). Probabilities are
// summed from log-factorials (math.Lgamma) so that large margins neither overflow nor lose
// the small terms.
func fisherExact(a, n1, c, n2 int64) float64 {
	k, n := a+c, n1+n2
	total := lchoose(n, k)
	logP := func(x int64) float64 { return lchoose(n1, x) + lchoose(n2, k-x) - total }
	observed := logP(a) + math.Log1p(1e-7)
	p := 0.0
	for x := max(0, k-n2); x <= min(k, n1); x++ {
		if lp := logP(x); lp <= observed {
			p += math.Exp(lp)
		}
	}
	return math.Min(1, p)
}

// lchoose is log C(n, k).
func lchoose(n, k int64) float64 {
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return a - b - c
}

// planMeans is the planned ratings per variant to find a difference of effect between v's and
// c's means: needMeans with the sample variances, bounded below as the constants above say.
func planMeans(v, c moments, effect, alpha float64) int64 {
	return needMeans(planVariance(v), planVariance(c), effect, alpha)
}

func planVariance(m moments) float64 {
	floor := minGrayVariance
	if m.n < planSmallN {
		floor = minRatingVariance
	}
	if x := m.variance(); x > floor { // NaN compares false
		return x
	}
	return floor
}

// planShares is the planned size per variant to find a difference of effect in a proportion
// whose rate so far is (kv+kc)/(nv+nc) (0.5 without data): needProportions from that rate to
// the rate effect away from it, towards 0.5 (where the variance, and so the size, is larger).
func planShares(kv, nv, kc, nc int64, effect, alpha float64) int64 {
	p := 0.5
	if nv+nc > 0 {
		p = float64(kv+kc) / float64(nv+nc)
	}
	q := p + effect
	if p > 0.5 {
		q = p - effect
	}
	return needProportions(math.Min(1, math.Max(0, q)), p, alpha)
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
		Effect      jnum   `json:"effect"`
		Have        int64  `json:"have"`
		SeqLow      *jnum  `json:"always_valid_low,omitempty"`
		SeqHigh     *jnum  `json:"always_valid_high,omitempty"`
		Confirmed   *bool  `json:"confirmed,omitempty"`
	}{t.Name, jnum(t.Diff), jnum(t.Low), jnum(t.High), jnum(t.Stat), dfOf(t), jnum(t.P), jnum(t.Alpha), t.Significant, t.Needed, jnum(t.Effect), t.Have,
		seqOf(t, t.SeqLow), seqOf(t, t.SeqHigh), confirmedOf(t)})
}

// seqOf is an always-valid bound for the JSON: only the rating test has one.
func seqOf(t Test, x float64) *jnum {
	if t.Name != TestWelch {
		return nil
	}
	j := jnum(x)
	return &j
}

func confirmedOf(t Test) *bool {
	if t.Name != TestWelch {
		return nil
	}
	return &t.Confirmed
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
