package mphf

import (
	"fmt"
	"math/bits"
	"slices"
)

// partBuilder finds the pilots of one part at a time. Each build goroutine
// owns one and reuses its buffers for all the parts it builds, so the
// working memory per goroutine is O(keys of the largest part).
type partBuilder struct {
	parts   uint64 // total number of parts
	buckets uint64 // buckets per part
	seed    uint64 // Table seed, for the eviction PRNG

	hashes []uint64 // the part's hashes grouped by bucket
	starts []uint32 // bucket b holds hashes[starts[b]:starts[b+1]]
	order  []uint32 // buckets by decreasing size
	pilots []uint8  // pilot of each bucket
	taken  []uint64 // bitset of occupied slots
	owner  []uint32 // bucket+1 occupying each slot, 0 if free
	heap   []uint64 // buckets waiting for a pilot: size<<32 | bucket
	slots  []uint64 // scratch: slots of the bucket being placed
	hp     [256]uint64

	// ring holds the buckets placed most recently by eviction, which
	// must not be evicted again; inRecent[b] counts b's entries in it.
	ring     [recentLen]uint32
	inRecent []uint8

	evictions uint64 // total over all parts built, for tuning
}

// noBucket marks an empty entry of the recent-evictions ring.
const noBucket = ^uint32(0)

// recentLen is the length of the ring of recently placed buckets that the
// eviction search will not evict again (PtrHash uses 16): it breaks short
// cycles in which two buckets keep evicting each other.
const recentLen = 16

// evictionBudget bounds the evictions spent on one part and salt before
// Build gives up on that salt. At the defaults a part needs about 0.008
// evictions per slot (0.04 at Lambda 4, measured), so 2 per slot leaves a
// wide margin while a hopeless attempt (Lambda or Alpha too high) costs
// only a few times a normal build of the part. The constant term covers
// tiny parts.
func evictionBudget(slots uint64) uint64 { return 2*slots + 1024 }

func newPartBuilder(parts, buckets, seed uint64) *partBuilder {
	return &partBuilder{
		parts: parts, buckets: buckets, seed: seed,
		starts: make([]uint32, buckets+1),
		order:  make([]uint32, buckets),
		pilots: make([]uint8, buckets),

		inRecent: make([]uint8, buckets),
	}
}

// grow makes sure the buffers that depend on the part size hold m keys and
// s slots.
func (pb *partBuilder) grow(m, s uint64) {
	if uint64(cap(pb.hashes)) < m {
		pb.hashes = make([]uint64, m)
	}
	if uint64(cap(pb.owner)) < s {
		pb.owner = make([]uint32, s)
		pb.taken = make([]uint64, (s+63)/64)
	}
}

// DuplicateKeyError is returned by Build when the key set holds a key more
// than once.
type DuplicateKeyError struct{ Key uint64 }

func (e *DuplicateKeyError) Error() string {
	return fmt.Sprintf("mphf: duplicate key %#x", e.Key)
}

// build computes pilots for the part holding hashes in (in any order) with
// size slots. On success pb.pilots holds the part's pilots and pb.taken its
// occupied slots, and build returns the salt used. The result does not
// depend on the order of in: every step of the search treats a bucket as a
// set of hashes.
func (pb *partBuilder) build(part uint64, in []uint64, size uint64, mask uint64) (uint64, error) {
	pb.grow(uint64(len(in)), size)
	pb.bucketize(in)
	pb.orderBuckets()
	for salt := range uint64(maxSalt) {
		ok, stuck := pb.place(part, salt, size)
		if ok {
			return salt, nil
		}
		// A bucket no pilot can spread over distinct slots most likely
		// holds a key twice (equal keys have equal hashes, mix being a
		// bijection, and always share a slot).
		if stuck != noBucket {
			if err := duplicates(pb.bucket(stuck), mask); err != nil {
				return 0, err
			}
		}
	}
	if err := duplicates(pb.hashes, mask); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("mphf: part %d (%d keys, %d slots): no pilots found with %d salts; "+
		"use a smaller Lambda or Alpha", part, len(in), size, maxSalt)
}

// duplicates returns a *DuplicateKeyError if hs holds a hash twice. It
// sorts hs.
func duplicates(hs []uint64, mask uint64) error {
	slices.Sort(hs)
	for i := 1; i < len(hs); i++ {
		if hs[i] == hs[i-1] {
			return &DuplicateKeyError{Key: unmix(hs[i]) ^ mask}
		}
	}
	return nil
}

// bucketize groups the hashes by bucket with a counting sort.
func (pb *partBuilder) bucketize(in []uint64) {
	starts := pb.starts
	clear(starts)
	for _, h := range in {
		_, r := bits.Mul64(h, pb.parts)
		starts[bucketIn(r, pb.buckets)+1]++
	}
	for b := 1; b < len(starts); b++ {
		starts[b] += starts[b-1]
	}
	// order is free until orderBuckets: use it as the fill cursor.
	next := pb.order
	copy(next, starts)
	hashes := pb.hashes[:len(in)]
	for _, h := range in {
		_, r := bits.Mul64(h, pb.parts)
		b := bucketIn(r, pb.buckets)
		hashes[next[b]] = h
		next[b]++
	}
	pb.hashes = hashes
}

// orderBuckets orders the buckets by decreasing size, ties by increasing
// index, with a counting sort.
func (pb *partBuilder) orderBuckets() {
	maxSize := uint32(0)
	for b := range pb.buckets {
		maxSize = max(maxSize, pb.starts[b+1]-pb.starts[b])
	}
	// cnt[maxSize-s] counts buckets of size s, then becomes the position
	// of the first such bucket in order.
	cnt := make([]uint32, maxSize+2)
	for b := range pb.buckets {
		cnt[maxSize-(pb.starts[b+1]-pb.starts[b])+1]++
	}
	for i := 1; i < len(cnt); i++ {
		cnt[i] += cnt[i-1]
	}
	if uint32(cap(pb.slots)) < maxSize {
		pb.slots = make([]uint64, maxSize)
	}
	for b := range uint32(pb.buckets) {
		k := maxSize - (pb.starts[b+1] - pb.starts[b])
		pb.order[cnt[k]] = b
		cnt[k]++
	}
}

func (pb *partBuilder) bucket(b uint32) []uint64 {
	return pb.hashes[pb.starts[b]:pb.starts[b+1]]
}
