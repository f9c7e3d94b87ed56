package main

import (
	"context"
	"errors"
	"hash/fnv"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/learn"
	"github.com/zhiyi-ai/zhiyi/nlp"
	"github.com/zhiyi-ai/zhiyi/reply"
	"github.com/zhiyi-ai/zhiyi/serve"
	"github.com/zhiyi-ai/zhiyi/train"
)

// learnNotServed counts promoted bundles --learn kept on disk without serving them: the bundle
// they were learnt from no longer served when they were ready.
const learnNotServed = "zhiyi_learn_not_served_total"

// learnRuns counts the learns --learn ran, by result: promoted (the gate let the candidate
// through), refused (it did not) or error (the decision log or the bundle could not be read,
// training failed). A tick with fewer than --learn-min new corrections runs none.
func learnRuns(result string) string { return `zhiyi_learn_runs_total{result="` + result + `"}` }

// learnResults are learnRuns' results, exported at 0 from the start so that an alert on a rate
// of refusals or errors has a series to read.
var learnResults = [...]string{"promoted", "refused", "error"}

// checkLearnDir warns at start when --learn cannot write where its promotions go: beside the
// serving bundle, in its parent directory (each learnt bundle, and learn-refused.jsonl). A
// hardened deployment keeps the bundles read-only to the service; --learn then found out at
// its first tick, an hour after the start by default, and at every tick after, while the
// start said nothing.
func (w *wiring) checkLearnDir() {
	dir := filepath.Dir(filepath.Clean(w.srv.ModelDir()))
	if err := probeWritable(dir); err != nil {
		w.log.Warn("learn: cannot write in the models directory, so every promotion will fail: --learn writes each learnt bundle (and learn-refused.jsonl) beside --model; let the service's user create directories there, or drop --learn",
			slog.String("dir", dir), slog.String("error", err.Error()))
	}
}

// probeWritable makes a directory in dir and removes it, as a promotion makes its bundle's.
// Tests replace it to fail as a read-only directory does (root, who runs them, may write anywhere).
var probeWritable = func(dir string) error {
	p, err := os.MkdirTemp(dir, ".zhiyi-learn-probe-")
	if err != nil {
		return err
	}
	return os.Remove(p)
}

// learnFailed logs a learn that could not run and counts it.
func (w *wiring) learnFailed(msg string, attrs ...any) {
	w.set.GetOrCreateCounter(learnRuns("error")).Inc()
	w.log.Warn(msg, attrs...)
}

// learnWindow says from when --learn takes corrections: since the serving bundle's were read
// (correctionsSince), and since the last switch to an older bundle than the one before (a
// rollback, or a reload of an older bundle), so that what was rolled back is not learnt again
// at the next tick.
type learnWindow struct {
	mu      sync.Mutex
	created time.Time // the serving bundle's
	floor   time.Time // the last switch to an older bundle
}

// serving notes that the bundle made at created serves from now.
func (l *learnWindow) serving(created, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if created.Before(l.created) {
		l.floor = now
	}
	l.created = created
}

// resume sets the last switch to an older bundle, as a serving record kept it (resumeServing).
func (l *learnWindow) resume(floor time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.floor = floor
}

// from is the last switch to an older bundle (zero: none).
func (l *learnWindow) from() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.floor
}

// since is when the corrections to learn from start, given the serving bundle's own start
// (correctionsSince).
func (l *learnWindow) since(start time.Time) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.floor.After(start) {
		return l.floor
	}
	return start
}

// correctionsSince is when the corrections a learn continuing the bundle of m takes start: when
// those it learnt were read (a learnt bundle's Until), or when it was made. Not a learnt
// bundle's CreatedAt: learning takes minutes, and a correction given meanwhile would be in
// neither bundle.
func correctionsSince(m *intent.Manifest) time.Time {
	if l := m.LearntFrom; l != nil && !l.Until.IsZero() {
		return l.Until
	}
	return m.CreatedAt
}

