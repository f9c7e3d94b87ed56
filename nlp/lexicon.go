package nlp

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
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
	"github.com/zhiyi-ai/zhiyi/internal/hugepage"
)

// prefixOnly marks a lexicon entry that is only the prefix of longer words.
const prefixOnly = float32(-math.MaxFloat32)

// lexicon maps words (and their prefixes) to log probabilities. It is immutable once built.
// Half a million entries live in it for the life of the process, so it holds no pointers the
// garbage collector would have to scan on every cycle: entries are keyed by a hash of the word
// in an open-addressing table (several times faster to fill than a Go map, which is most of a
// process's start-up), and the words themselves (needed only to write the lexicon out) stay
// where the lexicon file's body has them, sorted.
type lexicon struct {
	seed  uint64                  // wordHash's, random per process
	table *hashtab.Table[float32] // hash of a word or prefix → log probability, or prefixOnly
	// present has a bit set for the hash of every key in table (one bit per key, by the hash's
	// top bits). Most segmenter lookups are misses, and this half-megabyte stays in the CPU's
	// cache while the table does not: nine misses in ten end here.
	present []uint64
	// body is a lexicon file's body, decompressed (WriteLexicon): logTotal, the word count, and
	// every word, sorted: a length byte, the word, its log probability. Kept to write it out, it
	// is hashed in place: copying the words out was a tenth of loading the lexicon.
	body       []byte
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

// bodyWord returns the word whose entry starts at offset o of a lexicon body, and its log
// probability.
func bodyWord(body []byte, o uint32) (string, float32) {
	n := uint32(body[o])
	return unsafe.String(&body[o+1], n), math.Float32frombits(binary.LittleEndian.Uint32(body[o+1+n:]))
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
// lexicon written by WriteLexicon for this gse version) when one is given, else from gse. A
// file read must have the hex sha256 sum when sum is set. When the lexicon is loaded already, a
// given file is verified (verifyLexicon) and the loaded one returned.
func baseLexicon(file, sum string) (*lexicon, error) {
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
		l, got, err := readLexiconSum(file)
		<-hmmDone
		hmmLoaded = true
		switch {
		case err == nil && sum != "" && hex.EncodeToString(got[:]) != sum:
			return nil, fmt.Errorf("nlp: lexicon %s does not match its checksum", file)
		case err == nil:
			lex = l
			markVerified(got)
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
	data, free, err := readRegular(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("nlp: lexicon: %w", err)
	}
	defer free()
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

// readRegular reads a regular file (not a FIFO or a device, whose reads may never end). It
// reads lexicon files, megabytes read once: into huge pages (hugepage.Temp) that free releases.
func readRegular(path string) (data []byte, free func(), err error) {
	st, err := os.Stat(path) // before opening: opening a FIFO waits for a writer
	if err != nil {
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("%s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	// One byte more than the size, so that a file grown since Stat is read whole.
	data, free = hugepage.Temp[byte](int(st.Size()) + 1)
	n, err := io.ReadFull(f, data)
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return data[:n], free, nil
	}
	if err == nil {
		var rest []byte
		rest, err = io.ReadAll(f)
		data = append(data, rest...) // on the heap: free still releases the first part
	}
	if err != nil {
		free()
		return nil, nil, err
	}
	return data, free, nil
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

// newLexicon builds the compact lexicon from a map of words to log probabilities. Words of 256
// bytes or more are left out, as a lexicon file has no room for them: the lexicon is the same
// whether it comes from gse or from a file written from it.
func newLexicon(words map[string]float32, logTotal float64) *lexicon {
	list := make([]string, 0, len(words))
	size := 12
	for w := range words {
		if len(w) < 256 {
			list = append(list, w)
			size += 1 + len(w) + 4
		}
	}
	slices.Sort(list)
	body := make([]byte, 12, size)
	binary.LittleEndian.PutUint64(body, math.Float64bits(logTotal))
	binary.LittleEndian.PutUint32(body[8:], uint32(len(list)))
	offs := make([]uint32, 0, len(list))
	for _, w := range list {
		offs = append(offs, uint32(len(body)))
		body = append(body, byte(len(w)))
		body = append(body, w...)
		body = binary.LittleEndian.AppendUint32(body, math.Float32bits(words[w]))
	}
	return new(lexicon).build(body, offs, logTotal)
}

// build makes l the lexicon of a lexicon body whose words are sorted and unique (the caller
// checks), given the offset of each, and returns l.
func (l *lexicon) build(body []byte, offs []uint32, logTotal float64) *lexicon {
	*l = lexicon{seed: rand.Uint64(), body: body, logTotal: logTotal, unknown: float32(-logTotal)}
	// About as many prefixes as words. These two are the biggest arrays a start-up writes
	// after the table itself: huge pages spare a thousand page faults.
	keys, freeKeys := hugepage.Temp[uint64](2 * len(offs))
	defer freeKeys()
	vals, freeVals := hugepage.Temp[float32](2 * len(offs))
	defer freeVals()
	keys, vals = keys[:0], vals[:0]
	for _, o := range offs { // words first: a word that is also a prefix keeps its probability
		w, lp := bodyWord(body, o)
		keys = append(keys, wordHash(l.seed, w))
		vals = append(vals, lp)
		l.maxWordLen = max(l.maxWordLen, len(w))
	}
	// In sorted order every word sharing a prefix with its predecessor shares the same prefixes,
	// so the prefixes longer than that shared part are each added once.
	prev := ""
	for _, o := range offs {
		w, _ := bodyWord(body, o)
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
	lex, err := baseLexicon("", "")
	if err != nil {
		return err
	}
	var b bytes.Buffer
	b.WriteString(lexiconMagic)
	ver := gse.GetVersion() + " zh_s"
	binary.Write(&b, binary.LittleEndian, uint16(len(ver)))
	b.WriteString(ver)
	zw, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	if err != nil {
		return fmt.Errorf("nlp: write lexicon: %w", err)
	}
	// The lexicon keeps its body as a file has it (every way of loading it makes one).
	out := zw.EncodeAll(lex.body, b.Bytes()) // 4.8 → 2.2 MB in about 50 ms
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
	data, free, err := readRegular(path)
	if err != nil {
		return nil, [sha256.Size]byte{}, fmt.Errorf("nlp: lexicon: %w", err)
	}
	defer free() // once the hash below is taken too
	// Hashing megabytes is a few milliseconds of a fresh process's start-up: done beside the
	// parsing, which is the longest thing a start-up waits for.
	sum := make(chan [sha256.Size]byte, 1)
	go func() { sum <- sha256.Sum256(data) }()
	lex, err := parseLexicon(path, data)
	return lex, <-sum, err
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
	l := new(lexicon) // owns the body's memory
	if p, err = inflateLexicon(p[n:], v1, l); err != nil {
		return nil, bad(err.Error())
	}
	if len(p) < 12 {
		return nil, bad("truncated")
	}
	if uint64(len(p)) > math.MaxUint32 { // offsets are uint32
		return nil, bad("too large")
	}
	logTotal := math.Float64frombits(binary.LittleEndian.Uint64(p))
	count := int(binary.LittleEndian.Uint32(p[8:]))
	if count > (len(p)-12)/5 {
		return nil, bad("truncated")
	}
	offs, freeOffs := hugepage.Temp[uint32](count)
	defer freeOffs()
	o, prev := 12, ""
	for i := range offs {
		e := p[o:] // this entry: length, word, log probability
		if len(e) < 1 || len(e) < 1+int(e[0])+4 {
			return nil, bad("truncated")
		}
		w := unsafe.String(unsafe.SliceData(e[1:]), int(e[0]))
		if w == "" || (i > 0 && w <= prev) {
			return nil, bad("words not sorted and unique")
		}
		offs[i], prev = uint32(o), w
		o += 1 + len(w) + 4
	}
	if o != len(p) {
		return nil, bad("trailing data")
	}
	return l.build(p, offs, logTotal), nil
}

// inflateLexicon decompresses a lexicon body: zstd, or deflate for version 1 files. owner, when
// not nil, is the lexicon that keeps the body.
func inflateLexicon(z []byte, v1 bool, owner *lexicon) ([]byte, error) {
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
	// The body is megabytes, kept for the life of the process: decode it into huge pages its
	// lexicon owns, sized by the frame header (within what the compressed size allows, so a
	// damaged header cannot claim gigabytes; zstd does not compress a lexicon twentyfold).
	var dst []byte
	var h zstd.Header
	if h.Decode(z) == nil && h.HasFCS && h.FrameContentSize <= 32*uint64(len(z)) && owner != nil {
		dst = hugepage.Alloc[byte](owner, int(h.FrameContentSize))[:0]
	}
	return zr.DecodeAll(z, dst)
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
