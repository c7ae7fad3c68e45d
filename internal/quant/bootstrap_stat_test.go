package quant_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/gallisto/gallisto/internal/quant"
	"github.com/gallisto/gallisto/internal/testref"
)

// bootstrapN is the number of bootstraps each tool runs for the
// distribution test.
const bootstrapN = 200

// moments summarises one transcript's bootstrap values.
type moments struct {
	mean, variance, kurtosis float64 // kurtosis = m4/m2^2 (3 for a normal)
}

func summarise(values [][]float64) []moments {
	nt := len(values[0])
	out := make([]moments, nt)
	n := float64(len(values))
	for t := 0; t < nt; t++ {
		var s float64
		for _, v := range values {
			s += v[t]
		}
		m := s / n
		var m2, m4 float64
		for _, v := range values {
			d := v[t] - m
			m2 += d * d
			m4 += d * d * d * d
		}
		m2 /= n
		m4 /= n
		k := 3.0
		if m2 > 0 {
			k = m4 / (m2 * m2)
		}
		out[t] = moments{m, m2 * n / (n - 1), k}
	}
	return out
}

// readBootstrapTSVs reads est_counts of bs_abundance_0..n-1.tsv in dir.
func readBootstrapTSVs(t *testing.T, dir string, n int) [][]float64 {
	t.Helper()
	out := make([][]float64, n)
	for b := range out {
		for _, r := range abundanceTSV(t, read(t, filepath.Join(dir, fmt.Sprintf("bs_abundance_%d.tsv", b)))) {
			v, err := strconv.ParseFloat(r[3], 64)
			if err != nil {
				t.Fatal(err)
			}
			out[b] = append(out[b], v)
		}
	}
	return out
}

