package sentiment

import (
	_ "embed"
	"slices"
	"strings"
	"sync"
)

// The lexicon the embedded model was trained with (a copy of the sample shop's,
// corpora/shop/dict/sentiment.txt, held to it by a test). A shop that writes no sentiment.txt
// still gets its urgent cues — 着火, 冒烟, 盗刷, 12315 — which the model's weights for lexicon
// features expect: without a lexicon those features are all zero, and 路由器着火了 was tagged
// neutral and answered by the bot (a new shop's walkthrough).
//
//go:embed lexicon.txt
var defaultLexiconText string

var defaultLexicon = sync.OnceValues(func() (*Lexicon, error) {
	return ParseLexicon(strings.NewReader(defaultLexiconText), "sentiment/lexicon.txt (built in)")
})

// DefaultLexicon returns the built-in lexicon, the one the embedded model was trained with. It
// panics if the embedded file does not parse, which a test rules out.
func DefaultLexicon() *Lexicon {
	l, err := defaultLexicon()
	if err != nil {
		panic(err)
	}
	return l
}

// HasReason reports whether the lexicon has cues of [urgent:reason] (safety, money, threat …).
func (l *Lexicon) HasReason(reason string) bool { return slices.Contains(l.reasons, reason) }
