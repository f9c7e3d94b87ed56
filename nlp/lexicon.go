package nlp

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/go-ego/gse"
	"github.com/go-ego/gse/hmm"
)

// prefixOnly marks a lexicon entry that is only the prefix of longer words.
const prefixOnly = float32(-math.MaxFloat32)

// lexicon maps words (and their prefixes) to log probabilities. It is immutable once built.
// Half a million entries live in it for the life of the process, so it holds no pointers the
// garbage collector would have to scan on every cycle: entries are keyed by a hash of the word,
// and the words themselves (needed only to write the lexicon out) sit back to back in one blob.
type lexicon struct {
	seed       maphash.Seed
	entries    map[uint64]float32 // hash of a word or prefix → log probability, or prefixOnly
	blob       []byte             // the words, sorted, back to back
	ends       []uint32           // end of each word in blob
	logTotal   float64
	unknown    float32 // log probability of an unknown single character
	maxWordLen int     // in bytes
}

func (l *lexicon) lookup(s string) (logp float32, isWord, isPrefix bool) {
	v, ok := l.entries[maphash.String(l.seed, s)]
	if !ok {
		return 0, false, false
	}
	return v, v != prefixOnly, true
}

// word returns the i-th word (sorted order) and its log probability.
func (l *lexicon) word(i int) (string, float32) {
	start := uint32(0)
	if i > 0 {
		start = l.ends[i-1]
	}
	w := string(l.blob[start:l.ends[i]])
	lp, _, _ := l.lookup(w)
	return w, lp
}

// lexiconCache holds the process's base lexicon once it is loaded: gse's embedded
// simplified-Chinese dictionary costs about a second and a lot of memory to load, so every
// Analyzer shares one read-only copy. Its content is the same whichever way it was loaded.
var lexiconCache struct {
	mu  sync.Mutex
	lex *lexicon
}

// baseLexicon returns the process's base lexicon, loading it on first use: from file (a
// lexicon written by WriteLexicon for this gse version) when one is given, else from gse.
func baseLexicon(file string) (*lexicon, error) {
	lexiconCache.mu.Lock()
	defer lexiconCache.mu.Unlock()
	if lexiconCache.lex != nil {
		return lexiconCache.lex, nil
	}
	var lex *lexicon
	if file != "" {
		l, err := readLexicon(file)
		switch {
		case err == nil:
			lex = l
		case errors.Is(err, errLexiconVersion) || errors.Is(err, fs.ErrNotExist):
			// Written by another gse version, or absent: gse's own dictionary is the truth.
		default:
			return nil, err
		}
	}
	if lex == nil {
		var err error
		if lex, err = lexiconFromGse(); err != nil {
			return nil, err
		}
	}
	hmm.LoadModel()
	lexiconCache.lex = lex
	return lex, nil
}

// lexiconFromGse extracts gse's embedded dictionary into a compact map; gse's own Segmenter is
// dropped afterwards.
func lexiconFromGse() (*lexicon, error) {
	seg, err := gse.NewEmbed("zh_s")
	if err != nil {
		return nil, fmt.Errorf("load gse dictionary: %w", err)
	}
	dict := seg.Dictionary()
	words := make(map[string]float32, dict.NumTokens()+dict.NumTokens()/2)
	logTotal := math.Log(dict.TotalFreq())
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
	}
	return newLexicon(words, logTotal), nil
}

// newLexicon builds the compact lexicon from a map of words to log probabilities.
func newLexicon(words map[string]float32, logTotal float64) *lexicon {
	list := make([]string, 0, len(words))
	size := 0
	for w := range words {
		list = append(list, w)
		size += len(w)
	}
	slices.Sort(list)
	l := &lexicon{
		seed:     maphash.MakeSeed(),
		entries:  make(map[uint64]float32, len(list)*2),
		blob:     make([]byte, 0, size),
		ends:     make([]uint32, 0, len(list)),
		logTotal: logTotal,
		unknown:  float32(-logTotal),
	}
	for _, w := range list {
		l.blob = append(l.blob, w...)
		l.ends = append(l.ends, uint32(len(l.blob)))
		l.entries[maphash.String(l.seed, w)] = words[w]
		l.maxWordLen = max(l.maxWordLen, len(w))
	}
	for _, w := range list {
		addPrefixes(func(p string) {
			if _, ok := l.entries[maphash.String(l.seed, p)]; !ok {
				l.entries[maphash.String(l.seed, p)] = prefixOnly
			}
		}, w)
	}
	return l
}

