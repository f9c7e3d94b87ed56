package nlp

import (
	"bytes"
	"container/heap"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/sugarme/tokenizer/model/bpe"

	"github.com/zhiyi-ai/zhiyi/internal/atomicfile"
	"github.com/zhiyi-ai/zhiyi/internal/hashtab"
)

// SubwordFiles are the two files a trained subword model is saved as, inside one directory.
//
// They use the GPT-2 / Hugging Face BPE layout that github.com/sugarme/tokenizer reads:
// vocab.json is a JSON object {"token": id} and merges.txt is a "#version" header line
// followed by one merge a line, "left right", in merge (rank) order.
const (
	// SubwordVocabFile is the vocabulary file name: a JSON object mapping each token to its id.
	SubwordVocabFile = "vocab.json"
	// SubwordMergesFile is the merges file name: a "#version" line, then "left right" pairs by rank.
	SubwordMergesFile = "merges.txt"
)

// subwordMergesHeader is the first line written to merges.txt.
const subwordMergesHeader = "#version: 0.2"

// subwordMaxRunes is the longest run of known runes Units merges at once; longer spans are
// processed in consecutive windows of this many runes, so merging never allocates and its cost
// stays linear in the span length.
const subwordMaxRunes = 128

// subwordNoMerge is the rank value of a pair that has no merge.
const subwordNoMerge = math.MaxUint64

// TrainSubword trains a BPE model on texts (each already normalised; spans are separated by spaces and
// punctuation: a Chinese sentence without spaces is one span) and writes vocab.json and merges.txt into dir
// (which exists). vocabSize is the target vocabulary size (e.g. 8000; at most 65,535); minFreq the minimum pair frequency (e.g. 3).
// Deterministic for the same input (byte-identical files). It prints nothing.
//
// Texts are cut into spans the way the Analyzer cuts them: maximal runs of letters, digits and
// marks (CJK included); everything else (spaces, punctuation, symbols, emoji, invalid UTF-8 and
// <PLACEHOLDER>s left by masking) separates spans. Each distinct span is a "word" weighted by its
// count and starts as a sequence of characters; every character seen is in the vocabulary. Merges
// are learned by the standard BPE rule: repeatedly merge the most frequent adjacent pair (ties go
// to the pair of lower token ids) until the vocabulary has vocabSize tokens or the best pair occurs
// fewer than minFreq times. A minFreq below 1 counts as 1.
//
// The training loop is implemented here rather than by sugarme/tokenizer's BpeTrainer, which
// breaks ties between equally frequent pairs in Go map order (so its output differs from run to
// run), drops most pairs once there are 10000 or more distinct words, and prints to stdout. The
// files written are in the library's format and are loaded with the library's merge parser.
//
// Each file is written to a temporary file in dir, synced and renamed into place
// (atomicfile.WriteFile).
func TrainSubword(texts []string, vocabSize, minFreq int, dir string) error {
	if vocabSize < 1 {
		return fmt.Errorf("nlp: train subword: vocabulary size %d is not positive", vocabSize)
	}
	minFreq = max(minFreq, 1)
	if st, err := os.Stat(dir); err != nil {
		return fmt.Errorf("nlp: train subword: %w", err)
	} else if !st.IsDir() {
		return fmt.Errorf("nlp: train subword: %s is not a directory", dir)
	}

	counts := make(map[string]int)
	for _, text := range texts {
		// The same spans the Analyzer gives Units at run time.
		us := scanUnits(text, nil)
		for i := 0; i < len(us); {
			j := pieceEnd(us, i)
			if us[i].kind == pieceSpan {
				counts[text[us[i].start:unitStart(text, us, j)]]++
			}
			i = j
		}
	}
	if len(counts) == 0 {
		return fmt.Errorf("nlp: train subword: the %d texts contain no letters or digits", len(texts))
	}

	tokens, merges := subwordTrain(counts, min(vocabSize, subwordMaxTokens-1), minFreq)
	if len(tokens) >= subwordMaxTokens {
		return fmt.Errorf("nlp: train subword: the texts hold %d distinct characters; at most %d are supported", len(tokens), subwordMaxTokens-1)
	}

	var vocab bytes.Buffer
	vocab.WriteString("{\n")
	for id, tok := range tokens {
		key, err := json.Marshal(tok)
		if err != nil {
			return fmt.Errorf("nlp: train subword: encode token %q: %w", tok, err)
		}
		if id > 0 {
			vocab.WriteString(",\n")
		}
		fmt.Fprintf(&vocab, "  %s: %d", key, id)
	}
	vocab.WriteString("\n}\n")

	var mergesText bytes.Buffer
	mergesText.WriteString(subwordMergesHeader + "\n")
	for _, m := range merges {
		mergesText.WriteString(tokens[m[0]])
		mergesText.WriteByte(' ')
		mergesText.WriteString(tokens[m[1]])
		mergesText.WriteByte('\n')
	}

	for _, f := range []struct {
		name string
		data []byte
	}{{SubwordVocabFile, vocab.Bytes()}, {SubwordMergesFile, mergesText.Bytes()}} {
		if err := atomicfile.WriteFile(filepath.Join(dir, f.name), f.data, 0o644); err != nil {
			return fmt.Errorf("nlp: train subword: %w", err)
		}
	}
	return nil
}

