package intent

import "golang.org/x/sys/cpu"

// hasAVX says whether the CPU and the OS support AVX (256-bit float adds).
var hasAVX = cpu.X86.HasAVX

// sumRowsVector sums the first len(acc)/8*8 columns with AVX and returns how many it did (0
// without AVX). The caller checks the bounds.
func sumRowsVector(acc, w []float32, stride int, rows []int32) int {
	blocks := len(acc) / 8
	if !hasAVX || blocks == 0 || len(rows) == 0 {
		return 0
	}
	sumRows8(&acc[0], &w[0], stride, &rows[0], len(rows), blocks)
	return blocks * 8
}

// sumRows8 is the AVX kernel (sumrows_amd64.s): for each block b < blocks of 8 columns,
// acc[8b:8b+8] = even + odd, the sums of w[rows[i]*stride+8b:][:8] over even and odd i.
//
//go:noescape
func sumRows8(acc, w *float32, stride int, rows *int32, n, blocks int)
