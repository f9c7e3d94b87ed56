package train

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// contextWeights are the context weights training tries, and defaultContextWeight the one it
// takes when there is no labelled dev split to choose on (about the middle of what the sample
// shop's and public conversations chose; see docs/benchmarks.md).
var contextWeights = []float64{0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 5}

const defaultContextWeight = 2

// minSticky is how often an intent's next customer message must share it for the intent to
// become a conversation's topic; greetings and thanks do not.
const minSticky = 0.35

// fitContext chooses which intents become a conversation's active intent (those its next message
// tends to continue, by the labelled conversations) and how much the active intent counts (the
// weight whose replay of the dev split's conversations is most accurate), then chooses the auto
// and suggest thresholds again on that replay (servedThresholds).
func (r *run) fitContext() (bool, error) {
	label := func(t turn) string {
		if t.msgID != "" {
			if l, ok := r.data.byID[t.msgID]; ok {
				return l
			}
		}
		return r.data.recs[t.rec].intent
	}
	var stick map[string]float64
	r.policy.Context.Intents, stick = stickyIntents(r.data.convs, label, r.labelIndex)
	r.policy.Context.Features = r.cfg.ContextFeatures
	if len(r.policy.Context.Intents) == 0 {
		return true, nil
	}
	dev := map[string]bool{}
	for _, rec := range r.devSplit {
		dev[rec.text] = true
	}
	var convs [][]turn
	for _, c := range r.data.convs {
		var turns []turn
		scored := false
		for _, t := range c.turns {
			if t.rec >= 0 {
				turns = append(turns, t)
				scored = scored || dev[r.data.recs[t.rec].text] && label(t) != ""
			}
		}
		if scored {
			convs = append(convs, turns)
		}
	}
	if len(convs) == 0 {
		r.policy.Context.Weight = defaultContextWeight
		fmt.Fprintf(r.prog, "context: %d intents carry a conversation; weight %.1f (default: no labelled dev conversations)\n",
			len(r.policy.Context.Intents), r.policy.Context.Weight)
		return false, nil
	}
	if err := writeJSON(filepath.Join(r.tmp, intent.PolicyFile), r.policy); err != nil {
		return false, err
	}
	eng, err := intent.LoadUnverified(r.ctx, r.tmp, r.cfg.Name)
	if err != nil {
		return false, err
	}
	defer eng.Close()
	// One weight for every active intent, or one in proportion to how strongly the intent's
	// conversations keep to it: the replay of the dev conversations chooses.
	mean := 0.0
	for _, v := range stick {
		mean += v / float64(len(stick))
	}
	scoreDev := func(t turn) (string, bool) {
		l := label(t)
		return l, l != "" && dev[r.data.recs[t.rec].text]
	}
	best, bestAcc := intent.ContextPolicy{}, -1.0
	for _, proportional := range []bool{false, true} {
		for _, w := range contextWeights {
			c := intent.ContextPolicy{Weight: w, Intents: r.policy.Context.Intents, Features: r.cfg.ContextFeatures}
			if proportional && w > 0 {
				c.Weights = map[string]float64{}
				for it, v := range stick {
					c.Weights[it] = math.Round(w*v/mean*100) / 100
				}
			}
			p := r.policy
			p.Context = c
			acc := replayAccuracy(r.ctx, eng.WithPolicy(p), convs, scoreDev)
			if acc > bestAcc+1e-9 {
				best, bestAcc = c, acc
			}
		}
	}
	r.policy.Context = best
	r.servedThresholds(replay(r.ctx, eng.WithPolicy(r.policy), convs, scoreDev, true))
	how := "one for all"
	if best.Weights != nil {
		how = "in proportion to how conversations keep to each intent"
	}
	fmt.Fprintf(r.prog, "context: %d intents carry a conversation; weight %.1f, %s (dev conversations replayed: accuracy %.4f)\n",
		len(r.policy.Context.Intents), best.Weight, how, bestAcc)
	return false, nil
}

