package sentiment

// Grid lists the settings Tune tries; every combination of MaxN, Lambda and Without is
// cross-validated, then the strong thresholds are tried on the best one's results.
type Grid struct {
	MaxN    []int
	Lambda  []float64
	Without []FeatureGroup
	Strong  []float64
	Base    TrainConfig // Iterations and Rate for every trial
}

// DefaultGrid is the grid the shipped model was chosen from.
var DefaultGrid = Grid{
	MaxN:    []int{1, 2, 3},
	Lambda:  []float64{0.0003, 0.001, 0.003, 0.01, 0.03},
	Without: []FeatureGroup{0},
	Strong:  []float64{0.3, 0.4, 0.5, 0.6, 0.7},
}

// Trial is one cross-validated configuration.
type Trial struct {
	Config TrainConfig
	CV     Metrics
}

// Tune chooses a configuration by k-fold cross-validation on dev: the best macro-F1 over the
// three tags (ties go to the earlier trial, so order the grid from simple to complex), then the
// strong threshold with the best handoff F1 on that configuration's out-of-fold results (ties
// go to the higher threshold: fewer handoffs). It returns the chosen configuration and every
// trial, the threshold trials last.
func Tune(dev []Example, lex *Lexicon, grid Grid, k int) (TrainConfig, []Trial, error) {
	var (
		trials  []Trial
		best    = -1
		bestRes []Result
	)
	for _, w := range grid.Without {
		for _, n := range grid.MaxN {
			for _, l := range grid.Lambda {
				cfg := grid.Base
				cfg.MaxN, cfg.Lambda, cfg.Without = n, l, w
				cfg = cfg.withDefaults()
				res, err := CrossValidate(dev, lex, cfg, k)
				if err != nil {
					return TrainConfig{}, nil, err
				}
				trials = append(trials, Trial{Config: cfg, CV: Measure(dev, res)})
				if best < 0 || trials[len(trials)-1].CV.MacroF1 > trials[best].CV.MacroF1 {
					best, bestRes = len(trials)-1, res
				}
			}
		}
	}
	if best < 0 {
		return TrainConfig{}, nil, errNoTrials
	}
	chosen := trials[best].Config
	bestF1 := -1.0
	for _, th := range grid.Strong {
		cfg := chosen
		cfg.StrongThreshold = th
		m := Measure(dev, restrong(bestRes, th))
		trials = append(trials, Trial{Config: cfg, CV: m})
		if m.Handoff.F1 > bestF1 || m.Handoff.F1 == bestF1 && th > chosen.StrongThreshold {
			bestF1, chosen.StrongThreshold = m.Handoff.F1, th
		}
	}
	return chosen, trials, nil
}
