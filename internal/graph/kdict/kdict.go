// Package kdict is the k-mer dictionary of a gallisto index: it maps each
// canonical k-mer of the index to a 32-bit value (its position in the
// index's k-mer space) in about 4.5 bytes per k-mer.
//
// Keys are spread over parts by a hash; each part has its own minimal
// perfect hash function (package mphf), so that building needs only one
// part's keys in memory at a time. A minimal perfect hash maps keys that
// are not in the set to arbitrary slots, so values alone cannot tell members
// from strangers: callers verify a value against the sequence it points to
// (the index checks the k-mer its contig holds there). A Bloom filter
// (package bloom) in front rejects most strangers with one memory access:
// most k-mers looked up while pseudoaligning real reads carry a sequencing
// error and are not in the index.
//
// Concurrency: a Dict is built by one goroutine (Builder), then its values
// are filled through Values, then it is published; lookups are safe for
// concurrent use. FromWords shares the caller's words (for example an index
// file read into memory): they must not change while the Dict is in use.
package kdict

import (
	"errors"
	"fmt"

	"github.com/gallisto/gallisto/internal/graph/bloom"
	"github.com/gallisto/gallisto/internal/graph/mphf"
)

// FilterBitsPerKey sizes the Bloom filter: 12 bits per k-mer rejects about
// 98% of absent k-mers.
const FilterBitsPerKey = 12

// Dict maps canonical k-mers (as uint64) to uint32 values.
type Dict struct {
	parts  []*mphf.Table
	off    []uint64 // first slot of each part; len(parts)+1
	values []uint32
	filter *bloom.Filter
}

// PartOf returns the part of key among n parts. It multiplies by an odd
// constant (2^64 / golden ratio) and takes the high bits: a different mixer
// from the ones mphf and bloom use, so parts and filter blocks are
// independent.
func PartOf(key uint64, n int) int {
	h := (key ^ key>>31) * 0x9e3779b97f4a7c15
	return int((h >> 32) * uint64(n) >> 32)
}

// Builder assembles a Dict part by part.
type Builder struct {
	d       *Dict
	next    int
	threads int
}

// NewBuilder starts a dictionary of nparts parts (at least 1).
func NewBuilder(nparts, threads int) *Builder {
	if nparts < 1 {
		nparts = 1
	}
	return &Builder{d: &Dict{parts: make([]*mphf.Table, nparts), off: make([]uint64, nparts+1)}, threads: threads}
}

// AddPart adds the next part's keys, which must be distinct and all belong
// to that part (PartOf). It returns the part's minimal perfect hash so that
// callers can place per-key data. keys is not retained.
func (b *Builder) AddPart(keys []uint64) (*mphf.Table, error) {
	p := b.next
	if p >= len(b.d.parts) {
		return nil, errors.New("kdict: more parts than announced")
	}
	for _, k := range keys {
		if q := PartOf(k, len(b.d.parts)); q != p {
			return nil, fmt.Errorf("kdict: key %#x given for part %d belongs to part %d", k, p, q)
		}
	}
	t, err := mphf.Build(keys, mphf.Options{Threads: b.threads})
	if err != nil {
		return nil, fmt.Errorf("kdict: part %d: %w", p, err)
	}
	b.d.parts[p] = t
	b.d.off[p+1] = b.d.off[p] + uint64(t.Len())
	b.next++
	return t, nil
}

// Finish returns the dictionary once every part has been added; its values
// are all fill.
func (b *Builder) Finish(fill uint32) (*Dict, error) {
	if b.next != len(b.d.parts) {
		return nil, fmt.Errorf("kdict: %d of %d parts added", b.next, len(b.d.parts))
	}
	d := b.d
	d.values = make([]uint32, d.off[len(d.parts)])
	if fill != 0 {
		for i := range d.values {
			d.values[i] = fill
		}
	}
	return d, nil
}

// Len returns the number of keys.
func (d *Dict) Len() int { return len(d.values) }

// Index returns the slot of key, in [0, Len()): distinct for the keys of
// the set, arbitrary for other keys. It must not be called on an empty Dict.
func (d *Dict) Index(key uint64) uint64 {
	p := PartOf(key, len(d.parts))
	return d.off[p] + d.parts[p].Lookup(key)
}

// Values returns the value array, indexed by slot, for the builder to fill.
func (d *Dict) Values() []uint32 { return d.values }

// SetFilter installs a Bloom filter that holds every key; without one Get
// does not filter.
func (d *Dict) SetFilter(f *bloom.Filter) { d.filter = f }

// Filter returns the installed Bloom filter, or nil.
func (d *Dict) Filter() *bloom.Filter { return d.filter }

// NewFilter returns an empty filter sized for this dictionary.
func (d *Dict) NewFilter() *bloom.Filter { return bloom.New(d.Len(), FilterBitsPerKey) }

// Get returns the value stored for key's slot and true, or false when key
// is certainly absent. A true answer must be verified by the caller.
func (d *Dict) Get(key uint64) (uint32, bool) {
	if len(d.values) == 0 || (d.filter != nil && !d.filter.Has(key)) {
		return 0, false
	}
	return d.values[d.Index(key)], true
}

// GetPair is Get for two keys. The steps of the two lookups (filter block,
// hash pilot, value) are interleaved, so that each step's memory reads for
// both keys are in flight at once: on a dictionary much larger than the
// CPU caches, two lookups take little longer than one.
func (d *Dict) GetPair(a, b uint64) (va uint32, oka bool, vb uint32, okb bool) {
	if len(d.values) == 0 {
		return 0, false, 0, false
	}
	oka, okb = true, true
	if d.filter != nil {
		oka, okb = d.filter.Has(a), d.filter.Has(b)
	}
	// The slots are computed even for a key the filter rejected: the
	// pilot reads then overlap the filter's instead of waiting for them.
	ia, ib := d.Index(a), d.Index(b)
	if oka {
		va = d.values[ia]
	}
	if okb {
		vb = d.values[ib]
	}
	return va, oka, vb, okb
}

// PrefetchFilter starts loading, without waiting, the Bloom filter block
// Get(key) reads first: all a Get of an absent key reads, usually.
func (d *Dict) PrefetchFilter(key uint64) {
	if d.filter != nil {
		d.filter.Prefetch(key)
	}
}
