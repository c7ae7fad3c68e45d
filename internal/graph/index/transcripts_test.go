package index

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestTranscriptsParts: the rebuilt sequences equal the FASTA's (upper
// case; poly-A tails restored) whatever the number of parts the work is
// split into, on targets whose lengths put part boundaries inside words.
func TestTranscriptsParts(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 3))
	var seqs []string
	var fa strings.Builder
	shared := randSeq(r, 90)
	for i := 0; i < 23; i++ {
		s := randSeq(r, 20+r.IntN(150))
		if i%3 == 0 {
			s = shared + s // shared segments: contigs passed by several targets
		}
		if i%5 == 0 {
			s += strings.Repeat("A", 12) // clipped, then restored
		}
		seqs = append(seqs, s)
		fmt.Fprintf(&fa, ">t%d\n%s\n", i, s)
	}
	path := filepath.Join(t.TempDir(), "t.fa")
	os.WriteFile(path, []byte(fa.String()), 0o644)
	x, err := Build(context.Background(), []string{path}, BuildOptions{K: 11})
	if err != nil {
		t.Fatal(err)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 3, 5, 8} {
		runtime.GOMAXPROCS(procs)
		ts := x.Transcripts()
		for i, want := range seqs {
			var b strings.Builder
			for j := 0; j < ts.Len(uint32(i)); j++ {
				b.WriteByte("ACGT"[ts.Code(uint32(i), j)])
			}
			if b.String() != want {
				t.Fatalf("%d parts: target %d differs:\n got %s\nwant %s", procs, i, b.String(), want)
			}
		}
	}
}

func randSeq(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = "ACGT"[r.IntN(4)]
	}
	return string(b)
}

// TestContigSense: a contig marked SenseForward or SenseReverse has every
// transcript of its class passing through it that way, so a strand filter
// may keep all of a subset of the class or none (pseudo's strandFilter).
func TestContigSense(t *testing.T) {
	small, _ := smallIndex(t)
	sim, _ := benchIndex(t)
	for _, x := range []*Index{small, sim} {
		counts := map[uint8]int{}
		for c := 0; c < x.NumContigs(); c++ {
			s := x.ContigSense(uint32(c))
			counts[s]++
			if s == SenseMixed {
				continue
			}
			occ := x.Occurrences(uint32(c))
			for _, tr := range x.EC(x.ContigEC[c]) {
				found := false
				for _, o := range occ {
					if o.Tr() == tr {
						found = true
						if o.Sense() != (s == SenseForward) {
							t.Fatalf("contig %d: transcript %d passes against the contig's sense %d", c, tr, s)
						}
					}
				}
				if !found {
					t.Fatalf("contig %d: transcript %d of its class has no pass", c, tr)
				}
			}
		}
		t.Logf("%d contigs: %d mixed, %d forward, %d reverse", x.NumContigs(), counts[SenseMixed], counts[SenseForward], counts[SenseReverse])
	}
}
