package index

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/gallisto/gallisto/internal/graph/kmer"
	"github.com/gallisto/gallisto/internal/simulate"
)

// benchIndex builds an index of a synthetic transcriptome of 2,000 genes
// (about 3 million k-mers: large enough that lookups leave the caches).
func benchIndex(b testing.TB) (*Index, *simulate.Transcriptome) {
	b.Helper()
	tx := simulate.NewTranscriptome(simulate.TranscriptomeOptions{Genes: 2000, MaxIsoforms: 4, MinExon: 60, MaxExon: 400, ExonsPerGene: 5, Seed: 7})
	dir := b.TempDir()
	fa := filepath.Join(dir, "tx.fa")
	f, err := os.Create(fa)
	if err != nil {
		b.Fatal(err)
	}
	tx.WriteFASTA(f)
	f.Close()
	x, err := Build(context.Background(), []string{fa}, BuildOptions{K: 31})
	if err != nil {
		b.Fatal(err)
	}
	return x, tx
}

// BenchmarkLookup measures dictionary lookups of k-mers drawn from the
// transcripts (hits) and of random k-mers (misses, most rejected by the
// Bloom filter).
func BenchmarkLookup(b *testing.B) {
	x, tx := benchIndex(b)
	r := rand.New(rand.NewPCG(1, 2))
	const n = 1 << 16
	hits := make([]kmer.Kmer, n)
	misses := make([]kmer.Kmer, n)
	for i := range hits {
		s := tx.Seqs[r.IntN(len(tx.Seqs))]
		p := r.IntN(len(s) - 31)
		km, _ := x.Shape.FromBytes(s[p:])
		hits[i], _ = x.Shape.Canonical(km)
		misses[i], _ = x.Shape.Canonical(kmer.Kmer(r.Uint64() >> 2))
	}
	for _, bc := range []struct {
		name string
		kms  []kmer.Kmer
	}{{"hit", hits}, {"miss", misses}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				x.Dict.Lookup(bc.kms[i&(n-1)])
				i++
			}
		})
	}
}
