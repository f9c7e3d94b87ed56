package intent

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/zhiyi-ai/zhiyi/internal/hashtab"
)

// Classifier is a sparse multinomial logistic regression over nlp feature ids: one weight per
// (feature, intent) for every feature seen in training, plus a bias per intent. It is read-only
// and safe for concurrent use.
type Classifier struct {
	labels []string
	rows   *hashtab.Map32 // feature id → row in weights
	// weights holds len(rows) rows of stride float32s: one per label, then zeros up to a
	// multiple of eight, so that the vector kernel sums whole rows (sumRowsVector). Nil when
	// the weights are in half precision (halves).
	weights []float32
	// halves holds the weights of a quantised classifier (Quantized) in half precision, in the
	// same rows, instead of weights: half the memory and of the cache lines a message's rows
	// touch, and a file's weights are read as they are; the kernel widens them as it sums
	// (sumRows), to the same bits as summing them widened.
	halves []uint16
	stride int
	bias   []float32
	// idf2 holds each row's squared inverse document frequency when the classifier weighs its
	// features (TF-IDF, L2-normalised over the features it knows; weights hold w·idf); nil for
	// the unweighted form, every feature 1/√n of the message's features.
	idf2 []float32
}

// NewClassifier assembles a classifier from trained parts: labels, the feature ids of the rows,
// row-major weights (len(features)*len(labels)) and one bias per label.
func NewClassifier(labels []string, features []uint32, weights, bias []float32) (*Classifier, error) {
	k := len(labels)
	if k == 0 {
		return nil, errors.New("classifier: no labels")
	}
	if len(weights) != len(features)*k || len(bias) != k {
		return nil, fmt.Errorf("classifier: %d features × %d labels needs %d weights and %d biases, got %d and %d",
			len(features), k, len(features)*k, k, len(weights), len(bias))
	}
	stride := paddedStride(k)
	padded := weights
	if stride != k {
		padded = make([]float32, len(features)*stride)
		copy(padded, weights)
		spreadRows(padded, len(features), k, stride)
	}
	return newClassifier(labels, features, padded, bias, stride)
}

// NewWeightedClassifier is NewClassifier for a model trained on TF-IDF features: idf holds each
// feature's inverse document frequency (len(features)). A message's features are weighted by
// their idf and L2-normalised over the features the model knows, as in training.
func NewWeightedClassifier(labels []string, features []uint32, idf, weights, bias []float32) (*Classifier, error) {
	k := len(labels)
	if len(idf) != len(features) || len(weights) != len(features)*k {
		return nil, fmt.Errorf("classifier: %d features need %d idf values and %d weights, got %d and %d",
			len(features), len(features), len(features)*k, len(idf), len(weights))
	}
	scaled := make([]float32, len(weights))
	for r, v := range idf {
		if !(v > 0) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("classifier: feature %#x has idf %v", features[r], v)
		}
		for j := range k {
			scaled[r*k+j] = weights[r*k+j] * v
		}
	}
	c, err := NewClassifier(labels, features, scaled, bias)
	if err != nil {
		return nil, err
	}
	c.idf2 = make([]float32, len(idf))
	for r, v := range idf {
		c.idf2[r] = v * v
	}
	return c, nil
}

// Weighted reports whether the classifier weighs features by TF-IDF (NewWeightedClassifier).
func (c *Classifier) Weighted() bool { return c.idf2 != nil }

// paddedStride is the row length of k labels in memory: a multiple of eight (sumRowsVector).
func paddedStride(k int) int { return (k + 7) &^ 7 }

// spreadRows moves rows of k values, packed at the front of w, to rows of stride values and
// zeroes the padding, in place: last row first, since a row only moves forward, past the rows
// not yet moved.
func spreadRows[T weight](w []T, rows, k, stride int) {
	for i := rows - 1; i >= 0 && stride != k; i-- {
		copy(w[i*stride:i*stride+k], w[i*k:(i+1)*k])
		clear(w[i*stride+k : (i+1)*stride])
	}
}

// newClassifier is NewClassifier with the weights already in rows of stride.
// The feature rows are a sparse Map32 (8-byte slots): in serving most of these lookups miss the
// CPU caches, and half the bytes of a Table's slots measured Logits −14 %; at most 3/8 full, a
// lookup of one of the features the model never saw (a sixth of a message's) ends sooner, and
// so does a hit: Logits −26 % more.
func newClassifier(labels []string, features []uint32, weights, bias []float32, stride int) (*Classifier, error) {
	rows := hashtab.NewSparseMap32(len(features))
	for r, f := range features {
		if !rows.Put(f, uint32(r)) {
			return nil, fmt.Errorf("classifier: feature %#x appears twice", f)
		}
	}
	return &Classifier{labels: slices.Clone(labels), rows: rows, weights: weights, bias: bias, stride: stride}, nil
}

// Labels returns the intent ids in score order (shared; do not modify).
func (c *Classifier) Labels() []string { return c.labels }

// NumFeatures returns how many features carry weights.
func (c *Classifier) NumFeatures() int { return c.rows.Len() }

