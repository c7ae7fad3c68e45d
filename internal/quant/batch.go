package quant

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/gallisto/gallisto/internal/graph/index"
	"github.com/gallisto/gallisto/internal/input/sheet"
	"github.com/gallisto/gallisto/internal/output/atomicfile"
)

// Batch is quant --batch: the samples of a sheet quantified one after the
// other in one process, the index loaded once, each into its own folder
// OutDir/SAMPLE with the files a separate quant of that sample writes
// (byte for byte, apart from run_info.json's and abundance.h5's call and
// start time). The options other than Files and OutDir apply to every
// sample; a single-end sample's l and s in the sheet replace -l and -s.
type Batch struct {
	Sheet *sheet.Sheet
	// Force redoes the samples whose folder already holds a finished
	// run; without it they are skipped.
	Force bool
}

// finished reports whether dir holds a finished run: run_info.json is
// committed last, so its presence means every file is in place.
func finished(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "run_info.json"))
	return err == nil
}

// sampleOptions are the options of one sample of a batch.
func (o *Options) sampleOptions(s *sheet.Sample) *Options {
	so := *o
	so.Files = s.Files
	so.OutDir = filepath.Join(o.OutDir, s.Name)
	if s.Single {
		so.Single = true
	}
	if s.FragLen > 0 {
		so.FragLen, so.FragSD = s.FragLen, s.FragSD
	}
	return &so
}

// RunBatch runs the samples of b. Every sample's options and files are
// checked before the index is loaded; the first failing sample stops the
// run, with nothing of it left (the samples finished before it stay).
func RunBatch(ctx context.Context, o *Options, b *Batch) error {
	if o.Single && len(o.Files) == 0 {
		// --single alone would make every sample single-end whatever the
		// sheet says: refuse the ambiguity.
		return errors.New("--single does not apply to --batch: a sample is single-end when its row has no r2")
	}
	if len(o.Files) > 0 {
		return errors.New("--batch takes its read files from the sheet: give no read files")
	}
	if o.OutDir == "" {
		return errors.New("missing output directory: give one with -o")
	}
	if err := atomicfile.CheckDir(o.OutDir); err != nil {
		return err
	}
	samples := b.Sheet.Samples
	opts := make([]*Options, len(samples))
	var errs []string
	todo := 0
	for i := range samples {
		s := &samples[i]
		so := o.sampleOptions(s)
		if s.Single && so.FragLen == 0 {
			errs = append(errs, fmt.Sprintf("%s line %d: sample %s is single-end: give its l and s columns, or -l and -s", b.Sheet.Path, s.Line, s.Name))
			continue
		}
		if err := so.Validate(); err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				errs = append(errs, fmt.Sprintf("%s line %d: sample %s: %s", b.Sheet.Path, s.Line, s.Name, line))
			}
			continue
		}
		if err := atomicfile.CheckDir(so.OutDir); err != nil {
			errs = append(errs, fmt.Sprintf("sample %s: %v", s.Name, err))
			continue
		}
		if !b.Force && finished(so.OutDir) {
			continue
		}
		opts[i] = so
		todo++
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "\n"))
	}
	o.logf("\n[batch] %d samples in %s; %d to quantify, %d already done (--force redoes them)\n", len(samples), b.Sheet.Path, todo, len(samples)-todo)
	if todo == 0 {
		return nil
	}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return fmt.Errorf("output directory %s: %w", o.OutDir, err)
	}
	if err := o.loadGeneMap(); err != nil {
		return err
	}
	idx, err := o.loadIndex()
	if err != nil {
		return err
	}
	if err := o.checkGeneMap(idx); err != nil {
		return err
	}
	var queue []int
	for i, so := range opts {
		if so != nil {
			queue = append(queue, i)
		}
	}
	for _, so := range opts {
		if so != nil {
			so.genes = o.genes
		}
	}
	return runPipelined(ctx, o, idx, samples, opts, queue)
}

// started is a sample whose first half has run: its log so far and the
// run to finish (or the error that stopped it).
type started struct {
	i   int
	log *bytes.Buffer
	run *sampleRun
	err error
}

// runPipelined runs the samples queue names in two overlapping stages:
// while one sample's EM, bootstraps and output files run, the next
// sample's reads are aligned (each stage with -t threads; GOMAXPROCS
// bounds the cores they share). At most two samples are in memory: the
// aligning stage hands a sample over and waits before it starts another.
// Each sample's log is held until it is finished and then written as one
// block, so the log reads as the separate runs' logs one after the other
// (MultiQC's kallisto module reads it so). The first failure stops both
// stages; the sample being aligned is discarded unwritten.
func runPipelined(ctx context.Context, o *Options, idx *index.Index, samples []sheet.Sample, opts []*Options, queue []int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	handoff := make(chan started) // unbuffered: see above
	go func() {
		defer close(handoff)
		for n, i := range queue {
			so := opts[i]
			buf := &bytes.Buffer{}
			so.Log, so.Progress, so.Verbose = buf, nil, false // the log is held: nothing live
			fmt.Fprintf(buf, "[batch] sample %d of %d: %s -> %s\n", n+1, len(queue), samples[i].Name, so.OutDir)
			so.logFragLenModel()
			r, err := so.start(ctx, idx)
			runtime.GC() // the alignment's garbage: see the collection below
			select {
			case handoff <- started{i: i, log: buf, run: r, err: err}:
			case <-ctx.Done():
				if r != nil {
					r.abort()
				}
				return
			}
			if err != nil {
				return
			}
		}
	}()
	var firstErr error
	done := 0
	for st := range handoff {
		if firstErr != nil {
			if st.run != nil {
				st.run.abort()
			}
			continue
		}
		err := st.err
		if err == nil {
			err = st.run.finish(ctx)
		}
		o.logf("%s", st.log.Bytes())
		st.run = nil
		if err == nil {
			done++
			// The index is most of the live heap, so Go's collector would
			// first run when the samples' garbage equals the index: on a
			// human-sized index four samples peaked at 1.68 GB against
			// 1.15 GB for one quant. Collecting as each sample's alignment
			// and then its outputs end keeps the peak at one sample's
			// (1.13 GB); the index holds no pointers, so a collection is
			// cheap.
			runtime.GC()
		} else {
			if errors.Is(err, context.Canceled) {
				firstErr = fmt.Errorf("interrupted: sample %s was not written; the %d finished before it stay (a rerun goes on from there)", samples[st.i].Name, done)
			} else {
				firstErr = fmt.Errorf("sample %s: %w", samples[st.i].Name, err)
			}
			cancel()
		}
	}
	return firstErr
}
