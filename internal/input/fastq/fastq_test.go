package fastq

import (
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gallisto/gallisto/internal/input/ascii"
	"github.com/gallisto/gallisto/internal/input/zio"
	"github.com/gallisto/gallisto/internal/testref"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current reader")

// rec is one record as a test sees it.
type rec struct {
	Name, Seq string
	Line      int64
}

// readAll reads input in batches of n records. It returns the records of
// the batches read without error and the first error other than io.EOF. It
// also checks the batch bookkeeping (First, Line, Len, Bytes) as it goes.
func readAll(t testing.TB, input []byte, file string, n int) ([]rec, error) {
	t.Helper()
	r := NewReader(bytes.NewReader(input), file)
	var b Batch
	var out []rec
	for {
		err := r.Read(&b, n)
		if err == io.EOF {
			if b.Len() != 0 {
				t.Errorf("io.EOF with %d records in the batch", b.Len())
			}
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if b.First != int64(len(out)) {
			t.Errorf("batch First = %d, want %d (records before it)", b.First, len(out))
		}
		if b.Len() < 1 || b.Len() > n {
			t.Errorf("batch of %d records, want 1..%d", b.Len(), n)
		}
		size := 0
		for i := 0; i < b.Len(); i++ {
			out = append(out, rec{string(b.Name(i)), string(b.Seq(i)), b.Line(i)})
			size += len(b.Name(i)) + len(b.Seq(i))
		}
		if b.Bytes() != size {
			t.Errorf("Bytes() = %d, want %d (names plus sequences)", b.Bytes(), size)
		}
		if r.Records() != int64(len(out)) {
			t.Errorf("Records() = %d, want %d", r.Records(), len(out))
		}
	}
}

// long is longer than the reader's 1 MiB bufio buffer (NewReader uses
// bufio.NewReaderSize(r, 1<<20)): 3<<18 repeats of 4 bytes are 3 MiB.
var (
	longSeq  = strings.Repeat("ACGT", 3<<18)
	longQual = strings.Repeat("IIII", 3<<18)
)

// read100 is a 100-base read, the usual Illumina length, and qual99 a
// quality line one short of it.
var (
	read100 = strings.Repeat("ACGTTGCAAC", 10)
	qual100 = strings.Repeat("I", 100)
	qual99  = strings.Repeat("I", 99)
)

func TestReader(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []rec
		wantErr string // exact error text; "" means io.EOF after want
	}{
		{
			name: "one record",
			in:   "@r1\nACGT\n+\nIIII\n",
			want: []rec{{"r1", "ACGT", 1}},
		},
		{
			name:    "missing '+' line",
			in:      "@r1\nACGT\nIIII\n@r2\nACGT\n+\nIIII\n",
			wantErr: `fastq: t.fq line 3: expected '+' line after the sequence, found "IIII" (multi-line FASTQ is not supported)`,
		},
		{
			name:    "multi-line FASTQ",
			in:      "@r1\nACGTACGTACGTACGTACGTACGT\nACGT\n+\nIIII\n",
			wantErr: `fastq: t.fq line 3: expected '+' line after the sequence, found "ACGT" (multi-line FASTQ is not supported)`,
		},
		{
			name:    "long non-'+' line is abbreviated to 20 bytes",
			in:      "@r1\nA\n" + read100 + "\n",
			wantErr: `fastq: t.fq line 3: expected '+' line after the sequence, found "ACGTTGCAACACGTTGCAAC..." (multi-line FASTQ is not supported)`,
		},
		{
			name:    "empty line instead of '+'",
			in:      "@r1\nACGT\n\nIIII\n",
			wantErr: `fastq: t.fq line 3: expected '+' line after the sequence, found "" (multi-line FASTQ is not supported)`,
		},
		{
			name:    "missing quality line",
			in:      "@r1\nACGT\n+\n",
			wantErr: "fastq: t.fq line 1: record truncated: missing quality line",
		},
		{
			name:    "truncated last record: no '+' line",
			in:      "@r1\nACGT\n+\nIIII\n@r2\nACGT\n",
			want:    nil, // the error comes in the first batch, which is dropped
			wantErr: "fastq: t.fq line 5: record truncated: missing '+' line",
		},
		{
			name:    "truncated last record: header only",
			in:      "@r1\nACGT\n+\nIIII\n@r2",
			wantErr: "fastq: t.fq line 5: record truncated: missing sequence line",
		},
		{
			name:    "truncated last record: quality cut short",
			in:      "@r1\nACGT\n+\nIIII\n@r2\nACGT\n+\nII",
			wantErr: "fastq: t.fq line 8: sequence and quality lengths differ (4 != 2)",
		},
		{
			name:    "quality one shorter than the sequence",
			in:      "@r1\n" + read100 + "\n+\n" + qual99 + "\n",
			wantErr: "fastq: t.fq line 4: sequence and quality lengths differ (100 != 99)",
		},
		{
			name:    "quality longer than the sequence",
			in:      "@r1\nAC\n+\nIII\n",
			wantErr: "fastq: t.fq line 4: sequence and quality lengths differ (2 != 3)",
		},
		{
			name:    "header without '@'",
			in:      "r1\nACGT\n+\nIIII\n",
			wantErr: "fastq: t.fq line 1: expected '@' at the start of a record, found 'r'",
		},
		{
			name:    "white space line at end of file is not blank",
			in:      "@r1\nA\n+\nI\n \n",
			wantErr: "fastq: t.fq line 5: expected '@' at the start of a record, found ' '",
		},
		{
			name: "CRLF line endings",
			in:   "@r1 c\r\nACGT\r\n+\r\nIIII\r\n@r2\r\nGG\r\n+\r\nII\r\n",
			want: []rec{{"r1", "ACGT", 1}, {"r2", "GG", 5}},
		},
		{
			name: "CRLF without final newline",
			in:   "@r1\r\nACGT\r\n+\r\nIIII",
			want: []rec{{"r1", "ACGT", 1}},
		},
		{
			name: "blank lines at end of file",
			in:   "@r1\nACGT\n+\nIIII\n\n\r\n\n",
			want: []rec{{"r1", "ACGT", 1}},
		},
		{
			name: "blank lines at start of file",
			in:   "\n\r\n@r1\nACGT\n+\nIIII\n",
			want: []rec{{"r1", "ACGT", 3}},
		},
		{
			name:    "blank line between records",
			in:      "@r1\nACGT\n+\nIIII\n\n@r2\nACGT\n+\nIIII\n",
			wantErr: "fastq: t.fq line 5: unexpected blank line between records",
		},
		{
			name:    "several blank lines between records name the last one",
			in:      "@r1\nACGT\n+\nIIII\n\n\r\n\n@r2\nACGT\n+\nIIII\n",
			wantErr: "fastq: t.fq line 7: unexpected blank line between records",
		},
		{
			name: "FASTA reads, multi-line, with blank lines",
			in:   ">r1 sample=A\nACGT\nTT\n\n>r2\nG\n>r3\r\nC\r\nC",
			want: []rec{{"r1", "ACGTTT", 1}, {"r2", "G", 5}, {"r3", "CC", 7}},
		},
		{
			// The FASTA path has no empty-sequence check: an empty read
			// pseudoaligns nowhere, as in kallisto.
			name: "FASTA read with no sequence",
			in:   ">r1\n>r2\nAC\n",
			want: []rec{{"r1", "", 1}, {"r2", "AC", 2}},
		},
		{
			name: "FASTA after blank lines",
			in:   "\n\n>r1\nAC\n",
			want: []rec{{"r1", "AC", 3}},
		},
		{
			name:    "empty file",
			in:      "",
			wantErr: "fastq: t.fq: file holds no reads",
		},
		{
			name:    "blank lines only",
			in:      "\n\r\n\n",
			wantErr: "fastq: t.fq: file holds no reads",
		},
		{
			name: "names with /1 and comments",
			in: "@SRR001.1/1 length=4\nACGT\n+SRR001.1/1 length=4\nIIII\n" +
				"@SRR001.2/2\tBC:Z:AAAA\nACGT\n+\nIIII\n" +
				"@a\vb\nA\n+\nI\n@c\fd\nA\n+\nI\n@e\rf\nA\n+\nI\n",
			want: []rec{
				{"SRR001.1/1", "ACGT", 1},
				{"SRR001.2/2", "ACGT", 5},
				// kseq ends names at isspace(): \v, \f and \r too.
				{"a", "A", 9}, {"c", "A", 13}, {"e", "A", 17},
			},
		},
		{
			name: "empty name is accepted",
			in:   "@\nA\n+\nI\n",
			want: []rec{{"", "A", 1}},
		},
		{
			name: "empty read is accepted",
			in:   "@r1\n\n+\n\n@r2\nA\n+\nI\n",
			want: []rec{{"r1", "", 1}, {"r2", "A", 5}},
		},
		{
			name: "lines longer than the buffer",
			in:   "@long\n" + longSeq + "\n+\n" + longQual + "\n@r2\nA\n+\nI\n",
			want: []rec{{"long", longSeq, 1}, {"r2", "A", 5}},
		},
		{
			name:    "long lines of different lengths",
			in:      "@long\n" + longSeq + "\n+\n" + longQual[1:] + "\n",
			wantErr: fmt.Sprintf("fastq: t.fq line 4: sequence and quality lengths differ (%d != %d)", len(longSeq), len(longSeq)-1),
		},
		{
			name: "long FASTA read",
			in:   ">long\n" + longSeq + "\n" + longSeq + "\n",
			want: []rec{{"long", longSeq + longSeq, 1}},
		},
		// Bytes a sequence or quality line cannot hold.
		{
			name:    "space in a sequence",
			in:      "@r1\nACGT\n+\nIIII\n@r2\nAC GT\n+\nIIIII\n",
			wantErr: "fastq: t.fq line 6: byte ' ' at column 3 cannot be in a sequence line (only printable ASCII '!' to '~')",
		},
		{
			name:    "tab in a quality line",
			in:      "@r1\nACGT\n+\nII\tI\n",
			wantErr: `fastq: t.fq line 4: byte '\t' at column 3 cannot be in a quality line (only printable ASCII '!' to '~')`,
		},
		{
			name:    "quality byte above '~'",
			in:      "@r1\nACGT\n+\nIII\x7f\n",
			wantErr: `fastq: t.fq line 4: byte '\x7f' at column 4 cannot be in a quality line (only printable ASCII '!' to '~')`,
		},
		{
			name:    "UTF-8 in a sequence",
			in:      "@r1\nACGé\n+\nIIIII\n",
			wantErr: `fastq: t.fq line 2: byte '\xc3' at column 4 cannot be in a sequence line (only printable ASCII '!' to '~')`,
		},
		{
			name:    "control byte in a FASTA read",
			in:      ">r1\nACGT\nAC\x01T\n",
			wantErr: `fastq: t.fq line 3: byte '\x01' at column 3 cannot be in a sequence line (only printable ASCII '!' to '~')`,
		},
		{
			name:    "a NUL stream is refused at its first byte",
			in:      strings.Repeat("\x00", 3<<20),
			wantErr: `fastq: t.fq line 1: expected '@' at the start of a record, found '\x00'`,
		},
		{
			name:    "binary data after a record, no line break",
			in:      "@r1\nACGT\n+\nIIII\n@r2\n" + strings.Repeat("A\x00", 2<<20),
			wantErr: `fastq: t.fq line 6: binary data (byte '\x00' at column 2): not a FASTQ or FASTA file`,
		},
		{
			name: "byte-order mark before the first record",
			in:   "\xef\xbb\xbf@r1\nACGT\n+\nIIII\n",
			want: []rec{{"r1", "ACGT", 1}},
		},
		{
			name: "header with spaces, tabs and UTF-8",
			in:   "@r1 sample=é\tx\nACGT\n+\nIIII\n",
			want: []rec{{"r1", "ACGT", 1}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Batches of 2 records, so that an error in the first batch
			// drops the records before it.
			got, err := readAll(t, []byte(tc.in), "t.fq", 2)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				if len(diff) > 4000 {
					diff = diff[:4000] + "..."
				}
				t.Errorf("records (-want +got):\n%s", diff)
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

func TestEmptyWrapsErrEmpty(t *testing.T) {
	for _, in := range []string{"", "\n", "\r\n\r\n"} {
		err := NewReader(strings.NewReader(in), "e.fq").Read(new(Batch), 10)
		if !errors.Is(err, ErrEmpty) {
			t.Errorf("Read on %q: got %v, want an error wrapping ErrEmpty", in, err)
		}
	}
}

// TestBatches reads 10 records in batches of n and checks how they are
// split and numbered.
func TestBatches(t *testing.T) {
	var in strings.Builder
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&in, "@r%d desc\nACGT%d\n+\nIIIII\n", i, i)
	}
	// Batches of 1; 3, which splits 10 unevenly (3+3+3+1); exactly 10; and
	// 11, more than the file holds.
	for _, n := range []int{1, 3, 10, 11} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			r := NewReader(strings.NewReader(in.String()), "t.fq")
			var b Batch
			var sizes []int
			for {
				err := r.Read(&b, n)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				sizes = append(sizes, b.Len())
				for i := 0; i < b.Len(); i++ {
					k := b.First + int64(i) // record number in the file
					if got, want := string(b.Name(i)), fmt.Sprintf("r%d", k); got != want {
						t.Errorf("record %d: name %q, want %q", k, got, want)
					}
					if got, want := string(b.Seq(i)), fmt.Sprintf("ACGT%d", k); got != want {
						t.Errorf("record %d: seq %q, want %q", k, got, want)
					}
					// Four lines per record: record k's header is line 4k+1.
					if got, want := b.Line(i), 4*k+1; got != want {
						t.Errorf("record %d: line %d, want %d", k, got, want)
					}
				}
			}
			var want []int
			for left := 10; left > 0; left -= n {
				want = append(want, min(n, left))
			}
			if diff := cmp.Diff(want, sizes); diff != "" {
				t.Errorf("batch sizes (-want +got):\n%s", diff)
			}
			if r.Records() != 10 {
				t.Errorf("Records() = %d, want 10", r.Records())
			}
			// io.EOF again on further calls, and an empty batch.
			if err := r.Read(&b, n); err != io.EOF || b.Len() != 0 {
				t.Errorf("Read after the end: %v with %d records, want io.EOF and none", err, b.Len())
			}
		})
	}
}