// TestBootstrapDistributionMatchesKallisto compares gallisto's bootstrap
// distribution with kallisto's on a real sample (airway SRR1039508,
// GENCODE v28 chr1:1-10 Mb; both tools have the same equivalence-class
// counts, so their bootstraps resample the same data): 200 bootstraps each
// (kallisto --plaintext -t 1 -b 200 live when installed, else its
// per-transcript moments stored in testdata/bootstrap).
//
// For every transcript whose bootstrap mean is at least 10 fragments in
// both tools (where the normal approximations below hold) two z statistics
// are computed:
//
//   - means: (mean_g - mean_k) / sqrt(var_g/200 + var_k/200), standard
//     normal under "same distribution" (Welch, n large);
//   - variances: (ln var_g - ln var_k) / sqrt(2*(kurt-1)/200), the
//     delta-method test of equal variances, which unlike the F test stays
//     valid for non-normal data (kurt is the two samples' mean kurtosis
//     m4/m2^2, at least 3).
//
// With m such statistics, the test fails when any |z| exceeds the
// Bonferroni bound z* with P(|Z| > z*) = 0.001/m: the probability that two
// samplers with the same distribution fail it (family-wise false failure)
// is at most 0.001. This sample gives about 260 statistics (130
// transcripts) and z* = 4.6: a mean off by half a bootstrap standard
// deviation, or a variance off by 60%, in any one of them is detected, and
// smaller systematic errors show in the logged mean of z^2 (1 expected;
// 0.93-1.1 for the means and 0.95-1.3 for the variances over seeds 1, 2, 3
// and 42 before the kurtosis floor).
//
// Slow-ish (about 5 s of bootstraps on 2 cores): skipped with -short.
func TestBootstrapDistributionMatchesKallisto(t *testing.T) {
	if testing.Short() {
		t.Skip("bootstrap distribution test skipped with -short")
	}
	tx := testref.SharedFile(t, airwayTx)
	r1 := testref.SharedFile(t, airwayRd+"SRR1039508_R1.fastq.gz")
	r2 := testref.SharedFile(t, airwayRd+"SRR1039508_R2.fastq.gz")
	live := testref.Kallisto() != ""
	idx := cache.get(t, []string{tx}, live)
	golden := filepath.Join(testref.RepoRoot(), "testdata", "bootstrap", "airway-SRR1039508-kallisto-b200.tsv")

	var names []string
	var kal []moments
	if live {
		out, _ := kallistoQuant(t, idx.kallisto, "--plaintext", "-t", "1", "-b", strconv.Itoa(bootstrapN), r1, r2)
		kal = summarise(readBootstrapTSVs(t, out, bootstrapN))
		for _, r := range abundanceTSV(t, read(t, filepath.Join(out, "abundance.tsv"))) {
			names = append(names, r[0])
		}
		if *update {
			var b strings.Builder
			b.WriteString("# kallisto 0.48.0 quant --plaintext -t 1 -b 200 (seed 42), airway SRR1039508, GENCODE v28 chr1:1-10Mb\n")
			b.WriteString("target_id\tmean\tvariance\tkurtosis\n")
			for i, m := range kal {
				fmt.Fprintf(&b, "%s\t%.17g\t%.17g\t%.17g\n", strings.SplitN(names[i], "|", 2)[0], m.mean, m.variance, m.kurtosis)
			}
			os.MkdirAll(filepath.Dir(golden), 0o755)
			if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	} else {
		for _, l := range strings.Split(strings.TrimSpace(read(t, golden)), "\n") {
			f := strings.Split(l, "\t")
			if strings.HasPrefix(l, "#") || f[0] == "target_id" {
				continue
			}
			var m moments
			m.mean, _ = strconv.ParseFloat(f[1], 64)
			m.variance, _ = strconv.ParseFloat(f[2], 64)
			m.kurtosis, _ = strconv.ParseFloat(f[3], 64)
			names = append(names, f[0])
			kal = append(kal, m)
		}
	}

	dir, _ := run(t, quant.Options{Index: idx.gallisto, Files: []string{r1, r2}, Bootstraps: bootstrapN, Seed: 42, Threads: 2})
	gal := summarise(h5Datasets(t, filepath.Join(dir, "abundance.h5")).Bootstraps)
	if len(gal) != len(kal) {
		t.Fatalf("%d targets, kallisto %d", len(gal), len(kal))
	}

	const minMean = 10 // fragments: below, bootstrap counts are too discrete
	const n = bootstrapN
	type stat struct {
		tr   int
		what string
		z    float64
	}
	var stats []stat
	for i := range gal {
		g, k := gal[i], kal[i]
		if g.mean < minMean || k.mean < minMean {
			continue
		}
		if g.variance == 0 || k.variance == 0 {
			// A transcript alone in its classes has no EM uncertainty but
			// still multinomial variance; zero variance in one tool only
			// is a failure.
			if g.variance != k.variance {
				t.Errorf("%s: bootstrap variance %g, kallisto %g", names[i], g.variance, k.variance)
			}
			continue
		}
		// Pooled kurtosis, at least a normal's 3 (multinomial counts with
		// mean >= 10 have about 3 + 1/mean): a noisy small estimate
		// would make the variance test anti-conservative.
		kurt := math.Max(3, (g.kurtosis+k.kurtosis)/2)
		stats = append(stats,
			stat{i, "mean", (g.mean - k.mean) / math.Sqrt(g.variance/n+k.variance/n)},
			stat{i, "variance", (math.Log(g.variance) - math.Log(k.variance)) / math.Sqrt(2*(kurt-1)/n)})
	}
	m := float64(len(stats))
	if m < 100 {
		t.Fatalf("only %v statistics: the sample does not exercise the test", m)
	}
	const familyAlpha = 0.001
	zStar := math.Sqrt2 * math.Erfcinv(familyAlpha/m)
	maxZ := 0.0
	for _, s := range stats {
		maxZ = math.Max(maxZ, math.Abs(s.z))
		if math.Abs(s.z) > zStar {
			g, k := gal[s.tr], kal[s.tr]
			t.Errorf("%s: %s z = %.2f beyond %.2f (gallisto mean %.4g sd %.4g, kallisto mean %.4g sd %.4g)",
				names[s.tr], s.what, s.z, zStar, g.mean, math.Sqrt(g.variance), k.mean, math.Sqrt(k.variance))
		}
	}
	sort.Slice(stats, func(a, b int) bool { return math.Abs(stats[a].z) > math.Abs(stats[b].z) })
	var zz [2]float64
	for _, s := range stats {
		if s.what == "mean" {
			zz[0] += s.z * s.z
		} else {
			zz[1] += s.z * s.z
		}
	}
	t.Logf("mean z^2: means %.3f variances %.3f", 2*zz[0]/m, 2*zz[1]/m)
	for _, s := range stats[:3] {
		t.Logf("%s %s z=%.2f g=%+v k=%+v", names[s.tr], s.what, s.z, gal[s.tr], kal[s.tr])
	}
	t.Logf("%d statistics over %d transcripts, largest |z| %.2f, bound %.2f", len(stats), len(stats)/2, maxZ, zStar)
}
