package pseudo

import (
	"github.com/gallisto/gallisto/internal/graph/index"
	"github.com/gallisto/gallisto/internal/graph/kmer"
)

// Strand selects strand-specific filtering.
type Strand int

const (
	Unstranded Strand = iota
	FR                // read 1 on the transcript's strand, read 2 opposite (--fr-stranded)
	RF                // read 1 opposite, read 2 on it (--rf-stranded)
)

// Options configures a Mapper.
type Options struct {
	Strand Strand
	// MeanFragLen, when positive, enables kallisto's overhang filter for
	// single reads and pairs with one mate unmapped: transcripts the
	// fragment would run off are dropped. kallisto applies it only when
	// the mean is given up front (-l).
	MeanFragLen int
	// SingleOverhang disables the overhang filter (--single-overhang).
	SingleOverhang bool
	// Bias makes Map report the 5' hexamer of aligned fragments in
	// Result.Hex5 (kallisto's --bias statistics).
	Bias bool
	// BothStrands (with Strand Unstranded) makes Map also report in
	// Result.FR and Result.RF what the fragment gives under --fr-stranded
	// and --rf-stranded, from the same k-mer hits (--strand auto).
	BothStrands bool
	// Transcripts, when set, makes Map place every aligned fragment on
	// each transcript of its set (Result.Places) and drop the transcripts
	// the placement rules exclude (place.go; quant --model full).
	Transcripts *index.Transcripts
	// NoUnion, NoScoreFilter and NoFacingFilter switch parts of placement
	// off (place.go), to measure what each buys.
	NoUnion, NoScoreFilter, NoFacingFilter, NoRescan bool
}

// Reason says why a read was not pseudoaligned.
type Reason uint8

const (
	Aligned      Reason = iota
	TooShort            // no mate has a k-mer: reads shorter than k
	TooManyN            // no mate has a k-mer: too many non-ACGT bases
	NoKmer              // no k-mer of any mate is in the index
	Conflict            // k-mers of a read, or the two mates, share no transcript
	Overhang            // every transcript would be overhung by the fragment
	StrandFilter        // every transcript is on the wrong strand
	LowScore            // (full model) no transcript matches the reads well enough
	numReasons
)

// NumReasons is the number of Reason values.
const NumReasons = int(numReasons)

var reasonNames = [...]string{"aligned", "too_short", "too_many_n", "no_kmer_match", "mates_conflict", "overhang", "strand_filter", "low_score"}

// String returns the reason's name as used in run_info.json.
func (r Reason) String() string { return reasonNames[r] }

// Result is the pseudoalignment of one read or pair.
type Result struct {
	// Reason is Aligned when Targets is non-empty.
	Reason Reason
	// Targets is the sorted transcript set; it is valid until the next call
	// to Map.
	Targets []uint32
	// EC is the index class equal to Targets, or -1 when Targets is empty
	// or not a class of the index (a new class).
	EC int32
	// FragLen is the pair's fragment length when it can be measured the
	// way kallisto does for the fragment length distribution (pair in a
	// single-transcript class, both mates' first k-mers on one contig in
	// opposite orientations, 0 < length < 1000), else 0.
	FragLen int32
	// Hex5 is, with Options.Bias, the hexamer kallisto counts for sequence
	// bias (0..4095) of an aligned fragment, or -1 when it has none.
	Hex5 int32
	// FR and RF are, with Options.BothStrands, the results the fragment
	// gets with the --fr-stranded and --rf-stranded filters. They point
	// into the Mapper and are valid until the next call to Map.
	FR, RF *Result
	// Places is, with Options.Transcripts, where the fragment lies on
	// each of Targets (same order); valid until the next call to Map.
	Places []Place
}

// maxFragLen bounds measured fragment lengths (kallisto's MAX_FRAG_LEN).
const maxFragLen = 1000

