package main

import (
	"fmt"

	"github.com/gallisto/gallisto/internal/estimate/genes"
	"github.com/gallisto/gallisto/internal/input/sheet"
	"github.com/gallisto/gallisto/internal/output/atomicfile"
	"github.com/gallisto/gallisto/internal/output/logfmt"
	"github.com/gallisto/gallisto/internal/study"
	"github.com/gallisto/gallisto/internal/study/merge"
	"github.com/spf13/cobra"
)

const mergeLong = `Merge finished quant folders (gallisto's or kallisto 0.48's) into
matrices with one row per transcript (or gene) and one column per sample.
Each FOLDER is a sample folder (holding abundance.tsv and run_info.json;
the sample is named after the folder) or a 'quant --batch' output folder
(its sample folders, in name order, or in the order of --sheet). Samples
must come from one index (the same target names and lengths).

Output directory (-o), written all at once, samples.tsv last:

  transcripts_est_counts.tsv  target_id, then each sample's est_counts
  transcripts_tpm.tsv         target_id, then each sample's tpm
  genes_est_counts.tsv        (with --genemap or --gtf) gene_id, then the
  genes_tpm.tsv               sum over the gene's transcripts per sample;
                              genes in order of first appearance in the
                              index, as in abundance.genes.tsv
  samples.tsv                 one row per sample: sample, n_processed,
                              n_pseudoaligned, p_pseudoaligned, n_unique,
                              p_unique, unaligned_<cause> (too_short,
                              too_many_n, no_kmer_match, mates_conflict,
                              overhang, strand_filter, low_score),
                              frag_length_mean, frag_length_sd,
                              frag_length_source (estimated or given),
                              library_strand (with "(auto)" when detected),
                              model, n_bootstraps, index_version, folder;
                              then the sheet's extra columns (condition, ...)

Values are printed as in abundance.tsv (6 significant digits); "NA" marks
what a kallisto run does not record. The matrices read straight into R
(read.delim(..., row.names = 1)) or pandas (read_csv(..., sep="\t",
index_col=0)).`

const mergeExample = `  # the folders of a batch run, with gene matrices
  gallisto merge -o merged --gtf genes.gtf.gz quant_out
  # three sample folders, in the order and with the columns of a sheet
  gallisto merge -o merged --sheet samples.tsv q/ctrl1 q/ctrl2 q/trt1`

func newMergeCmd() *cobra.Command {
	var out, geneMap, gtf, sheetPath string
	c := &cobra.Command{
		Use:     "merge -o DIR [flags] FOLDER...",
		Short:   "Merge samples' quant folders into transcript and gene matrices",
		Long:    mergeLong,
		Example: mergeExample,
		Args:    argsCheck(needFiles("sample folders (quant output folders, or a --batch output folder)")),
		RunE: func(c *cobra.Command, dirs []string) error {
			if out == "" {
				return usageError{errString("missing output directory: give one with -o")}
			}
			if geneMap != "" && gtf != "" {
				return usageError{errString("give --genemap or --gtf, not both")}
			}
			if err := atomicfile.CheckDir(out); err != nil {
				return err
			}
			m, err := loadGeneMap(geneMap, gtf)
			if err != nil {
				return err
			}
			st, err := loadStudy(dirs, sheetPath)
			if err != nil {
				return err
			}
			res, err := merge.Write(out, st, m)
			if err != nil {
				return err
			}
			log := c.ErrOrStderr()
			if res != nil && len(res.Unmapped) > 0 {
				fmt.Fprintf(log, "[genes] warning: %s of %s transcripts are not in the gene map (first: %s); each is reported as its own gene\n",
					logfmt.Num(int64(len(res.Unmapped))), logfmt.Num(int64(len(st.Samples[0].Tab.IDs))), res.UnmappedSample(3))
			}
			fmt.Fprintln(log, merge.Describe(st, out, m != nil))
			return nil
		},
	}
	f := c.Flags()
	f.StringVarP(&out, "output-dir", "o", "", "Directory to write the matrices to (required)")
	f.StringVar(&geneMap, "genemap", "", "transcript_id<TAB>gene_id table: also write gene matrices")
	f.StringVarP(&gtf, "gtf", "g", "", "GTF annotation (plain or .gz): also write gene matrices")
	f.StringVar(&sheetPath, "sheet", "", "Sample sheet: order the samples as it does and add its extra columns to samples.tsv")
	return c
}

// loadGeneMap loads --genemap or --gtf (nil when neither is given).
func loadGeneMap(geneMap, gtf string) (*genes.Map, error) {
	switch {
	case geneMap != "":
		return genes.Load(geneMap, false)
	case gtf != "":
		return genes.Load(gtf, true)
	}
	return nil, nil
}

// loadStudy loads the sample folders, with the sheet when given. The
// sheet's read files need not exist any more: merge reads only quant
// folders.
func loadStudy(dirs []string, sheetPath string) (*study.Study, error) {
	var sh *sheet.Sheet
	if sheetPath != "" {
		var err error
		if sh, err = sheet.Read(sheetPath, sheet.Options{NoFileCheck: true}); err != nil {
			return nil, err
		}
	}
	return study.Load(dirs, sh)
}
