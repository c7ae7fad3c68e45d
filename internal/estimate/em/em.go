// Package em estimates transcript abundances from equivalence-class counts
// by expectation-maximisation, the likelihood of Bray et al. 2016
// ("Near-optimal probabilistic RNA-seq quantification", Online Methods),
// iterated exactly as kallisto 0.48's EMAlgorithm::run:
//
//   - start from the uniform distribution over targets;
//   - each round, a target's new expected count is its own class's count
//     plus its share of every multi-target class, in proportion to
//     alpha_t / efflen_t;
//   - stop after a round (and at least MinRounds+1 rounds) in which no
//     target with more than 0.01 expected fragments changed by more than
//     1%; then set expected counts below 1e-8 to zero and run one last
//     round.
//
// The order of floating-point operations is kallisto's, so the estimates
// agree with kallisto's to the last printed digit.
package em

import (
	"math"
	"sync"
)

// Defaults from kallisto 0.48 src/EMAlgorithm.h and the call in main.cpp
// (run(10000, 50, ...)).
const (
	MaxRounds = 10000
	MinRounds = 50
)

// Convergence constants (src/EMAlgorithm.h). They are variables so that
// alphaLimit/10 is computed in float64 at run time, as the C++ does, not as
// an exact constant expression.
var (
	alphaLimit       = 1e-7 // abundances below alphaLimit/10 are zeroed
	alphaChangeLimit = 1e-2 // only targets above this count for convergence
	alphaChange      = 1e-2 // relative change that means "still moving"
	// Bounds 1% either side of alphaChange for moving's quick test.
	alphaChangeBelow = alphaChange * 0.99
	alphaChangeAbove = alphaChange * 1.01
)

// tolerance is the smallest positive float64 (std::numeric_limits<double>::
// denorm_min()): a class whose weighted sum is below it contributes nothing.
const tolerance = 4.9406564584124654e-324

// Problem is the input of the EM.
type Problem struct {
	NumTargets int
	// Classes: class e holds targets Members[Off[e]:Off[e+1]]. Classes
	// 0..NumTargets-1 must be the singletons.
	Off     []uint32
	Members []uint32
	Counts  []int64 // fragments per class
	EffLens []float64
	// MemberWeights, if not nil, multiplies each member's weight (laid
	// out like Members): the mean conditional probability of the class's
	// fragments on that member (quant --model full, package fragmodel).
	// nil is kallisto's model, where every member explains a fragment
	// equally well.
	MemberWeights []float64
	// Prior, when positive, runs variational Bayesian EM (VBEM) instead of
	// EM, with a Dirichlet prior of Prior pseudo-fragments per target: a
	// round shares each class's fragments in proportion to
	// w_t·exp(digamma(alpha_t+Prior)) instead of w_t·alpha_t (Nariai et
	// al., Bioinformatics 2013; salmon 1.10's default optimizer). The
	// reported counts are the expected counts, without the prior. A target
	// with little support loses it to the better supported members of its
	// classes, so VBEM leaves fewer false positives than EM. 0 is EM.
	Prior float64
	// Threads, above 1, splits each round between that many goroutines
	// (see parallelRounds); the result is the same to the bit.
	Threads int
	// Stop, if not nil, is checked every few rounds: once it is closed Run
	// returns early with Result.Stopped set (a cancelled run).
	Stop <-chan struct{}
}

// Result is the EM's output.
type Result struct {
	Alpha  []float64 // expected fragments per target (est_counts)
	Rounds int       // rounds run, as kallisto reports them
	// Stopped reports that Problem.Stop ended the run early; the estimates
	// are then meaningless.
	Stopped bool
	// AlphaBeforeZeroes is Alpha before small values were zeroed.
	AlphaBeforeZeroes []float64
}

// weights returns count_e / efflen_t for every member, laid out like
// Members (times MemberWeights when set).
func (p *Problem) weights() []float64 {
	w := make([]float64, len(p.Members))
	for e := 0; e+1 < len(p.Off); e++ {
		c := float64(p.Counts[e])
		for i := p.Off[e]; i < p.Off[e+1]; i++ {
			w[i] = c / p.EffLens[p.Members[i]]
			if p.MemberWeights != nil {
				w[i] *= p.MemberWeights[i]
			}
		}
	}
	return w
}

