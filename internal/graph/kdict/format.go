package kdict

import (
	"errors"
	"fmt"
	"io"
	"unsafe"

	"github.com/gallisto/gallisto/internal/graph/bloom"
	"github.com/gallisto/gallisto/internal/graph/mphf"
)

// Serialised form (WriteTo), a flat array of little-endian uint64 words:
//
//	word 0    number of parts P
//	word 1    number of keys n
//	word 2    number of filter words F (0: no filter)
//	          P serialised mphf tables (each self-delimiting, see mphf)
//	          ceil(n/2) words holding the n uint32 values, two per word,
//	          the first in the low half
//	          F filter words

// SizeWords returns the length of the serialised dictionary in words.
func (d *Dict) SizeWords() int {
	n := 3 + (len(d.values)+1)/2
	for _, t := range d.parts {
		n += t.SizeWords()
	}
	if d.filter != nil {
		n += len(d.filter.Words())
	}
	return n
}

// WriteTo writes the serialised dictionary (the words of AppendWords, as
// little-endian bytes) to w without building it in memory.
func (d *Dict) WriteTo(w io.Writer) (int64, error) {
	var nf int
	if d.filter != nil {
		nf = len(d.filter.Words())
	}
	var total int64
	put := func(b []byte) error {
		n, err := w.Write(b)
		total += int64(n)
		return err
	}
	if err := put(wordBytes([]uint64{uint64(len(d.parts)), uint64(len(d.values)), uint64(nf)})); err != nil {
		return total, err
	}
	for _, t := range d.parts {
		n, err := t.WriteTo(w)
		total += n
		if err != nil {
			return total, err
		}
	}
	if len(d.values) > 0 {
		vb := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(d.values))), 4*len(d.values))
		if err := put(vb); err != nil {
			return total, err
		}
		if len(d.values)%2 == 1 {
			if err := put(make([]byte, 4)); err != nil { // pad to a whole word
				return total, err
			}
		}
	}
	if nf > 0 {
		if err := put(wordBytes(d.filter.Words())); err != nil {
			return total, err
		}
	}
	return total, nil
}

// wordBytes views words as their little-endian bytes (this package, like
// the index format, runs on little-endian hosts only).
func wordBytes(w []uint64) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(w))), 8*len(w))
}

// ErrFormat is wrapped by FromWords errors.
var ErrFormat = errors.New("kdict: invalid dictionary")

// FromWords reads a dictionary from w and returns the words after it. The
// values and filter are used in place (little-endian hosts only: the
// values are reinterpreted as uint32s without copying).
func FromWords(w []uint64) (*Dict, []uint64, error) {
	if len(w) < 3 {
		return nil, nil, fmt.Errorf("%w: short header", ErrFormat)
	}
	np, n, nf := w[0], w[1], w[2]
	w = w[3:]
	if np == 0 || np > uint64(len(w)) || n > 1<<32 || nf > uint64(len(w)) {
		return nil, nil, fmt.Errorf("%w: bad header", ErrFormat)
	}
	d := &Dict{parts: make([]*mphf.Table, np), off: make([]uint64, np+1)}
	for p := range d.parts {
		t, rest, err := mphf.FromWords(w)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: part %d: %v", ErrFormat, p, err)
		}
		d.parts[p] = t
		d.off[p+1] = d.off[p] + uint64(t.Len())
		w = rest
	}
	if d.off[np] != n {
		return nil, nil, fmt.Errorf("%w: parts hold %d keys, header says %d", ErrFormat, d.off[np], n)
	}
	nv := (n + 1) / 2
	if nv > uint64(len(w)) {
		return nil, nil, fmt.Errorf("%w: values truncated", ErrFormat)
	}
	if n > 0 {
		d.values = unsafe.Slice((*uint32)(unsafe.Pointer(&w[0])), n)
	}
	w = w[nv:]
	if nf > 0 {
		if nf > uint64(len(w)) {
			return nil, nil, fmt.Errorf("%w: filter truncated", ErrFormat)
		}
		f, err := bloom.FromWords(w[:nf])
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrFormat, err)
		}
		d.filter = f
		w = w[nf:]
	}
	return d, w, nil
}
