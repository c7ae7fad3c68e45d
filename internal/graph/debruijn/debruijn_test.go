package debruijn_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gallisto/gallisto/internal/graph/debruijn"
	"github.com/gallisto/gallisto/internal/graph/debruijn/naive"
	"github.com/gallisto/gallisto/internal/graph/kmer"
	"github.com/gallisto/gallisto/internal/input/fasta"
	"github.com/google/go-cmp/cmp"
)

func revcomp(s string) string {
	b := []byte(s)
	slices.Reverse(b)
	for i, c := range b {
		b[i] = "TGCA"[strings.IndexByte("ACGT", c)]
	}
	return string(b)
}

// describeContig renders one contig orientation-free: the sequence in the
// orientation that sorts first, the transcripts of its class, and its
// passes (transcript:position:sense, sense relative to that orientation).
func describeContig(seq string, ec []uint32, passes [][3]int) string {
	flip := revcomp(seq) < seq
	if flip {
		seq = revcomp(seq)
	}
	var ps []string
	for _, p := range passes {
		sense := p[2] == 1
		if flip {
			sense = !sense
		}
		ps = append(ps, fmt.Sprintf("%d:%d:%v", p[0], p[1], sense))
	}
	slices.Sort(ps)
	return fmt.Sprintf("%s %v %s", seq, ec, strings.Join(ps, ","))
}

func describeNew(g *debruijn.Graph) string {
	var lines []string
	for c := 0; c < g.NumContigs(); c++ {
		var passes [][3]int
		for _, o := range g.Occ[g.OccOff[c]:g.OccOff[c+1]] {
			s := 0
			if o.Sense() {
				s = 1
			}
			passes = append(passes, [3]int{int(o.Tr()), int(o.Pos()), s})
		}
		ec := g.ECMembers[g.ECOff[g.ContigEC[c]]:g.ECOff[g.ContigEC[c]+1]]
		lines = append(lines, describeContig(string(g.ContigSeq(uint32(c))), ec, passes))
	}
	slices.Sort(lines)
	return fmt.Sprintf("kmers %d contigs %d ecs %d\n%s", g.NumKmers(), g.NumContigs(), len(g.ECOff)-1, strings.Join(lines, "\n"))
}

func describeNaive(g *naive.Graph) string {
	var lines []string
	for _, c := range g.Contigs {
		var passes [][3]int
		for _, o := range c.Trans {
			s := 0
			if o.Sense {
				s = 1
			}
			passes = append(passes, [3]int{int(o.Tr), int(o.Pos), s})
		}
		lines = append(lines, describeContig(string(c.Seq), g.ECs[c.EC], passes))
	}
	slices.Sort(lines)
	return fmt.Sprintf("kmers %d contigs %d ecs %d\n%s", len(g.Kmers), len(g.Contigs), len(g.ECs), strings.Join(lines, "\n"))
}

func build(t *testing.T, seqs [][]byte, k int, passBytes int64) (*debruijn.Graph, *naive.Graph) {
	t.Helper()
	s := kmer.MustShape(k)
	var in debruijn.Input
	for _, q := range seqs {
		in.Add(q)
	}
	g, err := debruijn.Build(context.Background(), &in, s, debruijn.Options{Threads: 2, PassBytes: passBytes})
	if err != nil {
		t.Fatalf("%v\ninput: %q", err, seqs)
	}
	ng, err := naive.Build(seqs, s)
	if err != nil {
		t.Fatal(err)
	}
	checkDict(t, g)
	return g, ng
}

// checkDict verifies that the dictionary maps every k-mer of every contig
// to its position in the k-mer space.
func checkDict(t *testing.T, g *debruijn.Graph) {
	t.Helper()
	for c := 0; c < g.NumContigs(); c++ {
		for p := int32(0); p < g.ContigLen(uint32(c)); p++ {
			km, _ := g.Shape.Canonical(g.ContigKmer(uint32(c), p))
			v, ok := g.Dict.Get(uint64(km))
			if !ok || v != g.KStart[c]+uint32(p) {
				t.Fatalf("dictionary: k-mer %d of contig %d maps to %d,%v, want %d", p, c, v, ok, g.KStart[c]+uint32(p))
			}
		}
	}
}

var caseName = regexp.MustCompile(`^(.*)\.k(\d+)\.fa$`)

