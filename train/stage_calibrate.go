package train

import (
	"fmt"
	"path/filepath"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// calibrate fits, on dev, the temperature, the ranker's fusion weights, the retrieval gate and
// the auto/suggest thresholds. Without dev data the defaults stay.
func (r *run) calibrate() (bool, error) {
	r.policy = intent.DefaultPolicy()
	r.policy.TargetPrecision = r.cfg.TargetPrecision
	if err := writeJSON(filepath.Join(r.tmp, intent.PolicyFile), r.policy); err != nil {
		return false, err
	}
	eng, err := intent.LoadUnverified(r.ctx, r.tmp, r.cfg.Name)
	if err != nil {
		return false, err
	}
	var items []scored
	for _, rec := range r.devSplit {
		if j, ok := r.labelIndex[rec.intent]; ok {
			items = append(items, scored{scores: eng.ScoreAll(r.ctx, eng.Analyzer().Analyze(rec.text)), label: j})
		}
	}
	eng.Close()
	if len(items) == 0 {
		fmt.Fprintln(r.prog, "warning: no dev data: default thresholds, no fusion weights fitted")
		r.sum.Policy = r.policy
		return false, nil
	}
	p := &r.policy
	p.Temperature = fitTemperature(items)
	p.Fusion = fitFusion(items, p.Temperature)
	p.RetrievalGate, items = chooseGate(items, p.Fusion, p.Temperature, 0.002)
	var preds []prediction
	var buf []float64
	for _, it := range items {
		buf = intent.Fuse(it.scores, p.Fusion, p.Temperature, buf[:0])
		b := argmax(buf)
		preds = append(preds, prediction{intent: r.labels[b], confidence: buf[b], correct: b == it.label})
	}
	choosePolicy(p, preds, r.cfg.TargetPrecision, 40)
	fmt.Fprintf(r.prog, "calibration: temperature %.3f; fusion %+v; retrieval below %.2f; auto ≥ %.3f (%d per-intent), suggest ≥ %.3f\n",
		p.Temperature, p.Fusion, p.RetrievalGate, p.Auto, len(p.AutoByIntent), p.Suggest)
	r.sum.Policy = r.policy
	return false, nil
}
