package index

import (
	"github.com/gallisto/gallisto/internal/graph/debruijn"
	"github.com/gallisto/gallisto/internal/graph/kmer"
)

// blockShift sets the granularity of the position-to-contig table: one
// entry per 256 positions of the k-mer space (1.6% of the dictionary's
// size), after which at most a short search remains.
const blockShift = 8

// buildBlocks fills blockCtg: the contig holding position b<<blockShift.
func (x *Index) buildBlocks() {
	n := x.NumKmers()
	x.blockCtg = make([]uint32, n>>blockShift+1)
	c := 0
	for b := range x.blockCtg {
		pos := uint32(b << blockShift)
		for c+1 < len(x.KStart)-1 && x.KStart[c+1] <= pos {
			c++
		}
		x.blockCtg[b] = uint32(c)
	}
}

// contigOf returns the contig holding position v of the k-mer space, which
// must be below NumKmers.
func (x *Index) contigOf(v uint32) uint32 {
	c := x.blockCtg[v>>blockShift]
	// Contigs hold at least one k-mer, so at most 256 contigs start in a
	// block; binary search them.
	lo, hi := c, c+1<<blockShift
	if hi > uint32(x.NumContigs()) {
		hi = uint32(x.NumContigs())
	}
	for lo+1 < hi {
		mid := (lo + hi) / 2
		if x.KStart[mid] <= v {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// locate returns the contig holding position v of the k-mer space and v's
// offset in it.
func (x *Index) locate(v uint32) (uint32, int32) {
	c := x.contigOf(v)
	return c, int32(v - x.KStart[c])
}

// verifiedDict is the index's Dict: the minimal perfect hash dictionary
// (package kdict) gives a position in the k-mer space, and the k-mer the
// contigs hold at that position confirms or refutes the answer, so absent
// k-mers are never reported present.
type verifiedDict struct{ x *Index }

func (d *verifiedDict) Len() int { return d.x.NumKmers() }

func (d *verifiedDict) Lookup(km kmer.Kmer) (Entry, bool) {
	x := d.x
	v, ok := x.kd.Get(uint64(km))
	if !ok || v >= uint32(x.NumKmers()) {
		return 0, false
	}
	c, q := x.locate(v)
	return d.verify(km, x.ContigKmer(c, q), c, q, true)
}

// LookupPair is Lookup for two k-mers, their memory reads interleaved
// (kdict.Dict.GetPair, then both verifications).
func (d *verifiedDict) LookupPair(a, b kmer.Kmer) (Entry, bool, Entry, bool) {
	x := d.x
	n := uint32(x.NumKmers())
	va, oka, vb, okb := x.kd.GetPair(uint64(a), uint64(b))
	oka, okb = oka && va < n, okb && vb < n
	var ca, cb uint32
	var qa, qb int32
	if oka {
		ca, qa = x.locate(va)
	}
	if okb {
		cb, qb = x.locate(vb)
	}
	var ka, kb kmer.Kmer
	if oka {
		ka = x.ContigKmer(ca, qa)
	}
	if okb {
		kb = x.ContigKmer(cb, qb)
	}
	ea, oka := d.verify(a, ka, ca, qa, oka)
	eb, okb := d.verify(b, kb, cb, qb, okb)
	return ea, oka, eb, okb
}

// verify turns the k-mer ck found at offset q of contig c for canonical
// k-mer km into km's entry, or reports that km is absent.
func (d *verifiedDict) verify(km, ck kmer.Kmer, c uint32, q int32, ok bool) (Entry, bool) {
	switch {
	case !ok:
		return 0, false
	case ck == km:
		return MakeEntry(c, q, true), true
	case ck == d.x.Shape.RevComp(km):
		return MakeEntry(c, q, false), true
	}
	return 0, false
}

// MakeEntry packs a k-mer location.
var MakeEntry = debruijn.MakeEntry
