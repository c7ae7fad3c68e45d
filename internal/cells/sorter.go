package cells

import (
	"bufio"
	"container/heap"
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
// flags) and merges equal ones, summing their counts, in bounded memory:
// records gather in a buffer of Budget bytes; a full buffer is sorted and
// merged in place, and when that does not halve it, written to a temporary
// file in Dir as a sorted run. Each ends as a k-way merge of the runs and
// the buffer.
type Sorter struct {
	Dir    string // for spilled runs (hidden files, removed at the end)
	Budget int64  // bytes of records held in memory
	buf    []bus.Record
	runs   []string
	spills int
}

// MinBudget is the smallest useful buffer (64 MiB, bustools' minimum).
const MinBudget = 64 << 20

func (s *Sorter) capacity() int {
	return int(max(s.Budget, 1<<16) / bus.RecordSize)
}

// Add adds a record.
func (s *Sorter) Add(r bus.Record) error {
	if s.buf == nil {
		s.buf = make([]bus.Record, 0, min(s.capacity(), 1<<20))
	}
	s.buf = append(s.buf, r)
	if len(s.buf) >= s.capacity() {
		s.buf = sortMerge(s.buf)
		if len(s.buf) > s.capacity()/2 {
			if err := s.spill(); err != nil {
				return err
			}
		}
	}
	return nil
}

// Spills is the number of runs written to disk so far.
func (s *Sorter) Spills() int { return s.spills }

func less(a, b *bus.Record) int {
	switch {
	case a.Barcode != b.Barcode:
		return cmp(a.Barcode, b.Barcode)
	case a.UMI != b.UMI:
		return cmp(a.UMI, b.UMI)
	case a.EC != b.EC:
		return cmp(a.EC, b.EC)
	}
	return cmp(a.Flags, b.Flags)
}

func cmp[T ~uint64 | ~int32 | ~uint32](a, b T) int {
	if a < b {
		return -1
	}
	if a > b {
		return 1
	}
	return 0
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

func (s *Sorter) spill() error {
	name, f, err := s.createRun()
	if err != nil {
		return err
	}
	s.runs = append(s.runs, name)
	s.spills++
	bw := bufio.NewWriterSize(f, 1<<20)
	var b []byte
	for _, r := range s.buf {
		b = bus.AppendRecord(b[:0], r)
		bw.Write(b)
	}
	err = bw.Flush()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("cannot write a sorted run to %s (disk full? --max-memory holds more in memory): %w", s.Dir, err)
	}
	s.buf = s.buf[:0]
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

// Close removes the temporary files.
func (s *Sorter) Close() {
	for _, r := range s.runs {
		os.Remove(r)
	}
	s.runs = nil
}

// Each calls f with every merged record in order; the sorter is then
// spent. f's error stops it.
func (s *Sorter) Each(f func(bus.Record) error) error {
	defer s.Close()
	s.buf = sortMerge(s.buf)
	if len(s.runs) == 0 {
		for _, r := range s.buf {
			if err := f(r); err != nil {
				return err
			}
		}
		return nil
	}
	if len(s.buf) > 0 {
		if err := s.spill(); err != nil {
			return err
		}
	}
	s.buf = nil
	return s.merge(f)
}

type runReader struct {
	f   *os.File
	r   *bufio.Reader
	cur bus.Record
}

func (rr *runReader) next() (bool, error) {
	var b [bus.RecordSize]byte
	if _, err := io.ReadFull(rr.r, b[:]); err != nil {
		if err == io.EOF {
			return false, nil
		}
		return false, err
	}
	rr.cur = bus.DecodeRecord(b[:])
	return true, nil
}

type runHeap []*runReader

func (h runHeap) Len() int           { return len(h) }
func (h runHeap) Less(i, j int) bool { return less(&h[i].cur, &h[j].cur) < 0 }
func (h runHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)        { *h = append(*h, x.(*runReader)) }
func (h *runHeap) Pop() any          { o := *h; x := o[len(o)-1]; *h = o[:len(o)-1]; return x }

// merge streams the runs through a heap, merging equal records across
// runs.
func (s *Sorter) merge(f func(bus.Record) error) error {
	var h runHeap
	defer func() {
		for _, rr := range h {
			rr.f.Close()
		}
	}()
	for _, name := range s.runs {
		fh, err := os.Open(name)
		if err != nil {
			return err
		}
		rr := &runReader{f: fh, r: bufio.NewReaderSize(fh, 1<<20)}
		ok, err := rr.next()
		if err != nil {
			fh.Close()
			return fmt.Errorf("cannot read a sorted run: %w", err)
		}
		if !ok {
			fh.Close()
			continue
		}
		h = append(h, rr)
	}
	heap.Init(&h)
	have := false
	var pend bus.Record
	for h.Len() > 0 {
		rr := h[0]
		r := rr.cur
		ok, err := rr.next()
		if err != nil {
			return fmt.Errorf("cannot read a sorted run: %w", err)
		}
		if ok {
			heap.Fix(&h, 0)
		} else {
			rr.f.Close()
			heap.Pop(&h)
		}
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
