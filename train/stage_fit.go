package train

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// analyze fixes the label list and turns the train and dev messages into features.
func (r *run) analyze() (bool, error) {
	r.labels = labelList(r.trainRecs)
	r.labelIndex = make(map[string]int, len(r.labels))
	for i, l := range r.labels {
		r.labelIndex[l] = i
	}
	r.findActive()
	r.dataOnly = map[string]bool{}
	// trainRecs keeps the records of trainEx alone, one for one: the cross-validated scores
	// (cvItems) follow trainEx and are read against trainRecs' labels and origins.
	r.trainEx, r.trainRecs = r.examples(r.trainRecs)
	r.devEx, _ = r.examples(r.devSplit)
	r.sum.Train, r.sum.Dev = len(r.trainEx), len(r.devEx)
	if n := r.sum.DataOnly; n > 0 {
		// in a shop owner's words, with examples as the seeds' line gives them (masked)
		fmt.Fprintf(r.prog, "analyse: %d labelled messages give nothing but personal data and are left out of training (of the model and of its example messages): such a message answers an agent's question, and what it asks is what its conversation asked, which serving reads from the turns before it; e.g. %s (%d train and %d dev examples left)\n",
			n, strings.Join(r.dataOnlyShown, ", "), r.sum.Train, r.sum.Dev)
	}
	return false, nil
}

// examples analyses records with a label the classifier knows (a dev label never seen in
// training cannot be learnt). A message that only gives personal data (订单号<ORDER>, 手机号
// <PHONE>) is left out, and out of the retrieval history (r.dataOnly): its label is its
// conversation's, which serving reads from the conversation; learnt from its words, 手机号 voted
// for whichever intent the chats happened to ask it in (exchange_goods for 新注册的手机号<PHONE>，
// 新人券要在哪里领). It returns the records of the examples beside them.
func (r *run) examples(rs []record) ([]Example, []record) {
	out := make([]Example, 0, len(rs))
	kept := make([]record, 0, len(rs))
	for _, rec := range rs {
		if j, ok := r.labelIndex[rec.intent]; ok {
			an := r.an.Analyze(rec.text)
			if r.an.OnlyGivesData(an.Tokens) {
				if t := textKey(rec.text); !r.dataOnly[rec.text] && len(r.dataOnlyShown) < 3 && !slices.Contains(r.dataOnlyShown, t) {
					r.dataOnlyShown = append(r.dataOnlyShown, t)
				}
				r.dataOnly[rec.text] = true
				r.sum.DataOnly++
				continue
			}
			f := an.Features
			if a := r.activeOf[rec.text]; a != "" && r.cfg.ContextFeatures {
				f = append(f, intent.ContextFeature(a))
			}
			out = append(out, Example{Features: f, Label: j, Weight: rec.weight})
			kept = append(kept, rec)
		}
	}
	return out, kept
}

// fit trains the classifier on the train split (dev chooses the epochs) and writes it with the
// history the retrieval index is built from.
func (r *run) fit() (bool, error) {
	fmt.Fprintf(r.prog, "fitting %d intents on %d messages (%d runs at once; the first one's epochs below)\n", len(r.labels), len(r.trainEx), max(1, r.cfg.Fit.Runs))
	var err error
	cfg := r.cfg.Fit
	if len(r.devEx) == 0 && r.sum.Seeds+r.sum.SelfLabelled > 0 {
		// Nothing to stop early on: as many epochs as self-training's fits ran.
		cfg.Epochs = r.cfg.Weak.Epochs
	}
	if r.sum.Fit, err = r.fitModels(r.trainEx, r.devEx, cfg, true); err != nil {
		return false, err
	}
	return false, r.writeModel(r.trainRecs)
}

// rankerWanted reports whether training makes a ranker: when asked to and there is a labelled
// dev split big enough to calibrate it on (calibrate's first case; without one, the classifier
// alone is calibrated on cross-validated estimates).
func (r *run) rankerWanted() bool {
	weak := r.sum.Seeds+r.sum.SelfLabelled > 0
	return r.cfg.Ranker && (len(r.devEx) >= minCalibration || len(r.devEx) > 0 && !weak)
}

