package bias

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gallisto/gallisto/internal/align/pseudo"
)

// TestWalkMatchesWindows: the rolling hexamers of walk are those
// pseudo.Hexamer / HexamerRC give for each window, over the ranges the
// package doc names (forward starts 0 .. len-mean-7, reverse from mean-6).
func TestWalkMatchesWindows(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 50; trial++ {
		n := 7 + rng.IntN(300)
		s := make([]byte, n)
		for i := range s {
			s[i] = "ACGT"[rng.IntN(4)]
		}
		mean := float64(rng.IntN(n + 20))
		for _, st := range []pseudo.Strand{pseudo.Unstranded, pseudo.FR, pseudo.RF} {
			m := NewModel([][]byte{s}, []int32{int32(n)}, []float64{mean}, make([]int64, NumHexamers), st)
			var got []int32
			m.walk(0, func(h int32) { got = append(got, h) })
			var want []int32
			if st != pseudo.RF {
				for j := 0; float64(j) < float64(n)-mean-6; j++ {
					want = append(want, pseudo.Hexamer(s[j:j+6]))
				}
			}
			if st != pseudo.FR {
				lo := int(max(mean-6, 0))
				for j := lo; j < n-6; j++ {
					want = append(want, pseudo.HexamerRC(s[j:j+6]))
				}
			}
			if len(got) != len(want) {
				t.Fatalf("n=%d mean=%g strand %v: %d hexamers, want %d", n, mean, st, len(got), len(want))
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("n=%d mean=%g strand %v: hexamer %d = %d, want %d", n, mean, st, i, got[i], want[i])
				}
			}
		}
	}
}

// TestUpdateUniform: when the observed hexamers are exactly the expected
// ones, the corrected effective length of a lone transcript is the number
// of positions counted.
func TestUpdateUniform(t *testing.T) {
	s := []byte("ACGTTGCAAGCTTAGCGATCGATCGGATCCAGTACGATCGTAGCTAGCTAGGCTAGCATCGAT")
	mean := 10.0
	obs := make([]int64, NumHexamers)
	m := NewModel([][]byte{s}, []int32{int32(len(s))}, []float64{mean}, obs, pseudo.FR)
	m.walk(0, func(h int32) { obs[h]++ })
	var positions int
	m.walk(0, func(int32) { positions++ })
	got := m.Update([]float64{1}, []float64{5})
	if math.Abs(got[0]-float64(positions)) > 1e-9 {
		t.Errorf("effective length %g, want %d", got[0], positions)
	}
	if m.Expected() == nil {
		t.Error("Expected() is nil after Update")
	}
}
