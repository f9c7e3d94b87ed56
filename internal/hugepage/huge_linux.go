package hugepage

import (
	"runtime"
	"syscall"
	"unsafe"
)

const supported = true

// advise asks for huge pages for the n bytes at p. It is advice only: should the kernel refuse
// it (huge pages disabled, an old kernel), the memory is plain pages.
func advise(p unsafe.Pointer, n int) {
	_ = syscall.Madvise(unsafe.Slice((*byte)(p), n), syscall.MADV_HUGEPAGE)
}

// Alloc returns n zeroed elements of T in memory mapped for them alone, outside the Go heap,
// aligned to huge pages and marked for them, and unmapped once owner is unreachable. An array
// smaller than MinBytes, or one the kernel will not map, is made on the heap instead.
//
// The garbage collector neither scans nor counts the memory: T must hold no pointers, and
// nothing that may outlive owner may keep a reference into the array. In exchange the rounding
// up to whole huge pages costs no heap (a heap array's unused tail raises the collector's
// target as if it were live), which suits the big tables a process keeps for its life.
func Alloc[T, O any](owner *O, n int) []T {
	s, mem := mapped[T](n)
	if mem != nil {
		runtime.AddCleanup(owner, func(m []byte) { _ = syscall.Munmap(m) }, mem)
	}
	return s
}

// Temp is Alloc for an array its caller fills, uses and drops: free unmaps it (nothing may use
// it after), so the garbage collector never counts it, nor has it to collect. free does nothing
// for an array made on the heap.
func Temp[T any](n int) (s []T, free func()) {
	s, mem := mapped[T](n)
	if mem == nil {
		return s, func() {}
	}
	return s, func() { _ = syscall.Munmap(mem) }
}

// mapped returns n zeroed elements of T in huge pages of a mapping of their own, and the
// mapping; or n elements on the heap and nil.
func mapped[T any](n int) ([]T, []byte) {
	var zero T
	es := int(unsafe.Sizeof(zero))
	if es == 0 || n < MinBytes/es {
		return make([]T, n), nil
	}
	run := (n*es + Size - 1) &^ (Size - 1)
	mem, err := syscall.Mmap(-1, 0, run+Size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return make([]T, n), nil
	}
	off := 0 // to the first huge-page boundary, so the kernel can back the run with huge pages
	if a := int(uintptr(unsafe.Pointer(&mem[0])) & (Size - 1)); a != 0 {
		off = Size - a
	}
	advise(unsafe.Pointer(&mem[off]), run)
	return unsafe.Slice((*T)(unsafe.Pointer(&mem[off])), n), mem
}
