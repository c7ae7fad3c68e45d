package quant

import (
	"context"
	"sync"

	"github.com/gallisto/gallisto/internal/align/pseudo"
	"github.com/gallisto/gallisto/internal/estimate/bias"
	"github.com/gallisto/gallisto/internal/estimate/strand"
	"github.com/gallisto/gallisto/internal/graph/debruijn"
	"github.com/gallisto/gallisto/internal/graph/index"
	"github.com/gallisto/gallisto/internal/input/fastq"
	"github.com/gallisto/gallisto/internal/input/lanes"
)

// batchResult is what a worker learned from one batch, to be merged in
// input order.
type batchResult struct {
	seq   int
	reads int
	// ecs has one entry per read: a class id of the index, -1 for an
	// unaligned read, or -2-j for the j-th new transcript set of this batch.
	ecs []int32
	// New transcript sets: set j is newMembers[newOff[j]:newOff[j+1]].
	newOff     []int32
	newMembers []uint32
	// fragLens lists measurable fragment lengths in read order.
	fragLens []int32
	reasons  [pseudo.NumReasons]int64
	// hexes lists the bias hexamers of aligned reads in read order (--bias).
	hexes []int32
	// strandEv has, for each read aligned to a single transcript (without
	// a strand filter), +1 when only the FR filter keeps it, -1 when only
	// the RF filter does, 0 otherwise (--strand auto).
	strandEv []strand.Evidence
	// alt holds what the batch gives under the FR and RF filters
	// (--strand auto), nil otherwise.
	alt [2]*batchResult
	// places holds, with --model full, the places of every aligned read
	// in read order, one per transcript of its set.
	places []pseudo.Place
}

// reset empties res for batch seq of n reads.
func (res *batchResult) reset(seq, n int) {
	res.seq, res.reads = seq, n
	res.ecs = res.ecs[:0]
	res.newOff = append(res.newOff[:0], 0)
	res.newMembers = res.newMembers[:0]
	res.fragLens = res.fragLens[:0]
	res.reasons = [pseudo.NumReasons]int64{}
	res.hexes = res.hexes[:0]
	res.strandEv = res.strandEv[:0]
	res.places = res.places[:0]
	for _, a := range res.alt {
		if a != nil {
			a.reset(seq, n)
		}
	}
}

// addRead records the result of the next read.
func (res *batchResult) addRead(r *pseudo.Result) {
	res.reasons[r.Reason]++
	switch {
	case r.Reason != pseudo.Aligned:
		res.ecs = append(res.ecs, -1)
	case r.EC >= 0:
		res.ecs = append(res.ecs, r.EC)
	default:
		res.ecs = append(res.ecs, int32(-2-(len(res.newOff)-1)))
		res.newMembers = append(res.newMembers, r.Targets...)
		res.newOff = append(res.newOff, int32(len(res.newMembers)))
	}
	if r.Reason == pseudo.Aligned {
		res.places = append(res.places, r.Places...)
	}
	if r.FragLen > 0 {
		res.fragLens = append(res.fragLens, r.FragLen)
	}
	if r.Reason == pseudo.Aligned && r.Hex5 >= 0 {
		res.hexes = append(res.hexes, r.Hex5)
	}
}

// mapBatch pseudoaligns every read of rb.
func mapBatch(m *pseudo.Mapper, rb *lanes.Batch, res *batchResult) {
	n := rb.Len()
	res.reset(rb.Seq, n)
	r1 := rb.Reads[0]
	var m2 *fastq.Batch
	if len(rb.Reads) > 1 {
		m2 = rb.Reads[1]
	}
	for i := 0; i < n; i++ {
		var r2 []byte
		if m2 != nil {
			r2 = m2.Seq(i)
		}
		r := m.Map(r1.Seq(i), r2)
		res.addRead(&r)
		if res.alt[0] != nil {
			// A fragment that does not align unstranded fails alike
			// under either strand filter.
			fr, rf := r.FR, r.RF
			if fr == nil {
				fr, rf = &r, &r
			}
			res.alt[0].addRead(fr)
			res.alt[1].addRead(rf)
			if r.FR != nil && r.Reason == pseudo.Aligned && len(r.Targets) == 1 {
				res.strandEv = append(res.strandEv, strand.Classify(r.FR, r.RF))
			}
		}
	}
}

// counts accumulates results in input order: class counts, classes seen
// for the first time (numbered in order of first appearance, so the
// numbering does not depend on the number of threads), the fragment length
// histogram from the first fragments, and why reads were not aligned.
type counts struct {
	idx       *index.Index
	ecCounts  []int64
	newOff    []uint32 // classes beyond the index's, like index.ECOff
	newMember []uint32
	newIDs    map[string]uint32
	key       []byte

	processed int64
	reasons   [pseudo.NumReasons]int64

	fldWant int     // fragments still wanted for the histogram
	fldHist []int64 // counts per length

	biasWant int     // bias hexamers still wanted (--bias)
	bias     []int64 // observed 5' hexamer counts, 4096 with --bias

	// --strand auto: the collectors of the FR and RF filtered results and
	// the strand evidence from the first uniquely aligned fragments.
	alt        [2]*counts
	strandWant int
	strandEv   strand.Counts

	full *fullState // --model full, else nil
}

// setBias arms the collection of observed hexamers (--bias).
func (c *counts) setBias(on bool) {
	if on {
		c.biasWant = bias.Reads
		c.bias = make([]int64, bias.NumHexamers)
	}
}

