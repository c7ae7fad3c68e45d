// Package fragmodel is the fragment likelihood of quant --model full and its
// range-factorized equivalence classes.
//
// kallisto's model (package em with unit weights) gives a fragment in class
// {a, b} the weight alpha_t/efflen_t on each: every transcript of the class
// explains it equally well. The full model, like RSEM's and salmon's
// (Patro et al., Nat. Methods 2017), also asks how well: with the
// fragment's place on each transcript (package pseudo: mismatches, implied
// fragment length, or the room a single read leaves), the conditional
// probability of a pair given transcript t is, as in RSEM's model (Li &
// Dewey, BMC Bioinformatics 2011),
//
//	P(f | t) ∝ FLD(l_t)/C(len_t) · 1/(len_t - l_t + 1) · r^(mm_t - mm_best)
//
// (the fragment has length l_t, which fits on t with probability C(len_t),
// and starts at one of len_t - l_t + 1 places, all equally likely), where
// l_t is the fragment length the mates imply on t, FLD the fragment length
// distribution and C its CDF, mm_t the mismatches on t and r = (e/3)/(1-e) the
// likelihood ratio of one more mismatch for a base error rate e (a read
// base that differs from its true transcript where two transcripts differ
// matches the other by chance with probability e/3). For a single read, or
// a pair with one mate placed, the fragment's length is unknown: the
// length term is the probability that a fragment starting at the read fits
// on t, C(room_t)/C(len_t) (salmon's rule for orphans and single-end
// reads), times 1/efflen_t for the start, efflen_t = the mean of
// len_t - l + 1 (kallisto's effective length). A pair whose mates face
// each other on no transcript of the class gets 1/efflen_t alone, as in
// kallisto's model. e is pseudo.ErrorRate, a fixed 1%: the order of
// Illumina's error rates, not fitted to any data set (pseudo's package doc
// has the matching cut of transcripts two mismatches worse).
//
// The FLD of a paired library is kallisto's histogram of the first 10,000
// unique pairs (package quant), smoothed: a Gaussian kernel with
// Silverman's rule-of-thumb bandwidth (1.06 sd n^-1/5, the normal-reference
// choice) plus one pseudo-fragment spread evenly over 0..MaxLen-1, so that
// no length has probability 0. With -l/-s it is the truncated Gaussian
// kallisto uses.
//
// Range factorization (Zakeri, Srivastava, Almodaresi & Patro,
// Bioinformatics 2017, as salmon 1.10 does it): the fragment's conditional
// probabilities p_1..p_n over its class's transcripts (normalised, without
// efflen) are binned as floor(p_i · (floor(sqrt(n)) + 4)); fragments with
// the same class and the same bins form one class whose weights are the
// mean p of its fragments. The EM (package em, Problem.MemberWeights)
// gives member t of class c the weight count_c · mean_p_ct / efflen_t, so
// Conditional folds efflen_t into p (p ∝ P(f | t) · efflen_t) and the
// EM's division takes it out again.
// Fragments that all transcripts of their class explain alike (most) keep
// p = 1/n and fall into one class per transcript set, as in kallisto's
// model; the number of classes grows only where the places differ.
package fragmodel

import (
	"encoding/binary"
	"math"

	"github.com/gallisto/gallisto/internal/align/pseudo"
	"github.com/gallisto/gallisto/internal/estimate/em"
)

// MaxLen is the longest fragment the distribution holds (kallisto's
// MAX_FRAG_LEN); longer implied lengths take the probability of MaxLen-1.
const MaxLen = 1000

// rangeBins is the B of floor(p·(floor(sqrt(n))+B)): salmon's default,
// the value Zakeri et al. 2017 evaluate.
const rangeBins = 4

// Parts names the parts of the model that can be switched off, one at a
// time, to measure what each buys (bench/README.md's ablation).
type Parts struct {
	NoLength   bool // no fragment length and position term
	NoMismatch bool // no mismatch term
	NoBins     bool // one class per transcript set (weights averaged over all its fragments)
}

