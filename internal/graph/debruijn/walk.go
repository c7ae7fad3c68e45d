package debruijn

import (
	"fmt"
	"math/bits"
	"sync"

	"github.com/gallisto/gallisto/internal/graph/kmer"
)

// Cut marks, in the top bits of a k-mer's dictionary value while building,
// in the canonical k-mer's orientation: a contig may not continue across a
// cut.
const (
	cutBefore = 1 // a transcript starts at this k-mer (or ends, seen from the other strand)
	cutAfter  = 2
)

func (b *builder) cutBits(slot uint64) uint8 { return uint8(b.dict.Values()[slot] >> posBits) }

func (b *builder) setCut(slot uint64, bit uint8) { b.dict.Values()[slot] |= uint32(bit) << posBits }

// placed reports whether the k-mer at slot is on a contig.
func placed(v uint32) bool { return v&posMask != unassigned }

// orientedCuts returns whether oriented k-mer x (canonical form c at slot)
// has a cut before and after it, in x's own orientation.
func (b *builder) orientedCuts(x, c kmer.Kmer, slot uint64) (before, after bool) {
	m := b.cutBits(slot)
	if x == c {
		return m&cutBefore != 0, m&cutAfter != 0
	}
	return m&cutAfter != 0, m&cutBefore != 0
}

// markCuts records where transcripts start and end: before each
// transcript's first k-mer and after its last, in the transcript's
// direction. kallisto cuts its contigs at exactly these points
// (FixSplitContigs).
func (b *builder) markCuts() error {
	k := b.s.K
	for t := 0; t < b.in.NumTargets(); t++ {
		lo, hi := b.in.bounds(t)
		if hi-lo < k {
			continue
		}
		first := b.in.Seq.Kmer(b.s, lo)
		last := b.in.Seq.Kmer(b.s, hi-k)
		for _, e := range []struct {
			x   kmer.Kmer
			cut uint8 // in the transcript's direction
		}{{first, cutBefore}, {last, cutAfter}} {
			c, fw := b.s.Canonical(e.x)
			cut := e.cut
			if !fw {
				cut = 3 - cut // before <-> after on the other strand
			}
			b.setCut(b.dict.Index(uint64(c)), cut)
		}
	}
	return nil
}

// extensions returns the bases that extend oriented (k-1)-mer s on the
// right (successors) and on the left (predecessors) in the graph.
func (b *builder) extensions(s uint64) (right, left uint8) {
	rc := uint64(b.s1RevComp(s))
	if s <= rc {
		m := b.km1.mask(s)
		return m >> 4, m & 15
	}
	m := b.km1.mask(rc)
	return revNibble(m & 15), revNibble(m >> 4)
}

// s1RevComp is the reverse complement of a (k-1)-mer.
func (b *builder) s1RevComp(s uint64) uint64 {
	x := ^s
	x = (x>>2)&0x3333333333333333 | (x&0x3333333333333333)<<2
	x = (x>>4)&0x0F0F0F0F0F0F0F0F | (x&0x0F0F0F0F0F0F0F0F)<<4
	x = bits.ReverseBytes64(x)
	return x >> (64 - b.km1.width)
}

// step returns the successor of oriented k-mer end when the graph does not
// branch there: end has exactly one successor, which has exactly one
// predecessor, and is not end itself (kallisto's fwStep).
func (b *builder) step(end kmer.Kmer) (kmer.Kmer, bool) {
	suffix := uint64(end) & b.m1mask
	right, left := b.extensions(suffix)
	if bits.OnesCount8(right) != 1 || bits.OnesCount8(left) != 1 {
		return 0, false
	}
	next := b.s.Append(end, uint8(bits.TrailingZeros8(right)))
	if next == end {
		return 0, false
	}
	return next, true
}

// node is an oriented k-mer with the dictionary slot of its canonical form.
type node struct {
	x    kmer.Kmer
	slot uint64
}

func (b *builder) node(x kmer.Kmer) node {
	c, _ := b.s.Canonical(x)
	return node{x, b.dict.Index(uint64(c))}
}

