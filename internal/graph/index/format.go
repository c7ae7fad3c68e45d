package index

// The file format is specified in the package documentation (index.go).

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"unsafe"

	"github.com/gallisto/gallisto/internal/graph/kdict"
	"github.com/gallisto/gallisto/internal/graph/kmer"
	"github.com/gallisto/gallisto/internal/input/inflate"
	"github.com/gallisto/gallisto/internal/memlimit"
	"github.com/gallisto/gallisto/internal/output/atomicfile"
)

// FormatVersion is the version of the index file format this package writes
// and reads.
const FormatVersion = 3

var magic = [8]byte{'G', 'A', 'L', 'L', 'I', 'D', 'X', 0x1a}

const headerWords = 10

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// littleEndian reports whether this machine stores words as the file does.
// The arrays of a loaded file are used in place (and written straight from
// memory), so a big-endian machine would read and write them wrong; Write
// and Load refuse to run there instead.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

var errBigEndian = errors.New("index files are little-endian and used in place: this big-endian machine cannot read or write them")

// sectionWriter writes sections to the file while computing its checksum.
type sectionWriter struct {
	w   io.Writer
	crc uint32
	err error
}

func (sw *sectionWriter) Write(b []byte) (int, error) {
	if sw.err != nil {
		return 0, sw.err
	}
	sw.crc = crc32.Update(sw.crc, castagnoli, b)
	n, err := sw.w.Write(b)
	sw.err = err
	return n, err
}

// bytes writes b padded with zeros to a whole number of words.
func (sw *sectionWriter) bytes(b []byte) {
	sw.Write(b)
	if r := len(b) % 8; r != 0 {
		sw.Write(make([]byte, 8-r))
	}
}

func (sw *sectionWriter) u32s(v []uint32) {
	sw.bytes(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), 4*len(v)))
}

func (sw *sectionWriter) u64s(v []uint64) {
	sw.bytes(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), 8*len(v)))
}

// Write stores x at path atomically (temporary file, then rename). Sections
// are written straight from memory, with no copy of the index.
func (x *Index) Write(path string) error {
	if !littleEndian {
		return fmt.Errorf("index: %w", errBigEndian)
	}
	f, err := atomicfile.Create(path)
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	defer f.Abort()
	sw := &sectionWriter{w: f}
	x.writeSections(sw)
	var tail [8]byte
	binary.LittleEndian.PutUint32(tail[:], sw.crc)
	if sw.err == nil {
		_, sw.err = f.Write(tail[:])
	}
	if sw.err != nil {
		return fmt.Errorf("index: cannot write %s: %w", path, sw.err)
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	return nil
}

func (x *Index) writeSections(sw *sectionWriter) {
	var nameBytes int
	nameLens := make([]uint32, len(x.Names))
	for i, n := range x.Names {
		nameLens[i] = uint32(len(n))
		nameBytes += len(n)
	}
	names := make([]byte, 0, nameBytes)
	for _, n := range x.Names {
		names = append(names, n...)
	}
	sw.u64s([]uint64{binary.LittleEndian.Uint64(magic[:]), uint64(FormatVersion) | uint64(x.Shape.K)<<32,
		uint64(x.NumTargets()), uint64(x.NumContigs()), uint64(x.NumECs()), uint64(x.NumKmers()),
		uint64(len(x.Occ)), uint64(len(x.ECMembers)), uint64(nameBytes), uint64(len(x.Seq.Words()))})
	sw.u32s(nameLens)
	sw.bytes(names)
	sw.bytes(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(x.Lengths))), 4*len(x.Lengths)))
	sw.u32s(x.KStart)
	sw.u32s(x.ContigEC)
	sw.u32s(x.OccOff)
	sw.bytes(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(x.Occ))), 8*len(x.Occ)))
	sw.u32s(x.ECOff)
	sw.u32s(x.ECMembers)
	sw.u64s(x.Seq.Words())
	sw.u32s(x.adj)
	if sw.err == nil {
		x.kd.WriteTo(sw)
	}
}

