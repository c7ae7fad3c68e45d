// Package naive builds the compacted transcriptome de Bruijn graph the
// straightforward way, with Go maps, exactly as kallisto 0.48 does
// (src/KmerIndex.cpp, BuildDeBruijnGraph and BuildEquivalenceClasses). It
// needs about 40 bytes per k-mer and is kept as the reference the scalable
// builder of package debruijn is tested against.
//
// Nodes are the canonical k-mers of the transcripts; two k-mers are joined
// when they overlap by k-1 bases, whether or not a transcript walks that
// edge (a node-centric graph). Maximal non-branching paths become contigs.
// Each contig is then split wherever a transcript starts or ends inside it,
// so that every k-mer of a final contig lies on exactly the same set of
// transcripts: the contig's k-compatibility class, its equivalence class
// (EC). Every transcript is a path of whole contigs.
//
// The result has the same contigs, the same ECs and the same k-mer to
// (contig, offset, orientation) map as kallisto 0.48 builds, up to the
// numbering of contigs and ECs: kallisto visits k-mers in hash-table order,
// this package in transcript order. One corner differs by construction: a
// contig that is a closed cycle (a k-mer path with no entry or exit, only
// possible for a perfectly periodic transcript) is opened at a different
// k-mer, which can change where it is split.
package naive

import (
	"fmt"
	"slices"

	"github.com/gallisto/gallisto/internal/graph/debruijn"
	"github.com/gallisto/gallisto/internal/graph/kmer"
)

// Entry is debruijn.Entry: contig, offset, orientation.
type Entry = debruijn.Entry

// MakeEntry is debruijn.MakeEntry.
var MakeEntry = debruijn.MakeEntry

// unassigned marks a k-mer seen but not yet placed on a contig.
const unassigned = Entry(^uint64(0))

// Occurrence is one pass of a transcript through a contig.
type Occurrence struct {
	Tr    uint32 // transcript id
	Pos   int32  // position in the transcript of the contig's first base in the transcript's direction
	Sense bool   // the contig reads forward on the transcript
}

// Contig is a maximal unbranched path of k-mers with a uniform transcript set.
type Contig struct {
	Seq   []byte       // Len+k-1 bases, upper-case ACGT
	Len   int32        // number of k-mers
	EC    uint32       // equivalence class id
	Trans []Occurrence // passes of transcripts, by transcript then position
}

// Graph is the compacted de Bruijn graph of a transcriptome.
type Graph struct {
	Shape   kmer.Shape
	Contigs []Contig
	// ECs lists each equivalence class's sorted transcript ids. The first
	// NumTargets classes are the singletons {i}, as in kallisto.
	ECs [][]uint32
	// Kmers maps every canonical k-mer to its location.
	Kmers map[kmer.Kmer]Entry
}

// trInterval is the stretch [start, stop) of a contig that one transcript
// covers (kallisto's TRInfo).
type trInterval struct {
	tr          uint32
	start, stop int32
	sense       bool
}

type builder struct {
	s     kmer.Shape
	kmers map[kmer.Kmer]Entry
	g     *Graph
}

// Build returns the graph of seqs, which must hold only upper-case A, C, G,
// T. Sequences shorter than k contribute no k-mers but keep their id.
func Build(seqs [][]byte, s kmer.Shape) (*Graph, error) {
	b := &builder{s: s, kmers: make(map[kmer.Kmer]Entry), g: &Graph{Shape: s}}
	for _, seq := range seqs {
		for it := kmer.NewIterator(s, seq); !it.Done(); it.Next() {
			c, _ := it.Canonical()
			b.kmers[c] = unassigned
		}
	}
	if err := b.buildContigs(seqs); err != nil {
		return nil, err
	}
	intervals := b.transcriptIntervals(seqs)
	intervals = b.splitContigs(intervals)
	b.assignECs(len(seqs), intervals)
	if err := b.mapTranscripts(seqs); err != nil {
		return nil, err
	}
	b.g.Kmers = b.kmers
	return b.g, nil
}

func (b *builder) present(km kmer.Kmer) bool {
	c, _ := b.s.Canonical(km)
	_, ok := b.kmers[c]
	return ok
}

