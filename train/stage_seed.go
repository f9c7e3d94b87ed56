package train

import (
	"fmt"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/nlp"
)

// addSeeds adds the labelled examples every shop has: kb.yaml's example questions and, while the
// labels hold fewer than WeakConfig.MinNone out-of-scope messages, the built-in out-of-scope
// examples (with a knowledge base only). A seed whose text is an exported message labels that message (unless it has a label).
func (r *run) addSeeds() (bool, error) {
	w := r.cfg.Weak
	kbSeeds, noneSeeds := 0, 0
	if r.kb != nil && !w.NoSeeds {
		for _, it := range r.kb.Intents {
			for _, ex := range it.Examples {
				if r.seed(ex, it.ID, r.cfg.KB) {
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
		if none < w.MinNone {
			for _, t := range NoneSeeds() {
				if r.seed(t, intent.NoneIntent, "seeds/none.txt") {
					noneSeeds++
				}
			}
		}
	}
	if kbSeeds+noneSeeds == 0 {
		return true, nil
	}
	r.sum.Seeds = kbSeeds
	r.sum.NoneSeeds = noneSeeds
	fmt.Fprintf(r.prog, "seeds: %d knowledge-base examples, %d built-in out-of-scope examples\n", kbSeeds, noneSeeds)
	return false, nil
}

// seed adds one labelled example text (raw) and reports whether it was new.
func (r *run) seed(raw, label, source string) bool {
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
	r.data.recs = append(r.data.recs, record{text: text, intent: label, source: source, origin: o})
	return true
}
