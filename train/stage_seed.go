package train

import (
	"fmt"
	"strings"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/nlp"
)

// addSeeds adds the labelled examples every shop has: kb.yaml's example questions and the
// built-in out-of-scope examples (with a knowledge base only). While the labels hold fewer than
// WeakConfig.MinNone out-of-scope messages the built-in ones stand in for the class; beside a
// shop's own they count half (NoneSeedWeight). A seed whose text is an exported message labels
// that message (unless it has a label).
func (r *run) addSeeds() (bool, error) {
	w := r.cfg.Weak
	kbSeeds, noneSeeds := 0, 0
	if r.kb != nil && !w.NoSeeds {
		for _, it := range r.kb.Intents {
			for _, ex := range it.Examples {
				if r.seed(ex, it.ID, r.cfg.KB, 1) {
					kbSeeds++
				}
			}
		}
	}
	// Out-of-scope seeds stand in for a shop's out-of-scope class: only with a knowledge base (a
	// shop). Labelled data without one (a public benchmark, say) has its own taxonomy, and a
	// class of chit-chat that generic out-of-scope examples would only confuse.
	if !w.NoNoneSeeds && r.kb != nil {
		none := 0
		for _, rec := range r.data.recs {
			if rec.intent == intent.NoneIntent {
				none++
			}
		}
		weight := float32(1)
		if none >= w.MinNone {
			weight = NoneSeedWeight
		}
		seeds := NoneSeeds()
		terms := shopTerms(r.kb, seeds)
		for _, t := range seeds {
			if term := seedTerm(t, terms); term != "" {
				r.sum.NoneSeedsLeftOut = append(r.sum.NoneSeedsLeftOut, t+" ("+term+")")
				continue
			}
			if r.seed(t, intent.NoneIntent, "seeds/none.txt", weight) {
				noneSeeds++
			}
		}
	}
	if kbSeeds+noneSeeds == 0 {
		return true, nil
	}
	r.sum.Seeds = kbSeeds
	r.sum.NoneSeeds = noneSeeds
	fmt.Fprintf(r.prog, "seeds: %d knowledge-base examples, %d built-in out-of-scope examples\n", kbSeeds, noneSeeds)
	if out := r.sum.NoneSeedsLeftOut; len(out) > 0 {
		fmt.Fprintln(r.prog, leftOutLine(out))
	}
	return false, nil
}

// leftOutLine names the first built-in out-of-scope examples left out and says how many it does
// not name: a 174-intent shop's words left out 13, and the line listed 8 as if they were all.
func leftOutLine(out []string) string {
	const named = 8
	line := fmt.Sprintf("seeds: %d built-in out-of-scope examples left out, for they use the knowledge base's words: %s",
		len(out), strings.Join(out[:min(named, len(out))], ", "))
	if len(out) > named {
		line += fmt.Sprintf(" … and %d more (zhiyi train --json: none_seeds_left_out)", len(out)-named)
	}
	return line
}

// NoneSeedWeight is how much a built-in out-of-scope example counts in training beside a shop's
// own out-of-scope labels. The shop's chats teach its own chit-chat, not the requests no shop
// answers (查征信, a number's 归属地, a bank card's balance); added at full weight they cost the
// shop's in-scope messages more than they gave, at half (a quarter measured the same) the
// shop's 5-fold CV by conversation and its next month both gained (docs/benchmarks.md,
// nineteenth session).
const NoneSeedWeight = 0.5

// seed adds one labelled example text (raw) of the given weight and reports whether it was new.
func (r *run) seed(raw, label, source string, weight float32) bool {
	text, _ := nlp.Mask(nlp.Normalize(raw))
	if text == "" {
		return false
	}
	if i, ok := r.data.byText[text]; ok {
		if r.data.recs[i].intent == "" {
			r.data.recs[i].intent = label
		}
		return false
	}
	r.data.byText[text] = len(r.data.recs)
	o := fromSeed
	if label == intent.NoneIntent {
		o = fromNoneSeed
	}
	r.data.recs = append(r.data.recs, record{text: text, intent: label, source: source, origin: o, weight: weight})
	return true
}
