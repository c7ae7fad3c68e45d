package quant

import (
	"fmt"
	"math"

	"github.com/gallisto/gallisto/internal/align/pseudo"
)

// --strand auto
//
// The library's strandedness is decided from the first
// strandEvidenceFragments fragments, in input order, that pseudoalign to a
// single transcript without a strand filter. Each is compatible with the
// --fr-stranded filter (read 1 on the transcript's strand), with the
// --rf-stranded filter, or with neither (mates in the same orientation).
// With f FR-only and r RF-only fragments, the FR fraction p = f/(f+r)
// decides, like salmon's library type detection (which calls a library
// stranded below 30% or above 70% of one orientation), but with a gap
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
// least strandMinFragments informative fragments were seen; otherwise the
// result is undetermined. The interval is the "how sure" that the log and
// run_info.json report.
//
// Pseudoalignment runs once: every fragment is aligned without a strand
// filter and the FR and RF filters are applied to the same k-mer hits, each
// feeding its own collector (class counts numbered by first appearance,
// fragment length histogram, bias hexamers, unaligned counts). The chosen
// collector is then exactly what an explicit --fr-stranded,
// --rf-stranded or unstranded run collects, so the results are identical.

// strandEvidenceFragments is how many uniquely aligned fragments decide.
const strandEvidenceFragments = 100000

// strandMinFragments is the fewest informative fragments (FR or RF) that
// can support a call. With 100 fragments the 99.9% interval around a
// perfectly stranded p = 1 is [0.904, 1], inside the FR region.
const strandMinFragments = 100

// Decision regions for the FR fraction (see above).
const (
	strandFRMin         = 0.8
	strandRFMax         = 0.2
	strandUnstrandedMin = 0.3
	strandUnstrandedMax = 0.7
)

// strandZ is the standard normal quantile for a two-sided 99.9% interval.
const strandZ = 3.2905267314919255

// strandEvidence classifies one uniquely aligned fragment from its FR and
// RF filtered results: +1 FR only, -1 RF only, 0 neither or both.
func strandEvidence(fr, rf *pseudo.Result) int8 {
	okFR, okRF := fr.Reason == pseudo.Aligned, rf.Reason == pseudo.Aligned
	switch {
	case okFR && !okRF:
		return 1
	case okRF && !okFR:
		return -1
	}
	return 0
}

// strandEvidenceCounts tallies strandEvidence values.
type strandEvidenceCounts struct {
	FR, RF, Neither int64
}

func (s *strandEvidenceCounts) add(ev int8) {
	switch ev {
	case 1:
		s.FR++
	case -1:
		s.RF++
	default:
		s.Neither++
	}
}

// StrandCall is the outcome of --strand auto.
type StrandCall struct {
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

// decideStrand makes the --strand auto call from the evidence.
func decideStrand(ev strandEvidenceCounts) StrandCall {
	c := StrandCall{Choice: "undetermined", Strand: pseudo.Unstranded, FR: ev.FR, RF: ev.RF, Neither: ev.Neither}
	n := float64(ev.FR + ev.RF)
	if n == 0 {
		c.FractionFR, c.Low, c.High = math.NaN(), 0, 1
		c.Reason = "no uniquely aligned fragment tells the strands apart"
		return c
	}
	p := float64(ev.FR) / n
	c.FractionFR = p
	c.Low, c.High = wilson(p, n, strandZ)
	switch {
	case ev.FR+ev.RF < strandMinFragments:
		c.Reason = fmt.Sprintf("only %d informative fragments (at least %d needed)", ev.FR+ev.RF, strandMinFragments)
	case c.Low >= strandFRMin:
		c.Choice, c.Strand = "fr", pseudo.FR
	case c.High <= strandRFMax:
		c.Choice, c.Strand = "rf", pseudo.RF
	case c.Low >= strandUnstrandedMin && c.High <= strandUnstrandedMax:
		c.Choice = "unstranded"
	default:
		c.Reason = "the evidence is mixed"
	}
	return c
}

// wilson returns the Wilson score interval for a proportion p observed in
// n trials, at normal quantile z.
func wilson(p, n, z float64) (lo, hi float64) {
	z2 := z * z
	den := 1 + z2/n
	mid := (p + z2/(2*n)) / den
	half := z * math.Sqrt(p*(1-p)/n+z2/(4*n*n)) / den
	return math.Max(0, mid-half), math.Min(1, mid+half)
}

// logLine is the log line that reports the call.
func (c StrandCall) logLine() string {
	pct := func(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) }
	used := c.FR + c.RF + c.Neither
	head := fmt.Sprintf("[quant] strand auto: of %s uniquely aligned fragments, %s fit --fr-stranded, %s fit --rf-stranded",
		prettyNum(used), prettyNum(c.FR), prettyNum(c.RF))
	if c.FR+c.RF > 0 {
		head += fmt.Sprintf(" (FR fraction %s, 99.9%% interval %s-%s)", pct(c.FractionFR), pct(c.Low), pct(c.High))
	}
	switch c.Choice {
	case "fr":
		return head + "; library is stranded, using --fr-stranded\n"
	case "rf":
		return head + "; library is stranded, using --rf-stranded\n"
	case "unstranded":
		return head + "; library is unstranded\n"
	}
	return head + "\n[~warn] strand auto: strandedness undetermined (" + c.Reason + "); quantifying as unstranded\n"
}

// runInfo is the run_info.json value describing the call.
func (c StrandCall) runInfo() map[string]any {
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
