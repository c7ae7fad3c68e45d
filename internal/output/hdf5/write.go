package hdf5

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/klauspost/compress/zlib"
)

var le = binary.LittleEndian

// Write writes root and everything below it as an HDF5 file to w.
//
// If w is an io.WriteSeeker positioned at the start of the file (an
// *os.File), datasets are compressed straight to it and memory use stays
// at a few datasets' worth; otherwise the compressed chunks are held in
// memory until the metadata that points at them has been laid out. Both
// produce the same bytes. (The superblock is patched by seeking back, so
// a file opened with O_APPEND must not be passed.) Write does not sync or
// close w. Datasets are compressed concurrently on up to GOMAXPROCS
// goroutines.
func Write(w io.Writer, root *Group) error {
	lay, err := plan(root)
	if err != nil {
		return err
	}
	ws, seekable := w.(io.WriteSeeker)
	var start int64
	if seekable {
		if start, err = ws.Seek(0, io.SeekCurrent); err != nil {
			seekable = false // e.g. a pipe: fall back to buffering
		}
	}
	var held bytes.Buffer
	var bw *bufio.Writer
	if seekable {
		bw = bufio.NewWriterSize(w, 1<<20)
		if _, err := bw.Write(make([]byte, superblockV0Size)); err != nil {
			return fmt.Errorf("hdf5: write: %w", err)
		}
	}
	dataOut := io.Writer(&held)
	if seekable {
		dataOut = bw
	}
	next, err := lay.writeChunks(dataOut, superblockV0Size)
	if err != nil {
		return err
	}
	meta := lay.metadata(next)
	eof := next + uint64(len(meta))
	sb := lay.superblock(eof)
	if seekable {
		if _, err := bw.Write(meta); err != nil {
			return fmt.Errorf("hdf5: write: %w", err)
		}
		if err := bw.Flush(); err != nil {
			return fmt.Errorf("hdf5: write: %w", err)
		}
		if _, err := ws.Seek(start, io.SeekStart); err != nil {
			return fmt.Errorf("hdf5: seek to superblock: %w", err)
		}
		if _, err := ws.Write(sb); err != nil {
			return fmt.Errorf("hdf5: write superblock: %w", err)
		}
		if _, err := ws.Seek(start+int64(eof), io.SeekStart); err != nil {
			return fmt.Errorf("hdf5: seek to end: %w", err)
		}
		return nil
	}
	for _, b := range [][]byte{sb, held.Bytes(), meta} {
		if _, err := w.Write(b); err != nil {
			return fmt.Errorf("hdf5: write: %w", err)
		}
	}
	return nil
}

// member is a group member in name order.
type member struct {
	name    string
	heapOff uint64 // offset of the name in the group's local heap
	group   *wgroup
	dset    *wdset
}

type wgroup struct {
	g       *Group
	members []member
	heap    []byte // local heap data segment
	// Addresses, assigned by metadata().
	header, heapAddr, btreeRoot uint64
}

type wdset struct {
	d        *Dataset
	n        int    // elements
	elemSize int    // bytes per element
	strSize  int    // String only
	chunk    uint64 // address of the compressed chunk (n > 0)
	stored   uint64 // its size
	header   uint64 // object header address
	btree    uint64 // chunk B-tree node address (n > 0)
}

type layout struct {
	root   *wgroup
	groups []*wgroup // pre-order
	dsets  []*wdset  // pre-order, the order chunks are written
}

