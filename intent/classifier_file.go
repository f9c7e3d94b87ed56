package intent

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"sync"
	"unsafe"

	"github.com/zhiyi-ai/zhiyi/internal/hugepage"
)

// The classifier file: what WriteTo writes and ReadClassifier reads, and the half-precision
// weights both models are stored in.

const (
	classifierMagic          = "ZYLR0001" // unweighted
	weightedClassifierMagic  = "ZYLR0002" // TF-IDF: an idf per feature before the weights
	quantizedClassifierMagic = "ZYLR0003" // TF-IDF, and the weights in half precision
	halfClassifierMagic      = "ZYLR0004" // unweighted, the weights in half precision
	// TF-IDF, half precision, and no feature ids: the rows are those of the classifier it is
	// read over (ReadClassifierOver), as a ranker trained on the classifier's examples has.
	sharedClassifierMagic = "ZYLR0005"
)

// Quantized returns a copy of the classifier whose weights are rounded to half precision
// (IEEE 754 binary16, 11 significant bits) and kept so: half the bytes, in memory as in its file,
// and it scores exactly as it reads back. 8-bit integers with a scale per row (a quarter of the
// bytes) moved a decision in a few hundred; half precision moves none measured
// (docs/benchmarks.md).
func (c *Classifier) Quantized() *Classifier {
	q := *c
	if c.halves != nil {
		return &q
	}
	q.weights = nil
	q.halves = make([]uint16, len(c.weights)) // the padding stays zero
	for i, v := range c.weights {
		q.halves[i] = toHalf(v)
	}
	return &q
}

// Half reports whether the weights are in half precision (Quantized).
func (c *Classifier) Half() bool { return c.halves != nil }

// toHalf rounds a finite float32 to the nearest binary16 (ties away from zero); magnitudes
// beyond its range become its largest, below half its smallest become zero.
func toHalf(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23&0xff) - 127 + 15
	mant := b & 0x7fffff
	switch {
	case exp >= 31:
		return sign | 0x7bff
	case exp <= 0: // subnormal: m × 2⁻²⁴
		if exp < -10 {
			return sign
		}
		full := mant | 0x800000
		shift := uint(14 - exp)
		h := full >> shift
		if full>>(shift-1)&1 != 0 {
			h++
		}
		return sign | uint16(h)
	}
	h := uint32(exp)<<10 | mant>>13
	if mant&0x1000 != 0 {
		h++ // a carry into the exponent is still the right value
	}
	if h >= 0x7c00 {
		h = 0x7bff
	}
	return sign | uint16(h)
}

// halfTable is fromHalf of every binary16 (the non-finite ones too, which readers refuse
// before looking up): a quarter of a megabyte that turns each of a model's millions of weights
// into one load when it is read.
var halfTable = sync.OnceValue(func() *[1 << 16]float32 {
	t := new([1 << 16]float32)
	for h := range t {
		t[h] = fromHalf(uint16(h))
	}
	return t
})

// littleEndianHost is whether this machine stores numbers as the model files do, so that they
// can be read straight into memory.
var littleEndianHost = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// readLittleEndian reads a slice of fixed-size numbers stored little-endian: on a little-endian
// machine straight into the slice's memory (encoding/binary decodes through a copy of the
// whole slice, a third of a model's start-up).
func readLittleEndian(r io.Reader, v any) error {
	var b []byte
	switch s := v.(type) {
	case []uint16:
		b = unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), 2*len(s))
	case []uint32:
		b = unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), 4*len(s))
	case []float32:
		b = unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), 4*len(s))
	}
	if b == nil || !littleEndianHost {
		return binary.Read(r, binary.LittleEndian, v)
	}
	_, err := io.ReadFull(r, b)
	return err
}

// firstNonFinite returns the index of the first infinity or NaN among halves, or -1.
func firstNonFinite(halves []uint16) int {
	for i, h := range halves {
		if h&0x7c00 == 0x7c00 {
			return i
		}
	}
	return -1
}

// fromHalf is the float32 of a finite binary16.
func fromHalf(h uint16) float32 {
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	var f float32
	if exp == 0 {
		f = float32(mant) / (1 << 24)
	} else {
		f = math.Float32frombits((exp-15+127)<<23 | mant<<13)
	}
	if h&0x8000 != 0 {
		f = -f
	}
	return f
}