// Load reads an index written by Write with one bulk read; its arrays are
// used in place.
func Load(path string) (*Index, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("index: %s: file not found", path)
		}
		return nil, fmt.Errorf("index: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("index: %s: is a directory, not an index file", path)
	}
	// What the file is, from its first bytes, before reading all of it (a
	// read file given as -i can be many gigabytes).
	var head [64]byte
	n, _ := io.ReadFull(f, head[:])
	if err := checkMagic(head[:n]); err != nil {
		return nil, fmt.Errorf("index: %s: %w", path, describeGzip(err, f, path))
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	// The whole file is read into memory; under a memory limit that cannot
	// hold it, one line now instead of the runtime's crash later.
	if err := memlimit.Current().Check(uint64(st.Size()), "loading it"); err != nil {
		return nil, fmt.Errorf("index: %s: %w", path, err)
	}
	words := fileBuffer(st.Size())
	buf := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(words))), 8*len(words))[:st.Size()]
	if err := readParallel(f, buf, readChunk); err != nil {
		return nil, fmt.Errorf("index: %s: %w", path, err)
	}
	x, err := decodeWords(words, int(st.Size()))
	if err != nil {
		return nil, fmt.Errorf("index: %s: %w", path, err)
	}
	return x, nil
}

// readChunk is the smallest part of an index file read by a goroutine of
// its own: large files load in parallel because most of the time goes to
// the kernel faulting in and filling fresh pages (on the human-sized index,
// 0.4 of 0.55 s), which several CPUs do faster than one.
const readChunk = 64 << 20

// readParallel fills buf from the start of f, in parts of at least chunk
// bytes read concurrently by up to GOMAXPROCS goroutines.
func readParallel(f *os.File, buf []byte, chunk int) error {
	parts := min(runtime.GOMAXPROCS(0), len(buf)/chunk)
	if parts <= 1 {
		_, err := io.ReadFull(f, buf)
		return err
	}
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for i := range parts {
		lo, hi := len(buf)*i/parts, len(buf)*(i+1)/parts
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.ReadAt(buf[lo:hi], int64(lo)); err != nil {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF // the file shrank while being read
				}
				errs[i] = err
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// cacheLine is the alignment the dictionary's Bloom filter wants: each of
// its 64-byte blocks should be one cache line, not straddle two (a lookup
// would then wait for two memory reads instead of one).
const cacheLine = 64

// fileBuffer returns zeroed words to read a file of size bytes into,
// placed so that the Bloom filter starts on a cache line. The filter is the
// file's last section before the checksum word and a whole number of
// 64-byte blocks long, so it is aligned exactly when the checksum word is:
// the buffer is shifted by up to 7 words to make it so, whatever the file.
func fileBuffer(size int64) []uint64 {
	n := int((size + 7) / 8)
	words := make([]uint64, n+cacheLine/8-1)
	last := uintptr(unsafe.Pointer(unsafe.SliceData(words))) + uintptr(size) - 8
	shift := (cacheLine - last%cacheLine) % cacheLine / 8
	return words[shift : int(shift)+n : int(shift)+n]
}

// Decode parses an index file held in memory (copying it to aligned memory).
func Decode(data []byte) (*Index, error) {
	words := fileBuffer(int64(len(data)))
	copy(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(words))), 8*len(words)), data)
	return decodeWords(words, len(data))
}

// ErrVersion is wrapped by Load when the file has another format version.
var ErrVersion = errors.New("unsupported index format version")

// decoder takes sections from the file's words, recording the first
// shortage instead of panicking.
type decoder struct {
	w   []uint64
	err error
}

func (d *decoder) take(n uint64) []uint64 {
	if d.err != nil || n > uint64(len(d.w)) {
		d.err = errors.New("corrupt index file: sections shorter than their counts")
		return nil
	}
	s := d.w[:n:n]
	d.w = d.w[n:]
	return s
}

// u32s returns n uint32s stored two to a word, in place.
func (d *decoder) u32s(n uint64) []uint32 {
	w := d.take((n + 1) / 2)
	if d.err != nil || n == 0 {
		return []uint32{}
	}
	return unsafe.Slice((*uint32)(unsafe.Pointer(&w[0])), n)
}

func (d *decoder) bytes(n uint64) []byte {
	w := d.take((n + 7) / 8)
	if d.err != nil || n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&w[0])), n)
}

