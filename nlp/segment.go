package nlp

import (
	"strings"
	"sync/atomic"

	"github.com/go-ego/gse/hmm"
)

// segmenter cuts spans (text without spaces or punctuation) into words: the most probable path
// through the dictionary DAG, as gse's Cut(s, true) does, with runs of unknown single characters
// handed to gse's HMM so new words (这单) come out whole. Unlike gse's Segmenter it allocates
// almost nothing per call, never mutates shared state, and lets each Analyzer carry its own words
// on top of one shared base dictionary.
type segmenter struct {
	lex *overlay

	// hmmCache remembers how the HMM cut runs of unknown characters: gse's HMM allocates a
	// dozen times per call, and chat traffic repeats the same runs. Direct-mapped by the run's
	// hash, a later run overwriting an earlier one of the same slot: a lookup is a hash, a load
	// and a string comparison, with no lock (a sync.Map's lookup, hashing and comparing through
	// interfaces, cost 3 % of a batch's CPU).
	hmmCache []atomic.Pointer[hmmRun]
}

// hmmRun is a run of unknown characters and the byte lengths of the HMM's pieces of it.
type hmmRun struct {
	run  string
	lens []uint8
}

// hmmCacheSize is the number of slots of the HMM cache, a power of two.
const hmmCacheSize = 1 << 14

// maxCachedRun is the longest run (in bytes: 21 Chinese characters) the HMM cache keeps. Chat
// repeats short runs; a long one is one message's, and kept it only held memory: messages of
// 2 KB of rare characters, which anyone may send to /intent, filled the slots with 35 MB of
// runs (39 MB of heap) that nothing would look up again.
const maxCachedRun = 64

// segScratch is room for cutting one span (the Analyzer's workspace holds one).
type segScratch struct {
	offs []int // byte offset of each rune, plus the span's end
	best []float32
	next []int32
}

func newSegmenter(lex *overlay) *segmenter {
	return &segmenter{lex: lex, hmmCache: make([]atomic.Pointer[hmmRun], hmmCacheSize)}
}

func isASCIIAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// cut appends the words of a span to dst: the span is the units us of text (scanUnits), and
// ends at byte end. sc is scratch space.
func (sg *segmenter) cut(text string, us []textUnit, end int, dst []string, sc *segScratch) []string {
	if len(us) == 0 {
		return dst
	}

	offs := sc.offs[:0]
	for _, u := range us {
		offs = append(offs, int(u.start))
	}
	n := len(offs)
	offs = append(offs, end)
	sc.offs = offs
	if cap(sc.best) < n+1 {
		sc.best = make([]float32, n+1)
		sc.next = make([]int32, n+1)
	}
	best, next := sc.best[:n+1], sc.next[:n+1]
	best[n] = 0
	lex := sg.lex
	for i := n - 1; i >= 0; i-- {
		start := offs[i]
		var bestScore float32
		bestEnd := i + 1
		if isASCIIAlnum(text[start]) {
			// An ASCII run is one token unless a dictionary word (t恤, 4s店) starts here.
			e := i + 1
			if i == 0 || !isASCIIAlnum(text[offs[i-1]]) {
				for e < n && isASCIIAlnum(text[offs[e]]) {
					e++
				}
			}
			bestEnd = e
			bestScore = lex.base.unknown + best[e]
		} else {
			lp, isWord, _ := lex.lookupChar(us[i].r, text[start:offs[i+1]])
			if !isWord {
				lp = lex.base.unknown
			}
			bestScore = lp + best[i+1]
		}
		for j := i + 2; j <= n && offs[j]-start <= lex.max; j++ {
			lp, isWord, isPrefix := lex.lookup(text[start:offs[j]])
			if !isPrefix {
				break
			}
			if isWord {
				if s := lp + best[j]; s > bestScore || (s == bestScore && j > bestEnd) {
					bestScore, bestEnd = s, j
				}
			}
		}
		best[i] = bestScore
		next[i] = int32(bestEnd)
	}

	bufStart := -1 // first rune of a run of single non-ASCII characters
	for i := 0; i < n; {
		j := int(next[i])
		if j == i+1 && !isASCIIAlnum(text[offs[i]]) {
			if bufStart < 0 {
				bufStart = i
			}
			i = j
			continue
		}
		if bufStart >= 0 {
			dst = sg.flush(text, offs, bufStart, i, dst)
			bufStart = -1
		}
		dst = append(dst, text[offs[i]:offs[j]])
		i = j
	}
	if bufStart >= 0 {
		dst = sg.flush(text, offs, bufStart, n, dst)
	}
	return dst
}

// flush emits runes [from, to) that the DAG left as single characters: one character as is, a
// known word character by character (the DAG preferred that), anything else through the HMM.
func (sg *segmenter) flush(text string, offs []int, from, to int, dst []string) []string {
	if to-from == 1 {
		return append(dst, text[offs[from]:offs[to]])
	}
	buf := text[offs[from]:offs[to]]
	var lens []uint8
	// No message of the shop's chats or the public sets has a run over 13 characters. A longer
	// one is no sentence the HMM could cut into words (2 KB of rare characters): it stays
	// character by character, for gse's Viterbi costs microseconds a character and copies each
	// state's whole path at every one, quadratic in the run's length.
	if _, isWord, _ := sg.lex.lookup(buf); !isWord && to-from <= maxHMMRun {
		lens = sg.hmmCut(buf)
	}
	if lens == nil {
		for k := from; k < to; k++ {
			dst = append(dst, text[offs[k]:offs[k+1]])
		}
		return dst
	}
	for _, n := range lens {
		dst = append(dst, buf[:n])
		buf = buf[n:]
	}
	return dst
}

// maxHMMRun is the longest run of characters the HMM cuts.
const maxHMMRun = 32

// hmmCut returns the byte lengths of the HMM's pieces of buf, or nil when it cannot cut it.
func (sg *segmenter) hmmCut(buf string) []uint8 {
	var slot *atomic.Pointer[hmmRun]
	if len(buf) <= maxCachedRun {
		slot = &sg.hmmCache[wordHash(sg.lex.base.seed, buf)&(hmmCacheSize-1)]
		if e := slot.Load(); e != nil && e.run == buf {
			return e.lens
		}
	}
	var lens []uint8
	pos := 0
	for _, w := range hmm.Cut(buf) {
		// The HMM returns the pieces of buf in order; guard anyway so a surprise never slices
		// out of range.
		if len(w) == 0 || len(w) > 255 || pos+len(w) > len(buf) || buf[pos:pos+len(w)] != w {
			return nil
		}
		lens = append(lens, uint8(len(w)))
		pos += len(w)
	}
	if pos != len(buf) {
		return nil
	}
	if slot != nil {
		// The run is a copy: buf is part of a message, which the cache must not keep alive.
		slot.Store(&hmmRun{run: strings.Clone(buf), lens: lens})
	}
	return lens
}
