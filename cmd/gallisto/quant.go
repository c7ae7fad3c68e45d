package main

import (
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/gallisto/gallisto/internal/align/pseudo"
	"github.com/gallisto/gallisto/internal/input/sheet"
	"github.com/gallisto/gallisto/internal/output/progress"
	"github.com/gallisto/gallisto/internal/quant"
	"github.com/spf13/cobra"
)

const quantLong = `Quantify transcript abundances from RNA-seq reads (FASTQ or FASTA, plain or
gzip-compressed). Paired-end reads are given as R1 R2 (several pairs may
follow each other: R1 R2 R1' R2'); single-end reads need --single with the
fragment length mean and standard deviation (-l, -s). With paired-end reads
the fragment length distribution is estimated from the first 10,000 pairs
that align to a single transcript, whatever the number of threads.

Output directory (-o), written atomically, file by file:

  abundance.tsv   one line per transcript, in index order, tab-separated:
                    1. target_id    transcript name
                    2. length       transcript length (FASTA length)
                    3. eff_length   effective length: length minus the mean
                                    fragment length that fits in it, plus 1
                    4. est_counts   expected number of fragments (EM estimate)
                    5. tpm          transcripts per million:
                                    1e6 * (est_counts/eff_length) / sum over all
  run_info.json   n_targets, n_bootstraps, n_processed (reads or pairs),
                  n_pseudoaligned, n_unique (in single-transcript classes),
                  p_pseudoaligned, p_unique (percent), kallisto_version,
                  index_version, start_time, call; then gallisto's own keys:
                  gallisto_version, model (kallisto or full), n_unaligned
                  (unaligned reads by cause: too_short, too_many_n,
                  no_kmer_match, mates_conflict, overhang, strand_filter,
                  and with --model full low_score), and with --strand auto "strand":
                  mode, chosen (fr, rf, unstranded or undetermined),
                  fragments_fr/_rf/_neither, fraction_fr and its 99.9%
                  interval (fraction_fr_99.9_low/_high), reason;
                  library_strand (the filter used: unstranded, fr or rf),
                  fragment_length (mean, sd, source "estimated" with the
                  number of pairs and hist_10bp, their counts in 10-base
                  bins, or "given" by -l/-s)
  abundance.h5    (unless --plaintext) kallisto's HDF5 file, read by sleuth
                  and tximport: est_counts, aux/ids, lengths, eff_lengths,
                  num_processed, num_bootstrap, call, start_time,
                  index_version, kallisto_version, fld (fragment length
                  histogram; with -l/-s the truncated normal spread over
                  10,000 fragments), bias_observed and bias_normalized (all
                  1 without --bias), bootstrap/bs0.. (est_counts of each
                  bootstrap). 'gallisto h5dump' turns it into text.
  bs_abundance_N.tsv  (with --plaintext and -b) bootstrap N as abundance.tsv
                  (eff_length is the main run's, as kallisto writes it)
  abundance.genes.tsv  (with --genemap or --gtf) one line per gene, in order
                  of first appearance in the index, tab-separated:
                    1. gene_id
                    2. length       TPM-weighted mean transcript length
                    3. eff_length   TPM-weighted mean effective length
                    4. est_counts   sum over the gene's transcripts
                    5. tpm          sum over the gene's transcripts
                  (tximport's summarizeToGene; genes with tpm 0 get plain
                  means). Transcripts missing from the map are reported as
                  genes of their own, with a warning giving their number.

Bootstraps (-b N) resample the equivalence-class counts (multinomial) and
rerun the EM on each sample, with effective lengths from the fragment
length distribution; bootstrap b draws from its own generator seeded by
--seed and b, so results do not depend on -t.

--model full (default: --model kallisto, kallisto 0.48's numbers) trades
some speed for accuracy. Every fragment is placed on each transcript it may
come from: its mismatches against the transcript's sequence, the fragment
length its mates imply there (or, for a single read, the room it leaves).
Transcripts that need two or more mismatches more than the best one, or on
which the mates do not face each other, are dropped; candidates come from
every transcript the read's k-mers meet, so an erroneous k-mer that a
paralog holds no longer hides the true transcript. The likelihood is
RSEM's (fragment length, start position, one factor of (e/3)/(1-e) per
extra mismatch, e = 1%), grouped into salmon's range-factorized classes,
and estimated by variational Bayes (prior 0.01 per transcript, salmon's
default). Reads no transcript matches with fewer than 11.7% mismatches
are left unaligned (n_unaligned low_score). On simulations of real
transcriptomes it is as accurate as salmon 1.10 and faster than kallisto;
run_info.json records "model". Works with every other option.

--bias corrects effective lengths for sequence-specific bias as kallisto
does, from the 5' hexamers of the first 1,000,000 aligned fragments.

--strand auto decides the library type from the first 100,000 fragments
that align to one transcript: FR when at least 80% of the informative ones
fit --fr-stranded, RF when at most 20% do, unstranded between 30% and 70%,
with the whole 99.9% confidence interval inside the range and at least 100
informative fragments; otherwise "undetermined" (quantified unstranded,
with a warning). The call, the counts and the interval are logged and
written to run_info.json. Results equal those of the explicit option.

Progress goes to standard error in kallisto's format, so MultiQC's kallisto
module reads gallisto logs. Results do not depend on -t.

Checks kallisto does not make: paired files must hold the same number of
reads with matching names (after removing /1, /2 and comments;
--no-name-check skips the name test), and malformed records are refused with
their file and line.

Reads may come from standard input, named -, and paired reads from one file
holding both mates (--interleaved):

  zcat R.fq.gz | gallisto quant -i transcripts.idx -o out --single -l 200 -s 20 -
  gallisto quant -i transcripts.idx -o out --interleaved pairs.fq.gz
  seqtk mergepe R1.fq.gz R2.fq.gz | gallisto quant -i transcripts.idx -o out --interleaved -

Many samples (--batch SHEET): one process, the index loaded once, each
sample into -o/SAMPLE with the files a separate quant of it writes, byte
for byte (run_info.json's and abundance.h5's call and start time aside).
The sheet is tab-separated with a header: sample, r1, r2 (paired-end) or
sample, r1, l, s (single-end; without l and s, -l and -s apply); several
rows with one name are lanes of one sample; relative paths are read from
the sheet's folder; other columns (condition, ...) are kept for 'gallisto
merge' and 'gallisto report'. Every row is checked before any read is:

  sample	r1	r2	condition
  ctrl1	reads/ctrl1_R1.fq.gz	reads/ctrl1_R2.fq.gz	control
  ctrl1	reads/ctrl1_L2_R1.fq.gz	reads/ctrl1_L2_R2.fq.gz	control
  trt1	reads/trt1_R1.fq.gz	reads/trt1_R2.fq.gz	treated

Samples whose folder holds a finished run are skipped (--force redoes
them); the first failing sample stops the run, leaving none of its files
and keeping the samples finished before it. While a sample's EM and
files are made, the next sample's reads are aligned; the log holds each
sample's lines as one block, as separate runs' logs would.

Outputs appear only when the run succeeds, all at once, run_info.json last:
a failed or interrupted run (Ctrl-C, SIGTERM, a full disk) leaves earlier
results as they were and no new file. Temporary files (.NAME.tmp-*) of a
killed run (SIGKILL) are removed by the next run into the same directory;
two runs cannot write one directory at the same time.`