func newCounts(idx *index.Index, fldWant int) *counts {
	return &counts{
		idx:      idx,
		ecCounts: make([]int64, idx.NumECs()),
		newOff:   []uint32{0},
		newIDs:   make(map[string]uint32),
		fldWant:  fldWant,
		fldHist:  make([]int64, maxFragLen),
	}
}

// maxFragLen is kallisto's MAX_FRAG_LEN.
const maxFragLen = 1000

func (c *counts) add(res *batchResult) {
	c.processed += int64(res.reads)
	for i, r := range res.reasons {
		c.reasons[i] += r
	}
	off := 0 // of the next aligned read's places (--model full)
	for _, ec := range res.ecs {
		var id uint32
		switch {
		case ec >= 0:
			id = uint32(ec)
		case ec <= -2:
			j := -2 - ec
			id = c.newClass(res.newMembers[res.newOff[j]:res.newOff[j+1]])
		default:
			continue
		}
		c.ecCounts[id]++
		if c.full != nil {
			mem := c.members(id)
			c.full.addFragment(id, mem, res.places[off:off+len(mem)])
			off += len(mem)
		}
	}
	for _, fl := range res.fragLens {
		if c.fldWant == 0 {
			break
		}
		c.fldHist[fl]++
		c.fldWant--
	}
	c.fullAfterBatch(false)
	for _, h := range res.hexes {
		if c.biasWant == 0 {
			break
		}
		c.bias[h]++
		c.biasWant--
	}
	for _, ev := range res.strandEv {
		if c.strandWant == 0 {
			break
		}
		c.strandEv.Add(ev)
		c.strandWant--
	}
	for j, a := range c.alt {
		if a != nil && res.alt[j] != nil {
			a.add(res.alt[j])
		}
	}
}

// newClass returns the id of a transcript set that is not an index class,
// creating it on first sight.
func (c *counts) newClass(set []uint32) uint32 {
	c.key = debruijn.ECKey(c.key[:0], set)
	if id, ok := c.newIDs[string(c.key)]; ok {
		return id
	}
	id := uint32(len(c.ecCounts))
	c.newIDs[string(c.key)] = id
	c.newMember = append(c.newMember, set...)
	c.newOff = append(c.newOff, uint32(len(c.newMember)))
	c.ecCounts = append(c.ecCounts, 0)
	return id
}

// pseudoaligned returns the number of reads in any class, and in
// single-transcript classes.
func (c *counts) pseudoaligned() (all, unique int64) {
	for i, n := range c.ecCounts {
		all += n
		if i < c.idx.NumTargets() {
			unique += n
		}
	}
	return
}

// classes returns all classes (index ones, then new ones) in CSR form.
func (c *counts) classes() (off []uint32, members []uint32) {
	x := c.idx
	off = append([]uint32(nil), x.ECOff...)
	members = append(append([]uint32(nil), x.ECMembers...), c.newMember...)
	base := off[len(off)-1]
	for _, o := range c.newOff[1:] {
		off = append(off, base+o)
	}
	return off, members
}

// pseudoalignAll runs the read pipeline: one producer reading the inputs,
// threads workers, and the caller's goroutine merging results in order and
// telling w (which may be nil) of each merged batch.
func pseudoalignAll(ctx context.Context, idx *index.Index, in lanes.Groups, threads int, mopt pseudo.Options, fldWant int, full *fullArm, w *watcher) (*counts, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	nbuf := 2*threads + 2
	batches := make(chan *lanes.Batch, threads)
	results := make(chan *batchResult, threads)
	free := make(chan *batchResult, 2*threads+2)
	for i := 0; i < cap(free); i++ {
		res := new(batchResult)
		if mopt.BothStrands {
			res.alt = [2]*batchResult{new(batchResult), new(batchResult)}
		}
		free <- res
	}
	var prodErr error
	prodDone := make(chan struct{})
	go func() {
		prodErr = lanes.Produce(ctx, in, nbuf, batches)
		close(prodDone)
	}()
	var wg sync.WaitGroup
	for w := 0; w < threads; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := pseudo.NewMapper(idx, mopt)
			for {
				// Take a result buffer before a batch: the worker holding the
				// oldest unmerged batch then always has one, so the in-order
				// merge cannot starve it of buffers.
				var res *batchResult
				select {
				case res = <-free:
				case <-ctx.Done():
					return
				}
				rb, ok := <-batches
				if !ok {
					free <- res
					return
				}
				mapBatch(m, rb, res)
				rb.Release()
				select {
				case results <- res:
				case <-ctx.Done():
				}
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()

	c := newCounts(idx, fldWant)
	c.setBias(mopt.Bias)
	if mopt.BothStrands {
		for j := range c.alt {
			c.alt[j] = newCounts(idx, fldWant)
			c.alt[j].setBias(mopt.Bias)
		}
		c.strandWant = strand.Fragments
	}
	if full != nil {
		c.armFull(full.model, full.parts)
	}
	pending := make(map[int]*batchResult)
	nextSeq := 0
	for res := range results {
		pending[res.seq] = res
		for {
			r, ok := pending[nextSeq]
			if !ok {
				break
			}
			delete(pending, nextSeq)
			c.add(r)
			w.batch(c, r)
			nextSeq++
			free <- r
		}
	}
	<-prodDone
	if prodErr != nil {
		return nil, prodErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.fullAfterBatch(true)
	for _, a := range c.alt {
		if a != nil {
			a.fullAfterBatch(true)
		}
	}
	return c, nil
}
