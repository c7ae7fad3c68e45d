package em

import (
	"fmt"
	"github.com/gallisto/gallisto/internal/testref"
	"math"
	"math/rand/v2"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// problem builds a Problem from per-class member lists; the first
// len(effLens) classes must be the singletons.
func problem(effLens []float64, classes [][]uint32, counts []int64) *Problem {
	p := &Problem{NumTargets: len(effLens), EffLens: slices.Clone(effLens), Counts: counts, Off: []uint32{0}}
	for _, c := range classes {
		p.Members = append(p.Members, c...)
		p.Off = append(p.Off, uint32(len(p.Members)))
	}
	return p
}

func relErr(got, want float64) float64 {
	if want == 0 {
		return math.Abs(got)
	}
	return math.Abs(got-want) / math.Abs(want)
}

// twoTargets: classes {0}: a, {1}: b, {0,1}: c, with equal effective
// lengths. Every round hands c out in proportion to the current alphas, so
// after the first round alpha0 + alpha1 = N = a+b+c and
//
//	alpha0' = a + c*alpha0/N,
//
// whose fixed point is alpha0 = a*N/(a+b), alpha1 = b*N/(a+b). With a=30,
// b=10, c=60: N=100, alpha = (75, 25). The error shrinks by c/N = 0.6 per
// round: e_r = 75 - alpha0 after round r is 15*0.6^(r-1) (round 1 gives
// 30 + 60*0.5/1 = 60 from the uniform start 0.5, 0.5).
func twoTargets() *Problem {
	return problem([]float64{100, 100}, [][]uint32{{0}, {1}, {0, 1}}, []int64{30, 10, 60})
}

func TestTwoTargetsClosedForm(t *testing.T) {
	tests := []struct {
		name       string
		minRounds  int
		wantRounds int
	}{
		// With kallisto's MinRounds = 50 the stop test first passes at
		// round index 51 (it needs i > minRounds), small alphas are
		// zeroed, and one more round runs: Run returns i = 52.
		{"kallisto's minimum", MinRounds, MinRounds + 2},
		// With no minimum the rule alone decides. Target 1 moves most
		// in relative terms: from round r-1 to r it changes by
		// 0.4*e_{r-1} out of 25 + 0.6*e_{r-1}, which is at most 1%
		// when e_{r-1} <= 0.25/0.394 = 0.6345, i.e. 15*0.6^(r-2) <=
		// 0.6345, r-2 >= 6.19: first at r = 9, round index 8. One last
		// round follows, so Run returns 9.
		{"no minimum", 0, 9},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := Run(twoTargets(), MaxRounds, tc.minRounds, nil)
			want := []float64{75, 25}
			tol := 1e-6
			if tc.minRounds == 0 {
				// Stopped at e_9 = 15*0.6^8 = 0.252: the 1% rule is
				// not a 1e-6 one. After the last round (r = 10) the
				// error is 15*0.6^9 = 0.151.
				want = []float64{75 - 15*math.Pow(0.6, 9), 25 + 15*math.Pow(0.6, 9)}
				tol = 1e-12
			}
			for i := range want {
				if e := relErr(res.Alpha[i], want[i]); e > tol {
					t.Errorf("alpha[%d] = %v, want %v (relative error %g > %g)", i, res.Alpha[i], want[i], e, tol)
				}
			}
			if res.Rounds != tc.wantRounds {
				t.Errorf("Rounds = %d, want %d", res.Rounds, tc.wantRounds)
			}
			if len(res.AlphaBeforeZeroes) != 2 {
				t.Errorf("AlphaBeforeZeroes = %v, want 2 values", res.AlphaBeforeZeroes)
			}
		})
	}
}

