package kdict

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"
)

// build makes a dictionary of n random 62-bit keys in nparts parts, with
// value i+1000 for the i-th key (in sorted order).
func build(t *testing.T, n, nparts int) (*Dict, []uint64) {
	t.Helper()
	r := rand.New(rand.NewPCG(uint64(n), uint64(nparts)))
	seen := map[uint64]bool{}
	var keys []uint64
	for len(keys) < n {
		k := r.Uint64() >> 2
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	b := NewBuilder(nparts, 2)
	for p := 0; p < nparts; p++ {
		var part []uint64
		for _, k := range keys {
			if PartOf(k, nparts) == p {
				part = append(part, k)
			}
		}
		if _, err := b.AddPart(part); err != nil {
			t.Fatal(err)
		}
	}
	d, err := b.Finish(7)
	if err != nil {
		t.Fatal(err)
	}
	f := d.NewFilter()
	for i, k := range keys {
		d.Values()[d.Index(k)] = uint32(i + 1000)
		f.Add(k)
	}
	d.SetFilter(f)
	return d, keys
}

func TestDict(t *testing.T) {
	for _, tc := range []struct{ n, parts int }{{0, 1}, {1, 1}, {2, 3}, {1000, 4}, {50000, 16}} {
		d, keys := build(t, tc.n, tc.parts)
		var buf bytes.Buffer
		if _, err := d.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		if buf.Len() != 8*d.SizeWords() {
			t.Fatalf("n=%d: wrote %d bytes, SizeWords says %d", tc.n, buf.Len(), d.SizeWords())
		}
		words := make([]uint64, buf.Len()/8)
		copy(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(words))), buf.Len()), buf.Bytes())
		words = append(words, 42) // a word after the dictionary
		e, rest, err := FromWords(words)
		if err != nil {
			t.Fatalf("n=%d: %v", tc.n, err)
		}
		if len(rest) != 1 || rest[0] != 42 {
			t.Fatalf("n=%d: rest %v", tc.n, rest)
		}
		for _, dd := range []*Dict{d, e} {
			if dd.Len() != tc.n {
				t.Fatalf("Len %d, want %d", dd.Len(), tc.n)
			}
			for i, k := range keys {
				if v, ok := dd.Get(k); !ok || v != uint32(i+1000) {
					t.Fatalf("n=%d: Get(key %d) = %d,%v", tc.n, i, v, ok)
				}
			}
		}
	}
}

func TestBuilderRejects(t *testing.T) {
	b := NewBuilder(2, 1)
	var wrong uint64
	for PartOf(wrong, 2) == 0 {
		wrong++
	}
	if _, err := b.AddPart([]uint64{wrong}); err == nil {
		t.Error("a key of part 1 was accepted in part 0")
	}
	if _, err := b.Finish(0); err == nil {
		t.Error("Finish with parts missing succeeded")
	}
	if _, _, err := FromWords([]uint64{1}); err == nil {
		t.Error("FromWords accepted a short header")
	}
}

// TestGetPair: GetPair answers as two Gets, for every mix of present keys,
// absent keys the filter rejects and absent keys it lets through, and on
// an empty dictionary.
func TestGetPair(t *testing.T) {
	for _, tc := range []struct{ n, parts int }{{0, 1}, {1000, 4}} {
		d, keys := build(t, tc.n, tc.parts)
		r := rand.New(rand.NewPCG(1, 2))
		probe := func() uint64 {
			if len(keys) > 0 && r.IntN(2) == 0 {
				return keys[r.IntN(len(keys))]
			}
			return r.Uint64() >> 2 // absent (almost surely)
		}
		passed := 0
		for i := 0; i < 20000; i++ {
			a, b := probe(), probe()
			va, oka, vb, okb := d.GetPair(a, b)
			wa, wka := d.Get(a)
			wb, wkb := d.Get(b)
			if va != wa || oka != wka || vb != wb || okb != wkb {
				t.Fatalf("n=%d: GetPair(%#x, %#x) = %d %v %d %v, Get gives %d %v %d %v", tc.n, a, b, va, oka, vb, okb, wa, wka, wb, wkb)
			}
			if oka {
				passed++
			}
		}
		if tc.n > 0 && passed == 0 {
			t.Errorf("n=%d: no key passed the filter", tc.n)
		}
	}
}
