package intent

import (
	"math"
	"math/rand/v2"
	"testing"
)

// sumRows (the vector kernel where there is one) and the portable code give the same bits for
// every shape, and both are the sum of the rows.
func TestSumRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, k := range []int{1, 2, 7, 8, 9, 11, 16, 31, 39, 40, 64, 65, 100} {
		for _, n := range []int{0, 1, 2, 3, 4, 7, 50, 301} {
			const nrows = 500
			w := make([]float32, nrows*k)
			for i := range w {
				w[i] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(5)-2)))
			}
			rows := make([]int32, n)
			for i := range rows {
				rows[i] = int32(rng.IntN(nrows))
			}
			got := make([]float32, k)
			for i := range got {
				got[i] = 42 // sumRows sets, it does not add
			}
			sumRows(got, w, k, rows)
			portable := make([]float32, k)
			sumRowsPortable(portable, w, k, rows)
			for j := range k {
				if math.Float32bits(got[j]) != math.Float32bits(portable[j]) {
					t.Fatalf("k=%d n=%d column %d: kernel %v, portable %v", k, n, j, got[j], portable[j])
				}
				want := 0.0
				for _, r := range rows {
					want += float64(w[int(r)*k+j])
				}
				if d := math.Abs(float64(got[j]) - want); d > 1e-4*(1+math.Abs(want)) {
					t.Fatalf("k=%d n=%d column %d: %v, want %v", k, n, j, got[j], want)
				}
			}
			checkHalfRows(t, w, k, rows, k)
		}
	}
}

// checkHalfRows checks sumRows on half precision, kernel and portable, on w (rows of stride) in half precision
// against sumRows on the same weights widened back: the same bits.
func checkHalfRows(t *testing.T, w []float32, k int, rows []int32, stride int) {
	t.Helper()
	halves := make([]uint16, len(w))
	widened := make([]float32, len(w))
	for i, v := range w {
		halves[i] = toHalf(v)
		widened[i] = fromHalf(halves[i])
	}
	want := make([]float32, k)
	sumRows(want, widened, stride, rows)
	got, portable := make([]float32, k), make([]float32, k)
	for i := range got {
		got[i] = 42
	}
	sumRows(got, halves, stride, rows)
	sumRowsPortable(portable, halves, stride, rows)
	for j := range k {
		if math.Float32bits(got[j]) != math.Float32bits(want[j]) || math.Float32bits(portable[j]) != math.Float32bits(want[j]) {
			t.Fatalf("k=%d stride=%d n=%d column %d: half kernel %v, portable %v, want %v (sumRows of the widened weights)",
				k, stride, len(rows), j, got[j], portable[j], want[j])
		}
	}
}

func TestSumRowsChecksBounds(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a row past the weights did not panic")
		}
	}()
	sumRows(make([]float32, 8), make([]float32, 16), 8, []int32{0, 2})
}

func TestSumHalfRowsChecksBounds(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a row past the weights did not panic")
		}
	}()
	sumRows(make([]float32, 8), make([]uint16, 16), 8, []int32{-1})
}

// Rows padded to a multiple of eight, as the classifier keeps them: the kernels' last block
// reads the padding and drops it, and both precisions give the portable code's bits.
func TestSumRowsPadded(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, k := range []int{1, 7, 9, 15, 31, 39, 41} {
		stride := paddedStride(k)
		const nrows = 300
		w := make([]float32, nrows*stride)
		for r := range nrows {
			for j := range k {
				w[r*stride+j] = float32(rng.NormFloat64())
			}
		}
		for _, n := range []int{1, 2, 5, 40} {
			rows := make([]int32, n)
			for i := range rows {
				rows[i] = int32(rng.IntN(nrows))
			}
			got, portable := make([]float32, k), make([]float32, k)
			sumRows(got, w, stride, rows)
			sumRowsPortable(portable, w, stride, rows)
			for j := range k {
				if math.Float32bits(got[j]) != math.Float32bits(portable[j]) {
					t.Fatalf("k=%d stride=%d n=%d column %d: kernel %v, portable %v", k, stride, n, j, got[j], portable[j])
				}
			}
			checkHalfRows(t, w, k, rows, stride)
		}
	}
}
