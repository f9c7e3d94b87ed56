package hashtab

import (
	"runtime"
	"syscall"
	"unsafe"
)

// hugeSlots returns n zeroed slots in memory mapped for the table alone and marked for
// transparent huge pages (2 MiB), or nil when the table is smaller than one or mapping fails.
//
// A big table is touched at random, so with 4 KiB pages every one of them is first a page fault
// (filling the lexicon's 16 MiB was two thirds page faults, a fifth of a process's start-up)
// and then a TLB entry. The slots hold no pointers, so the memory may live outside the Go heap;
// it is unmapped once the table is unreachable.
func hugeSlots[V any](owner *Table[V], n int) []slot[V] {
	size := n * int(unsafe.Sizeof(slot[V]{}))
	const huge = 2 << 20
	if size < huge {
		return nil
	}
	size = (size + huge - 1) &^ (huge - 1)
	mem, err := syscall.Mmap(-1, 0, size+huge, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return nil
	}
	// Align to 2 MiB so the kernel can back the table with huge pages.
	off := 0
	if a := uintptr(unsafe.Pointer(&mem[0])) & (huge - 1); a != 0 {
		off = huge - int(a)
	}
	aligned := mem[off : off+size]
	_ = syscall.Madvise(aligned, syscall.MADV_HUGEPAGE) // advice only: without it, plain pages
	runtime.AddCleanup(owner, func(m []byte) { _ = syscall.Munmap(m) }, mem)
	return unsafe.Slice((*slot[V])(unsafe.Pointer(&aligned[0])), n)
}