// Mapper pseudoaligns reads. It holds scratch space and is meant for one
// goroutine; the index it reads is shared.
type Mapper struct {
	idx              *index.Index
	opt              Options
	hits1, hits2     []hit
	tail1, tail2     hit // each mate's last exact hit (match)
	ua, ub, uc, tmp2 []uint32
	key              []byte
	first1, first2   first    // firstPair's results
	fr, rf           Result   // BothStrands results
	frBuf, rfBuf     []uint32 // their Targets
	// Placement (Options.Transcripts): the reads of the current call,
	// encoded on first use, and per-result scratch.
	r1, r2             []byte
	encoded            bool
	mate1, mate2       mate
	mainPl, frPl, rfPl placeScratch
	kset               []uint32 // kallisto's set of the fragment (full model)
	kec                int32    // and its index class, or -1
	unionBuf, unionTmp []uint32
	contigs            []uint32 // distinct contigs of the hits (majority)
	votes              []uint16 // per transcript (majority)
	rhits1, rhits2     []hit    // the rescan's hits
	rescanPl           placeScratch
	orphan1, orphan2   placeScratch
	on1, on2           []onTranscript // per candidate, each mate's placement
	ok1, ok2           []bool
}

// NewMapper returns a Mapper over idx.
func NewMapper(idx *index.Index, opt Options) *Mapper {
	return &Mapper{idx: idx, opt: opt}
}

// Map pseudoaligns a single read (r2 == nil) or a read pair.
func (m *Mapper) Map(r1, r2 []byte) Result {
	paired := r2 != nil
	m.r1, m.r2, m.encoded = r1, r2, false
	var any1, any2 bool
	sh := m.idx.Shape
	it1 := kmer.NewIterator(sh, r1)
	m.hits2 = m.hits2[:0]
	if paired {
		it2 := kmer.NewIterator(sh, r2)
		pre1, pre2 := m.firstPair(&it1, &it2)
		m.hits1, any1 = m.match(it1, len(r1), m.hits1[:0], pre1, &m.tail1)
		m.hits2, any2 = m.match(it2, len(r2), m.hits2, pre2, &m.tail2)
	} else {
		m.hits1, any1 = m.match(it1, len(r1), m.hits1[:0], nil, &m.tail1)
	}
	res := Result{EC: -1, Hex5: -1}
	h1, h2 := m.hits1, m.hits2
	if len(h1) == 0 && len(h2) == 0 {
		res.Reason = m.noKmerReason(r1, r2, any1 || any2)
		return res
	}
	u1, ec1, ok1 := m.intersect(h1, &m.ua)
	u2, ec2, ok2 := m.intersect(h2, &m.ub)
	var u []uint32
	// ec is an index class that holds u (every step below keeps a subset),
	// or -1: setEC takes it as u's class when the sizes agree.
	ec := int32(-1)
	conflict := false
	switch {
	case len(h1) > 0 && !ok1, len(h2) > 0 && !ok2:
		conflict = true
	case len(h1) == 0:
		u, ec = u2, ec2
	case len(h2) == 0:
		u, ec = u1, ec1
	default:
		u = intersectInto(m.uc[:0], u1, u2)
		m.uc = u
		// u is in both sides' classes: the smaller one is the one u can
		// equal.
		ec = ec1
		if len(m.idx.EC(uint32(ec2))) < len(m.idx.EC(uint32(ec1))) {
			ec = ec2
		}
		conflict = len(u) == 0
	}
	if m.opt.Transcripts != nil {
		// The full model places the fragment on every transcript that
		// holds any of its hits (see place.go); kallisto's set is kept
		// to name the class when placement ends with it.
		if cand, ok := m.union(h1, h2); ok && !m.opt.NoUnion {
			m.kset, m.kec = append(m.kset[:0], u...), ec
			if conflict {
				m.kec = -1
			}
			u, ec, conflict = cand, -1, false
		}
	}
	if conflict {
		res.Reason = Conflict
		return res
	}
	if m.opt.MeanFragLen > 0 && !m.opt.SingleOverhang && (!paired || len(h1) == 0 || len(h2) == 0) {
		first := h1
		if len(h2) > 0 {
			first = h2
		}
		u = m.overhangFilter(u, first[0])
		if len(u) == 0 {
			res.Reason = Overhang
			return res
		}
	}
	hex := int32(-1)
	if m.opt.Bias && len(h1) > 0 && (!paired || len(h2) > 0) {
		hex = m.hexamer(h1)
	}
	if m.opt.BothStrands {
		m.fr = m.strandResult(&m.frBuf, &m.frPl, u, ec, h1, h2, FR, paired, hex)
		m.rf = m.strandResult(&m.rfBuf, &m.rfPl, u, ec, h1, h2, RF, paired, hex)
		res.FR, res.RF = &m.fr, &m.rf
	}
	if m.opt.Strand != Unstranded {
		if len(h1) > 0 {
			u = m.strandFilter(u, h1[0], m.opt.Strand == FR)
		}
		if len(h2) > 0 && len(u) > 0 {
			u = m.strandFilter(u, h2[0], m.opt.Strand == RF)
		}
		if len(u) == 0 {
			res.Reason = StrandFilter
			return res
		}
	}
	if m.opt.Transcripts != nil {
		u, res.Places = m.place(u, h1, h2, &m.mainPl)
		if !m.opt.NoRescan && (len(u) == 0 || bestMismatches(res.Places) > rescanLimit(len(r1)+len(r2))) {
			if u2, p2, ok := m.rescan(); ok && (len(u) == 0 || bestMismatches(p2) < bestMismatches(res.Places)) {
				u, res.Places, ec = u2, p2, -1
			}
		}
		if len(u) == 0 && paired && len(h1) > 0 && len(h2) > 0 && !m.opt.NoRescan {
			u, res.Places = m.orphan(h1, h2)
			ec = -1
		}
		if len(u) == 0 {
			res.Reason = LowScore
			return res
		}
		ec = m.kallistoClass(u, ec)
	}
	res.Targets = u
	res.Hex5 = hex
	m.setEC(&res, ec, h1, h2, paired)
	return res
}