func TestFile(t *testing.T) {
	if got := NewReader(strings.NewReader(""), "R1.fq.gz").File(); got != "R1.fq.gz" {
		t.Errorf("File() = %q, want R1.fq.gz", got)
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
	// What zio returns for a damaged gzip file: the file and the problem.
	boom := &zio.Error{File: "R1.fq.gz", Problem: "gzip: corrupt data (CRC-32 checksum mismatch)", Err: errors.New("gzip: invalid checksum")}
	for _, tc := range []struct {
		in   string
		line int
	}{
		{"", 1},
		{"@r1\nACGT\n+\nIIII\n@r2\nAC", 6},
		{">r1\nACGT\nAC", 3},
	} {
		r := NewReader(&failingReader{data: []byte(tc.in), err: boom}, "R1.fq.gz")
		err := r.Read(new(Batch), 10)
		if !errors.Is(err, boom) {
			t.Fatalf("input %q: got %v, want an error wrapping %v", tc.in, err, boom)
		}
		// One line: the file once, the line being read, the problem.
		if want := fmt.Sprintf("fastq: R1.fq.gz line %d: gzip: corrupt data (CRC-32 checksum mismatch)", tc.line); err.Error() != want {
			t.Errorf("input %q: got %q, want %q", tc.in, err, want)
		}
	}
	// Errors of other readers are passed on with their own text.
	r := NewReader(&failingReader{data: []byte("@r1\n"), err: errors.New("input/output error")}, "R1.fq")
	if err := r.Read(new(Batch), 10); err == nil || err.Error() != "fastq: R1.fq line 2: input/output error" {
		t.Errorf("got %v, want %q", err, "fastq: R1.fq line 2: input/output error")
	}
}

// TestTruncatedGzipNamesTheLine reads a real gzip file cut short through
// zio: the error names the file once, the line where the data ended and
// the gzip problem.
func TestTruncatedGzipNamesTheLine(t *testing.T) {
	var text strings.Builder
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&text, "@r%d\n%s\n+\n%s\n", i, read100, qual100)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(text.String()))
	zw.Close()
	full := buf.Bytes()
	for _, cut := range []int{len(full) / 3, len(full) - 8, len(full) - 1} {
		z, err := zio.NewReader("R1.fq.gz", bytes.NewReader(full[:cut]))
		if err != nil {
			t.Fatal(err)
		}
		r := NewReader(z, "R1.fq.gz")
		var b Batch
		for err = nil; err == nil; err = r.Read(&b, 1000) {
		}
		var ie *InputError
		if !errors.As(err, &ie) {
			t.Fatalf("cut at %d: got %v, want an *InputError", cut, err)
		}
		want := fmt.Sprintf("fastq: R1.fq.gz line %d: gzip: truncated or corrupt stream (unexpected end of file)", ie.Line)
		if err.Error() != want || ie.Line < 1 || ie.Line > 20001 {
			t.Errorf("cut at %d: got %q", cut, err)
		}
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("cut at %d: error does not wrap io.ErrUnexpectedEOF", cut)
		}
	}
}