// The hand-made graphs of testdata (hairpins, palindromes, repeats,
// shared exons) must come out as naive builds them — which
// naive's tests check against kallisto itself.
func TestSameAsNaiveOnTestGraphs(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.fa")
	if len(files) == 0 {
		t.Fatal("no test graphs")
	}
	for _, fa := range files {
		m := caseName.FindStringSubmatch(filepath.Base(fa))
		k, _ := strconv.Atoi(m[2])
		t.Run(m[1], func(t *testing.T) {
			f, err := os.Open(fa)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var seqs [][]byte
			r := fasta.NewReader(f, fa)
			for {
				rec, err := r.Next()
				if err != nil {
					break
				}
				seqs = append(seqs, slices.Clone(rec.Seq))
			}
			g, ng := build(t, seqs, k, 0)
			if d := cmp.Diff(describeNaive(ng), describeNew(g)); d != "" {
				t.Errorf("-naive +debruijn:\n%s", d)
			}
		})
	}
}

// Random transcriptomes of shared segments, some reverse-complemented,
// some low-complexity; one in five builds spills its k-mers to files.
func TestSameAsNaiveRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(42, 7))
	for trial := 0; trial < trials(); trial++ {
		k := []int{3, 5, 7, 11, 21, 31}[trial%6]
		nseg := 3 + r.IntN(10)
		segs := make([]string, nseg)
		for i := range segs {
			n := 1 + r.IntN(40)
			b := make([]byte, n)
			alpha := "ACGT"
			if r.IntN(4) == 0 {
				alpha = "AC" // low complexity: cycles, repeats
			}
			for j := range b {
				b[j] = alpha[r.IntN(len(alpha))]
			}
			segs[i] = string(b)
		}
		var seqs [][]byte
		for t := 0; t < 1+r.IntN(12); t++ {
			var sb strings.Builder
			for i := 0; i < 1+r.IntN(5); i++ {
				sb.WriteString(segs[r.IntN(nseg)])
			}
			s := sb.String()
			if r.IntN(3) == 0 {
				s = revcomp(s)
			}
			if r.IntN(5) == 0 && len(s) > 4 {
				s = s[:len(s)/2] + revcomp(s[:len(s)/2]) // palindromic stretch: hairpins
			}
			seqs = append(seqs, []byte(s))
		}
		t.Run(fmt.Sprintf("trial%d-k%d", trial, k), func(t *testing.T) {
			pass := int64(0)  // in memory
			if trial%5 == 0 { // every k in turn (k cycles with period 6)
				pass = 64 // spill to files
			}
			g, ng := build(t, seqs, k, pass)
			want, got := describeNaive(ng), describeNew(g)
			if want != got {
				if cyclic(ng) {
					t.Skip("graph holds a closed cycle, opened differently by design (see package doc)")
				}
				t.Errorf("-naive +debruijn:\n%s\ninput: %q", cmp.Diff(want, got), seqs)
			}
		})
	}
}

// cyclic reports whether the graph holds a closed cycle: a k-mer from
// which unbranched steps (one successor, whose only predecessor it is) lead
// back to itself.
func cyclic(g *naive.Graph) bool {
	sh := g.Shape
	has := func(x kmer.Kmer) bool {
		c, _ := sh.Canonical(x)
		_, ok := g.Kmers[c]
		return ok
	}
	next := func(x kmer.Kmer) (kmer.Kmer, bool) {
		var succ []kmer.Kmer
		for b := uint8(0); b < 4; b++ {
			if y := sh.Append(x, b); has(y) {
				succ = append(succ, y)
			}
		}
		if len(succ) != 1 {
			return 0, false
		}
		preds := 0
		for b := uint8(0); b < 4; b++ {
			if has(sh.Prepend(succ[0], b)) {
				preds++
			}
		}
		return succ[0], preds == 1
	}
	for km := range g.Kmers {
		for _, start := range []kmer.Kmer{km, sh.RevComp(km)} {
			x := start
			for i := 0; i <= len(g.Kmers); i++ {
				y, ok := next(x)
				if !ok {
					break
				}
				if y == start {
					return true
				}
				x = y
			}
		}
	}
	return false
}

// trials is the number of random transcriptomes: 60 by default,
// GALLISTO_DBG_TRIALS for longer runs.
func trials() int {
	if n, err := strconv.Atoi(os.Getenv("GALLISTO_DBG_TRIALS")); err == nil {
		return n
	}
	return 60
}
