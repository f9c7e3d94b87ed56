package intent

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestEstimatePriorsRecoversMix draws messages from a known mix, scores them with a calibrated
// model of known likelihoods trained on another mix, and checks EM recovers the mix, where the
// model's raw mean probabilities stay pulled toward the training mix.
func TestEstimatePriorsRecoversMix(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const k = 3
	trained := []float64{1.0 / 3, 1.0 / 3, 1.0 / 3}
	// a noisy channel: each message's evidence points at its own intent 60 % of the time
	like := func(obs, y int) float64 {
		if obs == y {
			return 0.6
		}
		return 0.2
	}
	for _, tc := range []struct {
		name string
		true []float64
	}{
		{"uniform", []float64{1.0 / 3, 1.0 / 3, 1.0 / 3}},
		{"one dominates (双11)", []float64{0.8, 0.1, 0.1}},
		{"skewed", []float64{0.5, 0.35, 0.15}},
	} {
		var probs [][]float64
		for range 20000 {
			y := pick(rng, tc.true)
			obs := y
			if rng.Float64() >= 0.6 {
				obs = (y + 1 + rng.IntN(k-1)) % k
			}
			p := make([]float64, k)
			for j := range p {
				p[j] = like(obs, j) * trained[j]
			}
			AdjustPriors(p, []float64{1, 1, 1}) // normalise: the model's calibrated posterior
			probs = append(probs, p)
		}
		est, rounds := EstimatePriors(probs, trained, 0)
		naive := make([]float64, k)
		for _, p := range probs {
			for j, v := range p {
				naive[j] += v / float64(len(probs))
			}
		}
		for j := range est {
			if math.Abs(est[j]-tc.true[j]) > 0.03 {
				t.Errorf("%s: estimated %.3f (after %d rounds), want %.3f ± 0.03 (mean probabilities %.3f)", tc.name, est, rounds, tc.true, naive)
				break
			}
		}
		if tc.true[0] == 0.8 && !(naive[0] < 0.7) {
			t.Errorf("%s: mean probabilities %.3f already recover the mix: the test shows nothing", tc.name, naive)
		}
	}
	if est, rounds := EstimatePriors(nil, trained, 0); rounds != 0 || est[0] != trained[0] {
		t.Errorf("no messages: %v after %d rounds, want the training mix", est, rounds)
	}
}

func pick(rng *rand.Rand, p []float64) int {
	u := rng.Float64()
	for j, v := range p {
		if u < v {
			return j
		}
		u -= v
	}
	return len(p) - 1
}

func TestAdjustPriors(t *testing.T) {
	p := []float64{0.5, 0.5}
	AdjustPriors(p, []float64{3, 1})
	if math.Abs(p[0]-0.75) > 1e-12 || math.Abs(p[1]-0.25) > 1e-12 {
		t.Errorf("AdjustPriors = %v, want [0.75 0.25]", p)
	}
}

// Shrink pulls the estimate toward the training mix, and MaxRatio bounds every share's move.
func TestMixConfigEstimate(t *testing.T) {
	trained := []float64{0.25, 0.25, 0.25, 0.25}
	sure := make([][]float64, 300) // every message certainly intent 0
	for i := range sure {
		sure[i] = []float64{0.97, 0.01, 0.01, 0.01}
	}
	plain, _ := EstimatePriors(sure, trained, 0)
	shrunk, _ := EstimatePriors(sure, trained, 300)
	if !(plain[0] > 0.95) {
		t.Errorf("plain EM: intent 0 at %.3f, want above 0.95", plain[0])
	}
	if !(shrunk[0] > 0.5 && shrunk[0] < plain[0]) {
		t.Errorf("300 pseudo-messages beside 300 messages: intent 0 at %.3f, want between 0.5 and %.3f", shrunk[0], plain[0])
	}
	for _, tc := range []struct {
		name string
		cfg  MixConfig
		want []float64
	}{
		{"bounded at 3×, the others at a third", MixConfig{Shrink: -1, MaxRatio: 3}, []float64{0.75, 0.25 / 3, 0.25 / 3, 0.25 / 3}},
		{"unbounded", MixConfig{Shrink: -1, MaxRatio: -1}, plain},
	} {
		tc.cfg.defaults()
		got := tc.cfg.estimate(sure, trained)
		for j := range got {
			if math.Abs(got[j]-tc.want[j]) > 1e-9 {
				t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
				break
			}
		}
	}
}

// boundShares keeps every share within its band and the shares summing to one, the free ones in
// proportion; clipping and renormalising once would push the rare intents back out of theirs.
func TestBoundShares(t *testing.T) {
	got := boundShares([]float64{0.6, 0.38, 0.01, 0.01}, []float64{0.25, 0.25, 0.25, 0.25}, 3)
	if lo := 0.25 / 3; math.Abs(got[2]-lo) > 1e-12 || math.Abs(got[3]-lo) > 1e-12 {
		t.Errorf("rare shares %v, want pinned at %v", got[2:], lo)
	}
	if math.Abs(got[0]/got[1]-0.6/0.38) > 1e-9 {
		t.Errorf("free shares %v lost their proportion 0.6 : 0.38", got[:2])
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for round := range 2000 {
		k := 2 + rng.IntN(30)
		est, trained := make([]float64, k), make([]float64, k)
		se, st := 0.0, 0.0
		for j := range est {
			est[j], trained[j] = math.Pow(rng.Float64(), 4), 0.05+rng.Float64()
			se, st = se+est[j], st+trained[j]
		}
		for j := range est {
			est[j], trained[j] = est[j]/se, trained[j]/st
		}
		r := 1.5 + 4*rng.Float64()
		got := boundShares(est, trained, r)
		sum := 0.0
		for j, v := range got {
			sum += v
			if v < trained[j]/r-1e-12 || v > trained[j]*r+1e-12 {
				t.Fatalf("round %d: share %d = %v outside [%v, %v]", round, j, v, trained[j]/r, trained[j]*r)
			}
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Fatalf("round %d: shares sum to %v", round, sum)
		}
	}
}
