// Package index holds gallisto's transcriptome index: the targets
// (transcripts) with their names and lengths, the contigs of the compacted
// de Bruijn graph with their equivalence classes and transcript passes, the
// equivalence classes, and the k-mer dictionary that maps every canonical
// k-mer to its contig, offset and orientation.
//
// An Index is immutable once built or loaded and is shared without locks by
// all pseudoalignment workers. Build makes one from FASTA files; Write and
// Load store it in gallisto's versioned index file format (see format.go).
package index

import (
	"github.com/gallisto/gallisto/bloom"
	"github.com/gallisto/gallisto/dbg"
	"github.com/gallisto/gallisto/dbg/naive"
	"github.com/gallisto/gallisto/kmer"
)

// Occurrence is one pass of a transcript through a contig.
type Occurrence = dbg.Occurrence

// MakeOccurrence packs a pass.
var MakeOccurrence = dbg.MakeOccurrence

// Entry locates a canonical k-mer: contig, offset, orientation.
type Entry = dbg.Entry

// Dict maps canonical k-mers to their location. Implementations must be
// safe for concurrent lookups.
type Dict interface {
	// Lookup returns the location of canonical k-mer km.
	Lookup(km kmer.Kmer) (Entry, bool)
	// Len returns the number of k-mers.
	Len() int
}

// mapDict is a Dict backed by a Go map, with a Bloom filter in front that
// answers most lookups of absent k-mers (reads with errors) cheaply.
type mapDict struct {
	m      map[kmer.Kmer]Entry
	filter *bloom.Filter
}

// filterBitsPerKey sizes the Bloom filter: 12 bits per k-mer rejects about
// 98% of absent k-mers.
const filterBitsPerKey = 12

func newMapDict(m map[kmer.Kmer]Entry) *mapDict {
	f := bloom.New(len(m), filterBitsPerKey)
	for km := range m {
		f.Add(uint64(km))
	}
	return &mapDict{m: m, filter: f}
}

func (d *mapDict) Lookup(km kmer.Kmer) (Entry, bool) {
	if !d.filter.Has(uint64(km)) {
		return 0, false
	}
	e, ok := d.m[km]
	return e, ok
}

func (d *mapDict) Len() int { return len(d.m) }

// Index is a loaded transcriptome index. Slices are read-only.
type Index struct {
	Shape kmer.Shape

	// Targets.
	Names   []string
	Lengths []int32 // FASTA sequence lengths (before poly-A clipping)

	// Contigs, flattened: contig c has ContigLen[c] k-mers, ContigLen[c]+k-1
	// bases starting at base SeqStart[c] of Seq (contigs are concatenated),
	// equivalence class ContigEC[c] and transcript passes
	// Occ[OccOff[c]:OccOff[c+1]], in transcript order.
	ContigLen []int32
	ContigEC  []uint32
	SeqStart  []int64 // NumContigs()+1 entries
	Seq       kmer.Packed
	OccOff    []uint32
	Occ       []Occurrence

	// Equivalence classes: class e holds transcripts
	// ECMembers[ECOff[e]:ECOff[e+1]], sorted. Classes 0..NumTargets-1 are
	// the singletons.
	ECOff     []uint32
	ECMembers []uint32

	Dict  Dict
	ecInv map[string]uint32 // classes of two or more transcripts, by dbg.ECKey
}

// NumTargets returns the number of transcripts.
func (x *Index) NumTargets() int { return len(x.Names) }

// NumContigs returns the number of contigs.
func (x *Index) NumContigs() int { return len(x.ContigLen) }

// NumECs returns the number of equivalence classes in the index.
func (x *Index) NumECs() int { return len(x.ECOff) - 1 }

// NumKmers returns the number of distinct canonical k-mers.
func (x *Index) NumKmers() int { return x.Dict.Len() }

// EC returns the sorted transcripts of class e.
func (x *Index) EC(e uint32) []uint32 { return x.ECMembers[x.ECOff[e]:x.ECOff[e+1]] }

