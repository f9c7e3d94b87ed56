package index

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/blevesearch/bleve/v2/search"
	bleveindex "github.com/blevesearch/bleve_index_api"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

// termInfo is what the index knows of a term without reading its postings.
type termInfo struct {
	df  uint32 // document frequency
	num uint32 // the term's number (its place in the term dictionary)
}

// termDF is a query term and its document frequency.
type termDF struct {
	term string
	termInfo
}

// termPostings are one term's postings: the documents (positions in docs) and, for each,
// BM25's term-frequency part (k1·tf / (tf + k1·(1 − b + b·len/avgLen)), tf = √freq), which
// depends on the document and the term only.
type termPostings struct {
	pos    []int32
	tfPart []float64
}

// queryTerms picks the rarest usable terms of a message into pick, rarest first, and returns
// how many it picked: known to the index, not in too many documents, each once.
func (ix *Index) queryTerms(terms []string, pick *[maxQueryTerms]termDF) int {
	n := 0
	for i, t := range terms { // insertion into a small sorted buffer; queries are short
		ti, ok := ix.df[t]
		df := ti.df
		if !ok || df > ix.maxDF || seenBefore(terms, i) {
			continue
		}
		j := n
		if n < maxQueryTerms {
			n++
		} else if df >= pick[n-1].df {
			continue
		} else {
			j = n - 1
		}
		for j > 0 && pick[j-1].df > df {
			pick[j] = pick[j-1]
			j--
		}
		pick[j] = termDF{t, ti}
	}
	return n
}

