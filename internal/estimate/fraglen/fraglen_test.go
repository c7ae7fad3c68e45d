package fraglen

import (
	"bufio"
	"fmt"
	"github.com/gallisto/gallisto/internal/testref"
	"math"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestTruncMeans checks hand-made histograms whose truncated means are
// worked out in the comments.
func TestTruncMeans(t *testing.T) {
	// span sets want[lo..hi] = v.
	type span struct {
		lo, hi int
		v      float64
	}
	tests := []struct {
		name  string
		hist  map[int]int64 // length -> fragments
		spans []span        // expected means; entries not covered are 0
	}{
		{
			// One fragment of 100, two of 200, one of 300:
			//   i < 100:        no fragment at or below i -> 0
			//   100 <= i < 200: 100/1 = 100
			//   200 <= i < 300: (100 + 2*200)/3 = 500/3 = 166.666...
			//   i >= 300:       (500 + 300)/4 = 200
			name: "three lengths",
			hist: map[int]int64{100: 1, 200: 2, 300: 1},
			spans: []span{
				{100, 199, 100},
				{200, 299, 500.0 / 3},
				{300, MaxLen - 1, 200},
			},
		},
		{
			// Fragments of length 0 count but weigh nothing, and
			// means[0] is never set (kallisto's loop starts at 1):
			//   1 <= i < 4: 0/2 = 0
			//   i >= 4:     (2*4)/(2+2) = 2
			name:  "zero-length fragments",
			hist:  map[int]int64{0: 2, 4: 2},
			spans: []span{{4, MaxLen - 1, 2}},
		},
		{
			// The longest length counted is MaxLen-1 = 999:
			//   1 <= i < 999: 10/1 = 10
			//   i = 999:      (10 + 3*999)/4 = 3007/4 = 751.75
			name:  "up to MaxLen-1",
			hist:  map[int]int64{10: 1, MaxLen - 1: 3},
			spans: []span{{10, MaxLen - 2, 10}, {MaxLen - 1, MaxLen - 1, 751.75}},
		},
		{
			name: "empty histogram",
			hist: map[int]int64{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hist := make([]int64, MaxLen)
			for l, n := range tc.hist {
				hist[l] = n
			}
			want := make([]float64, MaxLen)
			for _, s := range tc.spans {
				for i := s.lo; i <= s.hi; i++ {
					want[i] = s.v
				}
			}
			got := TruncMeans(hist)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("TruncMeans (-want +got):\n%s", diff)
			}
			if Mean(got) != want[MaxLen-1] {
				t.Errorf("Mean = %v, want %v", Mean(got), want[MaxLen-1])
			}
		})
	}
}

func TestTargetMeans(t *testing.T) {
	trunc := make([]float64, MaxLen)
	for i := range trunc {
		trunc[i] = float64(i) / 2 // any values that identify their index
	}
	lengths := []int32{0, 50, MaxLen - 1, MaxLen, 5000}
	// Lengths of MaxLen and more take the overall mean, trunc[MaxLen-1].
	want := []float64{0, 25, 499.5, 499.5, 499.5}
	if diff := cmp.Diff(want, TargetMeans(lengths, trunc)); diff != "" {
		t.Errorf("TargetMeans (-want +got):\n%s", diff)
	}
}

func TestEffLens(t *testing.T) {
	tests := []struct {
		length int32
		mean   float64
		want   float64
	}{
		{1000, 200, 801},        // L - mean + 1
		{200, 199.5, 1.5},       // still >= 1
		{200, 200, 1},           // exactly 1 is kept
		{150, 150.5, 150},       // 0.5 < 1: the length itself
		{150, 1000, 150},        // far below 1
		{10, 0, 11},             // no fragment this short: mean 0, L + 1
		{0, 0, 1},               // empty target
		{2000, 187.25, 1813.75}, // 2000 - 187.25 + 1, exact in binary
	}
	var lengths []int32
	var means, want []float64
	for _, tc := range tests {
		lengths = append(lengths, tc.length)
		means = append(means, tc.mean)
		want = append(want, tc.want)
	}
	if diff := cmp.Diff(want, EffLens(lengths, means)); diff != "" {
		t.Errorf("EffLens (-want +got):\n%s", diff)
	}
}

