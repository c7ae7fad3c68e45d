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

	"github.com/gallisto/gallisto/internal/input/zio"
)

// Reader reads records from one stream. It is not safe for concurrent use.
type Reader struct {
	br     *bufio.Reader
	file   string
	line   int64 // lines consumed
	nrec   int64 // records returned
	fasta  bool  // the input holds FASTA reads
	sniffd bool
	long   []byte // assembly buffer for lines longer than the bufio buffer
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

type span struct{ start, end int32 }

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
		r.fasta = c[0] == '>'
		return nil
	}
}

// readLine returns the next line without its line ending, valid until the
// next call. It returns io.EOF only when no byte is left.
func (r *Reader) readLine() ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		r.long = append(r.long[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = r.br.ReadSlice('\n')
			r.long = append(r.long, line...)
		}
		line = r.long
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
	b.addName(hdr[1:], hline)
	seq, err := r.readLine()
	if err == io.EOF {
		return r.errorf(hline, "record truncated: missing sequence line")
	} else if err != nil {
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
	return nil
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
	b.addName(hdr[1:], hline)
	start := int32(len(b.buf))
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
		b.buf = append(b.buf, line...)
	}
	b.seq = append(b.seq, span{start, int32(len(b.buf))})
	return nil
}

func (b *Batch) addName(h []byte, line int64) {
	// White space is C's isspace(), where kseq ends the name.
	if i := bytes.IndexAny(h, " \t\v\f\r"); i >= 0 {
		h = h[:i]
	}
	start := int32(len(b.buf))
	b.buf = append(b.buf, h...)
	b.name = append(b.name, span{start, int32(len(b.buf))})
	b.lines = append(b.lines, line)
}

func (b *Batch) addSeq(s []byte) {
	start := int32(len(b.buf))
	b.buf = append(b.buf, s...)
	b.seq = append(b.seq, span{start, int32(len(b.buf))})
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
