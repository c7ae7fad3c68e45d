package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/gallisto/gallisto/internal/align/pseudo"
	"github.com/gallisto/gallisto/internal/input/technology"
	"github.com/gallisto/gallisto/internal/output/progress"
	"github.com/gallisto/gallisto/internal/quant"
	"github.com/gallisto/gallisto/internal/singlecell"
	"github.com/spf13/cobra"
)

const busLong = `Pseudoalign single-cell reads into a BUS file for bustools, as 'kallisto
bus' does (kallisto 0.48): one record per pseudoaligned read, holding the
read's cell barcode, UMI and equivalence class.

The technology (-x) says which read holds what (gallisto bus --list shows
kallisto's table): 10xv1, 10xv2, 10xv3, Visium, SureCell, DropSeq,
inDropsv1/2/3, CELSeq, CELSeq2, SPLiT-seq, SCRBSeq, BDWTA, SmartSeq3, Bulk,
or a custom string bc:umi:seq of file,start,stop triples (0-based files,
half-open ranges, stop 0 = to the end of the read), e.g. 0,0,16:0,16,26:1,0,0
for 10xv2's layout. Several lanes are given as several groups of the
technology's files, in order (10xv2: R1 R2 R1' R2' ...). Each technology's
default strand is kallisto's (10x, Visium, SureCell, CELSeq, BDWTA and
SmartSeq3: --fr-stranded; the others and custom strings: --unstranded).

Output directory (-o), the files appearing together when all are written:

  output.bus       BUS format version 1: a 20-byte header plus the text "BUS
                   file produced by kallisto", then 32-byte records (barcode
                   and UMI 2 bits per base, equivalence class, count 1, flags:
                   where the barcode and UMI held an N, or with -n the read's
                   number), one per pseudoaligned read, in input order
                   (unsorted, as kallisto's; run bustools sort)
  matrix.ec        the equivalence classes: number, tab, transcripts (0-based,
                   comma-separated); the index's classes, then new ones in
                   order of first appearance
  transcripts.txt  the transcript names in index order
  run_info.json    kallisto's keys (n_processed counts every read,
                   n_pseudoaligned every read with a record), then
                   gallisto_version, technology, n_unaligned (by cause, and
                   too_short_for_barcode_or_umi: reads skipped as kallisto
                   skips them)
  flens.txt        (paired technologies) fragment length histogram, 0..999

Results do not depend on -t. Unlike kallisto 0.48, run_info.json holds the
true n_targets and index_version (kallisto writes 0) and counts the reads of
new classes in n_pseudoaligned.`

const busExample = `  # 10x Chromium v3, two lanes, then bustools
  gallisto bus -i index.idx -o out -x 10xv3 -t 4 L1_R1.fq.gz L1_R2.fq.gz L2_R1.fq.gz L2_R2.fq.gz
  bustools sort -o out/sorted.bus out/output.bus
  # a custom layout: 12-base barcode and 8-base UMI in read 1, cDNA in read 2
  gallisto bus -i index.idx -o out -x 0,0,12:0,12,20:1,0,0 R1.fq.gz R2.fq.gz
  # the whole chain in one command instead:
  gallisto count -i index.idx -x 10xv3 -w 3M-february-2018.txt.gz -g t2g.tsv -o out R1.fq.gz R2.fq.gz`

// busFlags are the flags bus and count share.
type busFlags struct {
	o          singlecell.Options
	fr, rf, un bool
	list       bool
}

