// Command gallisto quantifies RNA-seq transcript abundances by k-mer
// pseudoalignment, with kallisto 0.48's command line, results and files.
//
// This package only parses the command line and calls the library packages;
// it alone chooses exit codes: 0 success, 1 a failed run (bad input,
// unreadable file, ...), 2 a command line that could not be understood.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"

	"github.com/gallisto/gallisto/internal/memlimit"
	"github.com/spf13/cobra"
)

// usageError marks command-line mistakes (exit code 2).
type usageError struct{ error }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // the run is stopping; a second Ctrl-C ends the process at once
	}()
	// Under a memory limit (ulimit -v, a cgroup), the garbage collector
	// keeps below it while it can (unless GOMEMLIMIT says otherwise).
	memlimit.SetGoLimit(memlimit.Current())
	root := newRoot()
	root.SetArgs(os.Args[1:])
	err := root.ExecuteContext(ctx)
	if err == nil {
		return
	}
	interrupted := ctx.Err() != nil
	if interrupted && errors.Is(err, context.Canceled) {
		err = errors.New("interrupted: no output was written")
		interrupted = false // said
	}
	usage := isUsage(err)
	lines := strings.Split(err.Error(), "\n")
	for i, line := range lines {
		if usage && i == len(lines)-1 && !strings.Contains(err.Error(), "--help") {
			line += fmt.Sprintf(" (see '%s --help')", helpPath(root))
		}
		fmt.Fprintln(os.Stderr, "Error:", line)
	}
	if usage {
		os.Exit(2)
	}
	if interrupted && !strings.HasPrefix(err.Error(), "interrupted") {
		fmt.Fprintln(os.Stderr, "interrupted: no output was written")
	}
	os.Exit(1)
}

// usager is an error of a package that marks a command line that cannot
// be understood (quant.UsageError, singlecell.UsageError).
type usager interface{ UsageError() bool }

// isUsage reports whether err is a command-line mistake: exit code 2.
func isUsage(err error) bool {
	var ue usageError
	var u usager
	if errors.As(err, &ue) || errors.As(err, &u) && u.UsageError() {
		return true
	}
	// cobra's own: an unknown command, a required flag missing
	m := err.Error()
	return strings.HasPrefix(m, "unknown command ") || strings.HasPrefix(m, "required flag(s) ")
}

// helpPath is the command whose --help a usage error points to: the
// subcommand named on the command line, or gallisto itself.
func helpPath(root *cobra.Command) string {
	if c, _, err := root.Find(os.Args[1:]); err == nil && c != nil && !c.Hidden {
		return c.CommandPath()
	}
	return root.CommandPath()
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "gallisto",
		Short: "RNA-seq transcript quantification by pseudoalignment (kallisto-compatible)",
		Long: `gallisto quantifies transcript abundances from RNA-seq reads by k-mer
pseudoalignment and EM, giving kallisto 0.48's results and writing its files.

Typical use:

  gallisto index -i transcripts.idx transcripts.fa.gz
  gallisto quant -i transcripts.idx -o out sample_R1.fastq.gz sample_R2.fastq.gz
  gallisto quant -i transcripts.idx -o out --single -l 200 -s 20 sample.fastq.gz`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%s (see '%s --help')", plainFlagError(err.Error()), c.CommandPath())}
	})
	idx, q, bus, count := newIndexCmd(), newQuantCmd(), newBusCmd(), newCountCmd()
	for _, c := range []*cobra.Command{idx, q, bus, count} {
		addProfileFlags(c)
	}
	root.AddCommand(idx, q, bus, count, newMergeCmd(), newReportCmd(), newInspectCmd(), newH5DumpCmd(), newVersionCmd(), newCiteCmd())
	for _, c := range root.Commands() {
		if _, ok := unsupportedFlags[c.Name()]; ok {
			addUnsupported(c)
		}
	}
	root.AddCommand(newUnsupportedCmds()...)
	return root
}

// strconvError is how pflag passes on strconv's errors: `invalid argument
// "x" for "--seed" flag: strconv.ParseUint: parsing "x": invalid syntax`.
var strconvError = regexp.MustCompile(`strconv\.Parse(Int|Uint|Float): parsing "[^"]*": (invalid syntax|value out of range)`)

// plainFlagError says what a number flag wants in words, instead of the Go
// function that failed.
func plainFlagError(msg string) string {
	return strconvError.ReplaceAllStringFunc(msg, func(m string) string {
		p := strconvError.FindStringSubmatch(m)
		want := map[string]string{"Int": "a whole number", "Uint": "a whole number, 0 or more", "Float": "a number"}[p[1]]
		if p[2] == "value out of range" {
			return "out of range (want " + want + " that fits)"
		}
		return "want " + want
	})
}

// needFiles is the operand check of a command that takes files: none is a
// usage error that says what to give.
func needFiles(what string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) == 0 {
			return fmt.Errorf("missing %s: give them after the options", what)
		}
		return nil
	}
}

// argsCheck wraps a cobra.PositionalArgs check so that its failure is a
// usage error (exit code 2) that points to --help.
func argsCheck(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if err := check(c, args); err != nil {
			return usageError{fmt.Errorf("%w (see '%s --help')", err, c.CommandPath())}
		}
		return nil
	}
}
