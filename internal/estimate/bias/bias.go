// Package bias implements kallisto 0.48's sequence-specific bias
// correction (quant --bias): MinCollector::countBias for the observed
// hexamers, update_eff_lens in src/weights.cpp for the effective lengths.
//
// Observed: the 5' hexamer of each aligned fragment (2 bases before to 4
// bases into the fragment start, read off the contig of read 1's leftmost
// k-mer hit; pseudo.Mapper computes it), from the first Reads
// fragments in input order that have one. kallisto counts whole batches
// until its running total reaches 1,000,000, so which reads it uses beyond
// that point depends on its threads; gallisto stops at exactly 1,000,000.
//
// Expected: each transcript with abundance alpha >= 1e-8 adds alpha/efflen
// (half of it when unstranded) for every hexamer start on its forward strand
// up to length - mean fragment length - 6 and on its reverse strand from
// mean - 6 on. The new effective length is the sum over those positions of
// observed/expected, scaled by the ratio of the totals; it is used when it
// exceeds the mean fragment length. The EM recomputes effective lengths
// this way at rounds 50 and 550.
package bias

import (
	"math"
	"slices"

	"github.com/gallisto/gallisto/internal/align/pseudo"
	"github.com/gallisto/gallisto/internal/graph/index"
)

// Reads is how many hexamers are observed (kallisto's maxBiasCount).
const Reads = 1000000

// NumHexamers is the number of distinct hexamers, 4^6.
const NumHexamers = 4096

// minAlpha is kallisto's MIN_ALPHA: transcripts below it are ignored.
const minAlpha = 1e-8

// TranscriptSeqs rebuilds the transcript sequences (after poly-A clipping,
// with kallisto's replacement bases) from the index: a transcript is the
// concatenation of the contigs it passes through, in transcript order, each
// after the first without the k-1 bases it shares with the previous one
// (kallisto's KmerIndex::loadTranscriptSequences). Transcripts shorter than
// k have no contig and an empty sequence.
func TranscriptSeqs(x *index.Index) [][]byte {
	type pass struct {
		contig uint32
		pos    int32
		sense  bool
	}
	passes := make([][]pass, x.NumTargets())
	for c := 0; c < x.NumContigs(); c++ {
		for _, o := range x.Occurrences(uint32(c)) {
			passes[o.Tr()] = append(passes[o.Tr()], pass{uint32(c), o.Pos(), o.Sense()})
		}
	}
	k := x.Shape.K
	seqs := make([][]byte, x.NumTargets())
	for t, ps := range passes {
		slices.SortFunc(ps, func(a, b pass) int { return int(a.pos) - int(b.pos) })
		var s []byte
		for _, p := range ps {
			cs := x.ContigSeq(p.contig)
			if !p.sense {
				cs = revComp(cs)
			}
			if p.pos != 0 {
				cs = cs[k-1:]
			}
			s = append(s, cs...)
		}
		seqs[t] = s
	}
	return seqs
}

func revComp(s []byte) []byte {
	out := make([]byte, len(s))
	for i, c := range s {
		var r byte
		switch c {
		case 'A':
			r = 'T'
		case 'C':
			r = 'G'
		case 'G':
			r = 'C'
		case 'T':
			r = 'A'
		default:
			r = 'N'
		}
		out[len(s)-1-i] = r
	}
	return out
}

// Model computes bias-corrected effective lengths.
type Model struct {
	seqs     [][]byte
	lengths  []int32   // FASTA lengths
	means    []float64 // per-target mean fragment length
	observed []int64   // NumHexamers observed hexamer counts
	strand   pseudo.Strand
	// expected is the last expected-hexamer vector computed (kallisto's
	// post_bias_, written to abundance.h5 as aux/bias_normalized).
	expected []float64
}

// NewModel prepares the correction for targets with sequences seqs (from
// TranscriptSeqs), FASTA lengths, per-target mean fragment lengths, the
// observed 5' hexamer counts (NumHexamers of them, from the first Reads
// aligned fragments) and the library's strandedness.
func NewModel(seqs [][]byte, lengths []int32, means []float64, observed []int64, s pseudo.Strand) *Model {
	return &Model{seqs: seqs, lengths: lengths, means: means, observed: observed, strand: s}
}

// Observed returns the observed hexamer counts.
func (b *Model) Observed() []int64 { return b.observed }

// Expected returns the expected-hexamer vector of the last Update, or nil
// before the first.
func (b *Model) Expected() []float64 { return b.expected }

// nextHex shifts base c into forward hexamer h (kallisto's update_hexamer).
func nextHex(h int32, c byte) int32 {
	h = (h & 0x3FF) << 2
	switch c &^ 0x20 {
	case 'C':
		h++
	case 'G':
		h += 2
	case 'T':
		h += 3
	}
	return h
}

// nextHexRC shifts base c into reverse-complement hexamer h.
func nextHexRC(h int32, c byte) int32 {
	h >>= 2
	switch c &^ 0x20 {
	case 'A':
		h += 3072
	case 'C':
		h += 2048
	case 'G':
		h += 1024
	}
	return h
}

// walk calls f with every hexamer of target t that the model counts:
// forward starts 0 .. len-mean-7, then reverse-strand ones from mean-6 on,
// each strand only if the library's strandedness allows it.
func (b *Model) walk(t int, f func(h int32)) {
	s := b.seqs[t]
	n := len(s)
	mean := b.means[t]
	if b.strand != pseudo.RF {
		lim := int(math.Max(float64(n)-mean-6, 0))
		if lim > 0 {
			h := pseudo.Hexamer(s)
			for j := 0; j < lim; j++ {
				f(h)
				h = nextHex(h, s[j+6])
			}
		}
	}
	if b.strand != pseudo.FR {
		lo := int(math.Max(mean-6, 0))
		if lo < n-6 {
			h := pseudo.HexamerRC(s[lo:])
			for j := lo; j < n-6; j++ {
				f(h)
				h = nextHexRC(h, s[j+6])
			}
		}
	}
}

// Update returns the bias-corrected effective lengths for abundances alpha
// and current effective lengths effLens (kallisto's update_eff_lens).
func (b *Model) Update(alpha, effLens []float64) []float64 {
	var dataNorm float64
	for _, o := range b.observed {
		dataNorm += float64(o)
	}
	exp := make([]float64, NumHexamers)
	used := func(t int) bool { return float64(b.lengths[t]) >= b.means[t] && alpha[t] >= minAlpha }
	for t := range b.seqs {
		if !used(t) {
			continue
		}
		contrib := 0.5 * alpha[t] / effLens[t]
		if b.strand != pseudo.Unstranded {
			contrib = alpha[t] / effLens[t]
		}
		b.walk(t, func(h int32) { exp[h] += contrib })
	}
	var alphaNorm float64
	for _, e := range exp {
		alphaNorm += e
	}
	scale := 0.5 * alphaNorm / dataNorm
	if b.strand != pseudo.Unstranded {
		scale = alphaNorm / dataNorm
	}
	out := make([]float64, len(b.seqs))
	for t := range b.seqs {
		eff := 0.0
		if used(t) {
			b.walk(t, func(h int32) { eff += float64(b.observed[h]) / exp[h] })
			eff *= scale
		}
		if eff > b.means[t] {
			out[t] = eff
		} else {
			out[t] = effLens[t]
		}
	}
	b.expected = exp
	return out
}
