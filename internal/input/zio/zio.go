// Package zio opens sequence files that may be gzip-compressed.
//
// Compression is recognised by content, not by name: a file that starts
// with the gzip magic bytes (RFC 1952, section 2.3.1: 0x1f 0x8b) is
// decompressed, anything else is read as is. Multi-member gzip files
// (concatenated .gz files, BGZF) are read to the end. The path "-" means
// standard input, which is refused when it is a terminal.
//
// Decompression uses package inflate (pure Go), measured at about 2.2x the
// throughput of github.com/klauspost/compress/gzip and 2.7x gzip(1)'s on
// FASTQ (see the README); built with -tags isal, ISA-L's igzip instead.
//
// Every error returned by Open, NewReader and a File's Read is an *Error
// that names the file, so that callers can print it as is ("R1.fq.gz: gzip:
// truncated or corrupt stream (unexpected end of file)"), or take the file
// and the problem apart to say where in the decompressed text the failure
// happened ("fastq: R1.fq.gz line 8123: gzip: truncated or corrupt stream
// (unexpected end of file)").
package zio

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"github.com/gallisto/gallisto/internal/input/inflate"
)

// Stdin is the path that names standard input.
const Stdin = "-"

// Error is a failure to open, read or decompress a named file.
type Error struct {
	File string // the name the file was opened with
	// Problem says what went wrong, in words a user can act on, without
	// the file name: "file not found", "gzip: invalid header", ...
	Problem string
	Err     error // the underlying error, for errors.Is and errors.As
}

// Error returns "FILE: PROBLEM".
func (e *Error) Error() string { return e.File + ": " + e.Problem }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

func newError(file string, err error, problem string) *Error {
	return &Error{File: file, Problem: problem, Err: err}
}

// File is an open, possibly decompressed, input file.
type File struct {
	name string
	f    *os.File
	gz   inflater
	r    io.Reader
	// Compressed reports whether the file is gzip-compressed.
	Compressed bool
}

// Open opens path for reading, decompressing it if it is gzip data.
func Open(path string) (*File, error) {
	var f *os.File
	if path == Stdin {
		f = os.Stdin
		if IsTerminal(f) {
			// Reading would wait for reads typed at the keyboard.
			return nil, newError(path, syscall.ENOTTY, "standard input is a terminal; pipe the reads in (for example: zcat R.fq.gz | gallisto quant ... -)")
		}
	} else {
		var err error
		f, err = os.Open(path)
		if err != nil {
			return nil, describeOpenError(path, err)
		}
		if st, err := f.Stat(); err == nil && st.IsDir() {
			f.Close()
			return nil, newError(path, syscall.EISDIR, "is a directory, not a file")
		}
	}
	return newFile(path, f)
}

// NewReader wraps an already open stream (for tests and pipes); name is
// used in error messages.
func NewReader(name string, r io.Reader) (*File, error) {
	return newFile(name, r)
}

func newFile(name string, src io.Reader) (*File, error) {
	zf := &File{name: name}
	if f, ok := src.(*os.File); ok {
		zf.f = f
	}
	br := bufio.NewReaderSize(src, 1<<16)
	magic, err := br.Peek(2)
	if err == nil && (magic[0] == 'B' || magic[0] == 0xfd || magic[0] == 0x28) {
		// Perhaps another compressor's magic bytes (never the start of a
		// FASTA or FASTQ file). Peek drops a read error it returns, so
		// one is reported here.
		magic, err = br.Peek(10)
	}
	if err != nil && err != io.EOF {
		zf.Close()
		return nil, newError(name, err, unwrapPath(err).Error())
	}
	if tool := otherCompression(magic); tool != "" {
		zf.Close()
		return nil, newError(name, errors.ErrUnsupported, fmt.Sprintf("%s-compressed data: gallisto reads plain or gzip files (convert it: %s -dc %s | gzip > %s.gz)", tool, tool, name, strings.TrimSuffix(name, "."+ext[tool])))
	}
	zf.r = br
	if len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := newInflater(br)
		if err != nil {
			zf.Close()
			return nil, newError(name, err, "gzip: "+gzipProblem(err))
		}
		zf.gz, zf.r, zf.Compressed = gz, gz, true
	}
	return zf, nil
}

