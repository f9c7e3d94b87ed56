package train

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// gate is what Learn's gate judges a candidate on.
type gate struct {
	labels []string
	// The evaluation set's size, and how many of its messages the candidate and the control
	// (the parent continued without the corrections) get right.
	evalN, candRight, controlRight int
	worst, lost, support           int // recallLoss
	// How many the root continued without any correction gets right (rootRight), and who the
	// root is.
	rootRight int
	root      string
	// The batch-level checks judge the corrections learnt since the root and this batch's
	// (windowN; batchN of them this batch's): a poisoned batch split into batches too small to
	// judge is judged whole.
	windowN, batchN int
	move            contestedMove
	judge           string // who "answers otherwise with confidence": the root, or the parent
}

// verdict fills res.Promoted and res.Reason; batchRefused says the batch itself was refused,
// not the line of bundles it would extend.
func (g *gate) verdict(res *LearnResult, cfg LearnConfig) (batchRefused bool) {
	// Guessing among the intents: a batch that all names one intent is no evidence of poison
	// by itself (the evaluation set judges what it does), and the majority share of such a
	// batch would be a bar of 100 %.
	chance := 1 / float64(len(g.labels))
	judged := "the corrections"
	if g.windowN > g.batchN {
		judged = fmt.Sprintf("the corrections (this batch's %d with the %d learnt since the bundle trained from exports)", g.batchN, g.windowN-g.batchN)
	}
	switch {
	case g.windowN >= 10 && !aboveChance(res.HeldOut, chance, g.windowN, cfg.MinHeldOut):
		res.Reason = fmt.Sprintf("refused: %s do not teach anything consistent — a model trained without each gets %.0f%% of them right, no better than guessing (%.0f%%); are they random?",
			judged, 100*res.HeldOut, 100*chance)
	// A batch of 10 or more is judged by its own share too: the genuine corrections learnt
	// before it, which carry, would otherwise vouch for a random batch that follows them.
	case g.windowN > g.batchN && g.batchN >= 10 && !aboveChance(res.BatchHeldOut, chance, g.batchN, cfg.MinHeldOut):
		res.Reason = fmt.Sprintf("refused: this batch's %d corrections do not teach anything consistent — a model trained without each gets %.0f%% of them right (%.0f%% with the %d learnt since the bundle trained from exports), no better than guessing (%.0f%%); are they random?",
			g.batchN, 100*res.BatchHeldOut, 100*res.HeldOut, g.windowN-g.batchN, 100*chance)
	case dropsTooMuch(g.controlRight, g.candRight, g.evalN, cfg.MaxDrop):
		// The control first: it is what the gate compares against; the parent as trained has
		// seen the evaluation set, and read first it would overstate the loss.
		res.Reason = fmt.Sprintf("refused: evaluation accuracy would be %.4f (the bundle retrained without these corrections: %.4f; as it was trained: %.4f): %d of %d messages lost, at most %.0f allowed",
			res.CandidateAccuracy, res.ControlAccuracy, res.ParentAccuracy, g.controlRight-g.candRight, g.evalN, math.Floor(cfg.MaxDrop*float64(g.evalN)+dropEpsilon))
	case g.worst >= 0 && g.lost >= minIntentLoss && float64(g.lost) >= maxIntentDrop*float64(g.support):
		res.Reason = fmt.Sprintf("refused: %s would lose %d of its %d messages in the evaluation set that the parent continued without the corrections gets right: the batch moves that kind of message to another intent",
			g.labels[g.worst], g.lost, g.support)
	case g.windowN >= minContestBatch && float64(res.Contested) > maxContested*float64(g.windowN):
		res.Reason = fmt.Sprintf("refused: %d of the %d corrections contradict the shop's own labels%s — %s answers each otherwise with confidence, and none of the labelled messages most like it carries the corrected intent (to change what an intent covers, retrain with the labels: zhiyi train --labels)",
			res.Contested, g.windowN, g.since(), g.judge)
	case g.move.N >= minContestBatch:
		res.Reason = fmt.Sprintf("refused: %d corrections%s move messages %s answers as %s with confidence to %s, against the shop's own labels for the messages most like them (to change what an intent covers, retrain with the labels: zhiyi train --labels)",
			g.move.N, g.since(), g.judge, g.move.From, g.move.To)
	case res.FixedAfter < cfg.MinFixed:
		res.Reason = fmt.Sprintf("refused: the candidate gets only %.0f%% of the corrections right (needs %.0f%%)", 100*res.FixedAfter, 100*cfg.MinFixed)
	// Last: the batch passed every check of its own, and what refuses it is what the generations
	// before it lost; it is judged again on a new line (not recorded as refused).
	case dropsTooMuch(g.rootRight, g.candRight, g.evalN, cfg.MaxRootDrop):
		res.Reason = fmt.Sprintf("refused: accuracy on the evaluation set would be %.4f against %.4f for %s continued the same way without any correction: %d of %d messages lost over the generations learnt since it, at most %.0f allowed (MaxRootDrop); retrain from exports (zhiyi train) and learn these corrections on the new bundle (zhiyi learn --since)",
			res.CandidateAccuracy, res.RootAccuracy, g.root, g.rootRight-g.candRight, g.evalN, math.Floor(cfg.MaxRootDrop*float64(g.evalN)+dropEpsilon))
		return false
	default:
		res.Promoted = true
		res.Reason = fmt.Sprintf("promoted: evaluation accuracy %.4f (the bundle retrained without these corrections: %.4f; as it was trained: %.4f), corrections right %.0f%% → %.0f%% (%.0f%% held out, %d contested%s)",
			res.CandidateAccuracy, res.ControlAccuracy, res.ParentAccuracy, 100*res.FixedBefore, 100*res.FixedAfter, 100*res.HeldOut, res.Contested, g.since())
		return false
	}
	return true
}

