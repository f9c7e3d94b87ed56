package train

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
)

var synthLabels = []string{"invoice", "return_goods", "shipping_time"}

// synthetic makes n examples per label: each carries three of its label's five signature
// features and five noise features shared by every label, so the set is separable but not
// trivially (no single feature decides, and noise outnumbers signal).
func synthetic(seed uint64, n int) []Example { return makeExamples(seed, n, 3, 5, 0) }

// makeExamples makes n examples per label with sig of the label's five signature features,
// noise shared features out of 40, and a share flip of the labels moved to the next label.
func makeExamples(seed uint64, n, sig, noise int, flip float64) []Example {
	rng := rand.New(rand.NewPCG(seed, 7))
	var out []Example
	for range n {
		for label := range synthLabels {
			var f []uint32
			for _, s := range rng.Perm(5)[:sig] {
				f = append(f, uint32(1000*(label+1)+s))
			}
			for range noise {
				f = append(f, uint32(rng.IntN(40)))
			}
			rng.Shuffle(len(f), func(a, b int) { f[a], f[b] = f[b], f[a] })
			l := label
			if flip > 0 && rng.Float64() < flip {
				l = (l + 1) % len(synthLabels)
			}
			out = append(out, Example{Features: f, Label: l})
		}
	}
	return out
}

func classifierBytes(t *testing.T, c *intent.Classifier) []byte {
	t.Helper()
	var b bytes.Buffer
	n, err := c.WriteTo(&b)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(b.Len()) {
		t.Errorf("WriteTo reported %d bytes, wrote %d", n, b.Len())
	}
	return b.Bytes()
}

func TestFitLearnsSeparableSet(t *testing.T) {
	train := synthetic(1, 40)
	cfg := DefaultFitConfig()
	cfg.Runs = 1 // one shuffled run: the epoch-level behaviour under test
	cfg.Epochs = 15
	var progress strings.Builder
	c, res, err := Fit(context.Background(), train, nil, synthLabels, cfg, &progress)
	if err != nil {
		t.Fatal(err)
	}
	if acc := Accuracy(c, train); acc != 1 {
		t.Errorf("training accuracy %.3f on a separable set, want 1", acc)
	}
	if acc := Accuracy(c, synthetic(2, 50)); acc < 0.97 {
		t.Errorf("accuracy %.3f on fresh samples of the same distribution, want ≥ 0.97", acc)
	}
	if !slices.Equal(c.Labels(), synthLabels) {
		t.Errorf("labels %q, want %q", c.Labels(), synthLabels)
	}
	// Without dev data every epoch runs and the last weights are kept.
	if res.Epochs != cfg.Epochs || res.BestEpochs[0] != cfg.Epochs || len(res.TrainLoss) != cfg.Epochs || len(res.DevAcc) != 0 {
		t.Errorf("FitResult %+v: want %d epochs, all kept, no dev accuracy", res, cfg.Epochs)
	}
	if res.TrainCount != len(train) || res.Features != 3*5+40 || c.NumFeatures() != res.Features {
		t.Errorf("FitResult %+v (classifier has %d features), want %d examples and %d features", res, c.NumFeatures(), len(train), 3*5+40)
	}
	if first, last := res.TrainLoss[0], res.TrainLoss[len(res.TrainLoss)-1]; !(last < first/4) {
		t.Errorf("training loss went from %.4f to %.4f, want it to fall well below a quarter", first, last)
	}
	if lines := strings.Count(progress.String(), "\n"); lines != cfg.Epochs || !strings.Contains(progress.String(), "loss") {
		t.Errorf("progress has %d lines, want one per epoch with the loss:\n%s", lines, progress.String())
	}
}

