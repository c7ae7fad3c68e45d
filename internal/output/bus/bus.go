// Package bus reads and writes BUS files, the barcode-UMI-set records of
// single-cell pseudoalignment (Melsted, Ntranos & Pachter, "The barcode,
// UMI, set format and BUStools", Bioinformatics 2019), format version 1 as
// kallisto 0.48 writes it and bustools 0.42 reads it (bustools
// src/BUSData.h, BUSData.cpp):
//
//	offset 0   "BUS\x00"
//	offset 4   uint32 version = 1
//	offset 8   uint32 barcode length (bases)
//	offset 12  uint32 UMI length (bases)
//	offset 16  uint32 text length T
//	offset 20  T bytes of free text (no NUL)
//
// then 32-byte records, all integers little-endian:
//
//	0   uint64 barcode   2 bits per base, A=0 C=1 G=2 T=3, first base in
//	                     the highest used bits (only the low 2·length bits)
//	8   uint64 UMI       the same; all ones when there is no UMI
//	16  int32  ec        equivalence class (matrix.ec)
//	20  uint32 count
//	24  uint32 flags     kallisto: where the barcode (bits 0-7) and the UMI
//	                     (bits 8-15) held Ns: min(#N,3) | (first N & 31)<<2
//	28  uint32 pad
//
// Letters are coded from their ASCII bits as kallisto's stringToBinary
// does: lower case as upper case, N as G (the flags say where Ns were).
// Numeric order of codes of one length is lexicographic order of the
// strings (A<C<G<T), which is why sorted BUS files list barcodes
// alphabetically. A reader ignores a trailing partial record, as bustools
// does.
package bus

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gallisto/gallisto/internal/input/technology"
)

// Magic starts every BUS file of format version 1.
var Magic = [4]byte{'B', 'U', 'S', 0}

// Version is the format version this package reads and writes.
const Version = 1

// RecordSize is the size of a record in bytes.
const RecordSize = 32

// KallistoText is the header text kallisto writes.
const KallistoText = "BUS file produced by kallisto"

// NoUMI is the UMI of a record without one.
const NoUMI = ^uint64(0)

// Header is a BUS file's header.
type Header struct {
	BarcodeLen, UMILen uint32
	Text               string
}

// Record is one BUS record.
type Record struct {
	Barcode, UMI uint64
	EC           int32
	Count        uint32
	Flags        uint32
	Pad          uint32
}

// Encode packs the first 32 letters of s as BUS does, and returns kallisto's
// N flag byte: 0 without N, else min(#N, 3) | (position of the first N &
// 31) << 2.
func Encode(s []byte) (uint64, uint32) {
	var v uint64
	n, first := 0, 0
	if len(s) > 32 {
		s = s[:32]
	}
	for i, c := range s {
		if c&3 == 2 { // N or n (and only those among letters)
			if n == 0 {
				first = i
			}
			n++
		}
		v = v<<2 | technology.BaseCode(c)
	}
	if n == 0 {
		return v, 0
	}
	return v, uint32(min(n, 3)) | uint32(first&31)<<2
}

// Decode unpacks n bases.
func Decode(v uint64, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = "ACGT"[(v>>(2*uint(n-1-i)))&3]
	}
	return string(b)
}

// AppendHeader appends h's encoding to dst.
func AppendHeader(dst []byte, h Header) []byte {
	dst = append(dst, Magic[:]...)
	dst = binary.LittleEndian.AppendUint32(dst, Version)
	dst = binary.LittleEndian.AppendUint32(dst, h.BarcodeLen)
	dst = binary.LittleEndian.AppendUint32(dst, h.UMILen)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(h.Text)))
	return append(dst, h.Text...)
}

// AppendRecord appends r's 32 bytes to dst.
func AppendRecord(dst []byte, r Record) []byte {
	dst = binary.LittleEndian.AppendUint64(dst, r.Barcode)
	dst = binary.LittleEndian.AppendUint64(dst, r.UMI)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(r.EC))
	dst = binary.LittleEndian.AppendUint32(dst, r.Count)
	dst = binary.LittleEndian.AppendUint32(dst, r.Flags)
	return binary.LittleEndian.AppendUint32(dst, r.Pad)
}

// DecodeRecord reads a record from 32 bytes.
func DecodeRecord(b []byte) Record {
	return Record{
		Barcode: binary.LittleEndian.Uint64(b),
		UMI:     binary.LittleEndian.Uint64(b[8:]),
		EC:      int32(binary.LittleEndian.Uint32(b[16:])),
		Count:   binary.LittleEndian.Uint32(b[20:]),
		Flags:   binary.LittleEndian.Uint32(b[24:]),
		Pad:     binary.LittleEndian.Uint32(b[28:]),
	}
}

// maxText bounds the header text a reader accepts (kallisto's is 29 bytes).
const maxText = 1 << 20

// ErrFormat is wrapped by the errors of malformed BUS input.
var ErrFormat = errors.New("not a BUS file")

// Reader reads a BUS file.
type Reader struct {
	r      *bufio.Reader
	Header Header
	buf    [RecordSize]byte
	n      int64
}

