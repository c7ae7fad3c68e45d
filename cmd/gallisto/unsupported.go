package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// kallisto's commands and flags that gallisto lacks: accepted by the
// parser (hidden from --help) so that a kallisto command line gets an
// answer that says what to do instead, not "unknown flag".

// unsupportedFlag is a kallisto flag gallisto does not implement.
type unsupportedFlag struct {
	name, short string
	hasArg      bool
	why         string
}

const (
	whyBAM    = "gallisto writes no read alignments; for BAM output run kallisto itself (0.48: --pseudobam, --genomebam with --gtf and --chromosomes)"
	whyFusion = "gallisto does not look for gene fusions; run kallisto quant --fusion (with pizzly) for that"
	whyLong   = "long reads are not supported by gallisto (kallisto 0.51's long-read mode)"
)

var unsupportedFlags = map[string][]unsupportedFlag{
	"quant": {
		{"pseudobam", "", false, whyBAM}, {"genomebam", "", false, whyBAM}, {"chromosomes", "c", true, whyBAM},
		{"fusion", "", false, whyFusion}, {"long", "", false, whyLong},
	},
	"bus": {
		{"bam", "b", false, "gallisto bus reads FASTQ only; convert the BAM first (samtools fastq, or 10x Genomics' bamtofastq)"},
		{"pseudobam", "", false, whyBAM}, {"genomebam", "", false, whyBAM}, {"gtf", "g", true, whyBAM}, {"chromosomes", "c", true, whyBAM},
		{"long", "", false, whyLong},
	},
	"index": {
		{"d-list", "d", true, "gallisto has no D-list (kallisto 0.50's k-mers from a genome that mark reads as unaligned); its index is kallisto 0.48's, from the transcripts alone"},
	},
	"inspect": {
		{"gfa", "G", true, "gallisto inspect prints the summary and histograms only (no GFA, GTF or BED output)"},
		{"gtf", "g", true, "gallisto inspect prints the summary and histograms only (no GFA, GTF or BED output)"},
		{"bed", "b", true, "gallisto inspect prints the summary and histograms only (no GFA, GTF or BED output)"},
		{"paranoid", "", false, "gallisto inspect prints the summary and histograms only; the index is checked on every load"},
	},
}

// addUnsupported registers c's unsupported kallisto flags, hidden, and
// makes their use a usage error.
func addUnsupported(c *cobra.Command) {
	flags := unsupportedFlags[c.Name()]
	for _, f := range flags {
		if f.hasArg {
			c.Flags().StringP(f.name, f.short, "", f.why)
		} else {
			c.Flags().BoolP(f.name, f.short, false, f.why)
		}
		c.Flags().MarkHidden(f.name)
	}
	prev := c.PreRunE
	c.PreRunE = func(c *cobra.Command, args []string) error {
		for _, f := range flags {
			if c.Flags().Changed(f.name) {
				return usageError{fmt.Errorf("--%s is not supported by gallisto: %s", f.name, f.why)}
			}
		}
		if prev != nil {
			return prev(c, args)
		}
		return nil
	}
}

// unsupportedCommands are kallisto's commands gallisto lacks.
var unsupportedCommands = []struct{ name, why string }{
	{"pseudo", "for equivalence-class counts of many samples use 'gallisto bus -B batch.txt' (then bustools); to quantify many samples, 'gallisto quant --batch samples.tsv'"},
	{"quant-tcc", "'gallisto quant' quantifies from the reads; for transcript-compatibility counts use 'gallisto bus' and 'bustools count --tcc'"},
}

func newUnsupportedCmds() []*cobra.Command {
	var out []*cobra.Command
	for _, u := range unsupportedCommands {
		u := u
		out = append(out, &cobra.Command{
			Use:                u.name,
			Hidden:             true,
			DisableFlagParsing: true,
			RunE: func(c *cobra.Command, args []string) error {
				return usageError{fmt.Errorf("'%s' is a kallisto command that gallisto does not have: %s", u.name, u.why)}
			},
		})
	}
	return out
}