// plan validates the tree and computes everything that does not depend on
// addresses.
func plan(root *Group) (*layout, error) {
	if root == nil {
		return nil, errors.New("hdf5: write: nil root group")
	}
	lay := &layout{}
	seen := map[*Group]bool{}
	var walk func(g *Group, path string) (*wgroup, error)
	walk = func(g *Group, path string) (*wgroup, error) {
		if seen[g] {
			return nil, fmt.Errorf("hdf5: write: group %q appears twice in the tree", path)
		}
		seen[g] = true
		if err := checkAttrs(g.Attrs, path); err != nil {
			return nil, err
		}
		wg := &wgroup{g: g}
		lay.groups = append(lay.groups, wg)
		names := map[string]bool{}
		check := func(name string) error {
			if name == "" || name == "." || strings.ContainsAny(name, "/\x00") {
				return fmt.Errorf("hdf5: write: invalid member name %q in group %q", name, path)
			}
			if names[name] {
				return fmt.Errorf("hdf5: write: duplicate member name %q in group %q", name, path)
			}
			names[name] = true
			return nil
		}
		for _, c := range g.Groups {
			if c == nil {
				return nil, fmt.Errorf("hdf5: write: nil group in group %q", path)
			}
			if err := check(c.Name); err != nil {
				return nil, err
			}
			cg, err := walk(c, strings.TrimSuffix(path, "/")+"/"+c.Name)
			if err != nil {
				return nil, err
			}
			wg.members = append(wg.members, member{name: c.Name, group: cg})
		}
		for _, d := range g.Datasets {
			if d == nil {
				return nil, fmt.Errorf("hdf5: write: nil dataset in group %q", path)
			}
			if err := check(d.Name); err != nil {
				return nil, err
			}
			wd, err := planDataset(d, strings.TrimSuffix(path, "/")+"/"+d.Name)
			if err != nil {
				return nil, err
			}
			lay.dsets = append(lay.dsets, wd)
			wg.members = append(wg.members, member{name: d.Name, dset: wd})
		}
		// The B-tree orders links by name, compared as bytes (strcmp).
		sort.Slice(wg.members, func(i, j int) bool { return wg.members[i].name < wg.members[j].name })
		// Local heap (III.D): offset 0 holds the empty string, then each
		// NUL-terminated name padded to a multiple of 8, as libhdf5 does.
		wg.heap = make([]byte, 8)
		for i := range wg.members {
			wg.members[i].heapOff = uint64(len(wg.heap))
			name := wg.members[i].name
			wg.heap = append(wg.heap, name...)
			wg.heap = append(wg.heap, make([]byte, align8(len(name)+1)-len(name))...)
		}
		return wg, nil
	}
	var err error
	lay.root, err = walk(root, "/")
	return lay, err
}

func planDataset(d *Dataset, path string) (*wdset, error) {
	wd := &wdset{d: d, n: d.Len()}
	mismatch := false
	switch d.Type {
	case Int32:
		wd.elemSize = 4
		mismatch = d.Float64s != nil || d.Strings != nil
	case Float64:
		wd.elemSize = 8
		mismatch = d.Int32s != nil || d.Strings != nil || d.Float32s != nil
	case Float32:
		wd.elemSize = 4
		mismatch = d.Int32s != nil || d.Strings != nil || d.Float64s != nil
	case String:
		mismatch = d.Int32s != nil || d.Float64s != nil || d.Float32s != nil
		longest := 0
		for i, s := range d.Strings {
			if strings.IndexByte(s, 0) >= 0 {
				return nil, fmt.Errorf("hdf5: write: dataset %s: string %d contains NUL", path, i)
			}
			longest = max(longest, len(s))
		}
		wd.strSize = longest + 1
		if d.StrSize != 0 {
			if d.StrSize < wd.strSize {
				return nil, fmt.Errorf("hdf5: write: dataset %s: StrSize %d is shorter than the longest string + 1 (%d)", path, d.StrSize, wd.strSize)
			}
			wd.strSize = d.StrSize
		}
		wd.elemSize = wd.strSize
	default:
		return nil, fmt.Errorf("hdf5: write: dataset %s: invalid type %v", path, d.Type)
	}
	if mismatch {
		return nil, fmt.Errorf("hdf5: write: dataset %s: data set in a slice that does not match type %v", path, d.Type)
	}
	if err := checkAttrs(d.Attrs, path); err != nil {
		return nil, err
	}
	// Chunk dimensions and the B-tree's chunk size field are 32-bit
	// (IV.A.2.i, III.A.1), so one chunk holds less than 4 GiB.
	if uint64(wd.n)*uint64(wd.elemSize) > math.MaxUint32 {
		return nil, fmt.Errorf("hdf5: write: dataset %s: %d elements of %d bytes do not fit one chunk (4 GiB)", path, wd.n, wd.elemSize)
	}
	return wd, nil
}

