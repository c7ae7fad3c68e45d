package debruijn

import (
	"fmt"
	"math/bits"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/gallisto/gallisto/internal/graph/kdict"
	"github.com/gallisto/gallisto/internal/graph/mphf"
)

// While contigs are built, a k-mer's dictionary value holds its position in
// the k-mer space in the low 30 bits (all ones: not placed yet) and its cut
// marks in the top two (see walk.go), so that the walk reads one word per
// k-mer. The marks are cleared once every k-mer is placed.
const (
	posBits    = 30
	posMask    = 1<<posBits - 1
	unassigned = posMask // position field of a k-mer not yet placed
)

// minParts is the smallest number of gathering passes: with at least 16
// parts, a (k-1)-mer of up to 60 bits, hashed bijectively, leaves at most
// 56 bits to store once the part (its top 4 bits) is known, and the two
// 4-bit extension masks fit beside it in one word.
const minParts = 16

// km1Table maps (k-1)-mers to their extension masks: bits 0-3 are the bases
// a such that a·m is a k-mer of the graph (left extensions), bits 4-7 the
// bases b such that m·b is (right extensions), m in canonical orientation.
type km1Table struct {
	width uint // bits of a (k-1)-mer: 2(k-1)
	logP  uint
	parts []*mphf.Table
	off   []uint64
	masks []uint8
}

func (t *km1Table) len() int { return len(t.masks) }

// split hashes a canonical (k-1)-mer bijectively within its width and
// returns its part (the top logP bits) and the key stored for it (the rest).
func (t *km1Table) split(m uint64) (int, uint64) {
	w := t.width
	all := uint64(1)<<w - 1
	h := m * 0x9e3779b97f4a7c15 & all
	h ^= h >> (w / 2)
	h = h * 0xbf58476d1ce4e5b9 & all
	h ^= h >> (w / 2)
	return int(h >> (w - t.logP)), h & (1<<(w-t.logP) - 1)
}

func (t *km1Table) mask(m uint64) uint8 {
	p, key := t.split(m)
	return t.masks[t.off[p]+t.parts[p].Lookup(key)]
}

// gather finds the distinct canonical k-mers (building the dictionary) and
// the extension masks of the (k-1)-mers. One parallel scan of the
// transcripts sends every occurrence's records to its part; parts that do
// not fit the memory budget are spilled to temporary files. Parts are then
// sorted, deduplicated and indexed one at a time.
func (b *builder) gather() error {
	var total int64 // k-mer occurrences
	for t := 0; t < b.in.NumTargets(); t++ {
		lo, hi := b.in.bounds(t)
		total += int64(max(hi-lo-b.s.K+1, 0))
	}
	// Each occurrence gives one k-mer record and one (k-1)-mer record, 16
	// bytes. A part must fit in half the budget (the rest holds the
	// dictionary being built); everything stays in memory if it fits there.
	recBytes := 16 * total
	half := b.opt.PassBytes / 2
	nparts := max(minParts, int((recBytes+half-1)/half))
	nparts = 1 << bits.Len(uint(nparts-1)) // a power of two: part = top bits
	// A part is the top bits of a (k-1)-mer's hash, so there cannot be more
	// parts than (k-1)-mers (this caps tiny k only: 16 parts for k=3).
	nparts = min(nparts, 1<<(2*(b.s.K-1)))
	logP := uint(bits.TrailingZeros(uint(nparts)))
	if 2*uint(b.s.K-1)-logP+8 > 64 {
		return fmt.Errorf("debruijn: k=%d too large for %d parts", b.s.K, nparts)
	}
	b.km1 = &km1Table{width: 2 * uint(b.s.K-1), logP: logP, parts: make([]*mphf.Table, nparts), off: make([]uint64, nparts+1)}
	spill := recBytes > b.opt.PassBytes
	store, err := newPartStore(nparts, b.threads, spill, b.opt.TempDir)
	if err != nil {
		return err
	}
	defer store.close()
	where := "in memory"
	if spill {
		where = fmt.Sprintf("spilled to %s (%.1f GB)", store.dir, float64(recBytes)/1e9)
	}
	b.logf("%d k-mer occurrences in %d transcripts, %d parts %s", total, b.in.NumTargets(), nparts, where)
	if err := b.scanAll(store); err != nil {
		return err
	}
	b.logf("scanned")
	kb := kdict.NewBuilder(nparts, b.threads)
	for p := 0; p < nparts; p++ {
		if err := b.ctx.Err(); err != nil {
			return err
		}
		kmers, km1, err := store.load(p)
		if err != nil {
			return err
		}
		// Sort the part's two kinds of records at the same time.
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			sortUint64(km1, topShift(b.km1.width-b.km1.logP+8))
		}()
		sortUint64(kmers, topShift(2*uint(b.s.K)))
		wg.Wait()
		kmers = slices.Compact(kmers)
		if _, err := kb.AddPart(kmers); err != nil {
			return err
		}
		kmers = nil
		if err := b.addKm1Part(p, km1); err != nil {
			return err
		}
	}
	store.close()
	d, err := kb.Finish(unassigned)
	if err != nil {
		return err
	}
	b.dict = d
	if d.Len() >= unassigned {
		return fmt.Errorf("debruijn: %d distinct k-mers, more than the %d this builder can place", d.Len(), unassigned-1)
	}
	return nil
}