// weightsCpp recomputes kallisto 0.48's discretised truncated normal
// (src/weights.cpp trunc_gaussian_fld and trunc_gaussian_counts), written
// for this test from their formulas: for i in [0, MaxLen) the density is
// exp(-0.5*x*x)/sd with x = (i - mean)/sd, the running mean is
// sum(density*i)/sum(density) once the numerator is positive, and the counts
// are round(density*total/sum(density)). It reads "MEAN SD TOTAL" lines
// (means as bit patterns) and prints, per i, the bits of exp's argument,
// of exp's result, of the truncated mean, and the count.
const weightsCpp = `
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

static double from_bits(unsigned long long b) { double x; std::memcpy(&x, &b, 8); return x; }
static unsigned long long to_bits(double x) { unsigned long long b; std::memcpy(&b, &x, 8); return b; }

int main() {
	const int n = 1000; // MAX_FRAG_LEN
	unsigned long long mb, sb;
	int total;
	while (std::scanf("%llx %llx %d", &mb, &sb, &total) == 3) {
		double mean = from_bits(mb), sd = from_bits(sb);
		double num = 0.0, den = 0.0, sum = 0.0;
		for (int i = 0; i < n; i++) {
			double x = ((double)i - mean) / sd;
			sum += std::exp(-0.5 * x * x) / sd;
		}
		for (int i = 0; i < n; i++) {
			double x = ((double)i - mean) / sd;
			double arg = -0.5 * x * x;
			double e = std::exp(arg);
			double d = e / sd;
			num += d * (double)i;
			den += d;
			double m = num > 0 ? num / den : 0.0;
			int c = (int)std::round(d * total / sum);
			std::printf("%016llx %016llx %016llx %d\n", to_bits(arg), to_bits(e), to_bits(m), c);
		}
	}
	return 0;
}
`

type gaussCase struct {
	mean, sd float64
	total    int
}

// gaussCases are fragment length distributions as users give them with
// -l and -s, and extremes: very narrow, very wide, centred outside 0..999.
var gaussCases = []gaussCase{
	{200, 20, 10000}, // 10000: the total kallisto uses (main.cpp)
	{180, 25.5, 10000},
	{187.25, 30.1, 1000000},
	{50, 10, 10000},
	{300, 80, 10000},
	{1, 0.5, 10000},
	{999, 1, 10000},
	{1500, 300, 10000},
	{0.5, 1000, 10000},
	{-100, 50, 10000},
}

type cppPoint struct {
	arg, exp, mean uint64
	count          int32
}

func runWeightsCpp(t *testing.T) [][]cppPoint {
	t.Helper()
	// -O2 as kallisto's release build; -ffp-contract=off so that g++ does
	// not fuse -0.5*x*x or d*i+num into FMAs, which a generic x86-64
	// kallisto binary (no -mfma) cannot do either.
	bin := testref.BuildCpp(t, weightsCpp, "-O2", "-ffp-contract=off")
	var in strings.Builder
	for _, c := range gaussCases {
		fmt.Fprintf(&in, "%016x %016x %d\n", math.Float64bits(c.mean), math.Float64bits(c.sd), c.total)
	}
	cmd := exec.Command(bin)
	cmd.Stdin = strings.NewReader(in.String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	var all [][]cppPoint
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		var p cppPoint
		var errs [4]error
		p.arg, errs[0] = strconv.ParseUint(f[0], 16, 64)
		p.exp, errs[1] = strconv.ParseUint(f[1], 16, 64)
		p.mean, errs[2] = strconv.ParseUint(f[2], 16, 64)
		c, e := strconv.ParseInt(f[3], 10, 32)
		p.count, errs[3] = int32(c), e
		for _, err := range errs {
			if err != nil {
				t.Fatalf("C++ output %q: %v", sc.Text(), err)
			}
		}
		if len(all) == 0 || len(all[len(all)-1]) == MaxLen {
			all = append(all, nil)
		}
		all[len(all)-1] = append(all[len(all)-1], p)
	}
	if len(all) != len(gaussCases) || len(all[len(all)-1]) != MaxLen {
		t.Fatalf("C++ printed %d cases, want %d of %d points", len(all), len(gaussCases), MaxLen)
	}
	return all
}

func ulps(a, b float64) int64 {
	d := int64(math.Float64bits(a)) - int64(math.Float64bits(b))
	if d < 0 {
		d = -d
	}
	return d
}

