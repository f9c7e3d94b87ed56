package train

import (
	"fmt"
	"path/filepath"
	"slices"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// calibrate fits, on dev, the temperature, the ranker's fusion weights, the retrieval gate and
// the auto/suggest thresholds. Without dev data the defaults stay.
func (r *run) calibrate() (bool, error) {
	r.policy = intent.DefaultPolicy()
	r.policy.TargetPrecision = r.cfg.TargetPrecision
	r.policy.Priors = labelShares(r.labels, append(slices.Clip(r.trainEx), r.devEx...))
	if err := writeJSON(filepath.Join(r.tmp, intent.PolicyFile), r.policy); err != nil {
		return false, err
	}
	eng, err := intent.LoadUnverified(r.ctx, r.tmp, r.cfg.Name)
	if err != nil {
		return false, err
	}
	var items []scored
	var texts []string
	for _, rec := range r.devSplit {
		if j, ok := r.labelIndex[rec.intent]; ok {
			items = append(items, scored{scores: eng.ScoreAll(r.ctx, eng.Analyzer().Analyze(rec.text)), label: j})
			texts = append(texts, rec.text)
		}
	}
	eng.Close()
	p := &r.policy
	weak := r.sum.Seeds+r.sum.SelfLabelled > 0
	switch {
	case len(items) >= minCalibration || len(items) > 0 && !weak:
		p.Temperature = fitTemperature(items)
		p.Fusion = fitFusion(items, p.Temperature)
		if p.Ranker = fitRanker(items); p.Ranker != nil {
			// the ranker decides, so the gate is chosen on its decisions and its confidence
			var ranked []scored
			p.RetrievalGate, ranked = chooseGate(rankedItems(items), p.Ranker.Fusion, p.Ranker.Temperature, 0.002)
			for i := range items {
				if ranked[i].scores.Evidence == nil {
					items[i].scores.Evidence = nil
				}
			}
		} else {
			p.RetrievalGate, items = chooseGate(items, p.Fusion, p.Temperature, 0.002)
		}
	case weak:
		// No labelled dev split, or one too small to choose thresholds on (a few CRM tags in the
		// newest weeks): calibrate the classifier alone on cross-validated predictions over
		// everything it trains on. Against self-training's labels these are estimates.
		if _, err = r.crossValidated(); err != nil {
			return false, err
		}
		// The few dev messages count beside the cross-validated ones: they are the newest
		// traffic, and a threshold they contradict should not stand on the estimates alone.
		items = append(r.seedItems(), items...)
		p.Temperature = fitTemperature(items)
		p.Fusion = intent.Fusion{Classifier: 1}
		what, onDev := "no labelled dev split", ""
		if n := len(r.devSplit); n > 0 {
			what, onDev = fmt.Sprintf("%d labelled dev messages, fewer than %d", n, minCalibration), " and on dev"
		}
		fmt.Fprintf(r.prog, "%s: calibrated on %d-fold cross-validation over the training messages%s, %d in all (estimates)\n",
			what, r.cfg.Weak.Folds, onDev, len(items))
	default:
		fmt.Fprintln(r.prog, "warning: no dev data: default thresholds, no fusion weights fitted")
		r.sum.Policy = r.policy
		return false, nil
	}
	var preds []prediction
	var buf, rbuf []float64
	r.devPreds, r.estPreds = nil, nil
	devStart := len(items) - len(texts) // dev's own come last, after any cross-validated estimates
	for i, it := range items {
		buf = intent.Fuse(it.scores, p.Fusion, p.Temperature, buf[:0])
		b := argmax(buf)
		if p.Ranker != nil {
			rbuf = intent.Fuse(it.scores.Ranked(), p.Ranker.Fusion, p.Ranker.Temperature, rbuf[:0])
			b = argmax(rbuf)
		}
		conf := buf[b]
		if p.Ranker != nil {
			conf = p.Ranker.Confidence(buf[b], rbuf[b])
		}
		preds = append(preds, prediction{intent: r.labels[b], confidence: conf, correct: b == it.label})
		if i >= devStart {
			r.devPreds = append(r.devPreds, devPrediction{text: texts[i-devStart], prediction: preds[len(preds)-1]})
		} else {
			r.estPreds = append(r.estPreds, preds[len(preds)-1])
		}
	}
	choosePolicy(p, preds, r.cfg.TargetPrecision, 40)
	fmt.Fprintf(r.prog, "calibration: temperature %.3f; fusion %+v; retrieval below %.2f; auto ≥ %.3f (%d per-intent), suggest ≥ %.3f\n",
		p.Temperature, p.Fusion, p.RetrievalGate, p.Auto, len(p.AutoByIntent), p.Suggest)
	if p.Ranker != nil {
		fmt.Fprintf(r.prog, "calibration: ranker temperature %.3f; fusion %+v\n", p.Ranker.Temperature, p.Ranker.Fusion)
	}
	r.sum.Policy = r.policy
	return false, nil
}

// devPrediction is one dev message's decision, message by message.
type devPrediction struct {
	text string
	prediction
}

// minCalibration is the fewest labelled dev messages the thresholds are chosen on when the
// training data also allows cross-validated estimates: on fewer, a threshold must hold at 95 %
// precision over a handful of answers, and no intent would ever be answered automatically.
const minCalibration = 200

// crossValidated scores the training examples out of fold (crossValidate) and keeps the scores
// for the estimated report.
func (r *run) crossValidated() ([]scored, error) {
	cfg := r.cfg.Fit
	cfg.RunEpochs, cfg.Epochs, cfg.Runs = nil, r.cfg.Weak.Epochs, min(cfg.Runs, 2)
	// the longest silent step on a large export: say what it is doing
	fmt.Fprintf(r.prog, "calibration: scoring the %d training messages by %d-fold cross-validation\n", len(r.trainEx), r.cfg.Weak.Folds)
	logits, err := crossValidate(r.ctx, r.trainEx, r.labels, cfg, r.cfg.Weak.Folds)
	if err != nil {
		return nil, err
	}
	items := make([]scored, len(logits))
	for i, l := range logits {
		items[i] = scored{scores: intent.Scores{Logits: l}, label: r.trainEx[i].Label}
	}
	r.cvItems = items
	return items, nil
}

// seedItems are the cross-validated scores of the examples with true labels that were not
// chosen for being easy: seeds and labels given one by one, not self-training's or a cluster
// sheet's.
func (r *run) seedItems() []scored {
	var out []scored
	for i, it := range r.cvItems {
		if o := r.trainRecs[i].origin; o != fromSelf && o != fromSheet {
			out = append(out, it)
		}
	}
	return out
}

// labelShares is each label's share of the examples, weighted as the fit weighs them (a
// self-labelled message counts half): the mix the model's probabilities assume, which the mix's
// re-estimation divides by (a label never seen gets half an example, so that no prior is zero).
func labelShares(labels []string, ex []Example) map[string]float64 {
	count := make([]float64, len(labels))
	for _, e := range ex {
		w := float64(e.Weight)
		if w == 0 {
			w = 1
		}
		count[e.Label] += w
	}
	total := 0.0
	for j := range count {
		count[j] = max(count[j], 0.5)
		total += count[j]
	}
	out := make(map[string]float64, len(labels))
	for j, l := range labels {
		out[l] = count[j] / total
	}
	return out
}
