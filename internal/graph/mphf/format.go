package mphf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"slices"
	"unsafe"
)

// Serialized form, format version 1: a flat array of uint64 words, written
// little-endian when stored as bytes.
//
//	word 0   formatMagic: the bytes "GMPHF\x1a" then version 1 as a uint16
//	word 1   n, the number of keys
//	word 2   seed
//	word 3   P, the number of parts (>= 1)
//	word 4   B, buckets per part (a positive multiple of 8)
//	word 5   R, the number of remap entries (total slots - n)
//	word 6   W, bits per remap entry (remapWidth(n))
//	word 7   T, the total number of words, header included
//	meta     P+1 words (see Table.meta)
//	pilots   P*B/8 words, one byte per bucket, least significant first
//	remap    ceil(R*W/64)+1 words, R entries of W bits, least significant
//	         bit first, then one padding word
//
// Everything Lookup needs is in the words themselves, so FromWords can use
// them in place (for instance from an mmap'ed file).

// formatMagic is "GMPHF\x1a" followed by format version 1 (uint16), read as
// a little-endian word.
const formatMagic = 0x00011a4648504d47

const headerWords = 8

// ErrFormat is wrapped by every error FromWords, FromBytes and
// UnmarshalBinary return for input that is not a valid serialized Table.
var ErrFormat = errors.New("mphf: invalid table")

// header returns the header words of the serialized form.
func (t *Table) header() [headerWords]uint64 {
	return [headerWords]uint64{formatMagic, t.n, t.seed, t.parts, t.buckets,
		t.remapLen, uint64(t.width), uint64(t.SizeWords())}
}

// sections returns the serialized form as a list of word slices.
func (t *Table) sections() [4][]uint64 {
	h := t.header()
	return [4][]uint64{h[:], t.meta, t.pilots, t.remap}
}

// AppendWords appends the serialized Table to dst and returns the extended
// slice.
func (t *Table) AppendWords(dst []uint64) []uint64 {
	dst = slices.Grow(dst, t.SizeWords())
	for _, s := range t.sections() {
		dst = append(dst, s...)
	}
	return dst
}

// AppendBinary appends the serialized Table to b as little-endian bytes
// (encoding.BinaryAppender). The error is always nil.
func (t *Table) AppendBinary(b []byte) ([]byte, error) {
	b = slices.Grow(b, 8*t.SizeWords())
	for _, s := range t.sections() {
		for _, w := range s {
			b = binary.LittleEndian.AppendUint64(b, w)
		}
	}
	return b, nil
}

// MarshalBinary returns the serialized Table as little-endian bytes
// (encoding.BinaryMarshaler). The error is always nil.
func (t *Table) MarshalBinary() ([]byte, error) {
	return t.AppendBinary(nil)
}

// WriteTo writes the serialized Table to w as little-endian bytes
// (io.WriterTo), through a small buffer.
func (t *Table) WriteTo(w io.Writer) (int64, error) {
	var buf [4096]byte // any multiple of 8
	b, total := buf[:0], int64(0)
	for _, s := range t.sections() {
		for _, x := range s {
			b = binary.LittleEndian.AppendUint64(b, x)
			if len(b) == len(buf) {
				n, err := w.Write(b)
				total += int64(n)
				if err != nil {
					return total, err
				}
				b = b[:0]
			}
		}
	}
	n, err := w.Write(b)
	return total + int64(n), err
}

// UnmarshalBinary replaces t with the Table serialized in data, which must
// hold exactly one Table (encoding.BinaryUnmarshaler). Unlike FromBytes it
// always copies: t does not keep a reference to data. It is the one method
// that modifies a Table: do not call it on a Table in use.
func (t *Table) UnmarshalBinary(data []byte) error {
	if len(data)%8 != 0 {
		return fmt.Errorf("%w: length %d is not a multiple of 8", ErrFormat, len(data))
	}
	w := make([]uint64, len(data)/8)
	for i := range w {
		w[i] = binary.LittleEndian.Uint64(data[8*i:])
	}
	u, rest, err := FromWords(w)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return fmt.Errorf("%w: %d trailing words", ErrFormat, len(rest))
	}
	*t = *u
	return nil
}

