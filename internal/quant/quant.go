// Package quant runs a kallisto-style quantification: it streams reads
// through pseudoalignment, estimates the fragment length distribution,
// runs the EM and writes kallisto's output files.
//
// The read pipeline is visible in its types: one goroutine per input file
// decompresses and parses reads into batches (the two mates of a pair in
// parallel), a producer pairs the mates' batches and checks they belong
// together, Options.Threads workers pseudoalign batches against the shared,
// immutable index, and the caller's goroutine merges the results strictly in
// input order. Merging in order makes every output byte independent of the
// number of threads: new equivalence classes are numbered by first
// appearance and the fragment length distribution uses the first 10,000
// usable pairs of the input, as kallisto does when run with one thread.
//
// The log written to Options.Log reproduces kallisto 0.48's stderr lines
// that MultiQC's kallisto module parses.
package quant

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/gallisto/gallisto/internal/output/abundance"
	"github.com/gallisto/gallisto/internal/output/atomicfile"
	"github.com/gallisto/gallisto/internal/estimate/em"
	"github.com/gallisto/gallisto/internal/estimate/fraglen"
	"github.com/gallisto/gallisto/internal/graph/index"
	"github.com/gallisto/gallisto/internal/align/pseudo"
)

// Version is reported in run_info.json and the HDF5 file.
var Version = "0.48.0"

// GallistoVersion is this program's own version.
var GallistoVersion = "0.1.0-dev"

// Options configures a run. Field names follow kallisto's flags.
type Options struct {
	Index  string   // -i
	OutDir string   // -o
	Files  []string // reads; R1 R2 R1 R2 ... when paired

	Single         bool    // --single
	FragLen        float64 // -l, mean fragment length; 0 = estimate (paired only)
	FragSD         float64 // -s
	SingleOverhang bool    // --single-overhang
	Strand         pseudo.Strand
	Threads        int  // -t
	NoNameCheck    bool // --no-name-check
	// Interleaved (--interleaved): each file holds both mates, every
	// record followed by its mate.
	Interleaved bool

	// StrandAuto (--strand auto) decides between unstranded, FR and RF
	// from the first uniquely aligned fragments; Strand must be Unstranded.
	StrandAuto bool
	Bias       bool   // --bias: sequence-specific bias correction
	Bootstraps int    // -b: number of bootstrap samples
	Seed       uint64 // --seed for the bootstraps (kallisto's default is 42)
	// Plaintext (--plaintext) writes bootstraps as bs_abundance_N.tsv and
	// no abundance.h5.
	Plaintext bool
	GeneMap   string // --genemap: transcript<TAB>gene table for abundance.genes.tsv
	GTF       string // --gtf: GTF annotation for abundance.genes.tsv

	Call      string    // command line for run_info.json
	StartTime time.Time // for run_info.json
	Log       io.Writer // kallisto-style progress lines; nil for none
}

// fldPairs is how many uniquely aligned pairs kallisto uses to estimate the
// fragment length distribution.
const fldPairs = 10000

// Validate checks the options, reporting every problem at once.
func (o *Options) Validate() error {
	var errs []string
	add := func(f string, a ...any) { errs = append(errs, fmt.Sprintf(f, a...)) }
	if o.Index == "" {
		add("missing index: give one with -i")
	}
	if o.OutDir == "" {
		add("missing output directory: give one with -o")
	}
	if len(o.Files) == 0 {
		add("missing read files")
	}
	if o.Interleaved && o.Single {
		add("--interleaved and --single cannot be combined: an interleaved file holds pairs")
	}
	errs = append(errs, o.checkInputFiles()...)
	if !o.Single && !o.Interleaved && len(o.Files)%2 != 0 {
		add("paired-end mode needs an even number of read files (R1 R2 ...), got %d; use --single for single-end reads", len(o.Files))
	}
	if o.FragLen < 0 {
		add("invalid value for mean fragment length %g", o.FragLen)
	}
	if o.FragSD < 0 {
		add("invalid value for fragment length standard deviation %g", o.FragSD)
	}
	if (o.FragLen != 0) != (o.FragSD != 0) {
		add("-l and -s must be given together (both mean and standard deviation)")
	}
	if o.Single && (o.FragLen == 0 || o.FragSD == 0) {
		add("single-end reads need the fragment length mean and sd: give -l and -s (e.g. -l 200 -s 20)")
	}
	if o.Threads < 1 {
		add("invalid number of threads %d", o.Threads)
	}
	if o.Bootstraps < 0 {
		add("number of bootstrap samples must be a non-negative integer, got %d", o.Bootstraps)
	}
	if o.StrandAuto && o.Strand != pseudo.Unstranded {
		add("--strand auto cannot be combined with --fr-stranded or --rf-stranded")
	}
	if o.GeneMap != "" && o.GTF != "" {
		add("give either --genemap or --gtf, not both")
	}
	for _, f := range []string{o.GeneMap, o.GTF} {
		if f == "" {
			continue
		}
		if st, err := os.Stat(f); err != nil {
			add("%s: file not found", f)
		} else if st.IsDir() {
			add("%s: is a directory, not a gene annotation file", f)
		}
	}
	for _, f := range o.Files {
		if f == "-" {
			continue
		}
		if st, err := os.Stat(f); err != nil {
			add("%s: file not found", f)
		} else if st.IsDir() {
			add("%s: is a directory, not a read file", f)
		}
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "\n"))
	}
	return nil
}

