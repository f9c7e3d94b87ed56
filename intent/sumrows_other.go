//go:build !amd64

package intent

// sumRowsVector does nothing where there is no vector kernel: sumRows sums every column in Go.
func sumRowsVector[T weight](acc []float32, w []T, stride int, rows []int32) int { return 0 }
