package intent

import "golang.org/x/sys/cpu"

// hasAVX says whether the CPU and the OS support AVX (256-bit float adds); hasF16C, whether
// they also widen eight half-precision numbers in one instruction (VCVTPH2PS).
var (
	hasAVX  = cpu.X86.HasAVX
	hasF16C = cpu.X86.HasAVX && cpu.X86.HasF16C
)

// sumRowsVector sums columns eight at a time, with AVX (and F16C for half precision), and
// returns how many it did (0 without them): all of them when the rows are padded to a multiple
// of eight (stride ≥ len(acc) rounded up; the classifier pads its rows so), else len(acc)/8*8.
// The caller checks the bounds.
func sumRowsVector[T weight](acc []float32, w []T, stride int, rows []int32) int {
	half := false
	if _, ok := any(w).([]uint16); ok {
		half = true
	}
	if !hasAVX || half && !hasF16C || len(rows) == 0 {
		return 0
	}
	k := len(acc)
	full := k / 8
	if full > 0 {
		sumBlocks(&acc[0], w, stride, rows, full)
	}
	if k%8 == 0 || stride < (full+1)*8 {
		return full * 8
	}
	var last [8]float32 // the padded last block; its padding columns are dropped
	sumBlocks(&last[0], w[full*8:], stride, rows, 1)
	copy(acc[full*8:], last[:])
	return k
}

// sumBlocks runs the kernel of w's precision over blocks of eight columns from w[0].
func sumBlocks[T weight](acc *float32, w []T, stride int, rows []int32, blocks int) {
	switch w := any(w).(type) {
	case []float32:
		sumRows8(acc, &w[0], stride, &rows[0], len(rows), blocks)
	case []uint16:
		sumHalfRows8(acc, &w[0], stride, &rows[0], len(rows), blocks)
	}
}

// sumRows8 is the AVX kernel (sumrows_amd64.s): for each block b < blocks of 8 columns,
// acc[8b:8b+8] = even + odd, the sums of w[rows[i]*stride+8b:][:8] over even and odd i.
//
//go:noescape
func sumRows8(acc, w *float32, stride int, rows *int32, n, blocks int)

// sumHalfRows8 is sumRows8 over half-precision weights (sumrows_amd64.s): each block of eight
// is widened (VCVTPH2PS) and added in sumRows8's order.
//
//go:noescape
func sumHalfRows8(acc *float32, w *uint16, stride int, rows *int32, n, blocks int)
