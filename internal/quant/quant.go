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
	"math"
	"strings"
	"time"

	"github.com/gallisto/gallisto/internal/align/pseudo"
	"github.com/gallisto/gallisto/internal/estimate/bias"
	"github.com/gallisto/gallisto/internal/estimate/em"
	"github.com/gallisto/gallisto/internal/estimate/fraglen"
	"github.com/gallisto/gallisto/internal/estimate/genes"
	"github.com/gallisto/gallisto/internal/estimate/strand"
	"github.com/gallisto/gallisto/internal/graph/index"
	"github.com/gallisto/gallisto/internal/input/zio"
	"github.com/gallisto/gallisto/internal/output/abundance"
	"github.com/gallisto/gallisto/internal/output/atomicfile"
	"github.com/gallisto/gallisto/internal/output/logfmt"
	"github.com/gallisto/gallisto/internal/output/progress"
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
	// Model (--model) is ModelKallisto (also for "") or ModelFull.
	Model   string
	Ablate  Ablation // parts of the full model switched off (--ablate)
	GeneMap string   // --genemap: transcript<TAB>gene table for abundance.genes.tsv
	GTF     string   // --gtf: GTF annotation for abundance.genes.tsv

	Call      string    // command line for run_info.json
	StartTime time.Time // for run_info.json
	Log       io.Writer // kallisto-style progress lines; nil for none
	// Progress, when Log is a terminal, is redrawn with the reads done
	// while they are aligned (see package progress); nil for none.
	Progress *progress.Line
	// Verbose (--verbose) writes kallisto 0.48's line per million reads.
	Verbose bool

	genes *genes.Map // GeneMap or GTF, parsed before the run
}

// fldPairs is how many uniquely aligned pairs kallisto uses to estimate the
// fragment length distribution.
const fldPairs = 10000

// UsageError lists the problems of a command line that cannot be
// understood (exit code 2 in the command): options that contradict each
// other or are out of range. Problems with the files named are ordinary
// errors.
type UsageError struct{ Problems []string }

func (e *UsageError) Error() string { return strings.Join(e.Problems, "\n") }

// UsageError marks e for the command (it exits with 2).
func (e *UsageError) UsageError() bool { return true }

// MaxThreads bounds -t: more than the largest machines' hardware threads,
// far fewer than a typo such as -t 99999999 asks for (every thread gets
// its batch buffers; that many would exhaust memory before any work).
const MaxThreads = 1024

// ThreadsUsage returns the usage problem of a -t value, or "". Every
// command that takes -t uses it.
func ThreadsUsage(t int) string {
	if t < 1 || t > MaxThreads {
		return fmt.Sprintf("-t must be between 1 and %d (number of threads), got %d", MaxThreads, t)
	}
	return ""
}

// MaxBootstraps bounds -b: more samples than anyone analyses, far fewer
// than a typo such as -b 1000000000 asks for (each is a full EM, and all
// are kept in abundance.h5).
const MaxBootstraps = 100000

// Usage checks the options alone, without looking at any file: every
// problem is reported, one line each, in a *UsageError.
func (o *Options) Usage() error {
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
	if !o.Single && !o.Interleaved && len(o.Files)%2 != 0 {
		add("paired-end mode needs an even number of read files (R1 R2 ...), got %d; use --single for single-end reads", len(o.Files))
	}
	errs = append(errs, o.fragLenUsage()...)
	if msg := ThreadsUsage(o.Threads); msg != "" {
		add("%s", msg)
	}
	if o.Bootstraps < 0 || o.Bootstraps > MaxBootstraps {
		add("-b must be between 0 and %d (number of bootstrap samples), got %d", MaxBootstraps, o.Bootstraps)
	}
	if o.StrandAuto && o.Strand != pseudo.Unstranded {
		add("--strand auto cannot be combined with --fr-stranded or --rf-stranded")
	}
	if o.Model != "" && o.Model != ModelKallisto && o.Model != ModelFull {
		add("invalid --model %q: give %s (kallisto 0.48's results, the default) or %s", o.Model, ModelKallisto, ModelFull)
	}
	if o.GeneMap != "" && o.GTF != "" {
		add("give either --genemap or --gtf, not both")
	}
	stdin := 0
	for _, f := range o.Files {
		if f == zio.Stdin {
			stdin++
		}
	}
	if stdin > 1 {
		add("standard input (-) is given %d times; it can be read only once", stdin)
	}
	if len(errs) > 0 {
		return &UsageError{errs}
	}
	return nil
}