func decodeWords(words []uint64, size int) (*Index, error) {
	if !littleEndian {
		return nil, errBigEndian
	}
	head := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(words))), 8*len(words))[:size]
	if err := checkMagic(head); err != nil {
		return nil, err
	}
	if size < 8*(headerWords+1) {
		return nil, errors.New("truncated index file (shorter than its header)")
	}
	if v := uint32(words[1]); v != FormatVersion {
		return nil, fmt.Errorf("%w: the file is version %d, this gallisto reads version %d; rebuild the index with this gallisto's 'index' command", ErrVersion, v, FormatVersion)
	}
	if size%8 != 0 {
		return nil, errors.New("corrupt index file: size is not a whole number of words (truncated?)")
	}
	body := head[:size-8]
	if want, got := uint32(words[len(words)-1]), crc32.Checksum(body, castagnoli); want != got {
		return nil, fmt.Errorf("corrupt index file: checksum mismatch (stored %08x, computed %08x); the file is damaged or truncated", want, got)
	}
	s, err := kmer.NewShape(int(words[1] >> 32))
	if err != nil {
		return nil, fmt.Errorf("corrupt index file: %w", err)
	}
	c := words[2:headerWords]
	ntr, nctg, nec, nkm, nocc, nmem, nameBytes, nseq := c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]
	limit := uint64(size) * 2 // no count can exceed two entries per byte
	for _, n := range c {
		if n > limit {
			return nil, errors.New("corrupt index file: counts exceed the file size")
		}
	}
	d := &decoder{w: words[headerWords : len(words)-1]}
	x := &Index{Shape: s, file: words, txc: &txCache{}}
	nameLens := d.u32s(ntr)
	names := d.bytes(nameBytes)
	lengths := d.u32s(ntr)
	x.KStart = d.u32s(nctg + 1)
	x.ContigEC = d.u32s(nctg)
	x.OccOff = d.u32s(nctg + 1)
	occ := d.take(nocc)
	x.ECOff = d.u32s(nec + 1)
	x.ECMembers = d.u32s(nmem)
	seq := d.take(nseq)
	x.adj = d.u32s(slotsPerContig * nctg)
	if d.err != nil {
		return nil, d.err
	}
	kd, rest, err := kdict.FromWords(d.w)
	if err != nil {
		return nil, fmt.Errorf("corrupt index file: %w", err)
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("corrupt index file: %d unexpected words after the last section", len(rest))
	}
	x.kd = kd
	if len(occ) > 0 {
		x.Occ = unsafe.Slice((*Occurrence)(unsafe.Pointer(&occ[0])), len(occ))
	}
	// Names are copied into strings; everything else stays in place.
	x.Names = make([]string, ntr)
	var off uint64
	for i, l := range nameLens {
		if off+uint64(l) > uint64(len(names)) {
			return nil, errors.New("corrupt index file: names shorter than their lengths")
		}
		x.Names[i] = string(names[off : off+uint64(l)])
		off += uint64(l)
	}
	x.Lengths = unsafe.Slice((*int32)(unsafe.Pointer(unsafe.SliceData(lengths))), len(lengths))
	if err := x.validate(nkm, uint64(len(seq))); err != nil {
		return nil, fmt.Errorf("corrupt index file: %w", err)
	}
	nbases := uint64(x.KStart[nctg]) + nctg*uint64(s.K-1)
	x.Seq = kmer.PackedFromWords(seq, int(nbases))
	if err := x.validateAdjacency(); err != nil {
		return nil, fmt.Errorf("corrupt index file: %w", err)
	}
	if kd.Len() != int(nkm) {
		return nil, fmt.Errorf("corrupt index file: dictionary holds %d k-mers, header says %d", kd.Len(), nkm)
	}
	x.derive()
	return x, nil
}

