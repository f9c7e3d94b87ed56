package train

import (
	"fmt"
	"slices"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// PruneFeatures keeps the n features that matter most to either model and drops the rest from
// both, so that the bundle holds n rows a model instead of one for every feature training saw.
// A feature matters by the spread of its weights across the intents (the largest minus the
// smallest, times its idf where the model weighs by TF-IDF: what one occurrence can move between
// two intents' scores), relative to the median spread of its model; adding the same amount to
// every intent's weight moves no decision, so the spread and not the size is what counts.
// Dropping a feature is exactly scoring it with zero weights for the classifier, which
// normalises by all the features of a message, and nearly so for the ranker, which normalises
// over the features it knows. ranker may be nil; when given it must know the classifier's
// features in the same rows (trained on the same examples). n ≤ 0, or at least the features
// there are, keeps both as they are. The models come back in the precision they went in.
func PruneFeatures(clf, ranker *intent.Classifier, n int) (*intent.Classifier, *intent.Classifier, error) {
	keep, err := selectFeatures(clf, ranker, n)
	if err != nil || keep == nil {
		return clf, ranker, err
	}
	pc, err := keepRows(clf, keep, n)
	if err != nil {
		return nil, nil, err
	}
	if ranker == nil {
		return pc, nil, nil
	}
	pr, err := keepRows(ranker, keep, n)
	if err != nil {
		return nil, nil, err
	}
	return pc, pr, nil
}

// selectFeatures marks the rows of the n features PruneFeatures keeps; nil when it keeps all.
func selectFeatures(clf, ranker *intent.Classifier, n int) ([]bool, error) {
	rows := clf.NumFeatures()
	if n <= 0 || n >= rows {
		return nil, nil
	}
	if ranker != nil && ranker.NumFeatures() != rows {
		return nil, fmt.Errorf("prune: the ranker knows %d features, the classifier %d", ranker.NumFeatures(), rows)
	}
	score := relativeSpreads(clf)
	if ranker != nil {
		for r, s := range relativeSpreads(ranker) {
			score[r] = max(score[r], s)
		}
	}
	order := make([]int32, rows)
	for r := range order {
		order[r] = int32(r)
	}
	// Highest score first; ties keep row order so the same model prunes the same way.
	slices.SortStableFunc(order, func(a, b int32) int {
		switch {
		case score[a] > score[b]:
			return -1
		case score[a] < score[b]:
			return 1
		}
		return 0
	})
	keep := make([]bool, rows)
	for _, r := range order[:n] {
		keep[r] = true
	}
	return keep, nil
}

// relativeSpreads returns each row's weight spread (times idf) over the median spread of c.
func relativeSpreads(c *intent.Classifier) []float64 {
	out := make([]float64, 0, c.NumFeatures())
	c.Rows(func(_ uint32, idf float32, w []float32) bool {
		lo, hi := slices.Min(w), slices.Max(w)
		out = append(out, float64(hi-lo)*float64(idf))
		return true
	})
	sorted := slices.Clone(out)
	slices.Sort(sorted)
	if med := sorted[len(sorted)/2]; med > 0 {
		for i := range out {
			out[i] /= med
		}
	}
	return out
}

// keepRows returns c with only the rows keep marks (n of them), in their order.
func keepRows(c *intent.Classifier, keep []bool, n int) (*intent.Classifier, error) {
	k := len(c.Labels())
	ids := make([]uint32, 0, n)
	w := make([]float32, 0, n*k)
	var idf []float32
	if c.Weighted() {
		idf = make([]float32, 0, n)
	}
	r := 0
	c.Rows(func(f uint32, fidf float32, row []float32) bool {
		if keep[r] {
			ids = append(ids, f)
			w = append(w, row...)
			if idf != nil {
				idf = append(idf, fidf)
			}
		}
		r++
		return true
	})
	out, err := newModel(c.Labels(), ids, idf, w, slices.Clone(c.Bias()))
	if err != nil {
		return nil, fmt.Errorf("prune: %w", err)
	}
	if c.Half() {
		out = out.Quantized()
	}
	return out, nil
}
