package intent

import (
	"context"
	"hash/maphash"
	"math"
	"slices"

	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/nlp"
)

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
	// Ranker holds the ranker's logits when the bundle has one (RankerFile), else nil.
	Ranker []float32
}

// Ranked returns the scores the intents are ordered by when there is a ranker: its logits with
// the same evidence.
func (s Scores) Ranked() Scores { return Scores{Logits: s.Ranker, Evidence: s.Evidence} }

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
	ranker   [64]float32
	evidence [64]Evidence
	rows     [256]int32 // the classifier's rows of the features
}

// score is Score with the scores in buf when it is big enough (nil: allocated).
func (e *Engine) score(ctx context.Context, an nlp.Analysis, buf *scoreBuf) Scores {
	s := e.logits(an, buf)
	if !e.policy.UsesRetrieval() {
		return s
	}
	if g := e.policy.RetrievalGate; g > 0 && e.sure(s) >= g {
		return s
	}
	s.Evidence = e.evidence(ctx, an, len(s.Logits), buf)
	return s
}

// sure is the top probability the retrieval gate compares: the ranker's when it decides, else the
// calibrated classifier's.
func (e *Engine) sure(s Scores) float64 {
	if rp := e.policy.Ranker; rp != nil && s.Ranker != nil {
		return TopProb(s.Ranker, rp.Temperature)
	}
	return TopProb(s.Logits, e.policy.Temperature)
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
	resolved := e.clf.logits(an.Features, s.Logits, rows)
	if e.ranker != nil {
		if k := len(s.Logits); buf != nil && k <= len(buf.ranker) {
			s.Ranker = buf.ranker[:k]
		} else {
			s.Ranker = make([]float32, k)
		}
		if e.rankerShares {
			e.ranker.logitsOfRows(resolved, len(an.Features), s.Ranker)
		} else {
			e.ranker.logits(an.Features, s.Ranker, rows)
		}
	}
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
			x.Example = e.textOf(h.Pos)
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
	t := termSet(nil, e.an.Analyze(e.textOf(h.Pos)).Terms, e.termSeed)
	slot.Store(&t)
	return t
}

// textOf returns the analysed text of the index document at pos, analysing a knowledge-base
// example on first use (docText). Two searches may both analyse it first; they store the same
// text.
func (e *Engine) textOf(pos int) string {
	slot := &e.docText[pos]
	if t := slot.Load(); t != nil {
		return *t
	}
	t := e.an.Analyze(e.docExample[pos]).Text
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
