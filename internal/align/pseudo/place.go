package pseudo

import (
	"math"
	"slices"

	"github.com/gallisto/gallisto/internal/graph/kmer"
)

// Placement (quant --model full). A pseudoalignment says which transcripts
// a fragment is compatible with; its k-mer hits also say where it lies on
// each of them. A hit at read position p on contig c, offset q, meets
// every pass of transcript t through c; a pass at transcript position P
// puts the k-mer at T = P+q (contig along t) or P+len(c)-1-q (against t),
// and the read, if it runs along t, at [T-p, T-p+len), else (its reverse
// complement) ending at T+k-1+p. The mapper then compares the read's bases
// with t's there (index.Transcripts), counting mismatches (bases off t's
// ends count too), which pseudoalignment never does: it checks only a few
// k-mers of each read, so a transcript can share those and still differ
// from the read elsewhere. Each mate is placed by its first and its last
// exact hit (a lookup's answer at its own read position), and the
// placement with fewer mismatches is kept.
//
// For each transcript of the set a Place records the mismatches of both
// mates and either the implied fragment length (a pair whose mates face
// each other on t: from the forward mate's start to the reverse mate's
// end, both clamped to t) or, for a single read or a pair with one mate
// placed, the room the fragment has on t (the longest fragment that fits
// from the read's 5' end in its direction). Where t holds a hit's contig
// more than once, the pass with the fewest mismatches is taken.
//
// Three rules then drop transcripts from the set, before its class is
// looked up:
//
//   - a transcript on which a mate with hits cannot be placed (none of the
//     contigs of its first and last exact hits lie on it), or is placed
//     with ValidMismatches(n) mismatches or more, is not a match. A pair
//     left with none is placed by each mate alone, and the mate that
//     matches with fewer mismatches is kept (an orphan: its partner lies
//     in a repeat, say an Alu element, whose candidates are capped); a
//     fragment still left with none is not aligned (LowScore). The bound is
//     salmon 1.10's validity rule (--minScoreFraction 0.65 with its scores
//     +2 per match and -4 per mismatch: 2(n-x) - 4x > 1.3n, so x < 0.35n/3,
//     11.7% of the bases), for the same purpose: a read whose candidates
//     all differ from it at one base in eight came from elsewhere;
//   - a pair whose mates face each other on some transcripts of the set is
//     dropped from the others (mates in one orientation, or facing away
//     from each other, cannot come from a fragment of those); if they face
//     each other on none, all stay;
//   - a transcript that needs MaxExtraMismatches+1 or more mismatches more
//     than the fragment's best transcript is dropped. A read base differs
//     from its true transcript with probability e (sequencing error) and,
//     where two transcripts differ, the read matches the wrong one by
//     chance with probability about e/3; two extra mismatches therefore
//     make a transcript (e/3)^2 / (1-e)^2 ~ 1e-5 times as likely as the
//     best at Illumina's e ~ 1% (salmon 1.10 drops alignments below 1e-5
//     of the best, its --minAlnProb), so little that keeping it only adds
//     false positives. One extra mismatch is kept, and weighted by the
//     caller.
//
// The likelihood that uses the places (fragment length distribution,
// mismatch weights) is the caller's (package quant), which knows the
// fragment length distribution only after the first fragments.

// ValidMismatches is the number of mismatches from which a placed mate of
// n bases is not a match (see above): ceil(0.35n/3).
func ValidMismatches(n int) int { return (35*n + 299) / 300 }

// MaxExtraMismatches is how many more mismatches than the fragment's best
// transcript a transcript may need and stay in the set (see above).
const MaxExtraMismatches = 1

// ErrorRate is the base error rate e the placement rules and the full
// model's mismatch term assume: the order of Illumina's error rates, not
// fitted to any data set.
const ErrorRate = 0.01