// Model is the fragment length distribution, the targets' lengths and
// effective lengths, and the mismatch term.
type Model struct {
	pmf, cdf []float64 // over lengths 0..MaxLen-1
	lens     []int32   // FASTA lengths of the targets
	eff      []float64 // their effective lengths
	ratio    float64   // (e/3)/(1-e)
	parts    Parts
}

// New makes a model from a fragment length distribution given as weights
// per length 0..MaxLen-1 (see Smooth), the targets' FASTA lengths and
// effective lengths.
func New(weights []float64, lens []int32, eff []float64, parts Parts) *Model {
	m := &Model{pmf: make([]float64, MaxLen), cdf: make([]float64, MaxLen), lens: lens, eff: eff,
		ratio: pseudo.ErrorRate / 3 / (1 - pseudo.ErrorRate), parts: parts}
	total := 0.0
	for l := 0; l < MaxLen && l < len(weights); l++ {
		total += weights[l]
	}
	for l := range m.pmf {
		switch {
		case total <= 0:
			m.pmf[l] = 1.0 / MaxLen
		case l < len(weights):
			m.pmf[l] = weights[l] / total
		}
	}
	acc := 0.0
	for l, p := range m.pmf {
		acc += p
		m.cdf[l] = acc
	}
	return m
}

// Smooth turns a histogram of observed fragment lengths (lengths
// 0..MaxLen-1) into distribution weights (see the package doc): a
// Gaussian kernel with Silverman's bandwidth plus one pseudo-fragment
// spread evenly.
func Smooth(hist []int64) []float64 {
	var n, sum, sum2 float64
	for l, c := range hist {
		x := float64(c)
		n += x
		sum += x * float64(l)
		sum2 += x * float64(l) * float64(l)
	}
	out := make([]float64, MaxLen)
	uniform := 1.0 / MaxLen
	if n == 0 {
		for l := range out {
			out[l] = uniform
		}
		return out
	}
	mean := sum / n
	sd := math.Sqrt(math.Max(sum2/n-mean*mean, 0))
	h := math.Max(1.06*sd*math.Pow(n, -0.2), 1) // at least one base
	// The kernel, tabulated to 5 bandwidths (beyond: < 4e-6 of the peak).
	reach := int(math.Ceil(5 * h))
	kern := make([]float64, 2*reach+1)
	ksum := 0.0
	for d := -reach; d <= reach; d++ {
		v := math.Exp(-0.5 * float64(d*d) / (h * h))
		kern[d+reach] = v
		ksum += v
	}
	for l, c := range hist {
		if c == 0 || l >= MaxLen {
			continue
		}
		for d := -reach; d <= reach; d++ {
			if j := l + d; j >= 0 && j < MaxLen {
				out[j] += float64(c) * kern[d+reach] / ksum
			}
		}
	}
	for l := range out {
		out[l] = out[l]/n + uniform/n // the pseudo-fragment, on the scale of one fragment
	}
	return out
}

func (m *Model) at(tab []float64, l int32) float64 {
	return tab[min(max(int(l), 0), MaxLen-1)]
}

// fits is C(l), the probability that a fragment is at most l long.
func (m *Model) fits(l int32) float64 {
	if l >= MaxLen {
		return 1
	}
	return m.at(m.cdf, l)
}

