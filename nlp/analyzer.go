package nlp

import (
	"fmt"
	"sync"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// Config says where an Analyzer's files live.
type Config struct {
	DictDir    string // dictionary directory (userdict, synonyms, dialect, stopwords); "" for none
	SubwordDir string // trained subword model (vocab.json, merges.txt); "" for none
	// BaseLexicon is a lexicon file written by WriteLexicon. When this process has not loaded
	// the base dictionary yet, it is read from there instead of from gse (a tenth of the time).
	BaseLexicon string
	// BaseLexiconSHA256, when set, is the hex sha256 BaseLexicon must have to become the
	// process's base lexicon: a bundle's files are checked while they load, and every later
	// Analyzer of the process would share a lexicon read from a file that failed the check.
	BaseLexiconSHA256 string
}

// Analysis is what the customer said, as every part of zhiyi sees it.
type Analysis struct {
	// Text is the normalised text with personal data masked: safe to log and store. It keeps
	// typed pinyin as typed; the rest of the analysis reads it restored (Rewrites say so).
	Text string
	// Typed is the text as typed, normalised and masked, before typed pinyin, face codes and
	// repeats were rewritten: 快点快点快点 where Text has 快点. A message's tone is read from it.
	Typed string
	// Tokens are the words after phrase and word rewrites, stop words included.
	Tokens []string
	// Terms are Tokens without stop words: what the index and the classifier use.
	Terms []string
	// Rewrites lists every rewrite that fired: first typed pinyin and the rules' variants of
	// letters only (yhq, kd), spelt out as words, then the other synonym, dialect and shorthand
	// rewrites.
	Rewrites []Rewrite
	// Masked records which kinds of personal data were masked.
	Masked MaskSet
	// Features are hashed feature ids (see FeatureKind), in a deterministic order.
	Features []uint32
}

// Analyzer turns raw text into an Analysis. Build one with New; it is read-only afterwards and
// safe for concurrent use.
type Analyzer struct {
	seg     *segmenter
	phrases *phraseMatcher
	words   map[string]*rewriteTarget
	stop    map[string]struct{}
	// mayRewrite and mayStop have a bit set for every key of words and of stop (tokenBit): most
	// tokens are in neither, and a bit test is cheaper than a map lookup.
	mayRewrite, mayStop *tokenBits
	subword             *Subword
	dicts               *Dictionaries
	py                  *pinyinTab
	pinyin              *pinyinWords // the dictionaries' words by their pinyin (typed pinyin)
	// work holds *workspace for analyses without Buffers (Analyze).
	work *sync.Pool
}

// New builds an Analyzer from the files named in cfg. The first call in a process also loads
// gse's embedded dictionary (about a second); later calls share it.
func New(cfg Config) (*Analyzer, error) {
	d, err := LoadDictionaries(cfg.DictDir)
	if err != nil {
		return nil, err
	}
	// The subword model loads while the base lexicon does (when this process has not yet).
	var sub *Subword
	var subErr error
	subDone := make(chan struct{})
	go func() {
		defer close(subDone)
		if cfg.SubwordDir != "" {
			sub, subErr = LoadSubword(cfg.SubwordDir)
		}
	}()
	_, err = baseLexicon(cfg.BaseLexicon, cfg.BaseLexiconSHA256)
	<-subDone
	if err != nil {
		return nil, err
	}
	if subErr != nil {
		return nil, subErr
	}
	return NewWith(d, sub)
}

// NewWith builds an Analyzer from parsed dictionaries and an optional subword model (nil for none).
func NewWith(d *Dictionaries, sub *Subword) (*Analyzer, error) {
	base, err := baseLexicon("", "")
	if err != nil {
		return nil, err
	}
	if d == nil {
		d = &Dictionaries{}
	}
	user := append([]UserWord(nil), d.UserWords...)
	// Canonical terms must come out as one token: add them as words with a high frequency.
	for _, r := range d.Rules {
		user = append(user, UserWord{Word: r.Canonical, Freq: 20 * defaultUserFreq})
	}
	a := &Analyzer{
		seg:     newSegmenter(newOverlay(base, user)),
		words:   map[string]*rewriteTarget{},
		stop:    make(map[string]struct{}, len(d.Stopwords)),
		subword: sub,
		dicts:   d,
		py:      pinyinTable(),
		work:    &sync.Pool{New: func() any { return new(workspace) }},
	}
	for _, w := range d.Stopwords {
		a.stop[w] = struct{}{}
	}
	a.mayRewrite, a.mayStop = new(tokenBits), new(tokenBits)
	var targets, phrases []*rewriteTarget
	var buf []string
	for _, r := range d.Rules {
		for _, v := range r.Variants {
			t := &rewriteTarget{variant: v, canonical: r.Canonical, kind: r.Kind, region: r.Region}
			targets = append(targets, t)
			buf = a.segment(v, scanUnits(v, nil), buf[:0], new(segScratch))
			if len(buf) == 1 && buf[0] == v {
				a.words[v] = t
			} else {
				phrases = append(phrases, t)
			}
		}
	}
	// a rule's own variant (kuaidi, 包you in shorthand.txt) is the rule's to rewrite
	a.pinyin = newPinyinWords(a.py, user, targets)
	a.phrases = newPhraseMatcher(append(phrases, regionalTargets(targets)...))
	for w := range a.words {
		a.mayRewrite.add(w)
	}
	for w := range a.stop {
		a.mayStop.add(w)
	}
	return a, nil
}

// tokenBits is a 64-kbit filter of tokens: a clear bit means the token is not in the set.
type tokenBits [1 << 10]uint64

func (t *tokenBits) add(tok string) {
	b := tokenBit(tok)
	t[b>>6] |= 1 << (b & 63)
}

func (t *tokenBits) mayHave(tok string) bool {
	b := tokenBit(tok)
	return t[b>>6]&(1<<(b&63)) != 0
}

// tokenBit hashes a token's length and three of its bytes to one of 1<<16 bits.
func tokenBit(t string) uint32 {
	n := len(t)
	if n == 0 {
		return 0
	}
	h := uint32(n)*0x9E3779B1 ^ uint32(t[0])<<16 ^ uint32(t[n/2])<<8 ^ uint32(t[n-1])
	return h * 0x85EBCA6B >> 16
}

// Dictionaries returns the dictionaries the Analyzer was built from (read-only).
func (a *Analyzer) Dictionaries() *Dictionaries { return a.dicts }

// HasSubword reports whether the Analyzer produces subword features.
func (a *Analyzer) HasSubword() bool { return a.subword != nil }

// Analyze runs the whole pipeline on one message. It never panics, whatever the bytes.
func (a *Analyzer) Analyze(text string) Analysis { return a.AnalyzeWith(text, nil) }

// Buffers is room for an analysis's tokens, terms and features, and for its working space, to
// reuse across messages (by one goroutine at a time).
type Buffers struct {
	Tokens, Terms []string
	Features      []uint32
	work          *workspace
}

// workspace is what an analysis works in: the text's units (and the rewritten text's), the
// segmenter's and the subword model's scratch. Reused without clearing.
type workspace struct {
	units, rewrittenUnits []textUnit
	seg                   segScratch
	subword               subwordScratch
	scope                 scopeScratch
	edges                 wordEdges
}

// AnalyzeWith is Analyze with the analysis's Tokens, Terms and Features in buf's storage when it
// is big enough (buf may be nil): they are valid until buf is used again. Keep the grown slices
// for the next message with buf.Keep.
func (a *Analyzer) AnalyzeWith(text string, buf *Buffers) Analysis {
	var an Analysis
	// A 公众号's face escape codes (/:strong) are read as the bracketed names the other channels
	// deliver ([强]): before Normalize, for the codes are case-sensitive (emoticon_mp.go).
	an.Text, an.Masked = Mask(normalFold(slashFaces(text)))
	// Typed pinyin that spells a word of the shop's becomes the word (现huo → 现货), and a WeChat
	// face code the emoji it stands for: the message is analysed as if typed in characters and
	// emoji. Analysis.Text keeps what was typed, for the rules, the log and the operator.
	typed := an.Text
	an.Typed = typed
	var rewrites []Rewrite
	an.Text, rewrites = a.pinyin.restore(an.Text, nil)
	an.Text = faceEmoji(an.Text) // [强] is 👍 (emoticon.go)
	restored := an.Text != typed
	if collapsed := CollapseRepeats(an.Text); collapsed != an.Text {
		an.Text, rewrites = collapsed, keepSaid(rewrites, collapsed)
	}

	var b Buffers
	if buf != nil {
		if buf.work == nil {
			buf.work = new(workspace)
		}
		b = *buf
	}
	w := b.work
	if w == nil {
		w = a.work.Get().(*workspace)
		defer a.work.Put(w)
	}
	// Each character is decoded and classified once (scanUnits); the phrase rewrites,
	// segmentation, the n-grams and the subword units all walk the units.
	w.units = scanUnits(an.Text, grow(w.units, len(an.Text)))
	sc := &w.scope
	sc.spans = sc.spans[:0]
	// The phrase rewrites, and the regional function words folded (regional.go): the words
	// read the text as if typed in Mandarin, the character n-grams what was typed.
	w.edges.reset(a, an.Text, w.units, &w.seg)
	rewritten, rewrites := a.phrases.apply(an.Text, w.units, &w.edges, rewrites, &sc.spans)
	segUnits := w.units
	if rewritten != an.Text {
		w.rewrittenUnits = scanUnits(rewritten, grow(w.rewrittenUnits, len(rewritten)))
		segUnits = w.rewrittenUnits
	}
	an.Tokens = a.segment(rewritten, segUnits, grow(b.Tokens, 2+len(rewritten)/4), &w.seg)
	// Word rewrites, and the tokens that the scope rules look at.
	sc.cls = grow(sc.cls, len(an.Tokens))
	sc.tokOff = grow(sc.tokOff, len(an.Tokens))
	markers := false
	off := int32(0)
	for i, tok := range an.Tokens {
		off = tokenOffset(rewritten, tok, off)
		sc.tokOff = append(sc.tokOff, off)
		// the letters of a tracking number (zt<ORDER> from ZT788…), glued to it: not a word
		numberLetters := onlyLower(tok) && placeholderLen(rewritten[int(off)+len(tok):]) > 0
		if !numberLetters && a.mayRewrite.mayHave(tok) && standsAlone(rewritten, int(off), int(off)+len(tok)) {
			if t, ok := a.words[tok]; ok {
				an.Tokens[i] = t.canonical
				rewrites = append(rewrites, t.record())
				tok = t.canonical
			}
		}
		c := markerOf(tok)
		if numberLetters {
			c = markLabel
		}
		markers = markers || c != markNone && c != markLabel && c != markClosing // these matter beside a placeholder
		sc.cls = append(sc.cls, c)
	}
	var tokFlag, unitF []unitFlag
	if markers {
		sc.tokenUnits(w.units)
		sc.tokenFlags(an.Tokens, a.isStop)
		tokFlag, unitF = sc.tokFlag, sc.unitFlags(w.units)
	}
	an.Terms = grow(b.Terms, len(an.Tokens))
	sc.termF = grow(sc.termF, len(an.Tokens))
	for i, tok := range an.Tokens {
		if a.isStop(tok) {
			continue
		}
		var fl unitFlag
		if tokFlag != nil {
			fl = tokFlag[i]
			if fl&flagCourtesy != 0 {
				continue
			}
		}
		an.Terms = append(an.Terms, tok)
		sc.termF = append(sc.termF, fl)
	}
	an.Rewrites = rewrites
	termF := sc.termF
	if tokFlag == nil {
		termF = nil
	}
	an.Features = a.features(&an, w.units, unitF, tokFlag, termF, &w.subword, grow(b.Features, 4*len(an.Text)/3+2*len(an.Terms)+len(rewrites)+8))
	if restored {
		an.Text = CollapseRepeats(typed)
	}
	return an
}

// isStop reports whether tok is a stop word.
func (a *Analyzer) isStop(tok string) bool {
	if !a.mayStop.mayHave(tok) {
		return false
	}
	_, ok := a.stop[tok]
	return ok
}

// Keep takes an's slices back as room for the next analysis.
func (b *Buffers) Keep(an Analysis) {
	b.Tokens, b.Terms, b.Features = an.Tokens[:0], an.Terms[:0], an.Features[:0]
}

// grow returns s emptied, with room for at least n elements (never nil).
func grow[T any](s []T, n int) []T {
	if s == nil || cap(s) < n {
		return make([]T, 0, n)
	}
	return s[:0]
}

// Segment cuts normalised text into tokens (no masking, rewrites or stop words): for tools that
// inspect the segmenter.
func (a *Analyzer) Segment(text string) []string {
	return a.segment(text, scanUnits(text, nil), nil, new(segScratch))
}

// segment cuts text, whose units are us (scanUnits), into tokens: spans go through the
// segmenter; placeholders and emoji are tokens of their own; spaces and punctuation separate.
// sc is scratch space.
func (a *Analyzer) segment(text string, us []textUnit, dst []string, sc *segScratch) []string {
	for i := 0; i < len(us); {
		j := pieceEnd(us, i)
		switch us[i].kind {
		case pieceSpan:
			dst = a.seg.cut(text, us[i:j], unitStart(text, us, j), dst, sc)
		case pieceToken:
			dst = append(dst, text[us[i].start:unitStart(text, us, j)])
		}
		i = j
	}
	return dst
}

// features computes the hashed feature ids of an analysis; us are the units of its text, sc
// room for the subword model. uf (per unit), tokF (per token) and tf (per term) are the scope
// flags (scope.go), nil when no rule fired.
func (a *Analyzer) features(an *Analysis, us []textUnit, uf, tokF, tf []unitFlag, sc *subwordScratch, f []uint32) []uint32 {
	for i, t := range an.Terms {
		var fl unitFlag
		if tf != nil {
			fl = tf[i]
		}
		f = emit(f, FeatureID(FeatWord, t), fl)
		if i > 0 {
			if tf != nil {
				fl |= tf[i-1] & flagNotMeant
			}
			f = emit(f, bigramID(an.Terms[i-1], t), fl)
		}
	}
	var used uint64 // terms a rewrite has been matched to
	for _, r := range an.Rewrites {
		if r.Kind == KindPinyin || r.Kind == KindRegional {
			continue // the text itself was restored or folded: as if typed
		}
		var fl unitFlag
		if tf != nil {
			fl = rewriteFlag(an, tf, tokF, r.To, &used)
		}
		f = emit(f, FeatureID(FeatRewrite, r.To), fl)
	}
	// Character n-grams of the masked text; n-grams never cross spaces or punctuation, and a
	// placeholder counts as one character.
	text := an.Text
	p1, p2 := -1, -1 // starts of the previous two units in the current run
	var f1, f2 unitFlag
	first, lastS, lastE := true, 0, 0
	var lastF unitFlag
	py, pyPrev := a.py, uint16(0) // the pinyin table; the previous unit's syllable (0: none)
	latinEnd := 0                 // the unit after the run of letters read as pinyin last
	var sylBuf [maxLatinPinyin / 2]uint16
	// Subword units come after the character n-grams; the spans they are cut from (maximal runs
	// of span units) are found in the same walk over the text.
	var units [48]string
	var subBuf [32]uint32
	sub, spanStart := subBuf[:0], -1
	for i, u := range us {
		start, end, kind := int(u.start), unitStart(text, us, i+1), u.kind
		var fl unitFlag
		if uf != nil {
			fl = uf[i]
		}
		if kind != pieceSpan && spanStart >= 0 {
			sub = a.subwordFeatures(text, us[spanStart:i], start, uf, spanStart, sub, units[:0], sc)
			spanStart = -1
		}
		if kind == pieceSep {
			p1, p2, pyPrev = -1, -1, 0
			continue
		}
		if kind == pieceSpan && spanStart < 0 {
			spanStart = i
		}
		f = emit(f, FeatureID(FeatChar1, text[start:end]), fl)
		if p1 >= 0 {
			f = emit(f, FeatureID(FeatChar2, text[p1:end]), fl|f1&flagNotMeant)
		}
		if p2 >= 0 {
			f = emit(f, FeatureID(FeatChar3, text[p2:end]), fl|(f1|f2)&flagNotMeant)
		}
		// The pinyin of two consecutive Chinese characters, so that homophones meet (发飘 and
		// 发票 share fa piao), and of pinyin typed in their place (现huo, xiexie: a run of
		// letters that reads as syllables counts as their characters). Single syllables were
		// measured and left out: no gain.
		switch {
		case i < latinEnd: // inside a run of letters read already
		case isLower(u.r):
			latinEnd = i + 1
			for latinEnd < len(us) && isLower(us[latinEnd].r) {
				latinEnd++
			}
			syls := py.split(text[start:unitStart(text, us, latinEnd)], sylBuf[:0])
			f, pyPrev = emitPinyin(f, py, pyPrev, syls, fl|f1&flagNotMeant)
		default:
			sylBuf[0] = py.index(u.r)
			f, pyPrev = emitPinyin(f, py, pyPrev, sylBuf[:1], fl|f1&flagNotMeant)
		}
		if first {
			// How a message starts and ends says a lot (打开…, …怎么走): mark the edges.
			f = emit(f, edgeID(FeatChar2, '^', text[start:end]), fl)
			first = false
		}
		p2, p1 = p1, start
		f2, f1 = f1, fl
		lastS, lastE, lastF = start, end, fl
	}
	if spanStart >= 0 {
		sub = a.subwordFeatures(text, us[spanStart:], len(text), uf, spanStart, sub, units[:0], sc)
	}
	if lastE > 0 {
		f = emit(f, edgeID(FeatChar2, '$', text[lastS:lastE]), lastF)
	}
	return append(f, sub...)
}

// emit appends id to f as the scope flags say: a not-meant feature and a courtesy feature each
// as its own marked variant.
func emit(f []uint32, id uint32, fl unitFlag) []uint32 {
	switch {
	case fl == 0:
		return append(f, id)
	case fl&flagNotMeant != 0:
		return append(f, markID(id))
	}
	return append(f, markID(markID(id)))
}

// subwordFeatures appends to f the feature ids of the subword units of the span made of the
// units us of text, which ends at byte end (none without a subword model); units and sc are
// scratch space. uf are the scope flags of all the text's units (nil for none); us starts at
// unit first.
func (a *Analyzer) subwordFeatures(text string, us []textUnit, end int, uf []unitFlag, first int, f []uint32, units []string, sc *subwordScratch) []uint32 {
	if a.subword == nil || end-int(us[0].start) < 4 { // a span of one CJK character carries no unit
		return f
	}
	k := 0 // the unit a subword unit starts at (they come in order)
	for _, u := range a.subword.unitsOf(text, us, end, units, sc) {
		var fl unitFlag
		if uf != nil {
			off := int32(uintptr(unsafe.Pointer(unsafe.StringData(u))) - uintptr(unsafe.Pointer(unsafe.StringData(text))))
			for k < len(us)-1 && us[k+1].start <= off {
				k++
			}
			fl = uf[first+k]
		}
		f = emit(f, FeatureID(FeatSubword, u), fl)
	}
	return f
}

type pieceKind uint8

const (
	pieceSep   pieceKind = iota // spaces and punctuation
	pieceSpan                   // letters, digits, CJK: text for the segmenter
	pieceToken                  // a placeholder or an emoji: one token as it is
)

// textUnit is one unit of a text: a rune, or a whole placeholder (r is then '<').
type textUnit struct {
	start int32 // byte offset
	r     rune
	kind  pieceKind
}

// scanUnits appends the units of text to dst: every character is decoded and classified once.
func scanUnits(text string, dst []textUnit) []textUnit {
	for i := 0; i < len(text); {
		r, end, kind := nextUnit(text, i)
		dst = append(dst, textUnit{start: int32(i), r: r, kind: kind})
		i = end
	}
	return dst
}

// emitPinyin appends the pinyin pairs of the syllables syls (0: a character without a reading),
// the first paired with prev, and returns the last syllable as the next one's prev (0 after none
// or a character without a reading: a pair never spans one).
func emitPinyin(f []uint32, py *pinyinTab, prev uint16, syls []uint16, fl unitFlag) ([]uint32, uint16) {
	if len(syls) == 0 {
		return f, 0
	}
	for _, syl := range syls {
		if syl != 0 && prev != 0 {
			f = emit(f, py.pairID(prev, syl), fl)
		}
		prev = syl
	}
	return f, prev
}

// isLower reports whether r is a lower-case Latin letter (text is normalised: no upper case).
func isLower(r rune) bool { return r >= 'a' && r <= 'z' }

// unitStart is the byte offset of unit j of text, or len(text) past the last.
func unitStart(text string, us []textUnit, j int) int {
	if j < len(us) {
		return int(us[j].start)
	}
	return len(text)
}

// pieceEnd returns the index after the piece that starts at unit i: a maximal run of span units
// or of separators, or one token.
func pieceEnd(us []textUnit, i int) int {
	j := i + 1
	if k := us[i].kind; k != pieceToken {
		for j < len(us) && us[j].kind == k {
			j++
		}
	}
	return j
}

// nextUnit decodes and classifies the single unit (a rune, a whole placeholder, whose r is '<',
// or a whole WeChat face code, whose r is '[') at byte i, and returns where it ends.
func nextUnit(text string, i int) (r rune, end int, kind pieceKind) {
	c := text[i]
	if c < utf8.RuneSelf {
		switch {
		case isASCIIAlnum(c):
			return rune(c), i + 1, pieceSpan
		case c == '<':
			if n := placeholderLen(text[i:]); n > 0 {
				return '<', i + n, pieceToken
			}
		case c == '[':
			if n := faceCodeLen(text[i:]); n > 0 {
				return '[', i + n, pieceToken // a WeChat face: an emoji (emoticon.go)
			}
		}
		return rune(c), i + 1, pieceSep
	}
	r, size := decodeRune(text, i)
	switch {
	case r >= 0x4E00 && r <= 0x9FFF:
		return r, i + size, pieceSpan
	case r == utf8.RuneError:
		return r, i + size, pieceSep
	case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
		return r, i + size, pieceSpan
	case unicode.Is(unicode.So, r) || r >= 0x1F000:
		return r, i + size, pieceToken
	}
	return r, i + size, pieceSep
}

// String renders an Analysis compactly for debugging.
func (an Analysis) String() string {
	return fmt.Sprintf("text=%q tokens=%q terms=%q rewrites=%v masked=%s features=%d",
		an.Text, an.Tokens, an.Terms, an.Rewrites, an.Masked, len(an.Features))
}