const lexiconMagic = "ZYLX0001"

var errLexiconVersion = errors.New("lexicon written for another gse version")

// LexiconFile is the name under which bundles store the base lexicon.
const LexiconFile = "lexicon.bin"

// WriteLexicon writes the base lexicon (gse's simplified-Chinese dictionary as the segmenter
// uses it) to path, so that a process can later start without gse's slow dictionary load (see
// Config.BaseLexicon). The output is deterministic. Callers that need atomicity write into a
// directory they rename afterwards, as bundles are.
func WriteLexicon(path string) error {
	lex, err := baseLexicon("")
	if err != nil {
		return err
	}
	var b bytes.Buffer
	b.WriteString(lexiconMagic)
	ver := gse.GetVersion() + " zh_s"
	binary.Write(&b, binary.LittleEndian, uint16(len(ver)))
	b.WriteString(ver)
	// The body is deflated at the fastest level (4.8 → 2.3 MB in about 0.2 s); it inflates in
	// a few milliseconds.
	zw, _ := flate.NewWriter(&b, flate.BestSpeed)
	var body bytes.Buffer
	binary.Write(&body, binary.LittleEndian, lex.logTotal)
	n := 0
	for i := range lex.ends {
		if w, _ := lex.word(i); len(w) < 256 {
			n++
		}
	}
	binary.Write(&body, binary.LittleEndian, uint32(n))
	for i := range lex.ends {
		w, lp := lex.word(i)
		if len(w) >= 256 {
			continue
		}
		body.WriteByte(byte(len(w)))
		body.WriteString(w)
		binary.Write(&body, binary.LittleEndian, lp)
	}
	zw.Write(body.Bytes())
	if err := zw.Close(); err != nil {
		return fmt.Errorf("nlp: write lexicon: %w", err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("nlp: write lexicon: %w", err)
	}
	return nil
}

// readLexicon reads what WriteLexicon wrote.
func readLexicon(path string) (*lexicon, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("nlp: lexicon: %w", err)
	}
	bad := func(what string) error { return fmt.Errorf("nlp: lexicon %s: %s", path, what) }
	if !bytes.HasPrefix(data, []byte(lexiconMagic)) {
		return nil, bad("not a zhiyi lexicon (bad magic)")
	}
	p := data[len(lexiconMagic):]
	if len(p) < 2 {
		return nil, bad("truncated")
	}
	n := int(binary.LittleEndian.Uint16(p))
	p = p[2:]
	if len(p) < n {
		return nil, bad("truncated")
	}
	if string(p[:n]) != gse.GetVersion()+" zh_s" {
		return nil, fmt.Errorf("%s: %w", path, errLexiconVersion)
	}
	zr := bytes.NewReader(p[n:]) // a ByteReader: flate reads exactly its stream
	p, err = io.ReadAll(flate.NewReader(zr))
	if err != nil {
		return nil, bad(err.Error())
	}
	if zr.Len() != 0 {
		return nil, bad("trailing data")
	}
	if len(p) < 12 {
		return nil, bad("truncated")
	}
	logTotal := math.Float64frombits(binary.LittleEndian.Uint64(p))
	count := int(binary.LittleEndian.Uint32(p[8:]))
	p = p[12:]
	if count > len(p)/5 {
		return nil, bad("truncated")
	}
	words := make(map[string]float32, count*2)
	for range count {
		if len(p) < 1 || len(p) < 1+int(p[0])+4 {
			return nil, bad("truncated")
		}
		l := int(p[0])
		w := string(p[1 : 1+l])
		words[w] = math.Float32frombits(binary.LittleEndian.Uint32(p[1+l:]))
		p = p[1+l+4:]
	}
	if len(p) != 0 {
		return nil, bad("trailing data")
	}
	return newLexicon(words, logTotal), nil
}

// addPrefixes calls add with every proper prefix of w (on rune boundaries), so a DAG scan can
// stop as soon as no dictionary word continues.
func addPrefixes(add func(prefix string), w string) {
	for i := 0; i < len(w); {
		_, size := utf8.DecodeRuneInString(w[i:])
		i += size
		if i >= len(w) {
			break
		}
		add(w[:i])
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
		addPrefixes(func(p string) {
			if _, ok := o.words[p]; !ok {
				o.words[p] = prefixOnly
			}
		}, w.Word)
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
