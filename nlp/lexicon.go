package nlp

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/go-ego/gse"
	"github.com/go-ego/gse/hmm"
)

// prefixOnly marks a lexicon entry that is only the prefix of longer words.
const prefixOnly = float32(-math.MaxFloat32)

// lexicon maps words (and their prefixes) to log probabilities. It is immutable once built.
type lexicon struct {
	words      map[string]float32
	logTotal   float64
	unknown    float32 // log probability of an unknown single character
	maxWordLen int     // in bytes
}

func (l *lexicon) lookup(s string) (logp float32, isWord, isPrefix bool) {
	v, ok := l.words[s]
	if !ok {
		return 0, false, false
	}
	return v, v != prefixOnly, true
}

// baseLexicon loads gse's embedded simplified-Chinese dictionary once per process: loading costs
// about a second and a lot of memory, so every Analyzer shares the one read-only copy. gse's own
// Segmenter is dropped after extraction; we keep a compact map and gse's HMM model.
var baseLexicon = sync.OnceValues(func() (*lexicon, error) {
	seg, err := gse.NewEmbed("zh_s")
	if err != nil {
		return nil, fmt.Errorf("load gse dictionary: %w", err)
	}
	hmm.LoadModel()
	dict := seg.Dictionary()
	words := make(map[string]float32, dict.NumTokens()+dict.NumTokens()/2)
	total := dict.TotalFreq()
	logTotal := math.Log(total)
	maxLen := 0
	for i := range dict.Tokens {
		tok := &dict.Tokens[i]
		w := strings.ToLower(tok.Text())
		if tok.Freq() <= 0 || w == "" {
			continue
		}
		lp := float32(math.Log(tok.Freq()) - logTotal)
		if old, ok := words[w]; ok && old != prefixOnly && old >= lp {
			continue
		}
		words[w] = lp
		maxLen = max(maxLen, len(w))
		addPrefixes(words, w)
	}
	return &lexicon{words: words, logTotal: logTotal, unknown: float32(-logTotal), maxWordLen: maxLen}, nil
})

// addPrefixes records every proper prefix of w as a prefix-only entry, so a DAG scan can stop as
// soon as no dictionary word continues.
func addPrefixes(words map[string]float32, w string) {
	for i := 0; i < len(w); {
		_, size := utf8.DecodeRuneInString(w[i:])
		i += size
		if i >= len(w) {
			break
		}
		p := w[:i]
		if _, ok := words[p]; !ok {
			words[p] = prefixOnly
		}
	}
}

// overlay is the shop's own words on top of the base lexicon: user dictionary and canonical terms.
type overlay struct {
	base  *lexicon
	words map[string]float32
	max   int
}

func newOverlay(base *lexicon, user []UserWord) *overlay {
	o := &overlay{base: base, words: make(map[string]float32, 2*len(user)), max: base.maxWordLen}
	for _, w := range user {
		lp := float32(math.Log(w.Freq) - base.logTotal)
		if old, ok := o.words[w.Word]; ok && old != prefixOnly && old >= lp {
			continue
		}
		o.words[w.Word] = lp
		o.max = max(o.max, len(w.Word))
		addPrefixes(o.words, w.Word)
	}
	return o
}

// lookup consults the shop's words first, then the base dictionary.
func (o *overlay) lookup(s string) (logp float32, isWord, isPrefix bool) {
	v, ok := o.words[s]
	if ok && v != prefixOnly {
		return v, true, true
	}
	lp, w, p := o.base.lookup(s)
	return lp, w, p || ok
}