// TestRoundByRound runs a fixed number of rounds (maxRounds below the
// minimum, so the stop test never passes) on classes whose alphas follow a
// closed form: a single class {0,1} of c = 90 fragments, effective lengths
// 100 and 200. Each round multiplies alpha0/alpha1 by 200/100 = 2 from the
// uniform start, so after k rounds alpha0 = 90*2^k/(2^k+1) and alpha1 =
// 90/(2^k+1).
func TestRoundByRound(t *testing.T) {
	p := func() *Problem {
		return problem([]float64{100, 200}, [][]uint32{{0}, {1}, {0, 1}}, []int64{0, 0, 90})
	}
	for k := 1; k <= 8; k++ {
		res := Run(p(), k, MinRounds, nil)
		d := math.Pow(2, float64(k)) + 1
		want := []float64{90 * (d - 1) / d, 90 / d}
		for i := range want {
			if e := relErr(res.Alpha[i], want[i]); e > 1e-12 {
				t.Errorf("after %d rounds alpha[%d] = %v, want %v", k, i, res.Alpha[i], want[i])
			}
		}
		if res.Rounds != k {
			t.Errorf("Rounds = %d, want %d (maxRounds)", res.Rounds, k)
		}
		// Stopped by maxRounds: nothing was zeroed.
		if !slices.Equal(res.AlphaBeforeZeroes, res.Alpha) {
			t.Errorf("AlphaBeforeZeroes = %v, want Alpha %v", res.AlphaBeforeZeroes, res.Alpha)
		}
	}
}

// TestAbundanceGoesToZero: classes {0}: 50, {1}: 0, {0,1}: 50 with equal
// effective lengths. Round 1 gives alpha = (75, 25); then alpha1' =
// 50*alpha1/100 halves every round, alpha1 = 25*0.5^(r-1) after round r.
// At the stop (round index 51, r = 52) alpha1 = 25*2^-51 = 1.1e-14, below
// the 1e-7/10 = 1e-8 limit: it is zeroed, and the last round gives all of
// class {0,1} to target 0: alpha = (100, 0).
func TestAbundanceGoesToZero(t *testing.T) {
	p := problem([]float64{150, 150}, [][]uint32{{0}, {1}, {0, 1}}, []int64{50, 0, 50})
	res := Run(p, MaxRounds, MinRounds, nil)
	if res.Alpha[1] != 0 {
		t.Errorf("alpha[1] = %v, want exactly 0", res.Alpha[1])
	}
	if e := relErr(res.Alpha[0], 100); e > 1e-12 {
		t.Errorf("alpha[0] = %v, want 100", res.Alpha[0])
	}
	if want := 25 * math.Pow(0.5, 51); relErr(res.AlphaBeforeZeroes[1], want) > 1e-6 {
		t.Errorf("alpha[1] before zeroing = %v, want 25*2^-51 = %v", res.AlphaBeforeZeroes[1], want)
	}
	if res.Rounds != MinRounds+2 {
		t.Errorf("Rounds = %d, want %d", res.Rounds, MinRounds+2)
	}

	// With no minimum, target 1 stops counting for convergence once it is
	// at most 0.01 (it keeps changing by 50%): 25*0.5^(r-1) <= 0.01 first
	// at r = 13, round index 12; Run returns 13, and alpha1 = 25*0.5^13 =
	// 0.003 is left alone (above 1e-8).
	res = Run(p, MaxRounds, 0, nil)
	if res.Rounds != 13 {
		t.Errorf("no minimum: Rounds = %d, want 13", res.Rounds)
	}
	if want := 25 * math.Pow(0.5, 13); relErr(res.Alpha[1], want) > 1e-12 {
		t.Errorf("no minimum: alpha[1] = %v, want %v", res.Alpha[1], want)
	}
}

// TestZeroing checks the 1e-8 limit itself: targets with only multi-target
// fragments and very long effective lengths fall below it, one just above
// the limit stays.
func TestZeroing(t *testing.T) {
	// 8 targets, all fragments in one class of all 8. Effective lengths
	// 1, 1e3, ... : the share of a target decays as (1/efflen)^rounds.
	eff := []float64{1, 1e3, 1e6, 1e9, 1, 1, 1, 1}
	all := []uint32{0, 1, 2, 3, 4, 5, 6, 7}
	classes := [][]uint32{{0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}, all}
	res := Run(problem(eff, classes, []int64{0, 0, 0, 0, 0, 0, 0, 0, 1000}), MaxRounds, MinRounds, nil)
	for i, a := range res.Alpha {
		before := res.AlphaBeforeZeroes[i]
		if before < 1e-8 && a != 0 {
			t.Errorf("target %d: %v before zeroing, %v after: want 0", i, before, a)
		}
		if before >= 1e-8 && a == 0 {
			t.Errorf("target %d: %v before zeroing was zeroed", i, before)
		}
	}
	// Targets 1..3 lose a factor 1e3 or more per round against target 0:
	// after 50 rounds they are far below 1e-8.
	for i := 1; i <= 3; i++ {
		if res.Alpha[i] != 0 {
			t.Errorf("alpha[%d] = %v, want 0", i, res.Alpha[i])
		}
	}
	checkConserved(t, res.Alpha, 1000)
}

