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

// weights returns count_e / efflen_t for every member, laid out like Members.
func (p *Problem) weights() []float64 {
	w := make([]float64, len(p.Members))
	for e := 0; e+1 < len(p.Off); e++ {
		c := float64(p.Counts[e])
		for i := p.Off[e]; i < p.Off[e+1]; i++ {
			w[i] = c / p.EffLens[p.Members[i]]
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
	next := make([]float64, n)
	for i := range alpha {
		alpha[i] = 1.0 / float64(n)
	}
	w := p.weights()
	nec := len(p.Off) - 1
	finalRound := false
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
			w = p.weights()
		}
		for t := 0; t < n; t++ {
			next[t] = float64(p.Counts[t])
		}
		for e := n; e < nec; e++ {
			if p.Counts[e] == 0 {
				continue
			}
			lo, hi := p.Off[e], p.Off[e+1]
			denom := 0.0
			for j := lo; j < hi; j++ {
				denom += float64(alpha[p.Members[j]] * w[j])
			}
			if denom < tolerance {
				continue
			}
			countNorm := float64(p.Counts[e]) / denom
			for j := lo; j < hi; j++ {
				t := p.Members[j]
				next[t] += float64(float64(w[j]*alpha[t]) * countNorm)
			}
		}
		changed := 0
		for t := 0; t < n; t++ {
			if next[t] > alphaChangeLimit && abs(next[t]-alpha[t])/next[t] > alphaChange {
				changed++
			}
			alpha[t] = next[t]
			next[t] = 0
		}
		stop := changed == 0 && i > minRounds
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