// ext is the usual file name ending of each compressor's files.
var ext = map[string]string{"bzip2": "bz2", "xz": "xz", "zstd": "zst"}

// otherCompression names the compressor of data that starts with the
// magic bytes of bzip2 ("BZh", a block size digit, then the block or
// end-of-stream magic), xz (FD 37 7A 58 5A 00) or zstd (28 B5 2F FD), or
// returns "".
func otherCompression(b []byte) string {
	switch {
	case len(b) >= 10 && string(b[:3]) == "BZh" && b[3] >= '1' && b[3] <= '9' &&
		(string(b[4:10]) == "1AY&SY" || string(b[4:10]) == "\x17\x72\x45\x38\x50\x90"):
		return "bzip2"
	case len(b) >= 6 && string(b[:6]) == "\xfd7zXZ\x00":
		return "xz"
	case len(b) >= 4 && string(b[:4]) == "\x28\xb5\x2f\xfd":
		return "zstd"
	}
	return ""
}

// Name returns the path the file was opened with.
func (z *File) Name() string { return z.name }

// Read reads decompressed bytes. Errors other than io.EOF are *Error.
func (z *File) Read(p []byte) (int, error) {
	n, err := z.r.Read(p)
	if err != nil && err != io.EOF {
		if z.gz != nil {
			err = newError(z.name, err, "gzip: "+gzipProblem(err))
		} else {
			err = newError(z.name, err, unwrapPath(err).Error())
		}
	}
	return n, err
}

// Close releases the file. Closing standard input is a no-op.
func (z *File) Close() error {
	if z.gz != nil {
		z.gz.Close()
	}
	if z.f != nil && z.f != os.Stdin {
		return z.f.Close()
	}
	return nil
}

// inflater decompresses a gzip stream: package inflate's reader, or ISA-L's
// with -tags isal (inflate_isal.go). Both report inflate's error values.
type inflater = io.ReadCloser

// gzipProblem turns decoder errors into words a user can act on.
func gzipProblem(err error) string {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated or corrupt stream (unexpected end of file)"
	case errors.Is(err, inflate.ErrChecksum):
		return "corrupt data (CRC-32 checksum mismatch)"
	case errors.Is(err, inflate.ErrLength):
		return "length mismatch: the trailer's ISIZE is not the decompressed size"
	case errors.Is(err, inflate.ErrTrailing):
		return "trailing data after the gzip stream (not gzip data, nor zero padding)"
	case errors.Is(err, inflate.ErrHeader):
		return "invalid header"
	case errors.Is(err, inflate.ErrCorrupt):
		return "corrupt data (invalid deflate stream)"
	}
	return err.Error()
}

// Check reports, without opening it, why path cannot be read as an input
// file: missing, not permitted, a symlink loop, or a directory (what names
// the file the caller wants, "read file", "whitelist", ...). Standard
// input passes.
func Check(path, what string) error {
	if path == Stdin {
		return nil
	}
	st, err := os.Stat(path)
	if err != nil {
		return describeOpenError(path, err)
	}
	if st.IsDir() {
		return newError(path, syscall.EISDIR, "is a directory, not a "+what)
	}
	return nil
}

func describeOpenError(path string, err error) error {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return newError(path, err, "file not found")
	case errors.Is(err, os.ErrPermission):
		return newError(path, err, "permission denied")
	case errors.Is(err, syscall.ELOOP):
		return newError(path, err, "symlink loop (too many levels of symbolic links)")
	}
	return newError(path, err, unwrapPath(err).Error())
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
