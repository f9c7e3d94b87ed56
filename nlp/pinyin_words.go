package nlp

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Typed pinyin restored to the shop's words: a customer who cannot find a character types its
// pinyin (现huo, zhuan票, tuikuan), and where that pinyin, with the characters typed around it,
// spells a word of the shop's dictionaries, the word takes its place before segmentation, as if
// typed. The pinyin pair features already let such a message share something with the word; the
// restored word gives it the word's own features as well. Only the shop's words (userdict and
// the canonical terms), never gse's whole dictionary: there, pinyin spells too many words
// (zai不 would read 再不). A rule's variant made of letters only (yhq, kd) is spelt out as the
// rule's word in the same pass, so that shorthand, too, reads as if typed in characters.

// pinyinWord is a dictionary word the pinyin of which is known for every character.
type pinyinWord struct {
	word  string
	runes []rune
	freq  float64
	// other: indexed under this spelling by a reading other than a character's first (yinhangka
	// of 银行卡); a spelling from first readings wins over it whatever the frequency.
	other bool
}

// pinyinWords finds the shop's words by the pinyin of their characters.
type pinyinWords struct {
	py     *pinyinTab
	byKey  map[string][]pinyinWord // syllable indexes, two bytes each → words
	maxLen int                     // the longest word, in characters
	// variants are the rewrite rules' variants (kuaidi, 包you): typed, they are the rules' to
	// rewrite, as the dictionaries say. lettered are those with a lower-case letter and more
	// (yunfei保险, 退kuan退huo): a run of letters typed inside one is left to its rule too.
	variants map[string]bool
	lettered []string
	// letterRules are the rules whose variant is letters only (yhq, kd, tuikuan): a run of
	// letters that is one is spelt out as the rule's word here, so the message is analysed as
	// if typed in characters (the letters y, h, q carry nothing of 优惠券).
	letterRules map[string]*rewriteTarget
}

// maxPinyinContext is how many characters typed on either side of the pinyin a restored word
// may take in (专 in zhuan票 is one).
const maxPinyinContext = 3

// maxWordReadings bounds the spellings a word is indexed by: a word of several polyphones is
// indexed by the first maxWordReadings combinations of its characters' readings, the first
// readings' first.
const maxWordReadings = 8

// newPinyinWords indexes the words of two characters or more whose every character has a
// reading, by each modern reading of a common polyphone (银行卡 by yinhangka as well as yinxingka, 还款 by huankuan
// and haikuan; at most maxWordReadings spellings a word). The rules' variants are their own: spelt
// out as the rule's word when made of letters only, otherwise left alone.
func newPinyinWords(py *pinyinTab, words []UserWord, rules []*rewriteTarget) *pinyinWords {
	p := &pinyinWords{py: py, byKey: map[string][]pinyinWord{}, variants: map[string]bool{}, letterRules: map[string]*rewriteTarget{}}
	for _, t := range rules {
		v := t.variant
		p.variants[v] = true
		switch {
		case onlyLower(v):
			p.letterRules[v] = t
		case hasLower(v):
			p.lettered = append(p.lettered, v)
		}
	}
	slices.Sort(p.lettered) // one order, whatever the map's
	others := pinyinOthers()
	var syls []uint16
	var pick [maxPinyinWord]int // the reading of each character in the spelling at hand
	for _, w := range words {
		runes := []rune(w.Word)
		if len(runes) < 2 || len(runes) > maxPinyinWord {
			continue
		}
		if slices.ContainsFunc(runes, func(r rune) bool { return py.index(r) == 0 }) {
			continue // a letter, a digit or a character without a reading
		}
		reading := func(k int) uint16 { // reading pick[k] of character k
			if pick[k] == 0 {
				return py.index(runes[k])
			}
			return others[runes[k]][pick[k]-1]
		}
		clear(pick[:])
		for n := range maxWordReadings {
			syls = syls[:0]
			for k := range runes {
				syls = append(syls, reading(k))
			}
			var kb [2 * maxPinyinWord]byte
			if key := string(sylKey(kb[:0], syls)); !hasWord(p.byKey[key], w.Word) {
				p.byKey[key] = append(p.byKey[key], pinyinWord{word: w.Word, runes: runes, freq: w.Freq, other: n > 0})
				p.maxLen = max(p.maxLen, len(runes))
			}
			// the next spelling: the last character's next reading first
			k := len(runes) - 1
			for ; k >= 0; k-- {
				if pick[k] < len(others[runes[k]]) {
					pick[k]++
					break
				}
				pick[k] = 0
			}
			if k < 0 {
				break // every spelling indexed
			}
		}
	}
	return p
}