// encodeRaw appends d's elements in file byte order to buf.
func (wd *wdset) encodeRaw(buf []byte) []byte {
	d := wd.d
	buf = buf[:0]
	switch d.Type {
	case Int32:
		for _, v := range d.Int32s {
			buf = le.AppendUint32(buf, uint32(v))
		}
	case Float64:
		for _, v := range d.Float64s {
			buf = le.AppendUint64(buf, math.Float64bits(v))
		}
	case Float32:
		for _, v := range d.Float32s {
			buf = le.AppendUint32(buf, math.Float32bits(v))
		}
	case String:
		for _, s := range d.Strings {
			buf = append(buf, s...)
			for range wd.strSize - len(s) {
				buf = append(buf, 0)
			}
		}
	}
	return buf
}

type compressor struct {
	raw []byte
	out bytes.Buffer
	zw  *zlib.Writer
}

var compressors = sync.Pool{New: func() any { return new(compressor) }}

// deflate returns the zlib stream (RFC 1950) of wd's raw bytes, as the
// HDF5 deflate filter stores it. The result is valid until c is reused.
func (c *compressor) deflate(wd *wdset) ([]byte, error) {
	c.raw = wd.encodeRaw(c.raw)
	c.out.Reset()
	if c.zw == nil {
		zw, err := zlib.NewWriterLevel(&c.out, deflateLevel)
		if err != nil {
			return nil, err
		}
		c.zw = zw
	} else {
		c.zw.Reset(&c.out)
	}
	if _, err := c.zw.Write(c.raw); err != nil {
		return nil, err
	}
	if err := c.zw.Close(); err != nil {
		return nil, err
	}
	return c.out.Bytes(), nil
}

// writeChunks compresses every non-empty dataset and writes the chunks to
// w in order, the first at address addr. It records each chunk's address
// and size and returns the address after the last chunk.
func (lay *layout) writeChunks(w io.Writer, addr uint64) (uint64, error) {
	type result struct {
		c   *compressor
		b   []byte
		err error
	}
	todo := make([]*wdset, 0, len(lay.dsets))
	for _, wd := range lay.dsets {
		if wd.n > 0 {
			todo = append(todo, wd)
		}
	}
	// At most `workers` datasets are compressed or waiting to be written
	// at once; results are consumed in order.
	workers := max(1, runtime.GOMAXPROCS(0))
	sem := make(chan struct{}, workers)
	done := make(chan struct{})
	defer close(done)
	results := make([]chan result, len(todo))
	for i := range results {
		results[i] = make(chan result, 1)
	}
	go func() {
		for i, wd := range todo {
			select {
			case sem <- struct{}{}:
			case <-done:
				return
			}
			go func() {
				c := compressors.Get().(*compressor)
				b, err := c.deflate(wd)
				results[i] <- result{c, b, err}
			}()
		}
	}()
	for i, wd := range todo {
		r := <-results[i]
		if r.err != nil {
			return 0, fmt.Errorf("hdf5: compress dataset %s: %w", wd.d.Name, r.err)
		}
		wd.chunk, wd.stored = addr, uint64(len(r.b))
		if wd.stored > math.MaxUint32 {
			return 0, fmt.Errorf("hdf5: compress dataset %s: compressed chunk exceeds 4 GiB", wd.d.Name)
		}
		_, err := w.Write(r.b)
		compressors.Put(r.c)
		<-sem
		if err != nil {
			return 0, fmt.Errorf("hdf5: write: %w", err)
		}
		addr += wd.stored
	}
	return addr, nil
}

