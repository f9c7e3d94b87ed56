package intent

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// randomScores makes k logits and, with evidence, retrieval evidence for each label.
func randomScores(rng *rand.Rand, k int, evidence bool) Scores {
	s := Scores{Logits: make([]float32, k)}
	for j := range s.Logits {
		s.Logits[j] = float32(rng.NormFloat64() * 4)
	}
	if evidence {
		s.Evidence = make([]Evidence, k)
		for j := range s.Evidence {
			if rng.IntN(3) == 0 {
				s.Evidence[j] = Evidence{BM25: rng.Float64() * 12, Agree: rng.Float64(), Overlap: rng.Float64()}
			}
		}
	}
	return s
}

// TopProb and Fuse compute the textbook softmax (within rounding), at any temperature.
func TestSoftmaxesMatchTextbook(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	f := Fusion{Classifier: 0.9, BM25: 1.5, BM25Half: 3, Agree: 0.7, Overlap: 0.4}
	for i := range 2000 {
		k := 1 + rng.IntN(70)
		s := randomScores(rng, k, i%2 == 0)
		temp := 0.2 + 3*rng.Float64()
		z := make([]float64, k)
		m := math.Inf(-1)
		for j, l := range s.Logits {
			z[j] = f.Classifier * float64(l) / temp
			if s.Evidence != nil {
				ev := s.Evidence[j]
				z[j] += f.BM25*ev.BM25/(ev.BM25+f.BM25Half) + f.Agree*ev.Agree + f.Overlap*ev.Overlap
			}
			m = max(m, z[j])
		}
		sum := 0.0
		for _, v := range z {
			sum += math.Exp(v - m)
		}
		got := Fuse(s, f, temp, nil)
		for j, v := range z {
			want := math.Exp(v-m) / sum
			if d := math.Abs(got[j] - want); d > 1e-12*(want+1e-300) && d > 1e-15 {
				t.Fatalf("k=%d T=%v: Fuse[%d] = %v, want %v", k, temp, j, got[j], want)
			}
		}
		lm := math.Inf(-1)
		for _, l := range s.Logits {
			lm = max(lm, float64(l))
		}
		tsum := 0.0
		for _, l := range s.Logits {
			tsum += math.Exp((float64(l) - lm) / temp)
		}
		if got, want := TopProb(s.Logits, temp), 1/tsum; math.Abs(got-want) > 1e-12*want {
			t.Fatalf("k=%d T=%v: TopProb = %v, want %v", k, temp, got, want)
		}
	}
}

// BenchmarkSoftmaxes measures the two softmaxes of a message with the sample shop's 39 labels:
// the retrieval gate's (TopProb) and the fusion's, with and without retrieval evidence.
func BenchmarkSoftmaxes(b *testing.B) {
	rng := rand.New(rand.NewPCG(6, 6))
	f := Fusion{Classifier: 0.9, BM25: 1.5, BM25Half: 3, Agree: 0.7, Overlap: 0.4}
	for _, ev := range []bool{false, true} {
		scores := make([]Scores, 64)
		for i := range scores {
			scores[i] = randomScores(rng, 39, ev)
		}
		name := "classifier"
		if ev {
			name = "evidence"
		}
		b.Run("TopProb/"+name, func(b *testing.B) {
			for i := range b.N {
				TopProb(scores[i%len(scores)].Logits, 1.3)
			}
		})
		b.Run("Fuse/"+name, func(b *testing.B) {
			var buf [64]float64
			for i := range b.N {
				Fuse(scores[i%len(scores)], f, 1.3, buf[:0])
			}
		})
	}
}

// expAll agrees with math.Exp to within rounding over its whole domain, and sums what it wrote.
func TestExpAll(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	xs := []float64{0, math.Copysign(0, -1), -1e-300, -1e-9, -math.Ln2 / 128, -math.Ln2 / 64, -1, -math.Ln2, -10, -700, -707.9, -708, -708.1, -745, -1e10, math.Inf(-1)}
	for range 100000 {
		xs = append(xs, -rng.ExpFloat64()*20)
	}
	got := slices.Clone(xs)
	sum := expAll(got)
	want := 0.0
	for i, x := range xs {
		w := math.Exp(x)
		if x < -708 {
			w = 0
		}
		if math.Abs(got[i]-w) > 4e-16*w {
			t.Fatalf("e^%v = %v, want %v (relative error %.2g)", x, got[i], w, math.Abs(got[i]-w)/w)
		}
		want += got[i]
	}
	if sum != want {
		t.Errorf("sum %v, want %v", sum, want)
	}
	nan := []float64{-1, math.NaN()}
	if s := expAll(nan); !math.IsNaN(s) || !math.IsNaN(nan[1]) {
		t.Errorf("e^NaN = %v, sum %v; want NaN", nan[1], s)
	}
}

// The vector kernel (where there is one) and the portable code give the same bits for every
// value and sum, whatever the length and the values: below −708, NaN, −Inf, zeros.
func TestExpVectorMatchesPortable(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	odd := []float64{0, math.Copysign(0, -1), -708, -708.0000001, -709, -745, -1e308, math.Inf(-1), math.NaN(), -1e-300, -5e-324}
	for i := range 20000 {
		xs := make([]float64, rng.IntN(72))
		for j := range xs {
			switch {
			case i%3 == 0 && rng.IntN(8) == 0:
				xs[j] = odd[rng.IntN(len(odd))]
			default:
				xs[j] = -rng.ExpFloat64() * math.Pow(10, float64(rng.IntN(6)-2))
			}
		}
		got, want := slices.Clone(xs), slices.Clone(xs)
		gs, ws := expAll(got), expFrom(want, 0, 0)
		if math.Float64bits(gs) != math.Float64bits(ws) && !(gs != gs && ws != ws) {
			t.Fatalf("%v: sum %v, portable %v", xs, gs, ws)
		}
		for j := range xs {
			if math.Float64bits(got[j]) != math.Float64bits(want[j]) && !(got[j] != got[j] && want[j] != want[j]) {
				t.Fatalf("e^%v = %v, portable %v", xs[j], got[j], want[j])
			}
		}
	}
}
