// Package bloom is a cache-line-blocked Bloom filter over 64-bit hashes
// (Putze, Sanders & Singler, "Cache-, hash- and space-efficient Bloom
// filters", JEA 2009): each key selects one 64-byte block and sets one bit
// in each of the block's eight words, so a query touches a single cache
// line (when the words start on a 64-byte boundary, as Go's large
// allocations do and index.Load arranges for a loaded index).
//
// gallisto uses it in front of the k-mer dictionary: most k-mers looked up
// while pseudoaligning real reads contain a sequencing error and are absent
// from the index, and the filter rejects almost all of them with one memory
// access. It never rejects a key that was added (no false negatives).
//
// A Filter is immutable after Build and safe for concurrent queries. A
// Filter made by FromWords shares the caller's slice, which must not change
// while in use.
package bloom

import (
	"errors"
	"math/bits"
	"sync/atomic"
	"unsafe"

	"github.com/gallisto/gallisto/internal/graph/bloom/prefetch"
)

// wordsPerBlock is 8: 8 x 64-bit words = one 64-byte cache line.
const wordsPerBlock = 8

// Filter is a blocked Bloom filter.
type Filter struct {
	words   []uint64
	blocks  uint64
	aligned bool // blocks start on 64-byte boundaries: one cache line each
}

// New returns an empty filter sized for n keys at bitsPerKey bits each
// (12 gives about 1-2% false positives with this layout).
func New(n int, bitsPerKey int) *Filter {
	nb := (uint64(n)*uint64(bitsPerKey) + 511) / 512
	if nb == 0 {
		nb = 1
	}
	return newFilter(make([]uint64, nb*wordsPerBlock))
}

func newFilter(words []uint64) *Filter {
	return &Filter{
		words:   words,
		blocks:  uint64(len(words) / wordsPerBlock),
		aligned: uintptr(unsafe.Pointer(unsafe.SliceData(words)))%(8*wordsPerBlock) == 0,
	}
}

// mix is the 64-bit finaliser of MurmurHash3 (fmix64): it spreads the
// low-entropy bits of packed k-mers over the whole word.
func mix(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// locate returns the block's first word and the 48 bits choosing one bit
// in each of its eight words.
func (f *Filter) locate(key uint64) (int, uint64) {
	h := mix(key)
	hi, _ := bits.Mul64(h, f.blocks) // block = floor(h * blocks / 2^64)
	return int(hi) * wordsPerBlock, mix(h ^ 0x9e3779b97f4a7c15)
}

// Add inserts key. It is not safe to call concurrently with other methods.
func (f *Filter) Add(key uint64) {
	b, sel := f.locate(key)
	w := f.words[b : b+wordsPerBlock : b+wordsPerBlock]
	for i := range w {
		w[i] |= 1 << (sel & 63)
		sel >>= 6
	}
}

// AddConcurrent inserts key; unlike Add, it may be called from several
// goroutines at once (bits are set with atomic OR).
func (f *Filter) AddConcurrent(key uint64) {
	b, sel := f.locate(key)
	for i := 0; i < wordsPerBlock; i++ {
		atomic.OrUint64(&f.words[b+i], 1<<(sel&63))
		sel >>= 6
	}
}

// Has reports whether key may have been added: false means certainly not.
func (f *Filter) Has(key uint64) bool {
	b, sel := f.locate(key)
	w := f.words[b : b+wordsPerBlock : b+wordsPerBlock]
	// All eight bits are tested without branching: an early exit would
	// leave at a different probe for each absent key, which the branch
	// predictor cannot learn.
	all := uint64(1)
	for i := range w {
		all &= w[i] >> (sel & 63)
		sel >>= 6
	}
	return all&1 != 0
}

// Prefetch starts loading key's block into the cache without waiting
// for it, so that a later Has(key) finds it there. Issued for several keys
// in a row, the loads overlap: a caller that knows which keys it will
// query next pays about one memory latency for all of them instead of one
// each.
func (f *Filter) Prefetch(key uint64) {
	b, _ := f.locate(key)
	prefetch.Line(unsafe.Pointer(&f.words[b]))
	if !f.aligned {
		prefetch.Line(unsafe.Pointer(&f.words[b+wordsPerBlock-1]))
	}
}

// Words returns the filter's words for serialisation.
func (f *Filter) Words() []uint64 { return f.words }

// FromWords wraps words written by Words.
func FromWords(words []uint64) (*Filter, error) {
	if len(words) == 0 || len(words)%wordsPerBlock != 0 {
		return nil, errors.New("bloom: word count is not a positive multiple of 8")
	}
	return newFilter(words), nil
}
