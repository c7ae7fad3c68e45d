package pseudo

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/gallisto/gallisto/fastq"
	"github.com/gallisto/gallisto/index"
	"github.com/gallisto/gallisto/internal/simulate"
)

// BenchmarkMapBatch pseudoaligns a batch of 10,000 simulated 100-bp pairs
// (0.5% substitution errors, so that absent k-mers are looked up as in real
// data) against the index of a 2,000-gene synthetic transcriptome. Bytes
// are read bases.
func BenchmarkMapBatch(b *testing.B) {
	tx := simulate.NewTranscriptome(simulate.TranscriptomeOptions{Genes: 2000, MaxIsoforms: 4, MinExon: 60, MaxExon: 400, ExonsPerGene: 5, Seed: 7})
	dir := b.TempDir()
	fa := filepath.Join(dir, "tx.fa")
	f, err := os.Create(fa)
	if err != nil {
		b.Fatal(err)
	}
	tx.WriteFASTA(f)
	f.Close()
	x, err := index.Build(context.Background(), []string{fa}, index.BuildOptions{K: 31})
	if err != nil {
		b.Fatal(err)
	}
	var r1, r2 bytes.Buffer
	const pairs = 10000
	if _, err := tx.Reads(simulate.ReadOptions{Pairs: pairs, ReadLen: 100, FragMean: 250, FragSD: 40, ErrorRate: 0.005, Seed: 3, ExpressedFrac: 0.7}, &r1, &r2, false); err != nil {
		b.Fatal(err)
	}
	var b1, b2 fastq.Batch
	if err := fastq.NewReader(&r1, "r1").Read(&b1, pairs); err != nil {
		b.Fatal(err)
	}
	if err := fastq.NewReader(&r2, "r2").Read(&b2, pairs); err != nil {
		b.Fatal(err)
	}
	m := NewMapper(x, Options{})
	b.SetBytes(2 * 100 * pairs)
	b.ReportAllocs()
	for b.Loop() {
		for i := 0; i < pairs; i++ {
			m.Map(b1.Seq(i), b2.Seq(i))
		}
	}
}