// since says, after a count of corrections, that it includes those learnt before this batch.
func (g *gate) since() string {
	if g.windowN == g.batchN {
		return ""
	}
	return fmt.Sprintf(" (of this batch and the %d learnt since the bundle trained from exports)", g.windowN-g.batchN)
}

// dropEpsilon absorbs the rounding of MaxDrop·n: losing exactly MaxDrop of n messages is allowed
// whatever n (compared as accuracies, it was refused for a few n, 300 among them).
const dropEpsilon = 1e-9

// dropsTooMuch reports whether a candidate right on candRight of n evaluation messages, where
// the control is right on controlRight, loses more than maxDrop of them. On an evaluation set of
// fewer than 1/maxDrop messages that is any message at all.
func dropsTooMuch(controlRight, candRight, n int, maxDrop float64) bool {
	return n > 0 && float64(controlRight-candRight) > maxDrop*float64(n)+dropEpsilon
}

// rightCount is how many of examples c gets right.
func rightCount(c *intent.Classifier, examples []Example) int {
	return int(math.Round(Accuracy(c, examples) * float64(len(examples))))
}

// A batch is refused when it costs one intent at least minIntentLoss of its evaluation messages
// and maxIntentDrop of them, against the control: a batch that moves one kind of message to
// the wrong intent may cost the whole set less than MaxDrop.
const (
	minIntentLoss = 3
	maxIntentDrop = 0.1
)

// recallLoss compares two models intent by intent on examples: the intent the candidate
// loses most messages of (net, against the control; -1 when none), how many, and how many
// examples the intent has.
func recallLoss(control, cand *intent.Classifier, examples []Example) (worst, lost, support int) {
	k := len(control.Labels())
	net, count := make([]int, k), make([]int, k)
	a, b := make([]float32, k), make([]float32, k)
	for _, ex := range examples {
		control.Logits(ex.Features, a)
		cand.Logits(ex.Features, b)
		count[ex.Label]++
		if argmax(a) == ex.Label {
			net[ex.Label]++
		}
		if argmax(b) == ex.Label {
			net[ex.Label]--
		}
	}
	worst = -1
	for j := range k {
		if net[j] > lost {
			worst, lost, support = j, net[j], count[j]
		}
	}
	return worst, lost, support
}

// aboveChance reports whether a held-out share of n corrections is at least floor and clearly
// above chance: a one-sided binomial z-test at p < 0.01.
func aboveChance(share, chance float64, n int, floor float64) bool {
	if share < floor {
		return false
	}
	sd := math.Sqrt(chance * (1 - chance) / float64(n))
	return sd == 0 || (share-chance)/sd >= 2.33
}

// heldOutFixes deals the corrections to five folds and returns the share each fold's model,
// continued without that fold, gets right: of all of them, and of the last batchN (this
// batch's, after those learnt before it).
func heldOutFixes(ctx context.Context, replay, fixes []Example, labels []string, cfg FitConfig, batchN int) (all, batch float64, err error) {
	const folds = 5
	if len(fixes) < folds {
		return 1, 1, nil // too few to judge: the other gates decide
	}
	first := len(fixes) - batchN
	right, batchRight := 0, 0
	for f := range folds {
		train := slices.Clip(replay)
		var held, heldBatch []Example
		for i, ex := range fixes {
			switch {
			case i%folds != f:
				train = append(train, ex)
			case i >= first:
				heldBatch = append(heldBatch, ex)
			default:
				held = append(held, ex)
			}
		}
		clf, _, err := Fit(ctx, train, nil, labels, cfg, nil)
		if err != nil {
			return 0, 0, err
		}
		n := rightCount(clf, heldBatch)
		batchRight += n
		right += n + rightCount(clf, held)
	}
	all = float64(right) / float64(len(fixes))
	if batchN == 0 {
		return all, 1, nil
	}
	return all, float64(batchRight) / float64(batchN), nil
}