// rescanLimit is the most mismatches a fragment of n bases may show on its
// best transcript before its k-mers are looked up again one by one: three
// standard deviations above the e·n errors it is expected to carry
// (Poisson), plus one. pseudoalignment skips along contigs, so a read
// whose first k-mers carry an error that another transcript (a paralog)
// holds may never look at the k-mers of its own transcript; placed, such
// a fragment shows many mismatches on every candidate. The rescan finds
// every k-mer the read shares with the index and places the fragment
// again; the placement with fewer mismatches is kept. At e = 1% a 2x100
// pair is rescanned from 8 mismatches on (a true placement shows so many
// with probability 1.1e-3).
func rescanLimit(n int) int32 {
	lambda := ErrorRate * float64(n)
	return int32(lambda + 3*math.Sqrt(lambda) + 1)
}

// bestMismatches is the fewest mismatches among places.
func bestMismatches(places []Place) int32 {
	best := places[0].Mismatches
	for _, pl := range places[1:] {
		best = min(best, pl.Mismatches)
	}
	return best
}

// matchAll appends to hits every k-mer of s found in the index, without
// skipping (the rescan); tail gets the last.
func (m *Mapper) matchAll(s []byte, hits []hit, tail *hit) []hit {
	it := kmer.NewIterator(m.idx.Shape, s)
	var last hit
	have := false
	for ; !it.Done(); it.Next() {
		e, sense, ok := m.find(&it, last, have)
		if !ok {
			continue
		}
		last, have = hit{e, int32(it.Pos()), sense}, true
		hits = append(hits, last)
	}
	*tail = last
	return hits
}

// rescan places the fragment again from all of its k-mers (see
// rescanLimit): it returns the transcripts kept and their places, false
// when the rescan gives nothing.
func (m *Mapper) rescan() ([]uint32, []Place, bool) {
	m.rhits1 = m.matchAll(m.r1, m.rhits1[:0], &m.tail1)
	m.rhits2 = m.rhits2[:0]
	if m.r2 != nil {
		m.rhits2 = m.matchAll(m.r2, m.rhits2, &m.tail2)
	}
	h1, h2 := m.rhits1, m.rhits2
	if len(h1) == 0 && len(h2) == 0 {
		return nil, nil, false
	}
	u, ok := m.union(h1, h2)
	if !ok {
		return nil, nil, false
	}
	if m.opt.Strand != Unstranded {
		if len(h1) > 0 {
			u = m.strandFilter(u, h1[0], m.opt.Strand == FR)
		}
		if len(h2) > 0 && len(u) > 0 {
			u = m.strandFilter(u, h2[0], m.opt.Strand == RF)
		}
	}
	if len(u) == 0 {
		return nil, nil, false
	}
	u, places := m.place(u, h1, h2, &m.rescanPl)
	return u, places, len(u) > 0
}

// Place is where a fragment lies on one transcript of its set.
type Place struct {
	// Mismatches counts the bases of both mates that differ from the
	// transcript or lie off its ends.
	Mismatches int32
	// FragLen is, for a pair whose mates face each other on the
	// transcript, the implied fragment length (> 0); else 0.
	FragLen int32
	// Room is, for a single read or a pair with one mate placed, the
	// longest fragment that fits on the transcript from the read's 5' end
	// in its direction; else 0.
	Room int32
	// valid: every mate with hits is placed with fewer than
	// ValidMismatches mismatches (the kept transcripts all are).
	valid bool
}

// mate is one read prepared for placement: its bases as 2-bit codes (A for
// any other letter, which then mismatches every transcript alike), forward
// and reverse-complemented, 32 to a word.
type mate struct {
	n      int
	fw, rc []uint64
}

func (r *mate) encode(s []byte) {
	n := len(s)
	r.n = n
	nw := (n + 31) / 32
	r.fw, r.rc = grow(r.fw, nw), grow(r.rc, nw)
	for w := 0; w < nw; w++ {
		lo, hi := 32*w, min(32*w+32, n)
		var f, c uint64
		for _, b := range s[lo:hi] {
			f = f<<2 | uint64(kmer.Code(b)&3)
		}
		// the reverse complement's word w holds read bases n-1-lo down to
		// n-hi
		for i := n - 1 - lo; i >= n-hi; i-- {
			c = c<<2 | uint64(3-kmer.Code(s[i])&3)
		}
		pad := 64 - 2*uint(hi-lo)
		r.fw[w], r.rc[w] = f<<pad, c<<pad
	}
}

