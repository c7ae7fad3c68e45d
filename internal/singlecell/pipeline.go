// Package singlecell runs gallisto's single-cell commands: bus (kallisto
// 0.48's `kallisto bus`: one BUS record per pseudoaligned read, for
// bustools) and count (the whole chain to a cells × genes matrix, the
// results of kallisto bus | bustools correct | sort | count --genecounts,
// in one process).
//
// The read pipeline is quant's (package lanes, workers, an in-order
// merge): the files of a technology's read group are read in lockstep,
// workers take barcode, UMI and cDNA out of each group (package
// technology), pseudoalign the cDNA with the technology's strand filter,
// and the caller's goroutine merges batches in input order. Merging in
// order makes the output independent of the number of threads: records
// are written in input order and transcript sets that are not classes of
// the index become new classes numbered by first appearance. (kallisto
// writes each batch's records of known classes first, numbers new classes
// by which thread reaches its writer first, and so depends on its
// threads; after `bustools sort` the records are the same.)
package singlecell

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/gallisto/gallisto/internal/align/pseudo"
	"github.com/gallisto/gallisto/internal/graph/debruijn"
	"github.com/gallisto/gallisto/internal/graph/index"
	"github.com/gallisto/gallisto/internal/input/lanes"
	"github.com/gallisto/gallisto/internal/input/technology"
	"github.com/gallisto/gallisto/internal/output/bus"
	"github.com/gallisto/gallisto/internal/output/logfmt"
	"github.com/gallisto/gallisto/internal/output/progress"
)

// lenSample is how many reads' barcode and UMI lengths decide the header's
// lengths when a technology's segments are open-ended (kallisto: about the
// first 10,000 reads).
const lenSample = 10000

// fldPairs is how many paired fragments in single-transcript classes make
// flens.txt (kallisto's 10,000).
const fldPairs = 10000

// record is a pseudoaligned read: barcode, UMI, flags and class (an index
// class, or -2-j for the j-th new transcript set of its batch).
type record struct {
	bc, umi uint64
	flags   uint32
	ec      int32
}

// batchResult is what a worker learned from one batch.
type batchResult struct {
	seq     int
	reads   int
	skipped int // too short for barcode or UMI
	recs    []record
	// New transcript sets: set j is newMembers[newOff[j]:newOff[j+1]].
	newOff     []int32
	newMembers []uint32
	reasons    [pseudo.NumReasons]int64
	bcLens     [33]int64 // lengths of the extracted barcodes and UMIs
	umiLens    [33]int64
	fragLens   []int32 // measurable fragment lengths (paired technologies)
	unique     int64
	// The first read group too short for barcode or UMI: which file, its
	// line and length, and the length the technology needs there.
	short                          bool
	shortFile, shortLen, shortNeed int
	shortLine                      int64
}

func (r *batchResult) reset(seq int) {
	*r = batchResult{seq: seq, recs: r.recs[:0], newOff: append(r.newOff[:0], 0), newMembers: r.newMembers[:0], fragLens: r.fragLens[:0]}
}

// worker holds one goroutine's extractor and mappers.
type worker struct {
	x               *technology.Extractor
	stranded, plain *pseudo.Mapper // with and without the strand filter
	num             bool           // -n: flags = read number
	samples         bool           // -B: the barcode is the read group's number
	reads           [][]byte
	strandedDefault bool
}

func newWorker(idx *index.Index, t technology.Technology, strand pseudo.Strand, num bool) *worker {
	w := &worker{x: technology.NewExtractor(t), num: num, reads: make([][]byte, t.Files)}
	w.plain = pseudo.NewMapper(idx, pseudo.Options{})
	w.stranded = w.plain
	if strand != pseudo.Unstranded {
		w.stranded = pseudo.NewMapper(idx, pseudo.Options{Strand: strand})
	}
	return w
}