// NewReader reads the header from r.
func NewReader(r io.Reader) (*Reader, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	var h [20]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrFormat, errUnexpected(err))
	}
	if string(h[:4]) != string(Magic[:]) {
		if string(h[:4]) == "BUS\x01" {
			return nil, fmt.Errorf("%w: a compressed BUS file (BUSZ): decompress it with bustools inflate first", ErrFormat)
		}
		return nil, fmt.Errorf("%w: the first bytes are %q, not %q", ErrFormat, h[:4], Magic[:])
	}
	if v := binary.LittleEndian.Uint32(h[4:]); v != Version {
		return nil, fmt.Errorf("%w: format version %d, this reads version %d", ErrFormat, v, Version)
	}
	rd := &Reader{r: br}
	rd.Header.BarcodeLen = binary.LittleEndian.Uint32(h[8:])
	rd.Header.UMILen = binary.LittleEndian.Uint32(h[12:])
	tl := binary.LittleEndian.Uint32(h[16:])
	if tl > maxText {
		return nil, fmt.Errorf("%w: header text of %d bytes", ErrFormat, tl)
	}
	if rd.Header.BarcodeLen > 32 || rd.Header.UMILen > 32 {
		return nil, fmt.Errorf("%w: barcode length %d, UMI length %d (at most 32 each)", ErrFormat, rd.Header.BarcodeLen, rd.Header.UMILen)
	}
	text := make([]byte, tl)
	if _, err := io.ReadFull(br, text); err != nil {
		return nil, fmt.Errorf("%w: header text: %v", ErrFormat, errUnexpected(err))
	}
	rd.Header.Text = string(text)
	return rd, nil
}

func errUnexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// Next returns the next record; io.EOF after the last (a trailing partial
// record is ignored, as bustools ignores it).
func (rd *Reader) Next() (Record, error) {
	n, err := io.ReadFull(rd.r, rd.buf[:])
	if err == io.ErrUnexpectedEOF && n < RecordSize {
		return Record{}, io.EOF
	}
	if err != nil {
		return Record{}, err
	}
	rd.n++
	return DecodeRecord(rd.buf[:]), nil
}

// Records returns how many records Next returned.
func (rd *Reader) Records() int64 { return rd.n }

// Text writes records as `bustools text` does: barcode, UMI, ec, count
// and, with flags, the flags column, tab-separated.
func Text(w io.Writer, h Header, recs []Record, flags bool) error {
	bw := bufio.NewWriter(w)
	for _, r := range recs {
		bw.WriteString(Decode(r.Barcode, int(h.BarcodeLen)))
		bw.WriteByte('\t')
		bw.WriteString(Decode(r.UMI, int(h.UMILen)))
		bw.WriteByte('\t')
		bw.WriteString(strconv.Itoa(int(r.EC)))
		bw.WriteByte('\t')
		bw.WriteString(strconv.FormatUint(uint64(r.Count), 10))
		if flags {
			bw.WriteByte('\t')
			bw.WriteString(strconv.FormatUint(uint64(r.Flags), 10))
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// WriteECs writes matrix.ec: one line per class, its number, a tab and
// its transcripts (0-based, ascending) joined by commas.
func WriteECs(w io.Writer, n int, members func(ec int) []uint32) error {
	bw := bufio.NewWriter(w)
	var line []byte
	for ec := 0; ec < n; ec++ {
		line = strconv.AppendInt(line[:0], int64(ec), 10)
		line = append(line, '\t')
		for i, t := range members(ec) {
			if i > 0 {
				line = append(line, ',')
			}
			line = strconv.AppendUint(line, uint64(t), 10)
		}
		line = append(line, '\n')
		bw.Write(line)
	}
	return bw.Flush()
}

// WriteNames writes names one a line: transcripts.txt (the target names),
// and the other name lists of kallisto's and kb-python's outputs
// (matrix.cells, cells_x_genes.barcodes.txt, ...).
func WriteNames(w io.Writer, names []string) error {
	bw := bufio.NewWriter(w)
	for _, n := range names {
		bw.WriteString(n)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// ReadECs reads a matrix.ec file: the transcript sets, in class order.
// Line numbers must equal the classes' numbers.
func ReadECs(r io.Reader, name string) ([][]uint32, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	var out [][]uint32
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimRight(sc.Text(), "\r")
		if s == "" {
			continue
		}
		id, rest, ok := strings.Cut(s, "\t")
		if !ok {
			return nil, fmt.Errorf("%s line %d: no tab between class and transcripts", name, line)
		}
		n, err := strconv.Atoi(id)
		if err != nil || n != len(out) {
			return nil, fmt.Errorf("%s line %d: class %q, want %d", name, line, id, len(out))
		}
		var set []uint32
		for _, f := range strings.Split(rest, ",") {
			t, err := strconv.ParseUint(f, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("%s line %d: transcript %q is not a number", name, line, f)
			}
			set = append(set, uint32(t))
		}
		out = append(out, set)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}
