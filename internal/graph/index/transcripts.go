package index

import (
	"math/bits"
	"runtime"
	"slices"
	"sort"
	"sync"

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

// Transcripts returns the targets' sequences, rebuilt from the contigs on
// the first call (the later calls, such as quant --batch's samples, share
// them; they are read-only).
func (x *Index) Transcripts() *Transcripts {
	if x.txc == nil {
		return x.buildTranscripts()
	}
	x.txc.once.Do(func() { x.txc.tx = x.buildTranscripts() })
	return x.txc.tx
}

// buildTranscripts rebuilds the targets' sequences on GOMAXPROCS
// goroutines (each fills the targets of one part of the sequence; the
// words two parts share are combined at the end).
func (x *Index) buildTranscripts() *Transcripts {
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
	ts := &Transcripts{off: make([]int, x.NumTargets()+1)}
	total := 0
	for t, l := range x.Lengths {
		total += int(l)
		ts.off[t+1] = total
	}
	words := make([]uint64, total/32+1)
	k := x.Shape.K
	parts := max(1, min(runtime.GOMAXPROCS(0), x.NumTargets()))
	edges := make([][2]uint64, parts) // each part's first and last word
	var wg sync.WaitGroup
	for part := 0; part < parts; part++ {
		lo := sort.SearchInts(ts.off, total*part/parts)
		hi := sort.SearchInts(ts.off, total*(part+1)/parts)
		if part == parts-1 {
			hi = x.NumTargets()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if lo >= hi {
				return
			}
			wFirst, wLast := ts.off[lo]/32, (ts.off[hi]-1)/32
			var first, last uint64
			put := func(g int, c uint8) {
				v := uint64(c&3) << (62 - 2*uint(g%32))
				switch w := g / 32; w {
				case wFirst:
					first |= v
				case wLast:
					last |= v
				default:
					words[w] |= v // only this part writes it
				}
			}
			for t := lo; t < hi; t++ {
				ps := passes[t]
				slices.SortFunc(ps, func(a, b pass) int { return int(a.pos) - int(b.pos) })
				g := ts.off[t]
				for _, p := range ps {
					b0, b1 := x.base(p.contig), x.base(p.contig+1)
					skip := 0
					if p.pos != 0 {
						skip = k - 1
					}
					if p.sense {
						for i := b0 + skip; i < b1; i++ {
							put(g, x.Seq.Code(i))
							g++
						}
					} else {
						for i := b1 - 1 - skip; i >= b0; i-- {
							put(g, 3-x.Seq.Code(i))
							g++
						}
					}
				}
				// the clipped poly-A tail up to the FASTA length is A: 0
			}
			edges[part] = [2]uint64{first, last}
			if wFirst == wLast {
				edges[part][1] = 0 // one word: all in first
			}
		}()
	}
	wg.Wait()
	for part := 0; part < parts; part++ {
		lo := sort.SearchInts(ts.off, total*part/parts)
		hi := sort.SearchInts(ts.off, total*(part+1)/parts)
		if part == parts-1 {
			hi = x.NumTargets()
		}
		if lo >= hi {
			continue
		}
		words[ts.off[lo]/32] |= edges[part][0]
		words[(ts.off[hi]-1)/32] |= edges[part][1]
	}
	ts.seq = kmer.PackedFromWords(words, total)
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

// ContigMismatches counts the positions where the bases of read (as for
// Transcripts.Mismatches, n bases) differ from contig c's bases from
// offset off on; the read must lie within the contig (0 <= off and
// off+n <= the contig's length in bases).
func (x *Index) ContigMismatches(c uint32, off int, read []uint64, n int) int {
	return mismatches(x.Seq.Words(), x.base(c)+off, read, n)
}

// mismatches counts the differences between read's n bases and words'
// bases from g on.
func mismatches(words []uint64, g int, read []uint64, n int) int {
	mm := 0
	for r := 0; r < n; r += 32 {
		m := min(32, n-r)
		x := window(words, g+r) ^ read[r/32]
		x &= ^uint64(0) << (64 - 2*uint(m))
		mm += bits.OnesCount64((x | x>>1) & 0x5555555555555555)
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
