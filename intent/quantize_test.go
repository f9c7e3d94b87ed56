package intent

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"
)

// weightedRandom is randomClassifier weighted by TF-IDF (idf between 1 and 5).
func weightedRandom(t *testing.T, k, n int) (*Classifier, []uint32) {
	t.Helper()
	c, ids := randomClassifier(t, 3, k, n)
	idf := make([]float32, n)
	rng := rand.New(rand.NewPCG(5, 1))
	for i := range idf {
		idf[i] = 1 + 4*rng.Float32()
	}
	var w []float32
	c.Rows(func(_ uint32, _ float32, row []float32) bool {
		w = append(w, row...)
		return true
	})
	wc, err := NewWeightedClassifier(c.Labels(), ids, idf, w, c.Bias())
	if err != nil {
		t.Fatal(err)
	}
	return wc, ids
}

func TestQuantizedClassifier(t *testing.T) {
	weighted, wids := weightedRandom(t, 11, 400)
	plain, pids := randomClassifier(t, 4, 11, 400)
	for _, tc := range []struct {
		name  string
		c     *Classifier
		ids   []uint32
		magic string
		idf   bool
	}{
		{"weighted (the ranker)", weighted, wids, quantizedClassifierMagic, true},
		{"unweighted (the classifier)", plain, pids, halfClassifierMagic, false},
	} {
		c, ids := tc.c, tc.ids
		q := c.Quantized()
		if c.Half() || !q.Half() {
			t.Fatalf("%s: Half() %v before, %v after quantising", tc.name, c.Half(), q.Half())
		}
		full, small := writeClassifier(t, c), writeClassifier(t, q)
		if string(small[:len(tc.magic)]) != tc.magic {
			t.Errorf("%s: written as %q, want %q", tc.name, small[:len(tc.magic)], tc.magic)
		}
		if 3*len(small) > 2*len(full) {
			t.Errorf("%s: quantised %d bytes, full %d: want under two thirds (4–8 bytes and 2 per intent for each feature, against 4–8 and 4 per intent)",
				tc.name, len(small), len(full))
		}
		back, err := ReadClassifier(bytes.NewReader(small))
		if err != nil {
			t.Fatal(err)
		}
		if !back.Half() || back.Weighted() != tc.idf {
			t.Errorf("%s: read back half %v, weighted %v", tc.name, back.Half(), back.Weighted())
		}
		if !bytes.Equal(writeClassifier(t, back), small) {
			t.Errorf("%s: a quantised classifier read back writes other bytes", tc.name)
		}
		rng := rand.New(rand.NewPCG(9, 9))
		k := len(c.Labels())
		want, got, read := make([]float32, k), make([]float32, k), make([]float32, k)
		for range 200 {
			f := make([]uint32, 1+rng.IntN(30))
			for i := range f {
				f[i] = ids[rng.IntN(len(ids))]
			}
			c.Logits(f, want)
			q.Logits(f, got)
			back.Logits(f, read)
			for j := range want {
				if got[j] != read[j] {
					t.Fatalf("%s: quantised logits %v, read back %v: want them identical", tc.name, got, read)
				}
				// each weight moves by at most 2⁻¹¹ of itself
				if d := math.Abs(float64(got[j] - want[j])); d > 1e-3*math.Abs(float64(want[j]))+1e-3 {
					t.Fatalf("%s: quantised logit %v, full %v", tc.name, got[j], want[j])
				}
			}
		}
		// a weight that is not a finite number is refused
		bad := bytes.Clone(small)
		off := len(tc.magic) + 4
		for _, l := range c.Labels() {
			off += 2 + len(l)
		}
		off += 4 + 4*k + 4*len(ids) // count, bias, ids
		if tc.idf {
			off += 4 * len(ids)
		}
		copy(bad[off:], []byte{0x00, 0x7e}) // a half-precision NaN
		if _, err := ReadClassifier(bytes.NewReader(bad)); err == nil {
			t.Errorf("%s: a NaN weight read without error", tc.name)
		}
		if _, err := ReadClassifier(bytes.NewReader(small[:len(small)-3])); err == nil {
			t.Errorf("%s: a truncated quantised classifier read without error", tc.name)
		}
	}
}

