package em_test

import (
	"fmt"

	"github.com/gallisto/gallisto/internal/estimate/em"
)

// Two transcripts of equal effective length: 60 fragments fit only the
// first, 20 only the second, and 40 fit both. The EM shares the 40 in
// proportion to the abundances it converges to (3:1), as kallisto does.
func ExampleRun() {
	p := &em.Problem{
		NumTargets: 2,
		// Classes 0 and 1 are the singletons, class 2 is {0, 1}.
		Off:     []uint32{0, 1, 2, 4},
		Members: []uint32{0, 1, 0, 1},
		Counts:  []int64{60, 20, 40},
		EffLens: []float64{1000, 1000},
	}
	res := em.Run(p, em.MaxRounds, em.MinRounds, nil)
	fmt.Printf("est_counts %.1f %.1f\n", res.Alpha[0], res.Alpha[1])
	tpm := em.TPM(res.Alpha, p.EffLens)
	fmt.Printf("tpm %.0f %.0f\n", tpm[0], tpm[1])
	// Output:
	// est_counts 90.0 30.0
	// tpm 750000 250000
}