// fragLenUsage checks -l and -s: one message per mistake.
func (o *Options) fragLenUsage() []string {
	bad := func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) || x < 0 }
	switch {
	case bad(o.FragLen):
		return []string{fmt.Sprintf("-l must be a positive number (mean fragment length), got %g", o.FragLen)}
	case bad(o.FragSD):
		return []string{fmt.Sprintf("-s must be a positive number (fragment length standard deviation), got %g", o.FragSD)}
	case o.Single && (o.FragLen == 0 || o.FragSD == 0):
		return []string{"single-end reads need the fragment length mean and sd: give -l and -s, both positive (e.g. -l 200 -s 20)"}
	case (o.FragLen != 0) != (o.FragSD != 0):
		return []string{"-l and -s go together (mean and standard deviation of the fragment length), both positive"}
	}
	return nil
}

// Validate checks the options (Usage) and then the files they name,
// reporting every problem at once.
func (o *Options) Validate() error {
	if err := o.Usage(); err != nil {
		return err
	}
	var errs []string
	add := func(f string, a ...any) { errs = append(errs, fmt.Sprintf(f, a...)) }
	errs = append(errs, o.checkInputFiles()...)
	for _, f := range []string{o.GeneMap, o.GTF} {
		if f == "" {
			continue
		}
		if err := zio.Check(f, "gene annotation file"); err != nil {
			add("%v", err)
		}
	}
	for _, f := range o.Files {
		if err := zio.Check(f, "read file"); err != nil {
			add("%v", err)
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

// Run quantifies the reads and writes the output directory. Its phases
// are the pipeline's: load the index, open the output directory, align
// every read (and decide the strand), estimate the fragment length
// distribution, run the EM, write the outputs.
func Run(ctx context.Context, o *Options) (err error) {
	if err := o.Validate(); err != nil {
		return err
	}
	if err := atomicfile.CheckDir(o.OutDir); err != nil {
		return err // before the index is loaded
	}
	if err := o.loadGeneMap(); err != nil {
		return err // before the index and the reads
	}
	o.logf("\n")
	o.logFragLenModel()
	idx, err := o.loadIndex()
	if err != nil {
		return err
	}
	if err := o.checkGeneMap(idx); err != nil {
		return err
	}
	return o.runLoaded(ctx, idx)
}

// loadGeneMap parses --genemap or --gtf (once: a batch's samples share it).
func (o *Options) loadGeneMap() error {
	path, isGTF := o.GeneMap, false
	if o.GTF != "" {
		path, isGTF = o.GTF, true
	}
	if path == "" || o.genes != nil {
		return nil
	}
	m, err := genes.Load(path, isGTF)
	if err != nil {
		return err
	}
	o.genes = m
	return nil
}

// checkGeneMap refuses, before any read is read, a gene map that names
// none of the index's transcripts.
func (o *Options) checkGeneMap(idx *index.Index) error {
	if o.genes == nil {
		return nil
	}
	if _, err := o.genes.Check(idx.Names); err != nil {
		return fmt.Errorf("%s: %w", o.geneMapPath(), err)
	}
	return nil
}

func (o *Options) geneMapPath() string {
	if o.GTF != "" {
		return o.GTF
	}
	return o.GeneMap
}

// runLoaded is Run once the options are checked and the index is loaded:
// alignment, fragment lengths, EM and the output files, committed to
// the output directory together.
func (o *Options) runLoaded(ctx context.Context, idx *index.Index) error {
	r, err := o.start(ctx, idx)
	if err != nil {
		return err
	}
	return r.finish(ctx)
}

// sampleRun is a run between its two halves: the reads aligned and the
// fragment lengths known, the output directory open.
type sampleRun struct {
	o   *Options
	idx *index.Index
	out *atomicfile.Dir
	al  *alignment
	fl  *fragLens
}

// start opens the output directory, reads and aligns the reads and
// estimates the fragment length distribution.
func (o *Options) start(ctx context.Context, idx *index.Index) (_ *sampleRun, err error) {
	out, err := atomicfile.OpenDir(o.OutDir)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			out.Close()
		}
	}()
	if len(out.Stale) > 0 {
		o.logf("%s%d temporary files left in %s by an interrupted run\n", logRemovedStale, len(out.Stale), o.OutDir)
	}
	o.logInputs()
	al, err := o.align(ctx, idx)
	if err != nil {
		return nil, err
	}
	fl, err := o.fragmentLengths(idx, al.c)
	if err != nil {
		return nil, err
	}
	return &sampleRun{o: o, idx: idx, out: out, al: al, fl: fl}, nil
}

// finish runs the EM and the bootstraps and commits the output files.
func (r *sampleRun) finish(ctx context.Context) error {
	defer r.out.Close()
	o := r.o
	res, err := o.estimate(ctx, r.idx, r.al, r.fl)
	if err != nil {
		return err
	}
	if err := o.writeOutputs(ctx, res); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err // interrupted during a step that does not stop early
	}
	if err := r.out.Commit("run_info.json"); err != nil {
		return err
	}
	o.logf("\n")
	return nil
}

