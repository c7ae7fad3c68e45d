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
