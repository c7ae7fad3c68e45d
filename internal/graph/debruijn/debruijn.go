// Package debruijn builds the compacted transcriptome de Bruijn graph that
// kallisto's pseudoalignment runs on (Bray et al. 2016, Online Methods;
// kallisto 0.48 src/KmerIndex.cpp, BuildDeBruijnGraph, FixSplitContigs and
// BuildEquivalenceClasses), in bounded memory and in parallel.
//
// The graph is kallisto's: nodes are the canonical k-mers of the
// transcripts, two k-mers are joined when they overlap by k-1 bases
// (whether or not a transcript walks that edge), maximal non-branching
// paths are cut wherever a transcript starts or ends, and the pieces are the
// contigs. Every k-mer of a contig lies on the same transcripts, the
// contig's equivalence class; every transcript is a path of whole contigs.
// Package naive (debruijn/naive) builds the same graph with Go maps and is the reference
// this package is tested against (and kallisto itself, in the tests).
//
// How it stays small. The transcripts are held 2 bits per base. Distinct
// k-mers and (k-1)-mers are gathered part by part (a hash picks the part),
// sorted and deduplicated, so only one part's occurrences are in memory at
// a time; each part gets a minimal perfect hash function (package kdict,
// mphf). For every (k-1)-mer the builder keeps one byte: which bases extend
// it on the left and on the right. That byte is all the walk along a contig
// needs — a k-mer continues into exactly one successor, whose only
// predecessor it is — so walking costs two hash lookups per k-mer and no
// set of k-mers is ever stored. The final dictionary maps each canonical
// k-mer to its position in the contigs' k-mer space (4 bytes per k-mer).
//
// Contigs are numbered in the order their first k-mer appears in the
// transcripts, classes in contig order after the singletons. kallisto
// numbers them in hash-table order; the graph is otherwise identical. A
// contig that is a closed cycle (only possible for a perfectly periodic
// transcript) may be opened at a different k-mer than kallisto's.
package debruijn

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/gallisto/gallisto/internal/graph/kdict"
	"github.com/gallisto/gallisto/internal/graph/kmer"
)

// Input holds the transcripts, 2 bits per base, concatenated.
type Input struct {
	Seq    kmer.Packed
	starts []int64 // transcript t is bases [starts[t], starts[t+1])
}

// Add appends a transcript made of upper-case A, C, G and T.
func (in *Input) Add(seq []byte) {
	if len(in.starts) == 0 {
		in.starts = append(in.starts, 0)
	}
	in.Seq.AppendBases(seq)
	in.starts = append(in.starts, int64(in.Seq.Len()))
}

// NumTargets returns the number of transcripts.
func (in *Input) NumTargets() int { return max(len(in.starts)-1, 0) }

// bounds returns the first and one-past-last base of transcript t.
func (in *Input) bounds(t int) (int, int) { return int(in.starts[t]), int(in.starts[t+1]) }

// Options configures Build.
type Options struct {
	Threads int // goroutines; <= 0 means GOMAXPROCS
	// PassBytes bounds the memory for gathering k-mers: above it, records
	// are spilled to TempDir; 0 means 512 MiB.
	PassBytes int64
	TempDir   string // for spill files; "" means the system's
	// MaxMemory, when positive, is a budget Build refuses to exceed: it
	// checks once the number of distinct k-mers is known, before the
	// memory-hungry steps, and fails with an estimate of what is needed.
	MaxMemory int64
	Log       io.Writer // progress, or nil
}

// Graph is the compacted de Bruijn graph with its dictionary.
type Graph struct {
	Shape      kmer.Shape
	NumTargets int
	// Contig c holds k-mers KStart[c] .. KStart[c+1]-1 of the k-mer space
	// and bases [KStart[c]+c*(k-1), KStart[c+1]+c*(k-1)+k-1) of Seq.
	KStart   []uint32
	Seq      kmer.Packed
	ContigEC []uint32
	// Passes of transcripts through contig c: Occ[OccOff[c]:OccOff[c+1]],
	// by transcript then position.
	OccOff []uint32
	Occ    []Occurrence
	// Class e holds transcripts ECMembers[ECOff[e]:ECOff[e+1]], sorted;
	// classes 0..NumTargets-1 are the singletons.
	ECOff     []uint32
	ECMembers []uint32
	// Dict maps every canonical k-mer to its index in the k-mer space.
	Dict *kdict.Dict
}

// NumContigs returns the number of contigs.
func (g *Graph) NumContigs() int { return len(g.KStart) - 1 }

// NumKmers returns the number of distinct canonical k-mers.
func (g *Graph) NumKmers() int { return int(g.KStart[len(g.KStart)-1]) }