func TestHalfPrecision(t *testing.T) {
	for _, tc := range []struct {
		in, want float32
	}{
		{0, 0}, {1, 1}, {-2, -2}, {0.5, 0.5}, {65504, 65504}, {1e6, 65504}, {-1e6, -65504},
		{1.0 / (1 << 24), 1.0 / (1 << 24)}, // the smallest subnormal
		{1.0 / (1 << 26), 0},               // below half of it
		{1 + 1.0/(1<<11), 1 + 1.0/(1<<10)}, // a tie rounds away from zero
		{3.0 / (1 << 16), 3.0 / (1 << 16)}, // subnormal, exact
	} {
		if got := fromHalf(toHalf(tc.in)); got != tc.want {
			t.Errorf("half(%g) = %g, want %g", tc.in, got, tc.want)
		}
	}
	rng := rand.New(rand.NewPCG(2, 3))
	for range 100000 {
		v := float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(8)-4)))
		if math.Abs(float64(v)) < 1.0/(1<<14) || math.Abs(float64(v)) > 60000 {
			continue // outside the normal range
		}
		got := fromHalf(toHalf(v))
		if rel := math.Abs(float64(got-v) / float64(v)); rel > 1.0/(1<<11) {
			t.Fatalf("half(%g) = %g: relative error %g, want at most 2⁻¹¹", v, got, rel)
		}
	}
}

// A ranker with the classifier's rows scores from the classifier's lookup exactly as from its own.
func TestLogitsOfSharedRows(t *testing.T) {
	plain, ids := randomClassifier(t, 7, 6, 80)
	weighted, _ := weightedRandom(t, 6, 80)
	other, _ := randomClassifier(t, 8, 6, 80)
	if plain.sameRows(other) {
		t.Fatal("sameRows true for classifiers of other features")
	}
	// the weights of another classifier on plain's features, weighted by TF-IDF
	var w []float32
	weighted.Rows(func(_ uint32, _ float32, row []float32) bool { w = append(w, row...); return true })
	idf := make([]float32, len(ids))
	for i := range idf {
		idf[i] = 1 + float32(i%5)
	}
	ranker, err := NewWeightedClassifier(plain.Labels(), ids, idf, w, weighted.Bias())
	if err != nil {
		t.Fatal(err)
	}
	if !plain.sameRows(ranker) {
		t.Fatal("sameRows false for a ranker built on the classifier's ids")
	}
	// stored over the classifier's rows and read back over them: the same ranker
	ranker = ranker.Quantized()
	var over bytes.Buffer
	if _, err := ranker.WriteOver(&over, plain); err != nil {
		t.Fatal(err)
	}
	alone := writeClassifier(t, ranker)
	if got := over.Bytes(); string(got[:len(sharedClassifierMagic)]) != sharedClassifierMagic || len(got) != len(alone)-4*len(ids) {
		t.Errorf("written over the classifier: %q, %d bytes; want %s and %d (the ids left out)", got[:8], len(got), sharedClassifierMagic, len(alone)-4*len(ids))
	}
	back, err := ReadClassifierOver(bytes.NewReader(over.Bytes()), plain)
	if err != nil {
		t.Fatal(err)
	}
	if !plain.sameRows(back) || !bytes.Equal(writeClassifier(t, back), alone) {
		t.Error("a ranker read over the classifier differs from the ranker written")
	}
	if _, err := ReadClassifier(bytes.NewReader(over.Bytes())); err == nil {
		t.Error("a ranker stored over a classifier read without it")
	}
	small, _ := randomClassifier(t, 9, 6, 40)
	if _, err := ReadClassifierOver(bytes.NewReader(over.Bytes()), small); err == nil {
		t.Error("a ranker stored over 80 features read over a classifier of 40")
	}
	var notOver bytes.Buffer
	if _, err := ranker.WriteOver(&notOver, other); err != nil || !bytes.Equal(notOver.Bytes(), alone) {
		t.Errorf("written over a classifier of other features: %v; want it whole, as WriteTo writes it", err)
	}
	ranker = back
	rng := rand.New(rand.NewPCG(1, 1))
	own, shared, tmp := make([]float32, 6), make([]float32, 6), make([]float32, 6)
	for range 100 {
		f := []uint32{rng.Uint32()} // unknown
		for range rng.IntN(20) {
			f = append(f, ids[rng.IntN(len(ids))])
		}
		ranker.Logits(f, own)
		rows := plain.logits(f, tmp, make([]int32, 256))
		ranker.logitsOfRows(rows, len(f), shared)
		for j := range own {
			if own[j] != shared[j] {
				t.Fatalf("features %v: shared-row logits %v, own %v", f, shared, own)
			}
		}
	}
}
