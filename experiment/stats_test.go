package experiment

import (
	"encoding/json"
	"math"
	"testing"
)

// Reference values: scipy.stats 1.10.1 (ttest_ind_from_stats with equal_var=False, norm.sf) and
// the textbook formulas evaluated in Python; t intervals with mpmath's t quantile at 40 digits
// (scipy's t.ppf is off by up to 1e-8); the Wilson interval for 8 of 10 is the one in Newcombe
// (1998), table I: 0.4902–0.9433.

// fromStats returns the moments of n ratings with the given mean and sample standard deviation.
func fromStats(n int64, mean, sd float64) moments {
	fn := float64(n)
	return moments{n: n, sum: fn * mean, sumSq: (fn-1)*sd*sd + fn*mean*mean}
}

func TestMeanCI(t *testing.T) {
	m := meanCI(fromStats(40, 4.2, 0.9), 0.05)
	if !near(m.Mean, 4.2, 1e-12) || !near(m.Low, 3.9121660360564048, 1e-12) || !near(m.High, 4.4878339639435956, 1e-12) {
		t.Errorf("meanCI = %+v", m)
	}
	if m := meanCI(moments{n: 1, sum: 5, sumSq: 25}, 0.05); m.Mean != 5 || !math.IsNaN(m.Low) {
		t.Errorf("one rating: %+v", m)
	}
	if m := meanCI(moments{}, 0.05); !math.IsNaN(m.Mean) {
		t.Errorf("no ratings: %+v", m)
	}
}

func TestWilson(t *testing.T) {
	for _, c := range []struct {
		k, n      int64
		low, high float64
	}{
		{8, 10, 0.4901624715366418, 0.9433178485456248},
		{0, 10, 0, 0.2775327998628892},
		{70, 100, 0.6041514536665332, 0.7810511470506724},
	} {
		s := wilson(c.k, c.n, 0.05)
		if !near(s.Low+1, c.low+1, 1e-12) || !near(s.High, c.high, 1e-12) || s.Rate != float64(c.k)/float64(c.n) {
			t.Errorf("wilson(%d, %d) = %+v, want [%v, %v]", c.k, c.n, s, c.low, c.high)
		}
	}
	if s := wilson(0, 0, 0.05); !math.IsNaN(s.Rate) {
		t.Errorf("wilson(0, 0) = %+v", s)
	}
}

func TestWelchT(t *testing.T) {
	w := welch(fromStats(40, 4.2, 0.9), fromStats(50, 3.9, 1.1), 0.05)
	if !near(w.Stat, 1.422936016353748, 1e-10) || !near(w.P, 0.1582923565032722, 1e-9) || !near(w.DF, 87.94532408008313, 1e-10) {
		t.Errorf("welch = %+v, want t 1.4229 df 87.945 p 0.15829", w)
	}
	if !near(w.Low, -0.11898730414621989, 1e-11) || !near(w.High, 0.71898730414621987, 1e-11) || w.Significant {
		t.Errorf("welch interval [%v, %v] significant %v", w.Low, w.High, w.Significant)
	}
	if w.Have != 40 || w.Name != TestWelch {
		t.Errorf("welch have %d name %s", w.Have, w.Name)
	}
	// No variance: equal means are not a difference; unequal ones are as significant as the
	// permutation test says, 2/C(10,5) for five against five, 2/C(4,2) for two against two.
	same := moments{n: 5, sum: 20, sumSq: 80}
	if w := welch(same, same, 0.05); w.P != 1 || w.Significant {
		t.Errorf("constant equal: %+v", w)
	}
	if w := welch(moments{n: 5, sum: 25, sumSq: 125}, same, 0.05); !near(w.P, 2.0/252, 1e-12) || !w.Significant {
		t.Errorf("constant unequal, 5 against 5: %+v, want p 2/252", w)
	}
	if w := welch(moments{n: 2, sum: 10, sumSq: 50}, moments{n: 2, sum: 8, sumSq: 32}, 0.05); !near(w.P, 1.0/3, 1e-12) || w.Significant {
		t.Errorf("constant unequal, 2 against 2: %+v, want p 1/3", w)
	}
	// 3 against 6: only the observed deal separates them this far (1/C(9,3)).
	if w := welch(moments{n: 3, sum: 15, sumSq: 75}, moments{n: 6, sum: 24, sumSq: 96}, 0.05); !near(w.P, 1.0/84, 1e-12) || !w.Significant {
		t.Errorf("constant unequal, 3 against 6: %+v, want p 1/84", w)
	}
	if w := welch(moments{n: 1, sum: 5, sumSq: 25}, same, 0.05); !math.IsNaN(w.P) || w.Significant || w.Needed != 0 {
		t.Errorf("one rating: %+v", w)
	}
}

