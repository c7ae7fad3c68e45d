// Package hdf5 writes and reads the small subset of HDF5 that kallisto's
// abundance.h5 uses: a tree of groups holding one-dimensional datasets of
// little-endian int32, little-endian float64 and fixed-length NUL-terminated
// ASCII strings, each stored as one chunk (chunk = whole dataset) through the
// deflate filter. It is pure Go (no cgo, no libhdf5).
//
// # Specification
//
// The package implements the "HDF5 File Format Specification Version 3.0"
// (the format document of HDF5 1.10, the libhdf5 that kallisto 0.48 links),
// restricted to the structures libhdf5 1.10 writes with default file-creation
// and file-access properties, i.e. the "earliest" format. Sections used:
//
//   - II.A   Format Signature and Superblock, superblock versions 0 and 1
//     (8-byte offsets and lengths; written: version 0).
//   - III.A.1 Version 1 B-trees: node type 0 (group nodes) and node type 1
//     (raw data chunk nodes).
//   - III.B  Group Symbol Table Nodes ("SNOD").
//   - III.C  Symbol Table Entry (cache types 0 and 1).
//   - III.D  Local Heaps ("HEAP"), which hold the link names of a group.
//   - IV.A.1.a Version 1 Data Object Header Prefix.
//   - IV.A.2 Header messages: b Dataspace (0x0001), d Datatype (0x0003,
//     classes 0 fixed-point, 1 floating-point, 3 string), f Fill Value
//     (0x0005), i Data Layout (0x0008, version 3: compact, contiguous,
//     chunked), l Data Storage - Filter Pipeline (0x000B, versions 1 and 2),
//     q Object Header Continuation (0x0010), r Symbol Table (0x0011). Other
//     messages (modification time, attributes, ...) are skipped on read.
//   - IV.B Data Storage: filter 1 (deflate). The deflate filter stores a zlib
//     stream (RFC 1950), which is what libhdf5's compress2() produces, not a
//     gzip stream.
//
// Not supported (the reader returns an error naming the structure and its
// offset): superblock versions 2 and 3, version 2 object headers ("OHDR"),
// link messages and dense (fractal-heap) groups, soft and external links,
// multi-dimensional or scalar datasets, variable-length strings, other
// datatype classes and sizes, big-endian data, and filters other than deflate.
// Those appear only with non-default libhdf5 settings (for example
// H5Pset_libver_bounds(latest)), never in kallisto's files.
//
// # Writer
//
// [Write] lays a file out in the order superblock, raw data chunks, metadata
// (object headers, local heaps, B-tree nodes, symbol table nodes), so that
// when the destination is an [io.WriteSeeker] (an *os.File) each dataset is
// compressed straight to the file and only the 96-byte superblock is patched
// at the end; any other [io.Writer] gets the same bytes, with the compressed
// chunks held in memory until the metadata is known. Metadata blocks are
// allocated at the full size libhdf5 reads (a B-tree node always has room
// for 2K children, a symbol table node for 2K entries), as libhdf5 does.
// Output is deterministic: no modification times are stored.
//
// A dataset with zero elements cannot be chunked (HDF5 requires chunk
// dimensions > 0; kallisto's writer fails there). [Write] stores such a
// dataset with contiguous layout, no filter and no storage allocated, which
// libhdf5, h5dump and h5py read as an empty array.
//
// # Reader
//
// [Read] loads the whole tree into memory. It must not panic or allocate
// without bound on corrupt input: every size and address is checked against
// the file size before use, a dataset's decoded size is limited to what its
// stored bytes could inflate to (deflate expands at most 1032:1), loops in
// the group graph are rejected, and errors read "hdf5: <what> at offset N".
//
// # Why not github.com/scigolib/hdf5
//
// v0.14.0 wrote broken deflate datasets (a version 2 filter pipeline
// message laid out as version 1, and gzip instead of zlib streams).
// v0.14.1, the newest version the module proxy serves (it refuses
// v0.14.2, v0.15.0, v0.15.1, v0.16.0 and v1.0.0), fixes those, and a
// kallisto-like file it writes passes h5dump. It still does not fit: its
// reader kills the process with "fatal error: runtime: out of memory"
// when one to four bytes of a small file are corrupted (it allocates a
// local heap's stored size unchecked, internal/structures/localheap.go:94),
// which no recover can catch; it reads and writes only named files (no
// io.ReaderAt or io.Writer, so no fuzzing from memory and no streaming);
// it writes superblock version 2 where kallisto's files have version 0;
// and it is 32,000 lines of Go for what this package does in under 2,000.
package hdf5
