package train

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// Runs that finish out of order are held only until the runs before them are in, then added and
// let go; the mean is bit for bit the one of adding them in run order (the same seed gives the
// same bundle on any number of cores).
func TestRunMeanAddsInRunOrderAndLetsGo(t *testing.T) {
	const runs, weights, k = 5, 64, 3
	rng := rand.New(rand.NewPCG(1, 2))
	fits := make([]runFit, runs)
	for r := range fits {
		fits[r] = runFit{w: make([]float32, weights), bias: make([]float32, k), best: r + 1}
		for i := range fits[r].w {
			fits[r].w[i] = rng.Float32()*2 - 1
		}
		for i := range fits[r].bias {
			fits[r].bias[i] = rng.Float32()
		}
	}
	want, wantBias := make([]float32, weights), make([]float32, k)
	inv := 1 / float32(runs)
	for _, f := range fits {
		for i, v := range f.w {
			want[i] += v * inv
		}
		for i, v := range f.bias {
			wantBias[i] += v * inv
		}
	}

	m := newRunMean(weights, k, runs)
	for _, step := range []struct{ run, held int }{{2, 1}, {0, 1}, {3, 2}, {1, 0}, {4, 0}} {
		got := m.add(step.run, fits[step.run])
		if got.w != nil || got.bias != nil || got.best != step.run+1 {
			t.Fatalf("add(%d) returned weights %v, bias %v, best %d: want the run's numbers without its weights", step.run, got.w != nil, got.bias != nil, got.best)
		}
		if h := m.held(); h != step.held {
			t.Fatalf("after run %d: %d runs' weights held, want %d", step.run, h, step.held)
		}
	}
	if !slices.Equal(m.w, want) || !slices.Equal(m.bias, wantBias) {
		t.Fatal("the mean differs from adding the runs in run order")
	}
}
