package nlp

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/go-ego/gse"
	"github.com/go-ego/gse/hmm"
	"github.com/klauspost/compress/zstd"

	"github.com/zhiyi-ai/zhiyi/internal/hashtab"
)

// prefixOnly marks a lexicon entry that is only the prefix of longer words.
const prefixOnly = float32(-math.MaxFloat32)

// lexicon maps words (and their prefixes) to log probabilities. It is immutable once built.
// Half a million entries live in it for the life of the process, so it holds no pointers the
// garbage collector would have to scan on every cycle: entries are keyed by a hash of the word
// in an open-addressing table (several times faster to fill than a Go map, which is most of a
// process's start-up), and the words themselves (needed only to write the lexicon out)
// sit back to back in one blob, sorted.
type lexicon struct {
	seed  uint64                  // wordHash's, random per process
	table *hashtab.Table[float32] // hash of a word or prefix → log probability, or prefixOnly
	// present has a bit set for the hash of every key in table (one bit per key, by the hash's
	// top bits). Most segmenter lookups are misses, and this half-megabyte stays in the CPU's
	// cache while the table does not: nine misses in ten end here.
	present    []uint64
	blob       []byte   // the words, sorted, back to back
	ends       []uint32 // end of each word in blob
	logTotal   float64
	unknown    float32 // log probability of an unknown single character
	maxWordLen int     // in bytes
}

// presentBits sizes lexicon.present: 2^22 bits for about half a million keys.
const presentBits = 22

// mayHave reports whether h may be a key of the table (false: it is not).
func (l *lexicon) mayHave(h uint64) bool {
	return l.present[h>>(64-presentBits+6)]&(1<<(h>>(64-presentBits)&63)) != 0
}

func (l *lexicon) lookup(s string) (logp float32, isWord, isPrefix bool) {
	h := wordHash(l.seed, s)
	if !l.mayHave(h) {
		return 0, false, false
	}
	v, ok := l.table.Get(h)
	if !ok {
		return 0, false, false
	}
	return v, v != prefixOnly, true
}

// word returns the i-th word (sorted order) and its log probability.
func (l *lexicon) word(i int) (string, float32) {
	w := l.wordAt(i)
	lp, _, _ := l.lookup(w) // the table holds the word's own probability, never prefixOnly
	return w, lp
}

// lexiconCache holds the process's base lexicon once it is loaded: gse's embedded
// simplified-Chinese dictionary costs about a second and a lot of memory to load, so every
// Analyzer shares one read-only copy. Its content is the same whichever way it was loaded.
//
// A bundle's lexicon file is still checked when the cached copy is used, as a fresh start would
// read it: a damaged file must fail every load, not only the first of a process. verified holds
// the sha256 of every lexicon file this process has read or written whole (bundles of one gse
// version hold the same bytes), so that the check costs a hash, not a parse.
var lexiconCache struct {
	mu       sync.Mutex
	lex      *lexicon
	verified map[[sha256.Size]byte]bool
}

