package train

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/nlp"
)

// Correction is a label given to a message the model decided: an agent's correct_intent in
// feedback, an operator's cluster label. Text may be raw or masked (it is masked here); Source
// says where it came from, for the record.
type Correction struct {
	Text   string
	Intent string
	Source string
	// Checked marks a label an operator wrote in a file (Source is its file:line): one naming
	// an intent the model does not have is a typo to fix, and fails Learn, where an agent's
	// correction of that kind is only counted as unknown.
	Checked bool
}

// LearnConfig controls Learn. The zero value means the defaults.
type LearnConfig struct {
	// Epochs and Rate of the continued training (default 4 and 0.2): a few gentle passes over
	// the corrections and a replay of what the model learnt from.
	Epochs int
	Rate   float64
	// RankerRate is the rate of the ranker's continued training, when the bundle has one and
	// not its data (RankerDataFile; default 0.02: its weights are tens of times smaller than the classifier's;
	// chosen on scripts/learnsim with the stress set as traffic, see docs/benchmarks.md).
	RankerRate float64
	// MaxDrop is how much accuracy on the bundle's evaluation set the candidate may lose
	// (default 0.01); MinFixed the share of the corrections it must get right (default 0.6).
	MaxDrop  float64
	MinFixed float64
	// MaxRootDrop is how much it may lose against the root (the bundle trained from exports)
	// continued the same way without any correction (default MaxDrop): over generations, each
	// within MaxDrop of its parent, the losses would add up.
	MaxRootDrop float64
	// MinHeldOut is the share of corrections a model trained without them must get right, by
	// cross-validation over the corrections learnt since the root with the batch's, and of the
	// batch's alone (default 0.1; chance is 1 in the number of intents): real corrections teach something that
	// carries to the next message of the same kind; corrections at random (an agent clicking
	// anything, a poisoned batch) teach nothing that does, and are refused.
	MinHeldOut float64
	// Until is when the caller read the corrections (default: when Learn starts), recorded in
	// the promoted bundle's manifest (intent.Learnt.Until): the next learn takes corrections
	// from there, not from when this one finished, which would skip those given meanwhile.
	Until time.Time
	// Parent, when set, is the version expected in the parent's directory (the one serving):
	// Learn refuses with ErrParentChanged when it holds another, retrained in place and not
	// reloaded yet.
	Parent   string
	Progress io.Writer
}

