package index

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
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
	"github.com/blevesearch/bleve/v2/search/query"

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
	// by rare terms anyway, and bleve's cost grows with the postings it walks (~130 ns each).
	maxQueryTerms = 4
	// tiePad: extra hits Search asks bleve for, to order ties deterministically.
	tiePad = 8
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
	DocID  string
	Intent string
	Text   string
	Score  float64 // bleve's BM25 score; comparable within one query only
}

// Stats describe a built or opened index.
type Stats struct {
	Docs      int           // documents
	Terms     int           // distinct indexed terms
	BuildTime time.Duration // Build: analysis and indexing; Open: opening
}

// Index is the knowledge base in bleve. Search is safe for concurrent use; Close it when done.
type Index struct {
	bi    bleve.Index
	key   string
	docs  []Doc
	pos   map[string]int32  // doc id → position in docs
	df    map[string]uint32 // term → document frequency
	maxDF uint32            // query terms with a larger df are skipped
	stats Stats

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
	if err := ix.loadDF(); err != nil {
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
	if err := ix.loadDF(); err != nil {
		return nil, fmt.Errorf("index: open %s: %w", path, err)
	}
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
		pos:  make(map[string]int32, len(docs)),
	}
	for i, d := range docs {
		if d.ID == "" {
			return nil, fmt.Errorf("doc #%d has no id", i)
		}
		if _, dup := ix.pos[d.ID]; dup {
			return nil, fmt.Errorf("duplicate doc id %q", d.ID)
		}
		ix.pos[d.ID] = int32(i)
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

// loadDF reads every term's document frequency from the index.
func (ix *Index) loadDF() (err error) {
	fd, err := ix.bi.FieldDict(textField)
	if err != nil {
		return fmt.Errorf("term dictionary: %w", err)
	}
	defer func() {
		if cerr := fd.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("term dictionary: %w", cerr)
		}
	}()
	ix.df = make(map[string]uint32)
	for {
		e, err := fd.Next()
		if err != nil {
			return fmt.Errorf("term dictionary: %w", err)
		}
		if e == nil {
			break
		}
		ix.df[e.Term] = uint32(e.Count)
	}
	ix.stats.Terms = len(ix.df)
	ix.maxDF = uint32(maxDFShare * float64(len(ix.docs)))
	if ix.maxDF < minDFCap {
		ix.maxDF = minDFCap
	}
	return nil
}

// Search returns the top k documents for an analysed message, best first, scored by BM25 over
// the analysis' terms (deduplicated; terms the index does not know or that occur in too many
// documents are skipped). An analysis with no usable terms returns no candidates.
func (ix *Index) Search(ctx context.Context, an nlp.Analysis, k int) ([]Candidate, error) {
	k = min(k, len(ix.docs))
	if k <= 0 || len(an.Terms) == 0 {
		return nil, nil
	}
	// Pick the rarest usable terms (insertion into a small sorted buffer; queries are short).
	type termDF struct {
		term string
		df   uint32
	}
	var pick [maxQueryTerms]termDF
	n := 0
	for i, t := range an.Terms {
		df, ok := ix.df[t]
		if !ok || df > ix.maxDF || seenBefore(an.Terms, i) {
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
		pick[j] = termDF{t, df}
	}
	var buf [maxQueryTerms]query.Query
	qs := buf[:0]
	for _, p := range pick[:n] {
		tq := query.NewTermQuery(p.term)
		tq.SetField(textField)
		qs = append(qs, tq)
	}
	if len(qs) == 0 {
		return nil, nil
	}
	var q query.Query = qs[0]
	if len(qs) > 1 {
		q = query.NewDisjunctionQuery(append([]query.Query(nil), qs...))
	}
	// bleve breaks ties between equal scores by its internal document numbers, which follow
	// no fixed order (a batch is a map). Ask for a few more hits and order ties by position
	// in docs, so that results repeat from build to build unless a tie spans the extra hits.
	req := bleve.NewSearchRequestOptions(q, k+tiePad, 0, false)
	res, err := ix.bi.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("index: search: %w", err)
	}
	if n := len(res.Hits); n == k+tiePad && res.Hits[n-1].Score >= kthScore(res.Hits, k) {
		// A tie runs past the extra hits: only a full sort by id is deterministic. Rare, and
		// dearer (bleve must keep every tied hit), so only now.
		req = bleve.NewSearchRequestOptions(q, k, 0, false)
		req.SortBy([]string{"-_score", "_id"})
		if res, err = ix.bi.SearchInContext(ctx, req); err != nil {
			return nil, fmt.Errorf("index: search: %w", err)
		}
	}
	type hit struct {
		pos   int32
		score float64
	}
	var hbuf [32]hit
	hits := hbuf[:0]
	for _, h := range res.Hits {
		p, ok := ix.pos[h.ID]
		if !ok {
			return nil, fmt.Errorf("index: search: hit %q is not a known doc", h.ID)
		}
		hits = append(hits, hit{p, h.Score})
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.pos, b.pos)
	})
	hits = hits[:min(k, len(hits))]
	out := make([]Candidate, len(hits))
	for i, h := range hits {
		d := &ix.docs[h.pos]
		out[i] = Candidate{DocID: d.ID, Intent: d.Intent, Text: d.Text, Score: h.score}
	}
	return out, nil
}

// kthScore returns the k-th best score among hits (bleve returns them best first, ties aside).
func kthScore(hits search.DocumentMatchCollection, k int) float64 {
	scores := make([]float64, len(hits))
	for i, h := range hits {
		scores[i] = h.Score
	}
	slices.Sort(scores)
	return scores[len(scores)-k]
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
		if ix.bi != nil {
			if err := ix.bi.Close(); err != nil {
				ix.closeErr = fmt.Errorf("index: close: %w", err)
			}
		}
		analyzers.Delete(ix.key)
	})
	return ix.closeErr
}
