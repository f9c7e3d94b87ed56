package intent

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// randomClassifier makes a classifier with k labels and n features with random weights.
func randomClassifier(t testing.TB, seed uint64, k, n int) (*Classifier, []uint32) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	labels := make([]string, k)
	for i := range labels {
		labels[i] = "意图_" + string(rune('a'+i))
	}
	ids := make([]uint32, 0, n)
	seen := map[uint32]bool{}
	for len(ids) < n {
		if f := rng.Uint32(); !seen[f] {
			seen[f] = true
			ids = append(ids, f)
		}
	}
	w := make([]float32, n*k)
	for i := range w {
		w[i] = float32(rng.NormFloat64())
	}
	b := make([]float32, k)
	for i := range b {
		b[i] = float32(rng.NormFloat64())
	}
	c, err := NewClassifier(labels, ids, w, b)
	if err != nil {
		t.Fatal(err)
	}
	return c, ids
}

func writeClassifier(t *testing.T, c *Classifier) []byte {
	t.Helper()
	var b bytes.Buffer
	n, err := c.WriteTo(&b)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(b.Len()) {
		t.Errorf("WriteTo returned %d, wrote %d bytes", n, b.Len())
	}
	return b.Bytes()
}

func TestClassifierRoundTrip(t *testing.T) {
	c, ids := randomClassifier(t, 1, 7, 300)
	data := writeClassifier(t, c)
	if !bytes.HasPrefix(data, []byte(classifierMagic)) {
		t.Errorf("file starts %q, want the magic %q", data[:8], classifierMagic)
	}
	r, err := ReadClassifier(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("ReadClassifier: %v", err)
	}
	if !slices.Equal(r.Labels(), c.Labels()) || r.NumFeatures() != c.NumFeatures() {
		t.Fatalf("read back %q with %d features, want %q with %d", r.Labels(), r.NumFeatures(), c.Labels(), c.NumFeatures())
	}
	rng := rand.New(rand.NewPCG(2, 2))
	a, b := make([]float32, 7), make([]float32, 7)
	for range 100 {
		var feats []uint32
		for range rng.IntN(20) {
			if rng.IntN(4) == 0 {
				feats = append(feats, rng.Uint32()) // mostly unknown
			} else {
				feats = append(feats, ids[rng.IntN(len(ids))])
			}
		}
		c.Logits(feats, a)
		r.Logits(feats, b)
		if !slices.Equal(a, b) {
			t.Fatalf("logits of %v differ after the round trip: %v vs %v", feats, a, b)
		}
	}
	if again := writeClassifier(t, r); !bytes.Equal(again, data) {
		t.Error("writing the read classifier gives different bytes")
	}
}

func TestClassifierLogits(t *testing.T) {
	// Two labels, features 10 and 20.
	c, err := NewClassifier([]string{"a", "b"}, []uint32{10, 20}, []float32{1, 0, 0, 2}, []float32{0.5, -0.5})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float32, 2)
	c.Logits(nil, out)
	if !slices.Equal(out, []float32{0.5, -0.5}) {
		t.Errorf("logits with no features = %v, want the biases", out)
	}
	// Four features (one unknown, one twice) are each weighted 1/sqrt(4).
	c.Logits([]uint32{10, 20, 20, 99}, out)
	want := []float32{0.5 + 0.5*1, -0.5 + 0.5*4}
	if math.Abs(float64(out[0]-want[0])) > 1e-6 || math.Abs(float64(out[1]-want[1])) > 1e-6 {
		t.Errorf("logits = %v, want %v", out, want)
	}
}

// Rows are padded in memory to a multiple of eight labels for the vector kernel: every label
// count scores as the plain sum, and the file holds no padding.
func TestClassifierPaddedRows(t *testing.T) {
	for _, k := range []int{1, 7, 8, 9, 39, 70} {
		c, ids := randomClassifier(t, uint64(k), k, 50)
		// magic, label count, labels (length and bytes), feature count, biases, ids, weights
		want := len(classifierMagic) + 4 + 4 + 4*k + 4*50 + 4*50*k
		for _, l := range c.Labels() {
			want += 2 + len(l)
		}
		if n := len(writeClassifier(t, c)); n != want {
			t.Errorf("k=%d: file of %d bytes, want %d", k, n, want)
		}
		feats := []uint32{ids[3], ids[3], ids[49], ids[0], 12345}
		got := make([]float32, k)
		c.Logits(feats, got)
		// read back: the weights are spread to their padded rows in place
		r, err := ReadClassifier(bytes.NewReader(writeClassifier(t, c)))
		if err != nil {
			t.Fatal(err)
		}
		back := make([]float32, k)
		if r.Logits(feats, back); !slices.Equal(back, got) || !slices.Equal(r.weights, c.weights) {
			t.Fatalf("k=%d: read back, logits %v, want %v (or the padded weights differ)", k, back, got)
		}
		for j := range k {
			sum := 0.0
			for _, f := range feats[:4] {
				r := slices.Index(ids, f)
				sum += float64(c.weights[r*c.stride+j])
			}
			want := float64(c.bias[j]) + sum/math.Sqrt(float64(len(feats)))
			if math.Abs(float64(got[j])-want) > 1e-5*(1+math.Abs(want)) {
				t.Fatalf("k=%d label %d: logit %v, want %v", k, j, got[j], want)
			}
		}
	}
}

func TestNewClassifierErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		labels   []string
		features []uint32
		w, b     []float32
	}{
		{"no labels", nil, nil, nil, nil},
		{"short weights", []string{"a", "b"}, []uint32{1}, []float32{1}, []float32{0, 0}},
		{"short bias", []string{"a", "b"}, []uint32{1}, []float32{1, 2}, []float32{0}},
		{"duplicate feature", []string{"a", "b"}, []uint32{1, 1}, []float32{1, 2, 3, 4}, []float32{0, 0}},
	} {
		if _, err := NewClassifier(tc.labels, tc.features, tc.w, tc.b); err == nil {
			t.Errorf("%s: nil error", tc.name)
		}
	}
}

func TestReadClassifierRejectsCorruptData(t *testing.T) {
	c, _ := randomClassifier(t, 3, 3, 20)
	good := writeClassifier(t, c)
	check := func(name string, data []byte, want string) {
		t.Helper()
		r, err := ReadClassifier(bytes.NewReader(data))
		if err == nil {
			t.Errorf("%s: accepted (%d labels, %d features)", name, len(r.Labels()), r.NumFeatures())
			return
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %q, want it to mention %q", name, err, want)
		}
	}
	check("empty", nil, "magic")
	bad := slices.Clone(good)
	bad[0] = 'X'
	check("bad magic", bad, "magic")
	for n := 1; n < len(good); n++ {
		check("truncated", good[:n], "classifier")
	}
	check("trailing data", append(slices.Clone(good), 0), "trailing")
	zero := slices.Clone(good)
	binary.LittleEndian.PutUint32(zero[8:], 0)
	check("no labels", zero, "label count")

	// A file that names feature 7 twice.
	var b bytes.Buffer
	b.WriteString(classifierMagic)
	binary.Write(&b, binary.LittleEndian, uint32(2))
	for _, l := range []string{"a", "b"} {
		binary.Write(&b, binary.LittleEndian, uint16(len(l)))
		b.WriteString(l)
	}
	binary.Write(&b, binary.LittleEndian, uint32(2))
	binary.Write(&b, binary.LittleEndian, []float32{0, 0})
	binary.Write(&b, binary.LittleEndian, []uint32{7, 7})
	binary.Write(&b, binary.LittleEndian, []float32{1, 2, 3, 4})
	check("duplicate feature", b.Bytes(), "twice")
}

// A corrupt header must not make the reader allocate what it claims: a few bytes claiming 16M
// features are rejected without allocating hundreds of megabytes (and a header claiming 65536
// labels × 64M features would ask for 16 TB and kill the process).
func TestReadClassifierCorruptCountsDoNotAllocate(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(classifierMagic)
	binary.Write(&b, binary.LittleEndian, uint32(2))
	for _, l := range []string{"a", "b"} {
		binary.Write(&b, binary.LittleEndian, uint16(len(l)))
		b.WriteString(l)
	}
	binary.Write(&b, binary.LittleEndian, uint32(1<<24))
	binary.Write(&b, binary.LittleEndian, []float32{0, 0})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := ReadClassifier(bytes.NewReader(b.Bytes()))
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("a truncated file claiming 16M features was accepted")
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("rejecting a %d-byte file allocated %d MB", b.Len(), alloc>>20)
	}
}

func TestSoftmax(t *testing.T) {
	v := []float32{1, 2, 3}
	Softmax(v, 1)
	sum := v[0] + v[1] + v[2]
	if math.Abs(float64(sum-1)) > 1e-6 || !(v[0] < v[1] && v[1] < v[2]) {
		t.Errorf("Softmax = %v", v)
	}
	hot := []float32{1, 2, 3}
	Softmax(hot, 0.1)
	cold := []float32{1, 2, 3}
	Softmax(cold, 10)
	if !(hot[2] > v[2] && v[2] > cold[2]) {
		t.Errorf("temperature: top probability %v (T=0.1), %v (T=1), %v (T=10); want it to fall as T rises", hot[2], v[2], cold[2])
	}
	big := []float32{1000, 0}
	Softmax(big, 1)
	if big[0] != 1 || big[1] != 0 {
		t.Errorf("Softmax of large logits = %v, want [1 0] without overflow", big)
	}
	zeroT := []float32{1, 2}
	Softmax(zeroT, 0)
	if math.IsNaN(float64(zeroT[0])) || math.Abs(float64(zeroT[0]+zeroT[1]-1)) > 1e-6 {
		t.Errorf("Softmax with temperature 0 = %v, want it treated as 1", zeroT)
	}
}

// BenchmarkLogits scores messages of 60 features, four in five known, with the sample shop's
// label count (39) and a multiple of eight.
func BenchmarkLogits(b *testing.B) {
	for _, k := range []int{39, 40} {
		b.Run(fmt.Sprintf("labels=%d", k), func(b *testing.B) {
			c, ids := randomClassifier(b, 1, k, 20000)
			rng := rand.New(rand.NewPCG(3, 3))
			msgs := make([][]uint32, 64)
			for i := range msgs {
				for range 60 {
					f := rng.Uint32()
					if rng.IntN(5) > 0 {
						f = ids[rng.IntN(len(ids))]
					}
					msgs[i] = append(msgs[i], f)
				}
			}
			out := make([]float32, k)
			b.ResetTimer()
			for i := range b.N {
				c.Logits(msgs[i%len(msgs)], out)
			}
		})
	}
}