// step returns the successor of end if the graph does not branch there:
// end has exactly one successor, that successor exactly one predecessor, and
// it is not end itself (kallisto's fwStep).
func (b *builder) step(end kmer.Kmer) (kmer.Kmer, bool) {
	var next kmer.Kmer
	n := 0
	for c := uint8(0); c < 4; c++ {
		if x := b.s.Append(end, c); b.present(x) {
			if n++; n > 1 {
				return 0, false
			}
			next = x
		}
	}
	if n != 1 {
		return 0, false
	}
	n = 0
	for c := uint8(0); c < 4; c++ {
		if b.present(b.s.Prepend(next, c)) {
			if n++; n > 1 {
				return 0, false
			}
		}
	}
	if n != 1 || next == end {
		return 0, false
	}
	return next, true
}

// buildContigs walks a contig from every k-mer not yet placed, in the order
// k-mers first appear in the transcripts.
func (b *builder) buildContigs(seqs [][]byte) error {
	var flist, blist, path []kmer.Kmer
	for _, seq := range seqs {
		for it := kmer.NewIterator(b.s, seq); !it.Done(); it.Next() {
			km, _ := it.Canonical()
			if b.kmers[km] != unassigned {
				continue
			}
			flist, blist = b.walk(km, flist[:0], blist[:0])
			path = path[:0]
			for i := len(blist) - 1; i >= 0; i-- {
				path = append(path, b.s.RevComp(blist[i]))
			}
			path = append(path, flist...)
			if err := b.addContig(path); err != nil {
				return err
			}
		}
	}
	return nil
}

// walk extends km forward (flist, starting with km) and backward (blist,
// k-mers of the reverse strand walking away from km), stopping at branches,
// self-loops, hairpins and Moebius loops exactly where kallisto does.
func (b *builder) walk(km kmer.Kmer, flist, blist []kmer.Kmer) ([]kmer.Kmer, []kmer.Kmer) {
	twin := b.s.RevComp(km)
	flist = append(flist, km)
	selfLoop := false
	for end, last := km, km; ; {
		next, ok := b.step(end)
		if !ok {
			break
		}
		end = next
		if end == km {
			selfLoop = true
			break
		} else if end == twin {
			selfLoop = len(flist) > 1 // a hairpin is not a loop
			break
		} else if end == b.s.RevComp(last) {
			break // hairpin
		}
		flist = append(flist, end)
		last = end
	}
	if selfLoop {
		return flist, blist
	}
	for front, first := twin, twin; ; {
		next, ok := b.step(front)
		if !ok {
			break
		}
		front = next
		if front == twin || front == km {
			break // loop, or Moebius loop
		} else if front == b.s.RevComp(first) {
			break // hairpin
		}
		blist = append(blist, front)
		first = front
	}
	return flist, blist
}

func (b *builder) addContig(path []kmer.Kmer) error {
	id := uint32(len(b.g.Contigs))
	k := b.s.K
	seq := make([]byte, 0, len(path)+k-1)
	seq = append(seq, b.s.String(path[0])...)
	for i, x := range path {
		c, fw := b.s.Canonical(x)
		if b.kmers[c] != unassigned {
			return fmt.Errorf("naive: internal error: k-mer %s placed twice", b.s.String(c))
		}
		b.kmers[c] = MakeEntry(id, int32(i), fw)
		if i > 0 {
			seq = append(seq, kmer.Letter(kmer.Last(x)))
		}
	}
	b.g.Contigs = append(b.g.Contigs, Contig{Seq: seq, Len: int32(len(path))})
	return nil
}

// transcriptIntervals records, per contig, the stretch each transcript
// covers, walking each transcript contig by contig.
func (b *builder) transcriptIntervals(seqs [][]byte) [][]trInterval {
	iv := make([][]trInterval, len(b.g.Contigs))
	for tr, seq := range seqs {
		nk := int32(len(seq) - b.s.K + 1) // number of k-mers
		for it := kmer.NewIterator(b.s, seq); !it.Done(); it.Next() {
			c, fw := it.Canonical()
			e := b.kmers[c]
			cid := e.Contig()
			clen := b.g.Contigs[cid].Len
			pos := int32(it.Pos())
			t := trInterval{tr: uint32(tr)}
			var jump int32
			if fw == e.Fw() {
				t.sense, t.start = true, e.Pos()
				if clen-t.start > nk-pos {
					t.stop, jump = t.start+nk-pos, nk
				} else {
					t.stop = clen
					jump = pos + (t.stop - t.start) - 1
				}
			} else {
				t.stop = e.Pos() + 1
				if st := t.stop - (nk - pos); st > 0 {
					t.start, jump = st, nk
				} else {
					jump = pos + t.stop - 1
				}
			}
			iv[cid] = append(iv[cid], t)
			it.JumpTo(int(jump))
		}
	}
	return iv
}

