package fragmodel

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gallisto/gallisto/internal/align/pseudo"
	"github.com/gallisto/gallisto/internal/estimate/em"
)

func near(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// TestConditionalByHand checks the likelihood terms of the package doc on
// cases computed by hand: a flat distribution over 0..999 (pmf 1/1000,
// C(l) = (l+1)/1000), two transcripts.
func TestConditionalByHand(t *testing.T) {
	flat := make([]float64, MaxLen)
	for i := range flat {
		flat[i] = 1
	}
	lens := []int32{500, 2000}
	eff := []float64{300, 1800}
	m := New(flat, lens, eff, Parts{})
	r := pseudo.ErrorRate / 3 / (1 - pseudo.ErrorRate)
	p := make([]float64, 2)
	members := []uint32{0, 1}
	tests := []struct {
		name   string
		places []pseudo.Place
		want0  float64 // unnormalised weight of transcript 0, then 1
		want1  float64
	}{
		{
			// pair: pmf/C(L) * eff/(L-l+1); C(500) = 0.501, C(2000) = 1
			"pair", []pseudo.Place{{FragLen: 200}, {FragLen: 200}},
			0.001 / 0.501 * 300 / 301, 0.001 / 1 * 1800 / 1801,
		},
		{
			"pair, one more mismatch on 1", []pseudo.Place{{FragLen: 200, Mismatches: 2}, {FragLen: 250, Mismatches: 3}},
			0.001 / 0.501 * 300 / 301, r * 0.001 * 1800 / 1751,
		},
		{
			// single read: C(room)/C(L); room 100 -> 0.101
			"single", []pseudo.Place{{Room: 100}, {Room: 1500}},
			0.101 / 0.501, 1,
		},
		{
			"mates not facing", []pseudo.Place{{}, {Mismatches: 1}},
			1, r,
		},
	}
	for _, tc := range tests {
		m.Conditional(tc.places, members, p)
		s := tc.want0 + tc.want1
		if !near(p[0], tc.want0/s, 1e-12) || !near(p[1], tc.want1/s, 1e-12) {
			t.Errorf("%s: p = %v, want %v", tc.name, p, []float64{tc.want0 / s, tc.want1 / s})
		}
	}
	// Switched off, the terms weigh nothing.
	off := New(flat, lens, eff, Parts{NoLength: true, NoMismatch: true})
	off.Conditional([]pseudo.Place{{FragLen: 100, Mismatches: 5}, {FragLen: 400}}, members, p)
	if p[0] != 0.5 || p[1] != 0.5 {
		t.Errorf("all parts off: p = %v, want 0.5 each", p)
	}
}

// TestSmooth: the smoothed distribution sums to one, has no zero, peaks
// where the histogram does and keeps its mean.
func TestSmooth(t *testing.T) {
	hist := make([]int64, MaxLen)
	r := rand.New(rand.NewPCG(1, 1))
	for i := 0; i < 10000; i++ {
		l := int(r.NormFloat64()*40 + 250)
		if l > 0 && l < MaxLen {
			hist[l]++
		}
	}
	w := Smooth(hist)
	total, mean, peak := 0.0, 0.0, 0
	for l, x := range w {
		if x <= 0 {
			t.Fatalf("weight of length %d is %g", l, x)
		}
		total += x
		mean += x * float64(l)
		if x > w[peak] {
			peak = l
		}
	}
	mean /= total
	if math.Abs(mean-250) > 6 || peak < 235 || peak > 265 {
		t.Errorf("mean %.1f, peak %d; want about 250", mean, peak)
	}
	if !near(total, 1+1.0/10000, 1e-9) { // one pseudo-fragment over 10,000
		t.Errorf("total %g", total)
	}
	if w := Smooth(make([]int64, MaxLen)); w[0] != w[999] {
		t.Error("an empty histogram should give a flat distribution")
	}
}

// TestClassesBinning: fragments with the same class and bins share a
// range class whose weights are the mean; other bins make another one.
func TestClassesBinning(t *testing.T) {
	c := NewClasses(false)
	c.Add(7, []float64{0.5, 0.5})
	c.Add(7, []float64{0.45, 0.55}) // bins of 5 per unit: 2,2 and 2,2
	c.Add(7, []float64{0.9, 0.1})   // 4,0
	c.Add(8, []float64{0.5, 0.5})
	if c.Len() != 3 {
		t.Fatalf("%d range classes, want 3", c.Len())
	}
	if c.count[0] != 2 || !near(c.w[0]/2, 0.475, 1e-12) || !near(c.w[1]/2, 0.525, 1e-12) {
		t.Errorf("first class: count %d, weight sums %v", c.count[0], c.w[:2])
	}
	nb := NewClasses(true)
	nb.Add(7, []float64{0.5, 0.5})
	nb.Add(7, []float64{0.9, 0.1})
	if nb.Len() != 1 {
		t.Errorf("without bins: %d classes, want 1", nb.Len())
	}
}

// TestGroupedEqualsPerFragment: the EM over range classes gives about the
// answer of an EM in which every fragment is its own class with its own
// weights (the likelihood the classes approximate), on random problems.
func TestGroupedEqualsPerFragment(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 5; trial++ {
		const nt = 6
		eff := make([]float64, nt)
		for i := range eff {
			eff[i] = 500 + r.Float64()*1500
		}
		classes := [][]uint32{{0, 1}, {1, 2, 3}, {3, 4}, {0, 4, 5}, {2, 5}}
		grouped := NewClasses(false)
		single := make([]int64, nt)
		perFrag := &em.Problem{NumTargets: nt, EffLens: eff}
		for i := 0; i < nt; i++ {
			perFrag.Off = append(perFrag.Off, uint32(i))
			perFrag.Members = append(perFrag.Members, uint32(i))
			perFrag.MemberWeights = append(perFrag.MemberWeights, 1)
		}
		for f := 0; f < 3000; f++ {
			if r.IntN(5) == 0 {
				single[r.IntN(nt)]++
				continue
			}
			ci := r.IntN(len(classes))
			cl := classes[ci]
			p := make([]float64, len(cl))
			sum := 0.0
			for j := range p {
				p[j] = math.Exp(r.NormFloat64()) // fragments that favour members differently
				sum += p[j]
			}
			for j := range p {
				p[j] /= sum
			}
			grouped.Add(uint32(ci), p)
			perFrag.Off = append(perFrag.Off, uint32(len(perFrag.Members)))
			perFrag.Members = append(perFrag.Members, cl...)
			perFrag.MemberWeights = append(perFrag.MemberWeights, p...)
			perFrag.Counts = append(perFrag.Counts, 1)
		}
		perFrag.Counts = append(append([]int64(nil), single...), perFrag.Counts...)
		perFrag.Off = append(perFrag.Off, uint32(len(perFrag.Members)))
		g := grouped.Problem(nt, single, func(b uint32) []uint32 { return classes[b] }, eff)
		a := em.Run(g, em.MaxRounds, 2000, nil).Alpha
		b := em.Run(perFrag, em.MaxRounds, 2000, nil).Alpha
		for i := range a {
			if math.Abs(a[i]-b[i]) > 0.03*b[i]+2 {
				t.Errorf("trial %d target %d: grouped %.2f, per fragment %.2f (%d range classes)", trial, i, a[i], b[i], grouped.Len())
			}
		}
	}
}
