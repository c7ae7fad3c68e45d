package mphf

import (
	"fmt"
	"math/bits"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// envKeys returns the number of keys named by environment variable name,
// or def.
func envKeys(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// cpuTime returns the user+system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// threadCPUTime returns the CPU time of the calling OS thread.
func threadCPUTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkTune builds over a grid of parameters, one thread, and reports
// for each the build's CPU time per key (steadier than wall time on a
// shared machine), the size and the eviction counts: the measurements
// behind the defaults (package doc). Keys: MPHF_TUNE, default 2^21.
//
//	MPHF_TUNE=10000000 go test -run '^$' -bench Tune -benchtime 1x ./internal/graph/mphf
func BenchmarkTune(b *testing.B) {
	n := envKeys("MPHF_TUNE", 1<<21)
	keys := distinctKeys(n, 3)
	for _, lambda := range []float64{3.0, 3.5, 3.8} {
		for _, pk := range []int{1 << 13, 1 << 15, 1 << 17} {
			b.Run(fmt.Sprintf("lambda=%.1f/partKeys=%d", lambda, pk), func(b *testing.B) {
				opt := Options{Threads: 1, Lambda: lambda, PartKeys: pk, BatchKeys: n}
				var tab *Table
				var st buildStats
				c0 := cpuTime()
				for b.Loop() {
					var err error
					if tab, st, err = build(keys, opt); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(cpuTime()-c0)/float64(b.N)/float64(n), "cpu-ns/key")
				b.ReportMetric(tab.BitsPerKey(), "bits/key")
				b.ReportMetric(float64(st.evictions)/float64(n), "evictions/key")
				b.ReportMetric(float64(st.maxSalt), "max-salt")
			})
		}
	}
}

// BenchmarkLookupFloor is the floor any one-probe lookup pays: dependent
// random byte reads over an array the size of the pilots of a table of n
// keys. Compare with BenchmarkLookupDependent; cpu-ns/op is the thread's
// CPU time, steadier than wall time on a shared machine.
func BenchmarkLookupFloor(b *testing.B) {
	for _, n := range lookupSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			tab := getBenchTable(b, n).tab
			floor := make([]byte, 8*len(tab.pilots))
			for i := range floor {
				floor[i] = byte(i * 7)
			}
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			c0 := threadCPUTime()
			x, v := uint64(1), uint64(0)
			for b.Loop() {
				x = mix(x + v)
				hi, _ := bits.Mul64(x, uint64(len(floor)))
				v = uint64(floor[hi] & 1)
			}
			sink += v
			b.ReportMetric(float64(threadCPUTime()-c0)/float64(b.N), "cpu-ns/op")
		})
	}
}
