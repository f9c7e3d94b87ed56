package intent

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/nlp"
)

// Engine answers one message at a time: analyse, retrieve, score, fuse, decide. Build it with
// Load; it is read-only afterwards and safe for concurrent use.
type Engine struct {
	manifest *Manifest
	version  string
	an       *nlp.Analyzer
	clf      *Classifier
	ranker   *Classifier // orders the intents when the bundle has one (RankerFile); nil: clf does
	// rankerShares says the ranker's rows are the classifier's: one lookup of a message's
	// features serves both (the lookups are most of the cost: cache misses).
	rankerShares bool
	policy       Policy
	// priorRatio, when set, rescales each intent's probability for another intent mix than the
	// training one (WithPriors).
	priorRatio []float64
	// mix, when set, records every message decided (unless mixReadOnly) and its estimate
	// replaces priorRatio (WithLiveMix, ReadOnlyMix).
	mix         *Mix
	mixReadOnly bool
	kb          *index.KB
	ix          *index.Index
	// docTerms caches each index document's terms (by position) for the overlap evidence. They
	// are computed on first use: a search touches few documents, and analysing them all would
	// be most of the start-up once the index is opened from the bundle rather than built.
	docTerms []atomic.Pointer[[]uint64]
	docLabel []int32 // each index document's label index (by position), -1 for none
	// docText holds each index document's analysed text (by position). A knowledge-base
	// example's is analysed on first use too when the index is opened rather than built
	// (docExample holds the question as written): analysing a big knowledge base's examples
	// was a tenth of start-up.
	docText    []atomic.Pointer[string]
	docExample []string
	termSeed   maphash.Seed
	labelIdx   map[string]int
	intents    []*index.Intent  // by label index; nil for none or intents missing from the KB
	answers    []*encodedAnswer // by label index: the intent's first answer, encoded; nil without
	loadTime   time.Duration
	// inUse holds a shared lock on the bundle's directory while the engine is open (holdBundle);
	// nil for engines not loaded from a bundle in place.
	inUse *os.File
	// scratch holds *classifyScratch for Classify (shared by WithPolicy's copies).
	scratch *sync.Pool
}

// ExampleDoc is one line of examples.jsonl: a labelled, masked customer message from history.
type ExampleDoc struct {
	Text   string `json:"text"`
	Intent string `json:"intent"`
}

// Load verifies the bundle in dir and builds a ready engine: dictionaries, subword model,
// classifier, policy, knowledge base and the retrieval index.
func Load(ctx context.Context, dir string) (*Engine, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("bundle %s: %w", dir, err)
	}
	m, err := PeekManifest(dir)
	if err != nil {
		return nil, err
	}
	inUse, err := holdBundle(ctx, dir)
	if err != nil {
		return nil, err
	}
	// Hashing every file of the bundle is a tenth of start-up, most of it while the other core
	// would wait: it runs beside the loading instead. The readers refuse malformed files by
	// themselves (sizes are checked before anything is allocated), the lexicon shared by the
	// process must match its checksum before it is kept, and loadParts waits for the check
	// before it uses what it read or opens the index: a damaged bundle fails with the check's
	// error, as when the check came first.
	check := &bundleCheck{done: make(chan struct{})}
	go func() {
		defer close(check.done)
		check.err = m.verify(dir)
	}()
	e, err := loadParts(ctx, dir, m, indexOpen, check)
	if err != nil {
		inUse.Close()
		return nil, err
	}
	e.inUse = inUse
	return e, nil
}

// bundleCheck is the check of a bundle's files against its manifest, running while it loads.
type bundleCheck struct {
	done chan struct{} // closed when err is set
	err  error
}

// wait returns the check's result once it has one; a nil check passes.
func (c *bundleCheck) wait() error {
	if c == nil {
		return nil
	}
	<-c.done
	return c.err
}

// LoadUnverified builds an engine from a bundle directory that has no manifest yet. Training
// uses it to fit the ranker and evaluate before the bundle is sealed. It always builds the
// retrieval index from the bundle's documents (a persisted one may be stale).
func LoadUnverified(ctx context.Context, dir, name string) (*Engine, error) {
	return loadParts(ctx, dir, &Manifest{Name: name, CreatedAt: time.Now()}, indexBuild, nil)
}

