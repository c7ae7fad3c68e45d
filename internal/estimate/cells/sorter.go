package cells

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/gallisto/gallisto/internal/output/bus"
)

// Sorter orders BUS records as bustools sort does (barcode, UMI, class,
// flags) and merges equal ones, summing their counts, in bounded memory.
// Records gather in chunks of chunkRecords; each full chunk is sorted and
// merged on its own (and copied to a smaller slice when merging emptied
// half of it, so that memory follows the distinct records, not the
// reads). When the chunks hold Budget bytes, they are merged
// into one sorted run in a temporary file in Dir and their memory is
// reused. Each ends as a k-way merge of the runs and the chunks.
//
// Chunks, not one growing slice: appending to a slice of millions of
// records copies it at every doubling, and a copy of hundreds of MB cannot
// be preempted, so the garbage collector spins waiting for it (in a 10 M
// read count, 6.7 s in growslice and 4.6 s of GC of 31 s CPU).
type Sorter struct {
	Dir    string         // for spilled runs (hidden files, removed at the end)
	Budget int64          // bytes of records held in memory
	chunks [][]bus.Record // sorted and merged
	cur    []bus.Record   // filling
	free   [][]bus.Record // chunks to reuse after a spill
	held   int            // records the chunks have room for (their memory)
	runs   []string       // spilled runs, in order; their files are gone after Close
}

// MinBudget is the smallest useful buffer (64 MiB, bustools' minimum).
const MinBudget = 64 << 20

// chunkRecords is the size of a chunk: 8 MiB of records, small beside the
// smallest budget, large enough that merging the chunks is cheap.
const chunkRecords = 1 << 18

func (s *Sorter) capacity() int {
	return int(max(s.Budget, 1<<16) / bus.RecordSize)
}

// Add adds a record.
func (s *Sorter) Add(r bus.Record) error {
	if s.cur == nil {
		s.cur = s.newChunk()
	}
	s.cur = append(s.cur, r)
	if len(s.cur) == cap(s.cur) {
		return s.seal()
	}
	return nil
}

// newChunk returns an empty chunk, reused when one is free.
func (s *Sorter) newChunk() []bus.Record {
	if n := len(s.free); n > 0 {
		c := s.free[n-1]
		s.free = s.free[:n-1]
		return c[:0]
	}
	return make([]bus.Record, 0, s.chunkSize())
}

func (s *Sorter) chunkSize() int { return min(chunkRecords, s.capacity()) }

// seal sorts the filling chunk into the held ones, and spills them all
// when they fill the budget.
func (s *Sorter) seal() error {
	c := sortMerge(s.cur)
	s.cur = nil
	if len(c) == 0 {
		s.free = append(s.free, c)
		return nil
	}
	if len(c) <= cap(c)/2 {
		// Merging equal records (duplicate reads of a molecule) left the
		// chunk mostly empty: keep a copy of its size, reuse the chunk.
		s.free = append(s.free, c[:0])
		c = slices.Clone(c)
	}
	s.chunks = append(s.chunks, c)
	s.held += cap(c)
	if s.held+s.chunkSize() > s.capacity() {
		return s.spill()
	}
	return nil
}

// Spills is the number of runs written to disk so far.
func (s *Sorter) Spills() int { return len(s.runs) }

func less(a, b *bus.Record) int {
	switch {
	case a.Barcode != b.Barcode:
		return cmp.Compare(a.Barcode, b.Barcode)
	case a.UMI != b.UMI:
		return cmp.Compare(a.UMI, b.UMI)
	case a.EC != b.EC:
		return cmp.Compare(a.EC, b.EC)
	}
	return cmp.Compare(a.Flags, b.Flags)
}

// sortMerge sorts recs and merges equal records in place.
func sortMerge(recs []bus.Record) []bus.Record {
	slices.SortFunc(recs, func(a, b bus.Record) int { return less(&a, &b) })
	out := recs[:0]
	for _, r := range recs {
		if n := len(out); n > 0 && less(&out[n-1], &r) == 0 {
			out[n-1].Count += r.Count
			continue
		}
		out = append(out, r)
	}
	return out
}

