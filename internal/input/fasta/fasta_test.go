package fasta

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"github.com/gallisto/gallisto/internal/input/ascii"
	"github.com/gallisto/gallisto/internal/input/zio"
	"github.com/gallisto/gallisto/internal/testref"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current reader")

// rec is a Record with strings, so that cmp prints readable diffs.
type rec struct {
	Name, Comment, Seq string
	Line               int
}

// readAll reads every record of input, stopping at the first error.
func readAll(input []byte, file string) ([]rec, error) {
	r := NewReader(bytes.NewReader(input), file)
	var out []rec
	for {
		x, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, rec{string(x.Name), string(x.Comment), string(x.Seq), x.Line})
	}
}

// longSeq is longer than the reader's 1 MiB bufio buffer (NewReader uses
// bufio.NewReaderSize(r, 1<<20)), so a line holding it forces the
// ErrBufferFull path of readLine. 3<<18 repeats of 4 bases are 3 MiB.
var longSeq = strings.Repeat("ACGT", 3<<18)

func TestReader(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []rec
		wantErr string // exact error text; "" means io.EOF after want
	}{
		{
			name:    "no header",
			in:      "ACGT\n>a\nAC\n",
			wantErr: "fasta: t.fa line 1: expected '>' at the start of a record, found 'A'",
		},
		{
			name:    "no header after blank lines",
			in:      "\n\r\nACGT\n",
			wantErr: "fasta: t.fa line 3: expected '>' at the start of a record, found 'A'",
		},
		{
			name:    "FASTQ given as FASTA",
			in:      "@r1\nACGT\n+\nIIII\n",
			wantErr: "fasta: t.fa line 1: expected '>' at the start of a record, found '@'",
		},
		{
			name:    "binary garbage",
			in:      "\x00\x01",
			wantErr: `fasta: t.fa line 1: expected '>' at the start of a record, found '\x00'`,
		},
		{
			name:    "header with no name",
			in:      ">\nACGT\n",
			wantErr: "fasta: t.fa line 1: record has an empty name",
		},
		{
			name:    "header with a comment but no name",
			in:      ">a\nAC\n> desc only\nACGT\n",
			want:    []rec{{"a", "", "AC", 1}},
			wantErr: "fasta: t.fa line 3: record has an empty name",
		},
		{
			name:    "empty sequence between records",
			in:      ">a\nAC\n>b\n>c\nGT\n",
			want:    []rec{{"a", "", "AC", 1}},
			wantErr: `fasta: t.fa line 3: record "b" has an empty sequence`,
		},
		{
			name:    "empty sequence at end of file",
			in:      ">a x\n",
			wantErr: `fasta: t.fa line 1: record "a" has an empty sequence`,
		},
		{
			name:    "sequence of blank lines only",
			in:      ">a\n\n\r\n>b\nA\n",
			wantErr: `fasta: t.fa line 1: record "a" has an empty sequence`,
		},
		{
			name:    "empty file",
			in:      "",
			wantErr: "fasta: t.fa: no FASTA records (the file is empty)",
		},
		{
			name:    "blank lines only",
			in:      "\n \t\n\r\n",
			wantErr: "fasta: t.fa: no FASTA records (the file is empty)",
		},
		{
			name: "CRLF line endings",
			in:   ">a desc\r\nACGT\r\nTT\r\n>b\r\nG\r\n",
			want: []rec{{"a", "desc", "ACGTTT", 1}, {"b", "", "G", 4}},
		},
		{
			name: "CRLF without final newline",
			in:   ">a\r\nAC\r\nGT\r",
			want: []rec{{"a", "", "ACGT", 1}},
		},
		{
			name: "lowercase and IUPAC letters are passed through",
			in:   ">a\nacgtNnRyU\n",
			want: []rec{{"a", "", "acgtNnRyU", 1}},
		},
		{
			name: "blank lines before, between and after records",
			in:   "\n\n>a\nAC\n\nGT\n\n>b\nT\n\n\n",
			want: []rec{{"a", "", "ACGT", 3}, {"b", "", "T", 8}},
		},
		{
			name: "white space line before the first header",
			in:   " \t\n>a\nA\n",
			want: []rec{{"a", "", "A", 2}},
		},
		{
			name: "long single-line sequence",
			in:   ">chr1 whole\n" + longSeq + "\n>b\nA\n",
			want: []rec{{"chr1", "whole", longSeq, 1}, {"b", "", "A", 3}},
		},
		{
			name: "long single-line sequence with CRLF and no final newline",
			in:   ">chr1\r\n" + longSeq + "\r",
			want: []rec{{"chr1", "", longSeq, 1}},
		},
		{
			name: "long header",
			in:   ">" + longSeq[:1<<20+7] + " c\nA\n",
			want: []rec{{longSeq[:1<<20+7], "c", "A", 1}},
		},
		{
			name: "comment after a tab",
			in:   ">ENST01.1\tgene=X len=5\nAC\n",
			want: []rec{{"ENST01.1", "gene=X len=5", "AC", 1}},
		},
		{
			name: "comment after spaces is trimmed",
			in:   ">a   two words \t\nAC\n",
			want: []rec{{"a", "two words", "AC", 1}},
		},
		{
			name: "comment after a tab then a space",
			in:   ">a\t x\nAC\n",
			want: []rec{{"a", "x", "AC", 1}},
		},
		{
			// kseq splits the name at isspace(), which includes \v, \f
			// and \r (htslib kseq.h KS_SEP_SPACE).
			name: "name ends at vertical tab, form feed and carriage return",
			in:   ">a\vb\nA\n>c\fd\nA\n>e\rf\nA\n",
			want: []rec{{"a", "b", "A", 1}, {"c", "d", "A", 3}, {"e", "f", "A", 5}},
		},
		{
			name: "missing final newline",
			in:   ">a\nAC\nGT",
			want: []rec{{"a", "", "ACGT", 1}},
		},
		{
			name: "multiple multi-line records",
			in:   ">t1 first\nAAAA\nCC\n>t2\nG\nG\nG\n>t3 third one\nTTTT\n",
			want: []rec{
				{"t1", "first", "AAAACC", 1},
				{"t2", "", "GGG", 4},
				{"t3", "third one", "TTTT", 8},
			},
		},
		{
			name: "'>' alone on a line ends the sequence",
			in:   ">a\nAC\n>\nGT\n",
			want: []rec{{"a", "", "AC", 1}},
			// The '>' line is the header of a record without a name.
			wantErr: "fasta: t.fa line 3: record has an empty name",
		},
		{
			// kallisto would index these bytes as pseudorandom bases.
			name:    "carriage return inside a sequence line",
			in:      ">a\nA\rC\nGT\n",
			wantErr: `fasta: t.fa line 2: byte '\r' at column 2 cannot be in a sequence line (only printable ASCII '!' to '~')`,
		},
		{
			name:    "space in a sequence line",
			in:      ">a\nAC\nG T\n",
			wantErr: `fasta: t.fa line 3: byte ' ' at column 2 cannot be in a sequence line (only printable ASCII '!' to '~')`,
		},
		{
			name:    "binary data",
			in:      "\x1f\x8b\x08\x00\n",
			wantErr: `fasta: t.fa line 1: expected '>' at the start of a record, found '\x1f'`,
		},
		{
			name:    "NUL in a header",
			in:      ">a\x00b\nAC\n",
			wantErr: `fasta: t.fa line 1: byte '\x00' at column 3 cannot be in a header line (binary data?)`,
		},
		{
			name:    "a megabyte of binary data after a record",
			in:      ">a\nAC\n" + strings.Repeat("\x00\x01", 1<<20),
			wantErr: `fasta: t.fa line 3: binary data (byte '\x00' at column 1): not a FASTA file`,
		},
		{
			name: "byte-order mark",
			in:   "\xef\xbb\xbf>a\nAC\n",
			want: []rec{{"a", "", "AC", 1}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAll([]byte(tc.in), "t.fa")
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("records (-want +got):\n%s", abbrevDiff(diff))
			}
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if gotErr != tc.wantErr {
				t.Errorf("error:\n got %q\nwant %q", gotErr, tc.wantErr)
			}
		})
	}
}

