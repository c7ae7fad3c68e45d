package em

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mathext"
)

// TestWeightedByHand: singletons a 30, b 10, and 60 fragments of {a, b}
// that favour a 3:1 (MemberWeights 0.75, 0.25), equal effective lengths.
// The fixed point x = 30 + 45x/(0.75x + 0.25y), x + y = 100 solves
// x^2 - 70x - 1500 = 0: x = 35 + sqrt(2725) = 87.2015..., y = 12.7985...
func TestWeightedByHand(t *testing.T) {
	p := &Problem{
		NumTargets:    2,
		Off:           []uint32{0, 1, 2, 4},
		Members:       []uint32{0, 1, 0, 1},
		MemberWeights: []float64{1, 1, 0.75, 0.25},
		Counts:        []int64{30, 10, 60},
		EffLens:       []float64{1000, 1000},
	}
	res := Run(p, MaxRounds, 3000, nil)
	x := 35 + math.Sqrt(2725)
	if math.Abs(res.Alpha[0]-x) > 1e-6 || math.Abs(res.Alpha[1]-(100-x)) > 1e-6 {
		t.Errorf("alpha %v, want %.6f %.6f", res.Alpha, x, 100-x)
	}
	// Without weights the same classes give the unweighted answer:
	// x = 30 + 60x/(x+y) -> x = 75.
	p.MemberWeights = nil
	res = Run(p, MaxRounds, 3000, nil)
	if math.Abs(res.Alpha[0]-75) > 1e-6 {
		t.Errorf("unweighted alpha %v, want 75 25", res.Alpha)
	}
}

// TestVBZeroesWeaklySupported: a has 1,000 fragments of its own; 2
// fragments fit a and b but favour b 600:1. The likelihood
// 1000 log(1-x) + 2 log(1 + 599x) (x = b's share) peaks inside, at
// x = 198/600198, so EM gives b 1002x = 0.3306 fragments; VBEM, whose
// prior of 0.01 weighs b's share by exp(digamma(0.34)) ~ 0.06, takes it to
// exactly 0 and a keeps every fragment.
func TestVBZeroesWeaklySupported(t *testing.T) {
	mk := func(prior float64) *Problem {
		return &Problem{
			NumTargets:    2,
			Off:           []uint32{0, 1, 2, 4},
			Members:       []uint32{0, 1, 0, 1},
			MemberWeights: []float64{1, 1, 1, 600},
			Counts:        []int64{1000, 0, 2},
			EffLens:       []float64{1000, 1000},
			Prior:         prior,
		}
	}
	emRes := Run(mk(0), MaxRounds, MinRounds, nil)
	if want := 1002 * 198.0 / 600198; math.Abs(emRes.Alpha[1]-want) > 1e-3 {
		t.Errorf("EM gave b %g, want the likelihood's maximum %g", emRes.Alpha[1], want)
	}
	vb := Run(mk(0.01), MaxRounds, MinRounds, nil)
	if vb.Alpha[1] != 0 || vb.Alpha[0] != 1002 {
		t.Errorf("VBEM gave %v, want 1002 and 0 (the prior adds no fragment)", vb.Alpha)
	}
}

// TestExpDigamma against gonum's digamma.
func TestExpDigamma(t *testing.T) {
	for _, x := range []float64{1e-9, 1e-4, 0.01, 0.3, 1, 2.5, 5.999, 6, 7.3, 9.99, 10, 50, 63.9, 64, 100, 1e3, 1e7} {
		want := math.Exp(mathext.Digamma(x))
		if got := expDigamma(x); math.Abs(got-want) > 1e-9*want {
			t.Errorf("expDigamma(%g) = %.15g, want %.15g", x, got, want)
		}
	}
}

// TestWeightedThreadsSameBits: with member weights and VBEM, every thread
// count gives the serial bits.
func TestWeightedThreadsSameBits(t *testing.T) {
	for seed := uint64(1); seed <= 2; seed++ {
		mk := func() *Problem {
			p := syntheticPool(400, 3000, 200, seed)
			r := rand.New(rand.NewPCG(seed, 9))
			p.MemberWeights = make([]float64, len(p.Members))
			for i := range p.MemberWeights {
				p.MemberWeights[i] = 0.1 + r.Float64()
			}
			p.Prior = 0.01
			return p
		}
		want := Run(mk(), MaxRounds, MinRounds, nil)
		for _, threads := range []int{2, 5} {
			p := mk()
			p.Threads = threads
			got := Run(p, MaxRounds, MinRounds, nil)
			if got.Rounds != want.Rounds {
				t.Fatalf("seed %d threads %d: %d rounds, serial %d", seed, threads, got.Rounds, want.Rounds)
			}
			for i := range want.Alpha {
				if math.Float64bits(got.Alpha[i]) != math.Float64bits(want.Alpha[i]) {
					t.Fatalf("seed %d threads %d target %d: %v, serial %v", seed, threads, i, got.Alpha[i], want.Alpha[i])
				}
			}
		}
	}
}
