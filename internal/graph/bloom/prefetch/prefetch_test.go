package prefetch

import (
	"testing"
	"unsafe"
)

// TestLine prefetches every word of a slice, including its last one: a
// prefetch must never fault or change memory, whatever the address.
func TestLine(t *testing.T) {
	w := make([]uint64, 1000)
	for i := range w {
		w[i] = uint64(i)
	}
	for i := range w {
		Line(unsafe.Pointer(&w[i]))
	}
	for i := range w {
		if w[i] != uint64(i) {
			t.Fatalf("word %d changed to %d", i, w[i])
		}
	}
}

// BenchmarkLine is the cost of one prefetch of a cached line: the call
// overhead, since Go does not inline assembly.
func BenchmarkLine(b *testing.B) {
	w := make([]uint64, 8)
	b.ReportAllocs()
	for b.Loop() {
		Line(unsafe.Pointer(&w[0]))
	}
}