func (o *Options) logf(format string, args ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, format, args...)
	}
}

// Run quantifies the reads and writes the output directory.
func Run(ctx context.Context, o *Options) (err error) {
	if err := o.Validate(); err != nil {
		return err
	}
	o.logf("\n")
	if o.FragLen == 0 {
		o.logf("[quant] fragment length distribution will be estimated from the data\n")
	} else {
		o.logf("[quant] fragment length distribution is truncated gaussian with mean = %s, sd = %s\n", fmtG(o.FragLen), fmtG(o.FragSD))
		if !o.Single {
			o.logf("[~warn] you specified using a gaussian but have paired end data\n" +
				"[~warn] we suggest omitting these parameters and let us estimate the distribution from data\n")
		}
	}
	idx, err := index.Load(o.Index)
	if err != nil {
		return err
	}
	o.logf("[index] k-mer length: %d\n[index] number of targets: %s\n[index] number of k-mers: %s\n[index] number of equivalence classes: %s\n",
		idx.Shape.K, prettyNum(int64(idx.NumTargets())), prettyNum(int64(idx.NumKmers())), prettyNum(int64(idx.NumECs())))
	created, err := makeOutDir(o.OutDir)
	if err != nil {
		return err
	}
	defer func() {
		if created && err != nil {
			os.Remove(o.OutDir) // only if still empty: never remove results
		}
	}()
	// One run per directory; files of runs killed before they could clean
	// up go; outputs stay hidden until all are written (see atomicfile).
	unlock, err := atomicfile.LockDir(o.OutDir)
	if err != nil {
		return err
	}
	defer unlock()
	if stale, _ := atomicfile.RemoveStale(o.OutDir); len(stale) > 0 {
		o.logf("%s%d temporary files left in %s by an interrupted run\n", logRemovedStale, len(stale), o.OutDir)
	}
	stage, err := atomicfile.NewStage(o.OutDir)
	if err != nil {
		return err
	}
	defer stage.Abort()
	if o.Single {
		o.logf("[quant] running in single-end mode\n")
		for i, f := range o.Files {
			o.logf("[quant] will process file %d: %s\n", i+1, f)
		}
	} else if o.Interleaved {
		o.logf("[quant] running in paired-end mode\n")
		for i, f := range o.Files {
			o.logf("[quant] will process file %d: %s (interleaved pairs)\n", i+1, f)
		}
	} else {
		o.logf("[quant] running in paired-end mode\n")
		for i := 0; i < len(o.Files); i += 2 {
			o.logf("[quant] will process pair %d: %s\n                             %s\n", i/2+1, o.Files[i], o.Files[i+1])
		}
	}
	o.logf("[quant] finding pseudoalignments for the reads ...")
	mopt := pseudo.Options{Strand: o.Strand, SingleOverhang: o.SingleOverhang, MeanFragLen: int(o.FragLen), Bias: o.Bias, BothStrands: o.StrandAuto}
	fldWant := 0
	if o.FragLen == 0 {
		fldWant = fldPairs
	}
	c, err := pseudoalignAll(ctx, idx, o.inputs(), o.Threads, mopt, fldWant)
	if err != nil {
		o.logf("\n")
		return err
	}
	o.logf(" done\n")
	var strandCall *StrandCall
	if o.StrandAuto {
		sc := decideStrand(c.strandEv)
		strandCall = &sc
		o.logf("%s", sc.logLine())
		switch sc.Strand {
		case pseudo.FR:
			c = c.alt[0]
		case pseudo.RF:
			c = c.alt[1]
		}
	}
	if o.Bias {
		o.logf("[quant] learning parameters for sequence specific bias\n")
	}
	aligned, unique := c.pseudoaligned()
	o.logf("[quant] processed %s reads, %s reads pseudoaligned\n", prettyNum(c.processed), prettyNum(aligned))
	if aligned < c.processed {
		o.logf("%s%s reads (%s)\n", logUnaligned, prettyNum(c.processed-aligned), describeReasons(c))
	}
	if aligned == 0 {
		o.logf("[~warn] no reads pseudoaligned.\n")
		return fmt.Errorf("no reads pseudoaligned (%s); check that the reads and the index belong together; no output written", describeReasons(c))
	}

	var truncMeans []float64
	if o.FragLen == 0 {
		used := int64(0)
		for _, n := range c.fldHist {
			used += n
		}
		if used == 0 {
			return errors.New("could not estimate the fragment length distribution: no pair aligned to a single transcript with both mates on one contig; rerun with -l and -s")
		}
		truncMeans = fraglen.TruncMeans(c.fldHist)
		o.logf("[quant] estimated average fragment length: %s\n", fmtG(fraglen.Mean(truncMeans)))
	} else {
		truncMeans = fraglen.GaussianTruncMeans(o.FragLen, o.FragSD)
	}
	means := fraglen.TargetMeans(idx.Lengths, truncMeans)
	effLens := fraglen.EffLens(idx.Lengths, means)

	off, members := c.classes()
	prob := &em.Problem{NumTargets: idx.NumTargets(), Off: off, Members: members, Counts: c.ecCounts, EffLens: effLens, Threads: o.Threads, Stop: ctx.Done()}
	var bias *biasModel
	var recompute func([]float64) []float64
	if o.Bias {
		bias = newBiasModel(idx, means, c, o.Strand, strandCall)
		recompute = func(alpha []float64) []float64 { return bias.update(alpha, prob.EffLens) }
	}
	o.logf("[   em] quantifying the abundances ...")
	res := em.Run(prob, em.MaxRounds, em.MinRounds, recompute)
	if res.Stopped {
		o.logf("\n")
		return ctx.Err()
	}
	o.logf(" done\n[   em] the Expectation-Maximization algorithm ran for %s rounds\n", prettyNum(int64(res.Rounds)))

	out := &runResult{
		idx: idx, c: c, aligned: aligned, unique: unique, means: means,
		fldEffLens: effLens, effLens: prob.EffLens, alpha: res.Alpha,
		bias: bias, strand: strandCall,
	}
	if err := o.writeOutputs(ctx, out); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err // interrupted during a step that does not stop early
	}
	if err := stage.Commit("run_info.json"); err != nil {
		return err
	}
	o.logf("\n")
	return nil
}

