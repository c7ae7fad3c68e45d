package hdf5

import (
	"bytes"
	"errors"
	"io"
	"math"

	"github.com/klauspost/compress/zlib"
)

// dtype is a decoded datatype message.
type dtype struct {
	typ      Type
	size     int
	spacePad bool // String: STRPAD H5T_STR_SPACEPAD (trailing spaces are padding)
}

// dataset decodes the dataset whose header at addr has messages msgs.
func (rd *reader) dataset(addr uint64, msgs []message, path string) (*Dataset, error) {
	var space, typ, layout, filters *message
	for i := range msgs {
		switch msgs[i].typ {
		case msgDataspace:
			space = &msgs[i]
		case msgDatatype:
			typ = &msgs[i]
		case msgLayout:
			layout = &msgs[i]
		case msgFilters:
			filters = &msgs[i]
		}
	}
	if space == nil || typ == nil || layout == nil {
		return nil, errAt(addr, "object %s is neither a group (no symbol table message) nor a dataset (no dataspace, datatype or layout message)", path)
	}
	n, err := decodeDataspace(*space)
	if err != nil {
		return nil, err
	}
	dt, err := decodeDatatype(*typ)
	if err != nil {
		return nil, err
	}
	var pipeline []uint16
	if filters != nil {
		if pipeline, err = decodeFilters(*filters); err != nil {
			return nil, err
		}
	}
	// Bound the decoded size before allocating it: no more than the stored
	// bytes of the whole file could inflate to, across all datasets.
	if n > math.MaxInt64/uint64(dt.size) {
		return nil, errAt(space.addr, "dataset %s: %d elements overflow", path, n)
	}
	raw := n * uint64(dt.size)
	if raw > rd.budget {
		return nil, errAt(space.addr, "dataset %s: %d bytes of data exceed what a %d-byte file can hold", path, raw, rd.size)
	}
	rd.budget -= raw
	buf, err := rd.layoutData(*layout, pipeline, n, dt.size, path)
	if err != nil {
		return nil, err
	}
	d := &Dataset{Name: lastName(path), Type: dt.typ}
	switch dt.typ {
	case Int32:
		d.Int32s = make([]int32, n)
		for i := range d.Int32s {
			d.Int32s[i] = int32(le.Uint32(buf[4*i:]))
		}
	case Float64:
		d.Float64s = make([]float64, n)
		for i := range d.Float64s {
			d.Float64s[i] = math.Float64frombits(le.Uint64(buf[8*i:]))
		}
	case String:
		d.StrSize = dt.size
		d.Strings = make([]string, n)
		for i := range d.Strings {
			s := buf[i*dt.size : (i+1)*dt.size]
			if j := bytes.IndexByte(s, 0); j >= 0 {
				s = s[:j]
			}
			if dt.spacePad {
				s = bytes.TrimRight(s, " ")
			}
			d.Strings[i] = string(s)
		}
	}
	return d, nil
}

// decodeDataspace decodes a dataspace message (IV.A.2.b, versions 1 and
// 2) and returns the number of elements of its single dimension.
func decodeDataspace(m message) (uint64, error) {
	b := m.data
	if len(b) < 4 {
		return 0, errAt(m.addr, "short dataspace message")
	}
	version, rank := b[0], b[1]
	var dims []byte
	switch version {
	case 1: // version, rank, flags, 5 reserved bytes, dimensions
		dims = b[min(8, len(b)):]
	case 2: // version, rank, flags, type (0 scalar, 1 simple, 2 null), dimensions
		if b[3] != 1 {
			return 0, errAt(m.addr, "dataspace type %d not supported (only simple)", b[3])
		}
		dims = b[4:]
	default:
		return 0, errAt(m.addr, "dataspace message version %d not supported", version)
	}
	if rank != 1 {
		return 0, errAt(m.addr, "dataspace of rank %d not supported (only 1-D)", rank)
	}
	if len(dims) < sizeOfLengths {
		return 0, errAt(m.addr, "short dataspace message")
	}
	return le.Uint64(dims), nil
}

