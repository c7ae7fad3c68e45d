package hdf5

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
)

// Read reads the HDF5 file of size bytes in r and returns its root group
// with every dataset loaded. It reads files written by [Write] and by
// libhdf5 with default settings (kallisto's abundance.h5) within the
// subset described in the package documentation; anything else yields a
// *FormatError. Read never panics on malformed input and allocates memory
// in proportion to size.
func Read(r io.ReaderAt, size int64) (*Group, error) {
	if size < 0 {
		return nil, errors.New("hdf5: negative file size")
	}
	rd := &reader{r: r, size: uint64(size), visited: map[uint64]bool{}}
	rootHeader, err := rd.superblock()
	if err != nil {
		return nil, err
	}
	g, _, err := rd.object(rootHeader, "/", 0)
	if err != nil {
		return nil, err
	}
	if g == nil {
		return nil, errAt(rootHeader, "root object is not a group")
	}
	g.Name = ""
	return g, nil
}

// Limits that bound the work done on a hostile file.
const (
	maxDepth        = 64      // nested groups, and B-tree levels
	maxObjects      = 1 << 20 // objects (groups + datasets) in a file
	maxContinuation = 1 << 10 // object header continuation blocks per object
)

type reader struct {
	r      io.ReaderAt
	size   uint64 // end of file: the superblock's end of file address once it is read
	base   uint64 // base address: where the superblock starts
	leafK  int    // group leaf node K (symbol table node capacity / 2)
	nodeK  int    // group internal node K
	chunkK int    // indexed storage internal node K
	budget uint64 // decoded dataset bytes still allowed
	// storedTotal is the sum of the stored sizes of the chunks read.
	storedTotal uint64
	visited     map[uint64]bool // object headers, B-tree and symbol table nodes read
}

// read returns n bytes at address addr (relative to the base address),
// checking the range against the file size first so that a corrupt
// length never turns into a large allocation.
func (rd *reader) read(addr, n uint64, what string) ([]byte, error) {
	if addr == undefAddr || addr > rd.size || n > rd.size-addr {
		return nil, errAt(addr, "%s (%d bytes) beyond end of file (%d bytes)", what, n, rd.size)
	}
	b := make([]byte, n)
	if _, err := rd.r.ReadAt(b, int64(rd.base+addr)); err != nil && !(errors.Is(err, io.EOF) && n == 0) {
		return nil, &FormatError{Offset: int64(rd.base + addr), What: fmt.Sprintf("reading %s: %v", what, err)}
	}
	return b, nil
}

// mark records that the structure at addr has been read and fails if it
// was read before: a well-formed file of this subset is a tree, and
// refusing revisits bounds the work on a file whose links form a cycle or
// a dense DAG.
func (rd *reader) mark(addr uint64, what string) error {
	if rd.visited[addr] {
		return errAt(addr, "%s reached twice (cycle or shared object)", what)
	}
	if len(rd.visited) >= maxObjects {
		return errAt(addr, "more than %d objects", maxObjects)
	}
	rd.visited[addr] = true
	return nil
}

// superblock finds and decodes the superblock (II.A) and returns the root
// group's object header address.
func (rd *reader) superblock() (uint64, error) {
	// The signature is at offset 0 or, after a user block, at 512, 1024,
	// 2048, ... (II.A).
	var sb []byte
	for off := uint64(0); ; off = max(512, 2*off) {
		if off+8 > rd.size {
			return 0, errAt(0, "no HDF5 signature found")
		}
		sig, err := rd.read(off, 8, "signature")
		if err != nil {
			return 0, err
		}
		if string(sig) == signature {
			rd.base = off
			break
		}
	}
	rd.size -= rd.base
	sb, err := rd.read(0, 24, "superblock")
	if err != nil {
		return 0, err
	}
	version := sb[8]
	if version > 1 {
		return 0, errAt(rd.base+8, "superblock version %d not supported (only 0 and 1, libhdf5's default format)", version)
	}
	if sb[13] != sizeOfOffsets || sb[14] != sizeOfLengths {
		return 0, errAt(rd.base+13, "offset/length sizes %d/%d not supported (only 8/8)", sb[13], sb[14])
	}
	rd.leafK = int(le.Uint16(sb[16:]))
	rd.nodeK = int(le.Uint16(sb[18:]))
	if rd.leafK == 0 || rd.nodeK == 0 {
		return 0, errAt(rd.base+16, "zero B-tree K value")
	}
	n := uint64(superblockV0Size)
	if version == 1 {
		n += 4 // indexed storage internal node K (2) and 2 reserved bytes
	}
	sb, err = rd.read(0, n, "superblock")
	if err != nil {
		return 0, err
	}
	rd.chunkK = chunkK // version 0 implies libhdf5's default
	if version == 1 {
		if rd.chunkK = int(le.Uint16(sb[24:])); rd.chunkK == 0 {
			return 0, errAt(rd.base+24, "zero B-tree K value")
		}
	}
	rest := sb[n-4*sizeOfOffsets-symbolEntrySize:]
	if le.Uint64(rest) != 0 && le.Uint64(rest) != rd.base {
		return 0, errAt(rd.base+n-72, "base address %d not supported", le.Uint64(rest))
	}
	// libhdf5 refuses a file shorter than its end of file address
	// ("truncated file"); bytes past it are not part of the file.
	eof := le.Uint64(rest[16:])
	if eof > rd.size {
		return 0, errAt(rd.base+n-72+16, "file truncated: end of file address %d beyond the %d bytes present", eof, rd.size)
	}
	rd.size = eof
	// All chunks together hold at most rd.size stored bytes, which inflate
	// at most maxInflateRatio-fold.
	rd.budget = math.MaxUint64
	if rd.size < (math.MaxUint64-1<<16)/maxInflateRatio {
		rd.budget = maxInflateRatio*rd.size + 1<<16
	}
	entry := rest[4*sizeOfOffsets:]
	return le.Uint64(entry[8:]), nil
}