// Search returns the top k documents for an analysed message, best first (ties in document
// order), scored by BM25 over the analysis' rarest terms (see queryTerms). An analysis with no
// usable terms returns no candidates.
//
// Search reads the terms' postings from bleve's index and scores them itself, exactly as a
// bleve search for the same query scores them (TestSearchScoresMatchBleve holds it to that):
// building bleve's query, searchers, collector and per-search pools was three quarters of the
// cost, and bleve orders equal scores by internal document numbers, which follow no fixed order.
func (ix *Index) Search(ctx context.Context, an nlp.Analysis, k int) ([]Candidate, error) {
	k = min(k, len(ix.docs))
	if k <= 0 || len(an.Terms) == 0 {
		return nil, nil
	}
	var pick [maxQueryTerms]termDF
	n := ix.queryTerms(an.Terms, &pick)
	if n == 0 {
		return nil, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("index: search: %w", err)
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.closed || ix.reader == nil {
		return nil, errors.New("index: search: the index is closed")
	}
	// Score as bleve's searchers do for this query (a term query, or a disjunction of term
	// queries), so the scores equal bleve's own (TestSearchScoresMatchBleve): BM25 per term with
	// tf = √freq and the field length from the posting's norm; in a disjunction each term is
	// weighted by idf·queryNorm, and a document's sum by the share of terms it matched.
	var idf, weight [maxQueryTerms]float64
	sumSq := 0.0
	for i, p := range pick[:n] {
		df := float64(p.df)
		idf[i] = math.Log(1 + (float64(ix.docCount)-df+0.5)/(df+0.5))
		sumSq += idf[i] * idf[i]
		weight[i] = 1 // a lone term query keeps bleve's query weight of 1
	}
	if n > 1 {
		norm := 1 / math.Sqrt(sumSq)
		for i := range n {
			weight[i] = idf[i] * norm
		}
	}
	sc := ix.scratch.Get().(*searchScratch)
	defer ix.scratch.Put(sc)
	sc.reset(len(ix.docs))
	for i, p := range pick[:n] {
		tp, err := ix.termPostings(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("index: search: %w", err)
		}
		w := idf[i] * weight[i]
		for j, pos := range tp.pos {
			sc.add(pos, w*tp.tfPart[j])
		}
	}
	hits := sc.top(k, n)
	out := make([]Candidate, len(hits))
	for i, h := range hits {
		d := &ix.docs[h.pos]
		out[i] = Candidate{Pos: int(h.pos), DocID: d.ID, Intent: d.Intent, Text: d.Text, Score: h.score}
	}
	return out, nil
}

// termPostings returns a term's postings, reading them from bleve on first use (the caller
// holds mu for reading). Two searches may both read a term first; they store the same postings.
func (ix *Index) termPostings(ctx context.Context, t termDF) (*termPostings, error) {
	slot := &ix.postings[t.num]
	if tp := slot.Load(); tp != nil {
		return tp, nil
	}
	r, err := ix.reader.TermFieldReader(ctx, []byte(t.term), textField, true, true, false)
	if err != nil {
		return nil, err
	}
	tp, err := ix.readPostings(r, int(t.df))
	if cerr := r.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	slot.Store(tp)
	return tp, nil
}

// readPostings reads one term's postings from r into positions and BM25 term-frequency parts.
func (ix *Index) readPostings(r bleveindex.TermFieldReader, df int) (*termPostings, error) {
	tp := &termPostings{pos: make([]int32, 0, df), tfPart: make([]float64, 0, df)}
	var tfd bleveindex.TermFieldDoc
	for {
		d, err := r.Next(&tfd)
		if err != nil {
			return nil, err
		}
		if d == nil {
			return tp, nil
		}
		num := d.ID.Value()
		if num >= uint64(len(ix.posOf)) || ix.posOf[num] < 0 {
			return nil, fmt.Errorf("posting for unknown document %d", num)
		}
		tf := math.Sqrt(float64(d.Freq))
		fieldLen := 1 / (d.Norm * d.Norm)
		tp.pos = append(tp.pos, ix.posOf[num])
		tp.tfPart = append(tp.tfPart, (tf*search.BM25_k1)/
			(tf+search.BM25_k1*(1-search.BM25_b+(search.BM25_b*fieldLen/ix.avgDocLen))))
	}
}

// searchScratch accumulates one search's scores: dense per document (an index holds thousands
// of documents, so the arrays stay in cache), with the documents touched listed for the reset.
type searchScratch struct {
	score   []float64
	matched []uint8
	touched []int32
	hits    []hit
}

// hit is a document position and its score.
type hit struct {
	pos   int32
	score float64
}

func (sc *searchScratch) reset(docs int) {
	if len(sc.score) != docs {
		sc.score, sc.matched = make([]float64, docs), make([]uint8, docs)
	}
	for _, p := range sc.touched {
		sc.score[p], sc.matched[p] = 0, 0
	}
	sc.touched = sc.touched[:0]
}

func (sc *searchScratch) add(pos int32, s float64) {
	if sc.matched[pos] == 0 {
		sc.touched = append(sc.touched, pos)
	}
	sc.score[pos] += s
	sc.matched[pos]++
}

// top returns the k best hits, best first, ties in document order; a document's sum is weighted
// by the share of the query's terms it matched (bleve's coord) when the query has several.
func (sc *searchScratch) top(k, terms int) []hit {
	better := func(a, b hit) bool { return a.score > b.score || a.score == b.score && a.pos < b.pos }
	top := sc.hits[:0]
	for _, p := range sc.touched {
		h := hit{p, sc.score[p]}
		if len(top) == k && h.score < top[k-1].score {
			continue // the coord factor is at most 1: it cannot rise above the k-th
		}
		if terms > 1 {
			h.score *= float64(sc.matched[p]) / float64(terms)
		}
		if len(top) == k && !better(h, top[k-1]) {
			continue
		}
		if len(top) < k {
			top = append(top, h)
		}
		j := len(top) - 1
		for ; j > 0 && better(h, top[j-1]); j-- {
			top[j] = top[j-1]
		}
		top[j] = h
	}
	sc.hits = top
	return top
}

// seenBefore reports whether terms[i] occurs in terms[:i] (queries are short).
func seenBefore(terms []string, i int) bool {
	for _, t := range terms[:i] {
		if t == terms[i] {
			return true
		}
	}
	return false
}