func (f *busFlags) register(c *cobra.Command) {
	fl := c.Flags()
	fl.SortFlags = false
	fl.StringVarP(&f.o.Index, "index", "i", "", "Index file, made by 'gallisto index' (required)")
	fl.StringVarP(&f.o.OutDir, "output-dir", "o", "", "Directory to write the output files to; created if missing (required)")
	fl.StringVarP(&f.o.Technology, "technology", "x", "", "Technology, e.g. -x 10xv3 (--list shows them), or a custom bc:umi:seq string such as 0,0,16:0,16,28:1,0,0 (required)")
	fl.BoolVarP(&f.list, "list", "l", false, "List the technologies -x takes, with their read layouts")
	fl.IntVarP(&f.o.Threads, "threads", "t", 1, "Number of threads (cores) to use; the output does not depend on it")
	fl.BoolVar(&f.fr, "fr-stranded", false, "cDNA read on the transcript's strand (without a strand option each technology has kallisto 0.48's default, which the log names)")
	fl.BoolVar(&f.rf, "rf-stranded", false, "cDNA read on the opposite strand")
	fl.BoolVar(&f.un, "unstranded", false, "No strand filter (default for Bulk and SmartSeq3)")
	fl.BoolVar(&f.o.Paired, "paired", false, "Treat reads as paired (Bulk, or a custom string with two cDNA segments)")
	fl.StringVarP(&f.o.Tag, "tag", "T", "", "5' tag sequence before the UMI (SmartSeq3's default: "+technology.SmartSeq3Tag+")")
}

// options completes the options from the flags; a usage mistake is a
// usageError.
func (f *busFlags) options(c *cobra.Command, files []string) (*singlecell.Options, error) {
	if msg := quant.ThreadsUsage(f.o.Threads); msg != "" {
		return nil, usageError{errString(msg)}
	}
	n := 0
	for _, b := range []bool{f.fr, f.rf, f.un} {
		if b {
			n++
		}
	}
	if n > 1 {
		return nil, usageError{errString("--fr-stranded, --rf-stranded and --unstranded are mutually exclusive")}
	}
	switch {
	case f.fr:
		f.o.Strand, f.o.StrandSet = pseudo.FR, true
	case f.rf:
		f.o.Strand, f.o.StrandSet = pseudo.RF, true
	case f.un:
		f.o.Strand, f.o.StrandSet = pseudo.Unstranded, true
	}
	if f.o.Technology == "" {
		return nil, usageError{errString("missing technology: give one with -x (gallisto bus --list shows them)")}
	}
	t, err := technology.Parse(f.o.Technology, f.o.Paired)
	if err != nil {
		return nil, usageError{err}
	}
	if len(files)%t.Files != 0 {
		return nil, usageError{fmt.Errorf("technology %s reads %d files per group, got %d files (give each lane's %d files in order)", t.Name, t.Files, len(files), t.Files)}
	}
	if f.o.Threads >= 1 {
		runtime.GOMAXPROCS(f.o.Threads)
	}
	f.o.Files = files
	f.o.Call = strings.Join(os.Args, " ")
	f.o.StartTime = time.Now()
	f.o.Log = c.ErrOrStderr()
	f.o.Progress = progress.New(f.o.Log) // nil unless a terminal
	return &f.o, nil
}

func newBusCmd() *cobra.Command {
	f := &busFlags{}
	c := &cobra.Command{
		Use:     "bus -i INDEX -o DIR -x TECHNOLOGY [flags] FASTQ-files...",
		Short:   "Generate BUS files for single-cell data",
		Long:    busLong,
		Example: busExample,
		RunE: func(c *cobra.Command, files []string) error {
			if f.list {
				fmt.Fprint(c.OutOrStdout(), technology.List())
				return nil
			}
			if f.o.Batch != "" {
				if f.o.Technology != "" || len(files) > 0 {
					return usageError{errString("-B takes its read files from the batch file: give neither -x nor read files")}
				}
				f.o.Technology = "bulk" // only to pass the options' checks
				o, err := f.options(c, nil)
				if err != nil {
					return err
				}
				o.Technology = ""
				return singlecell.RunBus(c.Context(), o)
			}
			if len(files) == 0 {
				return usageError{errString("missing read files")}
			}
			o, err := f.options(c, files)
			if err != nil {
				return err
			}
			return singlecell.RunBus(c.Context(), o)
		},
	}
	f.register(c)
	c.Flags().BoolVarP(&f.o.Num, "num", "n", false, "Put each read's number (0-based, over all files) in the record's flags column instead of 0")
	c.Flags().StringVarP(&f.o.Batch, "batch", "B", "", "Batch file of samples, \"id R1 [R2]\" per line (Smart-seq2 plates, bulk samples): barcode = sample number; no -x, no read files")
	return c
}
