package debruijn

// Entry locates a canonical k-mer in the graph: its contig, its offset
// (k-mer index) in the contig, and whether the canonical k-mer reads forward
// on the contig's sequence. It is packed in one word: contig in the high 32
// bits, offset in bits 1-31, orientation in bit 0 (1 = forward).
type Entry uint64

// MakeEntry packs a location.
func MakeEntry(contig uint32, pos int32, fw bool) Entry {
	e := Entry(contig)<<32 | Entry(uint32(pos))<<1
	if fw {
		e |= 1
	}
	return e
}

// Contig returns the contig id.
func (e Entry) Contig() uint32 { return uint32(e >> 32) }

// Pos returns the k-mer's offset in its contig.
func (e Entry) Pos() int32 { return int32(uint32(e) >> 1) }

// Fw reports whether the canonical k-mer reads forward on the contig.
func (e Entry) Fw() bool { return e&1 != 0 }

// Occurrence is one pass of a transcript through a contig, packed in one
// word: transcript id in the high 32 bits, position in bits 1-31, sense in
// bit 0.
type Occurrence uint64

// MakeOccurrence packs a pass: transcript tr, the position in tr where the
// contig starts in the transcript's direction, and whether the contig reads
// forward on the transcript.
func MakeOccurrence(tr uint32, pos int32, sense bool) Occurrence {
	o := Occurrence(tr)<<32 | Occurrence(uint32(pos))<<1
	if sense {
		o |= 1
	}
	return o
}

// Tr returns the transcript id.
func (o Occurrence) Tr() uint32 { return uint32(o >> 32) }

// Pos returns the transcript position of the contig's first base in the
// transcript's direction.
func (o Occurrence) Pos() int32 { return int32(uint32(o) >> 1) }

// Sense reports whether the contig reads forward on the transcript.
func (o Occurrence) Sense() bool { return o&1 != 0 }

// ECKey appends the byte encoding of a sorted transcript list, used as a
// map key for class lookup, to dst.
func ECKey(dst []byte, u []uint32) []byte {
	for _, x := range u {
		dst = append(dst, byte(x), byte(x>>8), byte(x>>16), byte(x>>24))
	}
	return dst
}