// grow returns s resized to n (contents undefined), reusing its memory.
func grow(s []uint64, n int) []uint64 {
	if cap(s) < n {
		return make([]uint64, n)
	}
	return s[:n]
}

// onTranscript is one mate's placement on a transcript: the first base the
// read (or its reverse complement) covers, whether it runs along the
// transcript, and its mismatches.
type onTranscript struct {
	start int
	fw    bool
	mm    int
}

// placeMate places a mate on every transcript of u by its first hit and
// by tail, its last exact one (they give different placements when the
// read spans an indel, or a junction that a transcript lacks but whose
// k-mers the read missed), keeping for each transcript the placement with
// the fewest mismatches (out[i], ok[i] for u[i]).
func (m *Mapper) placeMate(u []uint32, hs []hit, tail hit, r *mate, out []onTranscript, ok []bool) {
	for i := range ok {
		ok[i] = false
	}
	m.placeHit(u, hs[0], r, out, ok)
	if tail != hs[0] {
		m.placeHit(u, tail, r, out, ok)
	}
}

// placeHit places a mate with hit h on the transcripts of u that pass
// through h's contig, keeping each one's best so far in out and ok. The
// contig's passes and u are both in transcript order: one merge.
func (m *Mapper) placeHit(u []uint32, h hit, r *mate, out []onTranscript, ok []bool) {
	x := m.idx
	k := x.Shape.K
	c := h.e.Contig()
	clen := int(x.ContigLen[c])
	q, p := int(h.e.Pos()), int(h.pos)
	// Where the read lies on the contig, in the contig's direction: when
	// it lies wholly inside, its mismatches are the same on every
	// transcript through the contig, counted once against the contig.
	cs, cwords := q-p, r.fw
	if !h.sense {
		cs, cwords = q+k-1+p-(r.n-1), r.rc
	}
	inside := cs >= 0 && cs+r.n <= clen+k-1
	contigMM := -1
	occ := x.Occurrences(c)
	for i, j := 0, 0; i < len(u) && j < len(occ); {
		o := occ[j]
		switch tr := o.Tr(); {
		case tr < u[i]:
			j++
			continue
		case tr > u[i]:
			i++
			continue
		}
		j++ // u[i] may pass through c again: stay on i
		T := int(o.Pos()) + q
		if !o.Sense() {
			T = int(o.Pos()) + clen - 1 - q
		}
		var pl onTranscript
		pl.fw = o.Sense() == h.sense
		words := r.fw
		if pl.fw {
			pl.start = T - p
		} else {
			pl.start = T + k - 1 + p - (r.n - 1)
			words = r.rc
		}
		if ok[i] && out[i].start == pl.start && out[i].fw == pl.fw {
			continue // the other hit's placement: the same bases
		}
		switch {
		case inside && contigMM >= 0:
			pl.mm = contigMM
		case inside:
			contigMM = x.ContigMismatches(c, cs, cwords, r.n)
			pl.mm = contigMM
		default:
			pl.mm = m.opt.Transcripts.Mismatches(u[i], pl.start, words, r.n)
		}
		if !ok[i] || pl.mm < out[i].mm {
			out[i], ok[i] = pl, true
		}
	}
}

// placeScratch holds one result's kept transcripts and places.
type placeScratch struct {
	kept   []uint32
	places []Place
	kept2  []uint32
}