// makeOutDir creates the output directory if needed and reports whether it
// did, so that a failed run can remove a directory it made and left empty.
func makeOutDir(dir string) (bool, error) {
	if st, err := os.Stat(dir); err == nil {
		if !st.IsDir() {
			return false, fmt.Errorf("output directory %s exists and is not a directory", dir)
		}
		return false, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, fmt.Errorf("cannot create output directory: %w", err)
	}
	return true, nil
}

// writeFile writes path atomically through fill.
func writeFile(path string, fill func(io.Writer) error) error {
	f, err := atomicfile.Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := fill(f); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return f.Commit()
}

func reasonMap(c *counts) map[string]int64 {
	m := make(map[string]int64)
	for r := pseudo.Reason(1); int(r) < pseudo.NumReasons; r++ {
		m[r.String()] = c.reasons[r]
	}
	return m
}

func describeReasons(c *counts) string {
	var parts []string
	for r := pseudo.Reason(1); int(r) < pseudo.NumReasons; r++ {
		if n := c.reasons[r]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s: %s", r, prettyNum(n)))
		}
	}
	if len(parts) == 0 {
		return "no reads"
	}
	return strings.Join(parts, ", ")
}

func fmtG(x float64) string { return string(abundance.AppendG(nil, x)) }

// prettyNum formats n with thousands separators, as kallisto's pretty_num.
func prettyNum(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// asctime formats t as C's asctime() without the newline.
func asctime(t time.Time) string { return t.Format("Mon Jan _2 15:04:05 2006") }
