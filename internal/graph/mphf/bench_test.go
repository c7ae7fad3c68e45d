package mphf

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

// distinctKeys returns n distinct 62-bit keys without a set: key i is a
// bijection of i+seed<<40 on [0, 2^62) (an odd multiply and an xor-shift,
// both taken modulo 2^62), so large sets are cheap to make.
func distinctKeys(n int, seed uint64) []uint64 {
	const m62 = 1<<62 - 1
	keys := make([]uint64, n)
	for i := range keys {
		x := (uint64(i) + seed<<40) & m62
		x = x * 0x9e3779b97f4a7c15 & m62
		x ^= x >> 31
		keys[i] = x * 0xbf58476d1ce4e5b9 & m62
	}
	return keys
}

var benchTables sync.Map // n -> *benchTable

type benchTable struct {
	keys []uint64
	tab  *Table
}

func getBenchTable(b *testing.B, n int) *benchTable {
	if v, ok := benchTables.Load(n); ok {
		return v.(*benchTable)
	}
	keys := distinctKeys(n, 1)
	tab, err := Build(keys, Options{})
	if err != nil {
		b.Fatal(err)
	}
	bt := &benchTable{keys, tab}
	benchTables.Store(n, bt)
	return bt
}

var lookupSizes = []int{1_000_000, 50_000_000}

// BenchmarkLookup measures independent lookups of keys of the set, in an
// order unrelated to their hashes: the throughput of a loop over k-mers,
// where the CPU overlaps the cache misses of consecutive lookups.
func BenchmarkLookup(b *testing.B) {
	for _, n := range lookupSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			bt := getBenchTable(b, n)
			keys := bt.keys
			b.ReportAllocs()
			b.ResetTimer()
			sum, j := uint64(0), 0
			for range b.N {
				sum += bt.tab.Lookup(keys[j])
				if j++; j == n {
					j = 0
				}
			}
			sink = sum
		})
	}
}

// BenchmarkLookupDependent measures the latency of one lookup: each key
// depends on the previous result, so no two lookups overlap.
func BenchmarkLookupDependent(b *testing.B) {
	for _, n := range lookupSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			bt := getBenchTable(b, n)
			keys := bt.keys
			b.ReportAllocs()
			b.ResetTimer()
			v, j := uint64(0), 0
			for range b.N {
				// v&1 is 0 or 1: the next key waits for this result.
				v = bt.tab.Lookup(keys[j+int(v&1)])
				if j++; j == n-1 {
					j = 0
				}
			}
			sink = v
		})
	}
}

// BenchmarkLookupParallel runs independent lookups on all goroutines of
// b.RunParallel; ns/op is wall time per lookup over all of them.
func BenchmarkLookupParallel(b *testing.B) {
	for _, n := range lookupSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			bt := getBenchTable(b, n)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				// Each goroutine starts at its own random place.
				j, sum := int(rand.Uint64N(uint64(n))), uint64(0)
				for pb.Next() {
					sum += bt.tab.Lookup(bt.keys[j])
					if j++; j == n {
						j = 0
					}
				}
				sinkMu.Lock()
				sink += sum
				sinkMu.Unlock()
			})
		})
	}
}

var (
	sink   uint64
	sinkMu sync.Mutex
)

// BenchmarkBuild measures Build; MB/s counts 8 bytes per key.
func BenchmarkBuild(b *testing.B) {
	for _, n := range []int{1_000_000, 10_000_000} {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("n=%d/threads=%d", n, threads), func(b *testing.B) {
				keys := distinctKeys(n, 2)
				b.SetBytes(8 * int64(n))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := Build(keys, Options{Threads: threads}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
