// Package fastq reads sequencing reads from FASTQ files in batches.
//
// The format is the four-line FASTQ record of Cock et al., "The Sanger FASTQ
// file format for sequences with quality scores" (NAR 2010): an '@' header,
// one sequence line, a '+' line, one quality line as long as the sequence.
// Multi-line FASTQ records are not accepted. CRLF line endings are. A file
// whose first byte is '>' is read as FASTA reads instead (one record per
// header, sequence lines joined), as kallisto accepts both.
//
// The read name is the header up to its first white space. Qualities are
// checked for length and then dropped: pseudoalignment does not use them.
// Sequence and quality lines may hold printable ASCII only ('!' to '~',
// package ascii): a space, a tab, a control or binary byte there is an
// error naming its column, never an unknown base. A line longer than
// MaxLine (no line breaks, binary data) is refused once it passes that
// length, so memory stays bounded; reads of megabases are read. A UTF-8
// byte-order mark before the first record is skipped.
//
// Malformed input is an error naming the file, the line and the problem:
//
//	fastq: R1.fq.gz line 4001: sequence and quality lengths differ (100 != 99)
//
// and so is a failure of the input itself (an I/O error, a truncated or
// corrupt gzip stream, see package zio), at the line that was being read:
//
//	fastq: R1.fq.gz line 8123: gzip: truncated or corrupt stream (unexpected end of file)
//
// ReadPairs reads interleaved files, where each record is followed by its
// mate.
package fastq

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/gallisto/gallisto/internal/input/ascii"
	"github.com/gallisto/gallisto/internal/input/zio"
)

// MaxLine bounds the length of one line: far beyond any real read (the
// longest nanopore reads are a few megabases), small enough that input
// without line breaks is refused before it fills memory.
const MaxLine = 64 << 20

// Reader reads records from one stream. It is not safe for concurrent use.
type Reader struct {
	br     *bufio.Reader
	file   string
	line   int64 // lines consumed
	nrec   int64 // records returned
	fasta  bool  // the input holds FASTA reads
	sniffd bool
	// SkipNames leaves read names out of the batches (Name returns an
	// empty name): when no one compares mates' names, copying them is
	// wasted work.
	SkipNames bool
	long      []byte // assembly buffer for lines longer than the bufio buffer
}

// NewReader returns a Reader over r; file names the input in errors.
func NewReader(r io.Reader, file string) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, 1<<20), file: file}
}

// File returns the name given to NewReader.
func (r *Reader) File() string { return r.file }

// Records returns the number of records read so far.
func (r *Reader) Records() int64 { return r.nrec }

// ErrEmpty is wrapped by Read when a file holds no record at all.
var ErrEmpty = errors.New("file holds no reads")

// span is a record's part of Batch.buf. int, not int32: a batch of long
// reads can pass 2 GiB.
type span struct{ start, end int }

// Batch is a set of consecutive records. Its slices stay valid until the
// batch is passed to Reader.Read again.
type Batch struct {
	buf   []byte
	seq   []span
	name  []span
	lines []int64
	// First is the 0-based number of the batch's first record in its file.
	First int64
}

// Len returns the number of records in the batch.
func (b *Batch) Len() int { return len(b.seq) }

// Seq returns the sequence of record i.
func (b *Batch) Seq(i int) []byte { s := b.seq[i]; return b.buf[s.start:s.end] }

// Name returns the name of record i (header up to the first white space).
func (b *Batch) Name(i int) []byte { s := b.name[i]; return b.buf[s.start:s.end] }

// Line returns the 1-based line number of record i's header in its file.
func (b *Batch) Line(i int) int64 { return b.lines[i] }

// Bytes returns the number of sequence and name bytes the batch holds.
func (b *Batch) Bytes() int { return len(b.buf) }

// Reset empties the batch, keeping its memory.
func (b *Batch) Reset() {
	b.buf, b.seq, b.name, b.lines = b.buf[:0], b.seq[:0], b.name[:0], b.lines[:0]
}

