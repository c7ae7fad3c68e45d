// Package fraglen models fragment lengths and the effective transcript
// lengths derived from them, as kallisto 0.48 does (src/MinCollector.cpp
// compute_mean_frag_lens_trunc, src/weights.cpp trunc_gaussian_fld,
// trunc_gaussian_counts, get_frag_len_means, calc_eff_lens).
//
// Lengths are whole numbers of bases below MaxLen. For a transcript of
// length L the expected fragment length is the mean of the distribution
// truncated at L (fragments cannot be longer than their transcript), and
// the effective length is L minus that mean plus one, or L itself when that
// would fall below one.
//
// The arithmetic follows kallisto's operation by operation so that effective
// lengths, and hence abundances, agree to the last printed digit.
package fraglen

import "math"

// MaxLen bounds fragment lengths (kallisto's MAX_FRAG_LEN): observed lengths
// must be below it.
const MaxLen = 1000

// TruncMeans returns, for every length i < MaxLen, the mean of the observed
// fragment lengths that are at most i; hist[i] counts fragments of length i.
// Entries with no fragment at or below i are 0, as in kallisto.
func TruncMeans(hist []int64) []float64 {
	means := make([]float64, MaxLen)
	var mass float64
	count := hist[0]
	for i := 1; i < MaxLen; i++ {
		mass = float64(hist[i]*int64(i)) + mass
		count += hist[i]
		if count > 0 {
			means[i] = mass / float64(count)
		}
	}
	return means
}

// GaussianTruncMeans is TruncMeans for a normal distribution with the given
// mean and standard deviation, discretised on 0..MaxLen-1.
func GaussianTruncMeans(mean, sd float64) []float64 {
	means := make([]float64, MaxLen)
	var mass, density float64
	for i := 0; i < MaxLen; i++ {
		d := gaussianDensity(i, mean, sd)
		mass += float64(d * float64(i))
		density += d
		if mass > 0 {
			means[i] = mass / density
		}
	}
	return means
}

// GaussianCounts spreads total fragments over 0..MaxLen-1 following the
// normal density, rounding each bin; it is the histogram kallisto stores for
// single-end runs (HDF5 aux/fld).
func GaussianCounts(mean, sd float64, total int) []int32 {
	var mass float64
	for i := 0; i < MaxLen; i++ {
		mass += gaussianDensity(i, mean, sd)
	}
	out := make([]int32, MaxLen)
	for i := range out {
		out[i] = int32(math.Round(gaussianDensity(i, mean, sd) * float64(total) / mass))
	}
	return out
}

func gaussianDensity(i int, mean, sd float64) float64 {
	x := (float64(i) - mean) / sd
	return math.Exp(float64(-0.5*x)*x) / sd
}

// Mean returns the overall mean fragment length: the truncated mean at
// MaxLen-1.
func Mean(truncMeans []float64) float64 { return truncMeans[MaxLen-1] }

// TargetMeans returns each target's expected fragment length: the truncated
// mean at its length, or the overall mean for targets of MaxLen or longer.
func TargetMeans(lengths []int32, truncMeans []float64) []float64 {
	out := make([]float64, len(lengths))
	for i, l := range lengths {
		if l >= MaxLen {
			out[i] = truncMeans[MaxLen-1]
		} else {
			out[i] = truncMeans[l]
		}
	}
	return out
}

// EffLens returns the effective lengths: L - mean + 1, or L when that is
// below 1.
func EffLens(lengths []int32, means []float64) []float64 {
	out := make([]float64, len(lengths))
	for i, l := range lengths {
		e := float64(l) - means[i] + 1
		if e < 1 {
			e = float64(l)
		}
		out[i] = e
	}
	return out
}
