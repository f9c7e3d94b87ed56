package train

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"slices"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/nlp"
)

// learntFile lists, in a bundle made by Learn, every correction learnt since the bundle trained
// from exports (its root): the history (examples.jsonl) holds them among the shop's own labels,
// and the gate must tell them apart (see Learn). The manifest lists it like any other file; a
// bundle without it was trained from exports, or learnt before it existed (learntSet).
const learntFile = "learnt.jsonl"

// evalShare is the part of a bundle's training examples kept out of the replay as its
// evaluation set when it has no dev split: 1 in evalShare, chosen by a hash of the text.
const evalShare = 5

// textKey is a text as the learning sets compare them: normalised and masked, as the history,
// the evaluation set and the corrections are stored.
func textKey(text string) string {
	t, _ := nlp.Mask(nlp.Normalize(text))
	return t
}

// heldBack reports whether a training example is in the evaluation set of a bundle without a
// dev split: a fixed part of them, the same at every generation.
func heldBack(text string) bool {
	h := fnv.New32a()
	h.Write([]byte(textKey(text)))
	return h.Sum32()%evalShare == 0
}

// hasDevSplit reports whether the bundle's evaluation set (EvalSetFile) is a dev split, held out
// of its first fit; without one it holds examples the bundle trained on (writeEvalSet).
func hasDevSplit(m *intent.Manifest) bool {
	var cfg struct {
		Dev int `json:"dev"`
	}
	return len(m.Config) > 0 && json.Unmarshal(m.Config, &cfg) == nil && cfg.Dev > 0
}

// readEvalSet returns the messages the gate judges a candidate on, none of which replaySet
// replays: the bundle's dev split (EvalSetFile), or, for a bundle without one, a fixed fifth
// (heldBack) of the examples it trained on: of that file, or of its knowledge base's examples
// when it has none. The bundle itself trained on them all (the refit takes in dev), so the gate
// measures models continued without them: graded on what they replayed, a candidate and its
// control both kept them by rote, and a batch that moved such messages to the wrong intent cost
// the evaluation set nothing.
func readEvalSet(dir string, eng *intent.Engine) ([]Labelled, string, error) {
	docs, err := intent.ReadExampleDocs(filepath.Join(dir, intent.EvalSetFile))
	if err != nil {
		return nil, "", err
	}
	known := func(l string) bool { return slices.Contains(eng.Classifier().Labels(), l) }
	dev := hasDevSplit(eng.Manifest())
	var out []Labelled
	for _, d := range docs {
		if known(d.Intent) && (dev || heldBack(d.Text)) {
			out = append(out, Labelled{Text: d.Text, Intent: d.Intent})
		}
	}
	if alone, err := kbAlone(dir, dev); err != nil {
		return nil, "", err
	} else if alone {
		out = capBuiltin(out)
	}
	switch {
	case len(out) > 0 && dev:
		return out, "the bundle's evaluation set (" + intent.EvalSetFile + ", its dev split)", nil
	case len(out) > 0:
		return out, fmt.Sprintf("1 in %d of the examples the bundle trained on (%s; it has no dev split)", evalShare, intent.EvalSetFile), nil
	}
	if kb := eng.KB(); kb != nil {
		for _, it := range kb.Intents {
			if known(it.ID) {
				for _, ex := range it.Examples {
					if heldBack(ex) {
						out = append(out, Labelled{Text: ex, Intent: it.ID})
					}
				}
			}
		}
	}
	return out, fmt.Sprintf("1 in %d of the knowledge base's examples (the bundle has no evaluation set)", evalShare), nil
}

// kbAlone reports whether the bundle in dir (dev: it has a dev split) was trained on its
// knowledge base alone (zhiyi train --kb without --data), or learnt from such a bundle: every
// example of its history is in its evaluation set, or among the corrections learnt since.
// Such a shop's evaluation set is its knowledge base's examples and the built-in out-of-scope
// ones, all trained on; its gate caps the built-in ones (capBuiltin) and fits its models afresh
// (freshGate).
func kbAlone(dir string, dev bool) (bool, error) {
	if dev {
		return false, nil
	}
	seen := map[string]bool{}
	for _, f := range []string{intent.EvalSetFile, learntFile} {
		docs, err := intent.ReadExampleDocs(filepath.Join(dir, f))
		if err != nil {
			return false, err
		}
		for _, d := range docs {
			seen[textKey(d.Text)] = true
		}
	}
	history, err := intent.ReadExampleDocs(filepath.Join(dir, intent.ExamplesFile))
	if err != nil {
		return false, err
	}
	for _, d := range history {
		if !seen[textKey(d.Text)] {
			return false, nil
		}
	}
	return len(seen) > 0, nil
}