// WriteTo stores the classifier in its binary form: magic, label count, labels, feature count,
// biases, the features' ids, (weighted: each feature's idf,) then each feature's weights (w·idf
// when weighted), little-endian float32 (or binary16 when Half).
func (c *Classifier) WriteTo(w io.Writer) (int64, error) { return c.write(w, false) }

// WriteOver stores the classifier as WriteTo does, but without its features' ids when they are
// base's, in base's rows (a ranker trained on the classifier's examples, quantised): 4 bytes a
// feature fewer. ReadClassifierOver reads it back over base.
func (c *Classifier) WriteOver(w io.Writer, base *Classifier) (int64, error) {
	return c.write(w, base != nil && c.Half() && c.idf2 != nil && base.sameRows(c))
}

func (c *Classifier) write(w io.Writer, shared bool) (int64, error) {
	bw := bufio.NewWriter(w)
	cw := &countWriter{w: bw}
	put := func(v any) {
		if cw.err == nil {
			cw.err = binary.Write(cw, binary.LittleEndian, v)
		}
	}
	magic := classifierMagic
	switch {
	case shared:
		magic = sharedClassifierMagic
	case c.Half() && c.idf2 != nil:
		magic = quantizedClassifierMagic
	case c.Half():
		magic = halfClassifierMagic
	case c.idf2 != nil:
		magic = weightedClassifierMagic
	}
	if _, err := io.WriteString(cw, magic); err != nil {
		return cw.n, err
	}
	put(uint32(len(c.labels)))
	for _, l := range c.labels {
		put(uint16(len(l)))
		if cw.err == nil {
			_, cw.err = io.WriteString(cw, l)
		}
	}
	put(uint32(c.rows.Len()))
	put(c.bias)
	if !shared {
		put(c.featureIDs())
	}
	if c.idf2 != nil {
		idf := make([]float32, len(c.idf2))
		for r, v := range c.idf2 {
			idf[r] = float32(math.Sqrt(float64(v)))
		}
		put(idf)
	}
	if c.Half() {
		put(unpadded(c.halves, len(c.labels), c.stride))
	} else {
		put(unpadded(c.weights, len(c.labels), c.stride))
	}
	if cw.err == nil {
		cw.err = bw.Flush()
	}
	return cw.n, cw.err
}

// featureIDs returns the features' ids in row order.
func (c *Classifier) featureIDs() []uint32 {
	ids := make([]uint32, c.rows.Len())
	c.rows.All(func(f, r uint32) bool {
		ids[r] = f
		return true
	})
	return ids
}

// unpadded returns rows of stride values without their padding: rows of k.
func unpadded[T weight](w []T, k, stride int) []T {
	if stride == k {
		return w
	}
	n := len(w) / stride
	out := make([]T, 0, n*k)
	for i := range n {
		out = append(out, w[i*stride:i*stride+k]...)
	}
	return out
}

// ReadClassifier reads what WriteTo wrote.
func ReadClassifier(r io.Reader) (*Classifier, error) { return ReadClassifierOver(r, nil) }

