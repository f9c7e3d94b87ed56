package train

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// rootRight is how many messages of the evaluation set the root (root, in dir; the bundle
// trained from exports, or the oldest ancestor still on disk) gets right when continued as Learn
// continues the parent for its control: on its own replay, without the evaluation set, and
// without any correction. The gate bounds the candidate's drop against it as well as against
// the parent's control: each generation may lose MaxDrop against its parent's, and over a chain
// of generations those losses add up. The root is measured the way the candidate is (a model
// that did without the evaluation set), not by the bundle itself, which trained on it. ok is
// false when the root's intents are not the parent's: there is no like-for-like measure then.
// fresh fits it afresh, as the parent's control was (freshGate).
func rootRight(ctx context.Context, dir string, root *intent.Engine, labels []string, evalSet []Labelled, cfg LearnConfig, fresh bool) (right int, ok bool, err error) {
	clf := root.Classifier()
	if !slices.Equal(clf.Labels(), labels) {
		return 0, false, nil
	}
	an := root.Analyzer()
	toEx := func(ls []Labelled) []Example {
		out := make([]Example, 0, len(ls))
		for _, l := range ls {
			out = append(out, Example{Features: an.Analyze(l.Text).Features, Label: slices.Index(labels, l.Intent), Weight: 1})
		}
		return out
	}
	evalEx := toEx(evalSet)
	data, err := parentRankerData(dir, root)
	if err != nil {
		return 0, false, fmt.Errorf("learn: the root's ranker data: %w", err)
	}
	var control *intent.Classifier
	if data != nil {
		judged := &rankerData{C: data.C, Seed: data.Seed, MinCount: data.MinCount,
			Examples: withoutFeatureSets(data.Examples, evalEx, rankerFeatures(root.Ranker()))}
		control, err = refitRanker(ctx, judged, nil, root.Ranker(), nil, labels)
	} else {
		history, herr := historySet(dir, root)
		if herr != nil {
			return 0, false, herr
		}
		fitCfg := DefaultFitConfig()
		fitCfg.Warm, fitCfg.Epochs, fitCfg.Rate, fitCfg.Runs = clf, cfg.Epochs, cfg.Rate, 2
		fitCfg.TFIDF = clf.Weighted()
		fitCfg.Keep = learnableFeatures(clf, nil)
		if fresh {
			fitCfg = freshFitConfig(clf)
		}
		var c, r *intent.Classifier
		c, r, err = continueModels(ctx, root, toEx(without(history, evalSet)), labels, fitCfg, cfg.RankerRate, nil, nil)
		control = cmp.Or(r, c)
	}
	if err != nil {
		return 0, false, fmt.Errorf("learn: the root's control: %w", err)
	}
	return rightCount(control, evalEx), true, nil
}

// freshGate reports whether Learn's gate fits its models afresh rather than continuing the
// parent in dir: when it was trained on its knowledge base alone (kbAlone), whose evaluation
// set it trained on, and has no ranker, whose continued training the gate would otherwise judge.
func freshGate(dir string, eng *intent.Engine, data *rankerData) (bool, error) {
	if data != nil || eng.Ranker() != nil {
		return false, nil
	}
	return kbAlone(dir, hasDevSplit(eng.Manifest()))
}

// freshFitConfig is how the gate fits a model afresh: as zhiyi train fits one, with the parent's
// weighting, on fewer runs (the gate fits two or three).
func freshFitConfig(parent *intent.Classifier) FitConfig {
	c := DefaultFitConfig()
	c.TFIDF, c.Runs = parent.Weighted(), 2
	return c
}
