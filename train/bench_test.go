package train

import (
	"context"
	"sync"
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/nlp"
)

// shopExamples analyses the sample shop's labelled chats once: the input of BenchmarkTrain.
type shopData struct {
	ex     []Example
	labels []string
}

var loadShopExamples = sync.OnceValues(func() (shopData, error) {
	a, err := nlp.New(nlp.Config{DictDir: "../corpora/shop/dict"})
	if err != nil {
		return shopData{}, err
	}
	idx := map[string]int{}
	var labels []string
	var ex []Example
	im := NewImporter()
	err = im.Import(context.Background(), []string{"../corpora/shop/chats"}, func(m Message) error {
		if m.Intent == "" {
			return nil
		}
		if _, ok := idx[m.Intent]; !ok {
			idx[m.Intent] = len(labels)
			labels = append(labels, m.Intent)
		}
		ex = append(ex, Example{Features: a.Analyze(m.Text).Features, Label: idx[m.Intent]})
		return nil
	})
	return shopData{ex, labels}, err
})

func shopExamples() ([]Example, []string, error) {
	d, err := loadShopExamples()
	return d.ex, d.labels, err
}

// BenchmarkTrain fits the classifier and the ranker on the sample shop's labelled chats (about
// 5,900 messages, 39 intents), analysis excluded: the cost of `zhiyi train`'s fit stage. The
// softmax runs its epochs without dev data, so Epochs is set to what early stopping typically
// keeps; the ranker is the SVM at C 1, and ranker-choose-c adds the cross-validation that chooses
// C (five values, five folds).
func BenchmarkTrain(b *testing.B) {
	ex, labels, err := shopExamples()
	if err != nil {
		b.Fatal(err)
	}
	softmax := DefaultFitConfig()
	softmax.Epochs = 3
	for _, bc := range []struct {
		name string
		cfg  FitConfig
	}{{"softmax", softmax}, {"ranker", RankerFitConfig(1)}, {"ranker-choose-c", RankerFitConfig(0)}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := Fit(context.Background(), ex, nil, labels, bc.cfg, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(ex)), "examples")
		})
	}
}

// BenchmarkPredict scores one analysed message with the trained classifier (logits and the
// calibrated softmax): the model's share of a prediction, beside nlp's BenchmarkAnalyze and
// intent's BenchmarkClassify for the whole path.
func BenchmarkPredict(b *testing.B) {
	ex, labels, err := shopExamples()
	if err != nil {
		b.Fatal(err)
	}
	cfg := DefaultFitConfig()
	cfg.Epochs, cfg.Runs = 2, 1
	c, _, err := Fit(context.Background(), ex, nil, labels, cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	logits := make([]float32, len(labels))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.Logits(ex[i%len(ex)].Features, logits)
		intent.Softmax(logits, 1)
		i++
	}
}
