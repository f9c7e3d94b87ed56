package hugepage

import "unsafe"

// Size is the size of a huge page on the platforms huge pages are asked for on (x86-64 and
// arm64 with 4 KiB base pages).
const Size = 2 << 20

// MinBytes is the smallest array that gets huge pages. Below it the part of a huge page the
// array would not fill costs more zeroing than the page faults it saves.
const MinBytes = 1 << 20

// Make returns a zeroed slice of n elements, as make([]T, n) does. On Linux, an array of at
// least MinBytes starts on a huge-page boundary of memory the kernel is asked to back with huge
// pages (madvise MADV_HUGEPAGE), and its last huge page is its own: the allocation is up to two
// huge pages longer than the array, address space that is never touched but that the garbage
// collector counts as live while the array is. Make suits arrays that may be shared; Alloc,
// those one long-lived owner keeps to itself; Temp, those a function drops when it is done.
//
// The array lives on the Go heap like any other, and the advice only changes how the kernel
// backs it: memory the runtime reuses (already backed) gains nothing, and where huge pages are
// disabled it is plain pages. Elements whose size is not a power of two get a plain make.
func Make[T any](n int) []T {
	var zero T
	es := int(unsafe.Sizeof(zero))
	if !supported || es == 0 || es&(es-1) != 0 || n < MinBytes/es {
		return make([]T, n)
	}
	run := (n*es + Size - 1) &^ (Size - 1) // the huge pages the array spans
	s := make([]T, (run+Size)/es)
	// The runtime places big arrays on 8 KiB boundaries, so a power-of-two element size divides
	// the distance to the next huge-page boundary.
	off := 0
	if r := int(uintptr(unsafe.Pointer(unsafe.SliceData(s))) & (Size - 1)); r != 0 {
		off = (Size - r) / es
	}
	s = s[off : off+n : off+n]
	advise(unsafe.Pointer(unsafe.SliceData(s)), run)
	return s
}