// decodeDatatype decodes a datatype message (IV.A.2.d).
func decodeDatatype(m message) (dtype, error) {
	b := m.data
	if len(b) < 8 {
		return dtype{}, errAt(m.addr, "short datatype message")
	}
	class, bits, size := b[0]&0x0f, b[1:4], le.Uint32(b[4:])
	switch {
	case class == classFixedPoint && size == 4:
		// Bit field bit 0: byte order (0 = little-endian); bit 3: signed.
		if bits[0]&0x01 != 0 || bits[0]&0x08 == 0 {
			return dtype{}, errAt(m.addr, "4-byte integer that is big-endian or unsigned not supported")
		}
		return dtype{typ: Int32, size: 4}, nil
	case class == classFloat && size == 8:
		// Bit field bits 0 and 6: byte order (both 0 = little-endian).
		// Properties: bit offset, precision, exponent location and size,
		// mantissa location and size, exponent bias.
		if bits[0]&0x41 != 0 {
			return dtype{}, errAt(m.addr, "8-byte float that is not little-endian not supported")
		}
		if len(b) >= 20 {
			p := b[8:]
			if le.Uint16(p[2:]) != 64 || p[4] != 52 || p[5] != 11 || p[6] != 0 || p[7] != 52 || le.Uint32(p[8:]) != 1023 {
				return dtype{}, errAt(m.addr, "8-byte float that is not IEEE 754 binary64 not supported")
			}
		}
		return dtype{typ: Float64, size: 8}, nil
	case class == classString && size >= 1:
		// Bit field bits 0-3: padding (0 null-terminated, 1 null-padded,
		// 2 space-padded); bits 4-7: character set (ASCII or UTF-8).
		pad := bits[0] & 0x0f
		if pad > 2 {
			return dtype{}, errAt(m.addr, "string padding type %d not supported", pad)
		}
		if size > math.MaxInt32 {
			return dtype{}, errAt(m.addr, "string size %d too large", size)
		}
		return dtype{typ: String, size: int(size), spacePad: pad == 2}, nil
	}
	return dtype{}, errAt(m.addr, "datatype class %d of %d bytes not supported (only int32, float64, fixed-length string)", class, size)
}

