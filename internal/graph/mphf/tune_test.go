package mphf

import (
	"math/bits"
	"os"
	"runtime"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the user+system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestTune prints build CPU time per key, size and eviction counts for a
// grid of parameters. It is a tuning aid for a shared machine, where CPU
// time is steadier than wall time: MPHF_TUNE=<keys> go test -run TestTune -v
func TestTune(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("MPHF_TUNE"))
	if n <= 0 {
		t.Skip("set MPHF_TUNE=<number of keys>")
	}
	keys := distinctKeys(n, 3)
	for _, lambda := range []float64{3.0, 3.5, 3.8} {
		for _, pk := range []int{1 << 13, 1 << 15, 1 << 17} {
			opt := Options{Threads: 1, Lambda: lambda, PartKeys: pk, BatchKeys: n}
			c0, w0 := cpuTime(), time.Now()
			tab, st, err := build(keys, opt)
			c, w := cpuTime()-c0, time.Since(w0)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("lambda=%.1f partKeys=%6d: cpu %5.1f ns/key (wall %5.1f), %.3f bits/key, %.4f evictions/key, max salt %d",
				lambda, pk, float64(c)/float64(n), float64(w)/float64(n),
				tab.BitsPerKey(), float64(st.evictions)/float64(n), st.maxSalt)
		}
	}
}

// threadCPUTime returns the CPU time of the calling OS thread.
func threadCPUTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestLookupSpeed reports median lookup costs as both wall time and thread
// CPU time per lookup; on a shared machine the CPU time is the steadier
// figure (wall time includes time the thread waits for a core):
//
//	MPHF_SPEED=50000000 go test -run TestLookupSpeed -v ./mphf
func TestLookupSpeed(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("MPHF_SPEED"))
	if n <= 0 {
		t.Skip("set MPHF_SPEED=<number of keys>")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	keys := distinctKeys(n, 1)
	tab := mustBuild(t, keys, Options{})
	// floor: dependent random byte reads over an array the size of the
	// pilots, the memory latency any one-probe lookup pays.
	floor := make([]byte, 8*len(tab.pilots))
	for i := range floor {
		floor[i] = byte(i * 7)
	}
	const ops = 10_000_000
	modes := []struct {
		name string
		run  func() uint64
	}{
		{"Lookup (independent)", func() uint64 {
			sum, j := uint64(0), 0
			for range ops {
				sum += tab.Lookup(keys[j])
				if j++; j == n {
					j = 0
				}
			}
			return sum
		}},
		{"Lookup (dependent)", func() uint64 {
			v, j := uint64(0), 0
			for range ops {
				v = tab.Lookup(keys[j+int(v&1)])
				if j++; j == n-1 {
					j = 0
				}
			}
			return v
		}},
		{"floor: dependent random byte read", func() uint64 {
			x, v := uint64(1), uint64(0)
			for range ops {
				x = mix(x + v)
				hi, _ := bits.Mul64(x, uint64(len(floor)))
				v = uint64(floor[hi] & 1)
			}
			return v
		}},
	}
	for _, m := range modes {
		var walls, cpus []float64
		for range 7 {
			c0, w0 := threadCPUTime(), time.Now()
			sink += m.run()
			walls = append(walls, float64(time.Since(w0))/ops)
			cpus = append(cpus, float64(threadCPUTime()-c0)/ops)
		}
		slices.Sort(walls)
		slices.Sort(cpus)
		t.Logf("n=%d %-34s median %6.1f ns/op CPU (min %6.1f), %6.1f ns/op wall (min %6.1f)",
			n, m.name, cpus[3], cpus[0], walls[3], walls[0])
	}
}
