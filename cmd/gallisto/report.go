package main

import (
	"fmt"
	"io"
	"time"

	"github.com/gallisto/gallisto/internal/output/atomicfile"
	"github.com/gallisto/gallisto/internal/quant"
	"github.com/gallisto/gallisto/internal/study/report"
	"github.com/spf13/cobra"
)

const reportLong = `Write one self-contained HTML page about many samples, for a person to
look at: no network access, inline CSS and SVG (a few lines of script add
tooltips only). FOLDERs are as for 'gallisto merge': sample folders or a
'quant --batch' output folder; --sheet orders the samples and colours
the PCA by the sheet's first extra column (condition, ...).

Sections, every sample named:
  Samples              reads processed, % pseudoaligned, % in one
                       transcript, fragment length mean ± sd, library
                       strand (and whether --strand auto chose it), model,
                       the sheet's columns
  Reads by outcome     one bar per sample: one transcript, several, and
                       each cause of not aligning (n_unaligned)
  Library sizes        reads processed per sample
  Fragment lengths     each sample's distribution (10-base bins)
  Correlation          Pearson correlation heatmap of log2(TPM + 1)
  Principal components PC1 vs PC2 of log2(TPM + 1), 500 most variable
                       transcripts (genes with --genemap/--gtf)
  Most expressed       top 25 transcripts (and genes) by mean TPM

Readable from 1200 pixels wide; prints on A4.`

func newReportCmd() *cobra.Command {
	var out, geneMap, gtf, sheetPath, title string
	c := &cobra.Command{
		Use:     "report -o report.html [flags] FOLDER...",
		Short:   "Write an HTML report about many samples' quant folders",
		Long:    reportLong,
		Example: "  gallisto report -o report.html --sheet samples.tsv --gtf genes.gtf.gz quant_out",
		Args:    argsCheck(needFiles("sample folders (quant output folders, or a --batch output folder)")),
		RunE: func(c *cobra.Command, dirs []string) error {
			if out == "" {
				return usageError{errString("missing output file: give one with -o (for example -o report.html)")}
			}
			if geneMap != "" && gtf != "" {
				return usageError{errString("give --genemap or --gtf, not both")}
			}
			if err := atomicfile.CheckCreate(out); err != nil {
				return err
			}
			logThrough(c, out)
			m, err := loadGeneMap(geneMap, gtf)
			if err != nil {
				return err
			}
			st, err := loadStudy(dirs, sheetPath)
			if err != nil {
				return err
			}
			o := report.Options{GeneMap: m, Title: title, Now: time.Now(), Version: quant.GallistoVersion}
			if err := atomicfile.Write(out, func(w io.Writer) error { return report.Write(w, st, o) }); err != nil {
				return err
			}
			fmt.Fprintf(c.ErrOrStderr(), "[report] %d samples -> %s\n", len(st.Samples), out)
			return nil
		},
	}
	f := c.Flags()
	f.StringVarP(&out, "output", "o", "", "The HTML file to write (required)")
	f.StringVar(&sheetPath, "sheet", "", "Sample sheet: sample order and the columns shown (first extra column colours the PCA)")
	f.StringVar(&geneMap, "genemap", "", "transcript_id<TAB>gene_id table: gene-level PCA and top genes")
	f.StringVarP(&gtf, "gtf", "g", "", "GTF annotation (plain or .gz): gene-level PCA and top genes")
	f.StringVar(&title, "title", "", "Page title (default: \"gallisto report: N samples\")")
	return c
}
