// Package inflate is a pure-Go gzip and DEFLATE decoder tuned for throughput.
//
// The contract implemented is RFC 1952 (GZIP file format specification
// version 4.3) for the member framing — header, optional FEXTRA, FNAME,
// FCOMMENT and FHCRC fields, CRC-32 and ISIZE trailer — and RFC 1951
// (DEFLATE Compressed Data Format Specification version 1.3) for the
// compressed data: stored, fixed-Huffman and dynamic-Huffman blocks with
// back-references of up to 32768 bytes.
//
// Multi-member streams (concatenated gzip members, as produced by bgzip or
// `cat a.gz b.gz`) are decoded to the end, as gzip(1) does. Error behaviour
// follows compress/gzip where it can name the cause: a stream that ends
// early yields io.ErrUnexpectedEOF, invalid header bytes yield ErrHeader, a
// CRC-32 mismatch ErrChecksum, an ISIZE mismatch ErrLength and invalid
// compressed data ErrCorrupt. After the last member, zero bytes (padding
// that tape and block devices add) are skipped, as gzip(1) does; any other
// data that does not start another member (bytes 0x1f 0x8b) yields
// ErrTrailing, where compress/gzip says ErrHeader and gzip(1) warns
// "trailing garbage ignored".
package inflate

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"math/bits"
)

var (
	// ErrHeader reports an invalid gzip header.
	ErrHeader = errors.New("gzip: invalid header")
	// ErrChecksum reports a CRC-32 mismatch in a member trailer.
	ErrChecksum = errors.New("gzip: invalid checksum")
	// ErrLength reports an ISIZE mismatch in a member trailer: the
	// decompressed size is not the one the member declares (mod 2^32).
	ErrLength = errors.New("gzip: length mismatch")
	// ErrTrailing reports data after the last member that is neither
	// another member nor zero padding.
	ErrTrailing = errors.New("gzip: trailing data after the gzip stream")
	// ErrCorrupt reports invalid DEFLATE data.
	ErrCorrupt = errors.New("flate: corrupt input")
)

const (
	winSize   = 1 << 15   // DEFLATE window
	inBufSize = 512 << 10 // compressed input buffer
	outChunk  = 1 << 20   // decoded bytes kept ahead of the window
	outSlack  = 512       // room past the decode limit for one match plus overrun
	stepMax   = 256 << 10 // bytes decoded per step (keeps CRC input cache-warm)

	// fastInMargin is the number of input bytes that must remain for the
	// fast loop: two unconditional 8-byte refills per iteration.
	fastInMargin = 32

	litRoot    = 11
	distRoot   = 9
	clRoot     = 7
	litMask    = 1<<litRoot - 1
	distMask   = 1<<distRoot - 1
	litTabLen  = 1<<litRoot + 286*(1<<(15-litRoot))
	distTabLen = 1<<distRoot + 30*(1<<(15-distRoot))
)

// The fast loop decodes up to three main-table literals per refill (each at
// most litRoot bits) and then looks up the next entry: with litRoot <= 11
// that is at most 44 of the 56 refilled bits, and two literals followed by
// a subtable length code with its extra bits (2*11 + 15 + 5 = 42) fit too.
var _ [11 - litRoot]struct{}

// Table entry layout (uint32):
//
//	bits  0-7  number of bits to consume: code length plus extra bits
//	           (for a subtable pointer: the root width)
//	bits  8-11 code length alone (shift that exposes the extra bits);
//	           for a subtable pointer: the subtable index width
//	bit  12    invalid code
//	bit  13    subtable pointer
//	bit  14    end of block
//	bit  15    exceptional (any of the three above)
//	bits 16-30 value: literal byte, length base, distance base, code-length
//	           symbol or subtable offset
//	bit  31    literal
const (
	fBad = 1 << 12
	fSub = 1 << 13
	fEOB = 1 << 14
	fExc = 1 << 15
	fLit = 1 << 31

	badEntry = fExc | fBad
)

var (
	litTmpl  [288]uint32
	distTmpl [32]uint32
	clTmpl   [19]uint32

	fixedLit  [litTabLen]uint32
	fixedDist [distTabLen]uint32

	clOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
)