// ReadClassifierOver reads what WriteTo or WriteOver wrote; a classifier written over base
// shares base's rows (and their memory).
func ReadClassifierOver(r io.Reader, base *Classifier) (*Classifier, error) {
	br := bufio.NewReader(r)
	magic := make([]byte, len(classifierMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != classifierMagic && string(magic) != weightedClassifierMagic &&
		string(magic) != quantizedClassifierMagic && string(magic) != halfClassifierMagic && string(magic) != sharedClassifierMagic {
		return nil, fmt.Errorf("classifier: not a zhiyi classifier file (bad magic)")
	}
	shared := string(magic) == sharedClassifierMagic
	quantized := shared || string(magic) == quantizedClassifierMagic || string(magic) == halfClassifierMagic
	weighted := shared || string(magic) == quantizedClassifierMagic || string(magic) == weightedClassifierMagic
	var nl uint32
	if err := binary.Read(br, binary.LittleEndian, &nl); err != nil || nl == 0 || nl > 1<<16 {
		return nil, fmt.Errorf("classifier: bad label count")
	}
	labels := make([]string, nl)
	for i := range labels {
		var n uint16
		if err := binary.Read(br, binary.LittleEndian, &n); err != nil {
			return nil, fmt.Errorf("classifier: labels: %w", err)
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(br, b); err != nil {
			return nil, fmt.Errorf("classifier: labels: %w", err)
		}
		labels[i] = string(b)
	}
	var nf uint32
	if err := binary.Read(br, binary.LittleEndian, &nf); err != nil || nf > 1<<26 {
		return nil, fmt.Errorf("classifier: bad feature count")
	}
	if shared && base == nil {
		return nil, fmt.Errorf("classifier: stored over another classifier's features, read without it")
	}
	if shared && int(nf) != base.rows.Len() {
		return nil, fmt.Errorf("classifier: stored over %d features, read over a classifier of %d", nf, base.rows.Len())
	}
	// Check the claimed sizes against what is left before allocating, so a corrupt header
	// cannot ask for gigabytes.
	if uint64(nf)*uint64(nl) > 1<<28 {
		return nil, fmt.Errorf("classifier: %d features × %d labels is too large", nf, nl)
	}
	perFeature := 4 + 4*int64(nl) // id, weights
	if shared {
		perFeature -= 4
	}
	if weighted {
		perFeature += 4 // idf
	}
	if quantized {
		perFeature -= 2 * int64(nl) // two bytes a weight
	}
	if sz, ok := remaining(r); ok && int64(nl)*4+int64(nf)*perFeature > sz+int64(br.Buffered()) {
		return nil, fmt.Errorf("classifier: truncated: header claims %d features × %d labels", nf, nl)
	}
	bias := make([]float32, nl)
	var ids []uint32 // none stored when shared: base's
	if !shared {
		ids = make([]uint32, nf)
	}
	var idf []float32
	if weighted {
		idf = make([]float32, nf)
	}
	// The weights are read into the front of their padded storage and spread out to their rows
	// in place: one allocation of the classifier's largest part instead of two.
	k, stride := int(nl), paddedStride(int(nl))
	var weights []float32
	var halves []uint16
	parts := []any{bias, ids, idf}
	// Megabytes, written once: in huge pages, a few page faults rather than one per 4 KiB.
	if quantized {
		halves = hugepage.Make[uint16](int(nf) * stride)
		parts = append(parts, halves[:int(nf)*k])
	} else {
		weights = hugepage.Make[float32](int(nf) * stride)
		parts = append(parts, weights[:int(nf)*k])
	}
	for _, v := range parts {
		if err := readLittleEndian(br, v); err != nil {
			return nil, fmt.Errorf("classifier: truncated: %w", err)
		}
	}
	if i := firstNonFinite(halves); i >= 0 {
		return nil, fmt.Errorf("classifier: the feature in row %d has a weight that is not a finite number", i/k)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return nil, fmt.Errorf("classifier: trailing data")
	}
	if quantized {
		spreadRows(halves, int(nf), k, stride)
	} else {
		spreadRows(weights, int(nf), k, stride)
	}
	var c *Classifier
	var err error
	if shared {
		c = &Classifier{labels: labels, rows: base.rows, bias: bias, stride: stride}
	} else {
		c, err = newClassifier(labels, ids, weights, bias, stride)
	}
	if err != nil {
		return nil, err
	}
	c.weights, c.halves = weights, halves
	if !weighted {
		return c, nil
	}
	c.idf2 = make([]float32, nf)
	for r, v := range idf {
		if !(v > 0) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("classifier: the feature in row %d has idf %v", r, v)
		}
		c.idf2[r] = v * v
	}
	return c, nil
}

type countWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// remaining reports how many bytes r has left when it can tell (a file or an in-memory reader).
func remaining(r io.Reader) (int64, bool) {
	switch v := r.(type) {
	case interface{ Len() int }:
		return int64(v.Len()), true
	case io.Seeker:
		cur, err := v.Seek(0, io.SeekCurrent)
		if err != nil {
			return 0, false
		}
		end, err := v.Seek(0, io.SeekEnd)
		if err != nil {
			return 0, false
		}
		if _, err := v.Seek(cur, io.SeekStart); err != nil {
			return 0, false
		}
		return end - cur, true
	}
	return 0, false
}
