package nlp

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// The boundaries a rewrite must respect. A rewrite replaces words: a variant that starts or ends
// inside a word of the message is a different text that happens to share characters with it
// (要发票 inside 不要发票, 为毛 inside 因为毛衣, kd inside kd_2023).

// standsAlone reports whether text[start:end], a variant or a token, is not part of a longer
// word of letters: where it begins with a Latin letter or digit, the character before it must not
// join it (partOfWord), and likewise where it ends with one. The same test keeps typed pinyin
// inside a model number or an account name (th-1000, huabei_88) from being restored. A quantity
// after it is no part of it (tk3天, yhq10元: partOfWord).
func standsAlone(text string, start, end int) bool {
	return aloneBefore(text, start) && aloneAfter(text, end)
}

// aloneBefore reports whether the character before text[start:] does not join a word starting
// with a Latin letter or digit there.
func aloneBefore(text string, start int) bool {
	return start == 0 || start >= len(text) || !isASCIIAlnum(text[start]) || !partOfWord(text[:start], true)
}

// aloneAfter reports whether the character at text[end] does not join a word ending with a Latin
// letter or digit there.
func aloneAfter(text string, end int) bool {
	return end <= 0 || end >= len(text) || !isASCIIAlnum(text[end-1]) || !partOfWord(text[end:], false)
}

// quantityLen returns the length of a quantity at the start of s, one or two ASCII digits and a
// measure word (3天, 10元, 2件), or 0: after letters it is no model number (tk3天 is 退款 3 days,
// hb-2000 and x200 are models).
func quantityLen(s string) int {
	n := 0
	for n < len(s) && n < 3 && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	if n == 0 || n > 2 {
		return 0
	}
	r, size := utf8.DecodeRuneInString(s[n:])
	if !strings.ContainsRune(measureWords, r) {
		return 0
	}
	return n + size
}

// measureWords are the measure words a quantity after shorthand ends with.
const measureWords = "天元期张件个次"

// wordEdges says whether a byte offset of a text lies inside one of the words the segmenter cuts
// the text into. The text is segmented on the first question only: most messages hold no phrase
// variant, and those that do pay for one more segmentation.
type wordEdges struct {
	a     *Analyzer
	text  string
	us    []textUnit
	spans []int32 // start and end of each word, in order
	toks  []string
	sc    *segScratch
	done  bool
}

// reset readies e for text, whose units are us; spans and toks keep their storage.
func (e *wordEdges) reset(a *Analyzer, text string, us []textUnit, sc *segScratch) {
	e.a, e.text, e.us, e.sc, e.done = a, text, us, sc, false
}

// inside reports whether byte p of the text falls strictly inside a word (not at its start or end).
func (e *wordEdges) inside(p int) bool {
	if e == nil {
		return false
	}
	if !e.done {
		e.done = true
		e.toks = e.a.segment(e.text, e.us, e.toks[:0], e.sc)
		e.spans = e.spans[:0]
		off := int32(0)
		for _, t := range e.toks {
			off = tokenOffset(e.text, t, off)
			e.spans = append(e.spans, off, off+int32(len(t)))
			off += int32(len(t))
		}
	}
	// the first word that ends after p
	n := len(e.spans) / 2
	k := sort.Search(n, func(k int) bool { return int(e.spans[2*k+1]) > p })
	return k < n && int(e.spans[2*k]) < p
}
