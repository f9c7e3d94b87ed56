package train

import (
	"context"
	"math/rand/v2"
)

// crossValidate scores every example with a classifier fitted on the other folds (examples are
// dealt to folds in a shuffled order, fixed by cfg.Seed) and returns each example's logits: a
// stand-in for a dev split where there are no labels to hold out.
func crossValidate(ctx context.Context, ex []Example, labels []string, cfg FitConfig, folds int) ([][]float32, error) {
	folds = max(2, min(folds, len(ex)))
	fold := make([]int, len(ex))
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x5851f42d4c957f2d))
	for i, j := range rng.Perm(len(ex)) {
		fold[j] = i % folds
	}
	out := make([][]float32, len(ex))
	for f := range folds {
		var train []Example
		var held []int
		for i := range ex {
			if fold[i] == f {
				held = append(held, i)
			} else {
				train = append(train, ex[i])
			}
		}
		if len(held) == 0 {
			continue
		}
		clf, _, err := Fit(ctx, train, nil, labels, cfg, nil)
		if err != nil {
			return nil, err
		}
		for _, i := range held {
			out[i] = make([]float32, len(labels))
			clf.Logits(ex[i].Features, out[i])
		}
	}
	return out, nil
}
