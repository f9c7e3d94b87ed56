package train

import (
	"fmt"
	"math"
	"slices"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// selfTrain labels the unlabelled customer messages with the model's own guesses, round by
// round (Yarowsky-style self-training with co-training's second view):
//
//  1. fit the classifier on the labelled messages (operators' labels and seeds) and the previous
//     round's guesses;
//  2. score every unlabelled message, and fuse in what its conversation says: the customer's
//     previous and next messages, and a second classifier that reads the agent's reply (trained
//     on kb.yaml's answers and the replies to messages already guessed);
//  3. keep, for each intent, the most confident share of the messages it won, at least
//     MinConfidence sure — a share that grows each round, so that a frequent intent cannot crowd
//     out a rare one.
//
// The last round's guesses join the training data at PseudoWeight.
func (r *run) selfTrain() (bool, error) {
	w := r.cfg.Weak
	// A message that only gives personal data (订单号<ORDER>) is its conversation's (examples):
	// self-training neither learns from one labelled nor labels one, whose guess examples would
	// leave out again.
	var un []int // unlabelled records
	var feats [][]uint32
	for i, rec := range r.data.recs {
		if rec.intent == "" && rec.origin.exported() {
			if an := r.an.Analyze(rec.text); !r.an.OnlyGivesData(an.Tokens) {
				un = append(un, i)
				feats = append(feats, an.Features)
			}
		}
	}
	if w.Rounds < 0 || len(un) == 0 || len(r.trainRecs) == 0 {
		return true, nil
	}
	labels := labelList(r.trainRecs)
	if len(labels) < 2 {
		return true, nil
	}
	li := make(map[string]int, len(labels))
	for i, l := range labels {
		li[l] = i
	}
	k := len(labels)
	base := make([]Example, 0, len(r.trainRecs))
	for _, rec := range r.trainRecs {
		if an := r.an.Analyze(rec.text); !r.an.OnlyGivesData(an.Tokens) {
			base = append(base, Example{Features: an.Features, Label: li[rec.intent], Weight: rec.weight})
		}
	}
	lk := r.data.links()
	pos := make(map[int]int, len(un)) // record → position in un
	replyFeats := make([][]uint32, len(un))
	for p, i := range un {
		pos[i] = p
		if lk.reply[i] != "" {
			replyFeats[p] = r.an.Analyze(lk.reply[i]).Features
		}
	}
	neighbour := func(rec int) int { // position of a neighbouring record in un, -1 when labelled or none
		if p, ok := pos[rec]; ok && rec >= 0 {
			return p
		}
		return -1
	}
	var answers []Example
	if r.kb != nil {
		for _, it := range r.kb.Intents {
			if j, ok := li[it.ID]; ok {
				for _, a := range it.Answers {
					answers = append(answers, Example{Features: r.an.Analyze(a.Text).Features, Label: j})
				}
			}
		}
	}
	cfg := r.cfg.Fit
	cfg.RunEpochs, cfg.Epochs, cfg.Runs = nil, w.Epochs, min(cfg.Runs, 2)
	probs := make([][]float32, len(un))
	replyProbs := make([][]float32, len(un))
	for p := range probs {
		probs[p] = make([]float32, k)
	}
	guess, conf := make([]int, len(un)), make([]float64, len(un))
	picked := make([]bool, len(un))
	var pseudo []Example
	comb := make([]float64, k)
	for round := 1; round <= w.Rounds; round++ {
		clf, _, err := Fit(r.ctx, append(slices.Clip(base), pseudo...), nil, labels, cfg, nil)
		if err != nil {
			return false, err
		}
		for p, f := range feats {
			clf.Logits(f, probs[p])
			intent.Softmax(probs[p], 1)
		}
		// The reply view learns from the answers and from the replies to the messages the last
		// round kept.
		rex := slices.Clone(answers)
		for p := range un {
			if picked[p] && replyFeats[p] != nil {
				rex = append(rex, Example{Features: replyFeats[p], Label: guess[p]})
			}
		}
		haveReplies := len(rex) > 0
		if haveReplies {
			rclf, _, err := Fit(r.ctx, rex, nil, labels, cfg, nil)
			if err != nil {
				return false, err
			}
			for p, f := range replyFeats {
				if f == nil {
					continue
				}
				if replyProbs[p] == nil {
					replyProbs[p] = make([]float32, k)
				}
				rclf.Logits(f, replyProbs[p])
				intent.Softmax(replyProbs[p], 1)
			}
		}
		won := make([]int, k)
		mass := make([]float64, k) // the posterior mass of each intent over the messages
		for p, i := range un {
			prev, next := neighbour(lk.prev[i]), neighbour(lk.next[i])
			for j := range comb {
				s := math.Log(float64(probs[p][j]) + 1e-9)
				if prev >= 0 {
					s += w.PrevTurn * math.Log(float64(probs[prev][j])+1e-3)
				}
				if next >= 0 {
					s += w.NextTurn * math.Log(float64(probs[next][j])+1e-3)
				}
				if haveReplies && replyProbs[p] != nil {
					s += w.Reply * math.Log(float64(replyProbs[p][j])+1e-3)
				}
				comb[j] = s
			}
			guess[p], conf[p] = softmaxArgmax(comb)
			won[guess[p]]++
			for j, e := range comb {
				mass[j] += e * conf[p]
			}
		}
		share := float64(round) / float64(w.Rounds)
		byIntent := make([][]int, k)
		for p := range un {
			if conf[p] >= w.MinConfidence {
				byIntent[guess[p]] = append(byIntent[guess[p]], p)
			}
		}
		pseudo = pseudo[:0]
		clear(picked)
		for j, ps := range byIntent {
			if labels[j] == intent.NoneIntent {
				// Out of scope is what no intent explains, not a topic: guessed by the model it
				// grows into a catch-all that swallows whatever is hard (measured: accuracy on
				// the chats fell from 0.71 to 0.27). It learns from seeds and labels only.
				continue
			}
			slices.SortStableFunc(ps, func(a, b int) int { return -cmpFloat(conf[a], conf[b]) })
			// An intent that wins more messages than its posterior mass says it should (a
			// catch-all that swallows whatever is hard, as short acknowledgements become when a
			// few noisy labels lean on them) keeps only as many as its mass: the argmax count
			// inflates the big intents, the mass (an EM estimate of the intent's share) does not.
			n := min(len(ps), int(math.Ceil(share*min(float64(won[j]), mass[j]))))
			for _, p := range ps[:n] {
				pseudo = append(pseudo, Example{Features: feats[p], Label: j, Weight: float32(w.PseudoWeight)})
				picked[p] = true
			}
		}
		fmt.Fprintf(r.prog, "self-training round %d/%d: %d of %d unlabelled messages labelled\n", round, w.Rounds, len(pseudo), len(un))
	}
	n := 0
	for p, i := range un {
		if !picked[p] {
			continue
		}
		rec := r.data.recs[i]
		rec.intent, rec.weight, rec.origin = labels[guess[p]], float32(w.PseudoWeight), fromSelf
		r.trainRecs = append(r.trainRecs, rec)
		n++
	}
	r.sum.SelfLabelled = n
	return false, nil
}

// softmaxArgmax turns log-scores into probabilities in place and returns the top one.
func softmaxArgmax(s []float64) (int, float64) {
	best := argmax(s)
	m := s[best]
	sum := 0.0
	for j := range s {
		s[j] = math.Exp(s[j] - m)
		sum += s[j]
	}
	return best, 1 / sum
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
