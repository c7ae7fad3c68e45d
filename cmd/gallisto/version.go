package main

import (
	"fmt"

	"github.com/gallisto/gallisto/internal/input/zio"
	"github.com/gallisto/gallisto/internal/quant"
	"github.com/spf13/cobra"
)

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Long:  "Print gallisto's version and the kallisto version whose results and files it reproduces.",
		Args:  argsCheck(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(c.OutOrStdout(), "gallisto, version %s (kallisto %s compatible; gzip decoder: %s)\n", quant.GallistoVersion, quant.Version, zio.Inflater)
			return err
		},
	}
}

func newCiteCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "cite",
		Short: "Print the citation for the method",
		Args:  argsCheck(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			_, err := fmt.Fprint(c.OutOrStdout(), `When using this program in your research, please cite the method it implements:

  Bray, N. L., Pimentel, H., Melsted, P., & Pachter, L.
  Near-optimal probabilistic RNA-seq quantification,
  Nature Biotechnology 34, 525-527 (2016), doi:10.1038/nbt.3519
`)
			return err
		},
	}
}
