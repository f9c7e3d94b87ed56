package sentiment

import (
	"fmt"
	"testing"
)

// The sample shop's labelled set and lexicon, relative to this package's directory.
const (
	shopData    = "../corpora/shop/sentiment/sentiment.jsonl"
	shopLexicon = "../corpora/shop/dict/sentiment.txt"
)

func shopSet(t testing.TB) (lex *Lexicon, dev, test []Example) {
	t.Helper()
	ex, err := ReadExamples(shopData)
	if err != nil {
		t.Fatal(err)
	}
	lex, err = LoadLexicon(shopLexicon)
	if err != nil {
		t.Fatal(err)
	}
	dev, test = Split(ex)
	return lex, dev, test
}

func mustNew(t testing.TB, lex *Lexicon, opt Options) *Analyzer {
	t.Helper()
	a, err := New(lex, opt)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestReport prints precision and recall per tag of the lexicon-only baseline and the shipped
// model on the labelled set's test part (the only place the test part is read), and both on the
// dev part: the baseline over all of it (it learns nothing), the model by 5-fold
// cross-validation with the shipped configuration. Run it with
//
//	go test -run TestReport -v ./sentiment
//
// With -v it also cross-validates ablations of the shipped configuration. It fails if the model
// does not beat the baseline on both parts.
func TestReport(t *testing.T) {
	lex, dev, test := shopSet(t)
	base := mustNew(t, lex, Options{LexiconOnly: true})
	model := mustNew(t, lex, Options{})
	cfg := DefaultModel().Config()

	baseTest, _ := Evaluate(base, test)
	modelTest, _ := Evaluate(model, test)
	baseDev, _ := Evaluate(base, dev)
	oof, err := CrossValidate(dev, lex, cfg, 5)
	if err != nil {
		t.Fatal(err)
	}
	modelCV := Measure(dev, oof)

	t.Logf("labelled set: %s, %d dev + %d test messages; model %s, %d n-grams",
		shopData, len(dev), len(test), cfg, DefaultModel().Grams())
	t.Log("\n" + baseTest.Format("test part — lexicon-only baseline"))
	t.Log("\n" + modelTest.Format("test part — shipped model"))
	t.Log("\n" + baseDev.Format("dev part — lexicon-only baseline"))
	t.Log("\n" + modelCV.Format("dev part — model, 5-fold cross-validation"))
	t.Logf("test confusion [label][prediction] baseline %v, model %v", baseTest.Confusion, modelTest.Confusion)

	if testing.Verbose() {
		for _, ab := range []FeatureGroup{GroupLexicon, GroupNgrams, GroupPunctuation | GroupEmoji | GroupLength} {
			c := cfg
			c.Without = ab
			res, err := CrossValidate(dev, lex, c, 5)
			if err != nil {
				t.Fatal(err)
			}
			m := Measure(dev, res)
			t.Logf("ablation without %-26s 5-fold CV macro-F1 %.3f accuracy %.3f handoff F1 %.3f",
				ab, m.MacroF1, m.Accuracy, m.Handoff.F1)
		}
	}

	for _, c := range []struct {
		part        string
		base, model Metrics
	}{{"test", baseTest, modelTest}, {"dev (CV)", baseDev, modelCV}} {
		if c.model.MacroF1 <= c.base.MacroF1 {
			t.Errorf("%s: model macro-F1 %.3f does not beat the lexicon-only baseline's %.3f", c.part, c.model.MacroF1, c.base.MacroF1)
		}
	}
}

func ExampleMetrics_Format() {
	ex := []Example{{Tag: Neutral}, {Tag: Negative}, {Tag: Urgent}, {Tag: Negative, Strong: true}}
	res := []Result{{Tag: Neutral}, {Tag: Negative}, {Tag: Urgent, Strong: true}, {Tag: Neutral}}
	fmt.Print(Measure(ex, res).Format("tiny"))
	// Output:
	// tiny (n=4)
	//   tag            precision    recall        F1  support
	//   neutral 中性         0.500     1.000     0.667        1
	//   negative 负面        1.000     0.500     0.667        2
	//   urgent 紧急          1.000     1.000     1.000        1
	//   handoff            1.000     0.500     0.667        2
	//   accuracy 0.750  macro-F1 0.778
}
