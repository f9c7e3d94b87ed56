package train_test

import (
	"fmt"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/nlp"
	"github.com/zhiyi-ai/zhiyi/train"
)

// A model keeps the features that move its intents' scores apart: 好的 weighs the same for
// every intent and goes first.
func ExamplePruneFeatures() {
	labels := []string{"invoice", "refund"}
	ids := []uint32{nlp.FeatureID(nlp.FeatWord, "好的"), nlp.FeatureID(nlp.FeatWord, "发票"), nlp.FeatureID(nlp.FeatWord, "退款")}
	clf, err := intent.NewClassifier(labels, ids, []float32{
		0.8, 0.8, // 好的
		2.0, -1.0, // 发票
		-0.5, 1.5, // 退款
	}, []float32{0, 0})
	if err != nil {
		fmt.Println(err)
		return
	}
	pruned, _, err := train.PruneFeatures(clf, nil, 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(clf.NumFeatures(), "→", pruned.NumFeatures(), "features")
	logits := make([]float32, 2)
	pruned.Logits([]uint32{nlp.FeatureID(nlp.FeatWord, "好的"), nlp.FeatureID(nlp.FeatWord, "退款")}, logits)
	best := labels[0]
	if logits[1] > logits[0] {
		best = labels[1]
	}
	fmt.Println("好的 退款 →", best)
	// Output:
	// 3 → 2 features
	// 好的 退款 → refund
}
