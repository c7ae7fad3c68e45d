package hugepage

import (
	"syscall"
	"unsafe"
)

// pageSize is the huge page size of x86-64 and arm64 Linux.
const pageSize = 2 << 20

func advise(p unsafe.Pointer, n uintptr) {
	// madvise needs a page-aligned start: round inward to whole 2 MiB
	// pages (the edges stay small pages).
	start := (uintptr(p) + pageSize - 1) &^ (pageSize - 1)
	end := (uintptr(p) + n) &^ (pageSize - 1)
	if end <= start {
		return
	}
	b := unsafe.Slice((*byte)(unsafe.Add(p, start-uintptr(p))), end-start)
	syscall.Madvise(b, 14) // 14 = MADV_HUGEPAGE (linux/mman.h)
}