// setEC sets the class of res.Targets and measures the fragment length. ec
// is an index class that holds the targets, or -1: when it is as large, it
// is their class; otherwise the class is looked up (Index.FindEC).
func (m *Mapper) setEC(res *Result, ec int32, h1, h2 []hit, paired bool) {
	if ec >= 0 && len(m.idx.EC(uint32(ec))) == len(res.Targets) {
		res.EC = ec
	} else if ec, ok, key := m.idx.FindEC(res.Targets, m.key); ok {
		res.EC = int32(ec)
		m.key = key
	} else {
		m.key = key
	}
	if paired && len(h1) > 0 && len(h2) > 0 && res.EC >= 0 && int(res.EC) < m.idx.NumTargets() {
		res.FragLen = m.fragLen(h1[0], h2[0])
	}
}

// strandResult is the result of the aligned set u (held by index class
// ec, or -1) under strand filter s, with its targets in *buf.
func (m *Mapper) strandResult(buf *[]uint32, sc *placeScratch, u []uint32, ec int32, h1, h2 []hit, s Strand, paired bool, hex int32) Result {
	out := (*buf)[:0]
	for _, tr := range u {
		if len(h1) > 0 && !m.onStrand(tr, h1[0], s == FR) {
			continue
		}
		if len(h2) > 0 && !m.onStrand(tr, h2[0], s == RF) {
			continue
		}
		out = append(out, tr)
	}
	*buf = out
	r := Result{EC: -1, Hex5: -1}
	if len(out) == 0 {
		r.Reason = StrandFilter
		return r
	}
	if m.opt.Transcripts != nil {
		out, r.Places = m.place(out, h1, h2, sc)
		if len(out) == 0 {
			r.Reason = LowScore
			return r
		}
		ec = m.kallistoClass(out, ec)
	}
	r.Targets, r.Hex5 = out, hex
	m.setEC(&r, ec, h1, h2, paired)
	return r
}

