// Package index holds gallisto's transcriptome index: the targets
// (transcripts) with their names and lengths, the contigs of the compacted
// de Bruijn graph (package debruijn) with their equivalence classes and
// transcript passes, the equivalence classes, the k-mer dictionary that
// maps every canonical k-mer to its contig, offset and orientation, and the
// contig adjacency: where the k-mer that follows each end of each contig
// is, for each next base (adj.go).
//
// An Index is immutable once built or loaded and is shared without locks by
// all pseudoalignment workers. Build makes one from FASTA files; Write and
// Load store it in the file format below, whose arrays are used in place
// after one bulk read.
//
// # File format, version 3
//
// The file is a sequence of little-endian 64-bit words (Write and Load
// refuse to run on a big-endian machine, where the in-place arrays would
// be wrong):
//
//	word 0      magic "GALLIDX\x1a"
//	word 1      format version (low 32 bits) and k (high 32 bits)
//	words 2-9   counts: targets T, contigs C, classes E, k-mers N,
//	            passes P, class members M, name bytes B, sequence words S
//
// then these sections, in this order, each padded with zeros to a whole
// word, uint32 arrays two to a word (the first in the low half):
//
//	name lengths     uint32 x T
//	names            B bytes, concatenated
//	target lengths   int32 x T (FASTA lengths)
//	k-mer starts     uint32 x (C+1): contig c holds k-mers start[c] ..
//	                 start[c+1]-1 of the k-mer space (N = start[C])
//	contig classes   uint32 x C
//	pass offsets     uint32 x (C+1): contig c's passes are
//	                 passes[off[c]:off[c+1]] (P = off[C])
//	passes           uint64 x P: transcript<<32 | position<<1 | sense
//	class offsets    uint32 x (E+1): class e's members are
//	                 members[off[e]:off[e+1]] (M = off[E])
//	class members    uint32 x M, transcript numbers, ascending per class
//	contig sequence  uint64 x S: 2 bits per base (A=0 C=1 G=2 T=3, first
//	                 base in the high bits), contigs concatenated, contig c
//	                 holding start[c+1]-start[c]+k-1 bases
//	adjacency        uint32 x 8C: the slots of adj.go, 8 per contig
//	dictionary       package kdict's serialised form (kdict/format.go: part
//	                 count, key count N, filter words, then the parts' mphf
//	                 tables, the N uint32 values, the Bloom filter's words)
//
// and last a word holding the CRC-32C (Castagnoli) of all previous bytes in
// its low half. TestFileLayout walks a written file by this description.
//
// A file of any other version, a truncated file or one whose checksum
// fails is refused with an error that says which. Version 2 lacked the
// contig adjacency; version 1 predates the minimal perfect hash dictionary.
package index

import (
	"sync"

	"github.com/gallisto/gallisto/internal/graph/debruijn"
	"github.com/gallisto/gallisto/internal/graph/kdict"
	"github.com/gallisto/gallisto/internal/graph/kmer"
)

// Occurrence is one pass of a transcript through a contig.
type Occurrence = debruijn.Occurrence

// Entry locates a canonical k-mer: contig, offset, orientation.
type Entry = debruijn.Entry

// Dict maps canonical k-mers to their location. Implementations must be
// safe for concurrent lookups.
type Dict interface {
	// Lookup returns the location of canonical k-mer km.
	Lookup(km kmer.Kmer) (Entry, bool)
	// LookupPair is Lookup of two k-mers, possibly faster than two calls.
	LookupPair(a, b kmer.Kmer) (Entry, bool, Entry, bool)
	// Len returns the number of k-mers.
	Len() int
}

// txCache holds an index's Transcripts once built.
type txCache struct {
	once sync.Once
	tx   *Transcripts
}

// Index is a loaded transcriptome index. Slices are read-only; some share
// the memory of the index file they were loaded from.
type Index struct {
	Shape kmer.Shape

	// Targets.
	Names   []string
	Lengths []int32 // FASTA sequence lengths (before poly-A clipping)

	// Contig c holds k-mers KStart[c] .. KStart[c+1]-1 of the k-mer space
	// (ContigLen[c] of them), bases from KStart[c]+c*(k-1) of Seq, class
	// ContigEC[c] and transcript passes Occ[OccOff[c]:OccOff[c+1]] in
	// transcript order.
	KStart    []uint32
	ContigLen []int32
	ContigEC  []uint32
	Seq       kmer.Packed
	OccOff    []uint32
	Occ       []Occurrence

	// Class e holds transcripts ECMembers[ECOff[e]:ECOff[e+1]], sorted;
	// classes 0..NumTargets-1 are the singletons.
	ECOff     []uint32
	ECMembers []uint32

	Dict Dict

	kd       *kdict.Dict
	adj      []uint32          // contig adjacency (adj.go), 8 slots per contig
	blockCtg []uint32          // contig holding k-mer b<<blockShift
	ecInv    map[string]uint32 // classes of two or more transcripts, by debruijn.ECKey
	senses   []uint8           // per contig: SenseMixed, SenseForward or SenseReverse
	file     []uint64          // backing memory of a loaded index
	txc      *txCache          // Transcripts, built on first use
	numKmers int
}

