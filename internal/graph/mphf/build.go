package mphf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
)

// Default parameters; see the package documentation for the measurements
// behind them.
const (
	// DefaultLambda is the default average number of keys per bucket.
	// Pilot storage costs 8/Lambda bits per key.
	DefaultLambda = 3.5
	// DefaultAlpha is the default load factor: each part has
	// ceil(keys/Alpha) slots, and the (1-Alpha) spare slots are what
	// lets small buckets at the end of a part find free slots quickly.
	DefaultAlpha = 0.99
	// DefaultPartKeys is the default average number of keys per part.
	// A part's build state (about 4 bytes per slot of owners plus its
	// hashes) then fits in a core's L2 cache, and the part metadata (8
	// bytes per part, 0.002 bits per key) stays in cache during lookups.
	DefaultPartKeys = 1 << 15
	// minBatchKeys is the smallest default batch (32 MiB of hashes): below
	// it the extra passes over the keys cost more than the memory saved.
	minBatchKeys = 1 << 22
	// batchFraction: by default a batch holds n/batchFraction hashes,
	// i.e. 64/batchFraction bits per key of working memory, at the price
	// of batchFraction passes over the keys.
	batchFraction = 8
)

// Options configure Build. The zero value selects the defaults.
type Options struct {
	// Threads is the number of goroutines Build uses; <= 0 means
	// runtime.GOMAXPROCS(0). It does not change the result.
	Threads int
	// Seed selects the hash function. Build is deterministic: the same
	// keys (in any order), Seed and parameters give the same Table.
	Seed uint64
	// Lambda is the average number of keys per bucket, in (0, 4]; 0
	// means DefaultLambda. Smaller is faster to build and bigger; build
	// time grows quickly beyond 3.5 (about 2x at 4).
	Lambda float64
	// Alpha is the load factor of the slots, in [0.5, 0.999]; 0 means
	// DefaultAlpha.
	Alpha float64
	// PartKeys is the average number of keys per part, in [64, 2^24]; 0
	// means DefaultPartKeys.
	PartKeys int
	// BatchKeys bounds the hashes Build buffers at once (8 bytes each);
	// each batch costs one pass over the keys. 0 means
	// max(2^22, n/8). A batch always holds at least one whole part.
	BatchKeys int
}

// buildStats reports internals of a build, for tests and tuning.
type buildStats struct {
	parts, buckets, batches int
	evictions               uint64
	maxSalt                 uint64
}

// Build returns a minimal perfect hash function over keys, which must be
// distinct (a repeated key gives a *DuplicateKeyError). Build reads keys
// concurrently and does not modify or retain them.
//
// Beyond the Table itself, Build's working memory is about
// 64/batchFraction = 8 bits per key by default (see Options.BatchKeys),
// plus 1 bit per slot and per-goroutine buffers of O(PartKeys).
func Build(keys []uint64, opt Options) (*Table, error) {
	t, _, err := build(keys, opt)
	return t, err
}

func build(keys []uint64, opt Options) (*Table, buildStats, error) {
	var st buildStats
	n := uint64(len(keys))
	pr, err := resolve(opt, n)
	if err != nil {
		return nil, st, err
	}
	pk := uint64(pr.partKeys)
	t := &Table{n: n, seed: opt.Seed, mask: seedMask(opt.Seed)}
	t.parts = max(1, (n+pk/2)/pk)
	perBucket := math.Ceil(float64(n) / float64(t.parts) / pr.lambda)
	t.buckets = (max(1, uint64(perBucket)) + 7) &^ 7
	st.parts, st.buckets = int(t.parts), int(t.buckets)

	ly := t.layout(keys, pr.threads, pr.alpha)

	// Pass 2..: batches of consecutive parts. Each batch hashes all keys
	// again, keeps those of its parts, and builds those parts in parallel.
	parts := t.parts
	t.pilots = make([]uint64, parts*t.buckets/8)
	b := &batcher{
		t: t, keys: keys, ly: ly, threads: pr.threads,
		taken: make([]uint64, (t.meta[parts]+63)/64),
		salts: make([]uint8, parts),
		buf:   make([]uint64, min(n, max(pr.batchKeys, ly.maxKeys))),
	}
	b.builders = make([]*partBuilder, pr.threads)
	for i := range b.builders {
		b.builders[i] = newPartBuilder(parts, t.buckets, t.seed)
	}
	for p0 := uint64(0); p0 < parts; {
		p1 := p0 + 1
		for p1 < parts && ly.keyStart[p1+1]-ly.keyStart[p0] <= pr.batchKeys {
			p1++
		}
		st.batches++
		if err := b.run(p0, p1); err != nil {
			return nil, st, err
		}
		p0 = p1
	}
	for _, pb := range b.builders {
		st.evictions += pb.evictions
	}
	b.builders, b.buf = nil, nil // free before the remap is built
	for p, s := range b.salts {
		t.meta[p] |= uint64(s) << offsetBits
		st.maxSalt = max(st.maxSalt, uint64(s))
	}
	if err := t.buildRemap(b.taken); err != nil {
		return nil, st, err
	}
	return t, st, nil
}