// Read replaces b's contents with up to n records. It returns io.EOF when
// the input is exhausted and no record was read, and an error wrapping
// ErrEmpty if the file held no record at all.
func (r *Reader) Read(b *Batch, n int) error {
	b.Reset()
	b.First = r.nrec
	if !r.sniffd {
		if err := r.sniff(); err != nil {
			return err
		}
	}
	for b.Len() < n {
		var err error
		if r.fasta {
			err = r.readFASTA(b)
		} else {
			err = r.readFASTQ(b)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		r.nrec++
	}
	if b.Len() == 0 {
		if r.nrec == 0 {
			return fmt.Errorf("fastq: %s: %w", r.file, ErrEmpty)
		}
		return io.EOF
	}
	return nil
}

// ReadPairs reads interleaved input, where every record is followed by its
// mate: it replaces b1's and b2's contents with up to n pairs, the first
// mates in b1 and the second in b2. The batches' First is the 0-based
// number of the first pair. It returns io.EOF when the input is exhausted
// and no pair was read, an error wrapping ErrEmpty if the file held no
// record at all, and an error naming the line if the input ends with a
// record that has no mate.
func (r *Reader) ReadPairs(b1, b2 *Batch, n int) error {
	b1.Reset()
	b2.Reset()
	b1.First, b2.First = r.nrec/2, r.nrec/2
	if !r.sniffd {
		if err := r.sniff(); err != nil {
			return err
		}
	}
	for b2.Len() < n {
		for _, b := range [2]*Batch{b1, b2} {
			var err error
			if r.fasta {
				err = r.readFASTA(b)
			} else {
				err = r.readFASTQ(b)
			}
			if err == io.EOF {
				if b == b2 {
					return r.errorf(b1.Line(b1.Len()-1), "interleaved input ends with an unpaired read (record %d has no mate)", r.nrec)
				}
				goto done
			}
			if err != nil {
				return err
			}
			r.nrec++
		}
	}
done:
	if b1.Len() == 0 {
		if r.nrec == 0 {
			return fmt.Errorf("fastq: %s: %w", r.file, ErrEmpty)
		}
		return io.EOF
	}
	return nil
}

// sniff decides between FASTQ and FASTA input from the first non-blank byte.
func (r *Reader) sniff() error {
	r.sniffd = true
	ascii.SkipBOM(r.br)
	for {
		c, err := r.br.Peek(1)
		if err == io.EOF {
			return nil // empty: reported by Read
		}
		if err != nil {
			return r.ioError(err)
		}
		if c[0] == '\n' || c[0] == '\r' {
			r.br.ReadByte()
			if c[0] == '\n' {
				r.line++
			}
			continue
		}
		if c[0] != '@' && c[0] != '>' {
			return r.errorf(r.line+1, "expected '@' at the start of a record, found %q", c[0])
		}
		r.fasta = c[0] == '>'
		return nil
	}
}

// readLine returns the next line without its line ending, valid until the
// next call. It returns io.EOF only when no byte is left.
func (r *Reader) readLine() ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		if line, err = r.readLongLine(line); err != nil {
			return nil, err
		}
	}
	if err != nil && err != io.EOF {
		return nil, r.ioError(err)
	}
	if err == io.EOF && len(line) == 0 {
		return nil, io.EOF
	}
	r.line++
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// readLongLine collects a line longer than the read buffer, of which
// first is the start. A chunk holding bytes no text holds (NUL, control
// bytes) or a line past MaxLine ends it with an error: neither is a FASTQ
// file, and reading on would fill memory.
func (r *Reader) readLongLine(first []byte) ([]byte, error) {
	r.long = r.long[:0]
	chunk, err := first, bufio.ErrBufferFull
	for {
		if i := ascii.FindControl(chunk); i >= 0 {
			return nil, r.errorf(r.line+1, "binary data (byte %s at column %d): not a FASTQ or FASTA file", ascii.Quote(chunk[i]), len(r.long)+i+1)
		}
		r.long = append(r.long, chunk...)
		if len(r.long) > MaxLine {
			return nil, r.errorf(r.line+1, "line longer than %d MiB (not a FASTQ file, or no line breaks?)", MaxLine>>20)
		}
		if err != bufio.ErrBufferFull {
			return r.long, err
		}
		chunk, err = r.br.ReadSlice('\n')
	}
}

// checkLine refuses a sequence or quality line holding a byte outside
// printable ASCII.
func (r *Reader) checkLine(b []byte, what string) error {
	if i := ascii.Find(b); i >= 0 {
		return r.errorf(r.line, "byte %s at column %d cannot be in a %s line (only printable ASCII '!' to '~')", ascii.Quote(b[i]), i+1, what)
	}
	return nil
}

