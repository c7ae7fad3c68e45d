package mphf

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// randomKeys returns n distinct pseudo-random 62-bit keys (k-mer sized).
func randomKeys(n int, seed uint64) []uint64 {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	keys := make([]uint64, 0, n)
	seen := make(map[uint64]struct{}, n)
	for len(keys) < n {
		k := r.Uint64() >> 2
		if _, dup := seen[k]; !dup {
			seen[k] = struct{}{}
			keys = append(keys, k)
		}
	}
	return keys
}

// checkMinimalPerfect verifies that tab maps keys one-to-one onto [0, n).
func checkMinimalPerfect(t testing.TB, tab *Table, keys []uint64) {
	t.Helper()
	if tab.Len() != len(keys) {
		t.Fatalf("Len = %d, want %d", tab.Len(), len(keys))
	}
	n := uint64(len(keys))
	seen := make([]uint64, (n+63)/64)
	for _, k := range keys {
		v := tab.Lookup(k)
		if v >= n {
			t.Fatalf("Lookup(%#x) = %d, out of [0, %d)", k, v, n)
		}
		if seen[v>>6]&(1<<(v&63)) != 0 {
			t.Fatalf("Lookup(%#x) = %d, already taken", k, v)
		}
		seen[v>>6] |= 1 << (v & 63)
	}
}

func mustBuild(t testing.TB, keys []uint64, opt Options) *Table {
	t.Helper()
	tab, err := Build(keys, opt)
	if err != nil {
		t.Fatalf("Build(%d keys, %+v): %v", len(keys), opt, err)
	}
	return tab
}

func TestSmallSizes(t *testing.T) {
	sizes := []int{0, 1, 2, 3, 7, 8, 9, 63, 64, 65, 100, 1000, 4095, 4096, 4097, 10000}
	for _, n := range sizes {
		for _, seed := range []uint64{0, 1, 0xdeadbeef} {
			t.Run(fmt.Sprintf("n=%d/seed=%d", n, seed), func(t *testing.T) {
				keys := randomKeys(n, seed+uint64(n))
				tab := mustBuild(t, keys, Options{Seed: seed})
				checkMinimalPerfect(t, tab, keys)
				// Non-members map into [0, n) too (0 for n = 0).
				for k := range uint64(1000) {
					v := tab.Lookup(k*0x9e3779b97f4a7c15 + 12345)
					if (n == 0 && v != 0) || (n > 0 && v >= uint64(n)) {
						t.Fatalf("non-member maps to %d", v)
					}
				}
			})
		}
	}
}