// FromWords returns the Table serialized at the start of w and the words
// after it. It does not copy: the Table reads w in place, so w must not be
// modified while the Table is in use. Input that is not a valid Table
// (truncated, corrupt or of another format version) gives an error wrapping
// ErrFormat, never a panic.
//
// The checks make every Lookup safe and in range, whatever the content;
// they cannot detect corrupted pilot bytes, which turn the Table into a
// non-injective function. Callers that need that assurance should checksum
// the file. Validation reads the header, the part metadata and the remap
// entries (about 1/100 of the words), not the pilots.
func FromWords(w []uint64) (*Table, []uint64, error) {
	bad := func(format string, args ...any) (*Table, []uint64, error) {
		return nil, nil, fmt.Errorf("%w: "+format, append([]any{ErrFormat}, args...)...)
	}
	if len(w) < headerWords {
		return bad("%d words, shorter than the %d-word header", len(w), headerWords)
	}
	if w[0] != formatMagic {
		return bad("bad magic/version word %#016x", w[0])
	}
	t := &Table{n: w[1], seed: w[2], parts: w[3], buckets: w[4], remapLen: w[5]}
	t.mask = seedMask(t.seed)
	total := uint64(len(w))
	switch {
	case t.parts == 0 || t.parts >= total:
		return bad("%d parts for %d words", t.parts, len(w))
	case t.buckets == 0 || t.buckets%8 != 0:
		return bad("%d buckets per part", t.buckets)
	case w[6] != uint64(remapWidth(t.n)):
		return bad("remap width %d for %d keys", w[6], t.n)
	case t.n > offsetMask || t.remapLen > offsetMask-t.n:
		return bad("%d keys and %d remap entries", t.n, t.remapLen)
	}
	t.width = uint(w[6])
	t.widthMsk = 1<<t.width - 1
	hi, pilotBytes := bits.Mul64(t.parts, t.buckets)
	if hi != 0 || pilotBytes/8 >= total {
		return bad("%d parts of %d buckets for %d words", t.parts, t.buckets, len(w))
	}
	// remapLen*width < 2^56*64 = 2^62: no overflow.
	remapWords := (t.remapLen*uint64(t.width)+63)/64 + 1
	need := headerWords + (t.parts + 1) + pilotBytes/8 + remapWords
	if w[7] != need {
		return bad("header says %d words, layout needs %d", w[7], need)
	}
	if need > total {
		return bad("truncated: %d words, need %d", len(w), need)
	}
	rest := w[need:]
	w = w[headerWords:need:need]
	t.meta, w = w[:t.parts+1], w[t.parts+1:]
	t.pilots, t.remap = w[:pilotBytes/8], w[pilotBytes/8:]
	if err := t.validate(); err != nil {
		return nil, nil, err
	}
	return t, rest, nil
}

// validate checks the part metadata and the remap entries of a Table whose
// section lengths are already consistent.
func (t *Table) validate() error {
	prev := uint64(0)
	if t.meta[0]&offsetMask != 0 {
		return fmt.Errorf("%w: part 0 starts at slot %d", ErrFormat, t.meta[0]&offsetMask)
	}
	for p, m := range t.meta[1:] {
		off := m & offsetMask
		if off <= prev {
			return fmt.Errorf("%w: part %d is empty or negative", ErrFormat, p)
		}
		if t.meta[p]>>offsetBits >= maxSalt {
			return fmt.Errorf("%w: part %d has salt %d", ErrFormat, p, t.meta[p]>>offsetBits)
		}
		prev = off
	}
	if last := t.meta[t.parts]; last>>offsetBits != 0 || last != t.n+t.remapLen {
		return fmt.Errorf("%w: %d slots for %d keys and %d remap entries",
			ErrFormat, last&offsetMask, t.n, t.remapLen)
	}
	if t.n > 0 {
		for i := range t.remapLen {
			if v := t.remapAt(i); v >= t.n {
				return fmt.Errorf("%w: remap entry %d is %d >= %d keys", ErrFormat, i, v, t.n)
			}
		}
	}
	return nil
}

// FromBytes is FromWords for the little-endian byte form (as written by
// AppendBinary or to a file). On little-endian machines, when b is 8-byte
// aligned (as mmap'ed memory and Go allocations of 8 bytes or more are), the
// Table uses b in place and b must not be modified while it is in use;
// otherwise the words are copied. The returned rest is the part of b after
// the Table (a subslice of b in both cases).
func FromBytes(b []byte) (*Table, []byte, error) {
	if len(b)%8 != 0 {
		return nil, nil, fmt.Errorf("%w: length %d is not a multiple of 8", ErrFormat, len(b))
	}
	var w []uint64
	if len(b) > 0 && littleEndian && uintptr(unsafe.Pointer(&b[0]))%8 == 0 {
		w = unsafe.Slice((*uint64)(unsafe.Pointer(&b[0])), len(b)/8)
	} else {
		w = make([]uint64, len(b)/8)
		for i := range w {
			w[i] = binary.LittleEndian.Uint64(b[8*i:])
		}
	}
	t, rest, err := FromWords(w)
	if err != nil {
		return nil, nil, err
	}
	return t, b[8*(len(w)-len(rest)):], nil
}

// littleEndian reports whether the machine stores words least significant
// byte first, so that the serialized bytes can be read as words in place.
var littleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()