// Sizes of the fixed-size metadata blocks. libhdf5 always reads (and
// allocates) a B-tree or symbol table node at its full capacity.
const (
	// groupNodeSize: header, 2K+1 keys (heap offsets), 2K child addresses
	// (III.A.1, K = groupInternalK).
	groupNodeSize = btreeHeaderSize + (2*groupInternalK+1)*sizeOfLengths + 2*groupInternalK*sizeOfOffsets
	// snodSize: "SNOD", version, reserved, symbol count (2), then 2*leaf K
	// entries (III.B).
	snodSize = 8 + 2*groupLeafK*symbolEntrySize
	// chunkKeySize: chunk size (4), filter mask (4), and rank+1 = 2
	// offsets of 8 bytes for a 1-D dataset (III.A.1, node type 1).
	chunkKeySize = 4 + 4 + 2*8
	// chunkNodeSize: header, 2K+1 keys, 2K children (K = chunkK).
	chunkNodeSize = btreeHeaderSize + (2*chunkK+1)*chunkKeySize + 2*chunkK*sizeOfOffsets
	// groupHeaderSize: object header prefix + one symbol table message
	// (two addresses).
	groupHeaderSize = objectHeaderV1PrefixSize + messageHeaderV1Size + 2*sizeOfOffsets
)

// metadata assigns addresses from base on and returns the encoded metadata
// blocks, which occupy [base, base+len).
func (lay *layout) metadata(base uint64) []byte {
	next := base
	alloc := func(n int) uint64 { a := next; next += uint64(n); return a }

	// Pass 1: addresses. Per group: object header, local heap, B-tree
	// nodes, symbol table nodes; then its datasets' headers and chunk
	// B-tree nodes.
	type gplan struct {
		snods []uint64
		nodes [][]uint64 // per level (0 = lowest), node addresses
	}
	plans := make([]gplan, len(lay.groups))
	for gi, wg := range lay.groups {
		wg.header = alloc(wg.headerSize())
		wg.heapAddr = alloc(localHeapHeaderSize + len(wg.heap))
		nsn := (len(wg.members) + 2*groupLeafK - 1) / (2 * groupLeafK)
		var p gplan
		for range nsn {
			p.snods = append(p.snods, alloc(snodSize))
		}
		width := max(nsn, 1) // an empty group still has one (empty) root node
		for {
			width = (width + 2*groupInternalK - 1) / (2 * groupInternalK)
			var level []uint64
			for range width {
				level = append(level, alloc(groupNodeSize))
			}
			p.nodes = append(p.nodes, level)
			if width == 1 {
				break
			}
		}
		wg.btreeRoot = p.nodes[len(p.nodes)-1][0]
		plans[gi] = p
		for _, m := range wg.members {
			if wd := m.dset; wd != nil {
				wd.header = alloc(wd.headerSize())
				if wd.n > 0 {
					wd.btree = alloc(chunkNodeSize)
				}
			}
		}
	}

	// Pass 2: encode.
	meta := make([]byte, next-base)
	at := func(addr uint64) []byte { return meta[addr-base:] }
	for gi, wg := range lay.groups {
		p := plans[gi]
		wg.encodeHeader(at(wg.header))
		h := at(wg.heapAddr)
		copy(h, "HEAP") // local heap signature (III.D)
		h[4] = 0        // version 0
		le.PutUint64(h[8:], uint64(len(wg.heap)))
		le.PutUint64(h[16:], heapFreeNull)
		le.PutUint64(h[24:], wg.heapAddr+localHeapHeaderSize)
		copy(h[localHeapHeaderSize:], wg.heap)

		// Symbol table nodes, 2*groupLeafK entries each (III.B).
		type child struct {
			addr    uint64
			lastKey uint64 // heap offset of the largest name below it
		}
		var kids []child
		for i, addr := range p.snods {
			ms := wg.members[i*2*groupLeafK : min(len(wg.members), (i+1)*2*groupLeafK)]
			encodeSNOD(at(addr), ms)
			kids = append(kids, child{addr, ms[len(ms)-1].heapOff})
		}
		// B-tree levels, bottom up (III.A.1, node type 0). Key i of a node
		// is the largest name in the subtree left of child i; key 0 of the
		// leftmost node is the empty string at heap offset 0.
		for level, addrs := range p.nodes {
			var up []child
			prevKey := uint64(0)
			for ni, addr := range addrs {
				lo := ni * 2 * groupInternalK
				hi := min(len(kids), lo+2*groupInternalK)
				var cs []child
				if lo < hi {
					cs = kids[lo:hi]
				}
				left, right := undefAddr, undefAddr
				if ni > 0 {
					left = addrs[ni-1]
				}
				if ni+1 < len(addrs) {
					right = addrs[ni+1]
				}
				b := at(addr)
				encodeBtreeHeader(b, btreeGroup, level, len(cs), left, right)
				off := btreeHeaderSize
				le.PutUint64(b[off:], prevKey)
				off += sizeOfLengths
				for _, c := range cs {
					le.PutUint64(b[off:], c.addr)
					le.PutUint64(b[off+sizeOfOffsets:], c.lastKey)
					off += sizeOfOffsets + sizeOfLengths
				}
				if len(cs) > 0 {
					prevKey = cs[len(cs)-1].lastKey
				}
				up = append(up, child{addr, prevKey})
			}
			kids = up
		}
		for _, m := range wg.members {
			if wd := m.dset; wd != nil {
				wd.encodeHeader(at(wd.header))
				if wd.n > 0 {
					wd.encodeChunkNode(at(wd.btree))
				}
			}
		}
	}
	return meta
}