// learnOnce continues the serving bundle on the corrections given since it was made, when there
// are enough, and reloads the promoted bundle — provided the bundle it was learnt from still
// serves. Learning takes minutes; an operator who rolled back or loaded another bundle
// meanwhile meant it, and a child of the bundle they moved away from would undo it (and be
// recorded in serving.json for a restart). Such a bundle is kept on disk, not served.
func (w *wiring) learnOnce(ctx context.Context) {
	if w.srv == nil {
		return
	}
	// One snapshot of what serves: the bundle learnt from, its version and the corrections'
	// window all come from one load, so that a reload between two reads cannot learn one
	// bundle with another's window. Released at once: learning must not keep an engine a
	// rollback has replaced open for minutes.
	h, release := w.srv.Acquire()
	m, ok := h.Engine.(*reply.Model)
	var start time.Time
	var an *nlp.Analyzer // the bundle's, to tell the corrections learning leaves out (usable after release: in memory only)
	if ok {
		start, an = correctionsSince(m.Manifest()), m.Analyzer()
	}
	release()
	if !ok {
		return
	}
	// Taken before the corrections are read: one given during the read is read again next
	// time (and left out as learnt already) rather than missed.
	readAt := time.Now()
	fixes, err := learn.Corrections(ctx, w.db, w.learning.since(start))
	if err != nil {
		w.learnFailed("learn: cannot read the corrections from the decision log; tried again at the next tick", slog.String("error", err.Error()))
		return
	}
	// Those of a batch the gate refused are not learnt again, nor counted toward --learn-min:
	// else every tick would judge the refused batch again, and once enough genuine ones diluted
	// it, learn it.
	fixes, refused, err := train.LeaveOutRefused(h.Dir, fixes)
	if err != nil {
		w.learnFailed("learn: cannot read the corrections refused before; tried again at the next tick", slog.String("error", err.Error()))
		return
	}
	// Counted without those the bundle learnt already: the window is read with a margin
	// (learn.CommitMargin).
	fresh, _, err := train.LeaveOutLearnt(h.Dir, fixes)
	if err != nil {
		w.learnFailed("learn: cannot read what the serving bundle learnt already; tried again at the next tick", slog.String("error", err.Error()))
		return
	}
	// and without those of messages that only give personal data, which learning leaves out:
	// counted, 20 of them alone started a run with nothing to learn at every tick ("learning
	// failed"), and a few others beside them were learnt below --learn-min
	if usable, _ := train.LeaveOutDataOnly(an, fresh); len(usable) < w.sf.learnMin {
		return
	}
	judged := judgedKey(h.Version, fixes)
	if w.learnRefused.Load() == judged {
		return // refused as it stands (by the bound against the root, which is not recorded): wait for more
	}
	// h.Version, not whatever the directory holds now: a bundle retrained in place there and
	// not reloaded yet has not been reviewed, and a child of it must not go live (nor one
	// mixing its files with the served bundle's, when the retrain lands while learning).
	res, err := learn.Promote(ctx, h.Dir, fixes, train.LearnConfig{Until: readAt, Parent: h.Version})
	if errors.Is(err, train.ErrParentChanged) {
		w.set.GetOrCreateCounter(learnRuns("error")).Inc()
		w.log.Warn("learn: nothing learnt: the serving bundle's directory holds another bundle (retrained in place?); reload it to learn from it",
			slog.String("serving", h.Version), slog.String("error", err.Error()))
		return
	}
	if err != nil {
		w.learnFailed("learn: learning failed; tried again at the next tick", slog.String("error", err.Error()))
		return
	}
	if len(res.UnknownIntents) > 0 {
		// stored before a retrain renamed or deleted them, or by a replica serving the old bundle
		w.log.Warn("learn: corrections name intents the model does not have, left out", slog.Int("corrections", res.Unknown),
			slog.Any("unknown_intents", res.UnknownIntents))
	}
	if !res.Promoted {
		w.set.GetOrCreateCounter(learnRuns("refused")).Inc()
		w.learnRefused.Store(judged)
		w.log.Warn("learn: refused", slog.Int("corrections", res.Used), slog.Int("refused_before", len(refused)), slog.String("result", res.Reason))
		return
	}
	w.set.GetOrCreateCounter(learnRuns("promoted")).Inc()
	w.log.Info("learn: promoted", slog.Int("corrections", res.Used), slog.Int("refused_before", len(refused)), slog.String("dir", res.Bundle), slog.String("result", res.Reason))
	// Learn checked the parent; checked again here, where a wrong one would go live.
	if pm, err := intent.PeekManifest(res.Bundle); err != nil || pm.Parent != h.Version {
		parent := ""
		if pm != nil {
			parent = pm.Parent
		}
		w.log.Error("learn: the promoted bundle is kept on disk but not served: it was not learnt from the serving bundle",
			slog.String("dir", res.Bundle), slog.String("parent", parent), slog.String("serving", h.Version), slog.Any("error", err))
		return
	}
	// the bundle, then the rules and experiments against it (reloadParts), as every reload;
	// swapped in only if h.Version still serves, checked atomically with other reloads
	err = w.srv.ReloadIf(ctx, res.Bundle, h.Version)
	switch {
	case errors.Is(err, serve.ErrNotServing):
		w.set.GetOrCreateCounter(learnNotServed).Inc()
		w.log.Warn("learn: the promoted bundle is kept on disk but not served: the bundle it was learnt from no longer serves (a rollback or another reload while learning)",
			slog.String("dir", res.Bundle), slog.String("learnt_from", h.Version), slog.String("serving", w.srv.ModelVersion()))
	case errors.Is(err, serve.ErrPartsNotReloaded):
		w.log.Error("learn: the promoted bundle serves, but the rules or experiments did not reload against it", slog.String("error", err.Error()))
	case err != nil:
		w.log.Error("learn: the promoted bundle did not load", slog.String("error", err.Error()))
	}
	w.prune(res.Bundle)
}

