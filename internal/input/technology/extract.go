package technology

// Read holds what Extract took from one group of reads. Its slices point
// into the Extractor and stay valid until the next call.
type Read struct {
	Barcode []byte
	// UMI is nil when the technology has none (Bulk) or a tagged read
	// lacks its tag: such a read's UMI is all ones in BUS.
	UMI []byte
	// Seq is the cDNA: one sequence, or (Paired) the two mates.
	Seq, Seq2 []byte
	Paired    bool
	// Stranded is false for a tagged technology's read without the tag
	// (kallisto applies no strand filter to those).
	Stranded bool
}

// Extractor takes barcodes, UMIs and cDNA out of read groups.
type Extractor struct {
	t            Technology
	bc, umi, seq []byte
	tagLen       int
	tag          []byte
}

// Technology returns the layout the extractor reads.
func (x *Extractor) Technology() Technology { return x.t }

// NewExtractor returns an Extractor for t.
func NewExtractor(t Technology) *Extractor {
	return &Extractor{t: t, tagLen: len(t.Tag), tag: []byte(t.Tag)}
}

// segment returns the bases of g in reads, false when the read is too
// short (kallisto skips the group).
func segment(reads [][]byte, g Segment) ([]byte, bool) {
	r := reads[g.File]
	n := g.Stop - g.Start
	if g.Stop == 0 {
		n = len(r) - g.Start
	}
	if n <= 0 || len(r) < g.Start+n {
		return nil, false
	}
	return r[g.Start : g.Start+n], true
}

// Extract takes the parts of one group (reads[i] is the read of file i);
// false when a read is too short for the barcode or the UMI, as kallisto
// skips those (they still count as processed).
func (x *Extractor) Extract(reads [][]byte) (Read, bool) {
	t := x.t
	var r Read
	x.bc = x.bc[:0]
	for _, g := range t.Barcode {
		s, ok := segment(reads, g)
		if !ok {
			return r, false
		}
		x.bc = append(x.bc, s...)
	}
	r.Barcode, r.Stranded = x.bc, true
	tagged := true
	if len(t.UMI) > 0 {
		x.umi = x.umi[:0]
		for i, g := range t.UMI {
			if i == 0 && x.tagLen > 0 {
				if g.Start < x.tagLen || !x.hasTag(reads[g.File][g.Start-x.tagLen:]) {
					tagged = false
				}
			}
			s, ok := segment(reads, g)
			if !ok {
				return r, false
			}
			x.umi = append(x.umi, s...)
		}
		if tagged {
			r.UMI = x.umi
		} else {
			r.Stranded = false
		}
	}
	// The cDNA: a read without its tag is cDNA from the tag's start on.
	start := func(g Segment) Segment {
		if !tagged && len(t.UMI) > 0 && t.UMI[0].File == g.File {
			g.Start = t.UMI[0].Start - x.tagLen
		}
		return g
	}
	switch {
	case len(t.Seq) == 1:
		s, ok := segment(reads, start(t.Seq[0]))
		if !ok {
			s = nil
		}
		r.Seq = s
	case t.Paired:
		a, _ := segment(reads, start(t.Seq[0]))
		b, _ := segment(reads, start(t.Seq[1]))
		r.Seq, r.Seq2, r.Paired = a, b, true
	default:
		x.seq = x.seq[:0]
		for _, g := range t.Seq {
			s, _ := segment(reads, start(g))
			x.seq = append(append(x.seq, s...), 'N')
		}
		r.Seq = x.seq
	}
	return r, true
}

// hasTag reports whether s starts with the tag, within one mismatch.
func (x *Extractor) hasTag(s []byte) bool {
	if len(s) < x.tagLen {
		return false
	}
	diff := 0
	for i, c := range x.tag {
		if BaseCode(s[i]) != BaseCode(c) {
			diff++
		}
	}
	return diff <= 1
}

// BaseCode is the 2-bit code kallisto and bustools give a base (A=0 C=1
// G=2 T=3, from the letter's ASCII bits: lower case as upper case, N as
// G), as their stringToBinary computes it.
func BaseCode(c byte) uint64 {
	x := uint64(c&4) >> 1
	return x + (x^uint64(c&2))>>1
}