// mapBatch processes the fragments of b; first is the 0-based number of
// its first fragment in the whole input (for -n).
func (w *worker) mapBatch(b *lanes.Batch, first int64, res *batchResult) {
	res.reset(b.Seq)
	n := b.Len()
	res.reads = n
	for i := 0; i < n; i++ {
		for j, r := range b.Reads {
			w.reads[j] = r.Seq(i)
		}
		rd, ok := w.x.Extract(w.reads)
		if !ok {
			if !res.short {
				w.noteShort(b, i, res)
			}
			res.skipped++
			continue
		}
		res.bcLens[min(len(rd.Barcode), 32)]++
		if rd.UMI != nil {
			res.umiLens[min(len(rd.UMI), 32)]++
		} else if len(w.x.Technology().UMI) == 0 {
			res.umiLens[1]++ // kallisto counts a UMI-less read as length 1
		}
		m := w.stranded
		if !rd.Stranded {
			m = w.plain
		}
		var r pseudo.Result
		if rd.Paired {
			r = m.Map(rd.Seq, rd.Seq2)
		} else {
			r = m.Map(rd.Seq, nil)
		}
		res.reasons[r.Reason]++
		if r.Reason != pseudo.Aligned {
			continue
		}
		if len(r.Targets) == 1 {
			res.unique++
		}
		if r.FragLen > 0 && rd.UMI == nil {
			res.fragLens = append(res.fragLens, r.FragLen)
		}
		rec := record{umi: bus.NoUMI}
		var fb, fu uint32
		rec.bc, fb = bus.Encode(rd.Barcode)
		if w.samples {
			rec.bc, fb = uint64(b.Group), 0 // -B: the sample's number is its barcode
		}
		if rd.UMI != nil {
			rec.umi, fu = bus.Encode(rd.UMI)
		}
		rec.flags = fb | fu<<8
		if w.num {
			rec.flags = uint32(first + int64(i))
		}
		if r.EC >= 0 {
			rec.ec = r.EC
		} else {
			rec.ec = int32(-2 - (len(res.newOff) - 1))
			res.newMembers = append(res.newMembers, r.Targets...)
			res.newOff = append(res.newOff, int32(len(res.newMembers)))
		}
		res.recs = append(res.recs, rec)
	}
}

// noteShort records which read of group i of b is too short.
func (w *worker) noteShort(b *lanes.Batch, i int, res *batchResult) {
	need := w.x.Technology().MinLen()
	for f, r := range w.reads {
		if len(r) < need[f] {
			res.short, res.shortFile, res.shortLen, res.shortNeed, res.shortLine = true, f, len(r), need[f], b.Reads[f].Line(i)
			return
		}
	}
}

// classes numbers transcript sets beyond the index's by first appearance.
type classes struct {
	idx       *index.Index
	newOff    []uint32
	newMember []uint32
	ids       map[string]int32
	key       []byte
	counts    []int64 // reads per class (index classes, then new ones)
}

func newClasses(idx *index.Index) *classes {
	return &classes{idx: idx, newOff: []uint32{0}, ids: map[string]int32{}, counts: make([]int64, idx.NumECs())}
}

func (c *classes) id(set []uint32) int32 {
	c.key = debruijn.ECKey(c.key[:0], set)
	if id, ok := c.ids[string(c.key)]; ok {
		return id
	}
	id := int32(len(c.counts))
	c.ids[string(c.key)] = id
	c.newMember = append(c.newMember, set...)
	c.newOff = append(c.newOff, uint32(len(c.newMember)))
	c.counts = append(c.counts, 0)
	return id
}

// members returns the transcripts of class id.
func (c *classes) members(id int) []uint32 {
	if n := c.idx.NumECs(); id >= n {
		j := id - n
		return c.newMember[c.newOff[j]:c.newOff[j+1]]
	}
	return c.idx.EC(uint32(id))
}

// Len is the number of classes.
func (c *classes) Len() int { return len(c.counts) }

// stats are the run's totals.
type stats struct {
	processed, skipped, aligned, unique int64
	reasons                             [pseudo.NumReasons]int64
	bcLens, umiLens                     [33]int64
	sampled                             int64 // reads in bcLens/umiLens
	fldHist                             []int64
	fldWant                             int
}

// sink receives the records of each batch in input order, classes
// resolved, with the totals so far.
type sink func(recs []bus.Record, st *stats) error

// run pseudoaligns every read group of in on threads workers and hands the
// records to out in input order. The classes and stats it returns are
// complete once it returns.
func run(ctx context.Context, idx *index.Index, t technology.Technology, strand pseudo.Strand, num bool, in lanes.Groups, threads int, line *progress.Line, out sink) (*classes, *stats, error) {
	return runWith(ctx, idx, t, strand, num, false, in, threads, line, out)
}

// runSamples is run for batch mode: each read group's number is its
// records' barcode.
func runSamples(ctx context.Context, idx *index.Index, t technology.Technology, strand pseudo.Strand, in lanes.Groups, threads int, line *progress.Line, out sink) (*classes, *stats, error) {
	return runWith(ctx, idx, t, strand, false, true, in, threads, line, out)
}