// onStrand reports whether hit h meets transcript tr on the wanted strand
// (the test of strandFilter).
func (m *Mapper) onStrand(tr uint32, h hit, wantSense bool) bool {
	o, ok := m.firstPass(h.e.Contig(), tr)
	return ok && (h.sense == o.Sense()) == wantSense
}

// Bias hexamer window: kallisto's countBias reads 2 bases before and 4 bases
// into the fragment start.
const (
	hexPre  = 2
	hexPost = 4
)

// hexamer returns the bias hexamer of a read with hits hs, as kallisto's
// MinCollector::countBias computes it from the read's leftmost hit: the
// six contig bases around the fragment start, encoded by its hexamerToInt
// (reverse-complemented when the read runs along the contig), or -1 when
// the window leaves the contig.
func (m *Mapper) hexamer(hs []hit) int32 {
	h := hs[0]
	for _, x := range hs[1:] {
		if x.pos < h.pos {
			h = x
		}
	}
	c := h.e.Contig()
	cpos, p := int(h.e.Pos()), int(h.pos)
	var start int
	if h.sense {
		start = cpos - p - hexPre
		if start < 0 {
			return -1
		}
	} else {
		if int(m.idx.ContigLen[c])-1-cpos-p < hexPre {
			return -1
		}
		start = cpos + p + m.idx.Shape.K - hexPost
	}
	var six [6]byte
	base := m.idx.ContigBase(c) + start
	for i := range six {
		six[i] = "ACGT"[m.idx.Seq.Code(base+i)]
	}
	if h.sense {
		return HexamerRC(six[:])
	}
	return Hexamer(six[:])
}

// Hexamer encodes six bases 2 bits each, first base most significant
// (A=0, C=1, G=2, T=3; kallisto's hexamerToInt), or returns -1 when a base
// is not ACGT.
func Hexamer(s []byte) int32 {
	h := int32(0)
	for _, c := range s[:6] {
		h <<= 2
		switch c &^ 0x20 {
		case 'A':
		case 'C':
			h++
		case 'G':
			h += 2
		case 'T':
			h += 3
		default:
			return -1
		}
	}
	return h
}

// HexamerRC encodes the reverse complement of six bases: Hexamer of the
// reverse complement (kallisto's hexamerToInt with revcomp set).
func HexamerRC(s []byte) int32 {
	h := int32(0)
	for i, c := range s[:6] {
		var v int32
		switch c &^ 0x20 {
		case 'A':
			v = 3
		case 'C':
			v = 2
		case 'G':
			v = 1
		case 'T':
		default:
			return -1
		}
		h += v << (2 * i)
	}
	return h
}

func (m *Mapper) noKmerReason(r1, r2 []byte, anyKmer bool) Reason {
	if anyKmer {
		return NoKmer
	}
	k := m.idx.Shape.K
	if len(r1) < k && (r2 == nil || len(r2) < k) {
		return TooShort
	}
	return TooManyN
}

// intersect returns the intersection of the classes of the contigs in hits,
// the smallest of those classes (the only one the intersection can equal),
// and false if the intersection is empty. With no hits it returns nil, -1,
// true. The result may alias the index (read-only) or *buf.
//
// Most reads meet one class, or classes that contain one another, so
// their class is the smallest one met (setEC), and the class table
// (Index.FindEC, a hash lookup) is left for new combinations.
func (m *Mapper) intersect(hits []hit, buf *[]uint32) ([]uint32, int32, bool) {
	if len(hits) == 0 {
		return nil, -1, true
	}
	x := m.idx
	lastContig := hits[0].e.Contig()
	lastEC := x.ContigEC[lastContig]
	u := x.EC(lastEC)
	smallest, size := int32(lastEC), len(u)
	owned := false
	for _, h := range hits[1:] {
		c := h.e.Contig()
		if c == lastContig {
			continue
		}
		lastContig = c
		ec := x.ContigEC[c]
		if ec == lastEC {
			continue
		}
		lastEC = ec
		members := x.EC(ec)
		if len(members) < size {
			smallest, size = int32(ec), len(members)
		}
		if owned {
			// Intersect in place: the write index never passes the read one.
			u = intersectInto(u[:0], u, members)
		} else {
			u = intersectInto((*buf)[:0], u, members)
			*buf = u[:0]
			owned = true
		}
		if len(u) == 0 {
			return nil, -1, false
		}
	}
	return u, smallest, true
}

