package pseudo

import (
	"os"
	"testing"

	"github.com/gallisto/gallisto/internal/graph/index"
	"github.com/gallisto/gallisto/internal/input/fastq"
	"github.com/gallisto/gallisto/internal/input/zio"
	"github.com/gallisto/gallisto/internal/simulate"
)

// BenchmarkMapBatch pseudoaligns a batch of 10,000 simulated 100-bp pairs
// (0.5% substitution errors, so that absent k-mers are looked up as in real
// data) against the index of a 2,000-gene synthetic transcriptome. Bytes
// are read bases.
func BenchmarkMapBatch(b *testing.B) {
	const pairs = 10000
	x, b1, b2 := simulated(b,
		simulate.TranscriptomeOptions{Genes: 2000, MaxIsoforms: 4, MinExon: 60, MaxExon: 400, ExonsPerGene: 5, Seed: 7},
		simulate.ReadOptions{Pairs: pairs, ReadLen: 100, FragMean: 250, FragSD: 40, ErrorRate: 0.005, Seed: 3, ExpressedFrac: 0.7})
	m := NewMapper(x, Options{})
	b.SetBytes(2 * 100 * pairs)
	b.ReportAllocs()
	for b.Loop() {
		for i := 0; i < pairs; i++ {
			m.Map(b1.Seq(i), b2.Seq(i))
		}
	}
}

// BenchmarkMapLargeIndex pseudoaligns the first 200,000 pairs of
// $GALLISTO_BENCH_R1/$GALLISTO_BENCH_R2 against the index
// $GALLISTO_BENCH_INDEX, for instance the human-sized set of bench/
// (~/.cache/gallisto-bench/work/human-10M/gallisto/index.idx and
// sets/human-10M/reads_{1,2}.fq.gz). On an index much larger than the CPU
// caches, lookups wait on memory, which the small benchmark above cannot
// show. Skipped unless the variables are set.
func BenchmarkMapLargeIndex(b *testing.B) {
	b.Run("paired", func(b *testing.B) { benchLargeIndex(b, false) })
	b.Run("single", func(b *testing.B) { benchLargeIndex(b, true) })
}

// benchLargeIndex is BenchmarkMapLargeIndex, for pairs or for the first
// mates alone as single reads.
func benchLargeIndex(b *testing.B, single bool) {
	path, p1, p2 := os.Getenv("GALLISTO_BENCH_INDEX"), os.Getenv("GALLISTO_BENCH_R1"), os.Getenv("GALLISTO_BENCH_R2")
	if path == "" || p1 == "" || p2 == "" {
		b.Skip("set GALLISTO_BENCH_INDEX, GALLISTO_BENCH_R1 and GALLISTO_BENCH_R2")
	}
	x, err := index.Load(path)
	if err != nil {
		b.Fatal(err)
	}
	const pairs = 200000
	var bs [2]fastq.Batch
	for i, p := range []string{p1, p2} {
		f, err := zio.Open(p)
		if err != nil {
			b.Fatal(err)
		}
		if err := fastq.NewReader(f, p).Read(&bs[i], pairs); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
	n := min(bs[0].Len(), bs[1].Len())
	m := NewMapper(x, Options{})
	if single {
		b.SetBytes(int64(len(bs[0].Seq(0)) * n))
	} else {
		b.SetBytes(int64(len(bs[0].Seq(0)) * 2 * n))
	}
	b.ReportAllocs()
	for b.Loop() {
		for i := 0; i < n; i++ {
			if !single {
				m.Map(bs[0].Seq(i), bs[1].Seq(i))
				continue
			}
			m.Map(bs[0].Seq(i), nil)
		}
	}
}

// BenchmarkMapStranded maps the second mates alone with the FR strand
// filter, as gallisto bus maps 10x cDNA reads (--fr-stranded).
func BenchmarkMapStranded(b *testing.B) {
	const pairs = 10000
	x, _, b2 := simulated(b,
		simulate.TranscriptomeOptions{Genes: 2000, MaxIsoforms: 4, MinExon: 60, MaxExon: 400, ExonsPerGene: 5, Seed: 7},
		simulate.ReadOptions{Pairs: pairs, ReadLen: 90, FragMean: 250, FragSD: 40, ErrorRate: 0.005, Seed: 3, ExpressedFrac: 0.7})
	m := NewMapper(x, Options{Strand: RF}) // read 2 runs against the transcript
	b.SetBytes(90 * pairs)
	b.ReportAllocs()
	for b.Loop() {
		for i := 0; i < pairs; i++ {
			m.Map(b2.Seq(i), nil)
		}
	}
}
