package debruijn

import (
	"fmt"
	"sort"
)

// contigOf returns the contig holding position g of the k-mer space.
func (gr *Graph) contigOf(g uint32) uint32 {
	// KStart is sorted; find the last start <= g.
	return uint32(sort.Search(len(gr.KStart), func(i int) bool { return gr.KStart[i] > g }) - 1)
}

// mapTranscripts walks every transcript over the contigs, recording its
// passes, and gives each contig the class of the transcripts passing
// through it (kallisto's BuildEquivalenceClasses).
func (b *builder) mapTranscripts() error {
	g := b.g
	k := b.s.K
	values := b.dict.Values()
	type pass struct {
		contig uint32
		occ    Occurrence
	}
	var passes []pass
	counts := make([]uint32, g.NumContigs())
	for t := 0; t < b.in.NumTargets(); t++ {
		lo, hi := b.in.bounds(t)
		for i := lo; i+k <= hi; {
			x := b.in.Seq.Kmer(b.s, i)
			c, _ := b.s.Canonical(x)
			pos := values[b.dict.Index(uint64(c))]
			ctg := g.contigOf(pos)
			q := int32(pos - g.KStart[ctg])
			n := g.ContigLen(ctg)
			ck := g.ContigKmer(ctg, q)
			var sense bool
			switch {
			case ck == x && q == 0:
				sense = true
			case ck == b.s.RevComp(x) && q == n-1:
				sense = false
			default:
				return fmt.Errorf("debruijn: internal error: transcript %d enters contig %d at offset %d of %d", t, ctg, q, n)
			}
			passes = append(passes, pass{ctg, MakeOccurrence(uint32(t), int32(i-lo), sense)})
			counts[ctg]++
			i += int(n)
		}
	}
	// Group passes by contig, keeping transcript order (a counting sort).
	g.OccOff = make([]uint32, g.NumContigs()+1)
	for c, n := range counts {
		g.OccOff[c+1] = g.OccOff[c] + n
	}
	g.Occ = make([]Occurrence, len(passes))
	fill := append([]uint32(nil), g.OccOff[:len(counts)]...)
	for _, p := range passes {
		g.Occ[fill[p.contig]] = p.occ
		fill[p.contig]++
	}
	passes = nil
	b.assignClasses()
	return nil
}

// assignClasses gives every contig the class of its transcripts, creating
// classes in contig order after the singletons.
func (b *builder) assignClasses() {
	g := b.g
	ntr := g.NumTargets
	g.ECOff = make([]uint32, ntr+1, ntr+1+g.NumContigs()/4)
	g.ECMembers = make([]uint32, ntr, ntr+g.NumContigs()/2)
	for i := 0; i < ntr; i++ {
		g.ECOff[i+1] = uint32(i + 1)
		g.ECMembers[i] = uint32(i)
	}
	g.ContigEC = make([]uint32, g.NumContigs())
	inv := make(map[string]uint32)
	var u []uint32
	var key []byte
	for c := range g.ContigEC {
		u = u[:0]
		for _, o := range g.Occ[g.OccOff[c]:g.OccOff[c+1]] {
			// Passes are in transcript order: dropping repeats sorts u.
			if tr := o.Tr(); len(u) == 0 || u[len(u)-1] != tr {
				u = append(u, tr)
			}
		}
		if len(u) == 1 {
			g.ContigEC[c] = u[0]
			continue
		}
		key = ECKey(key[:0], u)
		id, ok := inv[string(key)]
		if !ok {
			id = uint32(len(g.ECOff) - 1)
			inv[string(key)] = id
			g.ECMembers = append(g.ECMembers, u...)
			g.ECOff = append(g.ECOff, uint32(len(g.ECMembers)))
		}
		g.ContigEC[c] = id
	}
}
