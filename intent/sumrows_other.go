//go:build !amd64

package intent

// sumRowsVector does nothing where there is no vector kernel: sumRows sums every column in Go.
func sumRowsVector(acc, w []float32, stride int, rows []int32) int { return 0 }

// sumHalfRowsVector does nothing where there is no vector kernel.
func sumHalfRowsVector(acc []float32, w []uint16, stride int, rows []int32) int { return 0 }