// WriteIndex builds the retrieval index of the bundle in dir on disk (IndexDir), so that Load
// opens it in milliseconds instead of analysing and indexing every document. Training calls it
// last, once the documents and the policy are final. Without retrieval it writes nothing.
func WriteIndex(ctx context.Context, dir string) error {
	path := filepath.Join(dir, IndexDir)
	if err := os.RemoveAll(path); err != nil {
		return fmt.Errorf("bundle %s: %w", dir, err)
	}
	e, err := loadParts(ctx, dir, &Manifest{CreatedAt: time.Now()}, indexWrite, nil)
	if err != nil {
		return err
	}
	if err := e.Close(); err != nil {
		return fmt.Errorf("bundle %s: index: %w", dir, err)
	}
	// bleve keeps its files private (0600); a bundle is built by one user and served by another.
	return filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		switch {
		case errors.Is(err, fs.ErrNotExist) && p == path:
			return nil // no retrieval, no index
		case err != nil:
			return err
		case d.IsDir():
			return os.Chmod(p, 0o755)
		}
		return os.Chmod(p, 0o644)
	})
}

// indexMode says where loadParts gets the retrieval index from.
type indexMode int

const (
	indexBuild indexMode = iota // build it in memory
	indexOpen                   // open the bundle's persisted index; build it when there is none
	indexWrite                  // build it on disk in the bundle (WriteIndex)
)

// loadParts builds the engine of the bundle in dir. check, when not nil, is the check of the
// bundle's files against m running meanwhile: a failed check is the error, whatever else failed.
func loadParts(ctx context.Context, dir string, m *Manifest, mode indexMode, check *bundleCheck) (e *Engine, err error) {
	start := time.Now()
	e = &Engine{manifest: m, version: m.Version(), scratch: newScratchPool()}
	cfg := nlp.Config{DictDir: filepath.Join(dir, DictDir), BaseLexicon: filepath.Join(dir, nlp.LexiconFile)}
	if check != nil {
		cfg.BaseLexiconSHA256 = m.Files[nlp.LexiconFile]
	}
	ixPath := filepath.Join(dir, IndexDir)
	_, ixErr := os.Stat(ixPath)
	if _, err := os.Stat(filepath.Join(dir, SubwordDir, nlp.SubwordVocabFile)); err == nil {
		cfg.SubwordDir = filepath.Join(dir, SubwordDir)
	}
	if _, err := os.Stat(cfg.DictDir); errors.Is(err, fs.ErrNotExist) {
		cfg.DictDir = ""
	}
	// Everything that does not need the analyzer is read while it loads its dictionaries (most
	// of start-up): the classifier, the policy, the knowledge base and the history; then the
	// persisted index is opened, which needs the documents' ids but not their analysed texts.
	var hist []ExampleDoc
	var partsErr error
	var opened *index.Index // nil: not opened (none, or unreadable: built below)
	partsDone := make(chan struct{})
	go func() {
		defer close(partsDone)
		if hist, partsErr = e.readParts(dir); partsErr != nil || mode != indexOpen || ixErr != nil {
			return
		}
		docs, _ := e.indexDocs(newLabelIndex(e.clf.Labels()), hist)
		// bleve reads its files as they are, unchecked: only those of a sound bundle.
		if len(docs) > 0 && e.policy.RetrievalK > 0 && check.wait() == nil {
			opened, _ = index.Open(ixPath, nil, docs)
		}
	}()
	defer func() {
		if opened != nil { // not taken into the engine: it failed
			opened.Close()
		}
	}()
	e.an, err = nlp.New(cfg)
	<-partsDone
	if cerr := check.wait(); cerr != nil {
		return nil, cerr
	}
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", dir, err)
	}
	if partsErr != nil {
		return nil, fmt.Errorf("bundle %s: %w", dir, partsErr)
	}
	e.labelIdx = newLabelIndex(e.clf.Labels())
	e.intents = make([]*index.Intent, len(e.clf.Labels()))
	if e.kb != nil {
		for i, l := range e.clf.Labels() {
			it, ok := e.kb.Intent(l)
			if !ok && l != NoneIntent {
				return nil, fmt.Errorf("bundle %s: classifier intent %q is not in the knowledge base", dir, l)
			}
			e.intents[i] = it
		}
		e.answers = make([]*encodedAnswer, len(e.intents))
		for i, it := range e.intents {
			if it != nil && len(it.Answers) > 0 {
				e.answers[i] = newEncodedAnswer(it.Answers[0].ID, it.Answers[0].Text)
			}
		}
	}
	docs, examples := e.indexDocs(e.labelIdx, hist)
	if len(docs) > 0 && e.policy.RetrievalK > 0 {
		e.docTerms = make([]atomic.Pointer[[]uint64], len(docs))
		e.docLabel = make([]int32, len(docs))
		e.docText = make([]atomic.Pointer[string], len(docs))
		e.docExample = examples
		for i, d := range docs {
			e.docLabel[i] = -1
			if j, ok := e.labelIdx[d.Intent]; ok {
				e.docLabel[i] = int32(j)
			}
			switch {
			case examples[i] == "":
				e.docText[i].Store(&docs[i].Text)
			case opened == nil: // the index is built from the texts
				docs[i].Text = e.an.Analyze(examples[i]).Text
				e.docText[i].Store(&docs[i].Text)
			}
		}
		e.termSeed = maphash.MakeSeed()
		switch {
		case mode == indexWrite:
			e.ix, err = index.Build(ctx, e.an, docs, index.Options{Path: ixPath})
		case opened != nil:
			e.ix, opened = opened, nil
			err = e.ix.Bind(e.an)
		default:
			// No persisted index, or one this bleve could not read (derived data): build it.
			e.ix, err = index.Build(ctx, e.an, docs, index.Options{})
		}
		if err != nil {
			if e.ix != nil {
				e.ix.Close()
			}
			return nil, fmt.Errorf("bundle %s: %w", dir, err)
		}
	}
	e.loadTime = time.Since(start)
	return e, nil
}

