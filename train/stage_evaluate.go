package train

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/stat"
)

// evaluate scores the models without retrieval and fused with it on dev, writes the policy and the
// report into the bundle, and keeps the headline numbers for the manifest.
func (r *run) evaluate() (bool, error) {
	r.devLabelled = make([]Labelled, 0, len(r.devSplit))
	for _, rec := range r.devSplit {
		r.devLabelled = append(r.devLabelled, Labelled{Text: rec.text, Intent: rec.intent})
	}
	var err error
	if len(r.devLabelled) > 0 {
		if r.sum.Classifier, err = evaluateWith(r.ctx, r.tmp, r.cfg.Name, r.policy.ClassifierOnly(), r.devLabelled, "dev (without retrieval)"); err != nil {
			return false, err
		}
	}
	if err := writeJSON(filepath.Join(r.tmp, intent.PolicyFile), r.policy); err != nil {
		return false, err
	}
	if err := r.writeEvalSet(); err != nil {
		return false, err
	}
	if len(r.devLabelled) == 0 {
		return false, r.estimate()
	}
	if r.sum.Report, err = evaluateWith(r.ctx, r.tmp, r.cfg.Name, r.policy, r.devLabelled, "dev split ("+r.how+"), held out from training"); err != nil {
		return false, err
	}
	rep := r.sum.Report
	r.metrics = rep.Metrics()
	r.metrics["classifier_only_accuracy"] = r.sum.Classifier.Accuracy
	r.metrics["classifier_only_macro_f1"] = r.sum.Classifier.MacroF1
	if err := writeReport(r.tmp, rep); err != nil {
		return false, err
	}
	fmt.Fprintln(r.prog, devLine(rep, r.sum.Classifier.Accuracy))
	return false, nil
}

// devLine is train's headline of the dev split. Like Summary it prints "–" for a share with
// nothing to measure: a big shop's dev split of a few dozen labelled messages often holds none
// out of scope, and "out-of-scope P 0.000 R 0.000" read as a model that misses them all.
func devLine(rep *Report, withoutRetrieval float64) string {
	return fmt.Sprintf("dev: accuracy %.4f (without retrieval %.4f), macro-F1 %.4f, auto %s%% at precision %s, out-of-scope P %s R %s",
		rep.Accuracy, withoutRetrieval, rep.MacroF1, stat.PercentText(rep.AutoCoverage, 1),
		measured(rep.AutoPrecision, rep.Routes[string(intent.RouteAuto)], "%.4f"),
		measured(rep.OutOfScope.Precision, rep.OutOfScopePredicted(), "%.3f"), measured(rep.OutOfScope.Recall, rep.OutOfScope.Support, "%.3f"))
}

func evaluateWith(ctx context.Context, dir, name string, p intent.Policy, data []Labelled, what string) (*Report, error) {
	if err := writeJSON(filepath.Join(dir, intent.PolicyFile), p); err != nil {
		return nil, err
	}
	eng, err := intent.LoadUnverified(ctx, dir, name)
	if err != nil {
		return nil, err
	}
	defer eng.Close()
	return Evaluate(ctx, eng, data, what, nil)
}

func writeReport(dir string, r *Report) error {
	if err := writeJSON(filepath.Join(dir, intent.ReportJSONFile), r); err != nil {
		return err
	}
	var b strings.Builder
	if err := r.WriteHTML(&b); err != nil {
		return err
	}
	return intent.WriteFileAtomic(filepath.Join(dir, intent.ReportHTMLFile), []byte(b.String()))
}

// estimate writes the report of the cross-validated predictions that calibrated the model when
// there was no labelled dev split. Its numbers are estimates, and it says so: the knowledge
// base's examples are true labels, but self-training's are the model's own guesses, so on those
// the report measures agreement, not accuracy.
func (r *run) estimate() error {
	if r.cvItems == nil {
		return nil
	}
	data := make([]Labelled, len(r.cvItems))
	results := make([]intent.Result, len(r.cvItems))
	var probs []float64
	shopRight, shopN := 0, 0 // without the built-in out-of-scope examples: what the shop's own words score
	for i, it := range r.cvItems {
		rec := r.trainRecs[i]
		data[i] = Labelled{Text: rec.text, Intent: rec.intent}
		probs = intent.Fuse(it.scores, r.policy.Fusion, r.policy.Temperature, probs[:0])
		b := argmax(probs)
		if rec.origin != fromNoneSeed {
			shopN++
			if r.labels[b] == rec.intent {
				shopRight++
			}
		}
		res := intent.Result{Intent: r.labels[b], Confidence: probs[b], Debug: &intent.Debug{Text: rec.text}}
		handoff := false
		if r.kb != nil {
			if in, ok := r.kb.Intent(res.Intent); ok {
				handoff = in.Handoff
			}
		}
		res.Route, res.Reason = r.policy.Decide(res.Intent, res.Confidence, handoff)
		results[i] = res
	}
	what := fmt.Sprintf("estimate: %d-fold cross-validation over the training messages — %d knowledge-base examples and %d out-of-scope seeds (true labels), %d self-labelled messages (the model's own labels: agreement, not accuracy); no labelled dev split",
		r.cfg.Weak.Folds, r.sum.Seeds, r.sum.NoneSeeds, r.sum.SelfLabelled)
	rep := buildReport(r.cfg.Name, r.labels, r.kb, data, results, what)
	r.sum.Report = rep
	r.metrics = rep.Metrics()
	r.metrics["estimated"] = 1
	fmt.Fprintf(r.prog, "estimated (cross-validated, against seeds and self-training's labels): accuracy %.4f, auto %s%% at precision %s\n",
		rep.Accuracy, stat.PercentText(rep.AutoCoverage, 1), measured(rep.AutoPrecision, rep.Routes[string(intent.RouteAuto)], "%.4f"))
	if r.policy.Auto > 1 {
		// Otherwise the operator finds out from a day of traffic that the bot never answers.
		fmt.Fprintf(r.prog, "note: no confidence reached the target precision %.2f, so nothing is answered automatically: serve suggests answers to agents or hands off; once agents have corrected some, train again on the log (docs/training.md#a-shop-with-no-chats-yet)\n",
			r.cfg.TargetPrecision)
	}
	if shopN > 0 && shopN < len(r.cvItems) {
		// The built-in examples (weather, chit-chat) are easy to tell from a shop's questions and
		// may be most of the set: a new shop's 0.90 was 0.78 on its own examples.
		acc := float64(shopRight) / float64(shopN)
		r.metrics["accuracy_without_builtin"] = acc
		fmt.Fprintf(r.prog, "estimated on the shop's own examples (%d, the %d built-in out-of-scope ones left out): accuracy %.4f\n",
			shopN, len(r.cvItems)-shopN, acc)
	}
	return writeReport(r.tmp, rep)
}

// writeEvalSet stores, masked, the labelled messages the bundle is judged on: the dev split, or
// without one the examples with true labels it trained on (seeds, labels given one by one). A
// later run that learns from corrections must keep the accuracy on them (Learn's gate).
func (r *run) writeEvalSet() error {
	var docs []intent.ExampleDoc
	if len(r.devSplit) > 0 {
		for _, rec := range r.devSplit {
			docs = append(docs, intent.ExampleDoc{Text: rec.text, Intent: rec.intent})
		}
	} else {
		for _, rec := range r.trainRecs {
			if o := rec.origin; o != fromSelf && o != fromSheet {
				docs = append(docs, intent.ExampleDoc{Text: rec.text, Intent: rec.intent})
			}
		}
	}
	return intent.WriteExampleDocs(filepath.Join(r.tmp, intent.EvalSetFile), docs)
}
