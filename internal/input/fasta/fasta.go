// Package fasta reads FASTA files: records of a '>' header line followed by
// any number of sequence lines.
//
// The record name is the header up to its first white space, as kallisto
// (through kseq) takes it; the rest of the header is the comment. Sequence
// lines are concatenated; a trailing '\r' (CRLF files) is removed from every
// line. Bytes are passed through otherwise unchanged: interpreting letters
// (case, U, IUPAC codes) is the caller's business. A sequence line may hold
// printable ASCII only ('!' to '~', package ascii): kallisto would index a
// space or a control byte as a pseudorandom base. Binary data (control
// bytes in any line) is refused within the first MiB of a line, and a
// UTF-8 byte-order mark before the first record is skipped.
//
// Malformed input is an error that names the file, the line and the
// problem, for example
//
//	fasta: tx.fa line 1: expected '>' at the start of a record, found 'A'
//	fasta: tx.fa line 57: record "ENST01" has an empty sequence
//	fasta: tx.fa.gz line 8123: gzip: truncated or corrupt stream (unexpected end of file)
package fasta

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/gallisto/gallisto/internal/input/ascii"
	"github.com/gallisto/gallisto/internal/input/zio"
)

// Record is one FASTA record. Its slices are valid until the next call to
// Reader.Next.
type Record struct {
	Name    []byte // header up to the first white space
	Comment []byte // rest of the header after that white space, trimmed
	Seq     []byte // sequence with line breaks removed
	Line    int    // 1-based line number of the header
}

// Reader reads records from a stream.
type Reader struct {
	br       *bufio.Reader
	file     string
	line     int    // lines consumed so far
	pending  []byte // header of the next record, already read
	havePend bool
	rec      Record
	header   []byte
	n        int // records returned
}

// NewReader returns a Reader over r; file names the input in errors.
func NewReader(r io.Reader, file string) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, 1<<20), file: file}
}

// ErrEmptyFile is wrapped by Next when the input holds no record at all.
var ErrEmptyFile = errors.New("no FASTA records")

// Next reads the next record. It returns io.EOF after the last one, and an
// error wrapping ErrEmptyFile if the input held no record.
func (r *Reader) Next() (*Record, error) {
	var hdr []byte
	if r.havePend {
		hdr, r.havePend = r.pending, false
	} else {
		for {
			line, err := r.readLine()
			if err == io.EOF {
				if r.n == 0 {
					return nil, fmt.Errorf("fasta: %s: %w (the file is empty)", r.file, ErrEmptyFile)
				}
				return nil, io.EOF
			}
			if err != nil {
				return nil, err
			}
			if len(bytes.TrimSpace(line)) == 0 {
				continue // blank lines between records are harmless
			}
			if line[0] != '>' {
				return nil, r.errorf(r.line, "expected '>' at the start of a record, found %s", ascii.Quote(line[0]))
			}
			if err := r.checkHeader(line); err != nil {
				return nil, err
			}
			hdr = line
			break
		}
	}
	r.header = append(r.header[:0], hdr[1:]...)
	hdrLine := r.line
	r.rec.Line = hdrLine
	r.rec.Seq = r.rec.Seq[:0]
	for {
		line, err := r.readLine()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(line) > 0 && line[0] == '>' {
			if err := r.checkHeader(line); err != nil {
				return nil, err
			}
			r.pending = append(r.pending[:0], line...)
			r.havePend = true
			break
		}
		if i := ascii.Find(line); i >= 0 {
			return nil, r.errorf(r.line, "byte %s at column %d cannot be in a sequence line (only printable ASCII '!' to '~')", ascii.Quote(line[i]), i+1)
		}
		r.rec.Seq = append(r.rec.Seq, line...)
	}
	name, comment := splitHeader(r.header)
	if len(name) == 0 {
		return nil, r.errorf(hdrLine, "record has an empty name")
	}
	if len(r.rec.Seq) == 0 {
		return nil, r.errorf(hdrLine, "record %q has an empty sequence", name)
	}
	r.rec.Name, r.rec.Comment = name, comment
	r.n++
	return &r.rec, nil
}

// readLine returns the next line without its line break. The slice is valid
// until the next read.
func (r *Reader) readLine() ([]byte, error) {
	if r.line == 0 {
		ascii.SkipBOM(r.br)
	}
	line, err := r.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		// A very long line (a whole chromosome on one line): collect it,
		// checking each part, so that binary data is refused at once.
		if i := ascii.FindControl(line); i >= 0 {
			return nil, r.binary(line, i, 0)
		}
		buf := append([]byte(nil), line...)
		for err == bufio.ErrBufferFull {
			line, err = r.br.ReadSlice('\n')
			if i := ascii.FindControl(line); i >= 0 {
				return nil, r.binary(line, i, len(buf))
			}
			buf = append(buf, line...)
		}
		line = buf
	}
	if err != nil && err != io.EOF {
		return nil, &InputError{File: r.file, Line: r.line + 1, Err: err}
	}
	if len(line) == 0 && err == io.EOF {
		return nil, io.EOF
	}
	r.line++
	line = bytes.TrimSuffix(line, []byte{'\n'})
	line = bytes.TrimSuffix(line, []byte{'\r'})
	return line, nil
}

// checkHeader refuses a header line holding a byte no text line holds.
func (r *Reader) checkHeader(line []byte) error {
	if i := ascii.FindControl(line); i >= 0 {
		return r.errorf(r.line, "byte %s at column %d cannot be in a header line (binary data?)", ascii.Quote(line[i]), i+1)
	}
	return nil
}

// binary reports a byte no text line holds at index i of part, which
// starts at column off+1 of the line being read.
func (r *Reader) binary(part []byte, i, off int) error {
	return r.errorf(r.line+1, "binary data (byte %s at column %d): not a FASTA file", ascii.Quote(part[i]), off+i+1)
}

// InputError is a failure of the input stream itself (I/O, decompression)
// while reading line Line of File.
type InputError struct {
	File string
	Line int
	Err  error
}

// Error returns "fasta: FILE line N: PROBLEM"; for a *zio.Error the problem
// is its Problem, so that the file is named once.
func (e *InputError) Error() string {
	msg := e.Err.Error()
	var ze *zio.Error
	if errors.As(e.Err, &ze) {
		msg = ze.Problem
	}
	return fmt.Sprintf("fasta: %s line %d: %s", e.File, e.Line, msg)
}

// Unwrap returns the input's error.
func (e *InputError) Unwrap() error { return e.Err }

func (r *Reader) errorf(line int, format string, args ...any) error {
	return fmt.Errorf("fasta: %s line %d: %s", r.file, line, fmt.Sprintf(format, args...))
}

// splitHeader splits a header (without '>') at its first white space: any
// byte for which C's isspace() is true, as kseq does, '\r' included.
func splitHeader(h []byte) (name, comment []byte) {
	i := bytes.IndexAny(h, " \t\v\f\r")
	if i < 0 {
		return h, nil
	}
	return h[:i], bytes.TrimSpace(h[i+1:])
}
