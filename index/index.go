package index

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"
	"github.com/blevesearch/bleve/v2/search"
	bleveindex "github.com/blevesearch/bleve_index_api"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

// AnalyzerName is the name under which the zhiyi analyzer (nlp.Analyzer terms as bleve
// tokens) is registered with bleve, and the analyzer name in every index mapping this package
// writes.
const AnalyzerName = "zhiyi"

const (
	// textField is the one indexed field.
	textField = "text"
	// configKey is the analyzer config entry that names the *nlp.Analyzer in analyzers.
	configKey = "zhiyi_key"
	// maxDFShare: query terms found in more than this share of the documents are skipped…
	maxDFShare = 0.10
	// minDFCap: …but only once that share is above this many documents, so that small
	// indexes (a few hundred examples) keep every term.
	minDFCap = 64
	// maxQueryTerms: only the rarest terms of a message are queried. BM25's top hits are decided
	// by rare terms anyway, and the cost grows with the postings walked.
	maxQueryTerms = 4
)

// analyzers maps a per-index key (the analyzer config's configKey) to its *nlp.Analyzer, for
// the constructor bleve calls when it builds an index mapping's analyzers.
var analyzers sync.Map

func init() {
	if err := registry.RegisterAnalyzer(AnalyzerName, newBleveAnalyzer); err != nil {
		panic(err)
	}
}

// bleveAnalyzer is the bleve side of an nlp.Analyzer: one token per analysed term.
type bleveAnalyzer struct {
	a atomic.Pointer[nlp.Analyzer]
}

// newBleveAnalyzer is the registered constructor. It finds the *nlp.Analyzer by the key in the
// config. A persisted index opened later carries the key of the process that built it; Open
// then binds its own analyzer right after bleve has built the mapping.
func newBleveAnalyzer(config map[string]any, _ *registry.Cache) (analysis.Analyzer, error) {
	key, _ := config[configKey].(string)
	if key == "" {
		return nil, fmt.Errorf("analyzer %q: config has no %q", AnalyzerName, configKey)
	}
	ba := &bleveAnalyzer{}
	if v, ok := analyzers.Load(key); ok {
		ba.a.Store(v.(*nlp.Analyzer))
	}
	return ba, nil
}

// Analyze implements analysis.Analyzer: the terms of nlp's Analysis (stop words removed),
// positions 1, 2, …. Byte offsets are not kept (rewrites change the text; nothing highlights).
// An analyzer not bound to an nlp.Analyzer (an index opened with bleve.Open directly rather
// than with this package's Open) yields no tokens.
func (ba *bleveAnalyzer) Analyze(input []byte) analysis.TokenStream {
	a := ba.a.Load()
	if a == nil {
		return nil
	}
	an := a.Analyze(string(input))
	ts := make(analysis.TokenStream, len(an.Terms))
	toks := make([]analysis.Token, len(an.Terms))
	for i, t := range an.Terms {
		toks[i] = analysis.Token{Term: []byte(t), Position: i + 1, Type: analysis.Ideographic}
		ts[i] = &toks[i]
	}
	return ts
}

// Doc is one document of the index: usually one knowledge-base example question.
type Doc struct {
	ID     string // unique document id
	Intent string // the intent the document belongs to
	Text   string // normalised, masked text (nlp Analysis.Text)
}

// Options configure Build.
type Options struct {
	// Path is the directory for an on-disk index (it must not exist yet); "" builds in memory.
	Path string
}

// Candidate is one search hit.
type Candidate struct {
	Pos    int // the document's position in the docs the index was built from
	DocID  string
	Intent string
	Text   string
	Score  float64 // bleve's BM25 score; comparable within one query only
}

// Stats describe a built or opened index.
type Stats struct {
	Docs      int           // documents
	Terms     int           // distinct indexed terms
	Opened    bool          // opened from disk (Open) rather than built (Build)
	BuildTime time.Duration // Build: analysis and indexing; Open: opening
}

// Index is the knowledge base in bleve. Search is safe for concurrent use; Close it when done.
type Index struct {
	bi    bleve.Index
	key   string
	docs  []Doc
	df    map[string]termInfo // term → document frequency and number
	maxDF uint32              // query terms with a larger df are skipped
	stats Stats

	// Search walks postings itself (see Search); these are the reader it walks them through and
	// the statistics bleve's BM25 scorer would use. Searches hold mu for reading; Close takes it
	// for writing, so the reader is never closed under a search.
	mu        sync.RWMutex
	closed    bool
	scratch   sync.Pool // *searchScratch
	reader    bleveindex.IndexReader
	docCount  uint64
	avgDocLen float64
	posOf     []int32 // bleve's internal document number → position in docs
	// postings caches each term's postings (by term number) the first time a search reads them
	// from bleve, already reduced to what BM25 needs. Setting up bleve's term reader (its term
	// dictionary lookup and postings iterator) was most of a search, and a knowledge base is
	// small: every term's postings together are a few bytes per document and term.
	postings []atomic.Pointer[termPostings]

	closeOnce sync.Once
	closeErr  error
}