func TestRandomSets(t *testing.T) {
	sizes := []int{1 << 16, 1_000_003, 3_000_000}
	if testing.Short() {
		sizes = sizes[:2]
	}
	for _, n := range sizes {
		keys := randomKeys(n, uint64(n))
		tab, st, err := build(keys, Options{Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		checkMinimalPerfect(t, tab, keys)
		t.Logf("n=%d: %.3f bits/key, %d parts x %d buckets, %d batches, %.3f evictions/key, max salt %d",
			n, tab.BitsPerKey(), st.parts, st.buckets, st.batches,
			float64(st.evictions)/float64(n), st.maxSalt)
		if b := tab.BitsPerKey(); b > 4 {
			t.Errorf("%.2f bits/key, want <= 4", b)
		}
	}
}

// TestLowEntropyKeys uses key sets whose bits are far from random:
// consecutive integers, strided integers, and the canonical 31-mers of a
// sequence dominated by poly-A runs.
func TestLowEntropyKeys(t *testing.T) {
	n := 500_000
	consecutive := make([]uint64, n)
	strided := make([]uint64, n)
	highBits := make([]uint64, n)
	for i := range consecutive {
		consecutive[i] = uint64(i)
		strided[i] = uint64(i) << 20
		highBits[i] = uint64(i) << 44
	}
	for name, keys := range map[string][]uint64{
		"consecutive": consecutive,
		"strided":     strided,
		"high-bits":   highBits,
		"polyA-kmers": polyAKmers(31, 400_000),
	} {
		t.Run(name, func(t *testing.T) {
			for _, seed := range []uint64{0, 42} {
				tab := mustBuild(t, keys, Options{Seed: seed})
				checkMinimalPerfect(t, tab, keys)
			}
		})
	}
}

// polyAKmers returns the distinct canonical k-mers (2-bit A=0 C=1 G=2 T=3,
// first base most significant) of a pseudo-random sequence that is mostly
// A, with occasional other bases, until n distinct k-mers are found.
func polyAKmers(k int, n int) []uint64 {
	r := rand.New(rand.NewPCG(1, 2))
	kmask := uint64(1)<<(2*k) - 1
	seen := make(map[uint64]struct{}, n)
	var fw, rc uint64
	for i := 0; len(seen) < n; i++ {
		c := uint64(0) // A
		if r.IntN(8) == 0 {
			c = uint64(r.IntN(4))
		}
		fw = (fw<<2 | c) & kmask
		rc = rc>>2 | (3-c)<<(2*k-2)
		if i >= k-1 {
			seen[min(fw, rc)] = struct{}{}
		}
	}
	keys := make([]uint64, 0, n)
	for k := range seen {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func TestDuplicates(t *testing.T) {
	for _, n := range []int{2, 10, 1000, 200_000} {
		keys := randomKeys(n, 3)
		dup := keys[(n-1)/2]
		keys[n-1] = dup
		for _, threads := range []int{1, 2} {
			_, err := Build(keys, Options{Threads: threads})
			var de *DuplicateKeyError
			if !errors.As(err, &de) || de.Key != dup {
				t.Fatalf("n=%d threads=%d: err = %v, want duplicate key %#x", n, threads, err, dup)
			}
		}
	}
	// All keys equal.
	keys := make([]uint64, 1000)
	if _, err := Build(keys, Options{}); err == nil {
		t.Fatal("no error for 1000 equal keys")
	}
}

func TestDeterminism(t *testing.T) {
	keys := randomKeys(300_000, 11)
	var want []uint64
	for _, opt := range []Options{
		{Threads: 1},
		{Threads: 2},
		{Threads: 3, BatchKeys: 50_000},
		{Threads: 8, BatchKeys: 1},
	} {
		opt.Seed = 99
		opt.PartKeys = 4096
		got := mustBuild(t, keys, opt).AppendWords(nil)
		if want == nil {
			want = got
		} else if !slices.Equal(got, want) {
			t.Fatalf("%+v: serialization differs", opt)
		}
	}
	// Key order does not matter either.
	rev := slices.Clone(keys)
	slices.Reverse(rev)
	if got := mustBuild(t, rev, Options{Seed: 99, PartKeys: 4096}).AppendWords(nil); !slices.Equal(got, want) {
		t.Fatal("reversed keys: serialization differs")
	}
	// A different seed gives a different function.
	if got := mustBuild(t, keys, Options{Seed: 100, PartKeys: 4096}).AppendWords(nil); slices.Equal(got[8:], want[8:]) {
		t.Fatal("seed has no effect")
	}
}

func TestOptions(t *testing.T) {
	keys := randomKeys(50_000, 5)
	for _, opt := range []Options{
		{Lambda: 1}, {Lambda: 3}, {Lambda: 4}, {Alpha: 0.9}, {Alpha: 0.995},
		{PartKeys: 64}, {PartKeys: 1 << 20}, {BatchKeys: 1},
	} {
		tab := mustBuild(t, keys, opt)
		checkMinimalPerfect(t, tab, keys)
	}
	for _, opt := range []Options{
		{Lambda: -1}, {Lambda: 4.5}, {Alpha: 0.3}, {Alpha: 1}, {PartKeys: 10}, {BatchKeys: -1},
	} {
		if _, err := Build(keys, opt); err == nil {
			t.Errorf("%+v: no error", opt)
		}
	}
}

func TestMixInverse(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 10000 {
		x := r.Uint64()
		if got := unmix(mix(x)); got != x {
			t.Fatalf("unmix(mix(%#x)) = %#x", x, got)
		}
	}
	for _, c := range []uint64{mixMul1, mixMul2} {
		if c*inverseOdd(c) != 1 {
			t.Fatalf("inverseOdd(%#x) wrong", c)
		}
	}
}

func TestBucketIn(t *testing.T) {
	for _, nb := range []uint64{8, 24, 9368} {
		prev := uint64(0)
		for i := range uint64(1 << 16) {
			r := i<<48 | i
			b := bucketIn(r, nb)
			if b >= nb || b < prev {
				t.Fatalf("nb=%d: bucketIn(%#x) = %d after %d", nb, r, b, prev)
			}
			prev = b
		}
		if b := bucketIn(^uint64(0), nb); b != nb-1 {
			t.Fatalf("nb=%d: bucketIn(max) = %d", nb, b)
		}
	}
}

// TestHopelessPart checks that an impossible part (fewer slots than keys)
// ends in an error, not a loop, and quickly.
func TestHopelessPart(t *testing.T) {
	hs := make([]uint64, 1000)
	for i, k := range randomKeys(len(hs), 8) {
		hs[i] = mix(k)
	}
	pb := newPartBuilder(1, 288, 0)
	_, err := pb.build(0, hs, uint64(len(hs)-1), 0)
	var de *DuplicateKeyError
	if err == nil || errors.As(err, &de) {
		t.Fatalf("err = %v, want a pilot search failure", err)
	}
	t.Log(err)
}
