package train

import (
	"context"
	"fmt"
	"math"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// AdaptPriors estimates the intent mix of texts from the engine's own calibrated probabilities
// on them (EstimatePriors) and returns the engine deciding for that mix (Engine.WithPriors), and
// the mix. It learns nothing from labels: it is what serving can do with its traffic.
func AdaptPriors(ctx context.Context, eng *intent.Engine, texts []string) (*intent.Engine, map[string]float64, error) {
	p := eng.Policy()
	labels := eng.Classifier().Labels()
	if p.Priors == nil {
		return nil, nil, fmt.Errorf("adapt priors: the bundle records no training intent mix (policy priors): train it again")
	}
	trained := make([]float64, len(labels))
	for j, l := range labels {
		v, ok := p.Priors[l]
		if !ok {
			return nil, nil, fmt.Errorf("adapt priors: the bundle's training intent mix lacks %s", l)
		}
		trained[j] = v
	}
	probs := make([][]float64, 0, len(texts))
	for _, t := range texts {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		probs = append(probs, intent.Fuse(eng.Score(ctx, eng.Analyzer().Analyze(t)), p.Fusion, p.Temperature, nil))
	}
	est, _ := EstimatePriors(probs, trained)
	mix := make(map[string]float64, len(labels))
	for j, l := range labels {
		mix[l] = est[j]
	}
	adapted, err := eng.WithPriors(mix)
	return adapted, mix, err
}

// EstimatePriors re-estimates the intent mix of a set of messages from a model's probabilities on
// them, by expectation–maximisation (Saerens, Latinne and Decaestecker 2002): starting from the
// mix the model was trained on, each round rescales every message's probabilities by the ratio
// of the current estimate to the training mix, and takes their mean as the next estimate. It
// stops when no share moves by more than 1e-6, or after 200 rounds, and returns the estimate and
// the rounds run. A 双11 week of logistics questions then raises the logistics intents' prior
// without the model being retrained.
func EstimatePriors(probs [][]float64, trained []float64) ([]float64, int) {
	k := len(trained)
	est := append([]float64(nil), trained...)
	if len(probs) == 0 {
		return est, 0
	}
	next := make([]float64, k)
	adj := make([]float64, k)
	ratio := make([]float64, k)
	for round := 1; round <= 200; round++ {
		for j := range ratio {
			ratio[j] = est[j] / trained[j]
		}
		clear(next)
		for _, p := range probs {
			copy(adj, p)
			AdjustPriors(adj, ratio)
			for j, v := range adj {
				next[j] += v
			}
		}
		moved := 0.0
		for j := range next {
			next[j] /= float64(len(probs))
			moved = math.Max(moved, math.Abs(next[j]-est[j]))
		}
		est, next = next, est
		if moved <= 1e-6 {
			return est, round
		}
	}
	return est, 200
}

// AdjustPriors rescales probabilities in place for another intent mix: each by its intent's
// ratio of new to training prior, then renormalised (Bayes' rule with the likelihoods kept).
func AdjustPriors(probs, ratio []float64) {
	sum := 0.0
	for j := range probs {
		probs[j] *= ratio[j]
		sum += probs[j]
	}
	if sum > 0 {
		for j := range probs {
			probs[j] /= sum
		}
	}
}