// inVariant reports whether the letters text[start:end] lie inside a rule's variant typed around
// them (yunfei保险 for 运费险): restored, the variant would no longer be there for its rule.
func (p *pinyinWords) inVariant(text string, start, end int) bool {
	run := text[start:end]
	for _, v := range p.lettered {
		for k, off := 0, strings.Index(v, run); off >= 0; off = strings.Index(v[k:], run) {
			k += off // run is at v[k:]
			if s := start - k; s >= 0 && s+len(v) <= len(text) && text[s:s+len(v)] == v {
				return true
			}
			k++
		}
	}
	return false
}

// eitherOr reports whether the letters text[start:end] are a shorthand (letterRules) that a '/'
// joins to another, the two standing alone otherwise (用zfb/wx付款: zfb or wx, not a path).
func (p *pinyinWords) eitherOr(text string, start, end int) bool {
	if p.letterRules[text[start:end]] == nil {
		return false
	}
	slash := false
	left := aloneBefore(text, start)
	if !left && text[start-1] == '/' {
		ls := start - 1
		for ls > 0 && isLower(rune(text[ls-1])) {
			ls--
		}
		left = ls < start-1 && p.letterRules[text[ls:start-1]] != nil && aloneBefore(text, ls)
		slash = left
	}
	right := aloneAfter(text, end)
	if !right && text[end] == '/' {
		re := end + 1
		for re < len(text) && isLower(rune(text[re])) {
			re++
		}
		right = re > end+1 && p.letterRules[text[end+1:re]] != nil && aloneAfter(text, re)
		slash = slash || right
	}
	return left && right && slash
}

// onlyLower reports whether s is lower-case ASCII letters only.
func onlyLower(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isLower(rune(s[i])) {
			return false
		}
	}
	return true
}

func hasWord(list []pinyinWord, w string) bool {
	for _, c := range list {
		if c.word == w {
			return true
		}
	}
	return false
}

// maxPinyinWord is the longest word restored, in characters.
const maxPinyinWord = 8

// sylKey appends the map key of a sequence of syllable indexes to b.
func sylKey(b []byte, syls []uint16) []byte {
	for _, s := range syls {
		b = appendSyl(b, s)
	}
	return b
}

func appendSyl(b []byte, s uint16) []byte { return append(b, byte(s>>8), byte(s)) }

// restore replaces each run of lower-case letters that reads as pinyin, with the Chinese
// characters just before and after it, by the shop's word it spells; it appends a Rewrite for
// each and returns text itself when nothing was restored. A word must take in at least two
// characters' worth (现huo, xianhuo; not huo alone), and the longest one wins. A run that is a
// rule's variant of letters (yhq) becomes the rule's word, whatever its pinyin.
func (p *pinyinWords) restore(text string, rewrites []Rewrite) (string, []Rewrite) {
	if p == nil || len(p.byKey) == 0 && len(p.letterRules) == 0 || !hasLower(text) {
		return text, rewrites
	}
	var b *strings.Builder
	last := 0
	var sylBuf [maxLatinPinyin / 2]uint16
	for i := 0; i < len(text); {
		if !isLower(rune(text[i])) {
			i++
			continue
		}
		j := i
		for j < len(text) && isLower(rune(text[j])) {
			j++
		}
		start, end := i, j
		i = j
		// a run inside a longer word (iphone14, taobao.com, huabei_88, huó with its tone) is
		// not pinyin typed for characters
		if !standsAlone(text, start, end) && !p.eitherOr(text, start, end) {
			continue
		}
		if p.inVariant(text, start, end) {
			continue
		}
		from, to, word := start, end, ""
		var done Rewrite
		if t := p.letterRules[text[start:end]]; t != nil {
			word, done = t.canonical, t.record()
		} else {
			if p.variants[text[start:end]] {
				continue
			}
			syls := p.py.split(text[start:end], sylBuf[:0])
			if len(syls) == 0 {
				continue
			}
			from, to, word = p.match(text, last, start, end, syls)
			if word == "" || p.variants[text[from:to]] {
				continue
			}
			done = Rewrite{From: text[from:to], To: word, Kind: KindPinyin}
		}
		if b == nil {
			b = &strings.Builder{}
			b.Grow(len(text) + 8)
		}
		b.WriteString(text[last:from])
		b.WriteString(word)
		rewrites = append(rewrites, done)
		last = to
		i = max(i, to)
	}
	if b == nil {
		return text, rewrites
	}
	b.WriteString(text[last:])
	return b.String(), rewrites
}

