package mphf

import (
	"hash/crc64"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkBuildLarge builds a Table over many keys (MPHF_LARGE, default
// 2^24; 50 M keys need about 0.5 GB and a minute on two cores) on
// MPHF_THREADS goroutines (default all), checks it is minimal and perfect,
// and reports its size, the peak heap beyond the keys and the evictions;
// crc64 identifies the table, to compare across MPHF_THREADS values.
//
//	MPHF_LARGE=50000000 go test -run '^$' -bench BuildLarge -benchtime 1x -timeout 1h ./internal/graph/mphf
func BenchmarkBuildLarge(b *testing.B) {
	n := envKeys("MPHF_LARGE", 1<<24)
	threads, _ := strconv.Atoi(os.Getenv("MPHF_THREADS"))
	keys := distinctKeys(n, 4)
	b.SetBytes(8 * int64(n))
	var tab *Table
	var st buildStats
	var extra uint64
	c0 := cpuTime()
	for b.Loop() {
		runtime.GC()
		base := heapObjects()
		stop := make(chan struct{})
		var peak atomic.Uint64
		go func() { // sample the live heap: runtime/metrics has no peak
			for {
				peak.Store(max(peak.Load(), heapObjects()))
				select {
				case <-stop:
					return
				case <-time.After(time.Millisecond):
				}
			}
		}()
		var err error
		tab, st, err = build(keys, Options{Threads: threads})
		close(stop)
		if err != nil {
			b.Fatal(err)
		}
		extra = max(extra, peak.Load()-base)
	}
	c := cpuTime() - c0
	b.StopTimer()
	checkMinimalPerfect(b, tab, keys)
	sum := crc64.New(crc64.MakeTable(crc64.ECMA))
	bin, _ := tab.MarshalBinary()
	sum.Write(bin)
	b.ReportMetric(float64(c)/float64(b.N)/float64(n), "cpu-ns/key")
	b.ReportMetric(tab.BitsPerKey(), "bits/key")
	b.ReportMetric(float64(extra)/float64(n), "peak-heap-B/key")
	b.ReportMetric(float64(st.evictions)/float64(n), "evictions/key")
	b.ReportMetric(float64(sum.Sum64()>>40), "crc64-top24")
}

// heapObjects returns the bytes of heap objects, live or not yet swept.
func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