// learnPruned counts the learnt bundles --learn-keep removed.
const learnPruned = "zhiyi_learn_pruned_total"

// prune removes the learnt bundles beyond --learn-keep beside the one just promoted
// (learn.Prune): never the one serving, the one the serving record names, --model, nor the one
// promoted.
func (w *wiring) prune(promoted string) {
	protect := []string{promoted, w.srv.ModelDir(), w.cfg.ModelDir}
	if rec, err := readServing(filepath.Join(w.sf.dataDir, servingFileName)); err == nil {
		protect = append(protect, rec.Model)
	}
	removed, err := learn.Prune(promoted, w.sf.learnKeep, protect...)
	w.set.GetOrCreateCounter(learnPruned).Add(len(removed))
	if len(removed) > 0 {
		names := make([]string, len(removed))
		for i, p := range removed {
			names[i] = filepath.Base(p)
		}
		w.log.Info("learn: removed learnt bundles beyond --learn-keep", slog.Int("keep", w.sf.learnKeep), slog.Any("removed", names))
	}
	if err != nil {
		w.log.Warn("learn: removing learnt bundles beyond --learn-keep", slog.String("error", err.Error()))
	}
}

// judgedKey names what a learn judges: the bundle and the corrections. A refusal the gate does
// not record (the bound against the root: the fault is the generations', not the batch's) would
// otherwise be judged again, retraining twice, at every tick until new corrections come.
func judgedKey(version string, fixes []train.Correction) uint64 {
	h := fnv.New64a()
	h.Write([]byte(version))
	for _, c := range fixes {
		h.Write([]byte{0})
		h.Write([]byte(c.Text))
		h.Write([]byte{0})
		h.Write([]byte(c.Intent))
	}
	return h.Sum64()
}
