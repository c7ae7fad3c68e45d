package index

// gallisto index file format, version 1.
//
// All integers are little-endian. The file is:
//
//	magic    [8]byte  "GALLIDX\x1a"
//	version  uint32   FormatVersion
//	k        uint32
//	counts   4 x uint64: targets, contigs, ECs, k-mers
//	body     the sections below, in order, each an array whose length
//	         follows from the counts or from an earlier section:
//	  target name lengths  uint32 x targets
//	  target names         concatenated bytes
//	  target lengths       int32 x targets
//	  contig lengths       int32 x contigs (k-mers per contig)
//	  contig ECs           uint32 x contigs
//	  passes per contig    uint32 x contigs
//	  passes               (uint32 transcript, int32 position, uint8 sense) x sum
//	  contig sequences     uint64 words, 2 bits per base (A=0 C=1 G=2 T=3, first
//	                       base in the high bits), contigs concatenated, contig
//	                       c holding length[c]+k-1 bases
//	  EC sizes             uint32 x ECs
//	  EC members           uint32 x sum of EC sizes
//	crc      uint32   CRC-32C (Castagnoli) of everything before it
//
// The k-mer dictionary is not stored in version 1: Load rebuilds it from the
// contig sequences. A file of any other version, a truncated file or one
// whose checksum fails is refused with an error saying which.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"

	"github.com/gallisto/gallisto/atomicfile"
	"github.com/gallisto/gallisto/kmer"
)

// FormatVersion is the version of the index file format this package writes
// and reads.
const FormatVersion = 1

var magic = [8]byte{'G', 'A', 'L', 'L', 'I', 'D', 'X', 0x1a}

const headerSize = 8 + 4 + 4 + 4*8

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Write stores x at path atomically (temporary file, then rename).
func (x *Index) Write(path string) error {
	f, err := atomicfile.Create(path)
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	defer f.Abort()
	h := crc32.New(castagnoli)
	w := io.MultiWriter(f, h)
	if _, err := w.Write(x.encode()); err != nil {
		return fmt.Errorf("index: cannot write %s: %w", path, err)
	}
	var crc [4]byte
	binary.LittleEndian.PutUint32(crc[:], h.Sum32())
	if _, err := f.Write(crc[:]); err != nil {
		return fmt.Errorf("index: cannot write %s: %w", path, err)
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	return nil
}

func (x *Index) encode() []byte {
	le := binary.LittleEndian
	b := make([]byte, 0, headerSize+8*len(x.Seq.Words())+16*len(x.ContigLen)+12*len(x.Occ)+4*len(x.ECMembers))
	b = append(b, magic[:]...)
	b = le.AppendUint32(b, FormatVersion)
	b = le.AppendUint32(b, uint32(x.Shape.K))
	for _, n := range []int{x.NumTargets(), x.NumContigs(), x.NumECs(), x.NumKmers()} {
		b = le.AppendUint64(b, uint64(n))
	}
	for _, n := range x.Names {
		b = le.AppendUint32(b, uint32(len(n)))
	}
	for _, n := range x.Names {
		b = append(b, n...)
	}
	for _, l := range x.Lengths {
		b = le.AppendUint32(b, uint32(l))
	}
	for _, l := range x.ContigLen {
		b = le.AppendUint32(b, uint32(l))
	}
	for _, e := range x.ContigEC {
		b = le.AppendUint32(b, e)
	}
	for c := range x.ContigLen {
		b = le.AppendUint32(b, x.OccOff[c+1]-x.OccOff[c])
	}
	for _, o := range x.Occ {
		b = le.AppendUint32(b, o.Tr())
		b = le.AppendUint32(b, uint32(o.Pos()))
		if o.Sense() {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	}
	for _, w := range x.Seq.Words() {
		b = le.AppendUint64(b, w)
	}
	for e := 0; e < x.NumECs(); e++ {
		b = le.AppendUint32(b, x.ECOff[e+1]-x.ECOff[e])
	}
	for _, m := range x.ECMembers {
		b = le.AppendUint32(b, m)
	}
	return b
}

// Load reads an index written by Write.
func Load(path string) (*Index, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("index: %s: file not found", path)
		}
		return nil, fmt.Errorf("index: %w", err)
	}
	x, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("index: %s: %w", path, err)
	}
	return x, nil
}

// Decode parses an index file held in memory.
func Decode(data []byte) (*Index, error) { return decode(data) }

// ErrVersion is wrapped by Load when the file has another format version.
var ErrVersion = errors.New("unsupported index format version")

