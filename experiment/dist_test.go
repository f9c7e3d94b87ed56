package experiment

import (
	"math"
	"testing"
)

// Reference values from mpmath at 40 digits (the t quantiles: findroot on its regularised
// betainc; scipy.stats 1.10.1's t.ppf is off by up to 1e-10) and scipy.stats 1.10.1 for the
// rest, except where a closed form is exact (t with 1 degree of freedom is Cauchy).

func near(got, want, rel float64) bool {
	if got == want {
		return true
	}
	return math.Abs(got-want) <= rel*math.Max(math.Abs(want), 1e-300)
}

func TestNormal(t *testing.T) {
	for _, c := range []struct{ p, x float64 }{
		{0.975, 1.959963984540054}, {0.8, 0.8416212335729143}, {0.995, 2.5758293035489004},
		{1e-10, -6.361340902404056}, {0.5, 0}, {0.025, -1.9599639845400545},
	} {
		if got := normQuantile(c.p); !near(got, c.x, 1e-13) {
			t.Errorf("normQuantile(%v) = %.17g, want %.17g", c.p, got, c.x)
		}
	}
	for _, c := range []struct{ x, p float64 }{
		{1.96, 0.9750021048517795}, {-3, 0.0013498980316300933}, {0, 0.5}, {-8, 6.22096057427174e-16},
	} {
		if got := normCDF(c.x); !near(got, c.p, 1e-13) {
			t.Errorf("normCDF(%v) = %.17g, want %.17g", c.x, got, c.p)
		}
	}
}

func TestStudentT(t *testing.T) {
	quantiles := []struct{ p, df, x float64 }{
		{0.975, 1, math.Tan(math.Pi * 0.475)}, // Cauchy: exact
		{0.975, 2, 4.302652729749463852},
		{0.975, 10, 2.228138851986274748},
		{0.975, 30, 2.042272456301238310},
		{0.95, 5, 2.015048373333024238},
		{0.975, 7.5, 2.333039626864974612}, // fractional df, as Welch's test gives
		{0.995, 3.3, 5.344306069721079482},
		{0.975, 1000, 1.962339080826408485},
		{0.999999, 2, 707.1057205157671246}, // for float64(0.999999), which is 2.9e-17 below 0.999999
		{0.025, 10, -2.228138851986274748},
	}
	for _, c := range quantiles {
		if got := tQuantile(c.p, c.df); !near(got, c.x, 1e-12) {
			t.Errorf("tQuantile(%v, %v) = %.17g, want %.17g", c.p, c.df, got, c.x)
		}
		if got := tCDF(c.x, c.df); !near(got, c.p, 1e-11) {
			t.Errorf("tCDF(%v, %v) = %.17g, want %v", c.x, c.df, got, c.p)
		}
	}
	// df 2 has a closed form: t = (2p−1)/√(2p(1−p)).
	if got, want := tQuantile(0.975, 2), (2*0.975-1)/math.Sqrt(2*0.975*0.025); !near(got, want, 1e-12) {
		t.Errorf("tQuantile(0.975, 2) = %.17g, want %.17g", got, want)
	}
	cdfs := []struct{ x, df, cdf, two float64 }{
		{2, 10, 0.9633059826146297, 0.07338803477074039},
		{-1.5, 3.7, 0.10679908460100665, 0.2135981692020133},
		{0.3, 1, 0.5927735790777423, 0.8144528418445154},
		{10, 50, 0.9999999999999196, 1.607733468833539e-13},
		{25, 4, 0.9999924012371184, 1.5197525763315744e-05},
	}
	for _, c := range cdfs {
		if got := tCDF(c.x, c.df); !near(got, c.cdf, 1e-12) {
			t.Errorf("tCDF(%v, %v) = %.17g, want %.17g", c.x, c.df, got, c.cdf)
		}
		if got := tTwoSided(c.x, c.df); !near(got, c.two, 1e-10) {
			t.Errorf("tTwoSided(%v, %v) = %.17g, want %.17g", c.x, c.df, got, c.two)
		}
	}
	if tCDF(math.Inf(1), 3) != 1 || tCDF(math.Inf(-1), 3) != 0 || tTwoSided(math.Inf(1), 3) != 0 {
		t.Error("infinite t")
	}
}

func TestBetaInc(t *testing.T) {
	for _, c := range []struct{ a, b, x, want float64 }{
		{2, 3, 0.4, 0.5248}, // exact: a polynomial for integer a, b
		{0.5, 0.5, 0.1, 0.2048327646991335},
		{10, 0.5, 0.99, 0.6579281751567843},
		{50, 60, 0.45, 0.4642352914306064},
		{3, 4, 0, 0}, {3, 4, 1, 1},
	} {
		if got := betaInc(c.a, c.b, c.x); !near(got, c.want, 1e-12) {
			t.Errorf("betaInc(%v, %v, %v) = %.17g, want %.17g", c.a, c.b, c.x, got, c.want)
		}
	}
}
