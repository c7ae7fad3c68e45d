package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/gallisto/gallisto/internal/graph/index"
	"github.com/gallisto/gallisto/internal/graph/kmer"
	"github.com/gallisto/gallisto/internal/output/atomicfile"
	"github.com/gallisto/gallisto/internal/output/progress"
	"github.com/gallisto/gallisto/internal/quant"
	"github.com/spf13/cobra"
)

func newIndexCmd() *cobra.Command {
	var out string
	opt := index.BuildOptions{}
	c := &cobra.Command{
		Use:   "index -i INDEX [flags] FASTA-files...",
		Short: "Build an index from transcript sequences",
		Long: `Build a gallisto index from one or more FASTA files of transcript sequences
(plain or gzip-compressed).

Sequences are read as kallisto 0.48 reads them: the name is the header up to
the first white space; letters may be lower case; U is read as T; any other
letter that is not A, C, G or T (N, IUPAC codes) is replaced by a
pseudorandom base drawn exactly as kallisto draws it, so that both tools
index the same k-mers; a trailing poly-A run is clipped when the last 10
bases are A, but the reported length stays the FASTA length. Repeated names
are an error unless --make-unique renames them NAME_1, NAME_2, ...
Empty records and files that are not FASTA are refused with the file and
line.

The index file is written atomically: it appears complete or not at all.`,
		Example: `  gallisto index -i transcripts.idx transcripts.fa.gz
  gallisto index -i gencode.idx -k 31 gencode.v44.transcripts.fa.gz
  gallisto index -i both.idx --make-unique cdna.fa.gz ncrna.fa.gz`,
		Args: argsCheck(needFiles("FASTA files of transcript sequences")),
		RunE: func(c *cobra.Command, files []string) error {
			opt.Log, opt.Verbose = c.ErrOrStderr(), true
			opt.Progress = progress.New(opt.Log) // nil unless a terminal
			if msg := quant.ThreadsUsage(opt.Threads); msg != "" {
				return usageError{errString(msg)}
			}
			if opt.K < kmer.MinK || opt.K > kmer.MaxK || opt.K%2 == 0 {
				return usageError{fmt.Errorf("-k must be odd, from %d to %d (k-mer length), got %d", kmer.MinK, kmer.MaxK, opt.K)}
			}
			if err := checkIndexOutput(out, files); err != nil {
				return err
			}
			logThrough(c, out)
			if opt.TempDir == "" {
				opt.TempDir = filepath.Dir(out)
			}
			if opt.Threads >= 1 {
				runtime.GOMAXPROCS(opt.Threads)
			}
			x, err := index.Build(c.Context(), files, opt)
			if err != nil {
				return err
			}
			if err := x.Write(out); err != nil {
				return err
			}
			c.PrintErrln()
			return nil
		},
	}
	f := c.Flags()
	f.SortFlags = false
	f.StringVarP(&out, "index", "i", "", "Index file to write, e.g. -i transcripts.idx (required)")
	f.IntVarP(&opt.K, "kmer-size", "k", 31, "k-mer length: odd, at most 31")
	f.BoolVar(&opt.MakeUnique, "make-unique", false, "Rename repeated target names NAME_1, NAME_2, ... instead of refusing them")
	f.IntVarP(&opt.Threads, "threads", "t", 1, "Number of threads (cores) to use; the index does not depend on it")
	f.StringVarP(&opt.TempDir, "tmp", "T", "", "Directory for temporary files of large builds (default: the index's directory)")
	f.Var(byteSize{p: &opt.MaxMemory}, "max-memory", "Memory budget for building, with a unit K, M, G or T, e.g. --max-memory 4G: beyond it the k-mers are sorted in parts on disk (in -T); the index is the same (default: no limit)")
	c.MarkFlagRequired("index")
	return c
}

// checkIndexOutput refuses, before anything is read, an index path that
// cannot be written: a directory, FIFO or device, a dangling link, a
// folder that does not exist or is read-only, or one of the inputs.
func checkIndexOutput(out string, inputs []string) error {
	if err := atomicfile.CheckCreate(out); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	dst, _ := atomicfile.Destination(out)
	if st, err := os.Stat(dst); err == nil {
		for _, in := range inputs {
			if ist, err := os.Stat(in); err == nil && os.SameFile(st, ist) {
				return fmt.Errorf("index: %s is also an input: writing the index would destroy it", out)
			}
		}
	}
	return nil
}

// logThrough says when an output path is a symlink that is written
// through.
func logThrough(c *cobra.Command, path string) {
	if dst, err := atomicfile.Destination(path); err == nil && dst != path {
		fmt.Fprintf(c.ErrOrStderr(), "[note] %s is a symlink: writing the file it points to, %s\n", path, dst)
	}
}

func newInspectCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "inspect [flags] INDEX",
		Short: "Print information about an index",
		Long: `Print an index's format version, k, and numbers of targets, equivalence
classes, contigs and k-mers, followed by two histograms in kallisto's
layout: equivalence classes by size, and k-mers by the size of their class.`,
		Example: `  gallisto inspect transcripts.idx`,
		Args:    argsCheck(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, args []string) error {
			x, err := index.Load(args[0])
			if err != nil {
				return err
			}
			return x.Stats().WriteInspect(c.OutOrStdout())
		},
	}
}
