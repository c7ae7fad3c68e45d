// Command simreads writes a synthetic RNA-seq data set with a known answer
// (see package internal/simulate): transcripts.fa.gz, t2g.tsv,
// reads_1.fq.gz, reads_2.fq.gz and truth.tsv in the output directory;
// with -x, single-cell reads in that technology's layout instead
// (R1.fq.gz, R2.fq.gz, ... one per file of a read group), whitelist.txt.gz
// and truth_cells_x_genes.tsv (barcode, gene, molecules).
//
//	go run ./cmd/simreads -o /tmp/sim -pairs 100000 -seed 1 [-strand fr|rf]
//	go run ./cmd/simreads -o /tmp/sc -x 10xv3 -cells 500 -reads 10000000
//	go run ./cmd/simreads -o /tmp/sc -x 10xv3 -fasta tx.fa.gz -genemap t2g.tsv
//
// With -fasta (and -genemap, transcript<TAB>gene; without it each
// transcript is its own gene) the cDNA comes from that transcriptome,
// and transcripts.fa.gz / t2g.tsv are not written.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/gallisto/gallisto/internal/estimate/genes"
	"github.com/gallisto/gallisto/internal/input/fasta"
	"github.com/gallisto/gallisto/internal/input/technology"
	"github.com/gallisto/gallisto/internal/input/zio"
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
	tech := flag.String("x", "", "single-cell technology (kallisto's -x): simulate its reads")
	cellsN := flag.Int("cells", 500, "with -x: number of cells")
	reads := flag.Int("reads", 1000000, "with -x: number of reads (about)")
	whitelist := flag.Int("whitelist", 20000, "with -x: barcodes in the whitelist the cells are drawn from")
	fastaPath := flag.String("fasta", "", "with -x: draw cDNA from this transcriptome (FASTA, plain or gzip)")
	geneMap := flag.String("genemap", "", "with -fasta: transcript<TAB>gene map")
	flag.Parse()
	var err error
	if *tech != "" {
		var tx *simulate.Transcriptome
		if tx, err = loadTranscriptome(*fastaPath, *geneMap); err == nil {
			err = runCells(*out, tx, *genes, *tech, *cellsN, *reads, *whitelist, *readLen, *errRate, *seed)
		}
	} else {
		err = run(*out, *genes, *pairs, *readLen, *fragMean, *fragSD, *errRate, *strand, *seed)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}

// runCells writes a single-cell data set.
func runCells(out string, tx *simulate.Transcriptome, genes int, techName string, cells, reads, wlSize, readLen int, errRate float64, seed uint64) error {
	if out == "" {
		return fmt.Errorf("give an output directory with -o")
	}
	t, err := technology.Parse(techName, false)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if tx == nil {
		tx = simulate.NewTranscriptome(simulate.TranscriptomeOptions{Genes: genes, MaxIsoforms: 4, MinExon: 60, MaxExon: 400, ExonsPerGene: 5, Seed: seed})
		if err := writeReference(out, tx); err != nil {
			return err
		}
	}
	n := t.BarcodeLen()
	if n == 0 {
		n = 16
	}
	wl := simulate.Barcodes(wlSize, n, seed)
	if err := write(filepath.Join(out, "whitelist.txt.gz"), true, func(_ *atomicfile.File, w *gzip.Writer) error {
		for _, b := range wl {
			fmt.Fprintln(w, b)
		}
		return nil
	}); err != nil {
		return err
	}
	const perMolecule = 3.0
	mols := max(1, int(float64(reads)/float64(cells)/perMolecule))
	var files []*atomicfile.File
	var ws []io.Writer
	for i := 0; i < t.Files; i++ {
		f, err := atomicfile.Create(filepath.Join(out, fmt.Sprintf("R%d.fq.gz", i+1)))
		if err != nil {
			return err
		}
		defer f.Abort()
		files, ws = append(files, f), append(ws, f)
	}
	truth, err := tx.CellReads(simulate.CellOptions{Tech: t, Barcodes: wl, Cells: cells, MoleculesPerCell: mols, ReadsPerMolecule: perMolecule,
		ReadLen: readLen, ErrorRate: errRate, BarcodeErrors: 0.03, NoiseReads: 0.02, ThreePrime: true, Seed: seed}, ws, true)
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := f.Commit(); err != nil {
			return err
		}
	}
	return write(filepath.Join(out, "truth_cells_x_genes.tsv"), false, func(f *atomicfile.File, _ *gzip.Writer) error {
		fmt.Fprintln(f, "barcode\tgene\tmolecules")
		for c, bc := range truth.Barcodes {
			gs := make([]string, 0, len(truth.Molecules[c]))
			for g := range truth.Molecules[c] {
				gs = append(gs, g)
			}
			sort.Strings(gs)
			for _, g := range gs {
				fmt.Fprintf(f, "%s\t%s\t%d\n", bc, g, truth.Molecules[c][g])
			}
		}
		return nil
	})
}

// writeReference writes transcripts.fa.gz and t2g.tsv.
func writeReference(out string, tx *simulate.Transcriptome) error {
	if err := write(filepath.Join(out, "transcripts.fa.gz"), true, func(f *atomicfile.File, w *gzip.Writer) error { return tx.WriteFASTA(w) }); err != nil {
		return err
	}
	return write(filepath.Join(out, "t2g.tsv"), false, func(f *atomicfile.File, _ *gzip.Writer) error {
		for i, n := range tx.Names {
			fmt.Fprintf(f, "%s\t%s\n", n, tx.Genes[i])
		}
		return nil
	})
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
	if err := writeReference(out, tx); err != nil {
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

// loadTranscriptome reads a transcriptome for -fasta (nil without it).
func loadTranscriptome(path, geneMap string) (*simulate.Transcriptome, error) {
	if path == "" {
		if geneMap != "" {
			return nil, fmt.Errorf("-genemap needs -fasta")
		}
		return nil, nil
	}
	var m *genes.Map
	if geneMap != "" {
		var err error
		if m, err = genes.Load(geneMap, false); err != nil {
			return nil, err
		}
	}
	f, err := zio.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tx := &simulate.Transcriptome{}
	rd := fasta.NewReader(f, path)
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		name := string(rec.Name)
		gene := name
		if m != nil {
			g, ok := m.Gene[name]
			if !ok {
				return nil, fmt.Errorf("%s: transcript %s is not in %s", path, name, geneMap)
			}
			gene = g
		}
		tx.Names, tx.Genes = append(tx.Names, name), append(tx.Genes, gene)
		tx.Seqs = append(tx.Seqs, bytes.ToUpper(rec.Seq))
	}
	return tx, nil
}
