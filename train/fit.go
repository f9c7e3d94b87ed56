package train

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// Example is one labelled message as the classifier sees it.
type Example struct {
	Features []uint32
	Label    int // index into the label list
	// Weight scales the example's gradient: a label the model gave itself counts less than an
	// operator's. Zero means 1.
	Weight float32
}

// FitConfig controls fitting. The zero value is not useful; start from DefaultFitConfig.
type FitConfig struct {
	Epochs   int     `json:"epochs"`    // at most this many passes
	Rate     float64 `json:"rate"`      // AdaGrad learning rate
	L2       float64 `json:"l2"`        // weight decay on the rows an example touches
	Patience int     `json:"patience"`  // stop after this many epochs without dev improvement
	MinCount int     `json:"min_count"` // features seen fewer times are dropped
	Seed     uint64  `json:"seed"`
	// Runs is how many models, each trained on its own shuffle order, are averaged into one.
	// For a linear model the average of the weights scores exactly like the average of the
	// models' logits, so the ensemble costs nothing at prediction time.
	Runs int `json:"runs"`
	// RunEpochs, when set, fixes the epochs of each run (a refit repeats what early stopping
	// chose run by run); it overrides Epochs.
	RunEpochs []int `json:"run_epochs,omitempty"`
	// LabelSmoothing moves this share of each example's target from its label to all labels
	// evenly; a little regularises the runs that early stopping keeps after 1–4 epochs.
	LabelSmoothing float64 `json:"label_smoothing"`
	// TFIDF weighs each feature by its inverse document frequency over the training examples
	// and normalises a message's features to unit length over the features the model knows;
	// off, every feature weighs 1/√n of the message's n features.
	TFIDF bool `json:"tfidf,omitempty"`
	// Loss is LossSoftmax (empty means it) or LossSVM. The SVM ignores the rate, epochs,
	// patience, runs, label smoothing and L2 settings: C sets its regularisation and the solver
	// runs to convergence.
	Loss string `json:"loss,omitempty"`
	// C is the SVM's inverse regularisation strength (scikit-learn's LinearSVC C); 0 lets Fit
	// choose it by cross-validation on the examples (ChooseC).
	C float64 `json:"c,omitempty"`
	// Warm, when set, is the model training continues from (learning from corrections): its
	// labels must be the ones given, its features keep their rows, weights, bias and idf, and new
	// features start at zero.
	Warm *intent.Classifier `json:"-"`
	// Keep, when set, limits the features that get rows to these (with MinCount): a model
	// trained again on the features pruning kept (PruneFeatures).
	Keep map[uint32]struct{} `json:"-"`
	// RowOrder, when set (and not Warm), numbers the rows of these features first, in this
	// order, so that a model fitted again can share another's rows (learning's ranker, written
	// over the continued classifier's); the math does not depend on the numbering.
	RowOrder []uint32 `json:"-"`
}

// DefaultFitConfig is what zhiyi train uses for the classifier unless told otherwise (chosen on
// SMP2017 and the sample shop; see docs/benchmarks.md).
func DefaultFitConfig() FitConfig {
	return FitConfig{Epochs: 30, Rate: 0.5, L2: 0, Patience: 3, MinCount: 1, Seed: 1, Runs: 6, LabelSmoothing: 0.01, Loss: LossSoftmax}
}

// RankerFitConfig is what zhiyi train uses for the ranker: the SVM on TF-IDF weights, C chosen by
// cross-validation unless c is positive (chosen by k-fold cross-validation on SMP2017, KUAKE-QIC
// and CAIS and on the drift suite; see docs/benchmarks.md).
func RankerFitConfig(c float64) FitConfig {
	cfg := DefaultFitConfig()
	cfg.Loss, cfg.TFIDF, cfg.C = LossSVM, true, c
	return cfg
}

// keeps reports whether feature f may have a row (Keep).
func (c FitConfig) keeps(f uint32) bool {
	if c.Keep == nil {
		return true
	}
	_, ok := c.Keep[f]
	return ok
}

// validate rejects settings that cannot train a model (a flag typed wrong should say so, not
// train nonsense).
func (c FitConfig) validate() error {
	switch {
	case !(c.Rate > 0) || math.IsInf(c.Rate, 0):
		return fmt.Errorf("fit: learning rate %v: want a positive number", c.Rate)
	case !(c.L2 >= 0) || math.IsInf(c.L2, 0):
		return fmt.Errorf("fit: L2 %v: want zero or a positive number", c.L2)
	case !(c.LabelSmoothing >= 0 && c.LabelSmoothing < 1):
		return fmt.Errorf("fit: label smoothing %v: want at least 0 and below 1", c.LabelSmoothing)
	case c.Epochs < 1 && len(c.RunEpochs) == 0:
		return fmt.Errorf("fit: %d epochs: want at least 1", c.Epochs)
	case c.Patience < 1:
		return fmt.Errorf("fit: patience %d: want at least 1", c.Patience)
	case c.Loss != "" && c.Loss != LossSoftmax && c.Loss != LossSVM:
		return fmt.Errorf("fit: loss %q: want %s or %s", c.Loss, LossSoftmax, LossSVM)
	case c.Loss == LossSVM && (!(c.C >= 0) || math.IsInf(c.C, 0)):
		return fmt.Errorf("fit: C %v: want a positive number, or 0 to choose by cross-validation", c.C)
	}
	return nil
}