// TestGaussianMatchesCpp compares GaussianTruncMeans and GaussianCounts
// with the C++ build bit for bit.
//
// Go's math.Exp is not glibc's exp: glibc's is correctly rounded in all but
// rare cases, Go's (math/exp_amd64.s, or the portable exp.go) is within
// 1 ulp. Where the two exps differ for the same argument, the truncated
// means may then differ in the last bits. The test checks that every
// difference in the means is explained that way: the arguments of exp must
// be identical everywhere, the means must be identical up to the first
// index where exp differs, and the means may differ by at most a few ulp
// after it (the relative error of one ulp in one density, diluted in the
// running sums, stays near one ulp). The counts must be identical: an ulp
// in a density moves the rounding of density*total/sum only at an exact
// .5, which none of the cases comes near.
func TestGaussianMatchesCpp(t *testing.T) {
	cpp := runWeightsCpp(t)
	expDiffs, meanDiffs, maxULP := 0, 0, int64(0)
	for k, c := range gaussCases {
		means := GaussianTruncMeans(c.mean, c.sd)
		counts := GaussianCounts(c.mean, c.sd, c.total)
		firstExpDiff := MaxLen
		for i, p := range cpp[k] {
			// The same argument, computed in Go as gaussianDensity does.
			x := (float64(i) - c.mean) / c.sd
			arg := float64(-0.5*x) * x
			if math.Float64bits(arg) != p.arg {
				t.Fatalf("mean %v sd %v, i=%d: exp argument %x in Go, %x in C++", c.mean, c.sd, i, math.Float64bits(arg), p.arg)
			}
			if math.Float64bits(math.Exp(arg)) != p.exp {
				expDiffs++
				if d := ulps(math.Exp(arg), math.Float64frombits(p.exp)); d > 1 {
					t.Errorf("exp(%v): Go and glibc differ by %d ulp", arg, d)
				}
				firstExpDiff = min(firstExpDiff, i)
			}
		}
		for i, p := range cpp[k] {
			want := math.Float64frombits(p.mean)
			d := ulps(means[i], want)
			if d != 0 {
				meanDiffs++
				maxULP = max(maxULP, d)
			}
			if i < firstExpDiff && d != 0 {
				t.Errorf("mean %v sd %v: truncated mean at %d is %v, C++ %v, with identical exps so far", c.mean, c.sd, i, means[i], want)
			}
			// 4 ulp: a generous bound for one 1-ulp density error carried
			// through two running sums and a division.
			if d > 4 {
				t.Errorf("mean %v sd %v: truncated mean at %d is %v, C++ %v (%d ulp)", c.mean, c.sd, i, means[i], want, d)
			}
			if counts[i] != p.count {
				t.Errorf("mean %v sd %v: count at %d is %d, C++ %d", c.mean, c.sd, i, counts[i], p.count)
			}
		}
	}
	// The explanation, checked: the package's sums fed with glibc's exp
	// values give the C++ means bit for bit.
	for k, c := range gaussCases {
		var mass, density float64
		for i, p := range cpp[k] {
			d := math.Float64frombits(p.exp) / c.sd
			mass += float64(d * float64(i))
			density += d
			m := 0.0
			if mass > 0 {
				m = mass / density
			}
			if math.Float64bits(m) != p.mean {
				t.Errorf("mean %v sd %v, i=%d: with glibc's exp the sums give %v, C++ %v", c.mean, c.sd, i, m, math.Float64frombits(p.mean))
			}
		}
	}
	t.Logf("exp differs between Go and glibc on %d of %d arguments; truncated means differ on %d, by at most %d ulp",
		expDiffs, len(gaussCases)*MaxLen, meanDiffs, maxULP)
}

// TestGaussianTruncMeansProperties checks what holds for any normal
// distribution: the truncated mean never decreases with the truncation
// point, lies in [0, i], and tends to the distribution's mean when
// the mass lies well inside 0..MaxLen-1.
func TestGaussianTruncMeansProperties(t *testing.T) {
	for _, c := range gaussCases {
		m := GaussianTruncMeans(c.mean, c.sd)
		for i := 1; i < MaxLen; i++ {
			// 1e-12 relative: rounding slack. Far in a tail the running
			// mean is i itself to within a few ulp (mean 999, sd 1 gives
			// means[963] = 963.0000000000001).
			const eps = 1e-12
			if m[i] < m[i-1]*(1-eps) || m[i] < 0 || m[i] > float64(i)*(1+eps) {
				t.Errorf("mean %v sd %v: means[%d] = %v after %v", c.mean, c.sd, i, m[i], m[i-1])
				break
			}
		}
		// Within 0..999 with 6 sd to spare, the discretised mean is the
		// mean itself to 1e-9 (the normal's tail beyond 6 sd is 2e-9).
		if c.mean-6*c.sd > 0 && c.mean+6*c.sd < MaxLen-1 {
			if d := math.Abs(Mean(m) - c.mean); d > 1e-9*c.mean {
				t.Errorf("mean %v sd %v: overall mean %v", c.mean, c.sd, Mean(m))
			}
		}
	}
}

func TestGaussianCountsTotal(t *testing.T) {
	// With the mass well inside 0..999 the rounded counts add up to the
	// total give or take the rounding of each of the bins that are not
	// zero (at most half a fragment each).
	for _, c := range gaussCases[:5] {
		counts := GaussianCounts(c.mean, c.sd, c.total)
		sum, nonzero := 0, 0
		for _, n := range counts {
			sum += int(n)
			if n != 0 {
				nonzero++
			}
		}
		if d := sum - c.total; d < -nonzero/2-1 || d > nonzero/2+1 {
			t.Errorf("mean %v sd %v: counts add to %d, want %d +- %d", c.mean, c.sd, sum, c.total, nonzero/2+1)
		}
	}
}

func BenchmarkGaussianTruncMeans(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(MaxLen * 8) // one float64 per length
	for b.Loop() {
		GaussianTruncMeans(200, 20)
	}
}