// abort discards a started run.
func (r *sampleRun) abort() { r.out.Close() }

// logFragLenModel says where the fragment length distribution will come
// from, in kallisto's words.
func (o *Options) logFragLenModel() {
	if o.FragLen == 0 {
		o.logf("[quant] fragment length distribution will be estimated from the data\n")
		return
	}
	o.logf("[quant] fragment length distribution is truncated gaussian with mean = %s, sd = %s\n", fmtG(o.FragLen), fmtG(o.FragSD))
	if !o.Single {
		o.logf("[~warn] you specified using a gaussian but have paired end data\n" +
			"[~warn] we suggest omitting these parameters and let us estimate the distribution from data\n")
	}
}

// loadIndex loads the index and logs its size, as kallisto does.
func (o *Options) loadIndex() (*index.Index, error) {
	idx, err := index.Load(o.Index)
	if err != nil {
		return nil, err
	}
	o.logf("[index] k-mer length: %d\n[index] number of targets: %s\n[index] number of k-mers: %s\n[index] number of equivalence classes: %s\n",
		idx.Shape.K, logfmt.Num(int64(idx.NumTargets())), logfmt.Num(int64(idx.NumKmers())), logfmt.Num(int64(idx.NumECs())))
	return idx, nil
}

// logInputs lists the read files, as kallisto does.
func (o *Options) logInputs() {
	switch {
	case o.Single:
		o.logf("[quant] running in single-end mode\n")
		for i, f := range o.Files {
			o.logf("[quant] will process file %d: %s\n", i+1, f)
		}
	case o.Interleaved:
		o.logf("[quant] running in paired-end mode\n")
		for i, f := range o.Files {
			o.logf("[quant] will process file %d: %s (interleaved pairs)\n", i+1, f)
		}
	default:
		o.logf("[quant] running in paired-end mode\n")
		for i := 0; i < len(o.Files); i += 2 {
			o.logf("[quant] will process pair %d: %s\n                             %s\n", i/2+1, o.Files[i], o.Files[i+1])
		}
	}
}

// alignment is what pseudoaligning every read gave: the collector of the
// library's strand and, with --strand auto, the call.
type alignment struct {
	c               *counts
	strand          *strand.Call // nil without --strand auto
	aligned, unique int64
}

// strandFlag names a strand filter's option.
func strandFlag(s pseudo.Strand) string {
	if s == pseudo.RF {
		return "--rf-stranded"
	}
	return "--fr-stranded"
}

// libStrand is the strand filter the counts were made with.
func (al *alignment) libStrand(given pseudo.Strand) pseudo.Strand {
	if al.strand != nil {
		return al.strand.Strand
	}
	return given
}

