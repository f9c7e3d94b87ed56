package intent

// sumRows sets acc[j] to the sum of w[r*stride+j] over the rows r, for j < len(acc) ≤ stride;
// every row must hold stride values. Rows at even positions and rows at odd positions are summed separately, in order, and the two
// sums added last: that is the order of the vector kernel (sumRowsVector, two accumulators hide
// the adds' latency), and the portable code keeps it, so every machine computes the same bits.
func sumRows(acc, w []float32, stride int, rows []int32) {
	if len(acc) == 0 {
		return
	}
	// The kernel reads whole rows: keep the last one in bounds (a negative row, as uint32, is
	// beyond any).
	var last uint32
	for _, r := range rows {
		last = max(last, uint32(r))
	}
	if len(rows) > 0 {
		_ = w[int(last)*stride+stride-1]
	}
	from := sumRowsVector(acc, w, stride, rows)
	sumRowsPortable(acc[from:], w[from:], stride, rows)
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