// place computes the Place of the fragment on every transcript of u and
// applies the two rules of the package doc. It returns the transcripts
// kept (in sc, or u itself when all are) and their places (in sc).
func (m *Mapper) place(u []uint32, h1, h2 []hit, sc *placeScratch) ([]uint32, []Place) {
	if !m.encoded {
		m.encoded = true
		m.mate1.encode(m.r1)
		if m.r2 != nil {
			m.mate2.encode(m.r2)
		}
	}
	places := sc.places[:0]
	pair := len(h1) > 0 && len(h2) > 0
	anyFacing := false
	n := len(u)
	m.on1, m.on2 = growOn(m.on1, n), growOn(m.on2, n)
	m.ok1, m.ok2 = growBool(m.ok1, n), growBool(m.ok2, n)
	if len(h1) > 0 {
		m.placeMate(u, h1, m.tail1, &m.mate1, m.on1, m.ok1)
	}
	if len(h2) > 0 {
		m.placeMate(u, h2, m.tail2, &m.mate2, m.on2, m.ok2)
	}
	valid1, valid2 := ValidMismatches(m.mate1.n), ValidMismatches(m.mate2.n)
	anyValid := false
	for i, tr := range u {
		var pl Place
		a, b := m.on1[i], m.on2[i]
		okA, okB := len(h1) > 0 && m.ok1[i], len(h2) > 0 && m.ok2[i]
		pl.valid = (len(h1) == 0 || okA && a.mm < valid1) && (len(h2) == 0 || okB && b.mm < valid2)
		anyValid = anyValid || pl.valid
		if !okA {
			a = onTranscript{}
		}
		if !okB {
			b = onTranscript{}
		}
		// A mate with hits that cannot be placed on tr (none of its
		// contigs are on tr) mismatches it everywhere.
		if len(h1) > 0 && !okA {
			a.mm = m.mate1.n
		}
		if len(h2) > 0 && !okB {
			b.mm = m.mate2.n
		}
		pl.Mismatches = int32(a.mm + b.mm)
		l := m.opt.Transcripts.Len(tr)
		switch {
		case pair && okA && okB:
			if a.fw != b.fw {
				f, r, rn := a, b, m.mate2.n
				if !a.fw {
					f, r, rn = b, a, m.mate1.n
				}
				lo, hi := clamp(f.start, l), clamp(r.start+rn, l)
				if hi > lo {
					pl.FragLen = int32(hi - lo)
					anyFacing = true
				}
			}
		case okA:
			pl.Room = room(a, m.mate1.n, l)
		case okB:
			pl.Room = room(b, m.mate2.n, l)
		}
		places = append(places, pl)
	}
	sc.places = places
	if !anyValid && !m.opt.NoScoreFilter {
		return u[:0], places[:0]
	}
	anyFacing = false
	for _, pl := range places {
		anyFacing = anyFacing || pl.valid && pl.FragLen > 0
	}
	best := int32(-1)
	for _, pl := range places {
		if (pl.valid || m.opt.NoScoreFilter) && (!anyFacing || pl.FragLen > 0) && (best < 0 || pl.Mismatches < best) {
			best = pl.Mismatches
		}
	}
	keep := func(pl Place) bool {
		return (m.opt.NoFacingFilter || !anyFacing || pl.FragLen > 0) &&
			(m.opt.NoScoreFilter || pl.valid && pl.Mismatches-best <= MaxExtraMismatches)
	}
	all := true
	for _, pl := range places {
		if !keep(pl) {
			all = false
			break
		}
	}
	if all {
		return u, places
	}
	kept, out := sc.kept[:0], places[:0] // out overwrites places behind the read index
	for i, tr := range u {
		if pl := places[i]; keep(pl) {
			kept = append(kept, tr)
			out = append(out, pl)
		}
	}
	sc.kept, sc.places = kept, out
	return kept, out
}

func growOn(s []onTranscript, n int) []onTranscript {
	if cap(s) < n {
		return make([]onTranscript, n)
	}
	return s[:n]
}

func growBool(s []bool, n int) []bool {
	if cap(s) < n {
		return make([]bool, n)
	}
	return s[:n]
}

// room is the longest fragment that fits on a transcript of length l from
// read a's 5' end in its direction.
func room(a onTranscript, n, l int) int32 {
	if a.fw {
		return int32(l - clamp(a.start, l))
	}
	return int32(clamp(a.start+n, l))
}

func clamp(x, l int) int { return min(max(x, 0), l) }

// unionCap bounds the candidate transcripts of one fragment: a read in a
// repeat (an Alu element in many UTRs, say) meets contigs of hundreds of
// transcripts, and each candidate costs a placement. Past the cap the
// candidates are the transcripts that the most of the hits' contigs hold
// (all but a hit on a sequencing error, usually), if they are few enough;
// else kallisto's set. On 2 M chr22 pairs 0.1% of fragments meet more than
// 128 transcripts, none more than 185.
const unionCap = 256

