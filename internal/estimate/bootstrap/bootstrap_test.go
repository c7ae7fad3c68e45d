package bootstrap

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/gallisto/gallisto/internal/estimate/em"
)

// TestSampleMarginals checks the multinomial sampler against the exact
// marginals: class i of a sample of n fragments is Binomial(n, p_i) with
// mean n*p_i and variance n*p_i*(1-p_i), and two classes have covariance
// -n*p_i*p_j. Over R samples each estimate is compared with its expected
// value in units of its standard error; a |z| above 5 fails. With about 25
// such checks, each false with probability 5.7e-7 (two-sided normal tail
// beyond 5), the test fails by chance with probability below 1.5e-5.
func TestSampleMarginals(t *testing.T) {
	const R = 20000 // samples: enough for 1% precision on the variances
	const zMax = 5
	cases := []struct {
		name   string
		counts []int64
	}{
		// Small classes (Poisson-like regime of the binomial), a class of
		// zero (never drawn), a dominant class, and several first/last
		// positions, since the conditional scheme treats them differently.
		{"mixed", []int64{5, 0, 100, 1000, 3, 50000, 1}},
		{"two", []int64{1, 1}},
		{"small-n", []int64{2, 7, 1, 0, 10}},
		{"last-large", []int64{1, 2, 3, 1000000}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k := len(tc.counts)
			var n int64
			for _, c := range tc.counts {
				n += c
			}
			sum := make([]float64, k)
			sum2 := make([]float64, k)
			cross := 0.0 // classes 0 and k-1
			out := make([]int64, k)
			for r := 0; r < R; r++ {
				Sample(Source(7, r), tc.counts, out)
				var tot int64
				for i, x := range out {
					if tc.counts[i] == 0 && x != 0 {
						t.Fatalf("sample %d: class %d has no mass but drew %d", r, i, x)
					}
					tot += x
					sum[i] += float64(x)
					sum2[i] += float64(x) * float64(x)
				}
				if tot != n {
					t.Fatalf("sample %d draws %d fragments, want %d", r, tot, n)
				}
				cross += float64(out[0]) * float64(out[k-1])
			}
			z := func(what string, got, want, se float64) {
				if se == 0 {
					if got != want {
						t.Errorf("%s = %g, want exactly %g", what, got, want)
					}
					return
				}
				if d := (got - want) / se; math.Abs(d) > zMax {
					t.Errorf("%s = %g, want %g (z = %.2f)", what, got, want, d)
				}
			}
			N := float64(n)
			for i, c := range tc.counts {
				p := float64(c) / N
				mean, v := N*p, N*p*(1-p)
				m := sum[i] / R
				s2 := (sum2[i] - R*m*m) / (R - 1)
				z("mean", m, mean, math.Sqrt(v/R))
				// Standard error of a sample variance: sigma^2 *
				// sqrt((kurtosis-1)/R), binomial kurtosis 3 + (1-6pq)/(npq).
				if v > 0 {
					kurt := 3 + (1-6*p*(1-p))/v
					z("variance", s2, v, v*math.Sqrt((kurt-1)/R))
				}
			}
			// Covariance of the first and last class: -n p_0 p_last, with
			// standard error sqrt(var(X0*Xk)/R) approximated by
			// sqrt(v0*vk + cov^2)/sqrt(R) (normal approximation).
			p0, pk := float64(tc.counts[0])/N, float64(tc.counts[k-1])/N
			m0, mk := sum[0]/R, sum[k-1]/R
			cov := (cross - R*m0*mk) / (R - 1)
			wantCov := -N * p0 * pk
			se := math.Sqrt((N*p0*(1-p0)*N*pk*(1-pk) + wantCov*wantCov) / R)
			z("covariance", cov, wantCov, se)
		})
	}
}

// TestSampleDeterministic: a source seeded alike draws alike, and other
// bootstraps draw differently.
func TestSampleDeterministic(t *testing.T) {
	counts := []int64{10, 200, 3000, 40000}
	a, b, c := make([]int64, 4), make([]int64, 4), make([]int64, 4)
	Sample(Source(42, 3), counts, a)
	Sample(Source(42, 3), counts, b)
	Sample(Source(42, 4), counts, c)
	if !slices.Equal(a, b) {
		t.Errorf("same seed and bootstrap gave %v and %v", a, b)
	}
	if slices.Equal(a, c) {
		t.Errorf("bootstraps 3 and 4 drew the same sample %v", a)
	}
}

// problem is a small EM problem: three targets, two of them sharing a
// class.
func problem() *em.Problem {
	return &em.Problem{
		NumTargets: 3,
		Off:        []uint32{0, 1, 2, 3, 5, 8},
		Members:    []uint32{0, 1, 2, 0, 1, 0, 1, 2},
		Counts:     []int64{100, 50, 7, 400, 30},
		EffLens:    []float64{1000, 1500, 800},
	}
}

// TestRunThreads: results in bootstrap order and identical for any number
// of threads.
func TestRunThreads(t *testing.T) {
	const n = 23 // not a multiple of any thread count tried
	collect := func(threads int) [][]float64 {
		var got [][]float64
		err := Run(context.Background(), problem(), n, 42, threads, func(b int, alpha []float64) error {
			if b != len(got) {
				t.Fatalf("threads %d: bootstrap %d emitted after %d others", threads, b, len(got))
			}
			got = append(got, alpha)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	want := collect(1)
	if len(want) != n {
		t.Fatalf("got %d bootstraps, want %d", len(want), n)
	}
	for _, th := range []int{2, 3, 8, 64} {
		got := collect(th)
		for b := range want {
			if !slices.Equal(got[b], want[b]) {
				t.Fatalf("threads %d: bootstrap %d = %v, with 1 thread %v", th, b, got[b], want[b])
			}
		}
	}
	for b := range want {
		if !slices.Equal(want[b], One(problem(), 42, b)) {
			t.Fatalf("bootstrap %d differs from One", b)
		}
		var s float64
		for _, a := range want[b] {
			s += a
		}
		if math.Abs(s-587) > 1e-6 { // all 587 fragments are assigned
			t.Errorf("bootstrap %d: counts sum to %g, want 587", b, s)
		}
	}
}

// TestRunStopsOnError: an error from emit stops the run and is returned.
func TestRunStopsOnError(t *testing.T) {
	errStop := context.Canceled
	calls := 0
	err := Run(context.Background(), problem(), 50, 1, 4, func(b int, _ []float64) error {
		calls++
		if b == 2 {
			return errStop
		}
		return nil
	})
	if err != errStop || calls != 3 {
		t.Errorf("Run = %v after %d calls, want %v after 3", err, calls, errStop)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Run(ctx, problem(), 5, 1, 2, func(int, []float64) error { return nil }); err == nil {
		t.Errorf("Run with a cancelled context returned nil")
	}
}