// decodeFilters decodes a filter pipeline message (IV.A.2.l, versions 1
// and 2) and returns the filter ids in pipeline order.
func decodeFilters(m message) ([]uint16, error) {
	b := m.data
	if len(b) < 2 {
		return nil, errAt(m.addr, "short filter pipeline message")
	}
	version, n := b[0], int(b[1])
	switch version {
	case 1:
		b = b[min(8, len(b)):] // version, count, 6 reserved bytes
	case 2:
		b = b[2:]
	default:
		return nil, errAt(m.addr, "filter pipeline message version %d not supported", version)
	}
	var ids []uint16
	for range n {
		short := errAt(m.addr, "short filter pipeline message")
		if len(b) < 2 {
			return nil, short
		}
		id := le.Uint16(b)
		b = b[2:]
		nameLen := 0
		if version == 1 || id >= 256 { // version 2 omits the name length of predefined filters
			if len(b) < 2 {
				return nil, short
			}
			nameLen = int(le.Uint16(b))
			b = b[2:]
		}
		if len(b) < 4 {
			return nil, short
		}
		ncd := int(le.Uint16(b[2:])) // after the flags
		b = b[4:]
		skip := nameLen + 4*ncd
		if version == 1 && ncd%2 == 1 {
			skip += 4 // version 1 pads the client data to 8 bytes
		}
		if skip > len(b) {
			return nil, short
		}
		b = b[skip:]
		if id != filterDeflate {
			return nil, errAt(m.addr, "filter %d not supported (only deflate)", id)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// layoutData returns the n*elemSize raw bytes of a dataset stored as its
// layout message (IV.A.2.i, version 3) describes.
func (rd *reader) layoutData(m message, pipeline []uint16, n uint64, elemSize int, path string) ([]byte, error) {
	b := m.data
	if len(b) < 2 {
		return nil, errAt(m.addr, "short data layout message")
	}
	if b[0] != 3 {
		return nil, errAt(m.addr, "data layout message version %d not supported (only 3)", b[0])
	}
	raw := n * uint64(elemSize)
	if b[1] != layoutChunked && len(pipeline) > 0 {
		return nil, errAt(m.addr, "dataset %s: filters on an unchunked dataset", path)
	}
	switch b[1] {
	case layoutCompact: // size (2), raw data
		if len(b) < 4 || uint64(le.Uint16(b[2:])) != raw || len(b)-4 < int(raw) {
			return nil, errAt(m.addr, "dataset %s: compact data size does not match %d bytes", path, raw)
		}
		return bytes.Clone(b[4 : 4+raw]), nil
	case layoutContiguous: // address, size
		if len(b) < 2+sizeOfOffsets+sizeOfLengths {
			return nil, errAt(m.addr, "short data layout message")
		}
		addr, size := le.Uint64(b[2:]), le.Uint64(b[10:])
		if raw == 0 {
			return nil, nil
		}
		if size != raw {
			return nil, errAt(m.addr, "dataset %s: contiguous size %d, want %d", path, size, raw)
		}
		return rd.read(addr, raw, "contiguous data of "+path)
	case layoutChunked:
		// Dimensionality (rank + 1), B-tree address, chunk dimensions
		// (4 bytes each; the last is the element size).
		if len(b) < 3+sizeOfOffsets+8 || b[2] != 2 {
			return nil, errAt(m.addr, "dataset %s: chunked layout of dimensionality other than 2 (1-D data)", path)
		}
		c := &chunked{
			rd: rd, path: path, n: n, elemSize: uint64(elemSize), pipeline: pipeline,
			chunkDim: uint64(le.Uint32(b[11:])),
		}
		if c.chunkDim == 0 || le.Uint32(b[15:]) != uint32(elemSize) {
			return nil, errAt(m.addr, "dataset %s: bad chunk dimensions", path)
		}
		if n == 0 {
			return nil, nil
		}
		if btree := le.Uint64(b[3:]); btree != undefAddr {
			if err := c.node(btree, -1, 0); err != nil {
				return nil, err
			}
		}
		return c.read(m.addr)
	}
	return nil, errAt(m.addr, "data layout class %d not supported", b[1])
}

// chunked reads the chunks of a 1-D chunked dataset: node collects the
// chunk index, read checks it and decodes the chunks.
type chunked struct {
	rd       *reader
	path     string
	n        uint64 // elements
	elemSize uint64
	chunkDim uint64 // elements per chunk
	pipeline []uint16
	chunks   []chunkRef
}

// chunkRef is one chunk B-tree record.
type chunkRef struct {
	keyAt  uint64 // address of its key, for error reports
	addr   uint64
	stored uint64 // stored (filtered) size
	mask   uint32 // filter mask: bit i set = filter i skipped
	off    uint64 // index of its first element
}

// node walks a chunk B-tree node (III.A.1, type 1). Its keys are chunk
// size (4), filter mask (4) and one 8-byte offset per dimension; key i
// describes child i.
func (c *chunked) node(addr uint64, wantLevel, depth int) error {
	rd := c.rd
	if depth > maxDepth {
		return errAt(addr, "B-tree deeper than %d levels", maxDepth)
	}
	if err := rd.mark(addr, "chunk B-tree node"); err != nil {
		return err
	}
	h, err := rd.read(addr, btreeHeaderSize, "chunk B-tree node")
	if err != nil {
		return err
	}
	if string(h[:4]) != "TREE" {
		return errAt(addr, "bad B-tree node signature %q", h[:4])
	}
	if h[4] != btreeChunk {
		return errAt(addr+4, "B-tree node type %d, want %d (chunk)", h[4], btreeChunk)
	}
	level, entries := int(h[5]), int(le.Uint16(h[6:]))
	if wantLevel >= 0 && level != wantLevel {
		return errAt(addr+5, "B-tree node level %d, want %d", level, wantLevel)
	}
	if entries > 2*rd.chunkK {
		return errAt(addr+6, "chunk B-tree node has %d entries, more than 2K = %d", entries, 2*rd.chunkK)
	}
	body, err := rd.read(addr+btreeHeaderSize, uint64(entries)*(chunkKeySize+sizeOfOffsets)+chunkKeySize, "chunk B-tree keys")
	if err != nil {
		return err
	}
	for i := range entries {
		k := body[i*(chunkKeySize+sizeOfOffsets):]
		child := le.Uint64(k[chunkKeySize:])
		if level > 0 {
			if err := c.node(child, level-1, depth+1); err != nil {
				return err
			}
			continue
		}
		at := addr + btreeHeaderSize + uint64(i*(chunkKeySize+sizeOfOffsets))
		if le.Uint64(k[16:]) != 0 {
			return errAt(at, "dataset %s: chunk key has a non-zero element-byte offset", c.path)
		}
		c.chunks = append(c.chunks, chunkRef{at, child, uint64(le.Uint32(k)), le.Uint32(k[4:]), le.Uint64(k[8:])})
	}
	return nil
}

// read checks that the chunks tile the dataset, in order and without
// gaps, and that their stored bytes can hold the data; only then does it
// allocate the dataset and decode the chunks into it.
func (c *chunked) read(at uint64) ([]byte, error) {
	rd := c.rd
	chunkBytes := c.chunkDim * c.elemSize // a decoded chunk; the last may overhang the dataset
	if chunkBytes/c.elemSize != c.chunkDim {
		return nil, errAt(at, "dataset %s: chunk size overflows", c.path)
	}
	next := uint64(0)
	for _, ch := range c.chunks {
		if ch.off != next {
			return nil, errAt(ch.keyAt, "dataset %s: chunk at element %d, want %d (chunks must cover the dataset in order)", c.path, ch.off, next)
		}
		next += c.chunkDim
		if c.applied(ch) == 0 && ch.stored != chunkBytes {
			return nil, errAt(ch.keyAt, "dataset %s: unfiltered chunk of %d bytes, want %d", c.path, ch.stored, chunkBytes)
		}
		if ch.stored == 0 || chunkBytes > maxInflateRatio*ch.stored+64 {
			return nil, errAt(ch.keyAt, "dataset %s: chunk of %d bytes cannot inflate to %d", c.path, ch.stored, chunkBytes)
		}
		// Chunks do not share bytes, so together they hold at most the file.
		if ch.stored > rd.size-rd.storedTotal {
			return nil, errAt(ch.keyAt, "dataset %s: chunks hold more bytes than the file", c.path)
		}
		rd.storedTotal += ch.stored
		if next >= c.n {
			break
		}
	}
	if next < c.n {
		return nil, errAt(at, "dataset %s: chunks cover %d of %d elements", c.path, next, c.n)
	}
	out := make([]byte, c.n*c.elemSize)
	for _, ch := range c.chunks {
		if ch.off >= c.n {
			break
		}
		if err := c.chunk(ch, chunkBytes, out[ch.off*c.elemSize:]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// applied returns how many pipeline filters were applied to a chunk.
func (c *chunked) applied(ch chunkRef) int {
	n := 0
	for i := range c.pipeline {
		if ch.mask&(1<<i) == 0 {
			n++
		}
	}
	return n
}

// chunk decodes one chunk of size decoded bytes into dst.
func (c *chunked) chunk(ch chunkRef, size uint64, dst []byte) error {
	data, err := c.rd.read(ch.addr, ch.stored, "chunk of "+c.path)
	if err != nil {
		return err
	}
	switch c.applied(ch) {
	case 0:
		copy(dst, data)
		return nil
	case 1: // every supported filter is deflate
	default:
		return errAt(ch.keyAt, "dataset %s: chunk went through %d deflate filters, not supported", c.path, c.applied(ch))
	}
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		return errAt(ch.addr, "dataset %s: inflate chunk: %v", c.path, err)
	}
	buf := dst
	if uint64(len(dst)) >= size {
		buf = dst[:size] // decode in place
	} else {
		buf = make([]byte, size) // overhanging last chunk
	}
	if _, err := io.ReadFull(zr, buf); err != nil {
		return errAt(ch.addr, "dataset %s: inflate chunk: %v", c.path, err)
	}
	// Reading to the end verifies the stream's Adler-32 checksum.
	if n, err := zr.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
		if err == nil || errors.Is(err, io.EOF) {
			err = errors.New("more data than the chunk holds")
		}
		return errAt(ch.addr, "dataset %s: inflate chunk: %v", c.path, err)
	}
	if uint64(len(dst)) < size {
		copy(dst, buf)
	}
	return nil
}
