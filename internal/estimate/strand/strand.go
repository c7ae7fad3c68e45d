// Package strand decides a library's strandedness (quant --strand auto)
// from pseudoaligned fragments.
//
// The decision uses the first Fragments fragments, in input order, that
// pseudoalign to a single transcript without a strand filter. Each is
// compatible with the --fr-stranded filter (read 1 on the transcript's
// strand), with the --rf-stranded filter, or with neither (mates in the same
// orientation). With f FR-only and r RF-only fragments, the FR fraction
// p = f/(f+r) decides, like salmon's library type detection (salmon 1.10,
// LibraryFormat / the 30%/70% rule of its --libType A), but with a gap
// between the regions in which gallisto refuses to guess:
//
//	p >= 0.8            FR   (--fr-stranded)
//	p <= 0.2            RF   (--rf-stranded)
//	0.3 <= p <= 0.7     unstranded
//	anything else       undetermined: quantified unstranded, with a warning
//
// Real stranded libraries put 95-99% of fragments on the expected strand
// and unstranded ones 50%; a fraction between 70% and 80% (or 20% and
// 30%) means a mixture (for example stranded and unstranded samples
// concatenated), where neither filter is right. A call is made only when
// the whole 99.9% Wilson score interval of p lies in one region, and at
// least MinFragments informative fragments were seen; otherwise the result
// is undetermined. The interval is the "how sure" that the log and
// run_info.json report.
//
// The caller (package quant) pseudoaligns once: every fragment is aligned
// without a strand filter and the FR and RF filters are applied to the same
// k-mer hits, each feeding its own collector. The chosen collector is then
// exactly what an explicit --fr-stranded, --rf-stranded or unstranded run
// collects, so the results are identical.
package strand

import (
	"fmt"
	"math"

	"github.com/gallisto/gallisto/internal/align/pseudo"
)

// Fragments is how many uniquely aligned fragments decide.
const Fragments = 100000

// MinFragments is the fewest informative fragments (FR or RF) that can
// support a call. With 100 fragments the 99.9% interval around a perfectly
// stranded p = 1 is [0.902, 1], inside the FR region.
const MinFragments = 100

// Decision regions for the FR fraction (see the package doc).
const (
	frMin         = 0.8
	rfMax         = 0.2
	unstrandedMin = 0.3
	unstrandedMax = 0.7
)

// z is the standard normal quantile for a two-sided 99.9% interval.
const z = 3.2905267314919255

// Evidence is what one uniquely aligned fragment says.
type Evidence int8

const (
	Neither Evidence = 0  // both filters keep it, or neither does
	FR      Evidence = 1  // only --fr-stranded keeps it
	RF      Evidence = -1 // only --rf-stranded keeps it
)

// Classify gives the evidence of one uniquely aligned fragment from its FR
// and RF filtered results.
func Classify(fr, rf *pseudo.Result) Evidence {
	okFR, okRF := fr.Reason == pseudo.Aligned, rf.Reason == pseudo.Aligned
	switch {
	case okFR && !okRF:
		return FR
	case okRF && !okFR:
		return RF
	}
	return Neither
}

// Counts tallies Evidence values.
type Counts struct {
	FR, RF, Neither int64
}

// Add counts one fragment.
func (s *Counts) Add(ev Evidence) {
	switch ev {
	case FR:
		s.FR++
	case RF:
		s.RF++
	default:
		s.Neither++
	}
}

// Call is the outcome of --strand auto.
type Call struct {
	// Choice is "fr", "rf", "unstranded" or "undetermined".
	Choice string
	// Strand is the filter used: FR, RF or Unstranded (also when
	// undetermined).
	Strand pseudo.Strand
	// FR, RF and Neither count the uniquely aligned fragments examined.
	FR, RF, Neither int64
	// FractionFR is FR/(FR+RF) (NaN without informative fragments);
	// Low and High bound its 99.9% Wilson score interval.
	FractionFR, Low, High float64
	// Reason explains an undetermined call.
	Reason string
}

// Decide makes the call from the evidence.
func Decide(ev Counts) Call {
	c := Call{Choice: "undetermined", Strand: pseudo.Unstranded, FR: ev.FR, RF: ev.RF, Neither: ev.Neither}
	n := float64(ev.FR + ev.RF)
	if n == 0 {
		c.FractionFR, c.Low, c.High = math.NaN(), 0, 1
		c.Reason = "no uniquely aligned fragment tells the strands apart"
		return c
	}
	p := float64(ev.FR) / n
	c.FractionFR = p
	c.Low, c.High = Wilson(p, n, z)
	switch {
	case ev.FR+ev.RF < MinFragments:
		c.Reason = fmt.Sprintf("only %d informative fragments (at least %d needed)", ev.FR+ev.RF, MinFragments)
	case c.Low >= frMin:
		c.Choice, c.Strand = "fr", pseudo.FR
	case c.High <= rfMax:
		c.Choice, c.Strand = "rf", pseudo.RF
	case c.Low >= unstrandedMin && c.High <= unstrandedMax:
		c.Choice = "unstranded"
	default:
		c.Reason = "the evidence is mixed"
	}
	return c
}

// Wilson returns the Wilson score interval for a proportion p observed in
// n trials, at normal quantile z.
func Wilson(p, n, z float64) (lo, hi float64) {
	z2 := z * z
	den := 1 + z2/n
	mid := (p + z2/(2*n)) / den
	half := z * math.Sqrt(p*(1-p)/n+z2/(4*n*n)) / den
	return math.Max(0, mid-half), math.Min(1, mid+half)
}

// RunInfo is the run_info.json value ("strand") describing the call.
func (c Call) RunInfo() map[string]any {
	m := map[string]any{
		"mode":              "auto",
		"chosen":            c.Choice,
		"fragments_fr":      c.FR,
		"fragments_rf":      c.RF,
		"fragments_neither": c.Neither,
	}
	if c.FR+c.RF > 0 {
		m["fraction_fr"] = round4(c.FractionFR)
		m["fraction_fr_99.9_low"] = round4(c.Low)
		m["fraction_fr_99.9_high"] = round4(c.High)
	}
	if c.Reason != "" {
		m["reason"] = c.Reason
	}
	return m
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