func (r *Reader) readFASTQ(b *Batch) error {
	hdr, err := r.readLine()
	for err == nil && len(hdr) == 0 {
		// Blank lines are tolerated only at the end of the file.
		hdr, err = r.readLine()
		if err == nil && len(hdr) > 0 {
			return r.errorf(r.line-1, "unexpected blank line between records")
		}
	}
	if err != nil {
		return err
	}
	hline := r.line
	if hdr[0] != '@' {
		return r.errorf(hline, "expected '@' at the start of a record, found %q", hdr[0])
	}
	b.addName(hdr[1:], hline, r.SkipNames)
	seq, err := r.readLine()
	if err == io.EOF {
		return r.errorf(hline, "record truncated: missing sequence line")
	} else if err != nil {
		return err
	}
	if err := r.checkLine(seq, "sequence"); err != nil {
		return err
	}
	b.addSeq(seq)
	plus, err := r.readLine()
	if err == io.EOF {
		return r.errorf(hline, "record truncated: missing '+' line")
	} else if err != nil {
		return err
	}
	if len(plus) == 0 || plus[0] != '+' {
		return r.errorf(r.line, "expected '+' line after the sequence, found %q (multi-line FASTQ is not supported)", abbrev(plus))
	}
	qual, err := r.readLine()
	if err == io.EOF {
		return r.errorf(hline, "record truncated: missing quality line")
	} else if err != nil {
		return err
	}
	if len(qual) != len(seq) {
		return r.errorf(r.line, "sequence and quality lengths differ (%d != %d)", len(seq), len(qual))
	}
	return r.checkLine(qual, "quality")
}

func (r *Reader) readFASTA(b *Batch) error {
	hdr, err := r.readLine()
	for err == nil && len(bytes.TrimSpace(hdr)) == 0 {
		hdr, err = r.readLine()
	}
	if err != nil {
		return err
	}
	hline := r.line
	if hdr[0] != '>' {
		return r.errorf(hline, "expected '>' at the start of a FASTA record, found %q", hdr[0])
	}
	b.addName(hdr[1:], hline, r.SkipNames)
	start := len(b.buf)
	for {
		c, err := r.br.Peek(1)
		if err == io.EOF || (err == nil && c[0] == '>') {
			break
		}
		if err != nil {
			return r.ioError(err)
		}
		line, err := r.readLine()
		if err != nil {
			return err
		}
		if err := r.checkLine(line, "sequence"); err != nil {
			return err
		}
		b.buf = append(b.buf, line...)
	}
	b.seq = append(b.seq, span{start, len(b.buf)})
	return nil
}

func (b *Batch) addName(h []byte, line int64, skip bool) {
	if skip {
		h = nil
	}
	h = h[:nameEnd(h)]
	start := len(b.buf)
	b.buf = append(b.buf, h...)
	b.name = append(b.name, span{start, len(b.buf)})
	b.lines = append(b.lines, line)
}

// nameEnd returns where a read name ends: at the header's first white
// space, C's isspace(), where kseq ends it. A plain loop: bytes.IndexAny
// with a five-byte set cost 4% of bus's CPU.
func nameEnd(h []byte) int {
	for i, c := range h {
		if c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' {
			return i
		}
	}
	return len(h)
}

func (b *Batch) addSeq(s []byte) {
	start := len(b.buf)
	b.buf = append(b.buf, s...)
	b.seq = append(b.seq, span{start, len(b.buf)})
}

func (r *Reader) errorf(line int64, format string, args ...any) error {
	return fmt.Errorf("fastq: %s line %d: %s", r.file, line, fmt.Sprintf(format, args...))
}

// ioError reports a failure of the input at the line being read, as one
// line: "fastq: FILE line N: PROBLEM". The error wraps err.
func (r *Reader) ioError(err error) error {
	return &InputError{File: r.file, Line: r.line + 1, Err: err}
}

// InputError is a failure of the input stream itself (I/O, decompression)
// while reading line Line of File.
type InputError struct {
	File string
	Line int64
	Err  error
}

// Error returns "fastq: FILE line N: PROBLEM"; for a *zio.Error the problem
// is its Problem, so that the file is named once.
func (e *InputError) Error() string {
	return fmt.Sprintf("fastq: %s line %d: %s", e.File, e.Line, problem(e.Err))
}

// Unwrap returns the input's error.
func (e *InputError) Unwrap() error { return e.Err }

func problem(err error) string {
	var ze *zio.Error
	if errors.As(err, &ze) {
		return ze.Problem
	}
	return err.Error()
}

func abbrev(b []byte) string {
	if len(b) > 20 {
		return string(b[:20]) + "..."
	}
	return string(b)
}