// superblock encodes a version 0 superblock (II.A) for a file of eof bytes.
func (lay *layout) superblock(eof uint64) []byte {
	b := make([]byte, superblockV0Size)
	copy(b, signature)
	// Bytes 8..15: superblock version 0, free-space storage version 0,
	// root group symbol table entry version 0, reserved, shared header
	// message format version 0, size of offsets, size of lengths, reserved.
	b[13] = sizeOfOffsets
	b[14] = sizeOfLengths
	le.PutUint16(b[16:], groupLeafK)
	le.PutUint16(b[18:], groupInternalK)
	// b[20:24]: file consistency flags, 0.
	le.PutUint64(b[24:], 0)         // base address
	le.PutUint64(b[32:], undefAddr) // free-space info address (none)
	le.PutUint64(b[40:], eof)       // end of file address
	le.PutUint64(b[48:], undefAddr) // driver information block (none)
	encodeSymbolEntry(b[56:], 0, lay.root)
	return b
}

// encodeSymbolEntry encodes a symbol table entry (III.C) pointing at g (a
// group, cache type 1) or d (a dataset, cache type 0).
func encodeSymbolEntry(b []byte, nameOff uint64, g *wgroup) {
	le.PutUint64(b, nameOff)
	le.PutUint64(b[8:], g.header)
	le.PutUint32(b[16:], cacheStab)
	le.PutUint64(b[24:], g.btreeRoot) // scratch pad: B-tree address
	le.PutUint64(b[32:], g.heapAddr)  // scratch pad: local heap address
}

func encodeSNOD(b []byte, ms []member) {
	copy(b, "SNOD") // symbol table node signature (III.B)
	b[4] = 1        // version 1
	le.PutUint16(b[6:], uint16(len(ms)))
	for i, m := range ms {
		e := b[8+i*symbolEntrySize:]
		if m.group != nil {
			encodeSymbolEntry(e, m.heapOff, m.group)
			continue
		}
		le.PutUint64(e, m.heapOff)
		le.PutUint64(e[8:], m.dset.header)
		le.PutUint32(e[16:], cacheNone)
	}
}

