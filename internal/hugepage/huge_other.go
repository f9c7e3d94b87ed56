//go:build !linux

package hugepage

import "unsafe"

// supported is false: elsewhere Make is make.
const supported = false

func advise(unsafe.Pointer, int) {}

// Alloc is make([]T, n): huge pages are asked for on Linux only.
func Alloc[T, O any](_ *O, n int) []T { return make([]T, n) }

// Temp is make([]T, n) with a free that does nothing: huge pages are asked for on Linux only.
func Temp[T any](n int) ([]T, func()) { return make([]T, n), func() {} }