// builtinShare is the most of the evaluation set the built-in out-of-scope examples (NoneSeeds)
// may be: about their share of a shop's real traffic (55 of the sample shop's 600 holdout
// messages are out of scope). A shop trained on kb.yaml alone has hundreds of them beside its
// few examples, all easy: two thirds of its evaluation set, they graded every batch 1.0000.
const builtinShare = 0.1

// capBuiltin keeps of ls's built-in out-of-scope examples the first builtinShare of the result;
// those left out go back to the replay (replaySet replays what the evaluation set does not hold).
func capBuiltin(ls []Labelled) []Labelled {
	builtin := map[string]bool{}
	for _, t := range NoneSeeds() {
		builtin[textKey(t)] = true // keyed as the lookup reads them: normalised and masked
	}
	isBuiltin := func(l Labelled) bool { return l.Intent == intent.NoneIntent && builtin[textKey(l.Text)] }
	n := 0
	for _, l := range ls {
		if isBuiltin(l) {
			n++
		}
	}
	most := int(builtinShare / (1 - builtinShare) * float64(len(ls)-n))
	if n <= most {
		return ls
	}
	out := make([]Labelled, 0, len(ls)-n+most)
	for _, l := range ls {
		if !isBuiltin(l) {
			out = append(out, l)
		} else if most > 0 {
			out = append(out, l)
			most--
		}
	}
	return out
}

// replaySet is what continued training replays so the model keeps what it knew: the bundle's
// history (examples.jsonl) and its knowledge base's examples, without any text of the
// evaluation set (readEvalSet).
func replaySet(dir string, eng *intent.Engine) ([]Labelled, error) {
	eval, _, err := readEvalSet(dir, eng)
	if err != nil {
		return nil, err
	}
	history, err := historySet(dir, eng)
	if err != nil {
		return nil, err
	}
	return without(history, eval), nil
}

// historySet is the bundle's history and its knowledge base's examples, of the intents its
// classifier has: what the bundle trained on, the evaluation set among it. Messages that only
// give personal data (订单号<ORDER>) are left out, as training and Learn leave them out: a
// bundle trained before they were keeps them in its history.
func historySet(dir string, eng *intent.Engine) ([]Labelled, error) {
	docs, err := intent.ReadExampleDocs(filepath.Join(dir, intent.ExamplesFile))
	if err != nil {
		return nil, err
	}
	known := func(l string) bool { return slices.Contains(eng.Classifier().Labels(), l) }
	an := eng.Analyzer()
	var out []Labelled
	for _, d := range docs {
		if known(d.Intent) && !an.TextOnlyGivesData(d.Text) {
			out = append(out, Labelled{Text: d.Text, Intent: d.Intent})
		}
	}
	if kb := eng.KB(); kb != nil {
		for _, it := range kb.Intents {
			if known(it.ID) {
				for _, ex := range it.Examples {
					out = append(out, Labelled{Text: ex, Intent: it.ID})
				}
			}
		}
	}
	return out, nil
}

// without returns a copy of ls without the messages whose text (textKey) is one of drop's.
func without(ls []Labelled, drop ...[]Labelled) []Labelled {
	texts := map[string]bool{}
	for _, d := range drop {
		for _, l := range d {
			texts[textKey(l.Text)] = true
		}
	}
	return slices.DeleteFunc(slices.Clone(ls), func(l Labelled) bool { return texts[textKey(l.Text)] })
}

// withoutFeatureSets returns examples without those whose feature set (featureSet, over the
// features keep has) is one of drop's: the ranker's data holds its examples as features, not
// texts, so the evaluation set is taken out of it by what the ranker sees of each message.
func withoutFeatureSets(examples, drop []Example, keep []uint32) []Example {
	key := func(fs []uint32) string {
		var set []uint32
		for _, f := range featureSet(nil, fs) {
			if _, ok := slices.BinarySearch(keep, f); ok {
				set = append(set, f)
			}
		}
		return fmt.Sprint(set)
	}
	sets := make(map[string]bool, len(drop))
	for _, ex := range drop {
		sets[key(ex.Features)] = true
	}
	return slices.DeleteFunc(slices.Clone(examples), func(ex Example) bool { return sets[key(ex.Features)] })
}

