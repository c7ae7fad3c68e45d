package bloom

import (
	"math/rand/v2"
	"testing"
)

func TestNoFalseNegativesAndRate(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const n = 200000
	f := New(n, 12)
	keys := make([]uint64, n)
	for i := range keys {
		keys[i] = r.Uint64() >> 2 // k-mers use 62 bits
		f.Add(keys[i])
	}
	for _, k := range keys {
		if !f.Has(k) {
			t.Fatalf("false negative for %x", k)
		}
	}
	fp := 0
	const probes = 200000
	for i := 0; i < probes; i++ {
		if f.Has(r.Uint64() >> 2) {
			fp++
		}
	}
	// With 12 bits per key and one bit in each of 8 words of a block, the
	// false positive rate is about 1-3% (block load varies); 5% means a bug.
	if rate := float64(fp) / probes; rate > 0.05 {
		t.Errorf("false positive rate %.3f", rate)
	}
	g, err := FromWords(f.Words())
	if err != nil || !g.Has(keys[0]) {
		t.Fatalf("FromWords: %v", err)
	}
	if _, err := FromWords(make([]uint64, 7)); err == nil {
		t.Error("FromWords accepted 7 words")
	}
}

// Consecutive integers, like k-mers of a low-complexity sequence, must
// spread over blocks as well as random keys do.
func TestLowEntropyKeys(t *testing.T) {
	f := New(10000, 12)
	for i := uint64(0); i < 10000; i++ {
		f.Add(i)
	}
	fp := 0
	for i := uint64(1 << 40); i < 1<<40+100000; i++ {
		if f.Has(i) {
			fp++
		}
	}
	if fp > 5000 {
		t.Errorf("%d false positives of 100000", fp)
	}
}

func BenchmarkHas(b *testing.B) {
	f := New(1<<22, 12)
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 1<<22; i++ {
		f.Add(r.Uint64())
	}
	keys := make([]uint64, 1<<16)
	for i := range keys {
		keys[i] = r.Uint64()
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f.Has(keys[i&(1<<16-1)])
		i++
	}
}

func BenchmarkHasSmall(b *testing.B) {
	f := New(1<<12, 12)
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 1<<12; i++ {
		f.Add(r.Uint64())
	}
	keys := make([]uint64, 1<<16)
	for i := range keys {
		keys[i] = r.Uint64()
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f.Has(keys[i&(1<<16-1)])
		i++
	}
}

// TestPrefetch checks the alignment flag of filters over aligned and
// unaligned words, and that prefetching (one line or two) changes no
// answer.
func TestPrefetch(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	keys := make([]uint64, 5000)
	for i := range keys {
		keys[i] = r.Uint64()
	}
	f := New(len(keys), 12)
	for _, k := range keys[:2500] {
		f.Add(k)
	}
	// New's words are one large allocation: page-aligned in Go's heap.
	if !f.aligned {
		t.Fatalf("New: words at %p, want 64-byte aligned", &f.words[0])
	}
	// The same bits one word further on are not.
	shifted := make([]uint64, len(f.words)+1)
	copy(shifted[1:], f.words)
	g, err := FromWords(shifted[1:])
	if err != nil {
		t.Fatal(err)
	}
	if g.aligned {
		t.Fatalf("FromWords(words[1:]) reports aligned blocks")
	}
	for _, flt := range []*Filter{f, g} {
		for i, k := range keys {
			flt.Prefetch(k)
			if got, want := flt.Has(k), f.Has(k); got != want {
				t.Fatalf("key %d: Has = %v after Prefetch, want %v", i, got, want)
			}
			if i < 2500 && !flt.Has(k) {
				t.Fatalf("key %d was added but Has is false", i)
			}
		}
	}
}
