package train

import (
	"math"
	"slices"
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// pruneModels returns a classifier and a TF-IDF ranker over the same four features: feature 1
// moves nothing (the same weight for every intent), feature 2 a little, 3 and 4 a lot.
func pruneModels(t *testing.T) (clf, ranker *intent.Classifier) {
	t.Helper()
	labels := []string{"a", "b", "c"}
	ids := []uint32{1, 2, 3, 4}
	clf, err := intent.NewClassifier(labels, ids, []float32{
		5, 5, 5, // 1: large but the same for every intent
		0.1, 0, 0, // 2
		2, -1, 0, // 3
		0, 0, 3, // 4
	}, []float32{0.1, 0, -0.1})
	if err != nil {
		t.Fatal(err)
	}
	ranker, err = intent.NewWeightedClassifier(labels, ids, []float32{1, 1, 1, 1}, []float32{
		0, 0, 0,
		0, 0.05, 0,
		1, 0, 0,
		0, 4, 0, // 4 matters most to the ranker
	}, []float32{0, 0, 0})
	if err != nil {
		t.Fatal(err)
	}
	return clf, ranker
}

func keptFeatures(c *intent.Classifier) []uint32 {
	var out []uint32
	c.Rows(func(f uint32, _ float32, _ []float32) bool {
		out = append(out, f)
		return true
	})
	return out
}

func TestPruneFeatures(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want []uint32
	}{
		{0, []uint32{1, 2, 3, 4}},
		{4, []uint32{1, 2, 3, 4}},
		{9, []uint32{1, 2, 3, 4}},
		{3, []uint32{2, 3, 4}}, // the feature that moves nothing goes first
		{2, []uint32{3, 4}},
		{1, []uint32{4}}, // first for the ranker, second for the classifier
	} {
		clf, ranker := pruneModels(t)
		pc, pr, err := PruneFeatures(clf, ranker, tc.n)
		if err != nil {
			t.Fatalf("n %d: %v", tc.n, err)
		}
		if got := keptFeatures(pc); !slices.Equal(got, tc.want) {
			t.Errorf("n %d: classifier keeps %v, want %v", tc.n, got, tc.want)
		}
		if got := keptFeatures(pr); !slices.Equal(got, tc.want) {
			t.Errorf("n %d: ranker keeps %v, want %v", tc.n, got, tc.want)
		}
		if !pr.Weighted() {
			t.Errorf("n %d: the ranker lost its idf", tc.n)
		}
	}
}

// Dropping a feature whose weights are the same for every intent leaves the classifier's
// probabilities as they were: it normalises by all of a message's features, known or not.
func TestPruneFeaturesKeepsDecisions(t *testing.T) {
	clf, _ := pruneModels(t)
	pc, _, err := PruneFeatures(clf.Quantized(), nil, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !pc.Half() {
		t.Error("a half-precision classifier came back in full precision")
	}
	ref := clf.Quantized()
	for _, msg := range [][]uint32{{1, 3}, {1, 2, 4}, {1}, {3, 4, 9}} {
		a, b := make([]float32, 3), make([]float32, 3)
		ref.Logits(msg, a)
		pc.Logits(msg, b)
		intent.Softmax(a, 1)
		intent.Softmax(b, 1)
		for j := range a {
			if math.Abs(float64(a[j]-b[j])) > 1e-6 {
				t.Errorf("message %v: p(%d) %.6f before pruning, %.6f after", msg, j, a[j], b[j])
			}
		}
	}
}

func TestPruneFeaturesMismatch(t *testing.T) {
	clf, _ := pruneModels(t)
	other, err := intent.NewClassifier(clf.Labels(), []uint32{1, 2}, make([]float32, 6), make([]float32, 3))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := PruneFeatures(clf, other, 1); err == nil {
		t.Error("a ranker with other features was pruned without an error")
	}
}
