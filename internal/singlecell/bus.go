package singlecell

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gallisto/gallisto/internal/align/pseudo"
	"github.com/gallisto/gallisto/internal/graph/index"
	"github.com/gallisto/gallisto/internal/input/lanes"
	"github.com/gallisto/gallisto/internal/input/technology"
	"github.com/gallisto/gallisto/internal/input/zio"
	"github.com/gallisto/gallisto/internal/output/atomicfile"
	"github.com/gallisto/gallisto/internal/output/bus"
	"github.com/gallisto/gallisto/internal/output/logfmt"
	"github.com/gallisto/gallisto/internal/output/progress"
	"github.com/gallisto/gallisto/internal/output/runinfo"
)

// Version is reported as kallisto_version in run_info.json.
var Version = "0.48.0"

// GallistoVersion is this program's version (set by main).
var GallistoVersion = "0.1.0-dev"

// Options configures bus and count. Field names follow kallisto's flags.
type Options struct {
	Index      string   // -i
	OutDir     string   // -o
	Technology string   // -x
	Files      []string // read files, in groups of the technology's files
	Paired     bool     // --paired (Bulk, custom strings)
	Tag        string   // -T/--tag
	// Strand, when StrandSet, overrides the technology's default
	// (--fr-stranded, --rf-stranded, --unstranded).
	Strand    pseudo.Strand
	StrandSet bool
	Num       bool   // -n: flags = read number
	Batch     string // -B: batch file (samples, no technology)
	Threads   int    // -t
	// NameCheck makes the reads of a group have matching names (off by
	// default: kallisto does not check, and single-cell files often name
	// their reads apart).
	NameCheck bool

	Call      string
	StartTime time.Time
	Log       io.Writer
	// Progress, when Log is a terminal, is redrawn with the reads done
	// while they are aligned (see package progress); nil for none.
	Progress *progress.Line
}

// Validate checks the options before any file is read and returns the
// technology they describe.
func (o *Options) Validate() (technology.Technology, error) {
	var errs []string
	add := func(f string, a ...any) { errs = append(errs, fmt.Sprintf(f, a...)) }
	if o.Index == "" {
		add("missing index: give one with -i")
	}
	if o.OutDir == "" {
		add("missing output directory: give one with -o")
	}
	if o.Threads < 1 {
		add("invalid number of threads %d", o.Threads)
	}
	var t technology.Technology
	var err error
	if o.Technology == "" {
		add("missing technology: give one with -x (gallisto bus --list shows them)")
	} else if t, err = technology.Parse(o.Technology, o.Paired); err != nil {
		add("%v", err)
	} else if o.Tag != "" {
		if t, err = t.WithTag(o.Tag); err != nil {
			add("%v", err)
		}
	}
	if len(o.Files) == 0 {
		add("missing read files")
	} else if t.Files > 0 && len(o.Files)%t.Files != 0 {
		add("technology %s reads %d files per group, got %d files (give each lane's %d files in order)", t.Name, t.Files, len(o.Files), t.Files)
	}
	for _, f := range o.Files {
		if err := zio.Check(f, "read file"); err != nil {
			add("%v", err)
		}
	}
	if o.OutDir != "" {
		if err := atomicfile.CheckDir(o.OutDir); err != nil {
			add("%v", err)
		}
	}
	if len(errs) > 0 {
		return t, errors.New(strings.Join(errs, "\n"))
	}
	return t, nil
}

// strand returns the strand filter and logs kallisto's note about it.
func (o *Options) strand(t technology.Technology) pseudo.Strand {
	if o.StrandSet {
		return o.Strand
	}
	s := pseudo.Strand(t.Strand) // the same numbering
	name := map[pseudo.Strand]string{pseudo.Unstranded: "--unstranded", pseudo.FR: "--fr-stranded", pseudo.RF: "--rf-stranded"}[s]
	logf(o.Log, "[bus] Note: Strand option was not specified; setting it to %s for specified technology\n", name)
	return s
}

func (o *Options) groups(t technology.Technology) lanes.Groups {
	return lanes.Groups{Files: o.Files, PerGroup: t.Files, CheckNames: o.NameCheck}
}

// loadIndex loads the index and logs it as kallisto does.
func (o *Options) loadIndex() (*index.Index, error) {
	idx, err := index.Load(o.Index)
	if err != nil {
		return nil, err
	}
	logf(o.Log, "[index] k-mer length: %d\n[index] number of targets: %s\n[index] number of k-mers: %s\n[index] number of equivalence classes: %s\n",
		idx.Shape.K, logfmt.Num(int64(idx.NumTargets())), logfmt.Num(int64(idx.NumKmers())), logfmt.Num(int64(idx.NumECs())))
	return idx, nil
}

func (o *Options) logInputs(t technology.Technology) {
	for i, g := range o.groups(t).List() {
		logf(o.Log, "[quant] will process sample %d: %s\n", i+1, g[0])
		for _, f := range g[1:] {
			logf(o.Log, "                               %s\n", f)
		}
	}
}

// busWriter streams records to output.bus, holding them back until the
// header's lengths are known (open-ended segments: after lenSample reads).
type busWriter struct {
	f       *atomicfile.File
	t       technology.Technology
	started bool
	held    []bus.Record
	buf     []byte
}

