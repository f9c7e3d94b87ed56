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
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	bleveindex "github.com/blevesearch/bleve_index_api"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

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
	// Text is the document's text as given to Build or Open: empty for the documents Open was
	// given without one (the engine's knowledge-base examples, analysed on first use).
	Text  string
	Score float64 // bleve's BM25 score; comparable within one query only
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
// built from (they are not stored in the index; their texts are only handed back in
// Candidates), and a should be the analyzer it was built with (Search uses the caller's
// analysis; a serves any analysis bleve itself does). a may be nil for an index opened while
// the analyzer is still being built: Bind gives it later.
func Open(path string, a *nlp.Analyzer, docs []Doc) (*Index, error) {
	start := time.Now()
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
	if a != nil {
		if err := ix.bind(a); err != nil {
			return nil, fmt.Errorf("index: open %s: %w", path, err)
		}
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

// Bind gives an index opened without its analyzer (Open with nil) the analyzer. Until then
// anything bleve itself analyses yields no terms; Search does not need it.
func (ix *Index) Bind(a *nlp.Analyzer) error {
	if a == nil {
		return errors.New("index: bind: nil analyzer")
	}
	if err := ix.bind(a); err != nil {
		return fmt.Errorf("index: bind: %w", err)
	}
	return nil
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
	return ix.mapDocs()
}

// mapDocs fills posOf. It reads every document's id from bleve (a few bytes of its stored
// fields) rather than looking every id up in its _id field: InternalID sets up a term reader
// per document, most of opening an index of a few thousand documents.
func (ix *Index) mapDocs() error {
	pos := make(map[string]int32, len(ix.docs))
	for i, d := range ix.docs {
		pos[d.ID] = int32(i)
	}
	ix.posOf = make([]int32, len(ix.docs))
	for i := range ix.posOf {
		ix.posOf[i] = -1
	}
	all, err := ix.reader.DocIDReaderAll()
	if err != nil {
		return fmt.Errorf("index reader: %w", err)
	}
	defer all.Close()
	mapped := 0
	for {
		id, err := all.Next()
		if err != nil {
			return fmt.Errorf("index reader: %w", err)
		}
		if id == nil {
			break
		}
		if len(id) != 8 {
			return fmt.Errorf("index reader: internal id %x is not a document number", []byte(id))
		}
		ext, err := ix.reader.ExternalID(id)
		if err != nil {
			return fmt.Errorf("index reader: document %d: %w", id.Value(), err)
		}
		p, ok := pos[ext]
		if !ok {
			return fmt.Errorf("index reader: document %q is not among the documents given", ext)
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
		ix.posOf[n] = p
		mapped++
	}
	if mapped != len(ix.docs) {
		return fmt.Errorf("index reader: %d of the %d documents given are indexed", mapped, len(ix.docs))
	}
	return nil
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