// fitRanker trains the ranker on examples; first, C is chosen by cross-validation unless given,
// and kept for the refit.
func (r *run) fitRanker(examples []Example, first bool, keep map[uint32]struct{}) error {
	if !r.rankerWanted() {
		return nil
	}
	c := r.cfg.RankerC
	if !first {
		c = r.rankerC
	}
	cfg := RankerFitConfig(c)
	cfg.Seed, cfg.MinCount, cfg.Keep = r.cfg.Fit.Seed, r.cfg.Fit.MinCount, keep
	clf, res, err := Fit(r.ctx, examples, nil, r.labels, cfg, r.prog)
	if err != nil {
		return fmt.Errorf("ranker: %w", err)
	}
	r.ranker = clf.Quantized() // as the classifier (fit)
	clf = r.ranker
	if first {
		r.rankerC = c
		if res.ChosenC != nil {
			r.rankerC = res.ChosenC.C
		}
		res.FinalDev = Accuracy(clf, r.devEx)
		r.sum.Ranker = &res
		fmt.Fprintf(r.prog, "ranker: C %.3g, dev acc %.4f (classifier %.4f)\n", r.rankerC, res.FinalDev, Accuracy(r.clf, r.devEx))
	}
	fitC := c
	if res.ChosenC != nil {
		fitC = res.ChosenC.C
	}
	r.rankerData = &rankerData{C: fitC, Seed: cfg.Seed, MinCount: cfg.MinCount, Examples: examples}
	return nil
}

// modelBudget is the bytes the two models' files may take unless Config.MaxFeatures says
// otherwise: with the segmenter's lexicon (2.2 MB), the index and the examples, a bundle of
// about 10 MB.
const modelBudget = 6_500_000

// maxFeatures is the cap on the models' features: Config.MaxFeatures when positive, none when
// negative, and when 0 as many as fit modelBudget in the files (a feature costs its id and
// idf and two bytes a label in each model).
func (r *run) maxFeatures() int {
	switch n := r.cfg.MaxFeatures; {
	case n > 0:
		return n
	case n < 0:
		return 0
	}
	return modelBudget / r.featureBytes()
}

// featureBytes is what a feature costs the two models' files.
func (r *run) featureBytes() int {
	k := len(r.labels)
	perFeature := 4 + 2*k // the classifier: id, weights
	if r.cfg.Fit.TFIDF {
		perFeature += 4
	}
	if r.rankerWanted() {
		perFeature += 4 + 2*k // the ranker: idf, weights (the rows are the classifier's)
	}
	return perFeature
}

// fitModels fits the classifier on examples (dev, when given, stopping it early) and the ranker
// beside it, in half precision as they will serve. With Config.MaxFeatures, it then keeps the
// features that matter most to the two (PruneFeatures) and fits both again on those alone:
// the models learn to do without the rest rather than lose weights they leaned on.
func (r *run) fitModels(examples, dev []Example, cfg FitConfig, first bool) (FitResult, error) {
	prog := r.prog
	if !first {
		prog = nil
	}
	clf, res, err := Fit(r.ctx, examples, dev, r.labels, cfg, prog)
	if err != nil {
		return res, err
	}
	// Both models are stored in half precision (half the bytes; no decision moved on the
	// shop's sets, docs/benchmarks.md), and calibrated and evaluated as they will serve.
	r.clf = clf.Quantized()
	if err := r.fitRanker(examples, first, nil); err != nil {
		return res, err
	}
	n := r.maxFeatures()
	if n <= 0 || r.clf.NumFeatures() <= n {
		return res, nil
	}
	before := r.clf.NumFeatures()
	keep, err := selectFeatures(r.clf, r.ranker, n)
	if err != nil {
		return res, err
	}
	if r.cfg.MaxFeatures == 0 && r.ranker != nil {
		// The ranker's data (rankerData: what learning fits it again on) is in the bundle too,
		// and takes more bytes the more features each example keeps: make room for it, but
		// never with more than half the features (a big labelled set would leave the models
		// none; its bundle goes over instead).
		room := (rankerDataBytes(r.clf, keep, examples, len(r.labels)) + r.featureBytes() - 1) / r.featureBytes()
		n = max(n-room, n/2, 1)
		if keep, err = selectFeatures(r.clf, r.ranker, n); err != nil {
			return res, err
		}
		if keep == nil {
			return res, fmt.Errorf("prune: no features selected of %d for %d", r.clf.NumFeatures(), n)
		}
	}
	cfg.Keep = make(map[uint32]struct{}, n)
	row := 0
	r.clf.Rows(func(f uint32, _ float32, _ []float32) bool {
		if keep[row] {
			cfg.Keep[f] = struct{}{}
		}
		row++
		return true
	})
	if clf, res, err = Fit(r.ctx, examples, dev, r.labels, cfg, nil); err != nil {
		return res, err
	}
	r.clf = clf.Quantized()
	if err := r.fitRanker(examples, false, cfg.Keep); err != nil {
		return res, err
	}
	if first && r.sum.Ranker != nil {
		r.sum.Ranker.FinalDev = Accuracy(r.ranker, dev) // the pruned ranker's, as it serves
	}
	fmt.Fprintf(r.prog, "features: %d of %d kept, both models fitted again on them", n, before)
	if len(dev) > 0 {
		fmt.Fprintf(r.prog, " (dev acc %.4f)", res.FinalDev)
	}
	fmt.Fprintln(r.prog)
	return res, nil
}

