package train

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSolveSVMReachesTheOptimum checks the solver against the primal problem it solves: the
// squared hinge is differentiable, so at the optimum the gradient of
// ½‖w‖² + ½b² + Σ Cᵢ max(0, 1 − yᵢ(w·xᵢ + b))² is zero in every coordinate.
func TestSolveSVMReachesTheOptimum(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	const n, nrows, k = 300, 40, 3
	var examples []Example
	var exRows [][]int32
	var exX [][]float32
	for i := range n {
		label := i % k
		var rs []int32
		var xs []float32
		for range 6 {
			r := int32(rng.IntN(nrows))
			if rng.Float64() < 0.5 {
				r = int32(label*5 + rng.IntN(8)) // overlapping, not separable
			}
			rs = append(rs, r)
			xs = append(xs, float32(0.2+rng.Float64()))
		}
		rs = append(rs, rs[0]) // a repeated row adds its value
		xs = append(xs, 0.5)
		var norm2 float32
		for _, x := range xs {
			norm2 += x * x
		}
		for t := range xs {
			xs[t] /= float32(math.Sqrt(float64(norm2))) // unit rows, as Fit weighs them
		}
		w := float32(1)
		if i%10 == 0 {
			w = 0.5
		}
		examples = append(examples, Example{Label: label, Weight: w})
		exRows, exX = append(exRows, rs), append(exX, xs)
	}
	for _, c := range []float64{0.1, 1, 4} {
		data := svmRows(examples, exRows, exX, c)
		for j := range k {
			w, b, passes, err := solveSVM(context.Background(), examples, data, j, nrows, 1)
			if err != nil {
				t.Fatal(err)
			}
			if passes >= svmMaxIter {
				t.Errorf("C %v intent %d: did not converge in %d passes", c, j, passes)
			}
			gw := make([]float64, nrows)
			copy(gw, w)
			gb := b
			for i, d := range data {
				y := -1.0
				if examples[i].Label == j {
					y = 1
				}
				f := b
				for t, r := range d.rows {
					f += w[r] * d.x[t]
				}
				if slack := 1 - y*f; slack > 0 {
					ci := 0.5 / d.dii
					for t, r := range d.rows {
						gw[r] -= 2 * ci * slack * y * d.x[t]
					}
					gb -= 2 * ci * slack * y
				}
			}
			norm := gb * gb
			for _, g := range gw {
				norm += g * g
			}
			if math.Sqrt(norm) > 1e-2 {
				t.Errorf("C %v intent %d: primal gradient norm %.2g at the solution, want ~0", c, j, math.Sqrt(norm))
			}
		}
	}
}

func TestFitSVM(t *testing.T) {
	labels := []string{"退货", "物流", "开票"}
	words := [][]uint32{{1, 2, 3}, {11, 12, 13}, {21, 22, 23}}
	var train []Example
	for i := range 60 {
		l := i % 3
		w, r := words[l], i/3
		train = append(train, Example{Features: []uint32{w[r%3], w[(r+1)%3], 100 + uint32(i%7)}, Label: l})
	}
	for _, tfidf := range []bool{false, true} {
		cfg := DefaultFitConfig()
		cfg.Loss, cfg.C, cfg.TFIDF = LossSVM, 1, tfidf
		clf, res, err := Fit(context.Background(), train, nil, labels, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if acc := Accuracy(clf, train); acc != 1 {
			t.Errorf("tfidf %v: train accuracy %v, want 1", tfidf, acc)
		}
		if res.Epochs < 1 {
			t.Errorf("tfidf %v: %d passes reported", tfidf, res.Epochs)
		}
		test := []Example{{Features: []uint32{3, 999}, Label: 0}, {Features: []uint32{12}, Label: 1}, {Features: []uint32{21, 23, 101}, Label: 2}}
		if acc := Accuracy(clf, test); acc != 1 {
			t.Errorf("tfidf %v: accuracy %v on unseen combinations, want 1", tfidf, acc)
		}
	}
	cfg := DefaultFitConfig()
	for _, c := range []float64{-1, math.NaN(), math.Inf(1)} {
		cfg.Loss, cfg.C = LossSVM, c
		if _, _, err := Fit(context.Background(), train, nil, labels, cfg, nil); err == nil {
			t.Errorf("C %v accepted", c)
		}
	}
	cfg.Loss = "hinge"
	if _, _, err := Fit(context.Background(), train, nil, labels, cfg, nil); err == nil {
		t.Error("unknown loss accepted")
	}
}

func TestFitSVMChoosesCDeterministically(t *testing.T) {
	// noisy labels: a C that fits them all is not the best out of fold
	train := makeExamples(21, 30, 2, 6, 0.25)
	cfg := RankerFitConfig(0)
	fit := func() ([]byte, FitResult) {
		c, res, err := Fit(context.Background(), train, nil, synthLabels, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		return classifierBytes(t, c), res
	}
	a, res := fit()
	b, _ := fit()
	if !bytes.Equal(a, b) {
		t.Error("two fits choosing C gave different classifiers")
	}
	ch := res.ChosenC
	if ch == nil {
		t.Fatal("C 0: no choice reported")
	}
	if len(ch.Accuracy) != len(ch.Grid) || !slices.Contains(ch.Grid, ch.Level[0]) || !slices.Contains(ch.Grid, ch.Level[1]) {
		t.Fatalf("choice %+v: want an accuracy per grid value and a level range from the grid", ch)
	}
	if c, level := levelC(ch.Grid, ch.Accuracy, len(train)); c != ch.C || level != ch.Level {
		t.Errorf("choice %+v: want C %v over %v, as levelC gives for its accuracies", ch, c, level)
	}
	cfg.C = ch.C
	if c, _ := fit(); !bytes.Equal(a, c) {
		t.Error("the model fitted after choosing C differs from a fit at that C")
	}
}
