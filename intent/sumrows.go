package intent

import "fmt"

// weight is how a classifier keeps its weights: float32, or half precision (binary16 bits).
type weight interface{ float32 | uint16 }

// sumRows sets acc[j] to the sum of w[r*stride+j] over the rows r, for j < len(acc) ≤ stride;
// every row must hold stride values. Half-precision weights are widened to float32 (exactly)
// first. Rows at even positions and rows at odd positions are summed separately, in order, and
// the two sums added last: that is the order of the vector kernels (sumRowsVector, two
// accumulators hide the adds' latency), and the portable code keeps it, so every machine
// computes the same bits, and half-precision weights the bits of their widened values.
func sumRows[T weight](acc []float32, w []T, stride int, rows []int32) {
	if len(acc) == 0 {
		return
	}
	checkRows(len(w), stride, rows)
	from := sumRowsVector(acc, w, stride, rows)
	sumRowsPortable(acc[from:], w[from:], stride, rows)
}

// checkRows panics unless every row lies whole within n values: the kernels read whole rows
// unchecked (a negative row, as uint32, is beyond any).
func checkRows(n, stride int, rows []int32) {
	var last uint32
	for _, r := range rows {
		last = max(last, uint32(r))
	}
	if len(rows) > 0 && int(last)*stride+stride > n {
		panic(fmt.Sprintf("intent: row %d of %d values is past %d weights", int32(last), stride, n))
	}
}

// sumRowsPortable is sumRows in Go, for the columns the vector kernel leaves.
func sumRowsPortable[T weight](acc []float32, w []T, stride int, rows []int32) {
	k := len(acc)
	if k == 0 {
		return
	}
	clear(acc)
	var oddBuf, rowBuf [64]float32
	var odd, buf []float32
	if k <= len(oddBuf) {
		odd, buf = oddBuf[:k], rowBuf[:k]
	} else {
		odd, buf = make([]float32, k), make([]float32, k)
	}
	var halves *[1 << 16]float32
	if _, ok := any(w).([]uint16); ok {
		halves = halfTable()
	}
	for i, r := range rows {
		row := widenRow(buf, w[int(r)*stride:int(r)*stride+k], halves)
		if i&1 == 0 {
			addTo(acc, row)
		} else {
			addTo(odd, row)
		}
	}
	for j := range acc {
		acc[j] += odd[j]
	}
}

// widenRow returns row as float32s: itself, or its halves widened into buf through halves
// (halfTable).
func widenRow[T weight](buf []float32, row []T, halves *[1 << 16]float32) []float32 {
	switch r := any(row).(type) {
	case []float32:
		return r
	case []uint16:
		for j, h := range r {
			buf[j] = halves[h]
		}
	}
	return buf[:len(row)]
}
