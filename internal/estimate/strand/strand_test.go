package strand

import (
	"math"
	"testing"

	"github.com/gallisto/gallisto/internal/align/pseudo"
)

func TestDecide(t *testing.T) {
	tests := []struct {
		name   string
		ev     Counts
		choice string
		strand pseudo.Strand
	}{
		{"none informative", Counts{Neither: 500}, "undetermined", pseudo.Unstranded},
		{"too few", Counts{FR: 99}, "undetermined", pseudo.Unstranded},
		{"just enough FR", Counts{FR: 100}, "fr", pseudo.FR},
		{"stranded FR 97%", Counts{FR: 9700, RF: 300, Neither: 50}, "fr", pseudo.FR},
		{"stranded RF 98%", Counts{FR: 200, RF: 9800}, "rf", pseudo.RF},
		{"unstranded 50%", Counts{FR: 5000, RF: 5000}, "unstranded", pseudo.Unstranded},
		{"mixture 75%", Counts{FR: 7500, RF: 2500}, "undetermined", pseudo.Unstranded},
		{"near 58% of 120", Counts{FR: 70, RF: 50}, "undetermined", pseudo.Unstranded},    // interval reaches past 0.7
		{"FR at the edge", Counts{FR: 8000, RF: 2000}, "undetermined", pseudo.Unstranded}, // interval straddles 0.8
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Decide(tc.ev)
			if c.Choice != tc.choice || c.Strand != tc.strand {
				t.Errorf("Decide(%+v) = %s/%v, want %s/%v (interval %.4f-%.4f, reason %q)", tc.ev, c.Choice, c.Strand, tc.choice, tc.strand, c.Low, c.High, c.Reason)
			}
			if (c.Choice == "undetermined") != (c.Reason != "") {
				t.Errorf("reason %q with choice %s", c.Reason, c.Choice)
			}
		})
	}
}

// TestWilson checks the interval against values computed by hand from the
// formula (p = 0.5, n = 100, z = 1.96: 0.4038-0.5962) and its edges.
func TestWilson(t *testing.T) {
	lo, hi := Wilson(0.5, 100, 1.96)
	if math.Abs(lo-0.40383) > 1e-4 || math.Abs(hi-0.59617) > 1e-4 {
		t.Errorf("Wilson(0.5, 100, 1.96) = %.5f, %.5f", lo, hi)
	}
	if lo, hi := Wilson(1, 100, z); hi < 1-1e-12 || math.Abs(lo-0.9023) > 1e-4 {
		t.Errorf("Wilson(1, 100, z) = %.5f, %.5f; the doc of MinFragments says [0.902, 1]", lo, hi)
	}
}

func TestClassify(t *testing.T) {
	ok, no := &pseudo.Result{Reason: pseudo.Aligned}, &pseudo.Result{Reason: pseudo.StrandFilter}
	for _, tc := range []struct {
		fr, rf *pseudo.Result
		want   Evidence
	}{{ok, no, FR}, {no, ok, RF}, {ok, ok, Neither}, {no, no, Neither}} {
		if got := Classify(tc.fr, tc.rf); got != tc.want {
			t.Errorf("Classify(%v, %v) = %v, want %v", tc.fr.Reason, tc.rf.Reason, got, tc.want)
		}
	}
}