// FitResult tells how fitting went.
type FitResult struct {
	Epochs     int       `json:"epochs"`             // epochs run, summed over runs
	BestEpochs []int     `json:"best_epochs"`        // per run, the epoch whose weights were kept
	DevAcc     []float64 `json:"dev_acc"`            // dev accuracy after each epoch of the first run
	TrainLoss  []float64 `json:"train_loss"`         // mean training loss of each epoch of the first run
	RunDevAcc  []float64 `json:"run_dev_acc"`        // best dev accuracy of each run
	FinalDev   float64   `json:"final_dev"`          // dev accuracy of the averaged model
	ChosenC    *CChoice  `json:"chosen_c,omitempty"` // how cross-validation chose the SVM's C
	Features   int       `json:"features"`           // features with weights
	TrainCount int       `json:"train_count"`        // examples trained on
}

// Fit trains a sparse multinomial logistic regression with AdaGrad. It trains cfg.Runs models,
// each shuffled with its own seed derived from cfg.Seed (so the same data gives the same model),
// each keeping the weights of its epoch with the best dev accuracy and stopping early when dev
// stops improving (without dev, each runs all epochs), and averages them. Runs go in parallel on
// the available cores. Progress goes to progress (nil for none).
func Fit(ctx context.Context, examples, dev []Example, labels []string, cfg FitConfig, progress io.Writer) (*intent.Classifier, FitResult, error) {
	k := len(labels)
	res := FitResult{TrainCount: len(examples)}
	if k < 2 {
		return nil, res, fmt.Errorf("fit: need at least 2 intents, got %d", k)
	}
	if len(examples) == 0 {
		return nil, res, fmt.Errorf("fit: no labelled examples")
	}
	if err := cfg.validate(); err != nil {
		return nil, res, err
	}
	if progress == nil {
		progress = io.Discard
	}
	runs := max(1, cfg.Runs)
	// Rows for features seen at least MinCount times, numbered in order of first appearance so
	// the layout is deterministic.
	counts := map[uint32]int{}
	for _, ex := range examples {
		for _, f := range ex.Features {
			counts[f]++
		}
	}
	rows := map[uint32]int32{}
	var ids []uint32
	var warmW, warmIDF []float32
	if cfg.Warm != nil {
		if !slices.Equal(cfg.Warm.Labels(), labels) {
			return nil, res, fmt.Errorf("fit: the model to continue from has other intents")
		}
		cfg.Warm.Rows(func(f uint32, idf float32, w []float32) bool {
			rows[f] = int32(len(ids))
			ids = append(ids, f)
			warmW = append(warmW, w...)
			warmIDF = append(warmIDF, idf)
			return true
		})
	}
	if cfg.Warm == nil {
		for _, f := range cfg.RowOrder {
			if _, ok := rows[f]; !ok && counts[f] >= cfg.MinCount && cfg.keeps(f) {
				rows[f] = int32(len(ids))
				ids = append(ids, f)
			}
		}
	}
	for _, ex := range examples {
		for _, f := range ex.Features {
			if _, ok := rows[f]; !ok && counts[f] >= cfg.MinCount && cfg.keeps(f) {
				rows[f] = int32(len(ids))
				ids = append(ids, f)
			}
		}
	}
	res.Features = len(ids)
	// Each example's rows, resolved once for all runs and epochs, and their weights.
	exRows := make([][]int32, len(examples))
	for i, ex := range examples {
		for _, f := range ex.Features {
			if r, ok := rows[f]; ok {
				exRows[i] = append(exRows[i], r)
			}
		}
	}
	var idf []float32
	switch {
	case cfg.Warm != nil && cfg.Warm.Weighted():
		// the warm model's idf; its new features are the rarest kind
		idf = slices.Clone(warmIDF)
		top := slices.Max(append([]float32{1}, warmIDF...))
		for len(idf) < len(ids) {
			idf = append(idf, top)
		}
	case cfg.Warm == nil && cfg.TFIDF:
		idf = inverseDocFreq(exRows, len(ids))
	}
	exX := featureWeights(examples, exRows, idf)
	if cfg.Loss == LossSVM && cfg.Warm == nil {
		return fitSVMModel(ctx, examples, exRows, exX, dev, labels, ids, idf, cfg, res, progress)
	}
	fits := make([]runFit, runs) // the runs' numbers; their weights go into mean as they finish
	mean := newRunMean(len(ids)*k, k, runs)
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for r := range runs {
		g.Go(func() error {
			p := io.Discard
			if r == 0 {
				p = progress
			}
			seed := cfg.Seed + uint64(r)*0x9e3779b97f4a7c15
			rc := cfg
			if r < len(cfg.RunEpochs) {
				rc.Epochs = cfg.RunEpochs[r]
			}
			f, err := fitRun(ctx, examples, exRows, exX, dev, labels, ids, idf, warmW, rc, seed, p)
			if err != nil {
				return err
			}
			fits[r] = mean.add(r, f)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, res, err
	}
	w, bias := mean.w, mean.bias
	for r, f := range fits {
		res.Epochs += f.epochs
		res.BestEpochs = append(res.BestEpochs, f.best)
		res.RunDevAcc = append(res.RunDevAcc, f.bestAcc)
		if r == 0 {
			res.DevAcc, res.TrainLoss = f.devAcc, f.loss
		}
	}
	c, err := newModel(labels, ids, idf, w, bias)
	if err != nil {
		return nil, res, err
	}
	if len(dev) > 0 {
		res.FinalDev = Accuracy(c, dev)
		fmt.Fprintf(progress, "averaged %d runs (best epochs %v): dev acc %.4f\n", runs, res.BestEpochs, res.FinalDev)
	}
	return c, res, nil
}

// fitSVMModel is Fit for LossSVM: one solve, no runs or epochs.
func fitSVMModel(ctx context.Context, examples []Example, exRows [][]int32, exX [][]float32, dev []Example, labels []string,
	ids []uint32, idf []float32, cfg FitConfig, res FitResult, progress io.Writer) (*intent.Classifier, FitResult, error) {
	if cfg.C == 0 {
		ch, err := ChooseC(ctx, examples, labels, cfg, svmFolds)
		if err != nil {
			return nil, res, err
		}
		fmt.Fprintf(progress, "svm: C %.3g chosen by %d-fold cross-validation, the centre of C %g–%g (accuracy %.4f at C %v)\n",
			ch.C, ch.Folds, ch.Level[0], ch.Level[1], ch.Accuracy, ch.Grid)
		res.ChosenC, cfg.C = &ch, ch.C
	}
	w, bias, passes, err := fitSVM(ctx, examples, exRows, exX, len(labels), len(ids), cfg.C, cfg.Seed)
	if err != nil {
		return nil, res, err
	}
	res.Epochs = passes
	c, err := newModel(labels, ids, idf, w, bias)
	if err != nil {
		return nil, res, err
	}
	if passes >= svmMaxIter {
		fmt.Fprintf(progress, "svm: warning: C %.3g, not converged in %d passes (the last weights are kept)\n", cfg.C, passes)
	} else {
		fmt.Fprintf(progress, "svm: C %.3g, converged in at most %d passes\n", cfg.C, passes)
	}
	if len(dev) > 0 {
		res.FinalDev = Accuracy(c, dev)
		fmt.Fprintf(progress, "svm: dev acc %.4f\n", res.FinalDev)
	}
	return c, res, nil
}

// runFit is the outcome of one shuffled training run.
type runFit struct {
	w, bias      []float32
	epochs, best int
	bestAcc      float64
	devAcc, loss []float64
}

func fitRun(ctx context.Context, examples []Example, exRows [][]int32, exX [][]float32, dev []Example, labels []string,
	ids []uint32, idf, warmW []float32, cfg FitConfig, seed uint64, progress io.Writer) (runFit, error) {
	k := len(labels)
	var out runFit
	w := make([]float32, len(ids)*k)
	g2 := make([]float32, len(ids)*k)
	bias := make([]float32, k)
	if cfg.Warm != nil {
		copy(w, warmW)
		copy(bias, cfg.Warm.Bias())
	}
	bg2 := make([]float32, k)
	best := make([]float32, len(w))
	bestBias := make([]float32, k)
	out.bestAcc = -1

	order := make([]int, len(examples))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	probs := make([]float32, k)
	grad := make([]float32, k)
	const eps = 1e-8
	lr := float32(cfg.Rate)
	l2 := float32(cfg.L2)
	ls := float32(cfg.LabelSmoothing)
	// A warm SVM (learning from corrections) continues in the primal: the same passes with the
	// one-vs-rest squared hinge's gradient in place of the softmax's.
	svm := cfg.Loss == LossSVM
	sinceBest := 0
	for epoch := 1; epoch <= cfg.Epochs; epoch++ {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		var loss float64
		for _, idx := range order {
			ex := examples[idx]
			touched, xs := exRows[idx], exX[idx]
			copy(probs, bias)
			for t, r := range touched {
				row, x := w[int(r)*k:int(r)*k+k], xs[t]
				for j := range probs {
					probs[j] += x * row[j]
				}
			}
			if svm {
				loss += squaredHingeGrad(probs, ex.Label, grad)
			} else {
				intent.Softmax(probs, 1)
				loss -= math.Log(float64(max(probs[ex.Label], 1e-12)))
				copy(grad, probs)
				for j := range grad {
					grad[j] -= ls / float32(k)
				}
				grad[ex.Label] -= 1 - ls
			}
			if ex.Weight != 0 && ex.Weight != 1 {
				for j := range grad {
					grad[j] *= ex.Weight
				}
			}
			for j, gj := range grad {
				bg2[j] += gj * gj
				bias[j] -= lr * gj / float32(math.Sqrt(float64(bg2[j]+eps)))
			}
			for t, r := range touched {
				base, x := int(r)*k, xs[t]
				for j, gj := range grad {
					g := gj*x + l2*w[base+j]
					if g == 0 {
						continue
					}
					g2[base+j] += g * g
					w[base+j] -= lr * g / float32(math.Sqrt(float64(g2[base+j]+eps)))
				}
			}
		}
		out.epochs = epoch
		meanLoss := loss / float64(len(examples))
		out.loss = append(out.loss, meanLoss)
		if len(dev) == 0 {
			fmt.Fprintf(progress, "epoch %2d  loss %.4f\n", epoch, meanLoss)
			continue
		}
		c, err := newModel(labels, ids, idf, w, bias)
		if err != nil {
			return out, err
		}
		acc := Accuracy(c, dev)
		out.devAcc = append(out.devAcc, acc)
		fmt.Fprintf(progress, "epoch %2d  loss %.4f  dev acc %.4f\n", epoch, meanLoss, acc)
		if acc > out.bestAcc {
			out.bestAcc, out.best, sinceBest = acc, epoch, 0
			copy(best, w)
			copy(bestBias, bias)
		} else if sinceBest++; sinceBest >= cfg.Patience {
			break
		}
	}
	if len(dev) == 0 {
		out.best = out.epochs
		out.w, out.bias = w, bias
		return out, nil
	}
	out.w, out.bias = best, bestBias
	return out, nil
}

// Accuracy is the share of examples whose top-scoring label is right.
func Accuracy(c *intent.Classifier, examples []Example) float64 {
	if len(examples) == 0 {
		return 0
	}
	logits := make([]float32, len(c.Labels()))
	right := 0
	for _, ex := range examples {
		c.Logits(ex.Features, logits)
		if argmax(logits) == ex.Label {
			right++
		}
	}
	return float64(right) / float64(len(examples))
}

// argmax returns the index of the largest value (the first on ties).
func argmax[T cmp.Ordered](v []T) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

// newModel assembles the classifier: weighted by idf when there is one.
func newModel(labels []string, ids []uint32, idf, w, bias []float32) (*intent.Classifier, error) {
	if idf != nil {
		return intent.NewWeightedClassifier(labels, ids, idf, w, bias)
	}
	return intent.NewClassifier(labels, ids, w, bias)
}

// inverseDocFreq returns each row's smoothed inverse document frequency over the examples (as
// scikit-learn's TfidfVectorizer: ln((1+n)/(1+df)) + 1).
func inverseDocFreq(exRows [][]int32, rows int) []float32 {
	df := make([]int32, rows)
	last := make([]int32, rows) // the last example that counted the row, +1
	for i, rs := range exRows {
		for _, r := range rs {
			if last[r] != int32(i+1) {
				last[r] = int32(i + 1)
				df[r]++
			}
		}
	}
	n := float64(len(exRows))
	idf := make([]float32, rows)
	for r, d := range df {
		idf[r] = float32(math.Log((1+n)/(1+float64(d))) + 1)
	}
	return idf
}

// featureWeights returns, for each example, the weight of each of its rows as the classifier
// will weigh them: idf over the norm of the known features' idfs, or 1/√n of all n features.
func featureWeights(examples []Example, exRows [][]int32, idf []float32) [][]float32 {
	out := make([][]float32, len(examples))
	for i, rs := range exRows {
		xs := make([]float32, len(rs))
		if idf == nil {
			x := float32(1 / math.Sqrt(float64(max(len(examples[i].Features), 1))))
			for t := range xs {
				xs[t] = x
			}
		} else {
			var norm2 float64
			for _, r := range rs {
				norm2 += float64(idf[r]) * float64(idf[r])
			}
			if norm2 > 0 {
				inv := 1 / math.Sqrt(norm2)
				for t, r := range rs {
					xs[t] = float32(float64(idf[r]) * inv)
				}
			}
		}
		out[i] = xs
	}
	return out
}