func TestReadPairs(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		n       int
		want    [][2]string // names of mates, pair by pair
		wantErr string
	}{
		{name: "two pairs", in: "@a/1\nAC\n+\nII\n@a/2\nGT\n+\nII\n@b/1\nAC\n+\nII\n@b/2\nGT\n+\nII\n", n: 1, want: [][2]string{{"a/1", "a/2"}, {"b/1", "b/2"}}},
		{name: "batch of two", in: "@a/1\nAC\n+\nII\n@a/2\nGT\n+\nII\n@b/1\nAC\n+\nII\n@b/2\nGT\n+\nII\n", n: 2, want: [][2]string{{"a/1", "a/2"}, {"b/1", "b/2"}}},
		{name: "FASTA", in: ">a\nAC\n>a\nGT\n", n: 4, want: [][2]string{{"a", "a"}}},
		{name: "odd number of records", in: "@a/1\nAC\n+\nII\n@a/2\nGT\n+\nII\n@b/1\nAC\n+\nII\n", n: 4,
			wantErr: "fastq: il.fq line 9: interleaved input ends with an unpaired read (record 3 has no mate)"},
		{name: "one record", in: "@a\nAC\n+\nII\n", n: 4,
			wantErr: "fastq: il.fq line 1: interleaved input ends with an unpaired read (record 1 has no mate)"},
		{name: "empty", in: "", n: 4, wantErr: "fastq: il.fq: file holds no reads"},
		{name: "bad second mate", in: "@a\nAC\n+\nII\n@a\nGT\n+\nI\n", n: 4,
			wantErr: "fastq: il.fq line 8: sequence and quality lengths differ (2 != 1)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tc.in), "il.fq")
			var b1, b2 Batch
			var got [][2]string
			var err error
			for {
				err = r.ReadPairs(&b1, &b2, tc.n)
				if err != nil {
					break
				}
				if b1.Len() != b2.Len() || b1.First != int64(len(got)) || b2.First != b1.First {
					t.Fatalf("batches of %d and %d pairs, First %d and %d, after %d pairs", b1.Len(), b2.Len(), b1.First, b2.First, len(got))
				}
				for i := 0; i < b1.Len(); i++ {
					got = append(got, [2]string{string(b1.Name(i)), string(b2.Name(i))})
				}
			}
			if err == io.EOF {
				err = nil
			}
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if gotErr != tc.wantErr {
				t.Errorf("error %q, want %q", gotErr, tc.wantErr)
			}
			if tc.wantErr == "" {
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("pairs differ (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// TestGolden reads every testdata file (FASTQ and FASTA reads) in batches
// of 2 and compares a dump of the records and final error with
// testdata/NAME.golden.
func TestGolden(t *testing.T) {
	files := testdataInputs(t)
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			recs, err := readAll(t, data, filepath.Base(path), 2)
			var b strings.Builder
			for _, r := range recs {
				fmt.Fprintf(&b, "line %d\tname %q\tseq %q\n", r.Line, r.Name, r.Seq)
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

func testdataInputs(t testing.TB) []string {
	fq, err1 := filepath.Glob(filepath.Join("testdata", "*.fq"))
	fa, err2 := filepath.Glob(filepath.Join("testdata", "*.fa"))
	files := append(fq, fa...)
	if err1 != nil || err2 != nil || len(files) == 0 {
		t.Fatalf("no testdata/*.fq or *.fa files (%v, %v)", err1, err2)
	}
	return files
}

// isSpace is C's isspace() in the "C" locale.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func refName(h []byte) string {
	for i, c := range h {
		if isSpace(c) {
			return string(h[:i])
		}
	}
	return string(h)
}

// refParse is a second, line-splitting reading of the format written from
// the package documentation, independent of the bufio-based reader.
func refParse(data []byte, file string) ([]rec, error) {
	errorf := func(line int, format string, args ...any) error {
		return fmt.Errorf("fastq: %s line %d: %s", file, line, fmt.Sprintf(format, args...))
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a byte-order mark
	// Leading line breaks are skipped before the format is decided.
	skipped := 0
	for len(data) > 0 && (data[0] == '\n' || data[0] == '\r') {
		if data[0] == '\n' {
			skipped++
		}
		data = data[1:]
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("fastq: %s: %w", file, ErrEmpty)
	}
	lines := bytes.Split(data, []byte("\n"))
	if len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	for i, l := range lines {
		lines[i] = bytes.TrimSuffix(l, []byte("\r"))
	}
	lineNo := func(i int) int { return skipped + i + 1 }
	var out []rec
	add := func(i int, name string, seq []byte) {
		out = append(out, rec{name, string(seq), int64(lineNo(i))})
	}
	if data[0] == '>' {
		for i := 0; i < len(lines); {
			if len(bytes.TrimSpace(lines[i])) == 0 {
				i++
				continue
			}
			h := i
			var seq []byte
			for i++; i < len(lines) && !bytes.HasPrefix(lines[i], []byte(">")); i++ {
				if err := refCheck(lines[i], lineNo(i), "sequence", errorf); err != nil {
					return out, err
				}
				seq = append(seq, lines[i]...)
			}
			add(h, refName(lines[h][1:]), seq)
		}
	} else {
	records:
		for i := 0; i < len(lines); i += 4 {
			if len(lines[i]) == 0 {
				for j := i + 1; j < len(lines); j++ {
					if len(lines[j]) > 0 {
						return out, errorf(lineNo(j)-1, "unexpected blank line between records")
					}
				}
				break records
			}
			if lines[i][0] != '@' {
				return out, errorf(lineNo(i), "expected '@' at the start of a record, found %q", lines[i][0])
			}
			if i+1 >= len(lines) {
				return out, errorf(lineNo(i), "record truncated: missing sequence line")
			}
			if err := refCheck(lines[i+1], lineNo(i+1), "sequence", errorf); err != nil {
				return out, err
			}
			if i+2 >= len(lines) {
				return out, errorf(lineNo(i), "record truncated: missing '+' line")
			}
			if p := lines[i+2]; len(p) == 0 || p[0] != '+' {
				s := string(p)
				if len(s) > 20 {
					s = s[:20] + "..."
				}
				return out, errorf(lineNo(i+2), "expected '+' line after the sequence, found %q (multi-line FASTQ is not supported)", s)
			}
			if i+3 >= len(lines) {
				return out, errorf(lineNo(i), "record truncated: missing quality line")
			}
			if s, q := len(lines[i+1]), len(lines[i+3]); s != q {
				return out, errorf(lineNo(i+3), "sequence and quality lengths differ (%d != %d)", s, q)
			}
			if err := refCheck(lines[i+3], lineNo(i+3), "quality", errorf); err != nil {
				return out, err
			}
			add(i, refName(lines[i][1:]), lines[i+1])
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("fastq: %s: %w", file, ErrEmpty)
	}
	return out, nil
}

// refCheck refuses a sequence or quality line with a byte outside '!'..'~'.
func refCheck(l []byte, line int, what string, errorf func(int, string, ...any) error) error {
	for i, c := range l {
		if c < '!' || c > '~' {
			return errorf(line, "byte %s at column %d cannot be in a %s line (only printable ASCII '!' to '~')", ascii.Quote(c), i+1, what)
		}
	}
	return nil
}

func FuzzReader(f *testing.F) {
	for _, path := range testdataInputs(f) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint8(2))
	}
	for _, s := range []string{"", "@", "@\n\n+\n\n", "\r@a\nA\n+\nI", ">", ">\n\n", "\n\n@a\nA\n+\nI\n\n",
		"\xef\xbb\xbf@a\nA\n+\nI\n", "@a\nA C\n+\nIII\n", "@a\nAC\n+\nI\x00\n", "\x00\x00", ">a\nAC GT\n"} {
		f.Add([]byte(s), uint8(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, batch uint8) {
		n := int(batch%16) + 1 // batches of 1 to 16 records
		got, err := readAll(t, data, "fuzz.fq", n)
		want, wantErr := refParse(data, "fuzz.fq")
		if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
			t.Fatalf("error %v, reference parser says %v", err, wantErr)
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fastq: fuzz.fq") {
				t.Errorf("error %q does not start with \"fastq: fuzz.fq\"", err)
			}
			// The batch holding the bad record is dropped whole.
			want = want[:len(want)/n*n]
		}
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("records differ from the reference parser (-ref +reader):\n%s", diff)
		}
	})
}

// benchFASTQ returns 100,000 FASTQ records of 100 bases, the usual Illumina
// read length, with random bases from a fixed seed and headers in SRA's
// style, about 25 MB.
func benchFASTQ() []byte {
	const records = 100000
	rng := rand.New(rand.NewPCG(1, 2)) // any fixed seed
	var buf bytes.Buffer
	seq := make([]byte, 100)
	for i := 0; i < records; i++ {
		for j := range seq {
			seq[j] = "ACGT"[rng.IntN(4)]
		}
		fmt.Fprintf(&buf, "@SRR6750041.%d %d length=100\n%s\n+\n%s\n", i+1, i+1, seq, qual100)
	}
	return buf.Bytes()
}

func benchmarkRead(b *testing.B, plain, input []byte, open func([]byte) io.Reader, skipNames bool) {
	b.SetBytes(int64(len(plain))) // throughput in uncompressed bytes
	b.ReportAllocs()
	var batch Batch
	for b.Loop() {
		r := NewReader(open(input), "bench.fq")
		r.SkipNames = skipNames
		n := 0
		for {
			err := r.Read(&batch, 4096) // 4096 records per batch, as a worker might take
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n += batch.Len()
		}
		if n != 100000 {
			b.Fatalf("read %d records, want 100000", n)
		}
	}
}

func BenchmarkRead(b *testing.B) {
	plain := benchFASTQ()
	b.Run("plain", func(b *testing.B) {
		benchmarkRead(b, plain, plain, func(in []byte) io.Reader { return bytes.NewReader(in) }, false)
	})
	// Without the names, as lanes reads when no one checks mates' names.
	b.Run("plain-no-names", func(b *testing.B) {
		benchmarkRead(b, plain, plain, func(in []byte) io.Reader { return bytes.NewReader(in) }, true)
	})
	b.Run("gzip", func(b *testing.B) {
		var gz bytes.Buffer
		w := gzip.NewWriter(&gz)
		w.Write(plain)
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		benchmarkRead(b, plain, gz.Bytes(), func(in []byte) io.Reader {
			z, err := zio.NewReader("bench.fq.gz", bytes.NewReader(in))
			if err != nil {
				b.Fatal(err)
			}
			return z
		}, false)
	})
}

// FuzzReadPairs checks ReadPairs against Read: the same records, split
// into first and second mates, and the same errors, except that a file
// with an odd number of records is refused.
func FuzzReadPairs(f *testing.F) {
	for _, path := range testdataInputs(f) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint8(1))
	}
	f.Add([]byte("@a/1\nAC\n+\nII\n@a/2\nGT\n+\nII\n"), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, batch uint8) {
		n := int(batch%8) + 1
		want, wantErr := readAll(t, data, "il.fq", 1<<20)
		r := NewReader(bytes.NewReader(data), "il.fq")
		var b1, b2 Batch
		var got []rec
		var err error
		for {
			if err = r.ReadPairs(&b1, &b2, n); err != nil {
				break
			}
			if b1.Len() != b2.Len() || b1.Len() > n {
				t.Fatalf("batches of %d and %d pairs, n = %d", b1.Len(), b2.Len(), n)
			}
			for i := 0; i < b1.Len(); i++ {
				got = append(got, rec{string(b1.Name(i)), string(b1.Seq(i)), b1.Line(i)}, rec{string(b2.Name(i)), string(b2.Seq(i)), b2.Line(i)})
			}
		}
		if err == io.EOF {
			err = nil
		}
		switch {
		case wantErr != nil:
			if err == nil || err.Error() != wantErr.Error() {
				t.Fatalf("error %v, Read says %v", err, wantErr)
			}
		case len(want)%2 == 1:
			if err == nil || !strings.Contains(err.Error(), "interleaved input ends with an unpaired read") {
				t.Fatalf("odd number of records (%d): error %v", len(want), err)
			}
		default:
			if err != nil {
				t.Fatalf("error %v, Read reads %d records", err, len(want))
			}
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("records differ from Read's (-Read +ReadPairs):\n%s", diff)
			}
		}
	})
}

