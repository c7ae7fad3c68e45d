package prefetch

import "unsafe"

// Line starts loading the cache line holding the byte at p into all cache levels.
//
//go:noescape
func Line(p unsafe.Pointer)
