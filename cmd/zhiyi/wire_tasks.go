package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/zhiyi-ai/zhiyi/experiment/explog"
	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/reply"
)

// This file holds the periodic work serve runs beside its requests: the live intent mix, the
// A/B results, and the record of the serving bundle a restart reads.

func (w *wiring) every(ctx context.Context, d time.Duration, fn func(context.Context)) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn(ctx)
		}
	}
}

// updateMix re-estimates the live intent mix of the engine serving (--adapt-mix) and exports it:
// the messages it came from, the largest move from the training mix (0 until it moves) and each
// intent's share in the mix it decides with.
func (w *wiring) updateMix(context.Context) {
	var mix *intent.Mix
	if m, ok := w.srv.CurrentEngine().(*reply.Model); ok {
		mix = m.Engine.Mix()
	}
	if mix == nil {
		return
	}
	est := mix.Update()
	w.set.GetOrCreateGauge(`zhiyi_intent_mix_messages`, nil).Set(float64(est.Messages))
	w.set.GetOrCreateGauge(`zhiyi_intent_mix_moved`, nil).Set(est.Moved)
	gauges := make(map[string]bool, len(mix.Labels()))
	for _, l := range mix.Labels() {
		gauges[l] = true
		w.set.GetOrCreateGauge(mixGauge(l), nil).Set(mix.Share(l))
	}
	for l := range w.mixGauges {
		if !gauges[l] {
			w.set.UnregisterMetric(mixGauge(l))
		}
	}
	w.mixGauges = gauges
	if est.Applied {
		w.log.Info("intent mix re-estimated", slog.Int("messages", est.Messages), slog.Float64("largest_move", est.Moved),
			slog.String("top", topShares(est.Shares, 3)))
	}
}

func mixGauge(intent string) string { return fmt.Sprintf(`zhiyi_intent_mix_share{intent=%q}`, intent) }

// refreshResults gives the experiments the outcomes of their variants (gray release): from the
// earliest gray start still to judge (gray_since, else the bundle's creation: an answer id an
// earlier bundle used, with other text, must not count), without the experiments file's
// excluded senders (as zhiyi ab leaves them out), with each decision's time and route so that
// each gray answer is judged on its own window against the control's suggested answers.
func (w *wiring) refreshResults(ctx context.Context) {
	set := w.exps.Current()
	since, ok := set.GraySince()
	if !ok {
		return // no gray period with a known start: nothing the results could change
	}
	out, err := explog.Outcomes(ctx, w.db, since, set.ExcludedSenders())
	if err != nil && ctx.Err() != nil {
		return // shutting down mid-read: no outage of the log to say, nor to end
	}
	if err == nil {
		err = w.exps.SetOutcomes(out)
	}
	switch {
	case err != nil && !w.resultsFailing.Swap(true):
		w.log.Warn("experiments: the gray release's ratings could not be read from the decision log; gray answers stay as they are, tried again every 5 minutes",
			slog.String("error", err.Error()))
	case err != nil:
		w.log.Debug("experiments: the gray release's ratings still cannot be read", slog.String("error", err.Error()))
	case w.resultsFailing.Swap(false):
		w.log.Info("experiments: the gray release's ratings are read again")
	}
}

// noteServing notes that m serves now: for the learn window and, with --learn, in the serving
// record a restart resumes from (resumeServing).
func (w *wiring) noteServing(m *reply.Model) {
	w.learning.serving(m.Manifest().CreatedAt, time.Now())
	if !w.sf.learn || w.srv == nil {
		return
	}
	rec := servingRecord{Model: w.srv.ModelDir(), Version: m.Manifest().Version(), Base: w.base, LearnFrom: w.learning.from()}
	if err := writeServing(w.sf.dataDir, rec); err != nil {
		w.log.Error("learn: the serving bundle could not be recorded for a restart", slog.String("error", err.Error()))
	}
}
