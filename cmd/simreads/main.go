// Command simreads writes a small synthetic RNA-seq data set with a known
// answer (see package internal/simulate): transcripts.fa.gz, t2g.tsv,
// reads_1.fq.gz, reads_2.fq.gz and truth.tsv in the output directory.
//
//	go run ./cmd/simreads -o /tmp/sim -pairs 100000 -seed 1 [-strand fr|rf]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gallisto/gallisto/internal/output/atomicfile"
	"github.com/gallisto/gallisto/internal/simulate"
	"github.com/klauspost/compress/gzip"
)

func main() {
	out := flag.String("o", "", "output directory (required)")
	genes := flag.Int("genes", 300, "number of genes")
	pairs := flag.Int("pairs", 100000, "number of read pairs")
	readLen := flag.Int("readlen", 75, "read length")
	fragMean := flag.Float64("frag-mean", 200, "mean fragment length")
	fragSD := flag.Float64("frag-sd", 30, "fragment length standard deviation")
	errRate := flag.Float64("error-rate", 0.002, "per-base substitution rate")
	strand := flag.String("strand", "unstranded", "library: unstranded, fr or rf")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if err := run(*out, *genes, *pairs, *readLen, *fragMean, *fragSD, *errRate, *strand, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}

func run(out string, genes, pairs, readLen int, fragMean, fragSD, errRate float64, strand string, seed uint64) error {
	if out == "" {
		return fmt.Errorf("give an output directory with -o")
	}
	st := map[string]simulate.Strandedness{"unstranded": simulate.Unstranded, "fr": simulate.FR, "rf": simulate.RF}
	s, ok := st[strand]
	if !ok {
		return fmt.Errorf("unknown -strand %q (unstranded, fr or rf)", strand)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	tx := simulate.NewTranscriptome(simulate.TranscriptomeOptions{Genes: genes, MaxIsoforms: 4, MinExon: 60, MaxExon: 400, ExonsPerGene: 5, Seed: seed})
	if err := write(filepath.Join(out, "transcripts.fa.gz"), true, func(f *atomicfile.File, w *gzip.Writer) error { return tx.WriteFASTA(w) }); err != nil {
		return err
	}
	if err := write(filepath.Join(out, "t2g.tsv"), false, func(f *atomicfile.File, _ *gzip.Writer) error {
		for i, n := range tx.Names {
			fmt.Fprintf(f, "%s\t%s\n", n, tx.Genes[i])
		}
		return nil
	}); err != nil {
		return err
	}
	f1, err := atomicfile.Create(filepath.Join(out, "reads_1.fq.gz"))
	if err != nil {
		return err
	}
	defer f1.Abort()
	f2, err := atomicfile.Create(filepath.Join(out, "reads_2.fq.gz"))
	if err != nil {
		return err
	}
	defer f2.Abort()
	truth, err := tx.Reads(simulate.ReadOptions{Pairs: pairs, ReadLen: readLen, FragMean: fragMean, FragSD: fragSD, ErrorRate: errRate, Strand: s, Seed: seed, ExpressedFrac: 0.7}, f1, f2, true)
	if err != nil {
		return err
	}
	if err := f1.Commit(); err != nil {
		return err
	}
	if err := f2.Commit(); err != nil {
		return err
	}
	return write(filepath.Join(out, "truth.tsv"), false, func(f *atomicfile.File, _ *gzip.Writer) error {
		fmt.Fprintln(f, "target_id\ttrue_count")
		for i, n := range tx.Names {
			fmt.Fprintf(f, "%s\t%d\n", n, truth[i])
		}
		return nil
	})
}

func write(path string, gz bool, fill func(*atomicfile.File, *gzip.Writer) error) error {
	f, err := atomicfile.Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	var zw *gzip.Writer
	if gz {
		zw = gzip.NewWriter(f)
	}
	if err := fill(f, zw); err != nil {
		return err
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return err
		}
	}
	return f.Commit()
}