// baseLexicon returns the process's base lexicon, loading it on first use: from file (a
// lexicon written by WriteLexicon for this gse version) when one is given, else from gse. When
// the lexicon is loaded already, a given file is verified (verifyLexicon) and the loaded one
// returned.
func baseLexicon(file string) (*lexicon, error) {
	lexiconCache.mu.Lock()
	defer lexiconCache.mu.Unlock()
	if lexiconCache.lex != nil {
		if file != "" {
			if err := verifyLexicon(file); err != nil {
				return nil, err
			}
		}
		return lexiconCache.lex, nil
	}
	var lex *lexicon
	hmmLoaded := false
	if file != "" {
		// gse's HMM model loads while the lexicon is read: each is a good part of start-up.
		// (gse's own dictionary loader loads the model too, so that path stays sequential.)
		hmmDone := make(chan struct{})
		go func() {
			defer close(hmmDone)
			hmm.LoadModel()
		}()
		l, sum, err := readLexiconSum(file)
		<-hmmDone
		hmmLoaded = true
		switch {
		case err == nil:
			lex = l
			markVerified(sum)
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
	if !hmmLoaded {
		hmm.LoadModel()
	}
	lexiconCache.lex = lex
	return lex, nil
}

// verifyLexicon checks the lexicon file at path as baseLexicon would read it on a fresh start:
// a file this process has read or written is known by its hash; any other is parsed. An absent
// file or one written for another gse version is fine (a fresh start uses gse's own dictionary
// then). The caller holds lexiconCache.mu.
func verifyLexicon(path string) error {
	data, err := readRegular(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("nlp: lexicon: %w", err)
	}
	sum := sha256.Sum256(data)
	if lexiconCache.verified[sum] {
		return nil
	}
	if _, err := parseLexicon(path, data); err != nil && !errors.Is(err, errLexiconVersion) {
		return err
	}
	markVerified(sum)
	return nil
}

func markVerified(sum [sha256.Size]byte) {
	if lexiconCache.verified == nil {
		lexiconCache.verified = map[[sha256.Size]byte]bool{}
	}
	lexiconCache.verified[sum] = true
}

// readRegular reads a regular file (not a FIFO or a device, whose reads may never end).
func readRegular(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	return os.ReadFile(path)
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
	blob := make([]byte, 0, size)
	ends := make([]uint32, 0, len(list))
	lps := make([]float32, 0, len(list))
	for _, w := range list {
		blob = append(blob, w...)
		ends = append(ends, uint32(len(blob)))
		lps = append(lps, words[w])
	}
	return newSortedLexicon(blob, ends, lps, logTotal)
}

// newSortedLexicon builds the lexicon from words that are sorted and unique (the caller checks),
// given back to back in blob with their ends and log probabilities.
func newSortedLexicon(blob []byte, ends []uint32, lps []float32, logTotal float64) *lexicon {
	l := &lexicon{seed: rand.Uint64(), blob: blob, ends: ends, logTotal: logTotal, unknown: float32(-logTotal)}
	keys := make([]uint64, 0, 2*len(ends)) // about as many prefixes as words
	vals := make([]float32, 0, 2*len(ends))
	for i := range ends { // words first: a word that is also a prefix keeps its probability
		w := l.wordAt(i)
		keys = append(keys, wordHash(l.seed, w))
		vals = append(vals, lps[i])
		l.maxWordLen = max(l.maxWordLen, len(w))
	}
	// In sorted order every word sharing a prefix with its predecessor shares the same prefixes,
	// so the prefixes longer than that shared part are each added once.
	prev := ""
	for i := range ends {
		w := l.wordAt(i)
		shared := commonPrefix(prev, w)
		addPrefixes(func(p string) {
			if len(p) > shared {
				keys = append(keys, wordHash(l.seed, p))
				vals = append(vals, prefixOnly)
			}
		}, w)
		prev = w
	}
	l.table = hashtab.New[float32](len(keys))
	l.table.PutAllIfAbsent(keys, vals)
	l.present = make([]uint64, 1<<(presentBits-6))
	for _, k := range keys {
		l.present[k>>(64-presentBits+6)] |= 1 << (k >> (64 - presentBits) & 63)
	}
	return l
}

// wordHash hashes a word or prefix for the lexicon's tables. maphash.String is a chain of calls
// per lookup, and the segmenter looks up a dozen strings of six or nine bytes per message: this
// reads them eight or four bytes at a time and mixes with murmur3's finaliser. The seed is random
// per process, so no input can be made to collide on purpose; nothing stores these hashes.
func wordHash(seed uint64, s string) uint64 {
	h := seed ^ uint64(len(s))*0x9E3779B97F4A7C15
	for ; len(s) > 8; s = s[8:] {
		h = mix64(h ^ le64(s))
	}
	var t uint64
	switch n := len(s); {
	case n == 8:
		t = le64(s)
	case n >= 4: // two reads that overlap, or meet, cover every byte
		t = uint64(le32(s)) | uint64(le32(s[n-4:]))<<32
	case n > 0:
		t = uint64(s[0]) | uint64(s[n/2])<<8 | uint64(s[n-1])<<16
	}
	return mix64(h ^ t)
}

// mix64 is murmur3's 64-bit finaliser: every bit of the result depends on every bit of h.
func mix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	return h ^ h>>33
}

func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

func le32(s string) uint32 {
	_ = s[3]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

// commonPrefix returns the length in bytes of the longest common prefix of a and b.
func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// wordAt returns the i-th word without copying it out of the blob.
func (l *lexicon) wordAt(i int) string {
	start := uint32(0)
	if i > 0 {
		start = l.ends[i-1]
	}
	return unsafe.String(&l.blob[start], int(l.ends[i]-start))
}

// Lexicon files: magic, gse version, then the body (logTotal, word count, words with their log
// probabilities, sorted). Version 2 compresses the body with zstd, which inflates five times
// faster than version 1's deflate (10 vs 49 ms, a fifth of a process's start-up) and is
// smaller. Version 1 files are still read.
const (
	lexiconMagic   = "ZYLX0002"
	lexiconMagicV1 = "ZYLX0001"
)

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
	zw, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	if err != nil {
		return fmt.Errorf("nlp: write lexicon: %w", err)
	}
	out := zw.EncodeAll(body.Bytes(), b.Bytes()) // 4.8 → 2.2 MB in about 50 ms
	if err := os.WriteFile(path, out, 0o644); err != nil {
		return fmt.Errorf("nlp: write lexicon: %w", err)
	}
	lexiconCache.mu.Lock()
	markVerified(sha256.Sum256(out))
	lexiconCache.mu.Unlock()
	return nil
}

// readLexicon reads what WriteLexicon wrote.
func readLexicon(path string) (*lexicon, error) {
	lex, _, err := readLexiconSum(path)
	return lex, err
}

// readLexiconSum is readLexicon that also returns the file's sha256.
func readLexiconSum(path string) (*lexicon, [sha256.Size]byte, error) {
	data, err := readRegular(path)
	if err != nil {
		return nil, [sha256.Size]byte{}, fmt.Errorf("nlp: lexicon: %w", err)
	}
	lex, err := parseLexicon(path, data)
	return lex, sha256.Sum256(data), err
}

// parseLexicon parses the contents of the lexicon file at path.
func parseLexicon(path string, data []byte) (*lexicon, error) {
	var err error
	bad := func(what string) error { return fmt.Errorf("nlp: lexicon %s: %s", path, what) }
	v1 := bytes.HasPrefix(data, []byte(lexiconMagicV1))
	if !v1 && !bytes.HasPrefix(data, []byte(lexiconMagic)) {
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
	if p, err = inflateLexicon(p[n:], v1); err != nil {
		return nil, bad(err.Error())
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
	blob := make([]byte, 0, len(p)-5*count)
	ends := make([]uint32, 0, count)
	lps := make([]float32, 0, count)
	prev := ""
	for range count {
		if len(p) < 1 || len(p) < 1+int(p[0])+4 {
			return nil, bad("truncated")
		}
		l := int(p[0])
		w := p[1 : 1+l]
		if l == 0 || (len(ends) > 0 && string(w) <= prev) {
			return nil, bad("words not sorted and unique")
		}
		blob = append(blob, w...)
		ends = append(ends, uint32(len(blob)))
		lps = append(lps, math.Float32frombits(binary.LittleEndian.Uint32(p[1+l:])))
		prev = unsafe.String(&blob[len(blob)-l], l)
		p = p[1+l+4:]
	}
	if len(p) != 0 {
		return nil, bad("trailing data")
	}
	return newSortedLexicon(blob, ends, lps, logTotal), nil
}

// inflateLexicon decompresses a lexicon body: zstd, or deflate for version 1 files.
func inflateLexicon(z []byte, v1 bool) ([]byte, error) {
	if v1 {
		zr := bytes.NewReader(z) // a ByteReader: flate reads exactly its stream
		p, err := io.ReadAll(flate.NewReader(zr))
		if err == nil && zr.Len() != 0 {
			err = errors.New("trailing data")
		}
		return p, err
	}
	zr, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	return zr.DecodeAll(z, nil)
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
// It hashes with the base lexicon's seed, so a lookup hashes the span once for both tables.
type overlay struct {
	base  *lexicon
	words *hashtab.Table[float32] // hash → log probability, or prefixOnly
	// mayOwn has a bit set for the top 16 bits of every hash in words: a clear bit answers most
	// lookups without probing the table (a shop has a few thousand words and prefixes; 8 KB
	// stay in the CPU's first-level cache).
	mayOwn [1 << 10]uint64
	max    int
	// cjk answers lookups of single CJK unified ideographs (a third of all lookups) from a
	// 160 KB array that stays in cache, rather than by hashing into the tables.
	cjk []charEntry
}

// The CJK Unified Ideographs block, which nearly every Chinese character is in.
const cjkFirst, cjkLast = 0x4E00, 0x9FFF

type charEntry struct {
	logp             float32
	isWord, isPrefix bool
}

func newOverlay(base *lexicon, user []UserWord) *overlay {
	words := make(map[string]float32, 2*len(user))
	o := &overlay{base: base, max: base.maxWordLen}
	for _, w := range user {
		lp := float32(math.Log(w.Freq) - base.logTotal)
		if old, ok := words[w.Word]; ok && old != prefixOnly && old >= lp {
			continue
		}
		words[w.Word] = lp
		o.max = max(o.max, len(w.Word))
		addPrefixes(func(p string) {
			if _, ok := words[p]; !ok {
				words[p] = prefixOnly
			}
		}, w.Word)
	}
	// At most 3/8 full: every span the segmenter tries looks here first, and most miss.
	o.words = hashtab.New[float32](2 * len(words))
	for w, lp := range words {
		h := wordHash(base.seed, w)
		o.words.PutIfAbsent(h, lp)
		o.mayOwn[h>>54] |= 1 << (h >> 48 & 63)
	}
	o.cjk = make([]charEntry, cjkLast-cjkFirst+1)
	var buf [utf8.UTFMax]byte
	for r := rune(cjkFirst); r <= cjkLast; r++ {
		n := utf8.EncodeRune(buf[:], r)
		lp, isWord, isPrefix := o.lookup(string(buf[:n]))
		o.cjk[r-cjkFirst] = charEntry{lp, isWord, isPrefix}
	}
	return o
}

// lookupChar is lookup for s, exactly the one character r.
func (o *overlay) lookupChar(r rune, s string) (logp float32, isWord, isPrefix bool) {
	if r >= cjkFirst && r <= cjkLast {
		e := &o.cjk[r-cjkFirst]
		return e.logp, e.isWord, e.isPrefix
	}
	return o.lookup(s)
}

// lookup consults the shop's words first, then the base dictionary.
func (o *overlay) lookup(s string) (logp float32, isWord, isPrefix bool) {
	h := wordHash(o.base.seed, s)
	var v float32
	ok := false
	if o.mayOwn[h>>54]&(1<<(h>>48&63)) != 0 {
		v, ok = o.words.Get(h)
	}
	if ok && v != prefixOnly {
		return v, true, true
	}
	if !o.base.mayHave(h) {
		return 0, false, ok
	}
	lp, found := o.base.table.Get(h)
	if !found {
		return 0, false, ok
	}
	return lp, lp != prefixOnly, true
}
