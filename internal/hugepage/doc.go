// Package hugepage allocates big arrays that the kernel is asked to back with transparent huge
// pages (2 MiB) rather than 4 KiB ones.
//
// A process's start-up fills tens of megabytes of fresh memory (the segmenter's lexicon, the
// classifier's weights and feature rows), and on Linux every 4 KiB page of it is first a page
// fault. On the virtual machines zhiyi runs on a fault costs about 10 µs: 32 MiB written page by
// page took 90 ms, the same memory in huge pages 10 ms. The Go runtime does not ask for huge
// pages itself, and with the kernel's usual setting (transparent_hugepage=madvise) memory only
// gets them when asked.
package hugepage
