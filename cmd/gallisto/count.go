package main

import (
	"fmt"

	"github.com/gallisto/gallisto/internal/estimate/cells"
	"github.com/gallisto/gallisto/internal/singlecell"
	"github.com/spf13/cobra"
)

const countLong = `From single-cell FASTQ files to a cells × genes matrix in one command: the
results of kallisto bus | bustools correct | bustools sort | bustools count
--genecounts (kallisto 0.48, bustools 0.42, as kb-python 0.27 chains them),
computed in one process without intermediate files.

Reads are pseudoaligned as 'gallisto bus' does (same -x, strand and lane
options). Each record's barcode is corrected against the whitelist (-w,
plain or gzip, one barcode per line): kept when listed, replaced by the one
listed barcode one substitution away, dropped when there is none or more
than one. Records are sorted and merged (in memory up to --max-memory,
beyond it in sorted runs spilled to the output directory); every barcode is
a row of the matrix; the records of one barcode and UMI are a molecule,
counted once for the gene its classes have in common (the transcript-to-
gene table -g maps the classes' transcripts), and not at all when they have
none or several in common.

Output directory (-o), the files appearing together when all are written:

  counts_unfiltered/cells_x_genes.mtx           MatrixMarket coordinate real
                        general, rows = barcodes, columns = genes, 1-based,
                        by row then column (bustools count's file)
  counts_unfiltered/cells_x_genes.barcodes.txt  one barcode per row
  counts_unfiltered/cells_x_genes.genes.txt     one gene id per column, in
                        order of first appearance in the t2g table
  counts_unfiltered/cells_x_genes.h5ad          the same matrix as AnnData
                        (obs = barcodes, var = gene_id; read with
                        anndata.read_h5ad or scanpy)
  run_info.json         kallisto bus's keys, then gallisto_version,
                        technology, n_unaligned, n_records_on_whitelist,
                        n_records_corrected, n_records_dropped, n_barcodes,
                        n_barcodes_with_counts, n_molecules,
                        n_molecules_counted, median_genes_per_barcode, n_genes
  with --keep-bus also output.bus (kallisto bus's, unsorted, uncorrected),
  output.unfiltered.bus (corrected, sorted, merged: kb's file), matrix.ec and
  transcripts.txt

The t2g table (-g) has the transcript and the gene as its first two
columns (white-space separated, later columns ignored), and must list every
transcript of the index. Results do not depend on -t.`

const countExample = `  # 10x v3, whitelist from Cell Ranger, t2g from kb ref or a GTF
  gallisto count -i index.idx -x 10xv3 -w 3M-february-2018.txt.gz -g t2g.tsv -o out -t 4 R1.fastq.gz R2.fastq.gz
  # then, in Python:  import anndata; a = anndata.read_h5ad("out/counts_unfiltered/cells_x_genes.h5ad")`

func newCountCmd() *cobra.Command {
	f := &busFlags{}
	var o singlecell.CountOptions
	var maxMem string // --max-memory as given, for messages
	c := &cobra.Command{
		Use:     "count -i INDEX -x TECHNOLOGY -w WHITELIST -g T2G -o DIR [flags] FASTQ-files...",
		Short:   "Count molecules per cell and gene (kallisto bus + bustools, in one)",
		Long:    countLong,
		Example: countExample,
		RunE: func(c *cobra.Command, files []string) error {
			if len(files) == 0 {
				return usageError{errString("missing read files")}
			}
			if o.Whitelist == "" {
				return usageError{errString("missing whitelist: give one with -w")}
			}
			if o.T2G == "" {
				return usageError{errString("missing transcript-to-gene table: give one with -g")}
			}
			bo, err := f.options(c, files)
			if err != nil {
				return err
			}
			o.Options = *bo
			if o.MaxMemory != 0 && o.MaxMemory < cells.MinBudget {
				return usageError{fmt.Errorf("--max-memory %s is below the %d MiB the sort needs", maxMem, cells.MinBudget>>20)}
			}
			return singlecell.RunCount(c.Context(), &o)
		},
	}
	f.register(c)
	fl := c.Flags()
	fl.StringVarP(&o.Whitelist, "whitelist", "w", "", "Barcode whitelist, one barcode per line, plain or gzip, e.g. 10x's 3M-february-2018.txt.gz for 10xv3 (required)")
	fl.StringVarP(&o.T2G, "genemap", "g", "", "Transcript-to-gene table, e.g. t2g.txt: transcript and gene in the first two columns, every transcript of the index (required)")
	fl.Var(byteSize{p: &o.MaxMemory, text: &maxMem}, "max-memory", "Memory for sorting records, with a unit K, M, G or T, e.g. --max-memory 4G (default 2G, at least 64M): beyond it sorted runs are spilled to -o and merged; the matrix is the same")
	fl.BoolVar(&o.KeepBus, "keep-bus", false, "Also write output.bus, output.unfiltered.bus, matrix.ec and transcripts.txt")
	return c
}
