package quant

import "github.com/gallisto/gallisto/internal/output/logfmt"

// watcher reports how far the read pipeline has come, from the in-order
// merge: the live line on a terminal (Options.Progress) and, with
// --verbose, kallisto 0.48's line at every million reads:
//
//	\r3M reads processed (92.4% pseudoaligned)
//
// (ProcessReads.cpp writes it with '\r' and no line break, so that on a
// terminal each one replaces the last). A nil watcher does nothing.
type watcher struct {
	o       *Options
	aligned int64 // reads of the merged batches in a class
}

// watch returns the watcher the options ask for, nil for none, and begins
// the live line.
func (o *Options) watch() *watcher {
	if o.Verbose {
		o.logf("\n")
		return &watcher{o: o}
	}
	if o.Progress == nil {
		return nil
	}
	o.Progress.Begin(logfmt.Finding)
	return &watcher{o: o}
}

// batch takes the batch just merged into c.
func (w *watcher) batch(c *counts, res *batchResult) {
	if w == nil {
		return
	}
	n := c.processed - int64(res.reads)
	for _, ec := range res.ecs {
		n++
		if ec != -1 {
			w.aligned++
		}
		if w.o.Verbose && n%1_000_000 == 0 {
			w.o.logf("\r%dM reads processed (%.1f%% pseudoaligned)", n/1_000_000, 100*float64(w.aligned)/float64(n))
		}
	}
	if !w.o.Verbose {
		w.o.Progress.Reads(n, w.aligned)
	}
}