// newLabelIndex maps each label to its index.
func newLabelIndex(labels []string) map[string]int {
	idx := make(map[string]int, len(labels))
	for i, l := range labels {
		idx[l] = i
	}
	return idx
}

// indexDocs lists the retrieval index's documents in their order, of the intents in labelIdx:
// the knowledge base's example questions, then the history's examples. The examples' texts are
// left to the caller to analyse: it gets them as written, by position ("" for history).
func (e *Engine) indexDocs(labelIdx map[string]int, hist []ExampleDoc) (docs []index.Doc, examples []string) {
	if e.kb != nil {
		for _, it := range e.kb.Intents {
			if _, ok := labelIdx[it.ID]; !ok {
				continue // an intent the classifier never saw cannot be ranked
			}
			for j, ex := range it.Examples {
				docs = append(docs, index.Doc{ID: "kb:" + it.ID + ":" + strconv.Itoa(j), Intent: it.ID})
				examples = append(examples, ex)
			}
		}
	}
	for i, d := range hist {
		if _, ok := labelIdx[d.Intent]; ok {
			docs = append(docs, index.Doc{ID: "h:" + strconv.Itoa(i), Intent: d.Intent, Text: d.Text})
			examples = append(examples, "")
		}
	}
	return docs, examples
}

// readParts reads the parts of a bundle that do not need the analyzer into e (classifier,
// policy, knowledge base when there is one) and returns the history examples.
func (e *Engine) readParts(dir string) ([]ExampleDoc, error) {
	f, err := os.Open(filepath.Join(dir, ClassifierFile))
	if err != nil {
		return nil, err
	}
	e.clf, err = ReadClassifier(f)
	f.Close()
	if err != nil {
		return nil, err
	}
	if e.policy, err = ReadPolicy(filepath.Join(dir, PolicyFile)); err != nil {
		return nil, err
	}
	if e.ranker, err = readRanker(filepath.Join(dir, RankerFile), e.clf); err != nil {
		return nil, err
	}
	e.rankerShares = e.ranker != nil && e.clf.sameRows(e.ranker)
	if _, err := os.Stat(filepath.Join(dir, KBFile)); err == nil {
		if e.kb, err = index.LoadKB(filepath.Join(dir, KBFile)); err != nil {
			return nil, err
		}
	}
	return readExamples(filepath.Join(dir, ExamplesFile))
}

// openOptional opens a bundle file that may be absent: nil and no error when it is.
func openOptional(path string) (*os.File, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return f, err
}