func TestFitDeterministic(t *testing.T) {
	train, dev := synthetic(3, 30), synthetic(4, 10)
	cfg := DefaultFitConfig()
	cfg.Runs = 1 // one shuffled run: the epoch-level behaviour under test
	cfg.Epochs = 8
	fit := func(cfg FitConfig) ([]byte, FitResult) {
		c, res, err := Fit(context.Background(), train, dev, synthLabels, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		return classifierBytes(t, c), res
	}
	a, resA := fit(cfg)
	b, resB := fit(cfg)
	if !bytes.Equal(a, b) {
		t.Error("two fits with the same seed gave different classifier bytes")
	}
	if !slices.Equal(resA.TrainLoss, resB.TrainLoss) || !slices.Equal(resA.DevAcc, resB.DevAcc) {
		t.Errorf("two fits with the same seed went differently: %+v vs %+v", resA, resB)
	}
	cfg.Seed = 2
	if c, _ := fit(cfg); bytes.Equal(a, c) {
		t.Error("a different seed gave the very same classifier: is the seed used to shuffle?")
	}
}

func TestFitEarlyStoppingKeepsBestEpoch(t *testing.T) {
	// A hard, noisy set (one signature feature per example, 30 % wrong labels in training) and a
	// slow rate: dev accuracy climbs for a few epochs, then wobbles below its best while
	// training goes on changing the weights.
	train, dev := makeExamples(13, 20, 1, 6, 0.3), makeExamples(113, 10, 1, 6, 0)
	cfg := DefaultFitConfig()
	cfg.Runs = 1 // one shuffled run: the epoch-level behaviour under test
	cfg.Epochs, cfg.Patience, cfg.Rate = 40, 3, 0.1
	ctx := context.Background()
	best, res, err := Fit(ctx, train, dev, synthLabels, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("dev accuracy by epoch %.3f, best epoch %d", res.DevAcc, res.BestEpochs[0])
	if res.Epochs >= cfg.Epochs {
		t.Fatalf("ran all %d epochs; dev accuracy %v never stopped improving?", res.Epochs, res.DevAcc)
	}
	if len(res.DevAcc) != res.Epochs {
		t.Errorf("%d dev accuracies for %d epochs", len(res.DevAcc), res.Epochs)
	}
	top := slices.Max(res.DevAcc)
	if res.BestEpochs[0] < 1 || res.DevAcc[res.BestEpochs[0]-1] != top || slices.Index(res.DevAcc, top) != res.BestEpochs[0]-1 {
		t.Errorf("best epoch %d, dev accuracy %v: want the first epoch with the highest accuracy", res.BestEpochs[0], res.DevAcc)
	}
	if res.Epochs != res.BestEpochs[0]+cfg.Patience {
		t.Errorf("stopped after epoch %d, best %d: want patience %d epochs after the best", res.Epochs, res.BestEpochs[0], cfg.Patience)
	}
	if acc := Accuracy(best, dev); acc != top {
		t.Errorf("returned classifier has dev accuracy %.4f, want the best epoch's %.4f", acc, top)
	}

	// The weights kept are those of the best epoch: a run that stops right there gives the
	// same bytes, and a run over every epoch that was run ends elsewhere.
	stopAtBest := cfg
	stopAtBest.Epochs = res.BestEpochs[0]
	atBest, _, err := Fit(ctx, train, dev, synthLabels, stopAtBest, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(classifierBytes(t, best), classifierBytes(t, atBest)) {
		t.Error("early stopping returned weights other than those of the best epoch")
	}
	runAll := cfg
	runAll.Epochs = res.Epochs
	last, _, err := Fit(ctx, train, nil, synthLabels, runAll, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(classifierBytes(t, best), classifierBytes(t, last)) {
		t.Error("the best epoch's weights equal the last epoch's: training after the best changed nothing?")
	}
}

func TestFitMinCount(t *testing.T) {
	train := synthetic(7, 20)
	train = append(train, Example{Features: []uint32{99999}, Label: 0}) // a feature seen once
	cfg := DefaultFitConfig()
	cfg.Runs = 1 // one shuffled run: the epoch-level behaviour under test
	cfg.Epochs, cfg.MinCount = 2, 2
	c, res, err := Fit(context.Background(), train, nil, synthLabels, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Features != 55 || c.NumFeatures() != 55 {
		t.Errorf("%d features kept with min count 2, want 55 (the one seen once dropped)", res.Features)
	}
}

func TestFitErrors(t *testing.T) {
	ctx := context.Background()
	cfg := DefaultFitConfig()
	cfg.Runs = 1 // one shuffled run: the epoch-level behaviour under test
	train := synthetic(8, 5)
	if _, _, err := Fit(ctx, train, nil, []string{"only"}, cfg, nil); err == nil {
		t.Error("Fit with one label: nil error")
	}
	if _, _, err := Fit(ctx, train, nil, nil, cfg, nil); err == nil {
		t.Error("Fit with no labels: nil error")
	}
	if _, _, err := Fit(ctx, nil, nil, synthLabels, cfg, nil); err == nil {
		t.Error("Fit with no examples: nil error")
	}
	for name, bad := range map[string]func(*FitConfig){
		"zero rate":            func(c *FitConfig) { c.Rate = 0 },
		"negative rate":        func(c *FitConfig) { c.Rate = -0.5 },
		"NaN rate":             func(c *FitConfig) { c.Rate = math.NaN() },
		"negative L2":          func(c *FitConfig) { c.L2 = -1 },
		"label smoothing of 1": func(c *FitConfig) { c.LabelSmoothing = 1 },
		"negative smoothing":   func(c *FitConfig) { c.LabelSmoothing = -0.1 },
		"no epochs":            func(c *FitConfig) { c.Epochs = 0 },
		"no patience":          func(c *FitConfig) { c.Patience = 0 },
	} {
		c := cfg
		bad(&c)
		if _, _, err := Fit(ctx, train, nil, synthLabels, c, nil); err == nil || !strings.HasPrefix(err.Error(), "fit: ") {
			t.Errorf("Fit with %s: error %v, want a fit: error", name, err)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := Fit(cancelled, train, nil, synthLabels, cfg, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Fit with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestAccuracy(t *testing.T) {
	c, err := intent.NewClassifier([]string{"a", "b"}, []uint32{1, 2}, []float32{1, 0, 0, 1}, []float32{0, 0})
	if err != nil {
		t.Fatal(err)
	}
	ex := []Example{{Features: []uint32{1}, Label: 0}, {Features: []uint32{2}, Label: 1}, {Features: []uint32{2}, Label: 0}, {Features: []uint32{1, 1, 2}, Label: 0}}
	if acc := Accuracy(c, ex); acc != 0.75 {
		t.Errorf("Accuracy = %v, want 0.75", acc)
	}
	if acc := Accuracy(c, nil); acc != 0 {
		t.Errorf("Accuracy(no examples) = %v, want 0", acc)
	}
}

func TestFitAveragesRunsDeterministically(t *testing.T) {
	train, dev := synthetic(3, 30), synthetic(4, 10)
	cfg := DefaultFitConfig()
	cfg.Epochs, cfg.Runs = 6, 3
	fit := func() ([]byte, FitResult) {
		c, res, err := Fit(context.Background(), train, dev, synthLabels, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		return classifierBytes(t, c), res
	}
	a, res := fit()
	b, _ := fit()
	if !bytes.Equal(a, b) {
		t.Error("averaged runs are not deterministic")
	}
	if len(res.BestEpochs) != 3 || len(res.RunDevAcc) != 3 || res.FinalDev <= 0 {
		t.Errorf("FitResult %+v: want 3 runs reported and a final dev accuracy", res)
	}
}