// Conditional writes to p the fragment's conditional probabilities over
// the transcripts members of its class (places in the same order) times
// their effective lengths (see the package doc), normalised to sum 1.
func (m *Model) Conditional(places []pseudo.Place, members []uint32, p []float64) {
	best := places[0].Mismatches
	for _, pl := range places[1:] {
		best = min(best, pl.Mismatches)
	}
	total := 0.0
	for i, pl := range places {
		w := 1.0
		if !m.parts.NoMismatch {
			w = math.Pow(m.ratio, float64(pl.Mismatches-best))
		}
		if !m.parts.NoLength {
			t := members[i]
			L := m.lens[t]
			switch {
			case pl.FragLen > 0:
				if c := m.fits(L); c > 0 {
					w *= m.at(m.pmf, pl.FragLen) / c * m.eff[t] / float64(L-pl.FragLen+1)
				}
			case pl.Room > 0:
				if c := m.fits(L); c > 0 {
					w *= m.fits(pl.Room) / c
				}
			}
		}
		p[i] = w
		total += w
	}
	if total <= 0 || math.IsNaN(total) || math.IsInf(total, 0) {
		for i := range p {
			p[i] = 1 / float64(len(p))
		}
		return
	}
	for i := range p {
		p[i] /= total
	}
}

// Classes accumulates range-factorized classes of multi-transcript base
// classes, in order of first appearance.
type Classes struct {
	ids    map[string]uint32
	base   []uint32  // base class of each range class
	count  []int64   // fragments
	wOff   []uint32  // class c's weight sums are w[wOff[c]:wOff[c+1]]
	w      []float64 // per member: sum of p over the class's fragments
	key    []byte
	noBins bool
}

// NewClasses returns an empty accumulator; with noBins, every fragment of
// a transcript set goes to one class (Parts.NoBins).
func NewClasses(noBins bool) *Classes {
	return &Classes{ids: make(map[string]uint32), wOff: []uint32{0}, noBins: noBins}
}

// Len returns the number of range classes.
func (c *Classes) Len() int { return len(c.base) }

// Add counts one fragment of base class base with conditional
// probabilities p (one per member, in class order).
func (c *Classes) Add(base uint32, p []float64) {
	n := len(p)
	rc := float64(int(math.Sqrt(float64(n))) + rangeBins)
	c.key = binary.LittleEndian.AppendUint32(c.key[:0], base)
	if !c.noBins {
		for _, x := range p {
			c.key = binary.AppendUvarint(c.key, uint64(x*rc))
		}
	}
	id, ok := c.ids[string(c.key)]
	if !ok {
		id = uint32(len(c.base))
		c.ids[string(c.key)] = id
		c.base = append(c.base, base)
		c.count = append(c.count, 0)
		c.w = append(c.w, make([]float64, n)...)
		c.wOff = append(c.wOff, uint32(len(c.w)))
	}
	c.count[id]++
	w := c.w[c.wOff[id]:c.wOff[id+1]]
	for i, x := range p {
		w[i] += x
	}
}

// Problem builds the EM problem of the full model over numTargets targets:
// classes 0..numTargets-1 are the singletons with the given counts, then
// every range class, whose members are those of its base class (members)
// with weights mean p.
func (c *Classes) Problem(numTargets int, singletons []int64, members func(base uint32) []uint32, effLens []float64) *em.Problem {
	p := &em.Problem{NumTargets: numTargets, EffLens: effLens}
	p.Off = make([]uint32, 0, numTargets+len(c.base)+1)
	p.Counts = make([]int64, 0, numTargets+len(c.base))
	for t := 0; t < numTargets; t++ {
		p.Off = append(p.Off, uint32(t))
		p.Members = append(p.Members, uint32(t))
		p.MemberWeights = append(p.MemberWeights, 1)
		p.Counts = append(p.Counts, singletons[t])
	}
	for id, b := range c.base {
		p.Off = append(p.Off, uint32(len(p.Members)))
		p.Members = append(p.Members, members(b)...)
		n := float64(c.count[id])
		for _, s := range c.w[c.wOff[id]:c.wOff[id+1]] {
			p.MemberWeights = append(p.MemberWeights, s/n)
		}
		p.Counts = append(p.Counts, c.count[id])
	}
	p.Off = append(p.Off, uint32(len(p.Members)))
	return p
}