func (c LearnConfig) withDefaults() LearnConfig {
	if c.Epochs <= 0 {
		c.Epochs = 4
	}
	if c.Rate <= 0 {
		c.Rate = 0.2
	}
	if c.RankerRate <= 0 {
		c.RankerRate = 0.02
	}
	if c.MaxDrop <= 0 {
		c.MaxDrop = 0.01
	}
	if c.MaxRootDrop <= 0 {
		c.MaxRootDrop = c.MaxDrop
	}
	if c.MinFixed <= 0 {
		c.MinFixed = 0.6
	}
	if c.MinHeldOut <= 0 {
		c.MinHeldOut = 0.1
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	return c
}

// LearnResult says what Learn did and why it promoted the candidate or not.
type LearnResult struct {
	Corrections int `json:"corrections"`
	Used        int `json:"used"`
	Unknown     int `json:"unknown_intent"` // corrections naming an intent the model lacks
	// UnknownIntents are those intents, with how many corrections named each.
	UnknownIntents map[string]int `json:"unknown_intents,omitempty"`
	Contradictory  int            `json:"contradictory"` // texts corrected to different intents, all their corrections left out
	// Repeats counts the corrections of a text corrected before in the batch (one message
	// corrected twice, one question many customers sent): a text is one example, learnt once.
	// The parts add up: Corrections is Used, Unknown, Contradictory, Repeats, Known, DataOnly,
	// InEvalSet and RefusedBefore together.
	Repeats int `json:"repeats"`
	Known   int `json:"known"` // corrections the bundle learnt already (in its history), left out
	// DataOnly counts corrections of messages that only give personal data (订单号<ORDER>), left
	// out: the agent corrected what the conversation meant, which the words do not say.
	DataOnly  int `json:"data_only"`
	InEvalSet int `json:"in_eval_set"` // corrections of a message of the evaluation set, left out: the gate grades on it
	// RefusedBefore counts the corrections of a batch the gate refused before (RefusedFile),
	// left out.
	RefusedBefore int `json:"refused_before"`
	// The gate: accuracy on the bundle's evaluation set, and the share of the corrections the
	// model gets right, before (parent) and after (candidate).
	EvalSet           string  `json:"eval_set"`
	EvalCount         int     `json:"eval_count"`
	ParentAccuracy    float64 `json:"parent_accuracy"`
	CandidateAccuracy float64 `json:"candidate_accuracy"`
	// ControlAccuracy is the parent continued the same way without the corrections: the
	// candidate may lose at most MaxDrop against it.
	ControlAccuracy float64 `json:"control_accuracy"`
	// RootAccuracy is the root (Judge) continued the same way without any correction: the
	// candidate may lose at most MaxRootDrop against it (the parent's control when Judge is the
	// parent).
	RootAccuracy float64 `json:"root_accuracy"`
	FixedBefore  float64 `json:"fixed_before"`
	FixedAfter   float64 `json:"fixed_after"`
	// Sources are where the corrections came from: feedback, cluster labels, a labels file.
	Sources []string `json:"sources,omitempty"`
	// HeldOut is the share of corrections a model trained without each got right (5-fold
	// cross-validation over the Judged corrections).
	HeldOut float64 `json:"held_out"`
	// BatchHeldOut is HeldOut of this batch's corrections alone (the same folds): a batch of 10
	// or more must get MinHeldOut of them right too.
	BatchHeldOut float64 `json:"batch_held_out"`
	// Judged is how many corrections HeldOut and Contested are of: this batch's and those learnt
	// since the bundle trained from exports (its version is Judge, when still on disk; else
	// the oldest ancestor that is, or the parent).
	Judged int    `json:"judged"`
	Judge  string `json:"judge"`
	// Contested is how many of them Judge answers otherwise with confidence while none of the
	// shop's own labelled messages (the replay without learnt corrections) most like them
	// carries the corrected intent (see maxContested): more than half, and they contradict the
	// shop's own labels.
	Contested int    `json:"contested"`
	Promoted  bool   `json:"promoted"`
	Reason    string `json:"reason"`
	Bundle    string `json:"bundle,omitempty"` // the new bundle, when promoted
}

// CheckIntents returns an error naming the Checked corrections whose intent is none of labels
// (the model's), so a caller can refuse a typo before any work.
func CheckIntents(labels []string, corrections []Correction) error {
	var typos []string
	for _, c := range corrections {
		// A sheet's line gives its label to each member of its cluster: name the line once.
		if typo := fmt.Sprintf("%s: unknown intent %q", c.Source, c.Intent); c.Checked && !slices.Contains(labels, c.Intent) && !slices.Contains(typos, typo) {
			typos = append(typos, typo)
		}
	}
	if len(typos) == 0 {
		return nil
	}
	return fmt.Errorf("%d label(s) name an intent the model does not have (learning takes the model's intent ids and none; a new intent is trained by zhiyi train --labels): %s",
		len(typos), strings.Join(typos[:min(3, len(typos))], "; "))
}

// ErrNothingToLearn is returned by Learn when no correction is usable.
var ErrNothingToLearn = errors.New("learn: no usable corrections")

// Learn continues training the bundle in parent on corrections (starting from its weights, with
// a replay of its history and its knowledge base's examples so it does not forget; its ranker,
// when it has one, likewise, and the gate then judges the ranker's decisions) and promotes
// the candidate only if it keeps the accuracy of the parent continued without them on the
// bundle's evaluation set (within MaxDrop; the set is kept out of both replays), gets at least
// MinFixed of the corrections right, and passes the checks against poison over the corrections
// learnt since the bundle trained from exports and this batch's. Promotion writes a new bundle at
// out whose manifest names its parent and what it learnt from, and whose learntFile lists every
// correction learnt since that bundle. It never learns from anything but the corrections given:
// not from the model's own answers. A batch of contradictory corrections is left out; a poisoned
// one fails the gate. The candidate is also bounded against the root continued without any
// correction (MaxRootDrop). A batch the gate refuses is recorded beside the bundles (RefusedFile)
// and left out of later runs.
func Learn(ctx context.Context, parent, out string, corrections []Correction, cfg LearnConfig) (*LearnResult, error) {
	if cfg.Until.IsZero() {
		cfg.Until = time.Now()
	}
	cfg = cfg.withDefaults()
	if err := intent.CheckBundleOut(out); err != nil {
		return nil, fmt.Errorf("learn: %w", err)
	}
	eng, err := intent.Load(ctx, parent)
	if err != nil {
		return nil, err
	}
	defer eng.Close()
	if v := eng.Manifest().Version(); cfg.Parent != "" && v != cfg.Parent {
		return nil, fmt.Errorf("%w: %s holds %s, not %s (retrained in place?); nothing learnt: reload it to learn from it", ErrParentChanged, parent, v, cfg.Parent)
	}
	res := &LearnResult{Corrections: len(corrections)}
	clf := eng.Classifier()
	labels := clf.Labels()
	li := map[string]int{}
	for i, l := range labels {
		li[l] = i
	}
	// One label per text: a text corrected to two intents is a contradiction, and left out.
	byText := map[string]string{}
	var order []string
	conflict := map[string]bool{}
	if err := CheckIntents(labels, corrections); err != nil {
		return nil, err
	}
	corrections, refused, err := LeaveOutRefused(parent, corrections)
	if err != nil {
		return nil, err
	}
	res.RefusedBefore = len(refused)
	for _, c := range corrections {
		if _, ok := li[c.Intent]; !ok {
			res.noteUnknown(c.Intent)
			continue
		}
		t, _ := nlp.Mask(nlp.Normalize(c.Text))
		if t == "" {
			continue
		}
		if onlyGivesData(eng.Analyzer(), t) {
			res.DataOnly++
			continue
		}
		if src := sourceKind(c.Source); !slices.Contains(res.Sources, src) {
			res.Sources = append(res.Sources, src)
		}
		if prev, ok := byText[t]; ok {
			if prev != c.Intent {
				conflict[t] = true
			}
			res.Repeats++
			continue
		}
		byText[t] = c.Intent
		order = append(order, t)
	}
	warnUnknown(cfg.Progress, res)
	var fixes []Labelled
	for _, t := range order {
		if conflict[t] {
			res.Contradictory++
			continue
		}
		fixes = append(fixes, Labelled{Text: t, Intent: byText[t]})
	}
	res.Used = len(fixes)
	if len(fixes) == 0 {
		return res, ErrNothingToLearn
	}
	an := eng.Analyzer()
	toEx := func(ls []Labelled, weight float32) []Example {
		out := make([]Example, 0, len(ls))
		for _, l := range ls {
			out = append(out, Example{Features: an.Analyze(l.Text).Features, Label: li[l.Intent], Weight: weight})
		}
		return out
	}
	evalSet, what, err := readEvalSet(parent, eng)
	if err != nil {
		return nil, err
	}
	res.EvalSet, res.EvalCount = what, len(evalSet)
	history, err := historySet(parent, eng)
	if err != nil {
		return nil, err
	}
	replay := without(history, evalSet)
	// A correction already in the history (a labels sheet given again, a learnt bundle's own
	// corrections) is learnt already: taken again it would count twice, and be stored twice.
	// One of a message of the evaluation set would be graded on what it was taught.
	inHistory := make(map[Labelled]bool, len(history))
	for _, l := range history {
		inHistory[l] = true
	}
	evalTexts := make(map[string]bool, len(evalSet))
	for _, l := range evalSet {
		evalTexts[textKey(l.Text)] = true
	}
	fixes = slices.DeleteFunc(fixes, func(l Labelled) bool {
		switch {
		case inHistory[l]:
			res.Known++
		case evalTexts[l.Text]:
			res.InEvalSet++
		default:
			return false
		}
		return true
	})
	if res.Used = len(fixes); len(fixes) == 0 {
		return res, ErrNothingToLearn
	}
	// The batch-level checks judge the corrections learnt since the root with this batch's, so
	// that a batch split small is judged whole; by the root, which learnt none of them, and
	// against the shop's own labels (the history without them), so that what was learnt does not
	// vouch for more of the same. They grade the corrections, not the evaluation set: the shop's
	// own labels include it, as the promoted bundle's replay does.
	root, err := rootOf(parent, eng.Manifest())
	if err != nil {
		return nil, err
	}
	before, err := learntSet(parent, eng.Manifest(), root)
	if err != nil {
		return nil, err
	}
	judge, judgeName := eng, "the parent"
	if root.Dir != parent {
		if judge, err = intent.Load(ctx, root.Dir); err != nil {
			fmt.Fprintf(cfg.Progress, "learn: warning: %s does not load (%v): the parent judges the corrections\n", root.Dir, err)
			judge = eng
		} else {
			defer judge.Close()
			judgeName = "the bundle trained from exports"
			if !root.Trained {
				judgeName = "its oldest ancestor still on disk"
			}
		}
	}
	window := append(slices.Clip(before), fixes...)
	own := without(history, before)
	res.Judged, res.Judge = len(window), judge.Manifest().Version()
	fitCfg := DefaultFitConfig()
	fitCfg.Warm, fitCfg.Epochs, fitCfg.Rate, fitCfg.Runs = clf, cfg.Epochs, cfg.Rate, 2
	fitCfg.TFIDF = clf.Weighted()
	fixEx := toEx(fixes, 1)
	replayEx := toEx(replay, 1)
	examples := append(slices.Clip(replayEx), fixEx...) // a copy: Fit may reorder what it gets
	// New rows only for the corrections' features: the replay's others were left out of the
	// parent on purpose (Config.MaxFeatures), and rows grown back for them would let the
	// continued model learn the corrections by rote instead of by the words they share.
	fitCfg.Keep = learnableFeatures(clf, fixEx)
	fmt.Fprintf(cfg.Progress, "learn: %d corrections (%d used, %d repeating a text corrected before, %d unknown intents, %d contradictory, %d only giving personal data, %d learnt already, %d in the evaluation set, %d refused before) over a replay of %d examples; judged on %d messages, %s\n",
		res.Corrections, res.Used, res.Repeats, res.Unknown, res.Contradictory, res.DataOnly, res.Known, res.InEvalSet, res.RefusedBefore, len(replay), len(evalSet), what)
	// A ranker whose examples the bundle keeps is fitted again on them and the corrections;
	// a bundle made before them continues its ranker like the classifier.
	data, err := parentRankerData(parent, eng)
	if err != nil {
		return nil, err
	}
	evalEx := toEx(evalSet, 1)
	judgedData := data // the ranker's data without the evaluation set
	if data != nil {
		judgedData = &rankerData{C: data.C, Seed: data.Seed, MinCount: data.MinCount,
			Examples: withoutFeatureSets(data.Examples, evalEx, rankerFeatures(eng.Ranker()))}
		fmt.Fprintf(cfg.Progress, "learn: the ranker's data without the evaluation set: %d of its %d examples\n", len(judgedData.Examples), len(data.Examples))
	}
	// Without a dev split the evaluation set is examples the parent trained on, which models
	// continued from it keep by rote: a shop trained on kb.yaml alone graded every batch 1.0000.
	// Its gate's models are fitted afresh on the replay instead (freshFit), so the set is held
	// out of them as a dev split would be. The bundle promoted is still continued (below).
	gateCfg := fitCfg
	fresh, err := freshGate(parent, eng, data)
	if err != nil {
		return nil, err
	}
	if fresh {
		gateCfg = freshFitConfig(clf)
	}
	cand, candRanker, err := continueModels(ctx, eng, examples, labels, gateCfg, cfg.RankerRate, judgedData, fixEx)
	if err != nil {
		return nil, err
	}
	// The gate judges what decides: the ranker when the bundle has one, continued the same way.
	parentDecides, candDecides := clf, cand
	if candRanker != nil {
		parentDecides, candDecides = eng.Ranker(), candRanker
	}
	// The control: the parent continued the same way on the replay alone. Continued without the
	// evaluation set, both forget a little of what the parent learnt of it; measured against
	// the control, what is left of a drop is the corrections' doing (a batch that moves a kind
	// of message to the wrong intent).
	var control *intent.Classifier
	if data != nil {
		control, err = refitRanker(ctx, judgedData, nil, eng.Ranker(), nil, labels)
	} else {
		var c, controlRanker *intent.Classifier
		c, controlRanker, err = continueModels(ctx, eng, replayEx, labels, gateCfg, cfg.RankerRate, nil, nil)
		control = cmp.Or(controlRanker, c)
	}
	if err != nil {
		return nil, err
	}
	g := &gate{labels: labels, evalN: len(evalEx), candRight: rightCount(candDecides, evalEx), controlRight: rightCount(control, evalEx),
		windowN: len(window), batchN: len(fixes), judge: judgeName}
	res.ParentAccuracy, res.CandidateAccuracy, res.ControlAccuracy = Accuracy(parentDecides, evalEx), Accuracy(candDecides, evalEx), Accuracy(control, evalEx)
	g.rootRight, g.root = g.controlRight, "the parent"
	if judge != eng {
		right, ok, err := rootRight(ctx, root.Dir, judge, labels, evalSet, cfg, fresh)
		switch {
		case err != nil:
			return nil, err
		case ok:
			g.rootRight, g.root = right, judgeName
		default:
			fmt.Fprintf(cfg.Progress, "learn: warning: %s has other intents than the parent: the drop is bounded against the parent alone\n", root.Dir)
		}
	}
	if len(evalEx) > 0 {
		res.RootAccuracy = float64(g.rootRight) / float64(len(evalEx))
	}
	g.worst, g.lost, g.support = recallLoss(control, candDecides, evalEx)
	res.FixedBefore, res.FixedAfter = Accuracy(parentDecides, fixEx), Accuracy(candDecides, fixEx)
	// Held out of models continued from the judge, which learnt none of the window.
	windowEx, ownEx := toEx(window, 1), toEx(own, 1)
	heldCfg := fitCfg
	heldCfg.Warm, heldCfg.TFIDF = judge.Classifier(), judge.Classifier().Weighted()
	heldCfg.Keep = learnableFeatures(judge.Classifier(), windowEx)
	if res.HeldOut, res.BatchHeldOut, err = heldOutFixes(ctx, ownEx, windowEx, labels, heldCfg, len(fixes)); err != nil {
		return nil, err
	}
	res.Contested, g.move = contested(ctx, judge, ownEx, windowEx, window)
	if g.verdict(res, cfg) {
		// Recorded so that no later run learns them again, alone or diluted (RefusedFile).
		if err := recordRefused(parent, eng.Manifest().Version(), res.Reason, fixes); err != nil {
			return nil, fmt.Errorf("%s; %w", res.Reason, err)
		}
		res.Reason += fmt.Sprintf("; its %d corrections are recorded in %s and left out of later runs (to learn one, re-label it: zhiyi learn --labels)", len(fixes), RefusedPath(parent))
	}
	fmt.Fprintln(cfg.Progress, "learn:", res.Reason)
	if !res.Promoted {
		return res, nil
	}
	// The bundle promoted is fitted again the same way with the evaluation set: the models the
	// gate judged had to do without it, the one served need not. It matters: on scripts/learnsim
	// the holdout messages nobody corrected kept 0.9982 with it and 0.9912 without (the dev
	// split is the newest weeks). The ranker's data keeps the evaluation set either way, and the
	// ranker written is the one fitted on it, so that fitted again without corrections it is its
	// parent.
	all := append(append(slices.Clip(replayEx), evalEx...), fixEx...)
	if cand, candRanker, err = continueModels(ctx, eng, all, labels, fitCfg, cfg.RankerRate, data, fixEx); err != nil {
		return nil, err
	}
	var next *rankerData
	if data != nil {
		next = &rankerData{C: data.C, Seed: data.Seed, MinCount: data.MinCount, Examples: append(slices.Clip(data.Examples), fixEx...)}
	}
	if err := writeLearnt(ctx, parent, out, eng, cand, candRanker, next, fixes, window, res, cfg.Until); err != nil {
		return nil, err
	}
	res.Bundle = out
	return res, nil
}

// sourceKind is a correction's source as a manifest lists it: a labels file's path:line is
// "labels file".
func sourceKind(src string) string {
	switch {
	case src == "":
		return "unknown"
	case strings.ContainsAny(src, "/:."):
		return "labels file"
	}
	return src
}

// writeLearnt writes the promoted bundle: the parent's files with the new classifier, the
// corrections added to the history the retrieval index is built from, and a manifest that names
// the parent and what was learnt. The parent's files are those eng loaded (ErrParentChanged
// otherwise): a bundle retrained in place while learning would lend its kb.yaml, dictionary and
// policy to a classifier continued from the old one.
func writeLearnt(ctx context.Context, parent, out string, eng *intent.Engine, cand, ranker *intent.Classifier, data *rankerData, fixes, learnt []Labelled, res *LearnResult,
	until time.Time) error {
	tmp, err := intent.NewBundleDir(out)
	if err != nil {
		return err
	}
	committed := false
	defer func() {
		if !committed {
			intent.RemoveBundleDir(tmp) // and its lock
		}
	}()
	pm := eng.Manifest()
	// The learning read more of the parent than is copied (its history, evaluation set, ranker
	// data): all of it is the loaded bundle's if the directory still holds its version.
	if err := checkParent(parent, pm.Version()); err != nil {
		return err
	}
	for rel := range pm.Files {
		switch {
		case rel == intent.ClassifierFile, rel == intent.RankerFile, rel == intent.RankerDataFile, rel == intent.ExamplesFile, rel == learntFile, filepath.Dir(rel) == intent.IndexDir,
			len(rel) > len(intent.IndexDir) && rel[:len(intent.IndexDir)+1] == intent.IndexDir+"/":
			continue
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(tmp, rel)), 0o755); err != nil {
			return err
		}
		data, err := readLoaded(parent, rel, pm)
		if err != nil {
			return err
		}
		if err := intent.WriteFileAtomic(filepath.Join(tmp, rel), data); err != nil {
			return err
		}
	}
	if err := writeClassifier(filepath.Join(tmp, intent.ClassifierFile), cand, nil); err != nil {
		return err
	}
	if ranker != nil {
		if err := writeClassifier(filepath.Join(tmp, intent.RankerFile), ranker, cand); err != nil {
			return err
		}
		if data != nil {
			if err := writeRankerData(filepath.Join(tmp, intent.RankerDataFile), data, ranker); err != nil {
				return err
			}
		}
	}
	examples, err := readLoaded(parent, intent.ExamplesFile, pm)
	if err != nil {
		return err
	}
	docs := make([]intent.ExampleDoc, 0, len(fixes))
	for _, f := range fixes {
		docs = append(docs, intent.ExampleDoc{Text: f.Text, Intent: f.Intent})
	}
	if examples, err = appendExampleDocs(examples, docs); err != nil {
		return err
	}
	if err := intent.WriteFileAtomic(filepath.Join(tmp, intent.ExamplesFile), examples); err != nil {
		return err
	}
	marks := make([]intent.ExampleDoc, 0, len(learnt))
	for _, l := range learnt {
		marks = append(marks, intent.ExampleDoc{Text: l.Text, Intent: l.Intent})
	}
	if err := intent.WriteExampleDocs(filepath.Join(tmp, learntFile), marks); err != nil {
		return err
	}
	if err := intent.WriteIndex(ctx, tmp); err != nil {
		return err
	}
	root, err := rootVersion(parent, pm)
	if err != nil {
		return err
	}
	m := &intent.Manifest{Name: pm.Name, DataFingerprint: pm.DataFingerprint, Config: pm.Config, Metrics: pm.Metrics,
		Parent: pm.Version(), Root: root, AnswersSince: pm.AnswersFrom().UTC(), LearntFrom: &intent.Learnt{Corrections: res.Used, Sources: res.Sources, EvalAccuracy: res.CandidateAccuracy,
			ParentEvalAccuracy: res.ParentAccuracy, ControlEvalAccuracy: res.ControlAccuracy, Until: until.UTC()}}
	// CommitVersion gives it a version of its own: learnt within its parent's second, or beside
	// another promotion of that second, it would share one, and a rollback could not tell them
	// apart.
	m.CreatedAt = time.Now().UTC()
	if err := intent.CommitVersion(tmp, out, m); err != nil {
		return err
	}
	committed = true
	return nil
}
