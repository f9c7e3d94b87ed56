package train

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// evaluate scores the classifier alone and the fused ranker on dev, writes the policy and the
// report into the bundle, and keeps the headline numbers for the manifest.
func (r *run) evaluate() (bool, error) {
	r.devLabelled = make([]Labelled, 0, len(r.devSplit))
	for _, rec := range r.devSplit {
		r.devLabelled = append(r.devLabelled, Labelled{Text: rec.text, Intent: rec.intent})
	}
	var err error
	if len(r.devLabelled) > 0 {
		alone := r.policy
		alone.Fusion = intent.Fusion{Classifier: 1}
		if r.sum.Classifier, err = evaluateWith(r.ctx, r.tmp, r.cfg.Name, alone, r.devLabelled, "dev (classifier only)"); err != nil {
			return false, err
		}
	}
	if err := writeJSON(filepath.Join(r.tmp, intent.PolicyFile), r.policy); err != nil {
		return false, err
	}
	if len(r.devLabelled) == 0 {
		return false, nil
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
	fmt.Fprintf(r.prog, "dev: accuracy %.4f (classifier alone %.4f), macro-F1 %.4f, auto %.1f%% at precision %.4f, out-of-scope P %.3f R %.3f\n",
		rep.Accuracy, r.sum.Classifier.Accuracy, rep.MacroF1, 100*rep.AutoCoverage,
		rep.AutoPrecision, rep.OutOfScope.Precision, rep.OutOfScope.Recall)
	return false, nil
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