// Run runs the EM. maxRounds and minRounds are normally MaxRounds and
// MinRounds. recompute, if not nil, is called at rounds minRounds and
// minRounds+500 with the current abundances and returns new effective
// lengths (kallisto's --bias); it may be nil.
func Run(p *Problem, maxRounds, minRounds int, recompute func(alpha []float64) []float64) Result {
	n := p.NumTargets
	alpha := make([]float64, n)
	start := 1.0 / float64(n) // kallisto's (EM does not depend on the scale)
	if p.Prior > 0 {
		// VBEM compares abundances with the prior, so it starts from the
		// fragments spread evenly (salmon's uniform start), not from 1/n.
		var total int64
		for _, c := range p.Counts {
			total += c
		}
		start = float64(total) / float64(n)
	}
	for i := range alpha {
		alpha[i] = start
	}
	w := p.weights()
	var round func() bool
	var setWeights func([]float64)
	// share is what a round divides classes by: alpha itself (EM), or
	// VBEM's weights, refreshed before every round.
	share := alpha
	finalRound := false
	var vb func()
	if p.Prior > 0 {
		share = make([]float64, n)
		split := balance(n, max(p.Threads, 1), func(int) int { return 1 })
		atZero := expDigamma(p.Prior)
		vb = func() { vbShares(share, alpha, p.Prior, atZero, split, finalRound) }
	}
	if p.Threads > 1 {
		pr := newParallelRounds(p, alpha, w)
		pr.share = share
		round, setWeights = pr.round, pr.setWeights
	} else {
		sr := &serialRounds{p: p, alpha: alpha, share: share, next: make([]float64, n), w: w}
		round, setWeights = sr.round, func(w []float64) { sr.w = w }
	}
	var before []float64
	i := 0
	for ; i < maxRounds; i++ {
		if p.Stop != nil && i%16 == 0 {
			select {
			case <-p.Stop:
				return Result{Alpha: alpha, Rounds: i, Stopped: true}
			default:
			}
		}
		if recompute != nil && (i == minRounds || i == minRounds+500) {
			p.EffLens = recompute(alpha)
			setWeights(p.weights())
		}
		if vb != nil {
			vb()
		}
		stop := !round() && i > minRounds
		if finalRound {
			break
		}
		if stop {
			finalRound = true
			before = append([]float64(nil), alpha...)
			zero := alphaLimit / 10.0
			for t := range alpha {
				if alpha[t] < zero {
					alpha[t] = 0
				}
			}
		}
	}
	if i == maxRounds {
		before = append([]float64(nil), alpha...)
	}
	return Result{Alpha: alpha, Rounds: i, AlphaBeforeZeroes: before}
}

// serialRounds runs a round the way kallisto does, class by class: the
// class's weighted abundance sum, then each member's share added to its
// new expected count.
type serialRounds struct {
	p           *Problem
	alpha, next []float64
	share       []float64 // alpha, or VBEM's weights (Problem.Prior)
	w           []float64 // count/efflen per member, laid out like p.Members
}

// round runs one EM round, updating alpha, and reports whether any target
// is still moving.
func (r *serialRounds) round() bool {
	p, alpha, next, w, share := r.p, r.alpha, r.next, r.w, r.share
	n := p.NumTargets
	for t := 0; t < n; t++ {
		next[t] = float64(p.Counts[t])
	}
	for e := n; e+1 < len(p.Off); e++ {
		if p.Counts[e] == 0 {
			continue
		}
		countNorm, ok := p.classNorm(e, share, w)
		if !ok {
			continue
		}
		for j, hi := p.Off[e], p.Off[e+1]; j < hi; j++ {
			t := p.Members[j]
			next[t] += float64(float64(w[j]*share[t]) * countNorm)
		}
	}
	moved := false
	for t := 0; t < n; t++ {
		// Once one target moves the round is not the last: the others
		// need no test.
		if !moved && moving(next[t], alpha[t]) {
			moved = true
		}
		alpha[t] = next[t]
	}
	return moved
}

// classNorm returns multi-target class e's fragments per unit of weighted
// abundance (kallisto's countNorm: count / sum over members of alpha_t*w),
// or false when that sum is below tolerance and the class gives nothing
// this round.
func (p *Problem) classNorm(e int, alpha, w []float64) (float64, bool) {
	denom := 0.0
	for j, hi := p.Off[e], p.Off[e+1]; j < hi; j++ {
		denom += float64(alpha[p.Members[j]] * w[j])
	}
	if denom < tolerance {
		return 0, false
	}
	return float64(p.Counts[e]) / denom, true
}

