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
	"math"
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
	policy   Policy
	kb       *index.KB
	ix       *index.Index
	// docTerms caches each index document's terms (by position) for the overlap evidence. They
	// are computed on first use: a search touches few documents, and analysing them all would
	// be most of the start-up once the index is opened from the bundle rather than built.
	docTerms []atomic.Pointer[[]uint64]
	docLabel []int32 // each index document's label index (by position), -1 for none
	termSeed maphash.Seed
	labelIdx map[string]int
	intents  []*index.Intent  // by label index; nil for none or intents missing from the KB
	answers  []*encodedAnswer // by label index: the intent's first answer, encoded; nil without
	loadTime time.Duration
	// scratch holds *classifyScratch for Classify (shared by WithPolicy's copies).
	scratch *sync.Pool
}

// classifyScratch is one Classify's working memory, reused across messages: the analysis's
// buffers, the scores (with the classifier's row list) and the probabilities. Zeroing the
// scores for every message cost more than the softmax over them.
type classifyScratch struct {
	an    nlp.Buffers
	score scoreBuf
	probs [64]float64
}

func newScratchPool() *sync.Pool {
	return &sync.Pool{New: func() any { return new(classifyScratch) }}
}

// ExampleDoc is one line of examples.jsonl: a labelled, masked customer message from history.
type ExampleDoc struct {
	Text   string `json:"text"`
	Intent string `json:"intent"`
}

// Load verifies the bundle in dir and builds a ready engine: dictionaries, subword model,
// classifier, policy, knowledge base and the retrieval index.
func Load(ctx context.Context, dir string) (*Engine, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	return loadParts(ctx, dir, m, indexOpen)
}

// LoadUnverified builds an engine from a bundle directory that has no manifest yet. Training
// uses it to fit the ranker and evaluate before the bundle is sealed. It always builds the
// retrieval index from the bundle's documents (a persisted one may be stale).
func LoadUnverified(ctx context.Context, dir, name string) (*Engine, error) {
	return loadParts(ctx, dir, &Manifest{Name: name, CreatedAt: time.Now()}, indexBuild)
}

// WriteIndex builds the retrieval index of the bundle in dir on disk (IndexDir), so that Load
// opens it in milliseconds instead of analysing and indexing every document. Training calls it
// last, once the documents and the policy are final. Without retrieval it writes nothing.
func WriteIndex(ctx context.Context, dir string) error {
	path := filepath.Join(dir, IndexDir)
	if err := os.RemoveAll(path); err != nil {
		return fmt.Errorf("bundle %s: %w", dir, err)
	}
	e, err := loadParts(ctx, dir, &Manifest{CreatedAt: time.Now()}, indexWrite)
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

func loadParts(ctx context.Context, dir string, m *Manifest, mode indexMode) (*Engine, error) {
	start := time.Now()
	e := &Engine{manifest: m, version: m.Version(), scratch: newScratchPool()}
	cfg := nlp.Config{DictDir: filepath.Join(dir, DictDir), BaseLexicon: filepath.Join(dir, nlp.LexiconFile)}
	if _, err := os.Stat(filepath.Join(dir, SubwordDir, nlp.SubwordVocabFile)); err == nil {
		cfg.SubwordDir = filepath.Join(dir, SubwordDir)
	}
	if _, err := os.Stat(cfg.DictDir); errors.Is(err, fs.ErrNotExist) {
		cfg.DictDir = ""
	}
	// Everything that does not need the analyzer is read while it loads its dictionaries (most
	// of start-up): the classifier, the policy, the knowledge base and the history.
	var hist []ExampleDoc
	var partsErr error
	partsDone := make(chan struct{})
	go func() {
		defer close(partsDone)
		hist, partsErr = e.readParts(dir)
	}()
	var err error
	e.an, err = nlp.New(cfg)
	<-partsDone
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", dir, err)
	}
	if partsErr != nil {
		return nil, fmt.Errorf("bundle %s: %w", dir, partsErr)
	}
	e.labelIdx = make(map[string]int, len(e.clf.Labels()))
	for i, l := range e.clf.Labels() {
		e.labelIdx[l] = i
	}
	e.intents = make([]*index.Intent, len(e.clf.Labels()))
	var docs []index.Doc
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
		for _, it := range e.kb.Intents {
			if _, ok := e.labelIdx[it.ID]; !ok {
				continue // an intent the classifier never saw cannot be ranked
			}
			for j, ex := range it.Examples {
				an := e.an.Analyze(ex)
				docs = append(docs, index.Doc{ID: "kb:" + it.ID + ":" + strconv.Itoa(j), Intent: it.ID, Text: an.Text})
			}
		}
	}
	for i, d := range hist {
		if _, ok := e.labelIdx[d.Intent]; ok {
			docs = append(docs, index.Doc{ID: "h:" + strconv.Itoa(i), Intent: d.Intent, Text: d.Text})
		}
	}
	if len(docs) > 0 && e.policy.RetrievalK > 0 {
		e.docTerms = make([]atomic.Pointer[[]uint64], len(docs))
		e.docLabel = make([]int32, len(docs))
		for i, d := range docs {
			e.docLabel[i] = -1
			if j, ok := e.labelIdx[d.Intent]; ok {
				e.docLabel[i] = int32(j)
			}
		}
		e.termSeed = maphash.MakeSeed()
		path := filepath.Join(dir, IndexDir)
		switch _, statErr := os.Stat(path); {
		case mode == indexWrite:
			e.ix, err = index.Build(ctx, e.an, docs, index.Options{Path: path})
		case mode == indexOpen && statErr == nil:
			// A persisted index is derived data: should this bleve not read it, build it.
			if e.ix, err = index.Open(path, e.an, docs); err != nil {
				e.ix, err = index.Build(ctx, e.an, docs, index.Options{})
			}
		default:
			e.ix, err = index.Build(ctx, e.an, docs, index.Options{})
		}
		if err != nil {
			return nil, fmt.Errorf("bundle %s: %w", dir, err)
		}
	}
	e.loadTime = time.Since(start)
	return e, nil
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
	if _, err := os.Stat(filepath.Join(dir, KBFile)); err == nil {
		if e.kb, err = index.LoadKB(filepath.Join(dir, KBFile)); err != nil {
			return nil, err
		}
	}
	return readExamples(filepath.Join(dir, ExamplesFile))
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
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
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