// runWith is run and runSamples; line (nil for none) is the terminal's
// live line, begun after the caller's "finding pseudoalignments" log text.
func runWith(ctx context.Context, idx *index.Index, t technology.Technology, strand pseudo.Strand, num, samples bool, in lanes.Groups, threads int, line *progress.Line, out sink) (*classes, *stats, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	line.Begin(logfmt.Finding)
	defer line.End()
	batches := make(chan *lanes.Batch, threads)
	results := make(chan *batchResult, threads)
	free := make(chan *batchResult, 2*threads+2)
	for i := 0; i < cap(free); i++ {
		free <- new(batchResult)
	}
	// first[seq]: number of the batch's first fragment, known only in
	// order; with -n the producer's side counts them (batch sizes are
	// fixed per file, so each batch's start is the running total).
	var firstMu sync.Mutex
	firsts := map[int]int64{}
	var prodErr error
	prodDone := make(chan struct{})
	counted := make(chan *lanes.Batch, threads)
	go func() {
		defer close(counted)
		var total int64
		for b := range batches {
			firstMu.Lock()
			firsts[b.Seq] = total
			firstMu.Unlock()
			total += int64(b.Len())
			select {
			case counted <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		prodErr = lanes.Produce(ctx, in, 2*threads+2, batches)
		close(prodDone)
	}()
	var wg sync.WaitGroup
	for w := 0; w < threads; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wk := newWorker(idx, t, strand, num)
			wk.samples = samples
			for {
				var res *batchResult
				select {
				case res = <-free:
				case <-ctx.Done():
					return
				}
				b, ok := <-counted
				if !ok {
					free <- res
					return
				}
				firstMu.Lock()
				first := firsts[b.Seq]
				delete(firsts, b.Seq)
				firstMu.Unlock()
				wk.mapBatch(b, first, res)
				b.Release()
				select {
				case results <- res:
				case <-ctx.Done():
				}
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()

	cl := newClasses(idx)
	st := &stats{fldHist: make([]int64, 1000), fldWant: fldPairs}
	pending := map[int]*batchResult{}
	next := 0
	var recs []bus.Record
	var outErr error
	for res := range results {
		pending[res.seq] = res
		for {
			r, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			recs = st.add(r, cl, recs[:0])
			line.Reads(st.processed, st.aligned)
			if outErr == nil && r.seq == 0 && r.short && 2*r.skipped > r.reads {
				f := in.List()[0][r.shortFile]
				outErr = fmt.Errorf("%s line %d: read of %d bases, shorter than the %d technology %s takes its barcode and UMI from; so are %d of the first %d reads (check -x and the order of the files)",
					f, r.shortLine, r.shortLen, r.shortNeed, t.Name, r.skipped, r.reads)
				cancel()
			}
			if outErr == nil {
				if outErr = out(recs, st); outErr != nil {
					cancel()
				}
			}
			next++
			free <- r
		}
	}
	<-prodDone
	if prodErr != nil {
		return nil, nil, prodErr
	}
	if outErr != nil {
		return nil, nil, outErr
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	return cl, st, nil
}

// add merges one batch into the totals and returns its records with
// their classes resolved.
func (st *stats) add(r *batchResult, cl *classes, recs []bus.Record) []bus.Record {
	st.processed += int64(r.reads)
	st.skipped += int64(r.skipped)
	st.unique += r.unique
	for i, n := range r.reasons {
		st.reasons[i] += n
	}
	if st.sampled < lenSample {
		for i := range r.bcLens {
			st.bcLens[i] += r.bcLens[i]
			st.umiLens[i] += r.umiLens[i]
			st.sampled += r.bcLens[i]
		}
	}
	for _, fl := range r.fragLens {
		if st.fldWant == 0 {
			break
		}
		if fl < int32(len(st.fldHist)) {
			st.fldHist[fl]++
			st.fldWant--
		}
	}
	for _, rc := range r.recs {
		ec := rc.ec
		if ec <= -2 {
			j := -2 - ec
			ec = cl.id(r.newMembers[r.newOff[j]:r.newOff[j+1]])
		}
		cl.counts[ec]++
		st.aligned++
		recs = append(recs, bus.Record{Barcode: rc.bc, UMI: rc.umi, EC: ec, Count: 1, Flags: rc.flags})
	}
	return recs
}

// mostCommon is the most frequent length of a histogram (the shortest on
// a tie), as kallisto patches open-ended lengths into the header.
func mostCommon(h [33]int64) uint32 {
	best := 0
	for i := range h {
		if h[i] > h[best] {
			best = i
		}
	}
	return uint32(best)
}

// headerLens are the barcode and UMI lengths of the BUS header: the
// technology's when fixed, else the most common among the sampled reads.
func headerLens(t technology.Technology, st *stats) (uint32, uint32) {
	bc, umi := uint32(t.BarcodeLen()), uint32(t.UMILen())
	if bc == 0 {
		bc = mostCommon(st.bcLens)
	}
	if umi == 0 {
		umi = mostCommon(st.umiLens)
	}
	return bc, umi
}

// logf writes to log when it is not nil.
func logf(log io.Writer, format string, a ...any) {
	if log != nil {
		fmt.Fprintf(log, format, a...)
	}
}