// abbrevDiff keeps a diff involving the 3 MiB sequence readable.
func abbrevDiff(s string) string {
	const max = 4000
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}

func TestEmptyWrapsErrEmptyFile(t *testing.T) {
	for _, in := range []string{"", "\n\n", " \r\n"} {
		_, err := NewReader(strings.NewReader(in), "e.fa").Next()
		if !errors.Is(err, ErrEmptyFile) {
			t.Errorf("Next on %q: got %v, want an error wrapping ErrEmptyFile", in, err)
		}
	}
}

func TestEOFIsSticky(t *testing.T) {
	r := NewReader(strings.NewReader(">a\nA\n"), "t.fa")
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := r.Next(); err != io.EOF {
			t.Fatalf("call %d after the last record: got %v, want io.EOF", i+1, err)
		}
	}
}

type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestReadErrorIsPassedOn(t *testing.T) {
	boom := &zio.Error{File: "tx.fa.gz", Problem: "gzip: truncated or corrupt stream (unexpected end of file)", Err: io.ErrUnexpectedEOF}
	r := NewReader(&failingReader{data: []byte(">a\nACGT\nAC"), err: boom}, "tx.fa.gz")
	_, err := r.Next()
	if !errors.Is(err, boom) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("got %v, want an error wrapping %v", err, boom)
	}
	// One line: the file once, the line being read, the problem.
	if want := "fasta: tx.fa.gz line 3: gzip: truncated or corrupt stream (unexpected end of file)"; err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
	r = NewReader(&failingReader{data: []byte(">a\n"), err: errors.New("input/output error")}, "tx.fa")
	if _, err := r.Next(); err == nil || err.Error() != "fasta: tx.fa line 2: input/output error" {
		t.Errorf("got %v, want %q", err, "fasta: tx.fa line 2: input/output error")
	}
}