const quantExample = `  # paired-end
  gallisto quant -i transcripts.idx -o out -t 4 R1.fastq.gz R2.fastq.gz
  # single-end, fragment length 200 +- 20
  gallisto quant -i transcripts.idx -o out --single -l 200 -s 20 reads.fastq.gz
  # 100 bootstraps on 4 threads, gene-level table from a GTF
  gallisto quant -i transcripts.idx -o out -b 100 -t 4 --gtf genes.gtf.gz R1.fq.gz R2.fq.gz
  # library type detected from the reads, bias correction
  gallisto quant -i transcripts.idx -o out --strand auto --bias R1.fq.gz R2.fq.gz
  # salmon's accuracy: placement, fragment length and mismatches, VBEM
  gallisto quant -i transcripts.idx -o out --model full -t 4 R1.fq.gz R2.fq.gz
  # every sample of a sheet, into out/SAMPLE/
  gallisto quant -i transcripts.idx -o out -t 4 --batch samples.tsv
  # two lanes of one paired-end sample, stranded (dUTP) library
  gallisto quant -i transcripts.idx -o out --rf-stranded L1_R1.fq.gz L1_R2.fq.gz L2_R1.fq.gz L2_R2.fq.gz`

func newQuantCmd() *cobra.Command {
	o := &quant.Options{}
	var fr, rf bool
	var strand, ablate, batch string
	var force bool
	c := &cobra.Command{
		Use:     "quant -i INDEX -o DIR [flags] FASTQ-files...",
		Short:   "Quantify abundances of transcripts from RNA-seq reads",
		Long:    quantLong,
		Example: quantExample,
		Args: argsCheck(func(c *cobra.Command, args []string) error {
			if batch != "" {
				if len(args) > 0 {
					return errString("--batch takes its read files from the sheet: give no read files")
				}
				return nil
			}
			return needFiles("read files (FASTQ: R1.fq.gz R2.fq.gz for paired-end, reads.fq.gz with --single)")(c, args)
		}),
		RunE: func(c *cobra.Command, files []string) error {
			o.Files = files
			if fr && rf {
				return usageError{errString("--fr-stranded and --rf-stranded are mutually exclusive")}
			}
			switch {
			case fr:
				o.Strand = pseudo.FR
			case rf:
				o.Strand = pseudo.RF
			}
			switch strand {
			case "":
			case "auto":
				o.StrandAuto = true
			case "fr":
				o.Strand = pseudo.FR
			case "rf":
				o.Strand = pseudo.RF
			case "unstranded":
			default:
				return usageError{errString("--strand takes auto, fr, rf or unstranded, not " + strand)}
			}
			if strand != "" && (fr || rf) {
				return usageError{errString("--strand cannot be combined with --fr-stranded or --rf-stranded")}
			}
			for _, p := range strings.Split(ablate, ",") {
				switch p {
				case "":
				case "rescue":
					o.Ablate.Rescue = true
				case "score":
					o.Ablate.Score = true
				case "length":
					o.Ablate.Length = true
				case "bins":
					o.Ablate.Bins = true
				case "vb":
					o.Ablate.VB = true
				default:
					return usageError{errString("--ablate takes rescue, score, length, bins or vb, not " + p)}
				}
			}
			if msg := quant.ThreadsUsage(o.Threads); msg != "" {
				return usageError{errString(msg)}
			}
			// -t bounds the cores used, readers and workers together.
			runtime.GOMAXPROCS(o.Threads)
			o.Call = strings.Join(os.Args, " ")
			o.StartTime = time.Now()
			o.Log = c.ErrOrStderr()
			o.Progress = progress.New(o.Log) // nil unless a terminal
			if batch != "" {
				if o.Single {
					return usageError{errString("--single does not apply to --batch: a sample is single-end when its sheet row has no r2")}
				}
				sh, err := sheet.Read(batch, sheet.Options{})
				if err != nil {
					return err
				}
				return quant.RunBatch(c.Context(), o, &quant.Batch{Sheet: sh, Force: force})
			}
			if force {
				return usageError{errString("--force goes with --batch")}
			}
			return quant.Run(c.Context(), o)
		},
	}
	f := c.Flags()
	f.SortFlags = false
	f.StringVarP(&o.Index, "index", "i", "", "Index file, made by 'gallisto index' (required)")
	f.StringVarP(&o.OutDir, "output-dir", "o", "", "Directory to write the output files to; created if missing (required)")
	f.BoolVar(&o.Bias, "bias", false, "Correct effective lengths for sequence-specific bias, as kallisto --bias does")
	f.IntVarP(&o.Bootstraps, "bootstrap-samples", "b", 0, "Number of bootstrap samples, e.g. -b 100 for sleuth (default 0: none; at most 100000)")
	f.Uint64Var(&o.Seed, "seed", 42, "Seed for the bootstrap sampling: one seed gives the same bootstraps for every -t")
	f.BoolVar(&o.Plaintext, "plaintext", false, "Write bootstraps as bs_abundance_N.tsv and no abundance.h5 (sleuth and tximport read abundance.h5; abundance.tsv is always written)")
	f.BoolVar(&o.Single, "single", false, "Quantify single-end reads (needs -l and -s)")
	f.BoolVar(&o.SingleOverhang, "single-overhang", false, "Keep single-end reads whose unseen rest of fragment would run off the transcript's end")
	f.BoolVar(&fr, "fr-stranded", false, "Strand-specific reads, read 1 on the transcript's strand (= --strand fr)")
	f.BoolVar(&rf, "rf-stranded", false, "Strand-specific reads, read 1 on the opposite strand, as dUTP/TruSeq Stranded (= --strand rf)")
	f.StringVar(&strand, "strand", "", "Library type: auto (decided from the first 100,000 single-transcript fragments, see above), fr, rf or unstranded (default: unstranded, as kallisto)")
	f.Float64VarP(&o.FragLen, "fragment-length", "l", 0, "Mean fragment length, e.g. -l 200 (required with --single; paired-end: estimated from the pairs)")
	f.Float64VarP(&o.FragSD, "sd", "s", 0, "Fragment length standard deviation, e.g. -s 20 (required with --single, given with -l)")
	f.IntVarP(&o.Threads, "threads", "t", 1, "Number of threads (cores) to use; the results do not depend on it")
	f.BoolVar(&o.Verbose, "verbose", false, "Write kallisto's progress line at every million reads (on a terminal, without it, a live line shows reads, reads/s and % pseudoaligned)")
	f.BoolVar(&o.NoNameCheck, "no-name-check", false, "Do not check that mates have matching names (files named apart; the order is still trusted)")
	f.BoolVar(&o.Interleaved, "interleaved", false, "Paired reads in one file, each record followed by its mate (e.g. from seqtk mergepe; - reads standard input)")
	f.StringVar(&o.Model, "model", quant.ModelKallisto, "Statistical model: kallisto (kallisto 0.48's results) or full (fragment placement, length and mismatches; see above)")
	f.StringVar(&ablate, "ablate", "", "Switch parts of --model full off, comma-separated: rescue, score, length, bins, vb (for measurements)")
	f.MarkHidden("ablate")
	f.StringVar(&o.GeneMap, "genemap", "", "transcript_id<TAB>gene_id table, e.g. tx2gene.tsv (header optional): also write abundance.genes.tsv")
	f.StringVarP(&o.GTF, "gtf", "g", "", "GTF annotation, e.g. Homo_sapiens.GRCh38.110.gtf.gz (plain or gzip; Ensembl's transcript_version is joined to the id): also write abundance.genes.tsv")
	f.StringVar(&batch, "batch", "", "Sample sheet (TSV: sample, r1, r2 or sample, r1, l, s): quantify every sample into -o/SAMPLE, the index loaded once")
	f.BoolVar(&force, "force", false, "With --batch: redo samples whose folder already holds a finished run")
	c.MarkFlagRequired("index")
	c.MarkFlagRequired("output-dir")
	return c
}

type errString string

func (e errString) Error() string { return string(e) }