// message is one object header message.
type message struct {
	typ  uint16
	addr uint64 // address of the message data, for error reports
	data []byte
}

// objectHeader reads a version 1 object header (IV.A.1.a) and its
// continuation blocks and returns its messages.
func (rd *reader) objectHeader(addr uint64) ([]message, error) {
	if err := rd.mark(addr, "object header"); err != nil {
		return nil, err
	}
	p, err := rd.read(addr, objectHeaderV1PrefixSize, "object header")
	if err != nil {
		return nil, err
	}
	if string(p[:4]) == "OHDR" {
		return nil, errAt(addr, "version 2 object header not supported (file written with libver latest)")
	}
	if p[0] != 1 {
		return nil, errAt(addr, "unknown object header version %d", p[0])
	}
	type block struct{ addr, size uint64 }
	blocks := []block{{addr + objectHeaderV1PrefixSize, uint64(le.Uint32(p[8:]))}}
	var msgs []message
	for i := 0; i < len(blocks); i++ {
		if i > maxContinuation {
			return nil, errAt(addr, "more than %d object header continuation blocks", maxContinuation)
		}
		b, err := rd.read(blocks[i].addr, blocks[i].size, "object header messages")
		if err != nil {
			return nil, err
		}
		for off := 0; off+messageHeaderV1Size <= len(b); {
			typ := le.Uint16(b[off:])
			n := int(le.Uint16(b[off+2:]))
			daddr := blocks[i].addr + uint64(off+messageHeaderV1Size)
			if n > len(b)-off-messageHeaderV1Size {
				return nil, errAt(daddr-messageHeaderV1Size, "header message (type 0x%04x, %d bytes) overruns its block", typ, n)
			}
			data := b[off+messageHeaderV1Size : off+messageHeaderV1Size+n]
			off += messageHeaderV1Size + n
			if b[off-n-messageHeaderV1Size+4]&0x02 != 0 && typ != msgNIL {
				// Flags bit 1: the message is shared, stored elsewhere (IV.A.1.a).
				return nil, errAt(daddr, "shared header message (type 0x%04x) not supported", typ)
			}
			switch typ {
			case msgNIL:
				continue
			case msgContinuation:
				// IV.A.2.q: offset and length of the next block.
				if len(data) < sizeOfOffsets+sizeOfLengths {
					return nil, errAt(daddr, "short continuation message")
				}
				c := block{le.Uint64(data), le.Uint64(data[8:])}
				if err := rd.mark(c.addr, "object header continuation block"); err != nil {
					return nil, err
				}
				blocks = append(blocks, c)
			default:
				msgs = append(msgs, message{typ, daddr, data})
			}
		}
	}
	return msgs, nil
}

// object reads the object whose header is at addr: a group if the header
// has a symbol table message, a dataset otherwise.
func (rd *reader) object(addr uint64, path string, depth int) (*Group, *Dataset, error) {
	if depth > maxDepth {
		return nil, nil, errAt(addr, "groups nested deeper than %d", maxDepth)
	}
	msgs, err := rd.objectHeader(addr)
	if err != nil {
		return nil, nil, err
	}
	for _, m := range msgs {
		switch m.typ {
		case msgSymbolTable:
			g, err := rd.group(m, path, depth)
			return g, nil, err
		case msgLink, msgLinkInfo:
			return nil, nil, errAt(m.addr, "group %s uses link messages (new-style group), not supported", path)
		}
	}
	d, err := rd.dataset(addr, msgs, path)
	return nil, d, err
}

// group reads a group given its symbol table message (IV.A.2.r).
func (rd *reader) group(stab message, path string, depth int) (*Group, error) {
	if len(stab.data) < 2*sizeOfOffsets {
		return nil, errAt(stab.addr, "short symbol table message")
	}
	btree, heapAddr := le.Uint64(stab.data), le.Uint64(stab.data[8:])
	heap, err := rd.localHeap(heapAddr)
	if err != nil {
		return nil, err
	}
	var entries []symbolEntry
	if err := rd.groupBtree(btree, heap, -1, &entries, 0); err != nil {
		return nil, err
	}
	g := &Group{Name: lastName(path)}
	seen := map[string]bool{}
	for _, e := range entries {
		if seen[e.name] {
			return nil, errAt(e.addr, "duplicate link name %q in group %s", e.name, path)
		}
		seen[e.name] = true
		child := joinPath(path, e.name)
		if e.cache == cacheSlink {
			return nil, errAt(e.addr, "soft link %s not supported", child)
		}
		cg, cd, err := rd.object(e.header, child, depth+1)
		if err != nil {
			return nil, err
		}
		if cg != nil {
			g.Groups = append(g.Groups, cg)
		} else {
			g.Datasets = append(g.Datasets, cd)
		}
	}
	return g, nil
}

