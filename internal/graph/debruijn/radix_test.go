package debruijn

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSortUint64(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{0, 1, 2, 255, 256, 257, 1000, 100000} {
		for _, bits := range []uint{3, 8, 12, 62, 64} {
			v := make([]uint64, n)
			for i := range v {
				v[i] = r.Uint64() >> (64 - bits)
				if i%7 == 0 && i > 0 {
					v[i] = v[i-1] // duplicates
				}
			}
			want := slices.Clone(v)
			slices.Sort(want)
			sortUint64(v, topShift(bits))
			if !slices.Equal(v, want) {
				t.Fatalf("n=%d bits=%d: not sorted", n, bits)
			}
		}
	}
}

func BenchmarkSortUint64(b *testing.B) {
	r := rand.New(rand.NewPCG(2, 2))
	src := make([]uint64, 1<<20)
	for i := range src {
		src[i] = r.Uint64() >> 2
	}
	v := make([]uint64, len(src))
	b.SetBytes(8 << 20)
	for b.Loop() {
		copy(v, src)
		sortUint64(v, topShift(62))
	}
}

func BenchmarkSlicesSort(b *testing.B) {
	r := rand.New(rand.NewPCG(2, 2))
	src := make([]uint64, 1<<20)
	for i := range src {
		src[i] = r.Uint64() >> 2
	}
	v := make([]uint64, len(src))
	b.SetBytes(8 << 20)
	for b.Loop() {
		copy(v, src)
		slices.Sort(v)
	}
}