// moving reports whether a target whose expected count went from old to
// next still counts as changing: above alphaChangeLimit fragments and by
// more than alphaChange relative to next.
func moving(next, old float64) bool {
	if next <= alphaChangeLimit {
		return false
	}
	// The test is kallisto's |next-old|/next > alphaChange, but a division
	// is slow next to the rest of a round's work per target, and the
	// quotient is rarely near the limit: a change clearly below or above
	// it (by 1%, far beyond the products' rounding errors of 2^-53) is
	// decided by a multiplication, with the same answer.
	d := abs(next - old)
	switch {
	case d < alphaChangeBelow*next:
		return false
	case d > alphaChangeAbove*next:
		return true
	}
	return d/next > alphaChange
}

// parallelRounds runs a round in two phases, each split between threads:
//
//  1. for every class with fragments and more than one target, classNorm
//     (the class gives nothing when the weighted sum is below tolerance);
//  2. for every target t, the new expected count: its own class's count
//     plus w*alpha_t*norm for each class holding it, in increasing class
//     order; then its change is checked and alpha_t replaced.
//
// serialRounds adds the same terms to each target in the same order (its
// loop over classes meets a target's classes in increasing order), and
// phase 2 reads only the target's own alpha_t and the norms phase 1
// finished with the old abundances; so every number is the serial one, to
// the bit, whatever the number of threads or the way work is split.
type parallelRounds struct {
	p     *Problem
	alpha []float64
	share []float64 // alpha, or VBEM's weights (Problem.Prior)
	w     []float64
	multi []uint32  // classes with fragments and more than one target
	norm  []float64 // phase 1's result per entry of multi, or noNorm
	// Target t's terms are entries tOff[t] to tOff[t+1]-1 of tClass (an
	// index into multi) and tW (the member's weight), in class order.
	tOff   []uint32
	tClass []uint32
	tW     []float64
	// Chunks of multi (phase 1) and of the targets (phase 2) for the
	// threads, balanced by members and terms: chunk c is [split[c],
	// split[c+1]).
	split1, split2 []int
	moved          []bool // per phase-2 chunk
	// The phases as func values made once: a method value passed to
	// goroutines would be allocated anew every round.
	phase1, phase2 func(c, lo, hi int)
}

// noNorm marks a class that gives nothing this round (classNorm's false);
// a real norm is never negative.
const noNorm = -1

func newParallelRounds(p *Problem, alpha, w []float64) *parallelRounds {
	n := p.NumTargets
	r := &parallelRounds{p: p, alpha: alpha, tOff: make([]uint32, n+1)}
	terms := 0
	for e := n; e+1 < len(p.Off); e++ {
		if p.Counts[e] == 0 {
			continue
		}
		r.multi = append(r.multi, uint32(e))
		for _, t := range p.Members[p.Off[e]:p.Off[e+1]] {
			r.tOff[t+1]++
		}
		terms += int(p.Off[e+1] - p.Off[e])
	}
	for t := 0; t < n; t++ {
		r.tOff[t+1] += r.tOff[t]
	}
	r.norm = make([]float64, len(r.multi))
	r.tClass = make([]uint32, terms)
	r.tW = make([]float64, terms)
	r.setWeights(w)
	r.split1 = balance(len(r.multi), p.Threads, func(a int) int { e := r.multi[a]; return int(p.Off[e+1] - p.Off[e]) })
	r.split2 = balance(n, p.Threads, func(t int) int { return 1 + int(r.tOff[t+1]-r.tOff[t]) })
	r.moved = make([]bool, len(r.split2)-1)
	r.phase1, r.phase2 = r.norms, r.update
	return r
}

// setWeights installs the member weights and fills the per-target terms
// (class and weight) from them.
func (r *parallelRounds) setWeights(w []float64) {
	p := r.p
	r.w = w
	fill := append([]uint32(nil), r.tOff[:p.NumTargets]...)
	for a, e := range r.multi {
		for j := p.Off[e]; j < p.Off[e+1]; j++ {
			t := p.Members[j]
			r.tClass[fill[t]], r.tW[fill[t]] = uint32(a), w[j]
			fill[t]++
		}
	}
}

// balance splits [0, n) into at most parts chunks of about equal total
// cost.
func balance(n, parts int, cost func(i int) int) []int {
	total := 0
	for i := 0; i < n; i++ {
		total += cost(i)
	}
	split := []int{0}
	acc := 0
	for i := 0; i < n && len(split) < parts; i++ {
		acc += cost(i)
		if acc*parts >= total*len(split) {
			split = append(split, i+1)
		}
	}
	if split[len(split)-1] != n {
		split = append(split, n)
	}
	return split
}