func (w *busWriter) add(recs []bus.Record, st *stats, done bool) error {
	if !w.started {
		open := w.t.BarcodeLen() == 0 || w.t.UMILen() == 0
		if open && st.sampled < lenSample && !done {
			w.held = append(w.held, recs...)
			return nil
		}
		bc, umi := headerLens(w.t, st)
		if _, err := w.f.Write(bus.AppendHeader(nil, bus.Header{BarcodeLen: bc, UMILen: umi, Text: bus.KallistoText})); err != nil {
			return err
		}
		w.started = true
		recs = append(w.held, recs...)
		w.held = nil
	}
	w.buf = w.buf[:0]
	for _, r := range recs {
		w.buf = bus.AppendRecord(w.buf, r)
	}
	_, err := w.f.Write(w.buf)
	return err
}

// RunBus pseudoaligns the reads and writes output.bus, matrix.ec,
// transcripts.txt and run_info.json (and flens.txt for paired
// technologies) into the output directory, all or nothing.
func RunBus(ctx context.Context, o *Options) error {
	if o.Batch != "" {
		if o.Technology != "" || len(o.Files) > 0 || o.OutDir == "" || o.Index == "" || o.Threads < 1 {
			return fmt.Errorf("bus -B takes -i, -o and the batch file, not -x or read files")
		}
		if err := atomicfile.CheckDir(o.OutDir); err != nil {
			return err
		}
		return runBatch(ctx, o)
	}
	t, err := o.Validate()
	if err != nil {
		return err
	}
	logf(o.Log, "\n")
	strand := o.strand(t)
	idx, err := o.loadIndex()
	if err != nil {
		return err
	}
	out, err := atomicfile.OpenDir(o.OutDir)
	if err != nil {
		return err
	}
	defer out.Close()
	o.logInputs(t)
	f, err := atomicfile.Create(filepath.Join(o.OutDir, "output.bus"))
	if err != nil {
		return err
	}
	defer f.Abort()
	bw := &busWriter{f: f, t: t}
	logf(o.Log, "%s", logfmt.Finding)
	cl, st, err := run(ctx, idx, t, strand, o.Num, o.groups(t), o.Threads, o.Progress, func(recs []bus.Record, st *stats) error { return bw.add(recs, st, false) })
	if err == nil {
		err = bw.add(nil, st, true)
	}
	if err != nil {
		logf(o.Log, "\n")
		return err
	}
	if err := f.Commit(); err != nil {
		return err
	}
	logf(o.Log, " done\n[quant] processed %s reads, %s reads pseudoaligned\n", logfmt.Num(st.processed), logfmt.Num(st.aligned))
	if st.aligned == 0 {
		logf(o.Log, "[~warn] no reads pseudoaligned.\n")
		return fmt.Errorf("no reads pseudoaligned (%s); check the technology (-x), the order of the files and the index; no output written", describe(st))
	}
	if err := writeClasses(o.OutDir, idx, cl); err != nil {
		return err
	}
	if t.Paired {
		if err := writeFLD(filepath.Join(o.OutDir, "flens.txt"), st.fldHist); err != nil {
			return err
		}
	}
	if err := o.writeRunInfo(idx, st, t, nil); err != nil {
		return err
	}
	return out.Commit("run_info.json")
}

// writeClasses writes matrix.ec and transcripts.txt.
func writeClasses(dir string, idx *index.Index, cl *classes) error {
	if err := atomicfile.Write(filepath.Join(dir, "matrix.ec"), func(w io.Writer) error {
		return bus.WriteECs(w, cl.Len(), cl.members)
	}); err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, "transcripts.txt"), func(w io.Writer) error {
		return bus.WriteNames(w, idx.Names)
	})
}

// writeFLD writes flens.txt: the fragment length histogram on one line.
func writeFLD(path string, hist []int64) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		for i, n := range hist {
			if i > 0 {
				bw.WriteByte(' ')
			}
			bw.WriteString(strconv.FormatInt(n, 10))
		}
		bw.WriteByte('\n')
		return bw.Flush()
	})
}

// writeRunInfo writes run_info.json with kallisto's keys (its true target
// count and index version where kallisto's bus writes 0, and every
// pseudoaligned read where kallisto leaves out those of new classes), then
// gallisto's.
func (o *Options) writeRunInfo(idx *index.Index, st *stats, t technology.Technology, extra []runinfo.KV) error {
	info := &runinfo.Info{
		NumTargets: idx.NumTargets(), NumProcessed: st.processed, NumPseudoaligned: st.aligned, NumUnique: st.unique,
		Version: Version, IndexVersion: index.FormatVersion, StartTime: logfmt.Asctime(o.StartTime), Call: o.Call,
		Extra: append([]runinfo.KV{
			{Key: "gallisto_version", Value: GallistoVersion},
			{Key: "technology", Value: t.Name},
			{Key: "n_unaligned", Value: unaligned(st)},
		}, extra...),
	}
	return atomicfile.Write(filepath.Join(o.OutDir, "run_info.json"), func(w io.Writer) error { return runinfo.Write(w, info) })
}

// unaligned is run_info.json's breakdown of the reads without a record.
func unaligned(st *stats) map[string]int64 {
	m := map[string]int64{"too_short_for_barcode_or_umi": st.skipped}
	for r := pseudo.Reason(1); int(r) < pseudo.NumReasons; r++ {
		if r != pseudo.LowScore {
			m[r.String()] = st.reasons[r]
		}
	}
	return m
}

func describe(st *stats) string {
	parts := []string{fmt.Sprintf("%s reads processed", logfmt.Num(st.processed))}
	if st.skipped > 0 {
		parts = append(parts, fmt.Sprintf("too short for barcode or UMI: %s", logfmt.Num(st.skipped)))
	}
	for r := pseudo.Reason(1); int(r) < pseudo.NumReasons; r++ {
		if n := st.reasons[r]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s: %s", r, logfmt.Num(n)))
		}
	}
	return strings.Join(parts, ", ")
}