// readRanker reads the bundle's ranker (over the classifier's rows when it was written over
// them), nil when it has none. Its intents must be the classifier's, in the same order.
func readRanker(path string, clf *Classifier) (*Classifier, error) {
	f, err := openOptional(path)
	if f == nil || err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := ReadClassifierOver(f, clf)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", RankerFile, err)
	}
	if !slices.Equal(r.Labels(), clf.Labels()) {
		return nil, fmt.Errorf("%s: its intents are not the classifier's", RankerFile)
	}
	return r, nil
}

// ReadExampleDocs reads a bundle's examples.jsonl or evalset.jsonl (no file: none).
func ReadExampleDocs(path string) ([]ExampleDoc, error) { return readExamples(path) }

// WriteExampleDocs writes docs as JSON lines, atomically (examples.jsonl, evalset.jsonl).
func WriteExampleDocs(path string, docs []ExampleDoc) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for _, d := range docs {
		if err := enc.Encode(d); err != nil {
			return err
		}
	}
	return WriteFileAtomic(path, b.Bytes())
}

func readExamples(path string) ([]ExampleDoc, error) {
	f, err := openOptional(path)
	if f == nil || err != nil {
		return nil, err
	}
	defer f.Close()
	// The bundle's own file: read whatever the length of its lines (training decides how long
	// a message may be, not this reader).
	var out []ExampleDoc
	br := bufio.NewReaderSize(f, 64*1024)
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			var d ExampleDoc
			if err := json.Unmarshal(line, &d); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, n, err)
			}
			out = append(out, d)
		}
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
	}
}

// WithPolicy returns an engine that shares everything with e but decides with p: for
// evaluating a policy variant (e.g. the classifier alone) without loading the bundle again.
// Closing either closes the shared index.
func (e *Engine) WithPolicy(p Policy) *Engine {
	c := *e
	c.policy = p
	c.priorRatio, c.mix = nil, nil // the ratios were to the old policy's priors
	return &c
}

// WithPriors returns an engine that shares everything with e but decides as if the messages
// came in the intent mix shares (intent → share; an intent left out keeps its training share):
// each intent's probabilities, the classifier's and the ranker's, are rescaled by the ratio of
// its new share to its training share (Policy.Priors). The mix comes from the traffic itself
// (EstimatePriors over the model's own probabilities). Nil shares undo it. It replaces a live
// mix (WithLiveMix).
func (e *Engine) WithPriors(shares map[string]float64) (*Engine, error) {
	c := *e
	c.priorRatio, c.mix = nil, nil
	if shares == nil {
		return &c, nil
	}
	trained, err := e.trainedMix()
	if err != nil {
		return nil, err
	}
	c.priorRatio = make([]float64, len(trained))
	for j, l := range e.clf.Labels() {
		c.priorRatio[j] = 1
		if v, given := shares[l]; given {
			if !(v > 0 && v <= 1) {
				return nil, fmt.Errorf("intent %s: share %v out of range", l, v)
			}
			c.priorRatio[j] = v / trained[j]
		}
	}
	return &c, nil
}

// Close releases the retrieval index and the bundle's directory.
func (e *Engine) Close() error {
	if e == nil {
		return nil
	}
	if e.inUse != nil {
		e.inUse.Close() // a copy (WithPolicy …) closed too finds it closed: nothing to report
	}
	if e.ix != nil {
		return e.ix.Close()
	}
	return nil
}

// Version names the model: bundle name and creation time.
func (e *Engine) Version() string { return e.version }

// Manifest returns the bundle's manifest.
func (e *Engine) Manifest() *Manifest { return e.manifest }

// Analyzer returns the engine's text analyzer.
func (e *Engine) Analyzer() *nlp.Analyzer { return e.an }

// Classifier returns the engine's classifier.
func (e *Engine) Classifier() *Classifier { return e.clf }

// Ranker returns the classifier that orders the intents, nil when the bundle has none (the
// classifier orders them).
func (e *Engine) Ranker() *Classifier { return e.ranker }

// Policy returns the calibration, fusion weights and thresholds.
func (e *Engine) Policy() Policy { return e.policy }

// KB returns the knowledge base, or nil when the bundle has none.
func (e *Engine) KB() *index.KB { return e.kb }

// LoadTime is how long Load took.
func (e *Engine) LoadTime() time.Duration { return e.loadTime }

// IndexStats describes the retrieval index (zero without one).
func (e *Engine) IndexStats() index.Stats {
	if e.ix == nil {
		return index.Stats{}
	}
	return e.ix.Stats()
}