// refit trains again on train and dev together, with the epochs early stopping chose (and the
// ranker with its C): the dev weeks are the newest data and the model should learn from them
// too. Calibration, fusion, thresholds and the report were measured on dev while it was held
// out, by the model trained without it: honest for that model, and carried over to the refitted
// one, whose scores are drawn from more data and may be sharper (the report says its numbers
// precede the refit).
func (r *run) refit() (bool, error) {
	want := r.cfg.Refit == RefitAlways || r.cfg.Refit == RefitAuto && (r.timeSplit || r.ranker != nil)
	if !want || len(r.devEx) == 0 {
		return true, nil
	}
	cfg := r.cfg.Fit
	cfg.RunEpochs = r.sum.Fit.BestEpochs
	all := append(slices.Clip(r.trainEx), r.devEx...)
	fmt.Fprintf(r.prog, "refit: %d messages (train and dev), epochs %v\n", len(all), cfg.RunEpochs)
	if _, err := r.fitModels(all, nil, cfg, false); err != nil {
		return false, err
	}
	r.sum.RefitEpochs = r.sum.Fit.BestEpochs
	return false, r.writeModel(append(slices.Clip(r.trainRecs), r.devSplit...))
}

// writeModel writes the classifier and the labelled history of recs into the bundle.
func (r *run) writeModel(history []record) error {
	if err := writeClassifier(filepath.Join(r.tmp, intent.ClassifierFile), r.clf, nil); err != nil {
		return err
	}
	if r.ranker != nil {
		// without the features' ids when they are the classifier's
		if err := writeClassifier(filepath.Join(r.tmp, intent.RankerFile), r.ranker, r.clf); err != nil {
			return err
		}
		if err := writeRankerData(filepath.Join(r.tmp, intent.RankerDataFile), r.rankerData, r.ranker); err != nil {
			return err
		}
	}
	history = slices.DeleteFunc(slices.Clone(history), func(rec record) bool { return r.dataOnly[rec.text] })
	return writeHistory(filepath.Join(r.tmp, intent.ExamplesFile), history, r.cfg.HistoryPerIntent)
}

// labelList is the sorted set of the records' labels.
func labelList(recs []record) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range recs {
		if !seen[r.intent] {
			seen[r.intent] = true
			out = append(out, r.intent)
		}
	}
	sort.Strings(out)
	return out
}

// writeHistory stores labelled training messages (masked) for the retrieval index, at most
// perIntent per intent, chosen deterministically (newest first when times are known).
func writeHistory(path string, recs []record, perIntent int) error {
	sorted := slices.Clone(recs)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].time.After(sorted[j].time) })
	count := map[string]int{}
	seen := map[string]bool{}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for _, r := range sorted {
		if perIntent > 0 && count[r.intent] >= perIntent || seen[r.text] {
			continue
		}
		count[r.intent]++
		seen[r.text] = true
		if err := enc.Encode(intent.ExampleDoc{Text: r.text, Intent: r.intent}); err != nil {
			return err
		}
	}
	return intent.WriteFileAtomic(path, []byte(b.String()))
}

// findActive finds, for each message in a conversation, the conversation's active intent when
// it was said: the last label before it among the intents conversations keep to (those
// stickyIntents finds), as serving's Policy.NextActive keeps it.
func (r *run) findActive() {
	label := func(t turn) string {
		if t.msgID != "" {
			if l, ok := r.data.byID[t.msgID]; ok {
				return l
			}
		}
		return r.data.recs[t.rec].intent
	}
	sticky, _ := stickyIntents(r.data.convs, label, r.labelIndex)
	r.sticky = map[string]bool{}
	for _, it := range sticky {
		r.sticky[it] = true
	}
	r.activeOf = map[string]string{}
	for _, c := range r.data.convs {
		active := ""
		for _, t := range c.turns {
			if t.rec < 0 {
				continue
			}
			text := r.data.recs[t.rec].text
			if _, seen := r.activeOf[text]; !seen {
				r.activeOf[text] = active
			}
			if l := label(t); r.sticky[l] {
				active = l
			}
		}
	}
}