// params are Options with the defaults filled in.
type params struct {
	lambda, alpha float64
	partKeys      int
	threads       int
	batchKeys     uint64
}

// resolve checks opt and fills in the defaults for n keys.
func resolve(opt Options, n uint64) (params, error) {
	pr := params{lambda: opt.Lambda, alpha: opt.Alpha, partKeys: opt.PartKeys}
	if pr.lambda == 0 {
		pr.lambda = DefaultLambda
	}
	if pr.alpha == 0 {
		pr.alpha = DefaultAlpha
	}
	if pr.partKeys == 0 {
		pr.partKeys = DefaultPartKeys
	}
	switch {
	case !(pr.lambda > 0 && pr.lambda <= 4):
		return pr, fmt.Errorf("mphf: Lambda %v out of (0, 4]", pr.lambda)
	case !(pr.alpha >= 0.5 && pr.alpha <= 0.999):
		return pr, fmt.Errorf("mphf: Alpha %v out of [0.5, 0.999]", pr.alpha)
	case pr.partKeys < 64 || pr.partKeys > 1<<24:
		return pr, fmt.Errorf("mphf: PartKeys %d out of [64, 2^24]", pr.partKeys)
	case opt.BatchKeys < 0:
		return pr, fmt.Errorf("mphf: negative BatchKeys %d", opt.BatchKeys)
	case n > 1<<48:
		// 2 PiB of keys: far beyond memory, and it keeps slot offsets
		// (< 2^56, see offsetBits) and all products below overflow.
		return pr, fmt.Errorf("mphf: %d keys is too many", n)
	}
	pr.threads = opt.Threads
	if pr.threads <= 0 {
		pr.threads = runtime.GOMAXPROCS(0)
	}
	// Give each goroutine at least 4096 keys: below that, starting it
	// costs more than the work it takes over (the result is the same).
	pr.threads = int(min(uint64(pr.threads), max(1, n/4096)))
	pr.batchKeys = uint64(opt.BatchKeys)
	if pr.batchKeys == 0 {
		pr.batchKeys = max(minBatchKeys, n/batchFraction)
	}
	return pr, nil
}

// partLayout is where each part's keys and slots go.
type partLayout struct {
	// counts[i*parts+p] is how many keys of goroutine chunk i fall in part p.
	counts []uint32
	// keyStart[p] is the first key of part p in part order.
	keyStart []uint64
	maxKeys  uint64 // keys of the largest part
}

// chunk is goroutine i's share of keys.
func chunk(keys []uint64, i, threads int) []uint64 {
	n := uint64(len(keys))
	return keys[n*uint64(i)/uint64(threads) : n*uint64(i+1)/uint64(threads)]
}

// layout counts the keys of each part (pass 1, per goroutine chunk) and
// sizes the parts: keys, then slots = max(1, ceil(keys/alpha)), so that
// every slot range is non-empty and Lookup never leaves [0, slots). It
// sets t.meta's offsets and the remap's shape.
func (t *Table) layout(keys []uint64, threads int, alpha float64) partLayout {
	parts := t.parts
	ly := partLayout{counts: make([]uint32, uint64(threads)*parts), keyStart: make([]uint64, parts+1)}
	parallel(threads, func(i int) {
		c := ly.counts[uint64(i)*parts : uint64(i+1)*parts]
		for _, k := range chunk(keys, i, threads) {
			p, _ := bits.Mul64(mix(k^t.mask), parts)
			c[p]++
		}
	})
	t.meta = make([]uint64, parts+1)
	for p := range parts {
		m := uint64(0)
		for i := range uint64(threads) {
			m += uint64(ly.counts[i*parts+p])
		}
		s := max(1, uint64(math.Ceil(float64(m)/alpha)))
		ly.keyStart[p+1] = ly.keyStart[p] + m
		t.meta[p+1] = t.meta[p] + s
		ly.maxKeys = max(ly.maxKeys, m)
	}
	t.remapLen = t.meta[parts] - t.n
	t.width = remapWidth(t.n)
	t.widthMsk = 1<<t.width - 1
	return ly
}

// batcher builds the parts batch by batch into t.
type batcher struct {
	t        *Table
	keys     []uint64
	ly       partLayout
	threads  int
	taken    []uint64 // occupied slots, one bit each
	salts    []uint8  // per part
	buf      []uint64 // the batch's hashes, in part order
	builders []*partBuilder
}

