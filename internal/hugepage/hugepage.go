// Package hugepage asks the kernel to back large, randomly accessed arrays
// with transparent huge pages (2 MiB instead of 4 KiB on x86-64), which cuts
// the address-translation misses of random lookups. It is advice: where
// the kernel or platform does not support it, nothing changes.
package hugepage

import "unsafe"

// minBytes is the size below which advice is not worth a system call: a
// few huge pages.
const minBytes = 8 << 20

// Advise advises huge pages for the memory of s (a slice of any type).
func Advise[T any](s []T) {
	var zero T
	n := uintptr(len(s)) * unsafe.Sizeof(zero)
	if n < minBytes {
		return
	}
	advise(unsafe.Pointer(unsafe.SliceData(s)), n)
}