// addKm1Part merges the part's sorted (k-1)-mer records (key<<8 | masks)
// into one mask per (k-1)-mer and indexes them.
func (b *builder) addKm1Part(p int, recs []uint64) error {
	// recs is sorted.
	keys := recs[:0] // reuse: keys are written behind the reading position
	var masks []uint8
	for i := 0; i < len(recs); {
		key := recs[i] >> 8
		m := uint8(0)
		for ; i < len(recs) && recs[i]>>8 == key; i++ {
			m |= uint8(recs[i])
		}
		keys = append(keys, key)
		masks = append(masks, m)
	}
	t, err := mphf.Build(keys, mphf.Options{Threads: b.threads})
	if err != nil {
		return fmt.Errorf("debruijn: (k-1)-mer part %d: %w", p, err)
	}
	placed := make([]uint8, len(keys))
	for i, key := range keys {
		placed[t.Lookup(key)] = masks[i]
	}
	b.km1.parts[p] = t
	b.km1.off[p+1] = b.km1.off[p] + uint64(len(keys))
	b.km1.masks = append(b.km1.masks, placed...)
	return nil
}

// scanAll sends every transcript's records to their parts, in parallel
// over transcripts.
func (b *builder) scanAll(store *partStore) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	const chunk = 64 // transcripts per grab
	n := int64(b.in.NumTargets())
	errs := make([]error, b.threads)
	for w := 0; w < b.threads; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			out := store.writer(w)
			for b.ctx.Err() == nil && errs[w] == nil {
				lo := next.Add(chunk) - chunk
				if lo >= n {
					break
				}
				for t := lo; t < min(lo+chunk, n); t++ {
					b.scanTranscript(int(t), out)
				}
				errs[w] = out.err
			}
			if errs[w] == nil {
				errs[w] = out.flushAll()
			}
		}(w)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return b.ctx.Err()
}

// scanTranscript emits transcript t's records of part p. Each (k-1)-mer
// occurrence m = t[j:j+k-1] gives one record holding its left base t[j-1]
// and right base t[j+k-1] (where they exist) as bits of the two masks,
// turned to m's canonical orientation (a palindromic m gets both views).
func (b *builder) scanTranscript(t int, out *partWriter) {
	lo, hi := b.in.bounds(t)
	k := b.s.K
	if hi-lo < k {
		return
	}
	w := b.km1.width
	top := uint64(1) << (w - 2) // a (k-1)-mer's first base sits at bit w-2
	m1 := uint64(1)<<w - 1
	var fw, rc uint64 // rolling (k-1)-mer and its reverse complement
	for i := lo; i < hi; i++ {
		c := uint64(b.in.Seq.Code(i))
		fw = (fw<<2 | c) & m1
		rc = rc>>2 | (3-c)*top
		j := i - (k - 2) // start of the (k-1)-mer ending at i
		if j < lo {
			continue
		}
		if i+1 < hi {
			// The k-mer t[j:j+k] ends at i+1: emit it if it is in part p.
			c2 := uint64(b.in.Seq.Code(i + 1))
			ck := min(fw<<2|c2, (3-c2)<<w|rc)
			out.add(kdict.PartOf(ck, out.nparts), 0, ck)
		}
		var left, right uint8 // extension bits, as read on the transcript
		if j > lo {
			left = 1 << b.in.Seq.Code(j-1)
		}
		if i+1 < hi {
			right = 1 << b.in.Seq.Code(i+1)
		}
		b.km1Record(fw, rc, left, right, out)
	}
}

// km1Record emits the record of (k-1)-mer fw (reverse complement rc) with
// extension bits as read.
func (b *builder) km1Record(fw, rc uint64, left, right uint8, out *partWriter) {
	if fw <= rc {
		part, key := b.km1.split(fw)
		out.add(part, 1, key<<8|uint64(right)<<4|uint64(left))
	}
	if rc <= fw {
		// Seen from the reverse strand, left and right swap and bases
		// complement (bit b becomes bit 3-b).
		part, key := b.km1.split(rc)
		out.add(part, 1, key<<8|uint64(revNibble(left))<<4|uint64(revNibble(right)))
	}
}

// revNibble maps a set of bases to the set of their complements.
func revNibble(x uint8) uint8 {
	return x>>3&1 | x>>1&2 | x<<1&4 | x<<3&8
}
