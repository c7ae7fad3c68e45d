//go:build !amd64 && !arm64

package prefetch

import "unsafe"

// Line would start loading the cache line holding the byte at p; on this
// architecture it does nothing.
func Line(p unsafe.Pointer) {}
