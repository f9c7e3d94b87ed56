package train

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// Example is one labelled message as the classifier sees it.
type Example struct {
	Features []uint32
	Label    int // index into the label list
}

// FitConfig controls fitting. The zero value is not useful; start from DefaultFitConfig.
type FitConfig struct {
	Epochs   int     `json:"epochs"`    // at most this many passes
	Rate     float64 `json:"rate"`      // AdaGrad learning rate
	L2       float64 `json:"l2"`        // weight decay on the rows an example touches
	Patience int     `json:"patience"`  // stop after this many epochs without dev improvement
	MinCount int     `json:"min_count"` // features seen fewer times are dropped
	Seed     uint64  `json:"seed"`
}

// DefaultFitConfig is what zhiyi train uses unless told otherwise (chosen on SMP2017 dev and the
// sample shop's dev split; see docs/benchmarks.md).
func DefaultFitConfig() FitConfig {
	return FitConfig{Epochs: 30, Rate: 0.5, L2: 0, Patience: 4, MinCount: 1, Seed: 1}
}

// FitResult tells how fitting went.
type FitResult struct {
	Epochs     int       `json:"epochs"`      // epochs run
	BestEpoch  int       `json:"best_epoch"`  // epoch whose weights were kept
	DevAcc     []float64 `json:"dev_acc"`     // dev accuracy after each epoch (empty without dev)
	TrainLoss  []float64 `json:"train_loss"`  // mean training loss of each epoch
	Features   int       `json:"features"`    // features with weights
	TrainCount int       `json:"train_count"` // examples trained on
}

// Fit trains a sparse multinomial logistic regression with AdaGrad, shuffling each epoch with a
// fixed seed (so the same data gives the same model), keeping the weights of the epoch with the
// best dev accuracy and stopping early when dev stops improving. Without dev it runs all epochs.
// Progress goes to progress (nil for none).
func Fit(ctx context.Context, examples, dev []Example, labels []string, cfg FitConfig, progress io.Writer) (*intent.Classifier, FitResult, error) {
	k := len(labels)
	res := FitResult{TrainCount: len(examples)}
	if k < 2 {
		return nil, res, fmt.Errorf("fit: need at least 2 intents, got %d", k)
	}
	if len(examples) == 0 {
		return nil, res, fmt.Errorf("fit: no labelled examples")
	}
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
	for _, ex := range examples {
		for _, f := range ex.Features {
			if _, ok := rows[f]; !ok && counts[f] >= cfg.MinCount {
				rows[f] = int32(len(ids))
				ids = append(ids, f)
			}
		}
	}
	res.Features = len(ids)
	w := make([]float32, len(ids)*k)
	g2 := make([]float32, len(ids)*k)
	bias := make([]float32, k)
	bg2 := make([]float32, k)
	best := slices.Clone(w)
	bestBias := slices.Clone(bias)
	bestAcc := -1.0

	order := make([]int, len(examples))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	probs := make([]float32, k)
	grad := make([]float32, k)
	touched := make([]int32, 0, 128)
	const eps = 1e-8
	lr := float32(cfg.Rate)
	l2 := float32(cfg.L2)
	sinceBest := 0
	for epoch := 1; epoch <= cfg.Epochs; epoch++ {
		if err := ctx.Err(); err != nil {
			return nil, res, err
		}
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		var loss float64
		for _, idx := range order {
			ex := examples[idx]
			touched = touched[:0]
			for _, f := range ex.Features {
				if r, ok := rows[f]; ok {
					touched = append(touched, r)
				}
			}
			scale := float32(1 / math.Sqrt(float64(max(len(ex.Features), 1))))
			copy(probs, bias)
			for _, r := range touched {
				row := w[int(r)*k : int(r)*k+k]
				for j := range probs {
					probs[j] += scale * row[j]
				}
			}
			intent.Softmax(probs, 1)
			loss -= math.Log(float64(max(probs[ex.Label], 1e-12)))
			for j := range grad {
				grad[j] = probs[j]
			}
			grad[ex.Label]--
			for j, gj := range grad {
				bg2[j] += gj * gj
				bias[j] -= lr * gj / float32(math.Sqrt(float64(bg2[j]+eps)))
			}
			for _, r := range touched {
				base := int(r) * k
				for j, gj := range grad {
					g := gj*scale + l2*w[base+j]
					if g == 0 {
						continue
					}
					g2[base+j] += g * g
					w[base+j] -= lr * g / float32(math.Sqrt(float64(g2[base+j]+eps)))
				}
			}
		}
		res.Epochs = epoch
		res.TrainLoss = append(res.TrainLoss, loss/float64(len(examples)))
		if len(dev) == 0 {
			if progress != nil {
				fmt.Fprintf(progress, "epoch %2d  loss %.4f\n", epoch, loss/float64(len(examples)))
			}
			continue
		}
		c, err := intent.NewClassifier(labels, ids, w, bias)
		if err != nil {
			return nil, res, err
		}
		acc := Accuracy(c, dev)
		res.DevAcc = append(res.DevAcc, acc)
		if progress != nil {
			fmt.Fprintf(progress, "epoch %2d  loss %.4f  dev acc %.4f\n", epoch, loss/float64(len(examples)), acc)
		}
		if acc > bestAcc {
			bestAcc, res.BestEpoch, sinceBest = acc, epoch, 0
			copy(best, w)
			copy(bestBias, bias)
		} else if sinceBest++; sinceBest >= cfg.Patience {
			break
		}
	}
	if len(dev) == 0 {
		res.BestEpoch = res.Epochs
		best, bestBias = w, bias
	}
	c, err := intent.NewClassifier(labels, ids, best, bestBias)
	return c, res, err
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

func argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}