// endless yields n bytes of one letter and no line break.
type endless struct{ n int }

func (e *endless) Read(p []byte) (int, error) {
	if e.n == 0 {
		return 0, io.EOF
	}
	k := min(len(p), e.n)
	for i := range p[:k] {
		p[i] = 'A'
	}
	e.n -= k
	return k, nil
}

// TestEndlessLine: a read of 4 Mb (the longest real reads) is read; a
// sequence line with no end is refused once it passes MaxLine, without
// reading the rest of the input.
func TestEndlessLine(t *testing.T) {
	long := strings.Repeat("ACGT", 1<<20)
	got, err := readAll(t, []byte("@r1\n"+long+"\n+\n"+strings.Repeat("I", len(long))+"\n"), "t.fq", 2)
	if err != nil || len(got) != 1 || got[0].Seq != long {
		t.Fatalf("4 Mb read: %d records, %v", len(got), err)
	}
	src := &endless{n: 1 << 40}
	r := NewReader(io.MultiReader(strings.NewReader("@r1\n"), src), "endless.fq")
	var b Batch
	err = r.Read(&b, 1)
	want := "fastq: endless.fq line 2: line longer than 64 MiB (not a FASTQ file, or no line breaks?)"
	if err == nil || err.Error() != want {
		t.Fatalf("error %v, want %q", err, want)
	}
	if read := 1<<40 - src.n; read > 2*MaxLine {
		t.Errorf("read %d bytes before refusing, want at most %d", read, 2*MaxLine)
	}
}