// round runs one EM round, updating alpha, and reports whether any target
// is still moving.
func (r *parallelRounds) round() bool {
	parallel(r.split1, r.phase1)
	parallel(r.split2, r.phase2)
	for _, m := range r.moved {
		if m {
			return true
		}
	}
	return false
}

// parallel runs f on each chunk of split, chunk 0 on the calling goroutine.
func parallel(split []int, f func(c, lo, hi int)) {
	var wg sync.WaitGroup
	for c := 1; c+1 < len(split); c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(c, split[c], split[c+1])
		}()
	}
	f(0, split[0], split[1])
	wg.Wait()
}

// norms is phase 1 for multi[lo:hi].
func (r *parallelRounds) norms(_, lo, hi int) {
	for a := lo; a < hi; a++ {
		nm, ok := r.p.classNorm(int(r.multi[a]), r.share, r.w)
		if !ok {
			nm = noNorm
		}
		r.norm[a] = nm
	}
}

// update is phase 2 for targets [lo, hi), chunk c.
func (r *parallelRounds) update(c, lo, hi int) {
	p, alpha, share, norm := r.p, r.alpha, r.share, r.norm
	tClass, tW := r.tClass, r.tW
	moved := false
	for t := lo; t < hi; t++ {
		at, st := alpha[t], share[t]
		next := float64(p.Counts[t])
		for k := r.tOff[t]; k < r.tOff[t+1]; k++ {
			if nm := norm[tClass[k]]; nm != noNorm {
				next += float64(float64(tW[k]*st) * nm)
			}
		}
		if !moved && moving(next, at) {
			moved = true
		}
		alpha[t] = next
	}
	r.moved[c] = moved
}

// vbShares sets share[t] to VBEM's weight exp(digamma(alpha_t+prior)) (the
// common factor exp(-digamma(sum)) cancels within every class), 0 where
// alpha_t+prior is below 1e-10 (salmon's cut), on threads goroutines. In
// the final round (after small abundances were zeroed) a zeroed target
// stays at 0, as it does in EM.
func vbShares(share, alpha []float64, prior, atZero float64, split []int, final bool) {
	parallel(split, func(_, lo, hi int) {
		for t := lo; t < hi; t++ {
			a := alpha[t]
			switch x := a + prior; {
			case a == 0 && final:
				share[t] = 0
			case a == 0: // most targets of a large index: computed once
				share[t] = atZero
			case x > 1e-10:
				share[t] = expDigamma(x)
			default:
				share[t] = 0
			}
		}
	})
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// TPM converts expected counts to transcripts per million:
// 1e6 * (c_t/efflen_t) / sum_u (c_u/efflen_u) (kallisto's counts_to_tpm).
func TPM(alpha, effLens []float64) []float64 {
	tpm := make([]float64, len(alpha))
	total := 0.0
	for i := range alpha {
		tpm[i] = alpha[i] / effLens[i]
		total += tpm[i]
	}
	for i := range tpm {
		tpm[i] = (tpm[i] / total) * 1e6
	}
	return tpm
}

// expDigamma returns exp(digamma(x)) for x > 0: below 10 by the recurrence
// digamma(x) = digamma(x+1) - 1/x, from 10 on by the asymptotic series
// digamma(x) = ln x - 1/(2x) - 1/(12x^2) + 1/(120x^4) - 1/(252x^6), whose
// error there is below the next term, 1/(240x^8) < 5e-11 (Abramowitz &
// Stegun 6.3.18).
func expDigamma(x float64) float64 {
	if x >= 64 {
		// exp(digamma(x)) = x - 1/2 + 1/(24x) + 1/(48x^2) + 23/(5760x^3)
		// + O(x^-4), the series below exponentiated: no exp call for
		// the abundant targets (error below 1e-9 relative from 64 on).
		r := 1 / x
		return x - 0.5 + r*(1.0/24+r*(1.0/48+r*(23.0/5760)))
	}
	shift := 0.0
	for x < 10 {
		shift -= 1 / x
		x++
	}
	x2 := 1 / (x * x)
	d := -0.5/x - x2*(1.0/12-x2*(1.0/120-x2*(1.0/252)))
	return x * math.Exp(d+shift)
}
