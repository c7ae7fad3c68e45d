// Package pseudo pseudoaligns reads: it finds the set of transcripts a read
// (or read pair) is compatible with, following kallisto 0.48 exactly
// (src/KmerIndex.cpp KmerIndex::match, src/MinCollector.cpp intersectKmers,
// src/ProcessReads.cpp ReadProcessor::processBuffer).
//
// For each read the k-mers are looked up in the index; after a hit the
// mapper skips ahead to the k-mer at the end of the hit's contig (a read
// that agrees with the graph cannot leave a contig in between), checking
// the middle of the stretch when the far end lands on another contig. The
// read's transcript set is the intersection of the equivalence classes of
// all contigs hit. A mate without any hit is ignored; a mate whose own hits
// are incompatible, or mates whose sets do not intersect, leave the
// fragment unaligned. Optional filters then drop transcripts a single read
// would overhang (when the mean fragment length is given) or that the read
// meets on the wrong strand (stranded libraries).
package pseudo

import (
	"github.com/gallisto/gallisto/internal/graph/debruijn"
	"github.com/gallisto/gallisto/internal/graph/index"
	"github.com/gallisto/gallisto/internal/graph/kmer"
)

// hit is a k-mer of the read found in the index, at read position pos.
// sense tells whether the k-mer as read runs along its contig.
type hit struct {
	e     index.Entry
	pos   int32
	sense bool
}

// filterAhead is how many k-mers past an absent one the mapper prefetches
// the Bloom filter blocks of (index.PrefetchFilter) before looking them up.
// A k-mer absent from the index usually carries a sequencing error, and so
// do the up to k-1 k-mers after it, which the loop below then looks up one
// by one; on a large index each of those lookups is a cache miss (~160 ns
// on the benchmark machine), paid in turn. Prefetched, the misses overlap.
// On 100-bp reads simulated with Illumina-like errors against the
// human-sized index, runs of absent k-mers average ~20, and prefetching 16
// ahead cut pseudoalignment time by 11-18% (8 ahead: 14%); the pilot and
// value of the dictionary are not prefetched, as most of these k-mers stop
// at the filter (prefetching the pilot too made it 13% slower). A run that
// one error causes ends k k-mers after it starts, so prefetching stops
// there, and starts again if the run goes on (a second error): 12% fewer
// prefetches (20.2 M to 17.8 M on 1 M human-sized pairs, for 12.7 M absent
// k-mers looked up).
const filterAhead = 16

// match appends to hits the index hits of read s, in kallisto's order and
// with kallisto's skipping. It returns the hits and whether s had any valid
// k-mer at all.
//
// Every k-mer kallisto would look up is looked up here too, with the same
// outcome; but since each k-mer has one place in the index, a k-mer that
// equals the k-mer the last hit's contig holds where the read predicts is
// found there without consulting the dictionary (see find), and the k-mer
// right after the last k-mer of a contig is found through the index's
// contig adjacency (see cross). Both give the dictionary's answer.
//
// it starts at the read's first valid k-mer and l is the read's length;
// pre, if not nil, is the dictionary's answer for that k-mer, looked up
// beforehand (see firstPair).
//
// tail receives the last hit whose entry is that of the k-mer at its own
// read position (a lookup's answer; the hits that record a jump carry the
// entry of the k-mer the jump started from), for placement.
func (m *Mapper) match(it kmer.Iterator, l int, hits []hit, pre *first, tail *hit) ([]hit, bool) {
	x := m.idx
	k := x.Shape.K
	if it.Done() {
		return hits, false
	}
	var last hit // most recent hit, the hint for find
	have := false
	// ahead runs in front of it, prefetching the Bloom filter blocks of
	// k-mers the loop will look up (see filterAhead), up to runEnd: the
	// likely last k-mer of the current run of absent ones (-1: no run).
	ahead, runEnd := it, -1
	// crossAt is the read position right after a k-mer known to be the
	// last one of its contig in the read's direction (exit), or -1: the
	// k-mer there, if any, is found through the contig adjacency.
	crossAt := -1
	var exit hit
	for ; !it.Done(); it.Next() {
		var e index.Entry
		var sense, ok bool
		switch {
		case pre != nil:
			e, sense, ok = pre.e, pre.sense, pre.ok
			pre = nil
		case it.Pos() == crossAt:
			e, sense, ok = m.cross(&it, exit)
		default:
			e, sense, ok = m.find(&it, last, have)
		}
		crossAt = -1
		if !ok {
			if it.Pos() > runEnd {
				// The first absent k-mer of a run: its last base is
				// probably the error, and the k-mer after that base
				// the first present one again.
				runEnd = it.Pos() + k - 1
			}
			if ahead.Pos() <= it.Pos() {
				ahead = it
				ahead.Next()
			}
			for !ahead.Done() && ahead.Pos() <= min(it.Pos()+filterAhead, runEnd) {
				km, _ := ahead.Canonical()
				x.PrefetchFilter(km)
				ahead.Next()
			}
			continue
		}
		runEnd = -1
		pos := it.Pos()
		last, have = hit{e, int32(pos), sense}, true
		hits = append(hits, last)
		*tail = last
		dist := m.toExit(e, sense)
		if dist == 0 {
			crossAt, exit = pos+1, last
		}
		if dist < 2 {
			continue
		}
		nextPos := pos + dist
		if nextPos >= l-k {
			nextPos = l - k
		}
		it2 := it
		it2.JumpTo(nextPos)
		if it2.Done() {
			break // no valid k-mer left: take what we have
		}
		e2, s2, ok2 := m.find(&it2, last, true)
		if ok2 {
			*tail = hit{e2, int32(it2.Pos()), s2}
		}
		if !ok2 || e2.Contig() == e.Contig() {
			// The far k-mer agrees with the contig, or is absent (treated
			// as agreeing, as kallisto does): record the jump.
			at := pos + dist
			if !ok2 {
				at = pos
			}
			if at >= l-k {
				hits = append(hits, hit{e, int32(l - k), sense})
				break
			}
			hits = append(hits, hit{e, int32(at), sense})
			if ok2 && m.toExit(e2, s2) == 0 {
				crossAt, exit = it2.Pos()+1, hit{e2, int32(it2.Pos()), s2}
			}
			it = it2
			continue
		}
		// The far k-mer is on another contig: try the middle k-mer.
		foundMiddle := false
		if dist > 4 {
			mid := (pos + nextPos) / 2
			it3 := it
			it3.JumpTo(mid)
			if !it3.Done() {
				if e3, s3, ok3 := m.find(&it3, last, true); ok3 {
					at := -1
					if e3.Contig() == e.Contig() {
						at = mid
					} else if e3.Contig() == e2.Contig() {
						at = pos + dist
					}
					if at >= 0 {
						foundMiddle = true
						hits = append(hits, hit{e3, int32(at), s3})
						if nextPos >= l-k {
							break
						}
						it = it2
					}
				}
			}
		}
		if !foundMiddle {
			// Back off: look at the next k-mer without trying to skip from
			// it, then carry on k-mer by k-mer. (kallisto's backoff loop
			// compares against an outer nextPos that is always 0, so it
			// checks exactly one k-mer.)
			it.Next()
			if it.Done() {
				break
			}
			if eb, sb, okb := m.find(&it, last, true); okb {
				hits = append(hits, hit{eb, int32(it.Pos()), sb})
				*tail = hit{eb, int32(it.Pos()), sb}
			}
		}
	}
	return hits, true
}