// TestSlicesValidUntilNext checks that a record survives reading ahead:
// the next header is read while collecting the sequence.
func TestSlicesValidUntilNext(t *testing.T) {
	r := NewReader(strings.NewReader(">a x\nAC\n>b y\nGT\n"), "t.fa")
	a, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%s|%s|%s", a.Name, a.Comment, a.Seq); got != "a|x|AC" {
		t.Errorf("first record = %s, want a|x|AC", got)
	}
}

// TestGolden reads every testdata/*.fa file and compares a dump of its
// records (and final error) with testdata/NAME.fa.golden.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.fa"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/*.fa files (%v)", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			recs, err := readAll(data, filepath.Base(path))
			var b strings.Builder
			for _, r := range recs {
				fmt.Fprintf(&b, "line %d\tname %q\tcomment %q\tseq %q\n", r.Line, r.Name, r.Comment, r.Seq)
			}
			if err != nil {
				fmt.Fprintf(&b, "error: %v\n", err)
			} else {
				b.WriteString("EOF\n")
			}
			testref.Golden(t, path+".golden", b.String(), *update)
		})
	}
}

// isSpace is C's isspace() in the "C" locale, which kseq uses to end the
// name.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// refParse is a deliberately simple second reading of the format, written
// from the package documentation: split into lines, drop one trailing '\r'
// per line, skip blank lines before a header, join the lines up to the next
// line starting with '>'.
func refParse(data []byte, file string) ([]rec, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	lines := bytes.Split(data, []byte("\n"))
	if len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1] // the input ended with a newline
	}
	for i, l := range lines {
		lines[i] = bytes.TrimSuffix(l, []byte("\r"))
	}
	var out []rec
	i := 0
	for {
		for i < len(lines) && len(bytes.TrimSpace(lines[i])) == 0 {
			i++
		}
		if i == len(lines) {
			if len(out) == 0 {
				return nil, fmt.Errorf("fasta: %s: %w (the file is empty)", file, ErrEmptyFile)
			}
			return out, nil
		}
		if lines[i][0] != '>' {
			return out, fmt.Errorf("fasta: %s line %d: expected '>' at the start of a record, found %s", file, i+1, ascii.Quote(lines[i][0]))
		}
		if err := refControl(lines[i], i+1, file); err != nil {
			return out, err
		}
		hdr, hdrLine := lines[i][1:], i+1
		var seq []byte
		for i++; i < len(lines) && !bytes.HasPrefix(lines[i], []byte(">")); i++ {
			for j, c := range lines[i] {
				if c < '!' || c > '~' {
					return out, fmt.Errorf("fasta: %s line %d: byte %s at column %d cannot be in a sequence line (only printable ASCII '!' to '~')", file, i+1, ascii.Quote(c), j+1)
				}
			}
			seq = append(seq, lines[i]...)
		}
		if i < len(lines) {
			if err := refControl(lines[i], i+1, file); err != nil {
				return out, err // the next header is checked when read
			}
		}
		name, comment := hdr, []byte(nil)
		for j, c := range hdr {
			if isSpace(c) {
				name, comment = hdr[:j], bytes.TrimSpace(hdr[j+1:])
				break
			}
		}
		if len(name) == 0 {
			return out, fmt.Errorf("fasta: %s line %d: record has an empty name", file, hdrLine)
		}
		if len(seq) == 0 {
			return out, fmt.Errorf("fasta: %s line %d: record %q has an empty sequence", file, hdrLine, name)
		}
		out = append(out, rec{string(name), string(comment), string(seq), hdrLine})
	}
}