// splitContigs cuts every contig at each point where a transcript starts
// or stops inside it (kallisto's FixSplitContigs). The first piece keeps
// the contig's id; the others are appended.
func (b *builder) splitContigs(iv [][]trInterval) [][]trInterval {
	n := len(b.g.Contigs)
	var br []int32
	for i := 0; i < n; i++ {
		clen := b.g.Contigs[i].Len
		whole := true
		for _, t := range iv[i] {
			if t.start != 0 || t.stop != clen {
				whole = false
				break
			}
		}
		if whole {
			continue
		}
		br = br[:0]
		for _, t := range iv[i] {
			br = append(br, t.start, t.stop)
		}
		slices.Sort(br)
		br = slices.Compact(br)
		seq := b.g.Contigs[i].Seq
		old := iv[i]
		for j := 1; j < len(br); j++ {
			lo, hi := br[j-1], br[j]
			piece := Contig{Seq: slices.Clone(seq[lo : hi+int32(b.s.K)-1]), Len: hi - lo}
			id := uint32(i)
			if j > 1 {
				id = uint32(len(b.g.Contigs))
				b.g.Contigs = append(b.g.Contigs, piece)
			} else {
				b.g.Contigs[i] = piece
			}
			for it := kmer.NewIterator(b.s, piece.Seq); !it.Done(); it.Next() {
				c, fw := it.Canonical()
				b.kmers[c] = MakeEntry(id, int32(it.Pos()), fw)
			}
			var niv []trInterval
			for _, t := range old {
				if !(t.stop <= lo || t.start >= hi) {
					niv = append(niv, trInterval{tr: t.tr, start: 0, stop: piece.Len, sense: t.sense})
				}
			}
			if j > 1 {
				iv = append(iv, niv)
			} else {
				iv[i] = niv
			}
		}
	}
	return iv
}

// assignECs gives every contig the class of the transcripts covering it,
// creating classes in contig order after the singletons.
func (b *builder) assignECs(ntr int, iv [][]trInterval) {
	ecs := make([][]uint32, ntr, ntr+len(b.g.Contigs)/2)
	inv := make(map[string]uint32)
	for i := range ecs {
		ecs[i] = []uint32{uint32(i)}
	}
	key := make([]byte, 0, 64)
	var u []uint32
	for i := range b.g.Contigs {
		u = u[:0]
		for _, t := range iv[i] {
			u = append(u, t.tr)
		}
		slices.Sort(u)
		u = slices.Compact(u)
		if len(u) == 1 {
			b.g.Contigs[i].EC = u[0]
			continue
		}
		key = debruijn.ECKey(key[:0], u)
		id, ok := inv[string(key)]
		if !ok {
			id = uint32(len(ecs))
			ecs = append(ecs, slices.Clone(u))
			inv[string(key)] = id
		}
		b.g.Contigs[i].EC = id
	}
	b.g.ECs = ecs
}

// mapTranscripts records each transcript's passes through the final
// contigs, checking that it enters every contig at an end.
func (b *builder) mapTranscripts(seqs [][]byte) error {
	for tr, seq := range seqs {
		for it := kmer.NewIterator(b.s, seq); !it.Done(); it.Next() {
			c, fw := it.Canonical()
			e := b.kmers[c]
			ct := &b.g.Contigs[e.Contig()]
			sense := fw == e.Fw()
			if (sense && e.Pos() != 0) || (!sense && e.Pos() != ct.Len-1) {
				return fmt.Errorf("naive: internal error: transcript %d enters contig %d at offset %d", tr, e.Contig(), e.Pos())
			}
			ct.Trans = append(ct.Trans, Occurrence{Tr: uint32(tr), Pos: int32(it.Pos()), Sense: sense})
			it.JumpTo(it.Pos() + int(ct.Len) - 1)
		}
	}
	return nil
}