// first is the outcome of looking up a read's first valid k-mer.
type first struct {
	e         index.Entry
	sense, ok bool
}

// firstPair looks up the k-mers under it1 and it2, the mates' first valid
// ones, together (index.Dict.LookupPair): neither lookup has a hint, and
// their memory reads overlap. It returns nil, nil when a mate has no valid
// k-mer. The results are valid until the next call.
func (m *Mapper) firstPair(it1, it2 *kmer.Iterator) (*first, *first) {
	if it1.Done() || it2.Done() {
		return nil, nil
	}
	a, fa := it1.Canonical()
	b, fb := it2.Canonical()
	ea, oka, eb, okb := m.idx.Dict.LookupPair(a, b)
	m.first1 = first{ea, fa == ea.Fw(), oka}
	m.first2 = first{eb, fb == eb.Fw(), okb}
	return &m.first1, &m.first2
}

// cross looks up the k-mer under it, which follows the read's k-mer ex at
// the exit end of its contig, through the index's contig adjacency: the
// answer the dictionary would give, without its chain of memory reads.
func (m *Mapper) cross(it *kmer.Iterator, ex hit) (index.Entry, bool, bool) {
	x := m.idx
	d, q, sense, out := x.Cross(ex.e.Contig(), ex.sense, kmer.Last(it.Kmer()))
	switch out {
	case index.CrossAbsent:
		return 0, false, false
	case index.CrossLookup:
		return m.lookup(it)
	}
	_, canonFw := it.Canonical()
	return debruijn.MakeEntry(d, q, canonFw == sense), sense, true
}

// toExit is the distance, in k-mers, from hit e to the last k-mer of its
// contig in the read's direction (sense: along the contig).
func (m *Mapper) toExit(e index.Entry, sense bool) int {
	if sense {
		return int(m.idx.ContigLen[e.Contig()]) - 1 - int(e.Pos())
	}
	return int(e.Pos())
}

// find looks up the k-mer under it: its entry, whether the read runs along
// its contig (sense), and whether it is in the index at all. When have is
// set, the contig of hint (a hit of the same read) is checked first at the
// offset the read predicts; each k-mer has a single place in the index, so a
// match there is exactly what the dictionary would return.
func (m *Mapper) find(it *kmer.Iterator, hint hit, have bool) (index.Entry, bool, bool) {
	x := m.idx
	if have {
		c := hint.e.Contig()
		d := int32(it.Pos()) - hint.pos
		q := hint.e.Pos() + d
		if !hint.sense {
			q = hint.e.Pos() - d
		}
		if q >= 0 && q < x.ContigLen[c] {
			ck := x.ContigKmer(c, q)
			if hint.sense && ck == it.Kmer() {
				_, canonFw := it.Canonical()
				return debruijn.MakeEntry(c, q, canonFw), true, true
			}
			if !hint.sense && ck == it.RevComp() {
				_, canonFw := it.Canonical()
				return debruijn.MakeEntry(c, q, !canonFw), false, true
			}
		}
	}
	return m.lookup(it)
}

// lookup looks up the k-mer under it in the dictionary (see find).
func (m *Mapper) lookup(it *kmer.Iterator) (index.Entry, bool, bool) {
	km, fw := it.Canonical()
	e, ok := m.idx.Dict.Lookup(km)
	return e, fw == e.Fw(), ok
}