// align pseudoaligns every read, makes the --strand auto call and logs
// the counts. No aligned read at all is an error.
func (o *Options) align(ctx context.Context, idx *index.Index) (*alignment, error) {
	if o.Model == ModelFull {
		o.logf("%sfull (%s)\n", logModel, fullDescription(o.Ablate))
	}
	o.logf("%s", logfmt.Finding)
	w := o.watch()
	mopt := pseudo.Options{Strand: o.Strand, SingleOverhang: o.SingleOverhang, MeanFragLen: int(o.FragLen), Bias: o.Bias, BothStrands: o.StrandAuto}
	var full *fullArm
	if o.Model == ModelFull {
		mopt.Transcripts = idx.Transcripts()
		mopt.NoUnion, mopt.NoScoreFilter, mopt.NoFacingFilter = o.Ablate.Rescue, o.Ablate.Score, o.Ablate.Length
		full = &fullArm{model: o.fullModelFor(idx.Lengths), parts: o.Ablate.parts()}
	}
	fldWant := 0
	if o.FragLen == 0 {
		fldWant = fldPairs
	}
	c, err := pseudoalignAll(ctx, idx, o.inputs(), o.Threads, mopt, fldWant, full, w)
	o.Progress.End()
	if err != nil {
		o.logf("\n")
		return nil, err
	}
	if o.Verbose {
		o.logf("\n[quant] done \n") // kallisto's words, space included
	} else {
		o.logf(" done\n")
	}
	al := &alignment{c: c}
	if o.StrandAuto {
		sc := strand.Decide(c.strandEv)
		al.strand = &sc
		o.logf("%s", strandLogLine(sc))
		switch sc.Strand {
		case pseudo.FR:
			al.c = c.alt[0]
		case pseudo.RF:
			al.c = c.alt[1]
		}
	}
	if o.Bias {
		o.logf("[quant] learning parameters for sequence specific bias\n")
	}
	c = al.c
	al.aligned, al.unique = c.pseudoaligned()
	o.logf("[quant] processed %s reads, %s reads pseudoaligned\n", logfmt.Num(c.processed), logfmt.Num(al.aligned))
	if al.aligned < c.processed {
		o.logf("%s%s reads (%s)\n", logUnaligned, logfmt.Num(c.processed-al.aligned), describeReasons(c))
	}
	filtered := c.reasons[pseudo.StrandFilter]
	if al.aligned == 0 {
		o.logf("[~warn] no reads pseudoaligned.\n")
		if filtered > 0 && 2*filtered >= c.processed {
			return nil, fmt.Errorf("no reads pseudoaligned (%s): the strand filter (%s) removed %s of them; is the library stranded the other way, or not at all? (--strand auto decides from the reads); no output written",
				describeReasons(c), strandFlag(o.Strand), logfmt.Num(filtered))
		}
		return nil, fmt.Errorf("no reads pseudoaligned (%s); check that the reads and the index belong together; no output written", describeReasons(c))
	}
	// A library of the filter's kind loses a few percent of its
	// alignable reads to it; an unstranded one half, a reversed one most.
	if filtered > 0 && 5*filtered > al.aligned+filtered {
		o.logf("%sthe strand filter (%s) removed %s of the %s reads that would align (%.0f%%): is the library stranded the other way, or not at all? (--strand auto decides from the reads)\n",
			logWarn, strandFlag(o.Strand), logfmt.Num(filtered), logfmt.Num(al.aligned+filtered), 100*float64(filtered)/float64(al.aligned+filtered))
	}
	return al, nil
}

// fragLens is the fragment length model: kallisto's truncated means per
// maximum length, each target's mean fragment length and effective length.
type fragLens struct {
	truncMeans []float64
	means      []float64
	effLens    []float64
}