func TestTwoProportionZ(t *testing.T) {
	z := twoProp(84, 700, 56, 700, 0.05)
	if !near(z.Stat, 2.4944382578492936, 1e-12) || !near(z.P, 0.012615667221804612, 1e-9) || !z.Significant {
		t.Errorf("twoProp = %+v, want z 2.4944 p 0.012616", z)
	}
	if !near(z.Low, 0.00864057624735913, 1e-9) || !near(z.High, 0.07135942375264086, 1e-9) {
		t.Errorf("twoProp interval [%v, %v]", z.Low, z.High)
	}
	if z := twoProp(10, 10, 5, 5, 0.05); z.P != 1 || z.Significant {
		t.Errorf("all yes: %+v", z)
	}
	if z := twoProp(1, 0, 5, 5, 0.05); !math.IsNaN(z.P) || z.Significant {
		t.Errorf("no data: %+v", z)
	}
}

func TestSampleSizes(t *testing.T) {
	// Half a standard deviation: the textbook 63 per group (62.79 rounded up).
	if n := needMeans(1, 1, 0.5, 0.05); n != 63 {
		t.Errorf("needMeans(d = 0.5σ) = %d, want 63", n)
	}
	// The simulation's ratings: variances 1.37 and 1.02, means 3.9 and 4.2: 208.43 → 209.
	if n := needMeans(1.37, 1.02, 0.3, 0.05); n != 209 {
		t.Errorf("needMeans(sim) = %d, want 209", n)
	}
	if n := needProportions(0.12, 0.08, 0.05); n != 882 {
		t.Errorf("needProportions(0.12, 0.08) = %d, want 882 (881.82)", n)
	}
	if needMeans(1, 1, 0, 0.05) != 0 || needProportions(0.3, 0.3, 0.05) != 0 {
		t.Error("no difference should need no size")
	}
}