// stickyIntents returns, sorted, the intents whose next customer message in a conversation has
// the same label at least minSticky of the time (over at least five such pairs), and that share
// for each.
func stickyIntents(convs []conversation, label func(turn) string, known map[string]int) ([]string, map[string]float64) {
	pairs, same := map[string]int{}, map[string]int{}
	for _, c := range convs {
		prev := ""
		for _, t := range c.turns {
			if t.rec < 0 {
				continue
			}
			l := label(t)
			if prev != "" && l != "" {
				pairs[prev]++
				if l == prev {
					same[prev]++
				}
			}
			prev = l
		}
	}
	var out []string
	share := map[string]float64{}
	for l, n := range pairs {
		if _, ok := known[l]; ok && l != intent.NoneIntent && n >= 5 && float64(same[l]) >= minSticky*float64(n) {
			out = append(out, l)
			share[l] = float64(same[l]) / float64(n)
		}
	}
	slices.Sort(out)
	return out, share
}

// replayAccuracy replays conversations through the engine as serving does and returns the
// accuracy on the turns score says to score (replay).
func replayAccuracy(ctx context.Context, eng *intent.Engine, convs [][]turn, score func(turn) (string, bool)) float64 {
	served := replay(ctx, eng, convs, score, false)
	if len(served) == 0 {
		return 0
	}
	right := 0
	for _, p := range served {
		if p.correct {
			right++
		}
	}
	return float64(right) / float64(len(served))
}

// replay replays conversations through the engine as serving does (each message with the
// conversation's active intent, updated by Policy.NextActive) and returns its decisions on the
// turns score says to score, with the gold label score gives. exact asks for the exact
// confidences the routes are decided on (thresholds are chosen on them), not the rounded ones.
func replay(ctx context.Context, eng *intent.Engine, convs [][]turn, score func(turn) (string, bool), exact bool) []devPrediction {
	p := eng.Policy()
	var out []devPrediction
	for _, c := range convs {
		active := ""
		for _, t := range c {
			res := eng.Classify(ctx, intent.Request{Text: t.text, ActiveIntent: active, Debug: exact})
			active = p.NextActive(active, res.Intent, res.Confidence)
			if gold, ok := score(t); ok {
				conf := res.Confidence
				if exact {
					conf = res.Debug.Confidence
				}
				out = append(out, devPrediction{text: t.text, prediction: prediction{intent: res.Intent, confidence: conf, correct: res.Intent == gold}})
			}
		}
	}
	return out
}

// servedThresholds chooses the auto and suggest thresholds again on dev's decisions as serving
// makes them: the dev conversations' messages replayed with their context (served), and the dev
// messages no conversation holds message by message (calibrate's). A message that continues a
// conversation (到哪了 after a refund question) is decided with its context when served; chosen
// on its decision without context, the thresholds took its confident misses for the model's.
func (r *run) servedThresholds(served []devPrediction) {
	covered := map[string]int{}
	// cross-validated estimates, when dev alone was too small to choose on (calibrate), count
	// as they did there
	preds := append(make([]prediction, 0, len(r.estPreds)+len(r.devPreds)), r.estPreds...)
	for _, s := range served {
		covered[s.text]++
		preds = append(preds, s.prediction)
	}
	for _, d := range r.devPreds {
		if covered[d.text] > 0 {
			covered[d.text]--
			continue
		}
		preds = append(preds, d.prediction)
	}
	p := &r.policy
	choosePolicy(p, preds, r.cfg.TargetPrecision, 40)
	r.sum.Policy = r.policy
	fmt.Fprintf(r.prog, "thresholds on dev as served (%d messages replayed in their conversations, %d alone, %d estimates): auto ≥ %.3f (%d per-intent), suggest ≥ %.3f\n",
		len(served), len(preds)-len(served)-len(r.estPreds), len(r.estPreds), p.Auto, len(p.AutoByIntent), p.Suggest)
}