// Build indexes docs in one batch, analysing their Text with a. The index is in memory
// (scorch) unless opt.Path is set. Document ids must be unique and non-empty.
func Build(ctx context.Context, a *nlp.Analyzer, docs []Doc, opt Options) (*Index, error) {
	start := time.Now()
	if a == nil {
		return nil, errors.New("index: build: nil analyzer")
	}
	ix, err := newIndex(docs)
	if err != nil {
		return nil, fmt.Errorf("index: build: %w", err)
	}
	analyzers.Store(ix.key, a)
	ok, created := false, false
	defer func() {
		if !ok {
			ix.Close()
			if created && opt.Path != "" { // leave no half-built index behind
				os.RemoveAll(opt.Path)
			}
		}
	}()

	m, err := newMapping(ix.key)
	if err != nil {
		return nil, fmt.Errorf("index: build: mapping: %w", err)
	}
	bi, err := bleve.NewUsing(opt.Path, m, scorch.Name, scorch.Name, nil)
	if err != nil { // bi is then a typed nil: do not keep it
		return nil, fmt.Errorf("index: build: %w", err)
	}
	ix.bi, created = bi, true
	if err := ix.bind(a); err != nil {
		return nil, fmt.Errorf("index: build: %w", err)
	}
	b := ix.bi.NewBatch()
	for i := range docs {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("index: build: %w", err)
			}
		}
		if err := b.Index(docs[i].ID, textDoc{Text: docs[i].Text}); err != nil {
			return nil, fmt.Errorf("index: build: doc %q: %w", docs[i].ID, err)
		}
	}
	if err := ix.bi.Batch(b); err != nil {
		return nil, fmt.Errorf("index: build: batch: %w", err)
	}
	if err := ix.loadStats(); err != nil {
		return nil, fmt.Errorf("index: build: %w", err)
	}
	ix.stats.BuildTime = time.Since(start)
	ok = true
	return ix, nil
}

// Open opens an index that Build wrote to path, read-only. docs must be the documents it was
// built from (they are not stored in the index), and a should be the analyzer it was built with
// (Search uses the caller's analysis; a serves any analysis bleve itself does).
func Open(path string, a *nlp.Analyzer, docs []Doc) (*Index, error) {
	start := time.Now()
	if a == nil {
		return nil, errors.New("index: open: nil analyzer")
	}
	ix, err := newIndex(docs)
	if err != nil {
		return nil, fmt.Errorf("index: open %s: %w", path, err)
	}
	ok := false
	defer func() {
		if !ok {
			ix.Close()
		}
	}()
	bi, err := bleve.OpenUsing(path, map[string]any{"read_only": true})
	if err != nil { // bi is then a typed nil: do not keep it
		return nil, fmt.Errorf("index: open %s: %w", path, err)
	}
	ix.bi = bi
	if err := ix.bind(a); err != nil {
		return nil, fmt.Errorf("index: open %s: %w", path, err)
	}
	n, err := ix.bi.DocCount()
	if err != nil {
		return nil, fmt.Errorf("index: open %s: %w", path, err)
	}
	if n != uint64(len(docs)) {
		return nil, fmt.Errorf("index: open %s: index has %d documents, %d given", path, n, len(docs))
	}
	if err := ix.loadStats(); err != nil {
		return nil, fmt.Errorf("index: open %s: %w", path, err)
	}
	ix.stats.Opened = true
	ix.stats.BuildTime = time.Since(start)
	ok = true
	return ix, nil
}

// textDoc is what bleve indexes for a Doc: its text only.
type textDoc struct {
	Text string `json:"text"`
}

// newIndex checks docs and sets up everything but bleve.
func newIndex(docs []Doc) (*Index, error) {
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, fmt.Errorf("analyzer key: %w", err)
	}
	ix := &Index{
		key:  AnalyzerName + "-" + hex.EncodeToString(rnd[:]),
		docs: slices.Clone(docs),
	}
	seen := make(map[string]bool, len(docs))
	ix.scratch.New = func() any { return &searchScratch{} }
	for i, d := range docs {
		if d.ID == "" {
			return nil, fmt.Errorf("doc #%d has no id", i)
		}
		if seen[d.ID] {
			return nil, fmt.Errorf("duplicate doc id %q", d.ID)
		}
		seen[d.ID] = true
	}
	ix.stats.Docs = len(docs)
	return ix, nil
}