// Logits writes one raw score per label into out (len(out) == len(Labels())). Features are
// weighted so long and short messages score on one scale: by TF-IDF normalised over the known
// features (Weighted), or each 1/sqrt(n) of the message's n features.
func (c *Classifier) Logits(features []uint32, out []float32) {
	var rows [256]int32
	c.logits(features, out, rows[:])
}

// logits is Logits with room for the rows of the features in rows (used when big enough). It
// returns the rows the features resolved to, for a classifier with the same rows
// (logitsOfRows).
func (c *Classifier) logits(features []uint32, out []float32, rows []int32) []int32 {
	if len(features) == 0 {
		copy(out[:len(c.labels)], c.bias)
		return rows[:0]
	}
	if len(rows) < len(features) {
		rows = make([]int32, len(features))
	}
	rows = hashtab.AppendFound(c.rows, rows[:0], features)
	c.logitsOfRows(rows, len(features), out)
	return rows
}

// logitsOfRows is logits for features already resolved to rows (of nFeatures in all).
func (c *Classifier) logitsOfRows(rows []int32, nFeatures int, out []float32) {
	k := len(c.labels)
	acc := out[:k]
	if nFeatures == 0 {
		copy(acc, c.bias)
		return
	}
	norm2 := float32(nFeatures)
	if idf2 := c.idf2; idf2 != nil {
		norm2 = 0
		for _, r := range rows {
			norm2 += idf2[r]
		}
	}
	if c.halves != nil {
		sumRows(acc, c.halves, c.stride, rows)
	} else {
		sumRows(acc, c.weights, c.stride, rows)
	}
	// Weights hold w·idf (or w), so one scale for the sum is the same as scaling every row.
	scale := float32(0)
	if norm2 > 0 {
		scale = float32(1 / math.Sqrt(float64(norm2)))
	}
	for j, b := range c.bias[:k] {
		acc[j] = b + scale*acc[j]
	}
}

// sameRows reports whether c and o know the same features in the same rows, so that one
// lookup serves both (a ranker trained on the classifier's examples).
func (c *Classifier) sameRows(o *Classifier) bool {
	if c.rows == o.rows {
		return true // read over c (ReadClassifierOver)
	}
	if c.rows.Len() != o.rows.Len() {
		return false
	}
	same := true
	c.rows.All(func(f, r uint32) bool {
		or, ok := o.rows.Get(f)
		same = ok && or == r
		return same
	})
	return same
}

// addTo adds w to acc element-wise (len(w) ≥ len(acc)). Unrolled by eight: the compiler does
// not vectorise, and where there is no vector kernel (sumRowsVector) this loop is most of a
// prediction's arithmetic.
func addTo(acc, w []float32) {
	w = w[:len(acc)]
	for len(acc) >= 8 {
		a, x := acc[:8:8], w[:8:8]
		a[0] += x[0]
		a[1] += x[1]
		a[2] += x[2]
		a[3] += x[3]
		a[4] += x[4]
		a[5] += x[5]
		a[6] += x[6]
		a[7] += x[7]
		acc, w = acc[8:], w[8:]
	}
	for j := range acc {
		acc[j] += w[j]
	}
}

// Softmax turns logits into probabilities in place, after dividing them by temperature.
func Softmax(logits []float32, temperature float32) {
	if temperature <= 0 {
		temperature = 1
	}
	m := maxLogit(logits)
	inv := 1 / temperature
	var buf [64]float64
	var sum float32
	for rest := logits; len(rest) > 0; {
		n := min(len(rest), len(buf))
		for i, v := range rest[:n] {
			buf[i] = float64((v - m) * inv)
		}
		expAll(buf[:n])
		for i, e := range buf[:n] {
			rest[i] = float32(e)
			sum += rest[i]
		}
		rest = rest[n:]
	}
	for i := range logits {
		logits[i] /= sum
	}
}

// Rows calls fn for every feature the classifier knows, in row order, with its idf (1 when
// unweighted) and its weights per label as trained (not multiplied by idf), until fn returns
// false. The weights slice is fn's to read only during the call. For continuing training from a
// model (package train).
func (c *Classifier) Rows(fn func(feature uint32, idf float32, weights []float32) bool) {
	k := len(c.labels)
	w := make([]float32, k)
	for r, f := range c.featureIDs() {
		row := c.row(r, w)
		idf := float32(1)
		if c.idf2 != nil {
			idf = float32(math.Sqrt(float64(c.idf2[r])))
		}
		for j, v := range row {
			w[j] = v / idf
		}
		if !fn(f, idf, w) {
			return
		}
	}
}

// row returns the weights of row r (len(labels)): in place, or widened into buf when they are
// in half precision.
func (c *Classifier) row(r int, buf []float32) []float32 {
	k := len(c.labels)
	if c.halves == nil {
		return c.weights[r*c.stride : r*c.stride+k]
	}
	halves := halfTable()
	for j, h := range c.halves[r*c.stride : r*c.stride+k] {
		buf[j] = halves[h]
	}
	return buf[:k]
}

// Bias returns the classifier's bias per label (shared; do not modify).
func (c *Classifier) Bias() []float32 { return c.bias }