func checkConserved(t *testing.T, alpha []float64, total float64) {
	t.Helper()
	sum := 0.0
	for _, a := range alpha {
		sum += a
	}
	if relErr(sum, total) > 1e-9 {
		t.Errorf("alphas add to %v, want the %v fragments", sum, total)
	}
}

// TestRecompute checks when the effective-length callback (--bias) runs:
// at round indices minRounds and minRounds+500, with the alphas after that
// many rounds, and that its lengths are used from then on.
func TestRecompute(t *testing.T) {
	// One class of 10^9 fragments over two targets whose lengths differ
	// by 3%: alpha0/alpha1 = r grows by 1.03 a round, and alpha1 =
	// 1e9/(1+r) changes by r/(1+r)*ln(1.03), 1.5% to 3%, a round (more than
	// the 1% that counts as moving) until it is below 0.01, which takes
	// ln(1e11)/ln(1.03) = 857 rounds: the run reaches round 503
	// unconverged.
	p := func() *Problem {
		return problem([]float64{100, 103}, [][]uint32{{0}, {1}, {0, 1}}, []int64{0, 0, 1000000000})
	}
	const minRounds = 3
	var calls [][]float64
	newLens := []float64{100, 103}
	q := p()
	res := Run(q, minRounds+502, minRounds, func(alpha []float64) []float64 {
		calls = append(calls, slices.Clone(alpha))
		return slices.Clone(newLens)
	})
	if len(calls) != 2 {
		t.Fatalf("recompute called %d times, want 2", len(calls))
	}
	for i, rounds := range []int{minRounds, minRounds + 500} {
		// Same lengths, so the alphas are those of a plain run.
		want := Run(p(), rounds, 1000, nil).Alpha
		if !slices.Equal(calls[i], want) {
			t.Errorf("call %d got alpha %v, want %v (after %d rounds)", i+1, calls[i], want, rounds)
		}
	}
	if res.Rounds != minRounds+502 {
		t.Errorf("Rounds = %d, want %d", res.Rounds, minRounds+502)
	}
	if !slices.Equal(q.EffLens, newLens) {
		t.Errorf("EffLens = %v after the run, want the recomputed %v", q.EffLens, newLens)
	}

	// New lengths take effect: swapping the lengths at round 3 turns the
	// drift around, so target 1 ends above target 0.
	q = p()
	res = Run(q, 200, minRounds, func([]float64) []float64 { return []float64{103, 100} })
	if !(res.Alpha[1] > res.Alpha[0]) {
		t.Errorf("after swapping lengths alpha = %v, want alpha[1] > alpha[0]", res.Alpha)
	}
}

// TestThreadsSameBits: a run split between threads gives the serial run's
// result to the bit, rounds included, for thread counts that split the
// work evenly and unevenly (7 on small problems leaves chunks of a few
// targets), with and without effective lengths recomputed mid-run.
func TestThreadsSameBits(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		for _, bias := range []bool{false, true} {
			var recompute func([]float64) []float64
			if bias {
				// Lengths scaled by a factor that depends on the
				// abundance: a deterministic stand-in for --bias.
				recompute = func(alpha []float64) []float64 {
					l := make([]float64, len(alpha))
					for i, a := range alpha {
						l[i] = 100 + 10*float64(i%17) + a/(1+a)
					}
					return l
				}
			}
			// Odd seeds draw the multi-target classes from a third of the
			// targets, so that most take no part in them (see
			// parallelRounds.active).
			pool := 500
			if seed%2 == 1 {
				pool = 170
			}
			want := Run(syntheticPool(500, 4000, pool, seed), MaxRounds, MinRounds, recompute)
			for _, threads := range []int{2, 3, 7} {
				p := syntheticPool(500, 4000, pool, seed)
				p.Threads = threads
				got := Run(p, MaxRounds, MinRounds, recompute)
				if got.Rounds != want.Rounds {
					t.Fatalf("seed %d bias %v threads %d: %d rounds, serial %d", seed, bias, threads, got.Rounds, want.Rounds)
				}
				for i := range want.Alpha {
					if math.Float64bits(got.Alpha[i]) != math.Float64bits(want.Alpha[i]) ||
						math.Float64bits(got.AlphaBeforeZeroes[i]) != math.Float64bits(want.AlphaBeforeZeroes[i]) {
						t.Fatalf("seed %d bias %v threads %d: target %d: alpha %v (before zeroes %v), serial %v (%v)",
							seed, bias, threads, i, got.Alpha[i], got.AlphaBeforeZeroes[i], want.Alpha[i], want.AlphaBeforeZeroes[i])
					}
				}
			}
		}
	}
}