func init() {
	lbase := [29]uint32{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lextra := [29]uint32{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	dbase := [30]uint32{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	for s := range 256 {
		litTmpl[s] = fLit | uint32(s)<<16
	}
	litTmpl[256] = fExc | fEOB
	for i := range 29 {
		litTmpl[257+i] = lbase[i]<<16 | lextra[i]
	}
	litTmpl[286], litTmpl[287] = badEntry, badEntry
	for i := range 30 {
		extra := uint32(0)
		if i >= 4 {
			extra = uint32(i/2 - 1)
		}
		distTmpl[i] = dbase[i]<<16 | extra
	}
	distTmpl[30], distTmpl[31] = badEntry, badEntry
	for s := range 19 {
		clTmpl[s] = uint32(s) << 16
	}

	var lens [288]uint8
	for i := range lens {
		switch {
		case i < 144:
			lens[i] = 8
		case i < 256:
			lens[i] = 9
		case i < 280:
			lens[i] = 7
		default:
			lens[i] = 8
		}
	}
	if !build(fixedLit[:], lens[:], litRoot, litTmpl[:]) {
		panic("inflate: bad fixed literal/length table")
	}
	for i := range 32 {
		lens[i] = 5
	}
	if !build(fixedDist[:], lens[:32], distRoot, distTmpl[:]) {
		panic("inflate: bad fixed distance table")
	}
}

// build fills tab with the decoding table for the canonical Huffman code
// given by lens (RFC 1951 section 3.2.2). It reports false for an
// over-subscribed code, or an incomplete one other than a single code of
// length one. An all-zero code builds a table of invalid entries.
func build(tab []uint32, lens []uint8, root uint, tmpl []uint32) bool {
	var count [16]int
	maxLen := 0
	for _, l := range lens {
		count[l]++
		if int(l) > maxLen {
			maxLen = int(l)
		}
	}
	count[0] = 0
	rootSize := 1 << root
	left := 1
	ncodes := 0
	for l := 1; l <= 15; l++ {
		left <<= 1
		left -= count[l]
		ncodes += count[l]
		if left < 0 {
			return false
		}
	}
	if left > 0 {
		// Incomplete: only no code at all, or a single one-bit code
		// (RFC 1951 3.2.7), whose other half decodes as an error.
		if ncodes > 1 || maxLen > 1 {
			return false
		}
		for i := range tab[:rootSize] {
			tab[i] = badEntry
		}
	}
	var next, offs [16]int
	code := 0
	for l := 1; l <= 15; l++ {
		code = (code + count[l-1]) << 1
		next[l] = code
		if l > 1 {
			offs[l] = offs[l-1] + count[l-1]
		}
	}
	var sorted [288]uint16
	for s, l := range lens {
		if l != 0 {
			sorted[offs[l]] = uint16(s)
			offs[l]++
		}
	}
	subBits := 0
	if maxLen > int(root) {
		subBits = maxLen - int(root)
	}
	nextOff := rootSize
	curPrefix, curOff := -1, 0
	for _, s := range sorted[:ncodes] {
		l := int(lens[s])
		c := next[l]
		next[l]++
		r := int(bits.Reverse16(uint16(c)) >> (16 - l))
		if l <= int(root) {
			e := tmpl[s] + uint32(l) + uint32(l)<<8
			for i := r; i < rootSize; i += 1 << l {
				tab[i] = e
			}
			continue
		}
		p := r & (rootSize - 1)
		if p != curPrefix {
			curPrefix, curOff = p, nextOff
			nextOff += 1 << subBits
			tab[p] = fExc | fSub | uint32(curOff)<<16 | uint32(subBits)<<8 | uint32(root)
		}
		sl := l - int(root)
		e := tmpl[s] + uint32(sl) + uint32(sl)<<8
		for i := r >> root; i < 1<<subBits; i += 1 << sl {
			tab[curOff+i] = e
		}
	}
	return true
}

const (
	stBlock = iota
	stStored
	stHuff
	stTrailer
	stNext
)

// Reader decompresses a gzip stream. It is not safe for concurrent use.
type Reader struct {
	r     io.Reader
	in    []byte
	inPos int
	inEnd int
	inEOF bool
	inErr error

	bits  uint64 // bit buffer, LSB first; bits above nbits are either real upcoming input or zero
	nbits uint

	out    []byte
	outPos int // decoded up to here
	rdPos  int // handed to Read up to here
	base   int // start of the current member in out (clamped at 0)

	state      int
	final      bool
	storedLeft int
	lt         *[litTabLen]uint32
	dt         *[distTabLen]uint32

	crc  uint32
	size uint32
	err  error

	dynLit  [litTabLen]uint32
	dynDist [distTabLen]uint32
	clTab   [1 << clRoot]uint32
	lens    [286 + 30]uint8
}

// NewReader reads the gzip header of the first member from r. Multi-member
// streams are read to the end, as gzip(1) does. An empty r yields io.EOF.
func NewReader(r io.Reader) (*Reader, error) {
	z := new(Reader)
	if err := z.Reset(r); err != nil {
		return nil, err
	}
	return z, nil
}

// Reset discards z's state and makes it equivalent to the result of
// NewReader(r), reusing z's buffers. A zero Reader may be Reset before use.
func (z *Reader) Reset(r io.Reader) error {
	if z.in == nil {
		z.in, z.out = make([]byte, inBufSize), make([]byte, winSize+outChunk+outSlack)
	}
	z.r = r
	z.inPos, z.inEnd, z.inEOF, z.inErr = 0, 0, false, nil
	z.bits, z.nbits = 0, 0
	z.outPos, z.rdPos, z.base = 0, 0, 0
	z.final, z.storedLeft, z.err = false, 0, nil
	z.lt, z.dt = nil, nil
	if err := z.readHeader(); err != nil {
		z.err = err
		return err
	}
	return nil
}

// Close releases nothing and returns nil; it does not close the underlying reader.
func (z *Reader) Close() error { return nil }

// Read implements io.Reader.
func (z *Reader) Read(p []byte) (int, error) {
	for {
		if z.rdPos < z.outPos {
			n := copy(p, z.out[z.rdPos:z.outPos])
			z.rdPos += n
			return n, nil
		}
		if z.err != nil {
			return 0, z.err
		}
		if len(p) == 0 {
			return 0, nil
		}
		z.err = z.step()
	}
}

// fill compacts the input buffer, keeping up to 8 already-consumed bytes so
// that bytes held in the bit buffer can be pushed back, and reads more.
func (z *Reader) fill() bool {
	if z.inEOF {
		return false
	}
	if z.inPos > 8 {
		keep := z.inPos - 8
		n := copy(z.in, z.in[keep:z.inEnd])
		z.inPos -= keep
		z.inEnd = n
	}
	for range 100 {
		n, err := z.r.Read(z.in[z.inEnd:])
		z.inEnd += n
		if err != nil {
			z.inEOF = true
			if err != io.EOF {
				z.inErr = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	z.inEOF = true
	z.inErr = io.ErrNoProgress
	return false
}

func (z *Reader) eofErr() error {
	if z.inErr != nil {
		return z.inErr
	}
	return io.ErrUnexpectedEOF
}

func (z *Reader) readByte() (byte, error) {
	if z.inPos >= z.inEnd && !z.fill() {
		return 0, z.eofErr()
	}
	b := z.in[z.inPos]
	z.inPos++
	return b, nil
}

// readFull fills p from the input (headers and trailers).
func (z *Reader) readFull(p []byte) error {
	for i := range p {
		b, err := z.readByte()
		if err != nil {
			return err
		}
		p[i] = b
	}
	return nil
}

// nextMember looks at what follows a member: the end of the input (io.EOF),
// another member (nil, its header unread), zero padding up to the end
// (io.EOF) or anything else (ErrTrailing).
func (z *Reader) nextMember() error {
	if z.inPos >= z.inEnd && !z.fill() {
		if z.inErr != nil {
			return z.inErr
		}
		return io.EOF
	}
	if z.in[z.inPos] == 0x1f && (z.inPos+1 < z.inEnd || z.fill()) && z.in[z.inPos+1] == 0x8b {
		return nil
	}
	for {
		for ; z.inPos < z.inEnd; z.inPos++ {
			if z.in[z.inPos] != 0 {
				return ErrTrailing
			}
		}
		if !z.fill() {
			if z.inErr != nil {
				return z.inErr
			}
			return io.EOF
		}
	}
}

// readHeader parses a member header (RFC 1952 section 2.3). At a clean end
// of input it returns io.EOF.
func (z *Reader) readHeader() error {
	if z.inPos >= z.inEnd && !z.fill() {
		if z.inErr != nil {
			return z.inErr
		}
		return io.EOF
	}
	var h [10]byte
	if err := z.readFull(h[:]); err != nil {
		return err
	}
	if h[0] != 0x1f || h[1] != 0x8b || h[2] != 8 {
		return ErrHeader
	}
	flg := h[3]
	if flg&0xe0 != 0 {
		// RFC 1952, 2.3.1.2: a decoder must reject reserved flag bits
		// (compress/gzip ignores them; klauspost/compress and gzip(1)
		// refuse them).
		return ErrHeader
	}
	crc := crc32.ChecksumIEEE(h[:])
	var tmp [1]byte
	add := func(b byte) {
		tmp[0] = b
		crc = crc32.Update(crc, crc32.IEEETable, tmp[:])
	}
	var x [2]byte
	if flg&4 != 0 { // FEXTRA
		if err := z.readFull(x[:]); err != nil {
			return err
		}
		crc = crc32.Update(crc, crc32.IEEETable, x[:])
		for range binary.LittleEndian.Uint16(x[:]) {
			b, err := z.readByte()
			if err != nil {
				return err
			}
			add(b)
		}
	}
	for _, f := range [2]byte{8, 16} { // FNAME, FCOMMENT
		if flg&f == 0 {
			continue
		}
		for i := 0; ; i++ {
			if i >= 512 { // compress/gzip's limit
				return ErrHeader
			}
			b, err := z.readByte()
			if err != nil {
				return err
			}
			add(b)
			if b == 0 {
				break
			}
		}
	}
	if flg&2 != 0 { // FHCRC
		if err := z.readFull(x[:]); err != nil {
			return err
		}
		if binary.LittleEndian.Uint16(x[:]) != uint16(crc) {
			return ErrHeader
		}
	}
	z.crc, z.size = 0, 0
	z.base = z.outPos
	z.state = stBlock
	z.bits, z.nbits = 0, 0
	return nil
}

// pull appends one input byte to the bit buffer; nbits must be <= 56.
func (z *Reader) pull() bool {
	if z.inPos >= z.inEnd && !z.fill() {
		return false
	}
	z.bits |= uint64(z.in[z.inPos]) << z.nbits
	z.inPos++
	z.nbits += 8
	return true
}

func (z *Reader) need(n uint) error {
	for z.nbits < n {
		if !z.pull() {
			return z.eofErr()
		}
	}
	return nil
}

func (z *Reader) drop(n uint) {
	z.bits >>= n
	z.nbits -= n
}

// alignAndRewind discards the partial byte in the bit buffer and returns
// whole buffered bytes to the input.
func (z *Reader) alignAndRewind() {
	z.inPos -= int(z.nbits >> 3)
	z.bits, z.nbits = 0, 0
}

func (z *Reader) step() error {
	for {
		switch z.state {
		case stBlock:
			if err := z.blockHeader(); err != nil {
				return err
			}
		case stStored, stHuff:
			if z.outPos >= len(z.out)-outSlack {
				z.slide()
			}
			start := z.outPos
			limit := min(start+stepMax, len(z.out)-outSlack)
			var err error
			if z.state == stStored {
				err = z.stored(limit)
			} else {
				err = z.huff(limit)
			}
			if z.outPos > start {
				z.crc = crc32.Update(z.crc, crc32.IEEETable, z.out[start:z.outPos])
				z.size += uint32(z.outPos - start)
			}
			if err != nil || z.outPos > start {
				return err
			}
		case stTrailer:
			var t [8]byte
			if err := z.readFull(t[:]); err != nil {
				return err
			}
			if binary.LittleEndian.Uint32(t[:4]) != z.crc {
				return ErrChecksum
			}
			if binary.LittleEndian.Uint32(t[4:]) != z.size {
				return ErrLength
			}
			z.state = stNext
		case stNext:
			if err := z.nextMember(); err != nil {
				return err
			}
			return z.readHeader()
		}
	}
}

func (z *Reader) slide() {
	delta := z.outPos - winSize
	copy(z.out, z.out[delta:z.outPos])
	z.base = max(z.base-delta, 0)
	z.outPos = winSize
	z.rdPos = winSize
}

func (z *Reader) endBlock() {
	if z.final {
		z.alignAndRewind()
		z.state = stTrailer
	} else {
		z.state = stBlock
	}
}

func (z *Reader) blockHeader() error {
	if err := z.need(3); err != nil {
		return err
	}
	z.final = z.bits&1 != 0
	typ := (z.bits >> 1) & 3
	z.drop(3)
	switch typ {
	case 0:
		z.drop(z.nbits & 7)
		if err := z.need(32); err != nil {
			return err
		}
		n := uint16(z.bits)
		nn := uint16(z.bits >> 16)
		z.drop(32)
		if n != ^nn {
			return ErrCorrupt
		}
		z.alignAndRewind()
		z.storedLeft = int(n)
		z.state = stStored
		if n == 0 {
			z.endBlock()
		}
		return nil
	case 1:
		z.lt, z.dt = &fixedLit, &fixedDist
		z.state = stHuff
		return nil
	case 2:
		if err := z.dynamic(); err != nil {
			return err
		}
		z.lt, z.dt = &z.dynLit, &z.dynDist
		z.state = stHuff
		return nil
	}
	return ErrCorrupt
}

func (z *Reader) dynamic() error {
	if err := z.need(14); err != nil {
		return err
	}
	nlit := int(z.bits&31) + 257
	ndist := int(z.bits>>5&31) + 1
	nclen := int(z.bits>>10&15) + 4
	z.drop(14)
	if nlit > 286 || ndist > 30 {
		return ErrCorrupt
	}
	var cl [19]uint8
	for i := range nclen {
		if err := z.need(3); err != nil {
			return err
		}
		cl[clOrder[i]] = uint8(z.bits & 7)
		z.drop(3)
	}
	if !build(z.clTab[:], cl[:], clRoot, clTmpl[:]) {
		return ErrCorrupt
	}
	n := nlit + ndist
	lens := z.lens[:n]
	for i := 0; i < n; {
		for z.nbits < 7+7 && z.pull() {
		}
		e := z.clTab[z.bits&(1<<clRoot-1)]
		if e&fExc != 0 {
			if z.nbits < clRoot {
				return z.eofErr()
			}
			return ErrCorrupt
		}
		if uint(e&63) > z.nbits {
			return z.eofErr()
		}
		z.drop(uint(e & 63))
		sym := e >> 16
		if sym < 16 {
			lens[i] = uint8(sym)
			i++
			continue
		}
		var rep int
		var v uint8
		switch sym {
		case 16:
			if i == 0 {
				return ErrCorrupt
			}
			if err := z.need(2); err != nil {
				return err
			}
			rep = 3 + int(z.bits&3)
			z.drop(2)
			v = lens[i-1]
		case 17:
			if err := z.need(3); err != nil {
				return err
			}
			rep = 3 + int(z.bits&7)
			z.drop(3)
		default:
			if err := z.need(7); err != nil {
				return err
			}
			rep = 11 + int(z.bits&127)
			z.drop(7)
		}
		if i+rep > n {
			return ErrCorrupt
		}
		for range rep {
			lens[i] = v
			i++
		}
	}
	if !build(z.dynLit[:], lens[:nlit], litRoot, litTmpl[:]) ||
		!build(z.dynDist[:], lens[nlit:], distRoot, distTmpl[:]) {
		return ErrCorrupt
	}
	return nil
}

func (z *Reader) stored(limit int) error {
	for z.storedLeft > 0 && z.outPos < limit {
		if z.inPos >= z.inEnd && !z.fill() {
			return z.eofErr()
		}
		n := copy(z.out[z.outPos:min(limit, z.outPos+z.storedLeft)], z.in[z.inPos:z.inEnd])
		z.inPos += n
		z.outPos += n
		z.storedLeft -= n
	}
	if z.storedLeft == 0 {
		z.endBlock()
	}
	return nil
}

// huff decodes Huffman-coded symbols until the end of the block or until
// the output reaches limit.
func (z *Reader) huff(limit int) error {
	for z.outPos < limit {
		if z.inEnd-z.inPos < fastInMargin && !z.inEOF {
			z.fill()
		}
		var st int
		if z.inEnd-z.inPos >= fastInMargin {
			st = z.decodeFast(limit)
		} else {
			var err error
			st, err = z.decodeSlow()
			if err != nil {
				return err
			}
		}
		switch st {
		case stEOB:
			z.endBlock()
			return nil
		case stCorrupt:
			return ErrCorrupt
		}
	}
	return nil
}

const (
	stMore = iota
	stEOB
	stCorrupt
)

// decodeFast is the hot loop. It runs while at least fastInMargin input
// bytes and outSlack output bytes remain, so that refills are unconditional
// 8-byte loads and match copies may overrun by up to 7 bytes.
func (z *Reader) decodeFast(limit int) int {
	in := z.in[:z.inEnd]
	out := z.out
	lt, dt := z.lt, z.dt
	bb, nb := z.bits, z.nbits
	ip, op := z.inPos, z.outPos
	base := z.base
	inLim := len(in) - fastInMargin
	st := stMore
	if ip > inLim {
		return st
	}
	bb |= binary.LittleEndian.Uint64(in[ip:ip+8]) << nb
	ip += int((63 - nb) >> 3)
	nb |= 56
	// e is the main-table entry for the next symbol; it is looked up as
	// soon as the previous symbol's bits are consumed (at least litRoot
	// valid bits remain at every such point), so the load overlaps the
	// rest of the iteration.
	e := lt[bb&litMask]
	for ip <= inLim && op < limit {
		bb |= binary.LittleEndian.Uint64(in[ip:ip+8]) << nb
		ip += int((63 - nb) >> 3)
		nb |= 56

		// Up to three literals per refill (three main-table codes of at
		// most 11 bits plus the next lookup fit in the 56 refilled bits),
		// unrolled by hand: the repeated steps are deliberate.
		if int32(e) < 0 {
			out[op] = byte(e >> 16)
			op++
			bb >>= e & 63
			nb -= uint(e & 63)
			e = lt[bb&litMask]
			if int32(e) < 0 {
				out[op] = byte(e >> 16)
				op++
				bb >>= e & 63
				nb -= uint(e & 63)
				e = lt[bb&litMask]
				if int32(e) < 0 {
					out[op] = byte(e >> 16)
					op++
					bb >>= e & 63
					nb -= uint(e & 63)
					e = lt[bb&litMask]
					continue
				}
			}
		}
		if e&fExc != 0 {
			if e&fSub == 0 {
				if e&fEOB != 0 {
					bb >>= e & 63
					nb -= uint(e & 63)
					st = stEOB
				} else {
					st = stCorrupt
				}
				break
			}
			bb >>= litRoot
			nb -= litRoot
			e = lt[(e>>16)+uint32(bb&(1<<((e>>8)&15)-1))]
			if int32(e) < 0 {
				out[op] = byte(e >> 16)
				op++
				bb >>= e & 63
				nb -= uint(e & 63)
				e = lt[bb&litMask]
				continue
			}
			if e&fExc != 0 {
				if e&fEOB != 0 {
					bb >>= e & 63
					nb -= uint(e & 63)
					st = stEOB
				} else {
					st = stCorrupt
				}
				break
			}
		}
		length := int(e>>16) + int((bb&(1<<(e&63)-1))>>((e>>8)&15))
		bb >>= e & 63
		nb -= uint(e & 63)

		bb |= binary.LittleEndian.Uint64(in[ip:ip+8]) << nb
		ip += int((63 - nb) >> 3)
		nb |= 56

		d := dt[bb&distMask]
		if d&fExc != 0 {
			if d&fSub == 0 {
				st = stCorrupt
				break
			}
			bb >>= distRoot
			nb -= distRoot
			d = dt[(d>>16)+uint32(bb&(1<<((d>>8)&15)-1))]
			if d&fExc != 0 {
				st = stCorrupt
				break
			}
		}
		dist := int(d>>16) + int((bb&(1<<(d&63)-1))>>((d>>8)&15))
		bb >>= d & 63
		nb -= uint(d & 63)
		e = lt[bb&litMask]

		if dist > op-base {
			st = stCorrupt
			break
		}
		src := op - dist
		if dist >= 8 {
			binary.LittleEndian.PutUint64(out[op:op+8], binary.LittleEndian.Uint64(out[src:src+8]))
			binary.LittleEndian.PutUint64(out[op+8:op+16], binary.LittleEndian.Uint64(out[src+8:src+16]))
			if length > 16 {
				if dist >= length && length > 48 {
					copy(out[op+16:op+length], out[src+16:src+length])
				} else {
					for i := 16; i < length; i += 8 {
						binary.LittleEndian.PutUint64(out[op+i:op+i+8], binary.LittleEndian.Uint64(out[src+i:src+i+8]))
					}
				}
			}
		} else if dist == 1 {
			v := uint64(out[src]) * 0x0101010101010101
			for i := 0; i < length; i += 8 {
				binary.LittleEndian.PutUint64(out[op+i:op+i+8], v)
			}
		} else if length <= 16 {
			o := out[src : op+length]
			for i := dist; i < len(o); i++ {
				o[i] = o[i-dist]
			}
		} else {
			// 2 <= dist < 8: produce 16 bytes one at a time, then copy
			// 8 bytes at a time from m back, m the smallest multiple of
			// dist that is at least 8 (so source and destination of each
			// word do not overlap).
			o := out[src : op+16]
			for i := dist; i < len(o); i++ {
				o[i] = o[i-dist]
			}
			m := dist * ((dist + 7) / dist)
			for i := 16; i < length; i += 8 {
				binary.LittleEndian.PutUint64(out[op+i:op+i+8], binary.LittleEndian.Uint64(out[op+i-m:op+i-m+8]))
			}
		}
		op += length
	}
	z.bits, z.nbits = bb, nb
	z.inPos, z.outPos = ip, op
	return st
}

// decodeSlow decodes one symbol (and its distance) with full input checks.
func (z *Reader) decodeSlow() (int, error) {
	for z.nbits < 48 && z.pull() {
	}
	e, skip := lookup(z.lt[:], z.bits, litRoot)
	if e&fBad != 0 {
		if z.nbits < 15 { // all remaining input is buffered: the code is cut short
			return stMore, z.eofErr()
		}
		return stCorrupt, nil
	}
	n := skip + uint(e&63)
	if n > z.nbits {
		return stMore, z.eofErr()
	}
	if int32(e) < 0 {
		z.out[z.outPos] = byte(e >> 16)
		z.outPos++
		z.drop(n)
		return stMore, nil
	}
	if e&fEOB != 0 {
		z.drop(n)
		return stEOB, nil
	}
	b := z.bits >> skip
	length := int(e>>16) + int((b&(1<<(e&63)-1))>>((e>>8)&15))
	z.drop(n)

	d, skip := lookup(z.dt[:], z.bits, distRoot)
	if d&fExc != 0 {
		if z.nbits < 15 {
			return stMore, z.eofErr()
		}
		return stCorrupt, nil
	}
	n = skip + uint(d&63)
	if n > z.nbits {
		return stMore, z.eofErr()
	}
	b = z.bits >> skip
	dist := int(d>>16) + int((b&(1<<(d&63)-1))>>((d>>8)&15))
	z.drop(n)
	if dist > z.outPos-z.base {
		return stCorrupt, nil
	}
	o := z.out[z.outPos-dist : z.outPos+length]
	for i := dist; i < len(o); i++ {
		o[i] = o[i-dist]
	}
	z.outPos += length
	return stMore, nil
}

func lookup(tab []uint32, b uint64, root uint) (uint32, uint) {
	e := tab[b&(1<<root-1)]
	if e&fSub == 0 {
		return e, 0
	}
	return tab[(e>>16)+uint32((b>>root)&(1<<((e>>8)&15)-1))], root
}
