package kmer

// Packed is a DNA sequence stored 2 bits per base in 64-bit words, first
// base in the most significant bits of the first word, so that any k-mer
// can be read with two word loads and shifts.
//
// The zero Packed is an empty sequence. A Packed built by FromWords shares
// the caller's slice (for example a memory-mapped index file): the words
// must not change while it is in use.
type Packed struct {
	words []uint64
	n     int // bases
}

// PackedFromWords wraps words holding n bases.
func PackedFromWords(words []uint64, n int) Packed { return Packed{words: words, n: n} }

// Len returns the number of bases.
func (p *Packed) Len() int { return p.n }

// Words returns the backing words (the last one padded with zero bits).
func (p *Packed) Words() []uint64 { return p.words }

// AppendCode appends one base code (0-3).
func (p *Packed) AppendCode(c uint8) {
	if p.n%32 == 0 {
		p.words = append(p.words, 0)
	}
	p.words[p.n/32] |= uint64(c&3) << (62 - 2*uint(p.n%32))
	p.n++
}

// AppendBases appends upper- or lower-case ACGT bytes; other bytes are
// stored as A (callers pass clean sequence).
func (p *Packed) AppendBases(b []byte) {
	for _, c := range b {
		p.AppendCode(code[c] & 3)
	}
}

// Code returns the code of base i.
func (p *Packed) Code(i int) uint8 {
	return uint8(p.words[i/32]>>(62-2*uint(i%32))) & 3
}

// Kmer returns the k-mer starting at base i. It requires i+k <= Len().
func (p *Packed) Kmer(s Shape, i int) Kmer {
	w := i / 32
	off := 2 * uint(i%32)
	x := p.words[w] << off
	if off > 64-2*uint(s.K) {
		x |= p.words[w+1] >> (64 - off)
	}
	return Kmer(x >> (64 - 2*uint(s.K)))
}

// Bases decodes bases [i, j) as upper-case letters.
func (p *Packed) Bases(i, j int) []byte {
	b := make([]byte, j-i)
	for x := i; x < j; x++ {
		b[x-i] = Letter(p.Code(x))
	}
	return b
}
