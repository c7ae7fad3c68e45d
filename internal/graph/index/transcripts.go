package index

import (
	"math/bits"
	"slices"

	"github.com/gallisto/gallisto/internal/graph/kmer"
)

// Transcripts holds every target's sequence as the index has it, 2 bits per
// base: the contigs the target passes through, in its order, each after the
// first without the k-1 bases it shares with the one before (kallisto's
// KmerIndex::loadTranscriptSequences), then the poly-A tail that building
// clipped, as A, up to the target's FASTA length; replacement bases for
// non-ACGT letters are the index's. Targets shorter than k hold only A.
//
// It is built from the index on demand (quant --model full compares reads
// with it) and is immutable, safe for concurrent use.
type Transcripts struct {
	seq kmer.Packed
	off []int // target t is bases off[t] .. off[t+1]-1 of seq
}

// Transcripts rebuilds the targets' sequences from the contigs.
func (x *Index) Transcripts() *Transcripts {
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
	ts := &Transcripts{off: make([]int, x.NumTargets()+1)}
	var total int
	for t, l := range x.Lengths {
		total += int(l)
		ts.off[t+1] = total
	}
	ts.seq = kmer.PackedFromWords(make([]uint64, 0, total/32+2), 0)
	for t, ps := range passes {
		slices.SortFunc(ps, func(a, b pass) int { return int(a.pos) - int(b.pos) })
		n := 0
		for _, p := range ps {
			lo, hi := x.base(p.contig), x.base(p.contig+1)
			skip := 0
			if p.pos != 0 {
				skip = k - 1
			}
			if p.sense {
				for i := lo + skip; i < hi; i++ {
					ts.seq.AppendCode(x.Seq.Code(i))
				}
			} else {
				for i := hi - 1 - skip; i >= lo; i-- {
					ts.seq.AppendCode(3 - x.Seq.Code(i))
				}
			}
			n += hi - lo - skip
		}
		for ; n < int(x.Lengths[t]); n++ {
			ts.seq.AppendCode(0) // the clipped poly-A tail
		}
	}
	return ts
}

// Len returns the length of target t (its FASTA length).
func (ts *Transcripts) Len(t uint32) int { return ts.off[t+1] - ts.off[t] }

// Code returns base i of target t (A=0 C=1 G=2 T=3).
func (ts *Transcripts) Code(t uint32, i int) uint8 { return ts.seq.Code(ts.off[t] + i) }

// Mismatches counts the positions where the bases of read (2-bit codes in
// words, 32 to a word, first base in the high bits, n bases) differ from
// target t's bases from position pos on; bases of the read that lie before
// the target's start or past its end count as mismatches.
func (ts *Transcripts) Mismatches(t uint32, pos int, read []uint64, n int) int {
	l := ts.Len(t)
	lo, hi := max(pos, 0), min(pos+n, l)
	if hi <= lo {
		return n
	}
	mm := n - (hi - lo) // off the ends
	words := ts.seq.Words()
	g := ts.off[t] + lo // global base of the first compared base
	r := lo - pos       // read base compared with it
	for r < hi-pos {
		m := min(32, hi-pos-r)
		rw := uint64(0)
		if r%32 == 0 {
			rw = read[r/32] // the usual case: the read lies on the target
		} else {
			rw = window(read, r)
		}
		x := window(words, g) ^ rw
		x &= ^uint64(0) << (64 - 2*uint(m)) // only the m compared bases
		mm += bits.OnesCount64((x | x>>1) & 0x5555555555555555)
		g += m
		r += m
	}
	return mm
}

// window returns the 32 bases of words starting at base i, first base in
// the high bits; bases past the end read as 0.
func window(words []uint64, i int) uint64 {
	w, off := i/32, uint(i%32)*2
	x := words[w] << off
	if off > 0 && w+1 < len(words) {
		x |= words[w+1] >> (64 - off)
	}
	return x
}
