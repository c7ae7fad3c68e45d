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
	"github.com/gallisto/gallisto/dbg"
	"github.com/gallisto/gallisto/kmer"
)

// Occurrence is one pass of a transcript through a contig.
type Occurrence = dbg.Occurrence

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

// mapDict is a Dict backed by a Go map.
type mapDict map[kmer.Kmer]Entry

func (m mapDict) Lookup(km kmer.Kmer) (Entry, bool) { e, ok := m[km]; return e, ok }
func (m mapDict) Len() int                          { return len(m) }

// Index is a loaded transcriptome index. Slices are read-only.
type Index struct {
	Shape kmer.Shape

	// Targets.
	Names   []string
	Lengths []int32 // FASTA sequence lengths (before poly-A clipping)

	// Contigs, flattened: contig c has ContigLen[c] k-mers, sequence
	// Seq[SeqOff[c]:SeqOff[c+1]] (ContigLen[c]+k-1 bases), equivalence class
	// ContigEC[c] and transcript passes Occ[OccOff[c]:OccOff[c+1]], in
	// transcript order.
	ContigLen []int32
	ContigEC  []uint32
	SeqOff    []int64
	Seq       []byte
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

// ContigSeq returns the bases of contig c.
func (x *Index) ContigSeq(c uint32) []byte { return x.Seq[x.SeqOff[c]:x.SeqOff[c+1]] }

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
func (x *Index) fromGraph(g *dbg.Graph) {
	x.Shape = g.Shape
	n := len(g.Contigs)
	x.ContigLen = make([]int32, n)
	x.ContigEC = make([]uint32, n)
	x.SeqOff = make([]int64, n+1)
	x.OccOff = make([]uint32, n+1)
	var nseq int64
	var nocc int
	for _, c := range g.Contigs {
		nseq += int64(len(c.Seq))
		nocc += len(c.Trans)
	}
	x.Seq = make([]byte, 0, nseq)
	x.Occ = make([]Occurrence, 0, nocc)
	for i, c := range g.Contigs {
		x.ContigLen[i] = c.Len
		x.ContigEC[i] = c.EC
		x.Seq = append(x.Seq, c.Seq...)
		x.SeqOff[i+1] = int64(len(x.Seq))
		x.Occ = append(x.Occ, c.Trans...)
		x.OccOff[i+1] = uint32(len(x.Occ))
	}
	x.setECs(g.ECs)
	x.Dict = mapDict(g.Kmers)
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

// rebuildDict fills a map dictionary from the contig sequences.
func (x *Index) rebuildDict() {
	m := make(mapDict, x.dictSizeHint())
	for c := 0; c < x.NumContigs(); c++ {
		seq := x.ContigSeq(uint32(c))
		for it := kmer.NewIterator(x.Shape, seq); !it.Done(); it.Next() {
			km, fw := it.Canonical()
			m[km] = dbg.MakeEntry(uint32(c), int32(it.Pos()), fw)
		}
	}
	x.Dict = m
}

func (x *Index) dictSizeHint() int {
	n := 0
	for _, l := range x.ContigLen {
		n += int(l)
	}
	return n
}