// NumTargets returns the number of transcripts.
func (x *Index) NumTargets() int { return len(x.Names) }

// NumContigs returns the number of contigs.
func (x *Index) NumContigs() int { return len(x.KStart) - 1 }

// NumECs returns the number of equivalence classes in the index.
func (x *Index) NumECs() int { return len(x.ECOff) - 1 }

// NumKmers returns the number of distinct canonical k-mers.
func (x *Index) NumKmers() int { return int(x.KStart[len(x.KStart)-1]) }

// EC returns the sorted transcripts of class e.
func (x *Index) EC(e uint32) []uint32 { return x.ECMembers[x.ECOff[e]:x.ECOff[e+1]] }

// base returns the first base of contig c in Seq.
func (x *Index) base(c uint32) int { return int(x.KStart[c]) + int(c)*(x.Shape.K-1) }

// ContigBase returns the position in Seq of contig c's first base.
func (x *Index) ContigBase(c uint32) int { return x.base(c) }

// ContigSeq returns the bases of contig c, upper case.
func (x *Index) ContigSeq(c uint32) []byte { return x.Seq.Bases(x.base(c), x.base(c+1)) }

// ContigKmer returns the k-mer at offset pos of contig c, as it reads along
// the contig.
func (x *Index) ContigKmer(c uint32, pos int32) kmer.Kmer {
	return x.Seq.Kmer(x.Shape, x.base(c)+int(pos))
}

// PrefetchFilter starts loading, without waiting, the Bloom filter block
// a dictionary lookup of canonical k-mer km reads first: for k-mers that
// are probably absent (a Bloom filter rejects most of them alone), touched
// a few at a time ahead of their lookups so their memory reads overlap.
func (x *Index) PrefetchFilter(km kmer.Kmer) { x.kd.PrefetchFilter(uint64(km)) }

// Occurrences returns the transcript passes through contig c.
func (x *Index) Occurrences(c uint32) []Occurrence { return x.Occ[x.OccOff[c]:x.OccOff[c+1]] }

// How the transcript passes through a contig run along it (ContigSense).
const (
	SenseMixed   uint8 = iota // some passes in the contig's direction, some against it
	SenseForward              // every pass in the contig's direction (Occurrence.Sense)
	SenseReverse              // every pass against it
)

// ContigSense says whether every transcript passes through contig c the
// same way: then a strand filter keeps all of a class within the
// contig's or none, without looking at each transcript's pass.
func (x *Index) ContigSense(c uint32) uint8 { return x.senses[c] }

func (x *Index) buildSenses() {
	x.senses = make([]uint8, x.NumContigs())
	for c := range x.senses {
		s := SenseMixed
		for i, o := range x.Occurrences(uint32(c)) {
			t := SenseReverse
			if o.Sense() {
				t = SenseForward
			}
			if i == 0 {
				s = t
			} else if s != t {
				s = SenseMixed
				break
			}
		}
		x.senses[c] = s
	}
}

// FindEC returns the id of the class holding exactly the sorted transcripts
// u. key is scratch space for the lookup key; the (possibly grown) scratch
// is returned for reuse.
func (x *Index) FindEC(u []uint32, key []byte) (id uint32, ok bool, scratch []byte) {
	if len(u) == 1 {
		return u[0], true, key
	}
	key = debruijn.ECKey(key[:0], u)
	id, ok = x.ecInv[string(key)]
	return id, ok, key
}

// fromGraph takes the graph's arrays.
func (x *Index) fromGraph(g *debruijn.Graph) {
	x.Shape = g.Shape
	x.KStart, x.ContigEC, x.Seq = g.KStart, g.ContigEC, g.Seq
	x.OccOff, x.Occ = g.OccOff, g.Occ
	x.ECOff, x.ECMembers = g.ECOff, g.ECMembers
	x.kd = g.Dict
	x.derive()
}

// derive computes the lookup tables that are not stored in the file.
func (x *Index) derive() {
	n := x.NumContigs()
	x.ContigLen = make([]int32, n)
	for c := 0; c < n; c++ {
		x.ContigLen[c] = int32(x.KStart[c+1] - x.KStart[c])
	}
	x.buildBlocks()
	x.buildECInverse()
	x.buildSenses()
	x.Dict = &verifiedDict{x: x}
}

func (x *Index) buildECInverse() {
	x.ecInv = make(map[string]uint32, x.NumECs()-x.NumTargets())
	var key []byte
	for e := x.NumTargets(); e < x.NumECs(); e++ {
		key = debruijn.ECKey(key[:0], x.EC(uint32(e)))
		x.ecInv[string(key)] = uint32(e)
	}
}