// newMapping indexes one text field with the zhiyi analyzer: no stored fields, term vectors,
// doc values or _all field; nothing dynamic; BM25 scoring.
func newMapping(key string) (*mapping.IndexMappingImpl, error) {
	m := bleve.NewIndexMapping()
	if err := m.AddCustomAnalyzer(AnalyzerName, map[string]any{
		"type":    AnalyzerName,
		configKey: key,
	}); err != nil {
		return nil, err
	}
	f := bleve.NewTextFieldMapping()
	f.Analyzer = AnalyzerName
	f.Store = false
	f.IncludeTermVectors = false
	f.IncludeInAll = false
	f.DocValues = false

	dm := bleve.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt(textField, f)
	m.DefaultMapping = dm
	m.DefaultAnalyzer = AnalyzerName
	m.DefaultField = textField
	m.IndexDynamic = false
	m.StoreDynamic = false
	m.DocValuesDynamic = false
	m.ScoringModel = "bm25"
	return m, nil
}

// bind points the index mapping's zhiyi analyzer at a.
func (ix *Index) bind(a *nlp.Analyzer) error {
	an := ix.bi.Mapping().AnalyzerNamed(AnalyzerName)
	ba, ok := an.(*bleveAnalyzer)
	if !ok || ba == nil {
		return fmt.Errorf("mapping analyzer %q is %T, not the zhiyi analyzer", AnalyzerName, an)
	}
	ba.a.Store(a)
	return nil
}

// loadStats reads every term's document frequency and what Search needs to walk postings:
// a reader kept open for the index's life, BM25's document count and average length, and the
// map from bleve's internal document numbers to positions in docs.
func (ix *Index) loadStats() (err error) {
	fd, err := ix.bi.FieldDict(textField)
	if err != nil {
		return fmt.Errorf("term dictionary: %w", err)
	}
	defer func() {
		if cerr := fd.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("term dictionary: %w", cerr)
		}
	}()
	ix.df = make(map[string]termInfo)
	for {
		e, err := fd.Next()
		if err != nil {
			return fmt.Errorf("term dictionary: %w", err)
		}
		if e == nil {
			break
		}
		ix.df[e.Term] = termInfo{df: uint32(e.Count), num: uint32(len(ix.df))}
	}
	ix.postings = make([]atomic.Pointer[termPostings], len(ix.df))
	ix.stats.Terms = len(ix.df)
	ix.maxDF = uint32(maxDFShare * float64(len(ix.docs)))
	if ix.maxDF < minDFCap {
		ix.maxDF = minDFCap
	}

	adv, err := ix.bi.Advanced()
	if err != nil {
		return fmt.Errorf("index reader: %w", err)
	}
	if ix.reader, err = adv.Reader(); err != nil {
		return fmt.Errorf("index reader: %w", err)
	}
	if ix.docCount, err = ix.reader.DocCount(); err != nil {
		return fmt.Errorf("index reader: %w", err)
	}
	bm, ok := ix.reader.(bleveindex.BM25Reader)
	if !ok {
		return fmt.Errorf("index reader %T has no BM25 statistics", ix.reader)
	}
	card, err := bm.FieldCardinality(textField)
	if err != nil {
		return fmt.Errorf("index reader: %w", err)
	}
	if ix.docCount > 0 {
		ix.avgDocLen = math.Ceil(float64(card) / float64(ix.docCount)) // as bleve's searcher computes it
	}
	ix.posOf = make([]int32, len(ix.docs))
	for i := range ix.posOf {
		ix.posOf[i] = -1
	}
	for i, d := range ix.docs {
		id, err := ix.reader.InternalID(d.ID)
		if err != nil || len(id) != 8 {
			return fmt.Errorf("index reader: document %q: no internal id (%v)", d.ID, err)
		}
		n := id.Value()
		if n >= uint64(len(ix.posOf)) {
			grown := make([]int32, n+1)
			copy(grown, ix.posOf)
			for j := len(ix.posOf); j < len(grown); j++ {
				grown[j] = -1
			}
			ix.posOf = grown
		}
		ix.posOf[n] = int32(i)
	}
	return nil
}

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

// Len returns the number of documents.
func (ix *Index) Len() int { return len(ix.docs) }

// Stats returns build statistics.
func (ix *Index) Stats() Stats { return ix.stats }

// Close releases the index (an on-disk index's files stay). It is safe to call more than once;
// Search fails after Close.
func (ix *Index) Close() error {
	ix.closeOnce.Do(func() {
		ix.mu.Lock()
		defer ix.mu.Unlock()
		ix.closed = true
		if ix.reader != nil {
			if err := ix.reader.Close(); err != nil {
				ix.closeErr = fmt.Errorf("index: close: %w", err)
			}
		}
		if ix.bi != nil {
			if err := ix.bi.Close(); err != nil && ix.closeErr == nil {
				ix.closeErr = fmt.Errorf("index: close: %w", err)
			}
		}
		analyzers.Delete(ix.key)
	})
	return ix.closeErr
}