// subwordPairKey packs a pair of token ids into a map key.
func subwordPairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// subwordTrainWord is one distinct span during training: its current symbols and its count.
type subwordTrainWord struct {
	syms  []int32
	count int64
}

// subwordHeapItem is a candidate merge: a pair and its count when it was pushed.
type subwordHeapItem struct {
	count int64
	pair  uint64
}

// subwordHeap orders candidate merges by count (highest first), then by pair key (lowest first),
// a total order, so training does not depend on map iteration order.
type subwordHeap []subwordHeapItem

func (h subwordHeap) Len() int { return len(h) }
func (h subwordHeap) Less(i, j int) bool {
	if h[i].count != h[j].count {
		return h[i].count > h[j].count
	}
	return h[i].pair < h[j].pair
}
func (h subwordHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *subwordHeap) Push(x any)   { *h = append(*h, x.(subwordHeapItem)) }
func (h *subwordHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// subwordTrain learns BPE merges over the span counts. It returns the tokens by id (characters
// first, in code point order, then merged tokens in the order they were created) and the merges
// in rank order as pairs of token ids.
func subwordTrain(counts map[string]int, vocabSize, minFreq int) (tokens []string, merges [][2]int32) {
	spans := make([]string, 0, len(counts))
	alphabet := make(map[rune]struct{})
	for span := range counts {
		spans = append(spans, span)
		for _, r := range span {
			alphabet[r] = struct{}{}
		}
	}
	slices.Sort(spans)
	chars := make([]rune, 0, len(alphabet))
	for r := range alphabet {
		chars = append(chars, r)
	}
	slices.Sort(chars)

	ids := make(map[string]int32, len(chars))
	charID := make(map[rune]int32, len(chars))
	for _, r := range chars {
		charID[r] = int32(len(tokens))
		ids[string(r)] = int32(len(tokens))
		tokens = append(tokens, string(r))
	}

	words := make([]subwordTrainWord, len(spans))
	pairCounts := make(map[uint64]int64)
	where := make(map[uint64][]int32) // words that may contain the pair (ascending, may be stale)
	for wi, span := range spans {
		w := &words[wi]
		w.count = int64(counts[span])
		w.syms = make([]int32, 0, utf8.RuneCountInString(span))
		for _, r := range span {
			w.syms = append(w.syms, charID[r])
		}
		for j := 0; j+1 < len(w.syms); j++ {
			k := subwordPairKey(w.syms[j], w.syms[j+1])
			pairCounts[k] += w.count
			if ws := where[k]; len(ws) == 0 || ws[len(ws)-1] != int32(wi) {
				where[k] = append(ws, int32(wi))
			}
		}
	}

	h := make(subwordHeap, 0, len(pairCounts))
	for k, c := range pairCounts {
		h = append(h, subwordHeapItem{count: c, pair: k})
	}
	heap.Init(&h)

	merged := make(map[uint64]int32) // pairs already merged, and the token they make
	var touched []uint64
	for len(tokens) < vocabSize && h.Len() > 0 {
		top := heap.Pop(&h).(subwordHeapItem)
		cur := pairCounts[top.pair]
		if top.count != cur {
			if cur > 0 {
				heap.Push(&h, subwordHeapItem{count: cur, pair: top.pair})
			}
			continue
		}
		if cur < int64(minFreq) {
			break
		}
		a, b := int32(top.pair>>32), int32(uint32(top.pair))
		newID, ok := merged[top.pair]
		if !ok {
			tok := tokens[a] + tokens[b]
			if newID, ok = ids[tok]; !ok {
				newID = int32(len(tokens))
				ids[tok] = newID
				tokens = append(tokens, tok)
			}
			merged[top.pair] = newID
			merges = append(merges, [2]int32{a, b})
		}

		positions := where[top.pair]
		delete(where, top.pair)
		slices.Sort(positions)
		positions = slices.Compact(positions)
		touched = touched[:0]
		for _, wi := range positions {
			w := &words[wi]
			w.syms = subwordMergeWord(w.syms, a, b, newID, func(k uint64, delta int64) {
				pairCounts[k] += delta * w.count
				if delta > 0 {
					if ws := where[k]; len(ws) == 0 || ws[len(ws)-1] != wi {
						where[k] = append(ws, wi)
					}
					touched = append(touched, k)
				}
			})
		}
		delete(pairCounts, top.pair)
		slices.Sort(touched)
		for _, k := range slices.Compact(touched) {
			if c := pairCounts[k]; c > 0 {
				heap.Push(&h, subwordHeapItem{count: c, pair: k})
			}
		}
	}
	return tokens, merges
}

// subwordMergeWord replaces every non-overlapping occurrence of the pair (a, b) in syms, left to
// right, by id, in place, and reports each change to the counts of adjacent pairs.
func subwordMergeWord(syms []int32, a, b, id int32, change func(pair uint64, delta int64)) []int32 {
	w := 0
	for r := 0; r < len(syms); {
		if r+1 < len(syms) && syms[r] == a && syms[r+1] == b {
			if w > 0 {
				change(subwordPairKey(syms[w-1], a), -1)
				change(subwordPairKey(syms[w-1], id), 1)
			}
			if r+2 < len(syms) {
				change(subwordPairKey(b, syms[r+2]), -1)
				change(subwordPairKey(id, syms[r+2]), 1)
			}
			syms[w] = id
			w++
			r += 2
			continue
		}
		syms[w] = syms[r]
		w++
		r++
	}
	return syms[:w]
}

// Subword applies a trained BPE model. Safe for concurrent use; read-only after LoadSubword.
//
// Units applies the library's merges with a compact, allocation-free implementation of the
// standard BPE rule (repeatedly merge the adjacent pair of lowest rank, leftmost first).
type Subword struct {
	chars  *hashtab.Map32 // rune → id of its single-character token
	merges *hashtab.Map32 // subwordMergeKey(a, b) → rank<<16 | id of the merged token
}

// subwordMaxTokens bounds the vocabulary (token ids and merge ranks fit 16 bits): a pair of
// ids is one 32-bit key, and a merge's rank and token one 32-bit value, so both tables have
// 8-byte slots; they are looked up for every character of every message, mostly missing the
// caches in a server. Trained vocabularies are a few thousand to 24k tokens.
const subwordMaxTokens = 1 << 16

func subwordMergeKey(a, b int32) uint32 { return uint32(a)<<16 | uint32(b) }

// newSubwordMap builds a sparse Map32 holding m: most of these lookups miss.
func newSubwordMap(m map[uint32]uint32) *hashtab.Map32 {
	t := hashtab.NewSparseMap32(len(m))
	for k, v := range m {
		t.Put(k, v)
	}
	return t
}

// LoadSubword loads vocab.json and merges.txt from dir; a missing or corrupt file is a clear error naming it.
//
// Every merge must name two tokens of the vocabulary whose concatenation is also in it. Merges
// are ranked by line order with sugarme/tokenizer's merge parser (bpe.CreateMerges).
func LoadSubword(dir string) (*Subword, error) {
	vocabPath := filepath.Join(dir, SubwordVocabFile)
	data, err := os.ReadFile(vocabPath)
	if err != nil {
		return nil, fmt.Errorf("nlp: load subword model: %s: %w", SubwordVocabFile, err)
	}
	var vocab map[string]int
	if err := json.Unmarshal(data, &vocab); err != nil {
		return nil, fmt.Errorf("nlp: load subword model: %s is corrupt: %w", vocabPath, err)
	}
	if vocab == nil {
		return nil, fmt.Errorf("nlp: load subword model: %s is corrupt: not a JSON object", vocabPath)
	}
	seen := make(map[int]string, len(vocab))
	for tok, id := range vocab {
		switch {
		case tok == "" || !utf8.ValidString(tok) || strings.ContainsAny(tok, " \n"):
			return nil, fmt.Errorf("nlp: load subword model: %s is corrupt: invalid token %q", vocabPath, tok)
		case id < 0 || id >= subwordMaxTokens:
			return nil, fmt.Errorf("nlp: load subword model: %s: token %q has id %d; ids must be below %d", vocabPath, tok, id, subwordMaxTokens)
		}
		if other, dup := seen[id]; dup {
			return nil, fmt.Errorf("nlp: load subword model: %s is corrupt: tokens %q and %q share id %d", vocabPath, min(tok, other), max(tok, other), id)
		}
		seen[id] = tok
	}

	mergesPath := filepath.Join(dir, SubwordMergesFile)
	data, err = os.ReadFile(mergesPath)
	if err != nil {
		return nil, fmt.Errorf("nlp: load subword model: %s: %w", SubwordMergesFile, err)
	}
	text := strings.TrimSuffix(string(data), "\n")
	var lines []string
	if text != "" {
		lines = strings.Split(text, "\n")
	}
	first := 0
	if len(lines) > 0 && strings.HasPrefix(lines[0], "#version") {
		first = 1
	}
	for i, line := range lines[first:] {
		left, right, ok := strings.Cut(line, " ")
		if !ok || left == "" || right == "" || strings.Contains(right, " ") {
			return nil, fmt.Errorf("nlp: load subword model: %s is corrupt: line %d: want \"left right\", got %q", mergesPath, first+i+1, line)
		}
		for _, tok := range [...]string{left, right, left + right} {
			if _, ok := vocab[tok]; !ok {
				return nil, fmt.Errorf("nlp: load subword model: %s is corrupt: line %d: token %q is not in %s", mergesPath, first+i+1, tok, SubwordVocabFile)
			}
		}
	}
	lines = lines[first:]
	if len(lines) >= subwordMaxTokens {
		return nil, fmt.Errorf("nlp: load subword model: %s: %d merges; at most %d are supported", mergesPath, len(lines), subwordMaxTokens-1)
	}

	libMerges, err := bpe.CreateMerges(vocab, lines)
	if err != nil {
		return nil, fmt.Errorf("nlp: load subword model: %s: %w", mergesPath, err)
	}

	chars := make(map[uint32]uint32)
	for tok, id := range vocab {
		if r, size := utf8.DecodeRuneInString(tok); size == len(tok) && r != utf8.RuneError {
			chars[uint32(r)] = uint32(id)
		}
	}
	merges := make(map[uint32]uint32, len(*libMerges))
	for p, v := range *libMerges {
		merges[subwordMergeKey(int32(p.C1), int32(p.C2))] = uint32(v.Rank)<<16 | uint32(v.NewId)
	}
	return &Subword{chars: newSubwordMap(chars), merges: newSubwordMap(merges)}, nil
}

// subwordSym is one symbol while a span is merged: the token id and its bytes in the text.
type subwordSym struct {
	start, end int32
	id         int32
	merged     bool // made by a merge, so two or more characters long
}

// subwordScratch is room for merging one window of a span. It is reused without clearing:
// every slot is written before it is read (zeroing 4 KB was a tenth of the subword units' cost).
type subwordScratch struct {
	syms  [subwordMaxRunes]subwordSym
	ranks [subwordMaxRunes]uint64
}

// Units appends the subword units of one span (a run of text without spaces/punctuation, e.g. "运费险怎么买" or
// "iphone15") to dst and returns it. Units of length one rune are skipped (characters are covered elsewhere).
// It never panics (a panic is recovered and dst returned unchanged) and, for spans up to 128
// characters, never allocates beyond what appending to dst needs.
//
// Characters the model has never seen (including spaces, punctuation and invalid UTF-8) split the
// span: no unit crosses them. The units are substrings of span, in order. A span longer than 128
// known characters is merged in windows of 128 characters.
func (s *Subword) Units(span string, dst []string) (out []string) {
	if s == nil || s.chars == nil || s.merges == nil {
		return dst
	}
	defer func() {
		if recover() != nil {
			out = dst
		}
	}()
	return s.units(span, dst)
}

// units is Units without the panic guard.
func (s *Subword) units(span string, dst []string) []string {
	var buf [subwordMaxRunes]textUnit
	us := buf[:0]
	for i, r := range span {
		us = append(us, textUnit{start: int32(i), r: r})
	}
	var sc subwordScratch
	return s.unitsOf(span, us, len(span), dst, &sc)
}

// unitsOf is Units without the panic guard, for the span made of the units us of text (one
// rune each; the Analyzer's scanUnits), which ends at byte end; sc is scratch space.
func (s *Subword) unitsOf(text string, us []textUnit, end int, dst []string, sc *subwordScratch) []string {
	syms, ranks := &sc.syms, &sc.ranks
	n := 0
	for k, u := range us {
		v, ok := s.chars.Get(uint32(u.r))
		if !ok || u.r == utf8.RuneError {
			dst = s.mergeRun(text, syms[:n], ranks[:], dst)
			n = 0
			continue
		}
		if n == len(syms) {
			dst = s.mergeRun(text, syms[:n], ranks[:], dst)
			n = 0
		}
		syms[n] = subwordSym{start: u.start, end: int32(unitStart(text[:end], us, k+1)), id: int32(v)}
		n++
	}
	return s.mergeRun(text, syms[:n], ranks[:], dst)
}

// rank returns rank<<32 | merged id for the pair (a, b), or subwordNoMerge.
func (s *Subword) rank(a, b int32) uint64 {
	if v, ok := s.merges.Get(subwordMergeKey(a, b)); ok {
		return uint64(v>>16)<<32 | uint64(v&0xFFFF)
	}
	return subwordNoMerge
}

// mergeRun applies the merges to a run of known characters and appends the multi-character
// units to dst. ranks is scratch space at least len(syms) long.
func (s *Subword) mergeRun(span string, syms []subwordSym, ranks []uint64, dst []string) []string {
	n := len(syms)
	if n < 2 {
		return dst
	}
	ranks = ranks[:n]
	for i := 0; i+1 < n; i++ {
		ranks[i] = s.rank(syms[i].id, syms[i+1].id)
	}
	for n > 1 {
		best, bi := uint64(subwordNoMerge), -1
		for i, r := range ranks[:n-1] {
			if r < best {
				best, bi = r, i
			}
		}
		if bi < 0 {
			break
		}
		syms[bi].id = int32(uint32(best))
		syms[bi].end = syms[bi+1].end
		syms[bi].merged = true
		// Shift the rest down by one: a run is a few symbols, where a loop beats copy's call.
		for i := bi + 1; i < n-1; i++ {
			syms[i] = syms[i+1]
			ranks[i] = ranks[i+1]
		}
		n--
		if bi > 0 {
			ranks[bi-1] = s.rank(syms[bi-1].id, syms[bi].id)
		}
		if bi < n-1 {
			ranks[bi] = s.rank(syms[bi].id, syms[bi+1].id)
		}
	}
	for _, sym := range syms[:n] {
		if sym.merged {
			dst = append(dst, span[sym.start:sym.end])
		}
	}
	return dst
}
