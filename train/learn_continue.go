package train

import (
	"context"
	"fmt"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// learnableFeatures is the features a continued model may have rows for: its parent's and
// those of the corrections.
func learnableFeatures(parent *intent.Classifier, fixes []Example) map[uint32]struct{} {
	keep := make(map[uint32]struct{}, parent.NumFeatures())
	parent.Rows(func(f uint32, _ float32, _ []float32) bool {
		keep[f] = struct{}{}
		return true
	})
	for _, ex := range fixes {
		for _, f := range ex.Features {
			keep[f] = struct{}{}
		}
	}
	return keep
}

// continueModels continues the parent's classifier, and its ranker when it has one, on
// examples, each stored as its parent was (half precision or not). With the ranker's data, the
// ranker is fitted again on it and fixes instead (refitRanker).
func continueModels(ctx context.Context, eng *intent.Engine, examples []Example, labels []string, fitCfg FitConfig, rankerRate float64,
	data *rankerData, fixes []Example) (clf, ranker *intent.Classifier, err error) {
	if clf, _, err = Fit(ctx, examples, nil, labels, fitCfg, nil); err != nil {
		return nil, nil, err
	}
	if eng.Classifier().Half() {
		clf = clf.Quantized()
	}
	if data != nil {
		ranker, err = refitRanker(ctx, data, fixes, eng.Ranker(), clf, labels)
		return clf, ranker, err
	}
	if rk := eng.Ranker(); rk != nil {
		rc := fitCfg
		rc.Loss, rc.Warm, rc.TFIDF = LossSVM, rk, rk.Weighted()
		rc.Rate = rankerRate
		if ranker, _, err = Fit(ctx, examples, nil, labels, rc, nil); err != nil {
			return nil, nil, fmt.Errorf("learn: ranker: %w", err)
		}
		if rk.Half() {
			ranker = ranker.Quantized()
		}
	}
	return clf, ranker, nil
}
