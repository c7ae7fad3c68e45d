// Package kmer implements 2-bit DNA k-mers for odd k from 3 to 31, their
// reverse complements and canonical forms, and an iterator over the valid
// k-mers of a sequence.
//
// The encoding is kallisto's (src/Kmer.hpp, 0.48): A=0, C=1, G=2, T=3, the
// first base in the most significant occupied bits. A k-mer is held
// right-aligned in a uint64, so for a fixed k numerical order equals
// lexicographic order and the canonical form (the smaller of a k-mer and its
// reverse complement) is the same k-mer kallisto stores in its index.
//
// Only A, C, G and T (either case) are bases; a window holding any other
// byte (N, IUPAC codes, '.', ...) is not a k-mer, as in kallisto's
// KmerIterator. Kmer is a single machine word; a two-word type for k up to
// 63 can be added beside it without changing the iterator's contract.
package kmer

import (
	"fmt"
	"math/bits"
)

// MaxK is the largest supported k: 31 bases fill 62 of a uint64's 64 bits,
// and k must be odd so that no k-mer equals its own reverse complement.
const MaxK = 31

// MinK is the smallest supported k (kallisto's limit too).
const MinK = 3

// Kmer is a k-mer of at most MaxK bases, 2 bits per base, right-aligned.
// The k it belongs to is not stored: functions that need it take a Shape.
type Kmer uint64

// Invalid marks a byte that is not a base in the code table.
const Invalid = 4

// code maps a byte to its 2-bit base code, or Invalid.
var code = func() (t [256]uint8) {
	for i := range t {
		t[i] = Invalid
	}
	for i, c := range []byte("ACGT") {
		t[c] = uint8(i)
		t[c|0x20] = uint8(i) // lowercase
	}
	return t
}()

// Code returns the 2-bit code of base b (A/a=0, C/c=1, G/g=2, T/t=3) or
// Invalid for any other byte.
func Code(b byte) uint8 { return code[b] }

// Letter returns the upper-case base for a 2-bit code.
func Letter(c uint8) byte { return "ACGT"[c&3] }

// Shape carries k and the constants derived from it. The zero Shape is not
// usable; build one with NewShape.
type Shape struct {
	K     int
	mask  uint64 // low 2k bits set
	hi    uint   // shift of the first base: 2(k-1)
	rcOff uint   // right shift that realigns a full-word reverse complement
}

// NewShape validates k (odd, MinK..MaxK) and returns its Shape.
func NewShape(k int) (Shape, error) {
	if k < MinK || k > MaxK {
		return Shape{}, fmt.Errorf("kmer: invalid k-mer length %d, minimum is %d and maximum is %d", k, MinK, MaxK)
	}
	if k%2 == 0 {
		return Shape{}, fmt.Errorf("kmer: k-mer length must be odd, got %d", k)
	}
	return Shape{K: k, mask: 1<<(2*uint(k)) - 1, hi: 2 * uint(k-1), rcOff: 64 - 2*uint(k)}, nil
}

// MustShape is NewShape for constants known to be valid; it panics otherwise.
func MustShape(k int) Shape {
	s, err := NewShape(k)
	if err != nil {
		panic(err)
	}
	return s
}

// RevComp returns the reverse complement of km.
func (s Shape) RevComp(km Kmer) Kmer {
	// Complement every base (A<->T is 0<->3, C<->G is 1<->2: XOR 3), then
	// reverse the order of the 2-bit groups in the word.
	x := ^uint64(km)
	x = (x>>2)&0x3333333333333333 | (x&0x3333333333333333)<<2
	x = (x>>4)&0x0F0F0F0F0F0F0F0F | (x&0x0F0F0F0F0F0F0F0F)<<4
	x = bits.ReverseBytes64(x)
	return Kmer(x >> s.rcOff)
}

// Canonical returns the smaller of km and its reverse complement, and
// whether that is km itself (km is in forward orientation).
func (s Shape) Canonical(km Kmer) (Kmer, bool) {
	rc := s.RevComp(km)
	if rc < km {
		return rc, false
	}
	return km, true
}

// Append returns km with base code c appended at the end and the first base
// dropped (km's successor through c).
func (s Shape) Append(km Kmer, c uint8) Kmer {
	return Kmer((uint64(km)<<2 | uint64(c)) & s.mask)
}

// Prepend returns km with base code c put in front and the last base dropped
// (km's predecessor through c).
func (s Shape) Prepend(km Kmer, c uint8) Kmer {
	return Kmer(uint64(km)>>2 | uint64(c)<<s.hi)
}

// First returns the code of km's first base.
func (s Shape) First(km Kmer) uint8 { return uint8(uint64(km) >> s.hi) }

// Last returns the code of km's last base.
func Last(km Kmer) uint8 { return uint8(km & 3) }

// FromBytes encodes the first k bytes of seq, or reports false when seq is
// shorter or one of them is not a base. Eight bases at a time are combined
// independently of the others, so the CPU works on several at once
// instead of shifting them in one by one (a chain of 31 dependent steps
// for k = 31); the mapper encodes a k-mer this way at every read start and
// every jump along a contig.
func (s Shape) FromBytes(seq []byte) (Kmer, bool) {
	if len(seq) < s.K {
		return 0, false
	}
	w := seq[:s.K:s.K]
	var acc uint64
	var bad uint8
	i := 0
	for ; i+8 <= len(w); i += 8 {
		c := w[i : i+8 : i+8]
		c0, c1, c2, c3 := code[c[0]], code[c[1]], code[c[2]], code[c[3]]
		c4, c5, c6, c7 := code[c[4]], code[c[5]], code[c[6]], code[c[7]]
		bad |= c0 | c1 | c2 | c3 | c4 | c5 | c6 | c7
		v := uint64(c0&3)<<14 | uint64(c1&3)<<12 | uint64(c2&3)<<10 | uint64(c3&3)<<8 |
			uint64(c4&3)<<6 | uint64(c5&3)<<4 | uint64(c6&3)<<2 | uint64(c7&3)
		acc = acc<<16 | v
	}
	for ; i < len(w); i++ {
		c := code[w[i]]
		bad |= c
		acc = acc<<2 | uint64(c&3)
	}
	// Invalid is the only code with a bit above the two a base uses.
	return Kmer(acc), bad&Invalid == 0
}

// String decodes km into its k bases.
func (s Shape) String(km Kmer) string {
	b := make([]byte, s.K)
	for i := s.K - 1; i >= 0; i-- {
		b[i] = Letter(uint8(km))
		km >>= 2
	}
	return string(b)
}