// walkAll builds every contig, starting from k-mers in the order they
// appear in the transcripts, and numbers them in that order.
func (b *builder) walkAll() error {
	b.g.KStart = []uint32{0}
	var flist, blist, path []node
	values := b.dict.Values()
	k := b.s.K
	for t := 0; t < b.in.NumTargets(); t++ {
		if t%4096 == 0 {
			if err := b.ctx.Err(); err != nil {
				return err
			}
		}
		lo, hi := b.in.bounds(t)
		for i := lo; i+k <= hi; {
			x := b.in.Seq.Kmer(b.s, i)
			c, _ := b.s.Canonical(x)
			slot := b.dict.Index(uint64(c))
			if !placed(values[slot]) {
				flist, blist = b.walk(node{c, slot}, flist[:0], blist[:0])
				path = path[:0]
				for j := len(blist) - 1; j >= 0; j-- {
					path = append(path, node{b.s.RevComp(blist[j].x), blist[j].slot})
				}
				path = append(path, flist...)
				if err := b.addContig(path, values); err != nil {
					return err
				}
			}
			// The transcript runs along x's contig to the contig's end (no
			// branch inside a contig, and its own start and end are cuts):
			// skip the k-mers already placed.
			i += b.remaining(x, values[slot]&posMask)
		}
	}
	return nil
}

// remaining returns how many k-mers of oriented k-mer x's contig, from x to
// the contig's end in x's direction, a transcript reading x passes through;
// v is x's position in the k-mer space.
func (b *builder) remaining(x kmer.Kmer, v uint32) int {
	g := b.g
	ctg := g.contigOf(v)
	q := int32(v - g.KStart[ctg])
	if g.ContigKmer(ctg, q) == x {
		return int(g.ContigLen(ctg) - q)
	}
	return int(q) + 1
}

// walk extends canonical k-mer km forward (flist, starting with km) and
// backward (blist: k-mers of the reverse strand walking away from km),
// stopping at branches, cuts, self-loops, hairpins and Moebius loops where
// kallisto stops.
func (b *builder) walk(km node, flist, blist []node) ([]node, []node) {
	twin := node{b.s.RevComp(km.x), km.slot}
	flist = append(flist, km)
	selfLoop := false
	for end, last := km, km; ; {
		next, ok := b.extend(end)
		if !ok {
			break
		}
		end = next
		if end.x == km.x {
			selfLoop = true
			break
		} else if end.x == twin.x {
			selfLoop = len(flist) > 1 // a hairpin is not a loop
			break
		} else if end.x == b.s.RevComp(last.x) {
			break // hairpin
		}
		flist = append(flist, end)
		last = end
	}
	if selfLoop {
		return flist, blist
	}
	for front, first := twin, twin; ; {
		next, ok := b.extend(front)
		if !ok {
			break
		}
		front = next
		if front.x == twin.x || front.x == km.x {
			break // loop, or Moebius loop
		} else if front.x == b.s.RevComp(first.x) {
			break // hairpin
		}
		blist = append(blist, front)
		first = front
	}
	return flist, blist
}

// extend is step, refusing to cross a cut.
func (b *builder) extend(end node) (node, bool) {
	c, _ := b.s.Canonical(end.x)
	if _, after := b.orientedCuts(end.x, c, end.slot); after {
		return node{}, false
	}
	next, ok := b.step(end.x)
	if !ok {
		return node{}, false
	}
	nn := b.node(next)
	cn, _ := b.s.Canonical(next)
	if before, _ := b.orientedCuts(next, cn, nn.slot); before {
		return node{}, false
	}
	return nn, true
}

// addContig appends the contig spelled by path, giving its k-mers the next
// positions of the k-mer space.
func (b *builder) addContig(path []node, values []uint32) error {
	g := b.g
	id := uint32(len(g.KStart) - 1)
	start := g.KStart[id]
	for i, n := range path {
		if placed(values[n.slot]) {
			c, _ := b.s.Canonical(n.x)
			return fmt.Errorf("debruijn: internal error: k-mer %s placed twice", b.s.String(c))
		}
		values[n.slot] = values[n.slot]&^posMask | (start + uint32(i))
		if i == 0 {
			for j := b.s.K - 1; j >= 0; j-- {
				g.Seq.AppendCode(uint8(uint64(n.x) >> (2 * uint(j)) & 3))
			}
		} else {
			g.Seq.AppendCode(kmer.Last(n.x))
		}
	}
	g.KStart = append(g.KStart, start+uint32(len(path)))
	return nil
}

// clearCuts leaves only positions in the dictionary's values.
func (b *builder) clearCuts() {
	values := b.dict.Values()
	parallel(b.threads, len(values), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			values[i] &= posMask
		}
	})
}

// parallel runs f over [0, n) split into one range per goroutine.
func parallel(threads, n int, f func(lo, hi int)) {
	var wg sync.WaitGroup
	step := (n + threads - 1) / max(threads, 1)
	for lo := 0; lo < n; lo += step {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			f(lo, hi)
		}(lo, min(lo+step, n))
	}
	wg.Wait()
}