// ancestry is the oldest bundle of a bundle's Parent chain still beside it: its root, when
// Trained (from exports).
type ancestry struct {
	Dir     string // the oldest ancestor found: the bundle itself when it was trained from exports
	Version string
	Trained bool // Dir was trained from exports
}

// rootVersion is the Root a child of the bundle in dir (manifest m) records: the bundle's own
// version when it was trained from exports, else its Root, else (a bundle learnt before Root was
// recorded) the end of its chain when that end was trained from exports; "" when none is known.
func rootVersion(dir string, m *intent.Manifest) (string, error) {
	switch {
	case m.Parent == "":
		return m.Version(), nil
	case m.Root != "":
		return m.Root, nil
	}
	a, err := rootOf(dir, m)
	if err != nil || !a.Trained {
		return "", err
	}
	return a.Version, nil
}

// rootOf finds the root of dir's bundle among the bundles beside it: the one its manifest names
// as Root, or else the end of its Parent chain (as learn.Parent finds a parent), as far as the
// chain goes.
func rootOf(dir string, m *intent.Manifest) (ancestry, error) {
	a := ancestry{Dir: dir, Version: m.Version(), Trained: m.Parent == ""}
	if a.Trained {
		return a, nil
	}
	root := filepath.Dir(filepath.Clean(dir))
	entries, err := os.ReadDir(root)
	if err != nil {
		return a, fmt.Errorf("learn: %w", err)
	}
	// The siblings' manifests alone, not their files' checksums: a shop that learns every hour
	// keeps hundreds of bundles here; loading the root verifies it.
	byVersion := map[string]string{}
	parentOf := map[string]string{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		p := filepath.Join(root, e.Name())
		if pm, err := intent.PeekManifest(p); err == nil {
			byVersion[pm.Version()] = p
			parentOf[pm.Version()] = pm.Parent
		}
	}
	if p, ok := byVersion[m.Root]; ok && m.Root != "" {
		return ancestry{Dir: p, Version: m.Root, Trained: parentOf[m.Root] == ""}, nil
	}
	for parent := m.Parent; parent != ""; parent = parentOf[parent] {
		p, ok := byVersion[parent]
		if !ok {
			break
		}
		a.Dir, a.Version, a.Trained = p, parent, parentOf[parent] == ""
		delete(byVersion, parent) // a chain that loops stops where it came back
	}
	return a, nil
}

// learntSet returns the corrections the bundle in dir learnt since its root: the history it
// holds that its root (when trained from exports and still beside it) does not, or else those
// learntFile lists; none when neither tells. The history comes first: a build from before
// learntFile copies the file unchanged when it learns, and its batch would then pass for the
// shop's own labels (a review).
func learntSet(dir string, m *intent.Manifest, root ancestry) ([]Labelled, error) {
	_, rootErr := os.Stat(filepath.Join(root.Dir, intent.ExamplesFile))
	if m.Parent == "" || !root.Trained || rootErr != nil {
		docs, err := intent.ReadExampleDocs(filepath.Join(dir, learntFile))
		if err != nil {
			return nil, fmt.Errorf("learn: %w", err)
		}
		return labelledOf(docs), nil
	}
	mine, err := intent.ReadExampleDocs(filepath.Join(dir, intent.ExamplesFile))
	if err != nil {
		return nil, err
	}
	theirs, err := intent.ReadExampleDocs(filepath.Join(root.Dir, intent.ExamplesFile))
	if err != nil {
		return nil, err
	}
	had := map[intent.ExampleDoc]int{}
	for _, d := range theirs {
		had[d]++
	}
	var out []intent.ExampleDoc
	for _, d := range mine {
		if had[d] > 0 {
			had[d]--
			continue
		}
		out = append(out, d)
	}
	return labelledOf(out), nil
}

func labelledOf(docs []intent.ExampleDoc) []Labelled {
	out := make([]Labelled, 0, len(docs))
	for _, d := range docs {
		out = append(out, Labelled{Text: d.Text, Intent: d.Intent})
	}
	return out
}