// ContigLen returns the number of k-mers of contig c.
func (g *Graph) ContigLen(c uint32) int32 { return int32(g.KStart[c+1] - g.KStart[c]) }

// base returns the first base of contig c in Seq.
func (g *Graph) base(c uint32) int { return int(g.KStart[c]) + int(c)*(g.Shape.K-1) }

// ContigKmer returns the k-mer at offset pos of contig c.
func (g *Graph) ContigKmer(c uint32, pos int32) kmer.Kmer {
	return g.Seq.Kmer(g.Shape, g.base(c)+int(pos))
}

// ContigSeq returns the bases of contig c, upper case.
func (g *Graph) ContigSeq(c uint32) []byte {
	return g.Seq.Bases(g.base(c), g.base(c+1))
}

// builder carries the state of one Build.
type builder struct {
	ctx     context.Context
	in      *Input
	s       kmer.Shape
	s1      kmer.Shape // (k-1)-mers: even length, so only valid as a mask holder
	m1mask  uint64
	threads int
	opt     Options
	start   time.Time

	dict *kdict.Dict
	km1  *km1Table
	g    *Graph
}

// Build builds the graph of in.
func Build(ctx context.Context, in *Input, s kmer.Shape, opt Options) (*Graph, error) {
	th := opt.Threads
	if th <= 0 {
		th = runtime.GOMAXPROCS(0)
	}
	if opt.PassBytes <= 0 {
		opt.PassBytes = 512 << 20
	}
	b := &builder{ctx: ctx, in: in, s: s, threads: th, opt: opt, start: time.Now(),
		m1mask: 1<<(2*uint(s.K-1)) - 1,
		g:      &Graph{Shape: s, NumTargets: in.NumTargets()}}
	if err := b.checkMemory(0); err != nil {
		return nil, err
	}
	if err := b.gather(); err != nil {
		return nil, err
	}
	b.logf("%d distinct k-mers, %d (k-1)-mers", b.dict.Len(), b.km1.len())
	if err := b.checkMemory(b.dict.Len()); err != nil {
		return nil, err
	}
	if err := b.markCuts(); err != nil {
		return nil, err
	}
	if err := b.walkAll(); err != nil {
		return nil, err
	}
	b.km1 = nil
	b.clearCuts()
	b.logf("%d contigs", b.g.NumContigs())
	if err := b.mapTranscripts(); err != nil {
		return nil, err
	}
	b.logf("%d equivalence classes", len(b.g.ECOff)-1)
	b.fillFilter()
	b.g.Dict = b.dict
	return b.g, nil
}

// checkMemory compares the memory the rest of the build needs with the
// budget. Before gathering (n = 0) only the gathering buffers are counted;
// afterwards, with n distinct k-mers, the Bloom filter (1.5 bytes per
// k-mer), contig sequences and tables (about half a byte per k-mer) and a
// margin for small structures come on top of what is held already.
func (b *builder) checkMemory(n int) error {
	if b.opt.MaxMemory <= 0 {
		return nil
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	held := int64(ms.HeapAlloc)
	const margin = 16 << 20 // goroutine stacks, small tables, allocator slack
	need := held + minPassBytes + margin
	what := "to gather k-mers"
	if n > 0 {
		need = held + 2*int64(n) + margin
		what = fmt.Sprintf("for %d distinct k-mers", n)
	}
	if need > b.opt.MaxMemory {
		return fmt.Errorf("not enough memory %s: building needs about %s, the budget is %s (--max-memory)",
			what, humanBytes(need), humanBytes(b.opt.MaxMemory))
	}
	return nil
}

// minPassBytes is the smallest gathering buffer worth having.
const minPassBytes = 16 << 20

// humanBytes formats a byte count for messages.
func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KiB", (n+1023)/1024)
}

func (b *builder) logf(format string, args ...any) {
	if b.opt.Log != nil {
		fmt.Fprintf(b.opt.Log, "[build] %6.1fs "+format+"\n", append([]any{time.Since(b.start).Seconds()}, args...)...)
	}
}

// fillFilter builds the Bloom filter from the contigs' k-mers, in parallel.
func (b *builder) fillFilter() {
	f := b.dict.NewFilter()
	g := b.g
	parallel(b.threads, g.NumContigs(), func(lo, hi int) {
		for c := lo; c < hi; c++ {
			n := g.ContigLen(uint32(c))
			for p := int32(0); p < n; p++ {
				km, _ := b.s.Canonical(g.ContigKmer(uint32(c), p))
				f.AddConcurrent(uint64(km))
			}
		}
	})
	b.dict.SetFilter(f)
}