// refControl refuses a header line holding a control byte that is not
// white space.
func refControl(l []byte, line int, file string) error {
	for j, c := range l {
		if (c < ' ' && (c < '\t' || c > '\r')) || c == 0x7f {
			return fmt.Errorf("fasta: %s line %d: byte %s at column %d cannot be in a header line (binary data?)", file, line, ascii.Quote(c), j+1)
		}
	}
	return nil
}

// loneCR reports whether data holds a '\r' that is not a line ending
// (followed by '\n' or at the very end).
func loneCR(data []byte) bool {
	for i, c := range data {
		if c == '\r' && i+1 < len(data) && data[i+1] != '\n' {
			return true
		}
	}
	return false
}

func FuzzReader(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.fa"))
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{"", ">", ">\n", ">a", ">a\nA", "\r\n>a\r\nA\r", ">a\rb\nA\n>\n", " \n>a\n\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := readAll(data, "fuzz.fa")
		if err != nil && !strings.HasPrefix(err.Error(), "fasta: ") {
			t.Fatalf("error %q does not start with \"fasta: \"", err)
		}
		want, wantErr := refParse(data, "fuzz.fa")
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("records differ from the reference parser (-ref +reader):\n%s", diff)
		}
		if fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Errorf("error %v, reference parser says %v", err, wantErr)
		}
		for _, r := range got {
			if r.Name == "" || strings.IndexFunc(r.Name, func(c rune) bool { return c < 0x80 && isSpace(byte(c)) }) >= 0 {
				t.Errorf("record at line %d: name %q is empty or holds white space", r.Line, r.Name)
			}
			if r.Comment != strings.TrimSpace(r.Comment) {
				t.Errorf("record at line %d: comment %q is not trimmed", r.Line, r.Comment)
			}
			if r.Seq == "" || strings.Contains(r.Seq, "\n") {
				t.Errorf("record at line %d: sequence %q is empty or holds a newline", r.Line, r.Seq)
			}
			if strings.Contains(r.Seq, "\r") && !loneCR(data) {
				t.Errorf("record at line %d: sequence %q holds a line-ending '\\r'", r.Line, r.Seq)
			}
		}
	})
}

// BenchmarkReader reads a generated transcriptome-like FASTA file: 20,000
// records of 1,500 bases (a typical human transcript length) in 60-column
// lines, as Ensembl's cDNA files are laid out.
func BenchmarkReader(b *testing.B) {
	var buf bytes.Buffer
	line := strings.Repeat("ACGTTGCA", 60/8) + "ACGT" // 60 bases
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&buf, ">ENST%011d.1 cdna chromosome:GRCh38\n", i)
		for j := 0; j < 1500/60; j++ {
			buf.WriteString(line)
			buf.WriteByte('\n')
		}
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r := NewReader(bytes.NewReader(data), "bench.fa")
		n := 0
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 20000 {
			b.Fatalf("read %d records, want 20000", n)
		}
	}
}