// ContigSeq returns the bases of contig c, upper case.
func (x *Index) ContigSeq(c uint32) []byte {
	return x.Seq.Bases(int(x.SeqStart[c]), int(x.SeqStart[c+1]))
}

// ContigKmer returns the k-mer at offset pos of contig c, as it reads along
// the contig.
func (x *Index) ContigKmer(c uint32, pos int32) kmer.Kmer {
	return x.Seq.Kmer(x.Shape, int(x.SeqStart[c])+int(pos))
}

// Occurrences returns the transcript passes through contig c.
func (x *Index) Occurrences(c uint32) []Occurrence { return x.Occ[x.OccOff[c]:x.OccOff[c+1]] }

// FindEC returns the id of the class holding exactly the sorted transcripts
// u. key is scratch space for the lookup key; the (possibly grown) scratch
// is returned for reuse.
func (x *Index) FindEC(u []uint32, key []byte) (id uint32, ok bool, scratch []byte) {
	if len(u) == 1 {
		return u[0], true, key
	}
	key = dbg.ECKey(key[:0], u)
	id, ok = x.ecInv[string(key)]
	return id, ok, key
}

// fromGraph flattens a graph into the index's arrays.
func (x *Index) fromGraph(g *naive.Graph) {
	x.Shape = g.Shape
	n := len(g.Contigs)
	x.ContigLen = make([]int32, n)
	x.ContigEC = make([]uint32, n)
	x.OccOff = make([]uint32, n+1)
	var nocc int
	for _, c := range g.Contigs {
		nocc += len(c.Trans)
	}
	x.Occ = make([]Occurrence, 0, nocc)
	for i, c := range g.Contigs {
		x.ContigLen[i] = c.Len
		x.ContigEC[i] = c.EC
		x.Seq.AppendBases(c.Seq)
		for _, o := range c.Trans {
			x.Occ = append(x.Occ, MakeOccurrence(o.Tr, o.Pos, o.Sense))
		}
		x.OccOff[i+1] = uint32(len(x.Occ))
	}
	x.setSeqStart()
	x.setECs(g.ECs)
	x.Dict = newMapDict(g.Kmers)
}

func (x *Index) setECs(ecs [][]uint32) {
	x.ECOff = make([]uint32, len(ecs)+1)
	total := 0
	for _, e := range ecs {
		total += len(e)
	}
	x.ECMembers = make([]uint32, 0, total)
	for i, e := range ecs {
		x.ECMembers = append(x.ECMembers, e...)
		x.ECOff[i+1] = uint32(len(x.ECMembers))
	}
	x.buildECInverse()
}

func (x *Index) buildECInverse() {
	x.ecInv = make(map[string]uint32)
	var key []byte
	for e := x.NumTargets(); e < x.NumECs(); e++ {
		key = dbg.ECKey(key[:0], x.EC(uint32(e)))
		x.ecInv[string(key)] = uint32(e)
	}
}

// setSeqStart derives SeqStart from ContigLen.
func (x *Index) setSeqStart() {
	x.SeqStart = make([]int64, len(x.ContigLen)+1)
	for i, l := range x.ContigLen {
		x.SeqStart[i+1] = x.SeqStart[i] + int64(l) + int64(x.Shape.K) - 1
	}
}

// rebuildDict fills a map dictionary from the contig sequences.
func (x *Index) rebuildDict() {
	m := make(map[kmer.Kmer]Entry, x.dictSizeHint())
	for c := 0; c < x.NumContigs(); c++ {
		for p := int32(0); p < x.ContigLen[c]; p++ {
			km, fw := x.Shape.Canonical(x.ContigKmer(uint32(c), p))
			m[km] = dbg.MakeEntry(uint32(c), p, fw)
		}
	}
	x.Dict = newMapDict(m)
}

func (x *Index) dictSizeHint() int {
	n := 0
	for _, l := range x.ContigLen {
		n += int(l)
	}
	return n
}