func TestTPM(t *testing.T) {
	// alpha (75, 25) over lengths (100, 200): rates 0.75 and 0.125 per
	// base, 0.875 in all, so TPM = 1e6*0.75/0.875 = 857142.857142...
	// and 1e6*0.125/0.875 = 142857.142857...
	got := TPM([]float64{75, 25, 0}, []float64{100, 200, 50})
	want := []float64{6e6 / 7, 1e6 / 7, 0}
	for i := range want {
		if relErr(got[i], want[i]) > 1e-12 {
			t.Errorf("TPM[%d] = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestTPMSumsToMillion(t *testing.T) {
	// 2000 targets, 10000 classes (510 rounds); seed 3 is any.
	p := synthetic(2000, 10000, 3)
	res := Run(p, MaxRounds, MinRounds, nil)
	total := int64(0)
	for _, c := range p.Counts {
		total += c
	}
	checkConserved(t, res.Alpha, float64(total))
	sum := 0.0
	for _, x := range TPM(res.Alpha, p.EffLens) {
		if x < 0 || math.IsNaN(x) {
			t.Fatalf("TPM value %v", x)
		}
		sum += x
	}
	// 2000 additions of values up to 1e6 lose at most 2000 * 1e6 * 2^-53
	// = 2e-7 in absolute terms; 1e-9 relative leaves room to spare.
	if relErr(sum, 1e6) > 1e-9 {
		t.Errorf("TPM adds to %v, want 1e6", sum)
	}
	if res.Rounds < MinRounds+2 {
		t.Errorf("Rounds = %d, want at least %d", res.Rounds, MinRounds+2)
	}
}

// synthetic makes a random problem with n targets and m classes in all
// (n singletons, then m-n classes of 2 to 8 distinct targets), counts from
// a geometric-like spread, effective lengths 100 to 5000.
func synthetic(n, m int, seed uint64) *Problem { return syntheticPool(n, m, n, seed) }

// syntheticPool is synthetic with the multi-target classes drawn from the
// first pool targets only: the others are in their own class alone, as
// most transcripts of a transcriptome are in a real sample.
func syntheticPool(n, m, pool int, seed uint64) *Problem {
	rng := rand.New(rand.NewPCG(seed, 0))
	eff := make([]float64, n)
	for i := range eff {
		eff[i] = 100 + 4900*rng.Float64()
	}
	var classes [][]uint32
	var counts []int64
	for i := 0; i < n; i++ {
		classes = append(classes, []uint32{uint32(i)})
	}
	for len(classes) < m {
		k := 2 + rng.IntN(7)
		set := map[uint32]bool{}
		for len(set) < k {
			set[uint32(rng.IntN(pool))] = true
		}
		var c []uint32
		for t := range set {
			c = append(c, t)
		}
		slices.Sort(c)
		classes = append(classes, c)
	}
	for range classes {
		counts = append(counts, int64(rng.ExpFloat64()*20))
	}
	return problem(eff, classes, counts)
}

// benchRun runs the EM on p (at most maxRounds rounds, at least
// minRounds) per iteration, reporting the input size and the rounds run.
func benchRun(b *testing.B, p *Problem, maxRounds, minRounds int) {
	// Input size: members (4 bytes), counts (8), offsets (4), lengths (8).
	b.SetBytes(int64(4*len(p.Members) + 8*len(p.Counts) + 4*len(p.Off) + 8*len(p.EffLens)))
	b.ReportAllocs()
	rounds := 0
	for b.Loop() {
		rounds = Run(p, maxRounds, minRounds, nil).Rounds
	}
	b.ReportMetric(float64(rounds), "rounds")
}

// BenchmarkRun is one EM run on 100,000 classes over 20,000 targets
// (a human transcriptome has about 200,000 targets and a few hundred
// thousand classes in a typical sample; this is a tenth of that).
func BenchmarkRun(b *testing.B) {
	benchRun(b, synthetic(20000, 100000, 1), MaxRounds, MinRounds) // seed 1: any fixed one
}

// BenchmarkRunThreads2 is BenchmarkRun split between two threads.
func BenchmarkRunThreads2(b *testing.B) {
	p := synthetic(20000, 100000, 1)
	p.Threads = 2
	benchRun(b, p, MaxRounds, MinRounds)
}

// BenchmarkRunSparseThreads2 is an EM run shaped like the human-sized
// benchmark's (200,000 targets, 96,000 classes with fragments and several
// targets, 547,000 terms), scaled down 4 times: 50,000 targets, 24,000
// multi-target classes of 2 to 8 drawn from 20,000 of them, at 2 threads.
func BenchmarkRunSparseThreads2(b *testing.B) {
	p := syntheticPool(50000, 74000, 20000, 1)
	p.Threads = 2
	benchRun(b, p, MaxRounds, MinRounds)
}

// BenchmarkRound is one EM round on the same problem: the per-round cost
// that BenchmarkRun multiplies by its number of rounds.
func BenchmarkRound(b *testing.B) {
	benchRun(b, synthetic(20000, 100000, 1), 1, 0)
}

// emCpp is kallisto 0.48's EMAlgorithm::run and counts_to_tpm
// (src/EMAlgorithm.h, src/PlaintextWriter.cpp), rewritten for this test
// from their description with kallisto's types and operation order: int
// counts, per-member weights count/efflen, the denominator summed in
// member order, TOLERANCE = denorm_min, the 1e-2 change rule and the
// 1e-7/10 zeroing. Input: "N E", then N effective lengths as bit patterns,
// then E lines "COUNT K M1 ... MK". Output: rounds, then per target the
// bits of alpha, alpha before zeroes and TPM.
const emCpp = `
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <vector>

static double from_bits(unsigned long long b) { double x; std::memcpy(&x, &b, 8); return x; }
static unsigned long long to_bits(double x) { unsigned long long b; std::memcpy(&b, &x, 8); return b; }

int main() {
	int n, e;
	if (std::scanf("%d %d", &n, &e) != 2) return 2;
	std::vector<double> eff(n);
	for (int i = 0; i < n; i++) {
		unsigned long long b;
		std::scanf("%llx", &b);
		eff[i] = from_bits(b);
	}
	std::vector<int> counts(e);
	std::vector<std::vector<int>> ecs(e);
	std::vector<std::vector<double>> w(e);
	for (int c = 0; c < e; c++) {
		int k;
		std::scanf("%d %d", &counts[c], &k);
		ecs[c].resize(k);
		for (int j = 0; j < k; j++) std::scanf("%d", &ecs[c][j]);
		for (int j = 0; j < k; j++) w[c].push_back(static_cast<double>(counts[c]) / eff[ecs[c][j]]);
	}
	const double tol = std::numeric_limits<double>::denorm_min();
	const double alpha_limit = 1e-7, change_limit = 1e-2, change = 1e-2;
	const size_t n_iter = 10000, min_rounds = 50;
	std::vector<double> alpha(n, 1.0 / n), next(n, 0.0), before;
	bool final_round = false;
	int i;
	for (i = 0; i < n_iter; ++i) {
		for (int t = 0; t < n; t++) next[t] = counts[t];
		for (int c = n; c < e; c++) {
			if (counts[c] == 0) continue;
			double denom = 0.0;
			for (size_t j = 0; j < ecs[c].size(); j++) denom += alpha[ecs[c][j]] * w[c][j];
			if (denom < tol) continue;
			double norm = counts[c] / denom;
			for (size_t j = 0; j < ecs[c].size(); j++) next[ecs[c][j]] += (w[c][j] * alpha[ecs[c][j]]) * norm;
		}
		int moving = 0;
		for (int t = 0; t < n; t++) {
			if (next[t] > change_limit && std::fabs(next[t] - alpha[t]) / next[t] > change) moving++;
			alpha[t] = next[t];
			next[t] = 0.0;
		}
		bool stop = moving == 0 && i > min_rounds;
		if (final_round) break;
		if (stop) {
			final_round = true;
			before = alpha;
			for (int t = 0; t < n; t++) if (alpha[t] < alpha_limit / 10.0) alpha[t] = 0.0;
		}
	}
	if (n_iter == i) before = alpha;
	std::vector<double> tpm(n);
	double total = 0.0;
	for (int t = 0; t < n; t++) { tpm[t] = alpha[t] / eff[t]; total += tpm[t]; }
	for (int t = 0; t < n; t++) tpm[t] = (tpm[t] / total) * 1e6;
	std::printf("%d\n", i);
	for (int t = 0; t < n; t++)
		std::printf("%016llx %016llx %016llx\n", to_bits(alpha[t]), to_bits(before[t]), to_bits(tpm[t]));
	return 0;
}
`

// TestMatchesCpp runs the EM and TPM on random problems in Go and in the
// C++ above: with no transcendental function involved and the same
// operation order, every estimate must be identical to the bit.
func TestMatchesCpp(t *testing.T) {
	// -ffp-contract=off: no fused multiply-adds, as in a generic x86-64
	// kallisto build (and in Go on amd64).
	bin := testref.BuildCpp(t, emCpp, "-O2", "-std=c++11", "-ffp-contract=off")
	for seed := uint64(1); seed <= 4; seed++ {
		// 300 targets and 2,000 classes: small enough to run quickly,
		// big enough for a few hundred rounds.
		p := synthetic(300, 2000, seed)
		var in strings.Builder
		fmt.Fprintf(&in, "%d %d\n", p.NumTargets, len(p.Counts))
		for _, l := range p.EffLens {
			fmt.Fprintf(&in, "%016x\n", math.Float64bits(l))
		}
		for e := range p.Counts {
			fmt.Fprintf(&in, "%d %d", p.Counts[e], p.Off[e+1]-p.Off[e])
			for _, m := range p.Members[p.Off[e]:p.Off[e+1]] {
				fmt.Fprintf(&in, " %d", m)
			}
			in.WriteByte('\n')
		}
		cmd := exec.Command(bin)
		cmd.Stdin = strings.NewReader(in.String())
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		if seed%2 == 0 {
			p.Threads = 3 // the parallel rounds against C++ too
		}
		res := Run(p, MaxRounds, MinRounds, nil)
		tpm := TPM(res.Alpha, p.EffLens)
		var b strings.Builder
		fmt.Fprintf(&b, "%d\n", res.Rounds)
		for i := range res.Alpha {
			fmt.Fprintf(&b, "%016x %016x %016x\n", math.Float64bits(res.Alpha[i]),
				math.Float64bits(res.AlphaBeforeZeroes[i]), math.Float64bits(tpm[i]))
		}
		if diff := cmp.Diff(string(out), b.String()); diff != "" {
			t.Errorf("seed %d: Go differs from C++ (rounds, then alpha, before, tpm bits; -C++ +Go):\n%s", seed, diff)
		}
		t.Logf("seed %d: %d rounds", seed, res.Rounds)
	}
}

// TestMovingMatchesDivision: moving's multiplication shortcut answers as
// kallisto's division does, also for changes within a few ulps of the 1%
// limit, where only the division can decide.
func TestMovingMatchesDivision(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	want := func(next, old float64) bool {
		return next > alphaChangeLimit && math.Abs(next-old)/next > alphaChange
	}
	check := func(next, old float64) {
		if got := moving(next, old); got != want(next, old) {
			t.Fatalf("moving(%v, %v) = %v, the division says %v", next, old, got, !got)
		}
	}
	near := 0
	for i := 0; i < 1_000_000; i++ {
		next := math.Exp(r.Float64()*60 - 20) // 2e-9 .. 1e17 fragments
		var old float64
		switch i % 3 {
		case 0: // anywhere
			old = next * r.Float64() * 2
		case 1: // within 1e-6 of the limit
			old = next * (1 + (alphaChange+(r.Float64()-0.5)*2e-6)*float64(1-2*r.IntN(2)))
		default: // a few ulps from the limit: old chosen so that d/next is alphaChange
			old = next - alphaChange*next
			for range r.IntN(9) {
				old = math.Nextafter(old, math.Inf(2*r.IntN(2)-1))
			}
		}
		if d := math.Abs(next - old); d >= alphaChangeBelow*next && d <= alphaChangeAbove*next {
			near++
		}
		check(next, old)
	}
	if near < 100_000 {
		t.Errorf("only %d cases reached the division; the test does not probe the limit", near)
	}
	for _, c := range [][2]float64{{0.01, 0}, {0.0100001, 0}, {1, 0.99}, {1, 1.01}, {100, 99}, {100, 101}, {1, 1}, {5e-324, 0}} {
		check(c[0], c[1])
	}
}