// orphan places a pair that matches no transcript as a pair by each mate
// alone, and returns the transcripts and places of the mate with the
// fewer mismatches (mate 1 on a tie), or none.
func (m *Mapper) orphan(h1, h2 []hit) ([]uint32, []Place) {
	var best []uint32
	var bestPl []Place
	for i, sc := range []*placeScratch{&m.orphan1, &m.orphan2} {
		a, b := h1, []hit(nil)
		if i == 1 {
			a, b = nil, h2
		}
		u, ok := m.union(a, b)
		if !ok {
			continue
		}
		u = append(sc.kept[:0], u...) // union's buffers are reused below
		sc.kept = u
		kept, places := m.place(u, a, b, sc)
		if len(kept) > 0 && (best == nil || bestMismatches(places) < bestMismatches(bestPl)) {
			best, bestPl = append(sc.kept2[:0], kept...), places
			sc.kept2 = best
		}
	}
	return best, bestPl
}

// union returns the candidate transcripts of a fragment: those of the
// classes of every contig its hits meet, or, past unionCap, those the
// most contigs hold; false when even those are more than unionCap.
func (m *Mapper) union(h1, h2 []hit) ([]uint32, bool) {
	u, ok := m.unionAll(h1, h2)
	if ok {
		return u, true
	}
	return m.majority(h1, h2)
}

// majority returns the transcripts held by the classes of the most
// distinct contigs among the hits, false if they are more than unionCap.
// It counts in a per-transcript array (made on first use), resetting only
// the entries it touched.
func (m *Mapper) majority(h1, h2 []hit) ([]uint32, bool) {
	if m.votes == nil {
		m.votes = make([]uint16, m.idx.NumTargets())
	}
	touched := m.unionTmp[:0]
	m.contigs = m.contigs[:0]
	best := uint16(0)
	for _, hs := range [2][]hit{h1, h2} {
		for _, h := range hs {
			c := h.e.Contig()
			if slices.Contains(m.contigs, c) {
				continue
			}
			m.contigs = append(m.contigs, c)
			for _, t := range m.idx.EC(m.idx.ContigEC[c]) {
				if m.votes[t] == 0 {
					touched = append(touched, t)
				}
				if m.votes[t] < ^uint16(0) {
					m.votes[t]++
				}
				best = max(best, m.votes[t])
			}
		}
	}
	out := m.unionBuf[:0]
	for _, t := range touched {
		if m.votes[t] == best {
			out = append(out, t)
		}
		m.votes[t] = 0
	}
	slices.Sort(out)
	m.unionTmp, m.unionBuf = touched, out
	return out, len(out) <= unionCap
}

// unionAll returns the transcripts of the classes of every contig the
// fragment's hits meet, or false when there are more than unionCap.
func (m *Mapper) unionAll(h1, h2 []hit) ([]uint32, bool) {
	u := m.unionBuf[:0]
	last := ^uint32(0)
	for _, hs := range [2][]hit{h1, h2} {
		for _, h := range hs {
			c := h.e.Contig()
			if c == last {
				continue
			}
			last = c
			u = unionInto(m.unionTmp[:0], u, m.idx.EC(m.idx.ContigEC[c]))
			m.unionTmp, m.unionBuf = m.unionBuf, u
			if len(u) > unionCap {
				return nil, false
			}
		}
	}
	return u, true
}

// unionInto appends the union of sorted a and b to dst.
func unionInto(dst, a, b []uint32) []uint32 {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			dst = append(dst, a[i])
			i++
		case b[j] < a[i]:
			dst = append(dst, b[j])
			j++
		default:
			dst = append(dst, a[i])
			i++
			j++
		}
	}
	dst = append(dst, a[i:]...)
	return append(dst, b[j:]...)
}

// kallistoClass returns the index class kallisto's pseudoalignment gave
// the fragment when the transcripts placement kept are exactly kallisto's
// set (so setEC need not look it up), else -1 (or ec, for a set that did
// not come from the union).
func (m *Mapper) kallistoClass(kept []uint32, ec int32) int32 {
	if ec >= 0 {
		return ec
	}
	if m.kec >= 0 && slices.Equal(kept, m.kset) {
		return m.kec
	}
	return -1
}
