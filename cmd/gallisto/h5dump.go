package main

import (
	"fmt"
	"os"

	"github.com/gallisto/gallisto/internal/output/abundanceh5"
	"github.com/gallisto/gallisto/internal/output/atomicfile"
	"github.com/spf13/cobra"
)

const h5dumpLong = `Convert an abundance.h5 written by 'gallisto quant' or 'kallisto quant'
back into plain text, as 'kallisto h5dump' does. Writes into the output
directory (created if needed); the files appear together when all are
written (run_info.json last), or not at all:

  abundance.tsv       target_id, length, eff_length, est_counts, tpm (TPM
                      recomputed from est_counts and the effective lengths)
  bs_abundance_N.tsv  the same for bootstrap N (N = 0 .. num_bootstrap-1),
                      with the main run's effective lengths
  run_info.json       n_targets, n_bootstraps, n_processed, kallisto_version,
                      index_version, start_time and call from the file;
                      n_pseudoaligned is the sum of est_counts rounded, and,
                      as in kallisto, n_unique is -1 and p_unique -0.0 (the
                      file does not record them)

Progress lines go to standard error in kallisto's words.`

func newH5DumpCmd() *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:     "h5dump -o DIR [flags] abundance.h5",
		Short:   "Convert HDF5-formatted results (abundance.h5) to plaintext",
		Long:    h5dumpLong,
		Example: "  gallisto h5dump -o out_text out/abundance.h5",
		Args: argsCheck(func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("h5dump takes one abundance.h5 file, got %d", len(args))
			}
			return nil
		}),
		RunE: func(c *cobra.Command, args []string) error {
			if out == "" {
				return usageError{errString("missing output directory: give one with -o")}
			}
			if err := atomicfile.CheckDir(out); err != nil {
				return err
			}
			fh, err := os.Open(args[0])
			if err != nil {
				return fmt.Errorf("cannot open H5 file: %w", err)
			}
			defer fh.Close()
			st, err := fh.Stat()
			if err != nil {
				return err
			}
			f, err := abundanceh5.Read(fh, st.Size())
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			return abundanceh5.Dump(f, out, c.ErrOrStderr())
		},
	}
	c.Flags().StringVarP(&out, "output-dir", "o", "", "Directory to write output to (required)")
	return c
}
