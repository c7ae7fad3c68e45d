package mphf

import "math/bits"

// Table is a minimal perfect hash function over a set of n uint64 keys: it
// maps the keys of the set one-to-one onto [0, n). Any other key maps to
// some value in [0, n) too (to 0 when n = 0); a Table cannot tell members
// from non-members.
//
// A Table is immutable; all its methods are safe for concurrent use.
type Table struct {
	n        uint64
	seed     uint64
	mask     uint64 // seedMask(seed), xor-ed into keys
	parts    uint64 // number of parts, >= 1
	buckets  uint64 // buckets per part, a positive multiple of 8
	remapLen uint64 // slots >= n, entries of remap
	width    uint   // bits per remap entry
	widthMsk uint64 // 1<<width - 1

	// meta[p] holds the first global slot of part p in its low offsetBits
	// bits and the part's salt above them; meta[parts] holds the total
	// number of slots (salt 0). The slots of part p are
	// [meta[p], meta[p+1]) after masking.
	meta []uint64
	// pilots holds one byte per bucket (bucket b of part p at byte
	// p*buckets+b), eight to a word, least significant byte first.
	pilots []uint64
	// remap holds remapLen entries of width bits, packed least
	// significant bit first, plus one padding word so that an entry
	// straddling two words can be read without a bounds test.
	remap []uint64
}

const (
	// offsetBits bits of a meta word hold a slot offset; the rest hold
	// the part's salt. 2^56 slots is far beyond any key set that fits in
	// memory.
	offsetBits = 56
	offsetMask = 1<<offsetBits - 1
	// maxSalt bounds the salts Build tries for one part (see part.go);
	// it fits in the 64-offsetBits = 8 salt bits of a meta word.
	maxSalt = 16
)

// Len returns n, the number of keys the Table was built from.
func (t *Table) Len() int { return int(t.n) }

// Seed returns the seed the Table was built with.
func (t *Table) Seed() uint64 { return t.seed }

// Lookup returns the index of key: a distinct value in [0, n) for each key
// of the set the Table was built from, and an arbitrary value in [0, n) for
// any other key (0 if n = 0). It does not allocate.
//
// Cost: one hash and one random byte read from the pilot array (the part
// metadata is small and stays cached); about 1% of the keys of the set need
// a second read from the remap array.
func (t *Table) Lookup(key uint64) uint64 {
	h := mix(key ^ t.mask)
	part, r := bits.Mul64(h, t.parts)
	b := bucketIn(r, t.buckets)
	lo, hi := t.meta[part], t.meta[part+1]
	i := part*t.buckets + b
	pilot := t.pilots[i>>3] >> ((i & 7) * 8) & 0xff
	off := lo & offsetMask
	slot := off + slotIn(h, pilotHash(lo>>offsetBits, pilot), hi&offsetMask-off)
	if slot < t.n {
		return slot
	}
	return t.remapAt(slot - t.n)
}

// remapAt returns remap entry i (i < remapLen).
func (t *Table) remapAt(i uint64) uint64 {
	pos := i * uint64(t.width)
	w, sh := pos>>6, pos&63
	v := t.remap[w] >> sh
	if sh != 0 {
		// The padding word makes w+1 valid; when sh+width <= 64 the
		// bits read from it are masked off below.
		v |= t.remap[w+1] << (64 - sh)
	}
	return v & t.widthMsk
}

// SizeBits returns the size of the Table's serialized form in bits, which
// is also its in-memory footprint apart from a fixed-size struct.
func (t *Table) SizeBits() int { return 64 * t.SizeWords() }

// SizeWords returns the number of uint64 words AppendWords appends.
func (t *Table) SizeWords() int {
	return headerWords + len(t.meta) + len(t.pilots) + len(t.remap)
}

// BitsPerKey returns SizeBits()/Len(), or 0 for an empty Table.
func (t *Table) BitsPerKey() float64 {
	if t.n == 0 {
		return 0
	}
	return float64(t.SizeBits()) / float64(t.n)
}

// remapWidth is the number of bits needed for values in [0, n).
func remapWidth(n uint64) uint {
	if n <= 1 {
		return 0
	}
	return uint(bits.Len64(n - 1))
}