// fragmentLengths estimates the fragment length distribution from the
// first aligned pairs, or takes -l/-s, and gives every target its
// effective length.
func (o *Options) fragmentLengths(idx *index.Index, c *counts) (*fragLens, error) {
	var fl fragLens
	if o.FragLen == 0 {
		used := int64(0)
		for _, n := range c.fldHist {
			used += n
		}
		if used == 0 {
			return nil, errors.New("could not estimate the fragment length distribution: no pair aligned to a single transcript with both mates on one contig; rerun with -l and -s")
		}
		fl.truncMeans = fraglen.TruncMeans(c.fldHist)
		o.logf("[quant] estimated average fragment length: %s\n", fmtG(fraglen.Mean(fl.truncMeans)))
	} else {
		fl.truncMeans = fraglen.GaussianTruncMeans(o.FragLen, o.FragSD)
	}
	fl.means = fraglen.TargetMeans(idx.Lengths, fl.truncMeans)
	fl.effLens = fraglen.EffLens(idx.Lengths, fl.means)
	return &fl, nil
}

// estimate runs the EM (with --bias, updating the effective lengths as
// kallisto does).
func (o *Options) estimate(ctx context.Context, idx *index.Index, al *alignment, fl *fragLens) (*runResult, error) {
	c := al.c
	var prob *em.Problem
	if c.full != nil {
		prob = c.fullProblem(fl.effLens)
	} else {
		off, members := c.classes()
		prob = &em.Problem{NumTargets: idx.NumTargets(), Off: off, Members: members, Counts: c.ecCounts, EffLens: fl.effLens}
	}
	prob.Threads, prob.Stop = o.Threads, ctx.Done()
	if c.full != nil && !o.Ablate.VB {
		prob.Prior = Prior
	}
	var bm *bias.Model
	var recompute func([]float64) []float64
	if o.Bias {
		bm = newBiasModel(idx, fl.means, c, o.Strand, al.strand)
		recompute = func(alpha []float64) []float64 { return bm.Update(alpha, prob.EffLens) }
	}
	o.logf("[   em] quantifying the abundances ...")
	res := em.Run(prob, em.MaxRounds, em.MinRounds, recompute)
	if res.Stopped {
		o.logf("\n")
		return nil, ctx.Err()
	}
	o.logf(" done\n[   em] the Expectation-Maximization algorithm ran for %s rounds\n", logfmt.Num(int64(res.Rounds)))
	return &runResult{
		idx: idx, c: c, aligned: al.aligned, unique: al.unique, means: fl.means,
		fldEffLens: fl.effLens, effLens: prob.EffLens, alpha: res.Alpha,
		bias: bm, strand: al.strand, libStrand: al.libStrand(o.Strand),
	}, nil
}

// strandLogLine is the log line that reports a --strand auto call.
func strandLogLine(c strand.Call) string {
	pct := func(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) }
	used := c.FR + c.RF + c.Neither
	head := fmt.Sprintf("[quant] strand auto: of %s uniquely aligned fragments, %s fit --fr-stranded, %s fit --rf-stranded",
		logfmt.Num(used), logfmt.Num(c.FR), logfmt.Num(c.RF))
	if c.FR+c.RF > 0 {
		head += fmt.Sprintf(" (FR fraction %s, 99.9%% interval %s-%s)", pct(c.FractionFR), pct(c.Low), pct(c.High))
	}
	switch c.Choice {
	case "fr":
		return head + "; library is stranded, using --fr-stranded\n"
	case "rf":
		return head + "; library is stranded, using --rf-stranded\n"
	case "unstranded":
		return head + "; library is unstranded\n"
	}
	return head + "\n[~warn] strand auto: strandedness undetermined (" + c.Reason + "); quantifying as unstranded\n"
}

func reasonMap(c *counts, full bool) map[string]int64 {
	m := make(map[string]int64)
	for r := pseudo.Reason(1); int(r) < pseudo.NumReasons; r++ {
		if r == pseudo.LowScore && !full {
			continue // only the full model scores reads
		}
		m[r.String()] = c.reasons[r]
	}
	return m
}

func describeReasons(c *counts) string {
	var parts []string
	for r := pseudo.Reason(1); int(r) < pseudo.NumReasons; r++ {
		if n := c.reasons[r]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s: %s", r, logfmt.Num(n)))
		}
	}
	if len(parts) == 0 {
		return "no reads"
	}
	return strings.Join(parts, ", ")
}

func fmtG(x float64) string { return string(abundance.AppendG(nil, x)) }
