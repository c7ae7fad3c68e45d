package kdict

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/gallisto/gallisto/bloom"
	"github.com/gallisto/gallisto/mphf"
)

// Serialised form, a flat array of uint64 words:
//
//	word 0    number of parts P
//	word 1    number of keys n
//	word 2    number of filter words F (0: no filter)
//	          P serialised mphf tables (each self-delimiting, see mphf)
//	          ceil(n/2) words holding the n uint32 values, two per word,
//	          the first in the low half
//	          F filter words

// AppendWords appends the serialised dictionary to dst.
func (d *Dict) AppendWords(dst []uint64) []uint64 {
	var nf int
	if d.filter != nil {
		nf = len(d.filter.Words())
	}
	dst = append(dst, uint64(len(d.parts)), uint64(len(d.values)), uint64(nf))
	for _, t := range d.parts {
		dst = t.AppendWords(dst)
	}
	for i := 0; i < len(d.values); i += 2 {
		w := uint64(d.values[i])
		if i+1 < len(d.values) {
			w |= uint64(d.values[i+1]) << 32
		}
		dst = append(dst, w)
	}
	if d.filter != nil {
		dst = append(dst, d.filter.Words()...)
	}
	return dst
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