// intersectInto appends the intersection of sorted a and b to dst. dst may
// share a's backing array when it starts at a's start.
func intersectInto(dst, a, b []uint32) []uint32 {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case b[j] < a[i]:
			j++
		default:
			dst = append(dst, a[i])
			i++
			j++
		}
	}
	return dst
}

// firstPass returns the first pass of transcript tr through contig c.
func (m *Mapper) firstPass(c uint32, tr uint32) (index.Occurrence, bool) {
	for _, o := range m.idx.Occurrences(c) {
		if o.Tr() == tr {
			return o, true
		}
	}
	return 0, false
}

// position returns the 1-based position of the fragment start implied by
// hit h on transcript tr and whether the read runs along the transcript
// (kallisto's KmerIndex::findPosition).
func (m *Mapper) position(tr uint32, h hit) (int, bool) {
	o, ok := m.firstPass(h.e.Contig(), tr)
	if !ok {
		return -1, true
	}
	k := m.idx.Shape.K
	cpos, p := int(h.e.Pos()), int(h.pos)
	tp := int(o.Pos())
	switch {
	case o.Sense() && h.sense:
		return tp + cpos - p + 1, true
	case o.Sense():
		return tp + cpos + k + p, false
	case h.sense:
		return tp + (int(m.idx.ContigLen[h.e.Contig()]) - cpos - 1) + k + p, false
	default:
		return tp + (int(m.idx.ContigLen[h.e.Contig()]) - cpos) - p, true
	}
}

// overhangFilter keeps the transcripts that can hold a fragment of the mean
// length starting at the read.
func (m *Mapper) overhangFilter(u []uint32, h hit) []uint32 {
	fl := m.opt.MeanFragLen
	out := m.tmp2[:0]
	for _, tr := range u {
		p, fw := m.position(tr, h)
		if (fw && p+fl <= int(m.idx.Lengths[tr])) || (!fw && p-fl >= 0) {
			out = append(out, tr)
		}
	}
	m.tmp2, m.uc = m.uc[:0], out
	return out
}

// strandFilter keeps the transcripts the read meets on the wanted strand:
// sense when wantSense, antisense otherwise.
func (m *Mapper) strandFilter(u []uint32, h hit, wantSense bool) []uint32 {
	if m.opt.Transcripts == nil {
		// kallisto's model: u is within the class of h's contig, so every
		// transcript of u passes through it; when all passes run the same
		// way, all of u is kept or none is (strandFilter was 6% of bus's
		// CPU, a scan of the contig's passes per transcript). The test is
		// the loop's below, with every pass's sense the contig's.
		if s := m.idx.ContigSense(h.e.Contig()); s != index.SenseMixed {
			if (h.sense == (s == index.SenseForward)) == wantSense {
				return u
			}
			return u[:0]
		}
	}
	out := m.tmp2[:0]
	for _, tr := range u {
		if o, ok := m.firstPass(h.e.Contig(), tr); ok && (h.sense == o.Sense()) == wantSense {
			out = append(out, tr)
		}
	}
	m.tmp2, m.uc = m.uc[:0], out
	return out
}

// fragLen measures a pair's fragment length from the first hit of each mate
// (kallisto's KmerIndex::mapPair), or returns 0.
func (m *Mapper) fragLen(a, b hit) int32 {
	if a.e.Contig() != b.e.Contig() || a.sense == b.sense {
		return 0
	}
	k := int32(m.idx.Shape.K)
	at := func(h hit) int32 {
		if h.sense {
			return h.e.Pos() - h.pos
		}
		return h.e.Pos() + k + h.pos
	}
	d := at(a) - at(b)
	if d < 0 {
		d = -d
	}
	if d <= 0 || d >= maxFragLen {
		return 0
	}
	return d
}