func decode(data []byte) (*Index, error) {
	if err := checkMagic(data); err != nil {
		return nil, err
	}
	le := binary.LittleEndian
	if len(data) < headerSize+4 {
		return nil, errors.New("truncated index file (shorter than its header)")
	}
	if v := le.Uint32(data[8:]); v != FormatVersion {
		return nil, fmt.Errorf("%w: the file is version %d, this gallisto reads version %d; rebuild the index with this gallisto's 'index' command", ErrVersion, v, FormatVersion)
	}
	body := data[:len(data)-4]
	if want, got := le.Uint32(data[len(data)-4:]), crc32.Checksum(body, castagnoli); want != got {
		return nil, fmt.Errorf("corrupt index file: checksum mismatch (stored %08x, computed %08x); the file is damaged or truncated", want, got)
	}
	k := int(le.Uint32(data[12:]))
	s, err := kmer.NewShape(k)
	if err != nil {
		return nil, fmt.Errorf("corrupt index file: %w", err)
	}
	d := &decoder{b: body[headerSize:]}
	ntr, nctg, nec, nkm := le.Uint64(data[16:]), le.Uint64(data[24:]), le.Uint64(data[32:]), le.Uint64(data[40:])
	// Every count is bounded by the file size, which keeps a corrupt header
	// from asking for absurd allocations.
	if n := uint64(len(body)); ntr > n/4 || nctg > n/16 || nec > n/4 {
		return nil, errors.New("corrupt index file: counts exceed the file size")
	}
	x := &Index{Shape: s}
	nameLens := d.u32s(int(ntr))
	x.Names = make([]string, ntr)
	for i, l := range nameLens {
		x.Names[i] = string(d.bytes(int(l)))
	}
	x.Lengths = d.i32s(int(ntr))
	x.ContigLen = d.i32s(int(nctg))
	x.ContigEC = d.u32s(int(nctg))
	occN := d.u32s(int(nctg))
	x.OccOff = make([]uint32, nctg+1)
	for i, n := range occN {
		x.OccOff[i+1] = x.OccOff[i] + n
	}
	nocc := int(x.OccOff[nctg])
	if d.err == nil && nocc > len(d.b)/9 {
		d.err = errors.New("truncated")
	}
	x.Occ = make([]Occurrence, 0, max(nocc, 0))
	for i := 0; i < nocc && d.err == nil; i++ {
		p := d.bytes(9)
		if p == nil {
			break
		}
		x.Occ = append(x.Occ, MakeOccurrence(le.Uint32(p), int32(le.Uint32(p[4:])), p[8] != 0))
	}
	x.setSeqStart()
	nbases := x.SeqStart[len(x.SeqStart)-1]
	if nbases > int64(len(d.b))*4 {
		d.err = errors.New("truncated")
	} else {
		x.Seq = kmer.PackedFromWords(d.u64s(int((nbases+31)/32)), int(nbases))
	}
	ecN := d.u32s(int(nec))
	x.ECOff = make([]uint32, nec+1)
	for i, n := range ecN {
		x.ECOff[i+1] = x.ECOff[i] + n
	}
	x.ECMembers = d.u32s(int(x.ECOff[nec]))
	if d.err != nil {
		return nil, errors.New("corrupt index file: sections shorter than their counts")
	}
	if len(d.b) != 0 {
		return nil, fmt.Errorf("corrupt index file: %d unexpected bytes after the last section", len(d.b))
	}
	if err := x.validate(); err != nil {
		return nil, fmt.Errorf("corrupt index file: %w", err)
	}
	x.buildECInverse()
	x.rebuildDict()
	if x.NumKmers() != int(nkm) {
		return nil, fmt.Errorf("corrupt index file: %d k-mers in the contigs, header says %d", x.NumKmers(), nkm)
	}
	return x, nil
}

// validate checks cross-references so that a file that passed the checksum
// but was written by a buggy or hostile program cannot make lookups panic.
func (x *Index) validate() error {
	ntr := uint32(x.NumTargets())
	nec := uint32(x.NumECs())
	if nec < ntr {
		return errors.New("fewer equivalence classes than targets")
	}
	for c, l := range x.ContigLen {
		if l <= 0 {
			return fmt.Errorf("contig %d has length %d", c, l)
		}
		if x.ContigEC[c] >= nec {
			return fmt.Errorf("contig %d has class %d of %d", c, x.ContigEC[c], nec)
		}
	}
	for _, o := range x.Occ {
		if o.Tr() >= ntr {
			return fmt.Errorf("pass through target %d of %d", o.Tr(), ntr)
		}
	}
	for e := uint32(0); e < nec; e++ {
		m := x.EC(e)
		if len(m) == 0 {
			return fmt.Errorf("class %d is empty", e)
		}
		for i, t := range m {
			if t >= ntr || (i > 0 && m[i-1] >= t) {
				return fmt.Errorf("class %d is not a sorted list of targets", e)
			}
		}
		if e < ntr && (len(m) != 1 || m[0] != e) {
			return fmt.Errorf("class %d is not the singleton {%d}", e, e)
		}
	}
	return nil
}

// checkMagic recognises gallisto index files and names what else a file
// given as an index probably is.
func checkMagic(data []byte) error {
	if len(data) >= len(magic) && bytes.Equal(data[:len(magic)], magic[:]) {
		return nil
	}
	what := "not a gallisto index file"
	switch {
	case len(data) == 0:
		what = "empty file, not a gallisto index"
	case len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b:
		what = "gzip-compressed data, not a gallisto index (a FASTA or FASTQ file?)"
	case data[0] == '@':
		what = "looks like a FASTQ file, not a gallisto index"
	case data[0] == '>':
		what = "looks like a FASTA file, not a gallisto index; build one with 'gallisto index'"
	case len(data) >= 8 && binary.LittleEndian.Uint64(data) < 100:
		what = fmt.Sprintf("looks like a kallisto index (version %d), not a gallisto index; build one with 'gallisto index'", binary.LittleEndian.Uint64(data))
	}
	return errors.New(what)
}

// decoder reads little-endian arrays from b, recording the first shortage.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) bytes(n int) []byte {
	if d.err != nil || n < 0 || n > len(d.b) {
		d.err = errors.New("truncated")
		return nil
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p
}

func (d *decoder) u32s(n int) []uint32 {
	p := d.bytes(4 * n)
	if p == nil {
		return nil // d.err is set
	}
	v := make([]uint32, n)
	for i := range v {
		v[i] = binary.LittleEndian.Uint32(p[4*i:])
	}
	return v
}

func (d *decoder) u64s(n int) []uint64 {
	p := d.bytes(8 * n)
	if p == nil {
		return nil
	}
	v := make([]uint64, n)
	for i := range v {
		v[i] = binary.LittleEndian.Uint64(p[8*i:])
	}
	return v
}

func (d *decoder) i32s(n int) []int32 {
	u := d.u32s(n)
	v := make([]int32, len(u))
	for i, x := range u {
		v[i] = int32(x)
	}
	return v
}
