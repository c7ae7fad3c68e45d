package index

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/gallisto/gallisto/internal/graph/kmer"
)

// Contig adjacency. A read that runs off the end of a contig continues,
// if it still agrees with the index, on the k-mer made of the last k-1
// bases it met plus its next base: one of at most four k-mers, fixed by
// the contig, the end it left by and that base. The index stores what the
// dictionary answers for each of them, so that the mapper crosses from
// contig to contig with one memory read instead of a dictionary lookup (a
// chain of four to six dependent cache misses on a large index).
//
// Slots: 8 per contig, slot 8c + 4*forward + b for contig c left through
// its last k-mer (forward: the read runs along the contig) or through its
// first (backward), with next base b (A=0 C=1 G=2 T=3, as the read has
// it). A slot holds
//
//	0                       no k-mer of the index follows (adjAbsent)
//	1                       the follower is not at an end of its contig:
//	                        look it up in the dictionary (adjLookup)
//	(d+1)<<2 | last<<1 | s  the follower is the first (last = 0) or last
//	                        (last = 1) k-mer of contig d, met along d
//	                        (s = 1) or against it (s = 0)
//
// In a compacted de Bruijn graph a follower always starts or ends its
// contig (a k-mer inside a contig has one predecessor, the one before it
// in the contig), so slot 1 is never written by Build; readers still
// honour it.
const (
	adjAbsent = 0
	adjLookup = 1
	// slotsPerContig is 2 ends x 4 bases.
	slotsPerContig = 8
)

// maxAdjContigs bounds the number of contigs a slot can name ((d+1)<<2
// must fit in 32 bits).
const maxAdjContigs = 1<<30 - 1

// Crossing is the outcome of Index.Cross.
type Crossing uint8

const (
	CrossAbsent Crossing = iota // no k-mer of the index follows
	CrossFound                  // the follower is at the returned place
	CrossLookup                 // not known here: use the dictionary
)

// Cross tells what a read meets right after the k-mer at the exit end of
// contig c: its last k-mer when forward (the read runs along c), its first
// otherwise, followed by the read's base code b. When found, the follower
// is k-mer q of contig d, and sense tells whether the read runs along d.
func (x *Index) Cross(c uint32, forward bool, b uint8) (d uint32, q int32, sense bool, out Crossing) {
	v := x.adj[adjSlot(c, forward, b)]
	switch v {
	case adjAbsent:
		return 0, 0, false, CrossAbsent
	case adjLookup:
		return 0, 0, false, CrossLookup
	}
	d = v>>2 - 1
	if v&2 != 0 {
		q = x.ContigLen[d] - 1
	}
	return d, q, v&1 != 0, CrossFound
}

func adjSlot(c uint32, forward bool, b uint8) int {
	s := int(c)*slotsPerContig + int(b&3)
	if forward {
		s += 4
	}
	return s
}

// buildAdjacency fills x.adj by looking up every possible follower of
// every contig end in the dictionary, on threads goroutines.
func (x *Index) buildAdjacency(threads int) {
	if threads < 1 {
		threads = runtime.GOMAXPROCS(0)
	}
	n := x.NumContigs()
	x.adj = make([]uint32, slotsPerContig*n)
	var wg sync.WaitGroup
	for t := range threads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := t; c < n; c += threads {
				x.fillAdjacency(uint32(c))
			}
		}()
	}
	wg.Wait()
}

func (x *Index) fillAdjacency(c uint32) {
	sh := x.Shape
	for _, forward := range []bool{false, true} {
		// The read's exit k-mer, as the read has it.
		out := sh.RevComp(x.ContigKmer(c, 0))
		if forward {
			out = x.ContigKmer(c, x.ContigLen[c]-1)
		}
		for b := uint8(0); b < 4; b++ {
			km, fw := sh.Canonical(sh.Append(out, b))
			x.adj[adjSlot(c, forward, b)] = x.adjValue(km, fw)
		}
	}
}

// adjValue is the slot value for canonical k-mer km met as read with
// orientation fw (true: as km).
func (x *Index) adjValue(km kmer.Kmer, fw bool) uint32 {
	e, ok := x.Dict.Lookup(km)
	if !ok {
		return adjAbsent
	}
	d, q := e.Contig(), e.Pos()
	var s uint32
	if fw == e.Fw() {
		s = 1
	}
	switch {
	case d >= maxAdjContigs:
		return adjLookup
	case q == 0:
		return (d+1)<<2 | s
	case q == x.ContigLen[d]-1:
		return (d+1)<<2 | 2 | s
	}
	return adjLookup
}

// validateAdjacency checks that every slot names a contig of the index.
func (x *Index) validateAdjacency() error {
	n := uint32(x.NumContigs())
	for i, v := range x.adj {
		if v > adjLookup && (v>>2 == 0 || v>>2 > n) {
			return fmt.Errorf("adjacency slot %d names contig %d of %d", i, int64(v>>2)-1, n)
		}
	}
	return nil
}
