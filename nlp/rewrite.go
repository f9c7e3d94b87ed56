package nlp

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// Rewrite records one rewrite that fired (a synonym, dialect or shorthand rule, or typed pinyin
// restored), so the service can explain itself.
type Rewrite struct {
	From   string      `json:"from"`
	To     string      `json:"to"`
	Kind   RewriteKind `json:"kind"`
	Region string      `json:"region,omitempty"`
}

// rewriteTarget is what a variant rewrites to.
type rewriteTarget struct {
	variant   string
	canonical string
	kind      RewriteKind
	region    string
	regional  *regionalWord // a built-in fold (regional.go); nil for a dictionary's rule
	// keep marks a dictionary's variant among the folds (regional.go): matched only to be
	// kept as written, so that no fold fires inside it.
	keep bool
}

func (t *rewriteTarget) record() Rewrite {
	return Rewrite{From: t.variant, To: t.canonical, Kind: t.kind, Region: t.region}
}

// phraseMatcher finds phrase variants in text, longest match first, scanning left to right.
type phraseMatcher struct {
	byFirst map[rune][]*rewriteTarget // variants by first rune, longest first
	// firstBMP marks the runes below 0x10000 that start a variant: most runes of a message
	// start none, and a bit test is far cheaper than a map lookup.
	firstBMP [0x10000 / 64]uint64
}

func newPhraseMatcher(targets []*rewriteTarget) *phraseMatcher {
	m := &phraseMatcher{byFirst: map[rune][]*rewriteTarget{}}
	for _, t := range targets {
		r, _ := utf8.DecodeRuneInString(t.variant)
		m.byFirst[r] = append(m.byFirst[r], t)
		if r < 0x10000 {
			m.firstBMP[r>>6] |= 1 << (r & 63)
		}
	}
	for _, list := range m.byFirst {
		sort.SliceStable(list, func(i, j int) bool { return len(list[i].variant) > len(list[j].variant) })
	}
	return m
}

// apply replaces every phrase variant in text, whose units are us (scanUnits), by its canonical
// term, surrounded by spaces so the canonical term is a token of its own; a variant starts at a
// unit (never inside a mask placeholder) and replaces whole words only: it neither starts nor ends
// inside a word of text's own segmentation (edges; nil to skip the test), so 我不要发票了 (不要|发票)
// keeps its 不要 from the variant 要发票. It returns text itself when nothing matched. Where each
// replacement went is appended to *spans.
func (m *phraseMatcher) apply(text string, us []textUnit, edges *wordEdges, rewrites []Rewrite, spans *[]rewriteSpan) (string, []Rewrite) {
	if len(m.byFirst) == 0 {
		return text, rewrites
	}
	var b *strings.Builder
	last := 0
	kept := 0 // a dictionary's variant ends here: no regional fold before it
	for k := 0; k < len(us); k++ {
		i := int(us[k].start)
		if i < last {
			continue // inside the variant just replaced
		}
		t, keepEnd := m.match(text, i, us[k].r, edges, i < kept)
		kept = max(kept, keepEnd)
		if t == nil {
			continue
		}
		if b == nil {
			b = &strings.Builder{}
			b.Grow(len(text) + 8)
		}
		b.WriteString(text[last:i])
		if t.regional != nil {
			// a fold is written in place: the text is cut as if typed in Mandarin
			start := b.Len()
			b.WriteString(t.canonical)
			*spans = append(*spans, rewriteSpan{newStart: int32(start), newEnd: int32(b.Len()), oldStart: int32(i), oldEnd: int32(i + len(t.variant))})
			rewrites = append(rewrites, t.record())
			last = i + len(t.variant)
			continue
		}
		b.WriteByte(' ')
		start := b.Len()
		b.WriteString(t.canonical)
		*spans = append(*spans, rewriteSpan{newStart: int32(start - 1), newEnd: int32(b.Len() + 1), oldStart: int32(i), oldEnd: int32(i + len(t.variant))})
		b.WriteByte(' ')
		rewrites = append(rewrites, t.record())
		i += len(t.variant)
		last = i
	}
	if b == nil {
		return text, rewrites
	}
	b.WriteString(text[last:])
	return b.String(), rewrites
}

// match returns the variant that replaces text at byte i, whose rune is first, or nil, and where
// the longest dictionary variant kept from the folds (keep) that starts at i ends, or 0. With
// noFold, no regional fold matches: i is inside such a variant.
func (m *phraseMatcher) match(text string, i int, first rune, edges *wordEdges, noFold bool) (_ *rewriteTarget, keepEnd int) {
	if first < 0x10000 && m.firstBMP[first>>6]&(1<<(first&63)) == 0 {
		return nil, 0
	}
	for _, t := range m.byFirst[first] {
		if !strings.HasPrefix(text[i:], t.variant) {
			continue
		}
		// Latin variants (fp, tk) stand alone, not inside a longer word (fp-100, tk_2).
		end := i + len(t.variant)
		if t.keep {
			if keepEnd == 0 {
				keepEnd = end // the longest: variants come longest first
			}
			continue
		}
		if t.regional != nil {
			// Folds are function words, often glued by the segmenter to an unknown neighbour
			// (退伐, 改嘛): their own context decides, not the text's words.
			if !noFold && keepEnd == 0 && t.regional.fits(text, i, end) {
				return t, keepEnd
			}
			continue
		}
		if !standsAlone(text, i, end) || edges.inside(i) || edges.inside(end) {
			continue
		}
		return t, keepEnd
	}
	return nil, keepEnd
}
