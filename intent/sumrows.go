package intent

import "fmt"

// sumRows sets acc[j] to the sum of w[r*stride+j] over the rows r, for j < len(acc) ≤ stride;
// every row must hold stride values. Rows at even positions and rows at odd positions are summed separately, in order, and the two
// sums added last: that is the order of the vector kernel (sumRowsVector, two accumulators hide
// the adds' latency), and the portable code keeps it, so every machine computes the same bits.
func sumRows(acc, w []float32, stride int, rows []int32) {
	if len(acc) == 0 {
		return
	}
	checkRows(len(w), stride, rows)
	from := sumRowsVector(acc, w, stride, rows)
	sumRowsPortable(acc[from:], w[from:], stride, rows)
}

// sumHalfRows is sumRows over weights in half precision: each widened to float32 (exactly) and
// summed in sumRows' order, so it gives the bits sumRows gives on the widened weights.
func sumHalfRows(acc []float32, w []uint16, stride int, rows []int32) {
	if len(acc) == 0 {
		return
	}
	checkRows(len(w), stride, rows)
	from := sumHalfRowsVector(acc, w, stride, rows)
	sumHalfRowsPortable(acc[from:], w[from:], stride, rows)
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
func sumRowsPortable(acc, w []float32, stride int, rows []int32) {
	k := len(acc)
	if k == 0 {
		return
	}
	clear(acc)
	var buf [64]float32
	odd := buf[:0]
	if k <= len(buf) {
		odd = buf[:k]
	} else {
		odd = make([]float32, k)
	}
	for i, r := range rows {
		row := w[int(r)*stride : int(r)*stride+k]
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

// sumHalfRowsPortable is sumHalfRows in Go, for the columns the vector kernel leaves.
func sumHalfRowsPortable(acc []float32, w []uint16, stride int, rows []int32) {
	k := len(acc)
	if k == 0 {
		return
	}
	clear(acc)
	var buf, rowBuf [64]float32
	odd, row := buf[:0], rowBuf[:0]
	if k <= len(buf) {
		odd, row = buf[:k], rowBuf[:k]
	} else {
		odd, row = make([]float32, k), make([]float32, k)
	}
	halves := halfTable()
	for i, r := range rows {
		for j, h := range w[int(r)*stride : int(r)*stride+k] {
			row[j] = halves[h]
		}
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