func TestJSONUndefined(t *testing.T) {
	b, err := json.Marshal(welch(moments{n: 1, sum: 5, sumSq: 25}, moments{}, 0.05))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"test":"welch_t","diff":null,"low":null,"high":null,"stat":null,"df":null,"p":null,"alpha":0.05,"significant":false,"needed":0,"effect":0,"have":0,"always_valid_low":null,"always_valid_high":null,"confirmed":false}`
	if string(b) != want {
		t.Errorf("JSON\n%s\nwant\n%s", b, want)
	}
	b, _ = json.Marshal(twoProp(84, 700, 56, 700, 0.05))
	if want := `{"test":"two_proportion_z","diff":0.04,"low":0.00864058,"high":0.0713594,"stat":2.49444,"p":0.0126157,"alpha":0.05,"significant":true,"needed":0,"effect":0,"have":700}`; string(b) != want {
		t.Errorf("JSON\n%s\nwant\n%s", b, want)
	}
}

// Fisher's exact test against exact values: the two-sided p summed as fractions over the
// hypergeometric tables no more probable than the observed one (Python's fractions and
// math.comb; the same rule as R's fisher.test and scipy's fisher_exact). 3/3 against 0/3 is
// the review's case; 3/4 against 1/4 is Fisher's tea-tasting table (17/35); [[8, 2], [1, 5]]
// gives scipy's 0.034965.
func TestFisherExactKnownValues(t *testing.T) {
	for _, c := range []struct {
		a, n1, c, n2 int64
		p            float64
	}{
		{3, 3, 0, 3, 1.0 / 10},
		{3, 4, 1, 4, 17.0 / 35},
		{8, 10, 1, 6, 5.0 / 143},
		{0, 5, 4, 5, 1.0 / 21},
		{1, 20, 5, 12, 1397.0 / 75516},
		{7, 12, 2, 9, 3868.0 / 20995},
		{2, 1000, 9, 1000, 0.06470495791578933},
		{0, 3, 0, 3, 1},
	} {
		if p := fisherExact(c.a, c.n1, c.c, c.n2); !near(p, c.p, 1e-10) {
			t.Errorf("fisherExact(%d/%d vs %d/%d) = %.12g, want %.12g", c.a, c.n1, c.c, c.n2, p, c.p)
		}
		// The table is the same read the other way round.
		if p, q := fisherExact(c.a, c.n1, c.c, c.n2), fisherExact(c.c, c.n2, c.a, c.n1); !near(p, q, 1e-12) {
			t.Errorf("fisherExact not symmetric: %v and %v", p, q)
		}
	}
}

// Proportions on tiny counts use the exact test: 3/3 resolved against 0/3 is not significant
// (p = 0.1; the z-test said 0.014), and the interval of the difference is Newcombe's, not the
// Wald interval's degenerate [1, 1]. Large counts keep the z-test.
func TestTwoPropUsesTheExactTestOnSmallCounts(t *testing.T) {
	tt := twoProp(3, 3, 0, 3, 0.05)
	if tt.Name != TestFisher || !near(tt.P, 0.1, 1e-12) || tt.Significant || !math.IsNaN(tt.Stat) {
		t.Errorf("3/3 vs 0/3: %+v, want Fisher p = 0.1, not significant", tt)
	}
	if tt.Diff != 1 || !(tt.Low > 0.2 && tt.Low < 0.6) || tt.High != 1 {
		t.Errorf("3/3 vs 0/3: interval [%v, %v], want Newcombe's (about [0.37, 1])", tt.Low, tt.High)
	}
	// Rare repeats on large samples: 2/1000 against 9/1000 has expected cells of 5.5 — the
	// z-test; 2/1000 against 7/1000 has 4.5 — Fisher.
	if tt := twoProp(2, 1000, 9, 1000, 0.05); tt.Name != TestTwoProp {
		t.Errorf("2/1000 vs 9/1000: %s", tt.Name)
	}
	if tt := twoProp(2, 1000, 7, 1000, 0.05); tt.Name != TestFisher || !near(tt.P, fisherExact(2, 1000, 7, 1000), 0) {
		t.Errorf("2/1000 vs 7/1000: %+v", tt)
	}
}

// A plan never rests on the variance of a few equal ratings.
func TestPlanFromTheMinimumEffect(t *testing.T) {
	few := moments{n: 2, sum: 10, sumSq: 50} // 5, 5: variance 0
	if n := planMeans(few, few, 0.3, 0.05); n != needMeans(1, 1, 0.3, 0.05) {
		t.Errorf("two equal ratings a side: plan %d, want %d (variance taken as 1)", n, needMeans(1, 1, 0.3, 0.05))
	}
	if n := planMeans(fromStats(40, 4.2, 0.9), fromStats(50, 3.9, 1.1), 0.3, 0.05); n != needMeans(0.81, 1.21, 0.3, 0.05) {
		t.Errorf("40 and 50 ratings: plan %d, want their own variances'", n)
	}
	if n := planShares(0, 0, 0, 0, 0.05, 0.05); n != needProportions(0.55, 0.5, 0.05) {
		t.Errorf("no data: plan %d, want from 50 %%", n)
	}
	if n := planShares(3, 3, 3, 3, 0.05, 0.05); n != needProportions(0.95, 1, 0.05) || n < 100 {
		t.Errorf("all yes: plan %d", n)
	}
}