func encodeBtreeHeader(b []byte, typ, level, entries int, left, right uint64) {
	copy(b, "TREE") // v1 B-tree node signature (III.A.1)
	b[4] = byte(typ)
	b[5] = byte(level)
	le.PutUint16(b[6:], uint16(entries))
	le.PutUint64(b[8:], left)
	le.PutUint64(b[16:], right)
}

// encodeObjectHeaderPrefix encodes a version 1 object header prefix
// (IV.A.1.a) for nmsgs messages occupying size bytes.
func encodeObjectHeaderPrefix(b []byte, nmsgs, size int) {
	b[0] = 1 // version 1
	le.PutUint16(b[2:], uint16(nmsgs))
	le.PutUint32(b[4:], 1) // object reference count
	le.PutUint32(b[8:], uint32(size))
}

// putMessage encodes a version 1 message header (IV.A.1.a) followed by
// data, padded to 8 bytes, and returns the bytes used.
func putMessage(b []byte, typ int, flags byte, data []byte) int {
	n := align8(len(data))
	le.PutUint16(b, uint16(typ))
	le.PutUint16(b[2:], uint16(n))
	b[4] = flags
	copy(b[messageHeaderV1Size:], data)
	return messageHeaderV1Size + n
}

// groupMessages returns a group's header messages: its symbol table
// (IV.A.2.r: B-tree address, heap address), then its attributes.
func (wg *wgroup) messages() (types []int, datas [][]byte) {
	var stab [2 * sizeOfOffsets]byte
	le.PutUint64(stab[:], wg.btreeRoot)
	le.PutUint64(stab[8:], wg.heapAddr)
	types, datas = []int{msgSymbolTable}, [][]byte{stab[:]}
	for _, a := range wg.g.Attrs {
		types, datas = append(types, msgAttribute), append(datas, encodeAttribute(a))
	}
	return types, datas
}

func (wg *wgroup) headerSize() int {
	n := objectHeaderV1PrefixSize
	_, datas := wg.messages()
	for _, d := range datas {
		n += messageHeaderV1Size + align8(len(d))
	}
	return n
}

func (wg *wgroup) encodeHeader(b []byte) {
	types, datas := wg.messages()
	off := objectHeaderV1PrefixSize
	for i := range types {
		off += putMessage(b[off:], types[i], 0, datas[i])
	}
	encodeObjectHeaderPrefix(b, len(types), off-objectHeaderV1PrefixSize)
}

// checkAttrs validates attributes before anything is written.
func checkAttrs(as []Attribute, path string) error {
	names := map[string]bool{}
	for _, a := range as {
		if a.Name == "" || strings.IndexByte(a.Name, 0) >= 0 || names[a.Name] {
			return fmt.Errorf("hdf5: write: %s: invalid or repeated attribute name %q", path, a.Name)
		}
		names[a.Name] = true
		n := 0
		switch a.Type {
		case String:
			n = len(a.Strings)
			for _, s := range a.Strings {
				if strings.IndexByte(s, 0) >= 0 {
					return fmt.Errorf("hdf5: write: %s: attribute %s: string contains NUL", path, a.Name)
				}
			}
		case Int32:
			n = len(a.Int32s)
		case Float64:
			n = len(a.Float64s)
		default:
			return fmt.Errorf("hdf5: write: %s: attribute %s: unsupported type %v", path, a.Name, a.Type)
		}
		if a.Scalar && n != 1 {
			return fmt.Errorf("hdf5: write: %s: scalar attribute %s holds %d values", path, a.Name, n)
		}
	}
	return nil
}

