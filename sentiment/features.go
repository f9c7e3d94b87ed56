package sentiment

import (
	"math"
	"strings"
	"unicode/utf8"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

// FeatureGroup is a set of feature groups, for training without some of them (ablations).
type FeatureGroup uint8

// The feature groups of the learnt model.
const (
	GroupLexicon     FeatureGroup = 1 << iota // the lexicon's scores: negative, profanity, positive, urgent (and by reason), negations
	GroupNgrams                               // character n-grams of the message, with ^ and $ marking its ends
	GroupPunctuation                          // runs of ! and ?, mixed ?!, ellipses
	GroupEmoji                                // any emoji, emoji only, three or more
	GroupLength                               // the message's length in runes, bucketed
)

var groupNames = []struct {
	g    FeatureGroup
	name string
}{{GroupLexicon, "lexicon"}, {GroupNgrams, "ngrams"}, {GroupPunctuation, "punctuation"}, {GroupEmoji, "emoji"}, {GroupLength, "length"}}

// String lists the groups, comma-separated ("" for none).
func (g FeatureGroup) String() string {
	var b strings.Builder
	for _, n := range groupNames {
		if g&n.g != 0 {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(n.name)
		}
	}
	return b.String()
}

// parseGroups is the inverse of FeatureGroup.String.
func parseGroups(s string) (FeatureGroup, bool) {
	var g FeatureGroup
	if s == "" {
		return 0, true
	}
	for _, part := range strings.Split(s, ",") {
		found := false
		for _, n := range groupNames {
			if n.name == part {
				g |= n.g
				found = true
			}
		}
		if !found {
			return 0, false
		}
	}
	return g, true
}

// The fixed dense features, in the order of their weights; the model adds one "lex:urg:REASON"
// feature per urgent reason of the lexicon it was trained with after these.
const (
	fNeg = iota
	fProf
	fPos
	fUrg
	fNegated
	fBang  // any !
	fBang2 // a run of two or more !
	fBang3 // three or more
	fQ
	fQ2
	fQ3
	fMixed    // ?! or !? in one run
	fEllipsis // ..., … or 。。
	fEmoji
	fEmojiOnly
	fEmojiMany // three or more emoji
	fLen2      // 1–2 runes
	fLen5      // 3–5
	fLen10     // 6–10
	fLen20     // 11–20
	fLenMore   // 21 or more
	numFixed
)

// maxReasons bounds the urgent reasons that get a feature of their own.
const maxReasons = 8

var fixedNames = [numFixed]string{
	"lex:neg", "lex:prof", "lex:pos", "lex:urg", "lex:negated",
	"p:!", "p:!!", "p:!!!", "p:?", "p:??", "p:???", "p:?!", "p:...",
	"e:any", "e:only", "e:many",
	"len:1-2", "len:3-5", "len:6-10", "len:11-20", "len:21+",
}

var fixedGroup = [numFixed]FeatureGroup{
	GroupLexicon, GroupLexicon, GroupLexicon, GroupLexicon, GroupLexicon,
	GroupPunctuation, GroupPunctuation, GroupPunctuation, GroupPunctuation, GroupPunctuation, GroupPunctuation, GroupPunctuation, GroupPunctuation,
	GroupEmoji, GroupEmoji, GroupEmoji,
	GroupLength, GroupLength, GroupLength, GroupLength, GroupLength,
}

const reasonPrefix = "lex:urg:"

// dense holds one message's dense feature values: the fixed ones, then one per urgent reason
// of the lexicon (by the lexicon's reason index).
type dense struct {
	fixed  [numFixed]float32
	reason [maxReasons]float32
}

// lexFeatures fills the lexicon group from the scan. Scores are compressed with log1p: the
// second cue matters, the fifth hardly adds.
func (d *dense) lexFeatures(sc *lexScores) {
	d.fixed[fNeg] = log1p(sc.neg)
	d.fixed[fProf] = log1p(sc.prof)
	d.fixed[fPos] = log1p(sc.pos)
	d.fixed[fUrg] = log1p(sc.urg)
	d.fixed[fNegated] = float32(min(sc.negated, 3))
	for i, v := range sc.byReas {
		d.reason[i] = log1p(v)
	}
}

func log1p(x float32) float32 { return float32(math.Log1p(float64(x))) }

// surface fills the punctuation, emoji and length groups from the text, and appends each run of
// two or more ! or ? to cues when cues is not nil.
func (d *dense) surface(s string, cues *[]Cue) {
	runes, emoji, other := 0, 0, 0
	for i := 0; i < len(s); {
		c := s[i]
		if c == '!' || c == '?' {
			j, bang, q := i, 0, 0
			for ; j < len(s) && (s[j] == '!' || s[j] == '?'); j++ {
				if s[j] == '!' {
					bang++
				} else {
					q++
				}
			}
			d.run(bang, fBang, fBang2, fBang3)
			d.run(q, fQ, fQ2, fQ3)
			if bang > 0 && q > 0 {
				d.fixed[fMixed] = 1
			}
			if j-i >= 2 && cues != nil {
				*cues = append(*cues, Cue{Text: s[i:j], Kind: CuePunctuation, Weight: float32(j - i)})
			}
			runes += j - i
			other += j - i
			i = j
			continue
		}
		switch c {
		case '.', 0xE2, 0xE3: // the first bytes of ..., … and 。。
			if strings.HasPrefix(s[i:], "...") || strings.HasPrefix(s[i:], "…") || strings.HasPrefix(s[i:], "。。") {
				d.fixed[fEllipsis] = 1
			}
		}
		r, size := unit(s, i)
		i += size
		if r == placeholderRune {
			continue // personal data given says nothing of the tone, nor makes a message longer
		}
		runes++
		switch {
		case isEmoji(r):
			emoji++
		case r != ' ':
			other++
		}
	}
	if emoji > 0 {
		d.fixed[fEmoji] = 1
		if other == 0 {
			d.fixed[fEmojiOnly] = 1
		}
		if emoji >= 3 {
			d.fixed[fEmojiMany] = 1
		}
	}
	switch {
	case runes <= 2:
		d.fixed[fLen2] = 1
	case runes <= 5:
		d.fixed[fLen5] = 1
	case runes <= 10:
		d.fixed[fLen10] = 1
	case runes <= 20:
		d.fixed[fLen20] = 1
	default:
		d.fixed[fLenMore] = 1
	}
}

// run sets the features of a run of n equal marks.
func (d *dense) run(n, any, two, three int) {
	if n >= 1 {
		d.fixed[any] = 1
	}
	if n >= 2 {
		d.fixed[two] = 1
	}
	if n >= 3 {
		d.fixed[three] = 1
	}
}

// isEmoji reports whether r is in one of Unicode's emoji blocks (pictographs, emoticons,
// transport, supplemental symbols, dingbats, miscellaneous symbols and arrows).
func isEmoji(r rune) bool {
	return r >= 0x1F000 && r <= 0x1FAFF || r >= 0x2600 && r <= 0x27BF || r >= 0x2B00 && r <= 0x2BFF ||
		r >= 0x2300 && r <= 0x23FF
}

// placeholderRune stands for a mask placeholder in unit's results.
const placeholderRune = '\uFFFC'

// unit returns the character at s[i] and its size, a mask placeholder (<PHONE>) as one
// placeholderRune, which the features skip: masked personal data says nothing of the tone.
// Counted as letters, a calm 快递到哪了 我电话<PHONE> 邮箱 <EMAIL> was long enough to be read as
// urgent and handed off.
func unit(s string, i int) (rune, int) {
	if s[i] == '<' {
		if n := nlp.PlaceholderLen(s[i:]); n > 0 {
			return placeholderRune, n
		}
	}
	return decodeRune(s, i)
}

// maxNgram is the longest character n-gram the model may use.
const maxNgram = 3

// ngrams calls fn for every character n-gram of s with 1 ≤ n ≤ maxN. The message is padded with a
// begin and an end mark, so besides the n-grams of s itself fn sees the ones that touch an end:
// lead says the n-gram starts with the begin mark (gram is then its n-1 first runes), trail that
// it ends with the end mark. Unigrams are never marks. gram is a substring of s, at its byte
// offset. A mask placeholder (unit) is in none: the n-grams stop before it and start again after.
func ngrams(s string, maxN int, fn func(n int, lead bool, gram string, trail bool, at int)) {
	if s == "" || maxN < 1 {
		return
	}
	p1, p2 := -1, -1 // offsets of the previous rune and the one before it (-1: none, or a placeholder)
	k := 0           // runes so far
	for i := 0; i < len(s); {
		r, size := unit(s, i)
		e := i + size
		if r == placeholderRune {
			// Personal data given is no tone: no n-gram holds a placeholder or spans one (the
			// labelled set has none, so their n-grams were unseen, and the model read a calm
			// 收件人<NAME> <PHONE> …<ADDR> 帮我改地址 as urgent from what stood around them).
			p1, p2, i = -1, -1, e
			continue
		}
		fn(1, false, s[i:e], false, i)
		if maxN >= 2 {
			switch {
			case k == 0:
				fn(2, true, s[i:e], false, i)
			case p1 >= 0:
				fn(2, false, s[p1:e], false, p1)
			}
		}
		if maxN >= 3 && p1 >= 0 {
			switch {
			case k == 1:
				fn(3, true, s[p1:e], false, p1)
			case p2 >= 0:
				fn(3, false, s[p2:e], false, p2)
			}
		}
		p2, p1 = p1, i
		i = e
		k++
	}
	if p1 < 0 {
		return // empty of anything but placeholders, or ends with one: no end mark
	}
	if maxN >= 2 {
		fn(2, false, s[p1:], true, p1)
	}
	if maxN >= 3 {
		switch {
		case k == 1:
			fn(3, true, s[p1:], true, p1)
		case p2 >= 0:
			fn(3, false, s[p2:], true, p2)
		}
	}
}

// ngramName is the name of an n-gram in a model file: c2:^太, c2:太差, c3:了!$.
func ngramName(n int, lead bool, gram string, trail bool) string {
	var b strings.Builder
	b.Grow(len(gram) + 5)
	b.WriteByte('c')
	b.WriteByte(byte('0' + n))
	b.WriteByte(':')
	if lead {
		b.WriteByte('^')
	}
	b.WriteString(gram)
	if trail {
		b.WriteByte('$')
	}
	return b.String()
}

// parseNgramName is the inverse of ngramName.
func parseNgramName(name string) (n int, lead bool, gram string, trail bool, ok bool) {
	if len(name) < 4 || name[0] != 'c' || name[2] != ':' || name[1] < '1' || name[1] > '0'+maxNgram {
		return 0, false, "", false, false
	}
	n, gram = int(name[1]-'0'), name[3:]
	if n > 1 && strings.HasPrefix(gram, "^") {
		lead, gram = true, gram[1:]
	}
	if n > 1 && strings.HasSuffix(gram, "$") {
		trail, gram = true, gram[:len(gram)-1]
	}
	want := n
	if lead {
		want--
	}
	if trail {
		want--
	}
	if want < 1 || utf8.RuneCountInString(gram) != want {
		return 0, false, "", false, false
	}
	return n, lead, gram, trail, true
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// ngramHash is the key of an n-gram in the model's table: FNV-1a over n, the marks and the bytes,
// so the n-gram hashes alike whether it comes from a message or from its name in a model file.
func ngramHash(n int, lead bool, gram string, trail bool) uint64 {
	h := (fnvOffset ^ uint64(n)) * fnvPrime
	if lead {
		h = (h ^ '^') * fnvPrime
	}
	for i := 0; i < len(gram); i++ {
		h = (h ^ uint64(gram[i])) * fnvPrime
	}
	if trail {
		h = (h ^ '$') * fnvPrime
	}
	return h
}