// match finds the longest word spelt by the pinyin syls of text[start:end] with up to
// maxPinyinContext characters before it (not before floor) and after it; it returns the span the
// word replaces and the word, "" when none.
func (p *pinyinWords) match(text string, floor, start, end int, syls []uint16) (from, to int, word string) {
	// the Chinese characters just before and after the run, nearest first
	var left, right [maxPinyinContext]rune
	var leftAt, rightAt [maxPinyinContext + 1]int
	nl, nr := 0, 0
	leftAt[0], rightAt[0] = start, end
	for k := start; nl < maxPinyinContext && k > floor; nl++ {
		r, size := utf8.DecodeLastRuneInString(text[floor:k])
		if p.py.index(r) == 0 {
			break
		}
		k -= size
		left[nl], leftAt[nl+1] = r, k
	}
	for k := end; nr < maxPinyinContext && k < len(text); nr++ {
		r, size := utf8.DecodeRuneInString(text[k:])
		if p.py.index(r) == 0 {
			break
		}
		k += size
		right[nr], rightAt[nr+1] = r, k
	}
	best := pinyinWord{}
	var kb [2 * maxPinyinWord]byte
	for l := 0; l <= nl; l++ {
		for r := 0; r <= nr; r++ {
			n := l + len(syls) + r
			if n < 2 || n > p.maxLen || n < len(best.runes) {
				continue
			}
			key := kb[:0]
			for k := l - 1; k >= 0; k-- {
				key = appendSyl(key, p.py.index(left[k]))
			}
			key = sylKey(key, syls)
			for k := range r {
				key = appendSyl(key, p.py.index(right[k]))
			}
			for _, c := range p.byKey[string(key)] {
				if !anchored(c.runes, left[:l], right[:r]) {
					continue
				}
				if better(c, best) {
					best, from, to = c, leftAt[l], rightAt[r]
				}
			}
		}
	}
	return from, to, best.word
}

// better reports whether c, spelt by the pinyin at hand, wins over best: the longer word, then
// one spelt by its characters' first readings (shima is 是吗, not 什么 by 什 shi 么 ma), then the
// more frequent.
func better(c, best pinyinWord) bool {
	switch {
	case len(c.runes) != len(best.runes):
		return len(c.runes) > len(best.runes)
	case c.other != best.other:
		return !c.other
	}
	return c.freq > best.freq
}

// anchored reports whether word begins with the characters left (nearest first, so reversed)
// and ends with right: the characters the customer typed must be the word's own.
func anchored(word, left, right []rune) bool {
	for k, r := range left {
		if word[len(left)-1-k] != r {
			return false
		}
	}
	for k, r := range right {
		if word[len(word)-len(right)+k] != r {
			return false
		}
	}
	return true
}

// partOfWord reports whether the character of s next to a run of letters (s's last when before,
// its first when after) makes the run part of a longer word: a letter or digit, a mark (a tone
// on the last vowel), or the . _ @ / : - of a domain, an account or a file name.
func partOfWord(s string, before bool) bool {
	var r rune
	if before {
		r, _ = utf8.DecodeLastRuneInString(s)
	} else {
		r, _ = utf8.DecodeRuneInString(s)
	}
	switch {
	case !before && placeholderLen(s) > 0:
		return true // a number's letters (zt<ORDER> from ZT788…): not typed for a word
	case !before && quantityLen(s) > 0:
		return false // a quantity (tk3天, yhq10元): not a model number
	case r < utf8.RuneSelf:
		return isASCIIAlnum(byte(r)) || strings.IndexByte("._@/:-", byte(r)) >= 0
	case pinyinTable().index(r) != 0:
		return false // a Chinese character: the context a word may take in
	}
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r)
}

// hasLower reports whether s has a lower-case ASCII letter.
func hasLower(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'a' && s[i] <= 'z' {
			return true
		}
	}
	return false
}