// encodeAttribute encodes an attribute message, version 1 (IV.A.2.m):
// version, reserved, name size, datatype size, dataspace size (each size
// counting the NUL of the name, none of the padding), then name, datatype
// and dataspace each padded to 8 bytes, then the data.
func encodeAttribute(a Attribute) []byte {
	var dt, data []byte
	n := 0
	switch a.Type {
	case String:
		size := 1
		for _, s := range a.Strings {
			size = max(size, len(s)+1)
		}
		dt = stringDatatype(size)
		for _, s := range a.Strings {
			data = append(data, s...)
			data = append(data, make([]byte, size-len(s))...)
		}
		n = len(a.Strings)
	case Int32:
		dt = int32Datatype()
		for _, v := range a.Int32s {
			data = le.AppendUint32(data, uint32(v))
		}
		n = len(a.Int32s)
	case Float64:
		dt = float64Datatype()
		for _, v := range a.Float64s {
			data = le.AppendUint64(data, math.Float64bits(v))
		}
		n = len(a.Float64s)
	}
	var ds []byte
	if a.Scalar {
		ds = []byte{1, 0, 0, 0, 0, 0, 0, 0} // version 1, rank 0: scalar
	} else {
		ds = make([]byte, 8+sizeOfLengths)
		ds[0], ds[1] = 1, 1 // version 1, rank 1, no maximum dimensions
		le.PutUint64(ds[8:], uint64(n))
	}
	name := append([]byte(a.Name), 0)
	b := []byte{1, 0}
	b = le.AppendUint16(b, uint16(len(name)))
	b = le.AppendUint16(b, uint16(len(dt)))
	b = le.AppendUint16(b, uint16(len(ds)))
	for _, part := range [][]byte{name, dt, ds} {
		b = append(b, part...)
		b = append(b, make([]byte, align8(len(part))-len(part))...)
	}
	return append(b, data...)
}

// Datatype messages, version 1 (IV.A.2.d): class and version, 3 bytes of
// class bit field, size, properties.
func int32Datatype() []byte {
	// Bit field bit 3 = signed, bit 0 = 0 (little-endian). Properties:
	// bit offset 0, bit precision 32.
	return []byte{1<<4 | classFixedPoint, 0x08, 0, 0, 4, 0, 0, 0, 0, 0, 32, 0}
}

func float64Datatype() []byte {
	// Bit field: bits 4-5 = 2 (mantissa normalization "implied"), bits
	// 8-15 = 63 (sign bit position), little-endian. Properties: bit offset
	// 0, precision 64, exponent at bit 52 of size 11, mantissa at bit 0 of
	// size 52, exponent bias 1023 (IEEE 754).
	return []byte{1<<4 | classFloat, 0x20, 63, 0, 8, 0, 0, 0,
		0, 0, 64, 0, 52, 11, 0, 52, 0xff, 0x03, 0, 0}
}

func float32Datatype() []byte {
	// As float64: sign bit 31, precision 32, exponent at bit 23 of size
	// 8, mantissa at bit 0 of size 23, exponent bias 127.
	return []byte{1<<4 | classFloat, 0x20, 31, 0, 4, 0, 0, 0,
		0, 0, 32, 0, 23, 8, 0, 23, 127, 0, 0, 0}
}

func stringDatatype(size int) []byte {
	// Bit field bits 0-3 = 0 (null terminate), bits 4-7 = 0 (ASCII).
	dt := []byte{1<<4 | classString, 0, 0, 0, 0, 0, 0, 0}
	le.PutUint32(dt[4:], uint32(size))
	return dt
}