// spill merges the held chunks into a sorted run on disk and frees them.
func (s *Sorter) spill() error {
	name, f, err := s.createRun()
	if err != nil {
		return err
	}
	s.runs = append(s.runs, name)
	bw := bufio.NewWriterSize(f, 1<<20)
	var b []byte
	err = mergeSources(s.memSources(), func(r bus.Record) error {
		b = bus.AppendRecord(b[:0], r)
		_, err := bw.Write(b)
		return err
	})
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("cannot write a sorted run to %s (disk full? --max-memory holds more in memory): %w", s.Dir, err)
	}
	for _, c := range s.chunks {
		if cap(c) == s.chunkSize() { // shrunken copies are left to the collector
			s.free = append(s.free, c)
		}
	}
	s.chunks, s.held = nil, 0
	return nil
}

// createRun makes a hidden temporary file the output directory's stale
// file clean-up recognises (".NAME.tmp-XXXX").
func (s *Sorter) createRun() (string, *os.File, error) {
	for try := 0; ; try++ {
		name := filepath.Join(s.Dir, fmt.Sprintf(".sortrun%d.tmp-%s", len(s.runs), strconv.FormatUint(uint64(rand.Uint32()), 36)))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if os.IsExist(err) && try < 100 {
			continue
		}
		if err != nil {
			return "", nil, fmt.Errorf("cannot create a sorted run in %s: %w", s.Dir, err)
		}
		return name, f, nil
	}
}

// Close removes the temporary files; it may be called more than once.
func (s *Sorter) Close() {
	for _, r := range s.runs {
		os.Remove(r)
	}
}

// Each calls f with every merged record in order; the sorter is then
// spent. f's error stops it.
func (s *Sorter) Each(f func(bus.Record) error) error {
	defer s.Close()
	if s.cur != nil {
		if err := s.seal(); err != nil {
			return err
		}
	}
	srcs := s.memSources()
	defer func() {
		for _, src := range srcs {
			src.close()
		}
	}()
	for _, name := range s.runs {
		fh, err := os.Open(name)
		if err != nil {
			return err
		}
		srcs = append(srcs, &runSource{f: fh, r: bufio.NewReaderSize(fh, 1<<20)})
	}
	return mergeSources(srcs, f)
}

// source is a sorted, merged sequence of records: a chunk in memory or a
// run on disk.
type source interface {
	next() (bus.Record, bool, error)
	close()
}

type memSource struct{ recs []bus.Record }

func (m *memSource) next() (bus.Record, bool, error) {
	if len(m.recs) == 0 {
		return bus.Record{}, false, nil
	}
	r := m.recs[0]
	m.recs = m.recs[1:]
	return r, true, nil
}

func (m *memSource) close() {}

func (s *Sorter) memSources() []source {
	var out []source
	for _, c := range s.chunks {
		out = append(out, &memSource{c})
	}
	return out
}

type runSource struct {
	f *os.File
	r *bufio.Reader
}

func (rs *runSource) next() (bus.Record, bool, error) {
	var b [bus.RecordSize]byte
	if _, err := io.ReadFull(rs.r, b[:]); err != nil {
		if err == io.EOF {
			return bus.Record{}, false, nil
		}
		return bus.Record{}, false, fmt.Errorf("cannot read a sorted run: %w", err)
	}
	return bus.DecodeRecord(b[:]), true, nil
}

func (rs *runSource) close() { rs.f.Close() }

// head is a source and its next record, in the merge's heap.
type head struct {
	src source
	cur bus.Record
}

// mergeSources merges sorted sources through a binary heap, merging equal
// records across them, and calls f with each.
func mergeSources(srcs []source, f func(bus.Record) error) error {
	var h []head
	for _, src := range srcs {
		r, ok, err := src.next()
		if err != nil {
			return err
		}
		if ok {
			h = append(h, head{src, r})
		}
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		down(h, i)
	}
	have := false
	var pend bus.Record
	for len(h) > 0 {
		r := h[0].cur
		next, ok, err := h[0].src.next()
		if err != nil {
			return err
		}
		if ok {
			h[0].cur = next
		} else {
			h[0] = h[len(h)-1]
			h = h[:len(h)-1]
		}
		down(h, 0)
		if have && less(&pend, &r) == 0 {
			pend.Count += r.Count
			continue
		}
		if have {
			if err := f(pend); err != nil {
				return err
			}
		}
		pend, have = r, true
	}
	if have {
		return f(pend)
	}
	return nil
}

// down restores the heap order below i.
func down(h []head, i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && less(&h[r].cur, &h[l].cur) < 0 {
			m = r
		}
		if less(&h[m].cur, &h[i].cur) >= 0 {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}
