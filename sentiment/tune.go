package sentiment

import "math"

// Grid lists the settings Tune tries; every combination of MaxN, Lambda and Without is
// cross-validated, then the strong thresholds are tried on the best one's results.
type Grid struct {
	MaxN    []int
	Lambda  []float64
	Without []FeatureGroup
	Strong  []float64
	// StrongLexicon lists the lexicon negative scores tried with every strong threshold (0:
	// the lexicon never makes a message strong by itself).
	StrongLexicon []float64
	// Repeats is how many times cross-validation is run, each on other folds (0 means 1); a
	// trial's metrics pool the repeats' out-of-fold results.
	Repeats int
	Base    TrainConfig // Iterations and Rate for every trial
}

// DefaultGrid is the grid the shipped model was chosen from. The n-gram length and penalty are
// the ones the model has shipped with: on this set the other settings rank within one or two
// messages of them, differently on each partition, and every one tried read calm messages the
// set lacks as urgent (a size question with two numbers, an English question: analyzerCases).
var DefaultGrid = Grid{
	MaxN:    []int{2},
	Lambda:  []float64{0.01},
	Without: []FeatureGroup{0},
	Strong:  []float64{0.3, 0.4, 0.5, 0.6, 0.7},
	// 2 is one curse (垃圾) or 气死; 3 two ordinary cues with a degree word (太失望 很差劲).
	StrongLexicon: []float64{0, 2, 2.5, 3},
	// The strong settings move the handoff F1 by a message or two on one partition.
	Repeats: 3,
}

// Trial is one cross-validated configuration.
type Trial struct {
	Config TrainConfig
	CV     Metrics
}

// Tune chooses a configuration by k-fold cross-validation on dev, run Grid.Repeats times on
// other folds and pooled: the best macro-F1 over the three tags (ties go to the earlier trial, so
// order the grid from simple to complex), with the strong threshold and lexicon score that give
// its out-of-fold results the best handoff F1 (ties go to the setting that hands off less: a
// higher threshold, then a higher lexicon score or none). It returns every configuration's trial
// at its best strong settings, then the chosen one's trials at every strong setting.
func Tune(dev []Example, lex *Lexicon, grid Grid, k int) (TrainConfig, []Trial, error) {
	var (
		trials    []Trial
		best      = -1
		bestScore float64
		bestRes   []Result
	)
	repeats := max(grid.Repeats, 1)
	pooled := make([]Example, 0, repeats*len(dev)) // dev once per repeat, as the results are pooled
	for range repeats {
		pooled = append(pooled, dev...)
	}
	neg := lexiconNegative(pooled, lex)
	for _, w := range grid.Without {
		for _, n := range grid.MaxN {
			for _, l := range grid.Lambda {
				cfg := grid.Base
				cfg.MaxN, cfg.Lambda, cfg.Without = n, l, w
				cfg = cfg.withDefaults()
				var res []Result
				for r := range repeats {
					part, err := crossValidate(dev, lex, cfg, k, r)
					if err != nil {
						return TrainConfig{}, nil, err
					}
					res = append(res, part...)
				}
				strong := strongTrials(pooled, res, neg, cfg, grid)
				t := strong[bestStrong(strong)]
				trials = append(trials, t)
				if score := t.CV.MacroF1; best < 0 || score > bestScore {
					best, bestScore, bestRes = len(trials)-1, score, res
				}
			}
		}
	}
	if best < 0 {
		return TrainConfig{}, nil, errNoTrials
	}
	chosen := trials[best].Config
	trials = append(trials, strongTrials(pooled, bestRes, neg, chosen, grid)...)
	return chosen, trials, nil
}

// strongTrials measures cfg's out-of-fold results res at every strong threshold and lexicon
// score of grid; neg holds dev's lexicon negative scores.
func strongTrials(dev []Example, res []Result, neg []float32, cfg TrainConfig, grid Grid) []Trial {
	lexicon := grid.StrongLexicon
	if len(lexicon) == 0 {
		lexicon = []float64{0}
	}
	thresholds := grid.Strong
	if len(thresholds) == 0 {
		thresholds = []float64{cfg.StrongThreshold}
	}
	var out []Trial
	for _, th := range thresholds {
		for _, lt := range lexicon {
			c := cfg
			c.StrongThreshold, c.StrongLexicon = th, lt
			out = append(out, Trial{Config: c, CV: Measure(dev, restrong(res, neg, th, lt))})
		}
	}
	return out
}

// bestStrong returns the index of the trial with the best handoff F1, ties to fewer handoffs.
func bestStrong(trials []Trial) int {
	best := 0
	for i, t := range trials[1:] {
		b := trials[best]
		if t.CV.Handoff.F1 > b.CV.Handoff.F1 || t.CV.Handoff.F1 == b.CV.Handoff.F1 && fewerHandoffs(t.Config, b.Config) {
			best = i + 1
		}
	}
	return best
}

// fewerHandoffs reports whether a's strong settings hand off no more than b's: a higher strong
// threshold, or the same one with a higher lexicon score (0, never, is the highest).
func fewerHandoffs(a, b TrainConfig) bool {
	if a.StrongThreshold != b.StrongThreshold {
		return a.StrongThreshold > b.StrongThreshold
	}
	lex := func(v float64) float64 {
		if v == 0 {
			return math.Inf(1)
		}
		return v
	}
	return lex(a.StrongLexicon) > lex(b.StrongLexicon)
}