// messages returns the dataset's header messages in libhdf5's order.
func (wd *wdset) messages() (types []int, flags []byte, datas [][]byte) {
	add := func(t int, f byte, d []byte) {
		types, flags, datas = append(types, t), append(flags, f), append(datas, d)
	}
	// Dataspace, version 1 (IV.A.2.b): version, rank 1, flags bit 0 =
	// maximum dimensions present, 5 reserved bytes, size, maximum size.
	ds := make([]byte, 8+2*sizeOfLengths)
	ds[0], ds[1], ds[2] = 1, 1, 1
	le.PutUint64(ds[8:], uint64(wd.n))
	le.PutUint64(ds[16:], uint64(wd.n))
	add(msgDataspace, 0, ds)

	var dt []byte
	switch wd.d.Type {
	case Int32:
		dt = int32Datatype()
	case Float64:
		dt = float64Datatype()
	case Float32:
		dt = float32Datatype()
	case String:
		dt = stringDatatype(wd.strSize)
	}
	add(msgDatatype, msgFlagConstant, dt)

	// Fill value, version 2 (IV.A.2.f): space allocation time (3 =
	// incremental for chunked, 2 = late for contiguous: libhdf5's
	// defaults), fill value write time 2 (if set), fill value defined 1,
	// size 0 (the library default fill value, zero).
	alloc := byte(3)
	if wd.n == 0 {
		alloc = 2
	}
	add(msgFillValue, msgFlagConstant, []byte{2, alloc, 2, 1, 0, 0, 0, 0})

	if wd.n == 0 {
		// Data layout, version 3 (IV.A.2.i), contiguous: undefined
		// address, size 0 (no storage allocated).
		lo := make([]byte, 2+sizeOfOffsets+sizeOfLengths)
		lo[0], lo[1] = 3, layoutContiguous
		le.PutUint64(lo[2:], undefAddr)
		add(msgLayout, 0, lo)
		for _, a := range wd.d.Attrs {
			add(msgAttribute, 0, encodeAttribute(a))
		}
		return
	}
	// Filter pipeline, version 1 (IV.A.2.l): version, filter count, 6
	// reserved bytes; then per filter its id, name length (8, "deflate"
	// and NUL padded to 8), flags (optional), client data count (1), name,
	// client data (the level), and 4 bytes padding as the count is odd.
	fp := []byte{1, 1, 0, 0, 0, 0, 0, 0,
		filterDeflate, 0, 8, 0, filterFlagOptional, 0, 1, 0,
		'd', 'e', 'f', 'l', 'a', 't', 'e', 0,
		deflateLevel, 0, 0, 0, 0, 0, 0, 0}
	add(msgFilters, msgFlagConstant, fp)

	// Data layout, version 3, chunked: dimensionality rank+1 = 2, chunk
	// B-tree address, chunk dimension (whole dataset), element size.
	lo := make([]byte, 3+sizeOfOffsets+2*4)
	lo[0], lo[1], lo[2] = 3, layoutChunked, 2
	le.PutUint64(lo[3:], wd.btree)
	le.PutUint32(lo[11:], uint32(wd.n))
	le.PutUint32(lo[15:], uint32(wd.elemSize))
	add(msgLayout, 0, lo)
	for _, a := range wd.d.Attrs {
		add(msgAttribute, 0, encodeAttribute(a))
	}
	return
}

func (wd *wdset) headerSize() int {
	n := objectHeaderV1PrefixSize
	_, _, datas := wd.messages()
	for _, d := range datas {
		n += messageHeaderV1Size + align8(len(d))
	}
	return n
}

func (wd *wdset) encodeHeader(b []byte) {
	types, flags, datas := wd.messages()
	off := objectHeaderV1PrefixSize
	for i := range types {
		off += putMessage(b[off:], types[i], flags[i], datas[i])
	}
	encodeObjectHeaderPrefix(b, len(types), off-objectHeaderV1PrefixSize)
}

// encodeChunkNode encodes the dataset's chunk B-tree (III.A.1, node type
// 1): one leaf node with one chunk. Key 0 holds the chunk's stored size,
// filter mask 0 (all filters applied) and offset (0, 0); key 1 is the
// offset just past the chunk, (n, element size), as libhdf5 writes it.
func (wd *wdset) encodeChunkNode(b []byte) {
	encodeBtreeHeader(b, btreeChunk, 0, 1, undefAddr, undefAddr)
	k := b[btreeHeaderSize:]
	le.PutUint32(k, uint32(wd.stored))
	le.PutUint64(k[chunkKeySize:], wd.chunk)
	k = k[chunkKeySize+sizeOfOffsets:]
	le.PutUint64(k[8:], uint64(wd.n))
	le.PutUint64(k[16:], uint64(wd.elemSize))
}
