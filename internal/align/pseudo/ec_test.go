package pseudo

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/gallisto/gallisto/internal/graph/index"
	"github.com/gallisto/gallisto/internal/input/fastq"
	"github.com/gallisto/gallisto/internal/simulate"
)

// simulated builds the index (k = 31) of a synthetic transcriptome and
// simulates pairs from it, returned as parsed batches of mates 1 and 2.
func simulated(tb testing.TB, to simulate.TranscriptomeOptions, ro simulate.ReadOptions) (*index.Index, *fastq.Batch, *fastq.Batch) {
	tb.Helper()
	tx := simulate.NewTranscriptome(to)
	fa := filepath.Join(tb.TempDir(), "tx.fa")
	f, err := os.Create(fa)
	if err != nil {
		tb.Fatal(err)
	}
	tx.WriteFASTA(f)
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	x, err := index.Build(context.Background(), []string{fa}, index.BuildOptions{K: 31})
	if err != nil {
		tb.Fatal(err)
	}
	var r1, r2 bytes.Buffer
	if _, err := tx.Reads(ro, &r1, &r2, false); err != nil {
		tb.Fatal(err)
	}
	var b1, b2 fastq.Batch
	if err := fastq.NewReader(&r1, "r1").Read(&b1, ro.Pairs); err != nil {
		tb.Fatal(err)
	}
	if err := fastq.NewReader(&r2, "r2").Read(&b2, ro.Pairs); err != nil {
		tb.Fatal(err)
	}
	return x, &b1, &b2
}

// TestECMatchesFindEC: the class Map reports without a table lookup (when
// the read's set equals one of the classes it was intersected from) is the
// one Index.FindEC gives for the set, for pairs and single reads, with and
// without the overhang and strand filters. The reads are simulated from
// 300 genes of up to 4 isoforms, with 1% errors so that reads also end up
// in sets that are no class of the index.
func TestECMatchesFindEC(t *testing.T) {
	const pairs = 5000
	x, b1, b2 := simulated(t,
		simulate.TranscriptomeOptions{Genes: 300, MaxIsoforms: 4, MinExon: 60, MaxExon: 400, ExonsPerGene: 5, Seed: 11},
		simulate.ReadOptions{Pairs: pairs, ReadLen: 75, FragMean: 200, FragSD: 30, ErrorRate: 0.01, Seed: 5, ExpressedFrac: 0.8})
	check := func(name string, i int, r Result) (known, multi bool) {
		if r.Reason != Aligned {
			return false, false
		}
		want := int32(-1)
		if ec, ok, _ := x.FindEC(r.Targets, nil); ok {
			want = int32(ec)
		}
		if r.EC != want {
			t.Fatalf("%s, pair %d: class %d for %v, FindEC gives %d", name, i, r.EC, r.Targets, want)
		}
		return r.EC >= 0, len(r.Targets) > 1
	}
	for _, tc := range []struct {
		name   string
		opt    Options
		single bool
	}{
		{"paired", Options{}, false},
		{"single", Options{}, true},
		{"single, -l 200", Options{MeanFragLen: 200}, true},
		{"fr-stranded", Options{Strand: FR}, false},
		{"strand auto", Options{BothStrands: true}, false},
	} {
		m := NewMapper(x, tc.opt)
		known, multi := 0, 0
		for i := 0; i < pairs; i++ {
			var r Result
			if tc.single {
				r = m.Map(b1.Seq(i), nil)
			} else {
				r = m.Map(b1.Seq(i), b2.Seq(i))
			}
			if r.FR != nil {
				check(tc.name+" (FR)", i, *r.FR)
				check(tc.name+" (RF)", i, *r.RF)
			}
			k, mu := check(tc.name, i, r)
			if k && mu {
				known++
			}
			if mu {
				multi++
			}
		}
		if known == 0 || multi == 0 {
			t.Errorf("%s: %d reads in multi-target classes, %d of them known classes; the test checks too little", tc.name, multi, known)
		}
	}
}