type symbolEntry struct {
	name   string
	addr   uint64 // of the entry, for error reports
	header uint64 // object header address
	cache  uint32
}

// localHeap reads a local heap (III.D) and returns its data segment.
func (rd *reader) localHeap(addr uint64) ([]byte, error) {
	h, err := rd.read(addr, localHeapHeaderSize, "local heap")
	if err != nil {
		return nil, err
	}
	if string(h[:4]) != "HEAP" || h[4] != 0 {
		return nil, errAt(addr, "bad local heap signature or version")
	}
	size, data := le.Uint64(h[8:]), le.Uint64(h[24:])
	return rd.read(data, size, "local heap data")
}

// heapString returns the NUL-terminated string at off in a heap.
func heapString(heap []byte, off uint64, at uint64) (string, error) {
	if off >= uint64(len(heap)) {
		return "", errAt(at, "link name offset %d outside local heap (%d bytes)", off, len(heap))
	}
	s := heap[off:]
	i := bytes.IndexByte(s, 0)
	if i < 0 {
		return "", errAt(at, "unterminated link name in local heap")
	}
	return string(s[:i]), nil
}

// groupBtree walks a group B-tree node (III.A.1, type 0) and appends the
// entries of the symbol table nodes below it, in order.
func (rd *reader) groupBtree(addr uint64, heap []byte, wantLevel int, out *[]symbolEntry, depth int) error {
	if depth > maxDepth {
		return errAt(addr, "B-tree deeper than %d levels", maxDepth)
	}
	if err := rd.mark(addr, "B-tree node"); err != nil {
		return err
	}
	h, err := rd.read(addr, btreeHeaderSize, "B-tree node")
	if err != nil {
		return err
	}
	if string(h[:4]) != "TREE" {
		return errAt(addr, "bad B-tree node signature %q", h[:4])
	}
	if h[4] != btreeGroup {
		return errAt(addr+4, "B-tree node type %d, want %d (group)", h[4], btreeGroup)
	}
	level, n := int(h[5]), int(le.Uint16(h[6:]))
	if wantLevel >= 0 && level != wantLevel {
		return errAt(addr+5, "B-tree node level %d, want %d", level, wantLevel)
	}
	if n > 2*rd.nodeK {
		return errAt(addr+6, "B-tree node has %d entries, more than 2K = %d", n, 2*rd.nodeK)
	}
	// Keys and children alternate: key 0, child 0, key 1, ..., key n.
	body, err := rd.read(addr+btreeHeaderSize, uint64(n)*(sizeOfLengths+sizeOfOffsets)+sizeOfLengths, "B-tree node keys")
	if err != nil {
		return err
	}
	for i := range n {
		child := le.Uint64(body[sizeOfLengths+i*(sizeOfLengths+sizeOfOffsets):])
		if level > 0 {
			if err := rd.groupBtree(child, heap, level-1, out, depth+1); err != nil {
				return err
			}
			continue
		}
		if err := rd.snod(child, heap, out); err != nil {
			return err
		}
	}
	return nil
}

// snod reads a symbol table node (III.B).
func (rd *reader) snod(addr uint64, heap []byte, out *[]symbolEntry) error {
	if err := rd.mark(addr, "symbol table node"); err != nil {
		return err
	}
	h, err := rd.read(addr, 8, "symbol table node")
	if err != nil {
		return err
	}
	if string(h[:4]) != "SNOD" || h[4] != 1 {
		return errAt(addr, "bad symbol table node signature or version")
	}
	n := int(le.Uint16(h[6:]))
	if n > 2*rd.leafK {
		return errAt(addr+6, "symbol table node has %d entries, more than 2K = %d", n, 2*rd.leafK)
	}
	b, err := rd.read(addr+8, uint64(n)*symbolEntrySize, "symbol table entries")
	if err != nil {
		return err
	}
	for i := range n {
		e := b[i*symbolEntrySize:]
		at := addr + 8 + uint64(i*symbolEntrySize)
		name, err := heapString(heap, le.Uint64(e), at)
		if err != nil {
			return err
		}
		if name == "" || bytes.IndexByte([]byte(name), '/') >= 0 {
			return errAt(at, "invalid link name %q", name)
		}
		*out = append(*out, symbolEntry{name: name, addr: at, header: le.Uint64(e[8:]), cache: le.Uint32(e[16:])})
	}
	return nil
}

func joinPath(dir, name string) string {
	if dir == "/" {
		return "/" + name
	}
	return dir + "/" + name
}

func lastName(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' {
			return path[i+1:]
		}
	}
	return path
}
