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

// TestLarge builds and checks a Table over many keys, reporting build
// time, size and peak memory. It is off by default (50 M keys need about
// 0.5 GB and a minute on two cores):
//
//	MPHF_LARGE=50000000 go test -run TestLarge -v -timeout 1h ./mphf
func TestLarge(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("MPHF_LARGE"))
	if n <= 0 || testing.Short() {
		t.Skip("set MPHF_LARGE=<number of keys> (and no -short)")
	}
	threads, _ := strconv.Atoi(os.Getenv("MPHF_THREADS"))
	keys := distinctKeys(n, 4)
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
	c0, w0 := cpuTime(), time.Now()
	tab, st, err := build(keys, Options{Threads: threads})
	c, w := cpuTime()-c0, time.Since(w0)
	close(stop)
	if err != nil {
		t.Fatal(err)
	}
	extra := peak.Load() - base
	sum := crc64.New(crc64.MakeTable(crc64.ECMA))
	b, _ := tab.MarshalBinary()
	sum.Write(b)
	t.Logf("serialized table CRC-64 %016x (compare across MPHF_THREADS values)", sum.Sum64())
	t.Logf("n=%d threads=%d: build %.1fs wall, %.1fs CPU (%.0f ns/key CPU); %.3f bits/key (%d parts x %d buckets, %d batches); "+
		"%.4f evictions/key, max salt %d; peak heap beyond the keys %.1f MiB (%.2f bytes/key)",
		n, threads, w.Seconds(), c.Seconds(), float64(c)/float64(n), tab.BitsPerKey(),
		st.parts, st.buckets, st.batches, float64(st.evictions)/float64(n), st.maxSalt,
		float64(extra)/(1<<20), float64(extra)/float64(n))
	w0 = time.Now()
	checkMinimalPerfect(t, tab, keys)
	t.Logf("checked bijection in %.1fs", time.Since(w0).Seconds())
}

// heapObjects returns the bytes of heap objects, live or not yet swept.
func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
