package hdf5

import (
	"fmt"
	"strings"
)

// Type is the element type of a dataset.
type Type uint8

// The element types of the supported subset.
const (
	// Int32 is a little-endian two's complement 32-bit integer
	// (H5T_STD_I32LE, libhdf5's H5T_NATIVE_INT on x86 and ARM).
	Int32 Type = iota + 1
	// Float64 is a little-endian IEEE 754 double (H5T_IEEE_F64LE).
	Float64
	// String is a fixed-length ASCII string, NUL-terminated (H5T_C_S1 with
	// STRPAD H5T_STR_NULLTERM, CSET H5T_CSET_ASCII).
	String
	// Float32 is a little-endian IEEE 754 single (H5T_IEEE_F32LE); written
	// only (AnnData's matrices), read as an unsupported type.
	Float32
)

func (t Type) String() string {
	switch t {
	case Int32:
		return "int32"
	case Float64:
		return "float64"
	case String:
		return "string"
	case Float32:
		return "float32"
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// Group is an HDF5 group: the tree that [Write] writes and [Read] returns.
// Names must be non-empty, must not contain '/' or NUL, and must be unique
// among a group's members (groups and datasets together).
type Group struct {
	Name     string
	Groups   []*Group
	Datasets []*Dataset
	// Attrs are written (attribute messages, IV.A.2.m), not read.
	Attrs []Attribute
}

// Attribute is a small named value attached to a group or dataset: a
// scalar string, or a one-dimensional array of strings, int32 or float64
// (possibly empty). Written only: [Read] skips attributes.
type Attribute struct {
	Name     string
	Type     Type // String, Int32 or Float64
	Scalar   bool // a scalar (Strings holds one string)
	Strings  []string
	Int32s   []int32
	Float64s []float64
}

// StringAttr is a scalar string attribute.
func StringAttr(name, value string) Attribute {
	return Attribute{Name: name, Type: String, Scalar: true, Strings: []string{value}}
}

// Dataset is a one-dimensional dataset. Exactly the slice matching Type is
// used; the others are nil.
type Dataset struct {
	Name     string
	Type     Type
	Int32s   []int32
	Float64s []float64
	Float32s []float32 // written only
	Strings  []string
	Attrs    []Attribute // written only
	// StrSize is the fixed size in bytes of one String element, including
	// its NUL terminator. [Read] sets it; [Write] uses it when it is
	// non-zero and otherwise writes the longest string's length + 1 (what
	// kallisto does).
	StrSize int
}

// Len returns the number of elements of d.
func (d *Dataset) Len() int {
	switch d.Type {
	case Int32:
		return len(d.Int32s)
	case Float64:
		return len(d.Float64s)
	case String:
		return len(d.Strings)
	case Float32:
		return len(d.Float32s)
	}
	return 0
}

// AddGroup appends a new empty sub-group named name to g and returns it.
func (g *Group) AddGroup(name string) *Group {
	c := &Group{Name: name}
	g.Groups = append(g.Groups, c)
	return c
}

// AddInt32s appends an Int32 dataset to g. The slice is not copied.
func (g *Group) AddInt32s(name string, v []int32) {
	g.Datasets = append(g.Datasets, &Dataset{Name: name, Type: Int32, Int32s: v})
}

// AddFloat64s appends a Float64 dataset to g. The slice is not copied.
func (g *Group) AddFloat64s(name string, v []float64) {
	g.Datasets = append(g.Datasets, &Dataset{Name: name, Type: Float64, Float64s: v})
}

// AddStrings appends a String dataset to g. The slice is not copied.
func (g *Group) AddStrings(name string, v []string) {
	g.Datasets = append(g.Datasets, &Dataset{Name: name, Type: String, Strings: v})
}

// Group returns the sub-group at the slash-separated path relative to g
// ("aux", "a/b"), or nil.
func (g *Group) Group(path string) *Group {
	cur := g
	for _, name := range strings.Split(strings.Trim(path, "/"), "/") {
		if name == "" {
			continue
		}
		var next *Group
		for _, c := range cur.Groups {
			if c.Name == name {
				next = c
				break
			}
		}
		if next == nil {
			return nil
		}
		cur = next
	}
	return cur
}

// Dataset returns the dataset at the slash-separated path relative to g
// ("est_counts", "aux/ids"), or nil.
func (g *Group) Dataset(path string) *Dataset {
	path = strings.Trim(path, "/")
	dir, name := "", path
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		dir, name = path[:i], path[i+1:]
	}
	p := g.Group(dir)
	if p == nil {
		return nil
	}
	for _, d := range p.Datasets {
		if d.Name == name {
			return d
		}
	}
	return nil
}

// FormatError reports a malformed or unsupported structure in an HDF5 file.
type FormatError struct {
	Offset int64  // file offset of the structure (or field) at fault
	What   string // what is wrong, e.g. "bad B-tree signature"
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("hdf5: %s at offset %d", e.What, e.Offset)
}

func errAt(off uint64, format string, args ...any) error {
	return &FormatError{Offset: int64(off), What: fmt.Sprintf(format, args...)}
}

// File-format constants. Section numbers refer to the HDF5 File Format
// Specification Version 3.0.
const (
	// signature is the format signature (II.A): "\211HDF\r\n\032\n".
	signature = "\x89HDF\r\n\x1a\n"

	// undefAddr is the "undefined address" (II.A: all bits set).
	undefAddr = ^uint64(0)

	// sizeOfOffsets and sizeOfLengths are the superblock's "Size of
	// Offsets" and "Size of Lengths" (II.A); libhdf5's default, and the
	// only value supported, is 8.
	sizeOfOffsets = 8
	sizeOfLengths = 8

	// superblockV0Size is the size of a version 0 superblock with 8-byte
	// offsets (II.A): 8 signature + 8 version bytes + 2+2 K values + 4
	// flags + 4 addresses + a 40-byte root symbol table entry.
	superblockV0Size = 8 + 8 + 4 + 4 + 4*sizeOfOffsets + symbolEntrySize

	// groupLeafK and groupInternalK are the superblock's "Group Leaf Node
	// K" and "Group Internal Node K" (II.A); libhdf5's defaults are 4 and
	// 16. A symbol table node holds up to 2*groupLeafK entries (III.B); a
	// group B-tree node has up to 2*groupInternalK children (III.A.1).
	groupLeafK     = 4
	groupInternalK = 16

	// chunkK is the "Indexed Storage Internal Node K" (II.A; version 0
	// superblocks imply libhdf5's default 32): a chunk B-tree node has up
	// to 2*chunkK children.
	chunkK = 32

	// symbolEntrySize is a symbol table entry (III.C): link name offset,
	// object header address, cache type (4), reserved (4), scratch (16).
	symbolEntrySize = 2*sizeOfOffsets + 4 + 4 + 16

	// Symbol table entry cache types (III.C).
	cacheNone  = 0 // nothing cached
	cacheStab  = 1 // scratch pad holds the group's B-tree and heap addresses
	cacheSlink = 2 // symbolic link: scratch pad holds a heap offset

	// B-tree node types (III.A.1).
	btreeGroup = 0 // children are symbol table nodes (or B-tree nodes)
	btreeChunk = 1 // children are raw data chunks (or B-tree nodes)

	// btreeHeaderSize is "TREE", node type, node level, entries used and
	// the two sibling addresses (III.A.1).
	btreeHeaderSize = 4 + 1 + 1 + 2 + 2*sizeOfOffsets

	// localHeapHeaderSize is "HEAP", version, 3 reserved bytes, data
	// segment size, offset of the free list head, data segment address
	// (III.D).
	localHeapHeaderSize = 4 + 4 + 2*sizeOfLengths + sizeOfOffsets

	// heapFreeNull is the "no free block" value of a local heap's free
	// list head. The specification (III.D) says "undefined address", but
	// libhdf5 writes and expects 1 (H5HL_FREE_NULL); the reader accepts both.
	heapFreeNull = 1

	// objectHeaderV1PrefixSize is the version 1 object header prefix
	// (IV.A.1.a): version, reserved, message count (2), reference count
	// (4), header size (4), then padding to an 8-byte boundary.
	objectHeaderV1PrefixSize = 16

	// messageHeaderV1Size is a version 1 header message's type (2), size
	// (2), flags (1) and 3 reserved bytes (IV.A.1.a).
	messageHeaderV1Size = 8
)

// Header message types (IV.A.2).
const (
	msgNIL          = 0x0000 // IV.A.2.a NIL
	msgDataspace    = 0x0001 // IV.A.2.b Dataspace
	msgDatatype     = 0x0003 // IV.A.2.d Datatype
	msgFillValue    = 0x0005 // IV.A.2.f Fill Value
	msgLayout       = 0x0008 // IV.A.2.i Data Layout
	msgFilters      = 0x000B // IV.A.2.l Data Storage - Filter Pipeline
	msgContinuation = 0x0010 // IV.A.2.q Object Header Continuation
	msgSymbolTable  = 0x0011 // IV.A.2.r Symbol Table
	msgAttribute    = 0x000C // IV.A.2.m Attribute (written only)
	msgLink         = 0x0006 // IV.A.2.g Link (new-style groups; unsupported)
	msgLinkInfo     = 0x0002 // IV.A.2.c Link Info (new-style groups; unsupported)

	// msgFlagConstant marks a message whose value will not change (header
	// message flags bit 0, IV.A.1.a); libhdf5 sets it on datatype, fill
	// value and filter pipeline messages.
	msgFlagConstant = 0x01
)

// Datatype classes (IV.A.2.d, low 4 bits of the first byte).
const (
	classFixedPoint = 0
	classFloat      = 1
	classString     = 3
)

// Data layout classes (IV.A.2.i, version 3).
const (
	layoutCompact    = 0
	layoutContiguous = 1
	layoutChunked    = 2
)

// filterDeflate is the filter identification value of deflate (IV.A.2.l;
// H5Z_FILTER_DEFLATE); filterFlagOptional is its "optional" flag bit 0,
// which libhdf5's H5Pset_deflate sets.
const (
	filterDeflate      = 1
	filterFlagOptional = 0x0001
)

// deflateLevel is the compression level kallisto passes to H5Pset_deflate.
const deflateLevel = 6

// maxInflateRatio bounds how much a deflate stream can expand: the format
// cannot exceed 1032:1 (RFC 1951 maximum match length 258 per 2 bits).
// The reader refuses chunks that claim more.
const maxInflateRatio = 1032

// align8 rounds n up to a multiple of 8.
func align8(n int) int { return (n + 7) &^ 7 }
