package pseudo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gallisto/gallisto/internal/graph/index"
)

// isoforms is a gene of random exons with the structures the full model
// must tell apart: a skipped exon, a retained intron, alternative 5' and 3'
// ends, and an exon that differs by two bases (a paralogous copy).
type isoforms struct {
	names []string
	seqs  []string
	idx   *index.Index
	ts    *index.Transcripts
}

func newIsoforms(t *testing.T) *isoforms {
	t.Helper()
	r := rand.New(rand.NewPCG(5, 8))
	e := make([]string, 6)
	for i := range e {
		e[i] = randDNA(r, 120+20*i)
	}
	intron := randDNA(r, 90)
	tail := randDNA(r, 150)
	head := randDNA(r, 80)
	// e2 with two substitutions, 40 bases apart: k-mers between them are
	// shared, those over them are not.
	para := []byte(e[2])
	para[50] = "ACGT"[(strings.IndexByte("ACGT", para[50])+1)%4]
	para[90] = "ACGT"[(strings.IndexByte("ACGT", para[90])+2)%4]
	iso := &isoforms{
		names: []string{"full", "skip2", "retained", "long3", "alt5", "para"},
		seqs: []string{
			e[0] + e[1] + e[2] + e[3] + e[4],
			e[0] + e[1] + e[3] + e[4],
			e[0] + e[1] + intron + e[2] + e[3] + e[4],
			e[0] + e[1] + e[2] + e[3] + e[4] + tail,
			head + e[1] + e[2] + e[3] + e[4],
			e[0] + e[1] + string(para) + e[3] + e[4],
		},
	}
	var fa strings.Builder
	for i, n := range iso.names {
		fmt.Fprintf(&fa, ">%s\n%s\n", n, iso.seqs[i])
	}
	path := filepath.Join(t.TempDir(), "iso.fa")
	if err := os.WriteFile(path, []byte(fa.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	x, err := index.Build(context.Background(), []string{path}, index.BuildOptions{K: testK})
	if err != nil {
		t.Fatal(err)
	}
	iso.idx, iso.ts = x, x.Transcripts()
	return iso
}

// bruteMate is the best placement of read s on transcript seq by trying
// every offset in both orientations (bases off the ends mismatch).
type brutePlace struct {
	start int
	fw    bool
	mm    int
}

func bruteMate(seq, s string) brutePlace {
	best := brutePlace{mm: 1 << 30}
	for _, fw := range []bool{true, false} {
		read := s
		if !fw {
			read = rc(s)
		}
		for start := -len(read) + 1; start < len(seq); start++ {
			mm := 0
			for i := 0; i < len(read); i++ {
				if j := start + i; j < 0 || j >= len(seq) || seq[j] != read[i] {
					mm++
				}
			}
			if mm < best.mm {
				best = brutePlace{start, fw, mm}
			}
		}
	}
	return best
}

// TestTranscriptsSequence: the sequences rebuilt from the contigs are the
// FASTA's.
func TestTranscriptsSequence(t *testing.T) {
	iso := newIsoforms(t)
	for tr, want := range iso.seqs {
		if got := iso.ts.Len(uint32(tr)); got != len(want) {
			t.Fatalf("%s: length %d, want %d", iso.names[tr], got, len(want))
		}
		var b strings.Builder
		for i := range want {
			b.WriteByte("ACGT"[iso.ts.Code(uint32(tr), i)])
		}
		if b.String() != want {
			t.Errorf("%s: rebuilt sequence differs", iso.names[tr])
		}
	}
}

// TestPlaceMatchesBruteForce samples fragments from every isoform (reads
// across junctions, at the ends, hanging off the end, both orientations,
// some with a sequencing error) and checks every Place against a brute
// force placement of each mate in each transcript's sequence, and that a
// transcript was dropped only for the reasons the package doc gives.
func TestPlaceMatchesBruteForce(t *testing.T) {
	iso := newIsoforms(t)
	full := NewMapper(iso.idx, Options{Transcripts: iso.ts})
	plain := NewMapper(iso.idx, Options{})
	r := rand.New(rand.NewPCG(1, 2))
	const readLen = 60
	checked := map[string]int{}
	for trial := 0; trial < 1200; trial++ {
		src := r.IntN(len(iso.seqs))
		seq := iso.seqs[src]
		fl := 80 + r.IntN(200)
		start := r.IntN(len(seq)-readLen) - 5 // may start before the transcript
		if start+fl > len(seq)+5 {
			fl = len(seq) + 5 - start
		}
		frag := []byte(strings.Repeat("A", 5) + seq + strings.Repeat("A", 5))[start+5 : start+5+fl]
		if r.IntN(3) == 0 { // a sequencing error
			i := r.IntN(len(frag))
			frag[i] = "ACGT"[(strings.IndexByte("ACGT", frag[i])+1)%4]
		}
		r1, r2 := string(frag[:min(readLen, fl)]), rc(string(frag[max(0, fl-readLen):]))
		single := r.IntN(4) == 0
		if r.IntN(2) == 0 {
			r1, r2 = r2, r1
		}
		var b2 []byte
		if !single {
			b2 = []byte(r2)
		}
		all := plain.Map([]byte(r1), b2)
		res := full.Map([]byte(r1), b2)
		if all.Reason != Aligned {
			continue
		}
		if res.Reason != Aligned || len(res.Places) != len(res.Targets) {
			t.Fatalf("trial %d: full model lost an aligned fragment (%v, %d places)", trial, res.Reason, len(res.Places))
		}
		union, _ := full.union(full.hits1, full.hits2)
		for _, tr := range all.Targets {
			if !slices.Contains(union, tr) {
				t.Fatalf("trial %d: kallisto's %s is not among the candidates %v", trial, iso.names[tr], union)
			}
		}
		// Brute force on every transcript of the unfiltered set.
		type want struct {
			mm          int
			fragLen     int
			room        int
			facing, ok1 bool
		}
		wants := map[uint32]want{}
		bestFacing, bestAny := 1<<30, 1<<30
		for _, tr := range union {
			tseq := iso.seqs[tr]
			l := len(tseq)
			a := bruteMate(tseq, r1)
			w := want{mm: a.mm}
			if single {
				if a.fw {
					w.room = l - clamp(a.start, l)
				} else {
					w.room = clamp(a.start+len(r1), l)
				}
			} else {
				b := bruteMate(tseq, r2)
				w.mm += b.mm
				if a.fw != b.fw {
					f, rv, rn := a, b, len(r2)
					if !a.fw {
						f, rv, rn = b, a, len(r1)
					}
					if lo, hi := clamp(f.start, l), clamp(rv.start+rn, l); hi > lo {
						w.fragLen, w.facing = hi-lo, true
					}
				}
			}
			wants[tr] = w
			bestAny = min(bestAny, w.mm)
			if w.facing {
				bestFacing = min(bestFacing, w.mm)
			}
		}
		anyFacing := bestFacing < 1<<30
		best := bestAny
		if anyFacing {
			best = bestFacing
		}
		for i, tr := range res.Targets {
			w, pl := wants[tr], res.Places[i]
			if w.mm > 6 {
				continue // a mate that cannot be placed counts its whole length
			}
			if int(pl.Mismatches) != w.mm || int(pl.FragLen) != w.fragLen || int(pl.Room) != w.room {
				t.Fatalf("trial %d (from %s, fl %d, single %v): on %s place %+v, brute force %+v",
					trial, iso.names[src], fl, single, iso.names[tr], pl, w)
			}
		}
		for _, tr := range union {
			w := wants[tr]
			kept := slices.Contains(res.Targets, tr)
			shouldKeep := (!anyFacing || w.facing) && w.mm-best <= MaxExtraMismatches
			if kept != shouldKeep {
				t.Fatalf("trial %d (from %s): %s kept=%v, want %v (%+v, best %d, facing anywhere %v)",
					trial, iso.names[src], iso.names[tr], kept, shouldKeep, w, best, anyFacing)
			}
			if !kept {
				checked["dropped"]++
			}
		}
		checked["fragments"]++
		if len(res.Targets) < len(all.Targets) {
			checked["sets narrowed"]++
		}
	}
	t.Logf("%v", checked)
	if checked["dropped"] == 0 || checked["fragments"] < 1000 {
		t.Errorf("the test exercised too little: %v", checked)
	}
}

// TestPlaceValidityAndOrphans: a read that shares only a k-mer or two with
// the index is no match (LowScore), where kallisto's rule aligns it; a pair
// whose second mate is such a read is aligned by its first mate alone
// (an orphan, with the room its read leaves rather than a fragment
// length).
func TestPlaceValidityAndOrphans(t *testing.T) {
	iso := newIsoforms(t)
	full := NewMapper(iso.idx, Options{Transcripts: iso.ts})
	plain := NewMapper(iso.idx, Options{})
	r := rand.New(rand.NewPCG(9, 9))
	src := iso.seqs[1] // skip2
	// 60 random bases around 31 bases of skip2: 29 mismatches at least.
	junk := []byte(randDNA(r, 15) + src[200:231] + randDNA(r, 14))
	if res := plain.Map(junk, nil); res.Reason != Aligned {
		t.Fatalf("kallisto's rule should align the junk read (%v)", res.Reason)
	}
	if res := full.Map(junk, nil); res.Reason != LowScore {
		t.Errorf("full model: junk read %v %v, want low_score", res.Reason, res.Targets)
	}
	good := []byte(src[400:460])
	res := full.Map(good, junk)
	if res.Reason != Aligned {
		t.Fatalf("pair with a junk mate: %v, want aligned as an orphan", res.Reason)
	}
	for i, pl := range res.Places {
		if pl.FragLen != 0 || pl.Room == 0 || pl.Mismatches != 0 {
			t.Errorf("orphan place on %s: %+v, want room, no fragment length, no mismatch", iso.names[res.Targets[i]], pl)
		}
	}
	if !slices.Contains(res.Targets, 1) {
		t.Errorf("orphan targets %v lack skip2", res.Targets)
	}
}