// termSet returns the hashes of terms, sorted and without repeats, in dst's storage: the
// overlap evidence compares sets of terms, and integers compare faster than strings.
func termSet(dst []uint64, terms []string, seed maphash.Seed) []uint64 {
	dst = dst[:0]
	for _, t := range terms {
		dst = append(dst, maphash.String(seed, t))
	}
	slices.Sort(dst)
	return slices.Compact(dst)
}

// WithPolicy returns an engine that shares everything with e but decides with p: for
// evaluating a policy variant (e.g. the classifier alone) without loading the bundle again.
// Closing either closes the shared index.
func (e *Engine) WithPolicy(p Policy) *Engine {
	c := *e
	c.policy = p
	return &c
}

// Close releases the retrieval index.
func (e *Engine) Close() error {
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

// Evidence is what retrieval says about one intent.
type Evidence struct {
	BM25    float64 // best score of a hit with this intent
	Agree   float64 // share of the top-K hits with this intent
	Overlap float64 // share of the query's terms found in the best hit
	Example string  // text of the best hit
}

// Scores holds everything the ranker fuses, per label.
type Scores struct {
	Logits   []float32
	Evidence []Evidence
}

// Score scores an analysis as Classify does: with the classifier and, when retrieval can change
// the decision, with retrieval evidence. Retrieval runs only when the policy's fusion weighs it
// and the classifier is unsure (below the retrieval gate): it costs most of a message's time,
// and with fusion off it would only decorate the candidates.
func (e *Engine) Score(ctx context.Context, an nlp.Analysis) Scores {
	return e.score(ctx, an, nil)
}

// scoreBuf is room for one message's scores (classifyScratch).
type scoreBuf struct {
	logits   [64]float32
	evidence [64]Evidence
	rows     [256]int32 // the classifier's rows of the features
}

// score is Score with the scores in buf when it is big enough (nil: allocated).
func (e *Engine) score(ctx context.Context, an nlp.Analysis, buf *scoreBuf) Scores {
	s := e.logits(an, buf)
	if e.policy.Fusion.IsZero() {
		return s
	}
	if g := e.policy.RetrievalGate; g > 0 && TopProb(s.Logits, e.policy.Temperature) >= g {
		return s
	}
	s.Evidence = e.evidence(ctx, an, len(s.Logits), buf)
	return s
}

// ScoreAll scores an analysis with the classifier and always with retrieval evidence (when
// the bundle has an index): training fits the fusion weights and the gate from it.
func (e *Engine) ScoreAll(ctx context.Context, an nlp.Analysis) Scores {
	s := e.logits(an, nil)
	s.Evidence = e.evidence(ctx, an, len(s.Logits), nil)
	return s
}

// logits returns Scores with the classifier's logits, in buf when it is big enough.
func (e *Engine) logits(an nlp.Analysis, buf *scoreBuf) Scores {
	var s Scores
	if k := len(e.clf.Labels()); buf != nil && k <= len(buf.logits) {
		s.Logits = buf.logits[:k]
	} else {
		s.Logits = make([]float32, k)
	}
	var rows []int32
	if buf != nil {
		rows = buf.rows[:]
	}
	e.clf.logits(an.Features, s.Logits, rows)
	return s
}

// evidence retrieves the policy's K nearest examples and returns what they say about each of
// k labels (in buf when it is big enough), or nil without retrieval or hits.
func (e *Engine) evidence(ctx context.Context, an nlp.Analysis, k int, buf *scoreBuf) []Evidence {
	if e.ix == nil || e.policy.RetrievalK == 0 {
		return nil
	}
	hits, err := e.ix.Search(ctx, an, e.policy.RetrievalK)
	if err != nil || len(hits) == 0 {
		return nil
	}
	var ev []Evidence
	if buf != nil && k <= len(buf.evidence) {
		ev = buf.evidence[:k]
		clear(ev)
	} else {
		ev = make([]Evidence, k)
	}
	var qbuf [32]uint64
	query := termSet(qbuf[:0], an.Terms, e.termSeed)
	for _, h := range hits {
		j := e.docLabel[h.Pos]
		if j < 0 {
			continue
		}
		x := &ev[j]
		x.Agree += 1 / float64(len(hits))
		if h.Score > x.BM25 {
			x.BM25 = h.Score
			x.Example = h.Text
			x.Overlap = overlap(query, e.termsOf(h))
		}
	}
	return ev
}

// termsOf returns the term set (termSet) of a hit's document, analysing it on first use. Two
// searches may both analyse a document first; they store the same set.
func (e *Engine) termsOf(h index.Candidate) []uint64 {
	slot := &e.docTerms[h.Pos]
	if t := slot.Load(); t != nil {
		return *t
	}
	t := termSet(nil, e.an.Analyze(h.Text).Terms, e.termSeed)
	slot.Store(&t)
	return t
}

// TopProb is the classifier's calibrated probability of its top label.
func TopProb(logits []float32, temperature float64) float64 {
	if len(logits) == 0 {
		return 0
	}
	if temperature <= 0 {
		temperature = 1
	}
	inv, fm := 1/temperature, float64(maxLogit(logits))
	var buf [64]float64
	sum := 0.0
	for len(logits) > 0 {
		n := min(len(logits), len(buf))
		for j, l := range logits[:n] {
			buf[j] = (float64(l) - fm) * inv
		}
		sum += expAll(buf[:n])
		logits = logits[n:]
	}
	return 1 / sum
}

// overlap is the share of the query's terms found in the document's (both term sets).
func overlap(query, doc []uint64) float64 {
	if len(query) == 0 {
		return 0
	}
	n := 0
	for i, j := 0, 0; i < len(query) && j < len(doc); {
		switch {
		case query[i] < doc[j]:
			i++
		case query[i] > doc[j]:
			j++
		default:
			n++
			i++
			j++
		}
	}
	return float64(n) / float64(len(query))
}

// Fuse turns scores into one probability per label with the fusion weights f and temperature
// t (classifier-only when f is zero), in out's storage when it has room.
func Fuse(s Scores, f Fusion, t float64, out []float64) []float64 {
	out, inv := fuseExps(s, f, t, out)
	for j := range out {
		out[j] *= inv
	}
	return out
}

// fuseExps is Fuse without the last step: the probabilities are out[j]·inv. Classify needs
// only the top few, and their order is the exps' order.
func fuseExps(s Scores, f Fusion, t float64, out []float64) ([]float64, float64) {
	wc := f.Classifier
	if wc == 0 {
		wc = 1
	}
	if t <= 0 {
		t = 1
	}
	scale := wc / t
	evidence := s.Evidence != nil && !f.IsZero()
	half := f.BM25Half
	if half <= 0 {
		half = 1
	}
	n := len(s.Logits)
	if cap(out) < n {
		out = make([]float64, n)
	}
	out = out[:n]
	m := math.Inf(-1)
	if evidence {
		ev := s.Evidence[:n]
		for j, l := range s.Logits {
			e := &ev[j]
			z := scale*float64(l) + (f.BM25*e.BM25/(e.BM25+half) + f.Agree*e.Agree + f.Overlap*e.Overlap)
			out[j] = z
			if z > m { // not the max builtin: see maxLogit
				m = z
			}
		}
	} else {
		for j, l := range s.Logits {
			z := scale * float64(l)
			out[j] = z
			if z > m {
				m = z
			}
		}
	}
	for j := range out {
		out[j] -= m
	}
	return out, 1 / expAll(out)
}

// numCandidates is how many ranked intents a result lists.
const numCandidates = 3

// Classify decides one message. It never fails: a message that cannot be understood is handed
// off. ctx bounds retrieval.
func (e *Engine) Classify(ctx context.Context, req Request) Result {
	start := time.Now()
	sc := e.scratch.Get().(*classifyScratch)
	an := e.an.AnalyzeWith(req.Text, &sc.an)
	res := e.decide(ctx, req, an, sc, start)
	sc.an.Keep(an)
	e.scratch.Put(sc)
	return res
}

// ClassifyAnalyzed is Classify for an analysis of req.Text the caller already made with
// Analyzer() (to read its text and terms first, as operator rules do): the message is not
// analysed twice. The result keeps no reference to an's slices.
func (e *Engine) ClassifyAnalyzed(ctx context.Context, req Request, an nlp.Analysis) Result {
	start := time.Now()
	sc := e.scratch.Get().(*classifyScratch)
	res := e.decide(ctx, req, an, sc, start)
	e.scratch.Put(sc)
	return res
}

// decide scores an analysis and decides: Classify's work after the analysis.
func (e *Engine) decide(ctx context.Context, req Request, an nlp.Analysis, sc *classifyScratch, start time.Time) Result {
	if e.policy.Context.Features && req.ActiveIntent != "" {
		an.Features = append(an.Features, ContextFeature(req.ActiveIntent))
	}
	s := e.score(ctx, an, &sc.score)
	exps, inv := fuseExps(s, e.policy.Fusion, e.policy.Temperature, sc.probs[:0])
	if w := e.policy.Context.WeightOf(req.ActiveIntent); w > 0 && req.ActiveIntent != "" {
		if j, ok := e.labelIdx[req.ActiveIntent]; ok {
			// the active intent's logit + w: its exp times e^w, renormalised
			old := exps[j]
			exps[j] *= math.Exp(w)
			inv = 1 / (1/inv - old + exps[j])
		}
	}
	var orderBuf [numCandidates]int
	order := topK(exps, numCandidates, orderBuf[:0])
	var probs [numCandidates]float64 // of order's labels: Fuse's values, bit for bit
	for i, j := range order {
		probs[i] = exps[j] * inv
	}
	labels := e.clf.Labels()
	best := order[0]
	// The answer and the candidates outlive the call: one allocation holds both.
	out := new(struct {
		answer     Answer
		candidates [numCandidates]Candidate
	})
	res := Result{
		MsgID:      req.MsgID,
		Intent:     labels[best],
		Confidence: round4(probs[0]), // rounded for display; decisions use the exact value
		Rewrites:   an.Rewrites,
		Masked:     an.Masked.Kinds(),
		Model:      e.version,
		Candidates: out.candidates[:0],
	}
	if res.Rewrites == nil {
		res.Rewrites = []nlp.Rewrite{}
	}
	handoff := false
	if it := e.intents[best]; it != nil {
		res.Label, res.Category, handoff = it.Label, it.Category, it.Handoff
		if len(it.Answers) > 0 {
			a := it.Answers[0]
			out.answer = Answer{ID: a.ID, Text: a.Text, encoded: e.answers[best]}
			res.Answer = &out.answer
		}
	}
	if len(an.Terms) == 0 && an.Masked == 0 {
		// Nothing to go on (punctuation, a lone emoji): a person reads it.
		res.Route, res.Reason = RouteHandoff, "no words to understand"
	} else {
		res.Route, res.Reason = e.policy.Decide(res.Intent, probs[0], handoff)
	}
	for i, j := range order {
		c := Candidate{Intent: labels[j], Confidence: round4(probs[i])}
		if it := e.intents[j]; it != nil {
			c.Label = it.Label
		}
		if s.Evidence != nil {
			c.Retrieval = round4(s.Evidence[j].BM25)
			c.Example = s.Evidence[j].Example
		}
		res.Candidates = append(res.Candidates, c)
	}
	if req.Debug {
		// the analysis's slices go back to the pool: the result gets copies
		res.Debug = &Debug{Text: an.Text, Tokens: slices.Clone(an.Tokens), Terms: slices.Clone(an.Terms),
			Masked: an.Masked.Kinds(), Features: slices.Clone(an.Features)}
	}
	res.TookMicros = time.Since(start).Microseconds()
	return res
}

// topK returns, in out's storage, the indices of the k largest values, largest first (ties:
// lower index first), found in one pass.
func topK(v []float64, k int, out []int) []int {
	k = min(k, len(v))
	out = out[:0]
	if k <= 0 {
		return out
	}
	insert := func(j int) { // into out, sorted, after the values it does not beat
		i := len(out) - 1
		for ; i > 0 && v[j] > v[out[i-1]]; i-- {
			out[i] = out[i-1]
		}
		out[i] = j
	}
	for j := range k {
		out = append(out, j)
		insert(j)
	}
	kth := v[out[k-1]]
	for j := k; j < len(v); j++ {
		if v[j] <= kth {
			continue
		}
		insert(j)
		kth = v[out[k-1]]
	}
	return out
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