// run builds parts [p0, p1): it hashes all keys again, keeps those of the
// batch's parts in buf, and builds those parts in parallel.
func (b *batcher) run(p0, p1 uint64) error {
	t, ly, threads := b.t, b.ly, b.threads
	parts := t.parts
	np := p1 - p0
	base := ly.keyStart[p0]
	// cursor[i*np+j]: where goroutine i writes its next key of part
	// p0+j; goroutine chunks fill each part in chunk order.
	cursor := make([]uint64, uint64(threads)*np)
	for j := range np {
		c := ly.keyStart[p0+j] - base
		for i := range uint64(threads) {
			cursor[i*np+j] = c
			c += uint64(ly.counts[i*parts+p0+j])
		}
	}
	parallel(threads, func(i int) {
		cur := cursor[uint64(i)*np : uint64(i+1)*np]
		for _, k := range chunk(b.keys, i, threads) {
			h := mix(k ^ t.mask)
			p, _ := bits.Mul64(h, parts)
			if j := p - p0; j < np {
				b.buf[cur[j]] = h
				cur[j]++
			}
		}
	})
	// Goroutines take parts in increasing order. After a failure they
	// skip the parts above the lowest failed one, but still build all
	// those below it, so the error reported (that of the lowest
	// failing part) does not depend on timing either.
	errs := make([]error, np)
	var next atomic.Uint64
	var failed atomic.Uint64
	failed.Store(np)
	parallel(min(threads, int(np)), func(i int) {
		pb := b.builders[i]
		for {
			j := next.Add(1) - 1
			if j >= np {
				return
			}
			if j > failed.Load() {
				continue
			}
			p := p0 + j
			in := b.buf[ly.keyStart[p]-base : ly.keyStart[p+1]-base]
			salt, err := pb.build(p, in, t.meta[p+1]-t.meta[p], t.mask)
			if err != nil {
				errs[j] = err
				for f := failed.Load(); j < f && !failed.CompareAndSwap(f, j); f = failed.Load() {
				}
				continue
			}
			b.salts[p] = uint8(salt)
			t.storePart(p, pb, b.taken)
		}
	})
	return firstError(errs)
}

// storePart copies the pilots and occupied slots of part p from pb. Parts
// own disjoint pilot words (buckets is a multiple of 8) but may share words
// of the taken bitset at their ends, hence the atomic ORs.
func (t *Table) storePart(p uint64, pb *partBuilder, taken []uint64) {
	w := t.pilots[p*t.buckets/8 : (p+1)*t.buckets/8]
	for i := range w {
		w[i] = binary.LittleEndian.Uint64(pb.pilots[8*i:])
	}
	off := t.meta[p]
	size := t.meta[p+1] - off
	for i, v := range pb.taken[:(size+63)/64] {
		if v == 0 {
			continue
		}
		g := off + 64*uint64(i)
		atomic.OrUint64(&taken[g>>6], v<<(g&63))
		if hi := v >> (64 - g&63); g&63 != 0 && hi != 0 {
			atomic.OrUint64(&taken[g>>6+1], hi)
		}
	}
}

func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// buildRemap pairs the occupied slots >= n, in increasing order, with the
// free slots < n, in increasing order (there are as many of each, n keys
// filling n slots), and stores the pairing as the remap array. Entries for
// free slots >= n repeat the previous value, so every entry is < n.
func (t *Table) buildRemap(taken []uint64) error {
	t.remap = make([]uint64, (t.remapLen*uint64(t.width)+63)/64+1)
	free := zeroIter{words: taken, limit: t.n}
	v := uint64(0)
	for i := range t.remapLen {
		q := t.n + i
		if taken[q>>6]&(1<<(q&63)) != 0 {
			f, ok := free.next()
			if !ok {
				return errors.New("mphf: internal error: more keys past n than free slots below it")
			}
			v = f
		}
		pos := i * uint64(t.width)
		t.remap[pos>>6] |= v << (pos & 63)
		if pos&63 != 0 {
			t.remap[pos>>6+1] |= v >> (64 - pos&63)
		}
	}
	if _, ok := free.next(); ok {
		return errors.New("mphf: internal error: free slots below n left over")
	}
	return nil
}

// zeroIter enumerates the zero bits below limit of a bitset, in order.
type zeroIter struct {
	words []uint64
	limit uint64
	wi    uint64 // index of the word cur came from
	cur   uint64 // zero bits of words[wi] not yet returned, as ones
	began bool
}

func (z *zeroIter) next() (uint64, bool) {
	for !z.began || z.cur == 0 {
		if z.began {
			z.wi++
		}
		z.began = true
		if z.wi*64 >= z.limit {
			return 0, false
		}
		z.cur = ^z.words[z.wi]
		if rem := z.limit - z.wi*64; rem < 64 {
			z.cur &= 1<<rem - 1
		}
	}
	b := uint64(bits.TrailingZeros64(z.cur))
	z.cur &= z.cur - 1
	return z.wi*64 + b, true
}

// parallel runs f(0..n-1) on n goroutines and waits for them.
func parallel(n int, f func(i int)) {
	if n == 1 {
		f(0)
		return
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { f(i) })
	}
	wg.Wait()
}
