package intent

import "golang.org/x/sys/cpu"

// expKernel is the vector kernel's data (exp_amd64.s): each constant four times, for whole
// 256-bit operands, then the table. The field order is the kernel's offsets.
type expKernel struct {
	scale, round, ln2Hi, ln2Lo     [4]float64
	c5, c4, c3, c2, one, underflow [4]float64 // 1/120, 1/24, 1/6, 1/2, 1, −708
	low6, high                     [4]uint64  // 63 and ^63
	table                          [64]float64
}

// expConsts is set once at start-up and only read after.
var expConsts = func() *expKernel {
	k := new(expKernel)
	for i := range 4 {
		k.scale[i], k.round[i], k.ln2Hi[i], k.ln2Lo[i] = expScale, expRound, expLn2Hi, expLn2Lo
		k.c5[i], k.c4[i], k.c3[i], k.c2[i], k.one[i], k.underflow[i] = 1.0/120, 1.0/24, 1.0/6, 1.0/2, 1, -708
		k.low6[i], k.high[i] = 63, ^uint64(63)
	}
	k.table = expTable
	return k
}()

// hasAVX2 says whether the CPU and the OS support AVX2 (256-bit integer operations and gathers).
var hasAVX2 = cpu.X86.HasAVX2

// expVector does expAll's work for the first len(xs)/4*4 values, four at a time, and returns
// their sum (added in order) and how many it did: none without AVX2.
func expVector(xs []float64) (sum float64, done int) {
	n := len(xs) &^ 3
	if !hasAVX2 || n == 0 {
		return 0, 0
	}
	return expVec4(&xs[0], n, expConsts), n
}

// expVec4 is the kernel (exp_amd64.s): n > 0 a multiple of four.
//
//go:noescape
func expVec4(xs *float64, n int, k *expKernel) float64