// validate checks cross-references so that a file that passed the checksum
// but was written by a buggy or hostile program cannot make lookups panic.
func (x *Index) validate(nkm, seqWords uint64) error {
	ntr := uint32(len(x.Names))
	nctg := len(x.KStart) - 1
	nec := len(x.ECOff) - 1
	if err := x.validateTargets(); err != nil {
		return err
	}
	if nec < int(ntr) {
		return errors.New("fewer equivalence classes than targets")
	}
	if x.KStart[0] != 0 || uint64(x.KStart[nctg]) != nkm {
		return errors.New("k-mer starts do not span the k-mer space")
	}
	for c := 0; c < nctg; c++ {
		if x.KStart[c+1] <= x.KStart[c] {
			return fmt.Errorf("contig %d is empty", c)
		}
		if int(x.ContigEC[c]) >= nec {
			return fmt.Errorf("contig %d has class %d of %d", c, x.ContigEC[c], nec)
		}
		if x.OccOff[c+1] < x.OccOff[c] {
			return fmt.Errorf("contig %d has negative pass count", c)
		}
	}
	if x.OccOff[0] != 0 || int(x.OccOff[nctg]) != len(x.Occ) {
		return errors.New("pass offsets do not span the passes")
	}
	for _, o := range x.Occ {
		if o.Tr() >= ntr {
			return fmt.Errorf("pass through target %d of %d", o.Tr(), ntr)
		}
	}
	if x.ECOff[0] != 0 || int(x.ECOff[nec]) != len(x.ECMembers) {
		return errors.New("class offsets do not span the members")
	}
	for e := 0; e < nec; e++ {
		// Every offset is checked before any class is read: with only the
		// last one bounded, a decreasing pair further on would let an
		// earlier class run past the members (fuzz corpus 7e38829f5eba4839).
		if x.ECOff[e+1] < x.ECOff[e] {
			return fmt.Errorf("class %d has negative size", e)
		}
	}
	for e := 0; e < nec; e++ {
		m := x.EC(uint32(e))
		if len(m) == 0 {
			return fmt.Errorf("class %d is empty", e)
		}
		for i, t := range m {
			if t >= ntr || (i > 0 && m[i-1] >= t) {
				return fmt.Errorf("class %d is not a sorted list of targets", e)
			}
		}
		if e < int(ntr) && (len(m) != 1 || m[0] != uint32(e)) {
			return fmt.Errorf("class %d is not the singleton {%d}", e, e)
		}
	}
	nbases := uint64(x.KStart[nctg]) + uint64(nctg)*uint64(x.Shape.K-1)
	if (nbases+31)/32 != seqWords {
		return fmt.Errorf("contig sequence holds %d words for %d bases", seqWords, nbases)
	}
	return nil
}

// errGzip is checkMagic's answer for gzip data, which describeGzip makes
// precise by decompressing the start.
var errGzip = errors.New("gzip-compressed data, not a gallisto index (a FASTA or FASTQ file?)")

// describeGzip names what a gzip file given as an index holds: a
// compressed index (decompress it first), FASTA or FASTQ. err is returned
// unchanged for anything else.
func describeGzip(err error, f *os.File, path string) error {
	if err != errGzip {
		return err
	}
	if _, serr := f.Seek(0, io.SeekStart); serr != nil {
		return err
	}
	z, zerr := inflate.NewReader(f)
	if zerr != nil {
		return err
	}
	var head [len(magic)]byte
	n, _ := io.ReadFull(z, head[:])
	switch {
	case n == len(magic) && head == magic:
		return fmt.Errorf("gzip-compressed gallisto index: decompress it first (gunzip -k %s)", path)
	case n > 0 && head[0] == '@':
		return errors.New("gzip-compressed FASTQ file, not a gallisto index")
	case n > 0 && head[0] == '>':
		return errors.New("gzip-compressed FASTA file, not a gallisto index; build one with 'gallisto index'")
	}
	return err
}

// validateTargets checks what is written into abundance.tsv and the other
// outputs as it is: a name with a tab or a line break would break every
// table, an empty one could not be looked up, and a length of 0 or less
// would make effective lengths and TPMs nonsense.
func (x *Index) validateTargets() error {
	for i, name := range x.Names {
		if name == "" {
			return fmt.Errorf("target %d has an empty name", i+1)
		}
		if j := strings.IndexAny(name, "\t\r\n"); j >= 0 {
			return fmt.Errorf("target %d has name %q, with a %s", i+1, name, map[byte]string{'\t': "tab", '\r': "carriage return", '\n': "line break"}[name[j]])
		}
		if x.Lengths[i] <= 0 {
			return fmt.Errorf("target %d (%s) has length %d", i+1, name, x.Lengths[i])
		}
	}
	return nil
}

// checkMagic recognises gallisto index files and names what else a file
// given as an index probably is.
func checkMagic(data []byte) error {
	if len(data) >= len(magic) && string(data[:len(magic)]) == string(magic[:]) {
		return nil
	}
	what := "not a gallisto index file"
	switch {
	case len(data) == 0:
		what = "empty file, not a gallisto index"
	case len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b:
		return errGzip
	case data[0] == '@':
		what = "looks like a FASTQ file, not a gallisto index"
	case data[0] == '>':
		what = "looks like a FASTA file, not a gallisto index; build one with 'gallisto index'"
	case len(data) >= 8 && binary.LittleEndian.Uint64(data) < 100:
		what = fmt.Sprintf("looks like a kallisto index (version %d), not a gallisto index; build one with 'gallisto index'", binary.LittleEndian.Uint64(data))
	}
	return errors.New(what)
}
