package zio

import (
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "regenerate the gzip files in testdata/")

// The testdata files. The .gz files are made from the text ones by
// TestGenerateTestdata with -update (compress/gzip, default level), so that
// their making is reproducible and reviewable.
const (
	readsText = "@r1 x\nACGT\n+\nIIII\n@r2\nGGCC\n+\nIIII\n"
	moreText  = "@r3\nTTTT\n+\nIIII\n"
)

var testdataFiles = map[string][]byte{
	"reads.fq":     []byte(readsText),
	"reads.fq.gz":  gz(readsText),
	"two-members":  append(gz(readsText), gz(moreText)...), // cat a.gz b.gz
	"truncated.gz": truncate(gz(readsText), 8),             // trailer cut: 8 bytes = CRC-32 + ISIZE (RFC 1952 2.3)
	"badcrc.gz":    flipCRC(gz(readsText)),
	"plain.gz":     []byte(readsText), // a .gz name on plain text
}

func gz(s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

func truncate(b []byte, n int) []byte { return b[:len(b)-n] }

// flipCRC inverts the first byte of the member's CRC-32, which RFC 1952
// section 2.3 places in the 8-byte trailer (CRC-32 then ISIZE).
func flipCRC(b []byte) []byte {
	b = bytes.Clone(b)
	b[len(b)-8] ^= 0xff
	return b
}

func TestGenerateTestdata(t *testing.T) {
	for name, data := range testdataFiles {
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := os.Stat(path); err != nil {
			t.Errorf("%v (run go test ./zio -update)", err)
		}
	}
}

// readFile opens path with Open and reads it to the end.
func readFile(path string) (*File, []byte, error) {
	z, err := Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer z.Close()
	out, err := io.ReadAll(z)
	return z, out, err
}

func TestOpen(t *testing.T) {
	tests := []struct {
		file       string
		compressed bool
		want       string
		wantErr    string
	}{
		{file: "reads.fq", want: readsText},
		{file: "reads.fq.gz", compressed: true, want: readsText},
		{file: "two-members", compressed: true, want: readsText + moreText},
		{file: "plain.gz", want: readsText},
		{
			file: "truncated.gz", compressed: true,
			wantErr: "testdata/truncated.gz: gzip: truncated or corrupt stream (unexpected end of file)",
		},
		{
			file: "badcrc.gz", compressed: true,
			wantErr: "testdata/badcrc.gz: gzip: corrupt data (CRC-32 checksum mismatch)",
		},
		{file: "missing.fq.gz", wantErr: "testdata/missing.fq.gz: file not found"},
		{file: "", wantErr: "testdata/: is a directory, not a file"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			path := "testdata/" + tc.file
			z, out, err := readFile(path)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if gotErr != tc.wantErr {
				t.Errorf("error:\n got %q\nwant %q", gotErr, tc.wantErr)
			}
			if tc.wantErr == "" && string(out) != tc.want {
				t.Errorf("content %q, want %q", out, tc.want)
			}
			if z != nil {
				if z.Compressed != tc.compressed {
					t.Errorf("Compressed = %v, want %v", z.Compressed, tc.compressed)
				}
				if z.Name() != path {
					t.Errorf("Name() = %q, want %q", z.Name(), path)
				}
			}
		})
	}
}

// TestDetect checks that compression is recognised by the two magic bytes
// 0x1f 0x8b (RFC 1952 section 2.3.1) and nothing else.
func TestDetect(t *testing.T) {
	tests := []struct {
		name       string
		in         []byte
		compressed bool
		want       string
		wantErr    string
	}{
		{name: "empty", in: nil, want: ""},
		{name: "one byte", in: []byte("A"), want: "A"},
		{name: "first magic byte only", in: []byte{0x1f}, want: "\x1f"},
		{name: "wrong second byte", in: []byte{0x1f, 0x8a, 'x'}, want: "\x1f\x8ax"},
		{name: "swapped magic", in: []byte{0x8b, 0x1f}, want: "\x8b\x1f"},
		{name: "zlib is not gzip", in: []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01}, want: "x\x9c\x03\x00\x00\x00\x00\x01"},
		{name: "gzip", in: gz("ACGT"), compressed: true, want: "ACGT"},
		{name: "gzip of nothing", in: gz(""), compressed: true, want: ""},
		{name: "three members", in: append(append(gz("A"), gz("")...), gz("C")...), compressed: true, want: "AC"},
		{
			name: "magic bytes only", in: []byte{0x1f, 0x8b},
			wantErr: "in.gz: gzip: truncated or corrupt stream (unexpected end of file)",
		},
		{
			// Byte 3 is the compression method; 8 (deflate) is the only
			// one RFC 1952 defines.
			name: "unknown compression method", in: []byte{0x1f, 0x8b, 7, 0, 0, 0, 0, 0, 0, 3},
			wantErr: "in.gz: gzip: invalid header",
		},
		{
			// FLG bits 5-7 are reserved and must be zero (RFC 1952
			// section 2.3.1.2); compress/gzip ignores them.
			name: "reserved header flag", in: func() []byte { b := gz(readsText); b[3] |= 0x40; return b }(),
			wantErr: "in.gz: gzip: invalid header",
		},
		{
			// Every member's header is checked, not only the first's
			// (the ISA-L build checked only the first until 2026-11-27).
			name: "reserved header flag in the second member", in: append(gz("A"), func() []byte { b := gz("C"); b[3] |= 0x20; return b }()...),
			compressed: true,
			wantErr:    "in.gz: gzip: invalid header",
		},
		{
			name: "truncated in the deflate data", in: gz(readsText)[:20],
			compressed: true,
			wantErr:    "in.gz: gzip: truncated or corrupt stream (unexpected end of file)",
		},
		{
			name: "corrupt deflate data", in: append(gz("A")[:10], 0xff, 0xff, 0xff, 0xff),
			compressed: true,
			wantErr:    "in.gz: gzip: corrupt data (invalid deflate stream)",
		},
		{
			// Data after a member that does not start another one.
			name: "garbage after the last member", in: append(gz("A"), "0123456789"...),
			compressed: true,
			wantErr:    "in.gz: gzip: trailing data after the gzip stream (not gzip data, nor zero padding)",
		},
		{
			// gzip(1) skips zero bytes after the last member ("trailing
			// zero bytes ignored"): padding from tape or block devices.
			name: "zero padding after the last member", in: append(gz("AC"), make([]byte, 512)...),
			compressed: true, want: "AC",
		},
		{
			name: "zero padding, then data", in: append(append(gz("AC"), make([]byte, 5)...), 'x'),
			compressed: true,
			wantErr:    "in.gz: gzip: trailing data after the gzip stream (not gzip data, nor zero padding)",
		},
		{
			name: "ISIZE not the decompressed size", in: func() []byte { b := gz("ACGT"); b[len(b)-4]++; return b }(),
			compressed: true,
			wantErr:    "in.gz: gzip: length mismatch: the trailer's ISIZE is not the decompressed size",
		},
		{
			name: "bzip2", in: []byte("BZh91AY&SY\x00\x01"),
			wantErr: "in.gz: bzip2-compressed data: gallisto reads plain or gzip files (convert it: bzip2 -dc in.gz | gzip > in.gz.gz)",
		},
		{
			name: "xz", in: []byte("\xfd7zXZ\x00\x00\x04"),
			wantErr: "in.gz: xz-compressed data: gallisto reads plain or gzip files (convert it: xz -dc in.gz | gzip > in.gz.gz)",
		},
		{
			name: "zstd", in: []byte("\x28\xb5\x2f\xfd\x00\x00"),
			wantErr: "in.gz: zstd-compressed data: gallisto reads plain or gzip files (convert it: zstd -dc in.gz | gzip > in.gz.gz)",
		},
		{name: "text starting with BZh", in: []byte("BZh9 gene\n"), want: "BZh9 gene\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			z, err := NewReader("in.gz", bytes.NewReader(tc.in))
			var out []byte
			if err == nil {
				out, err = io.ReadAll(z)
				if z.Compressed != tc.compressed {
					t.Errorf("Compressed = %v, want %v", z.Compressed, tc.compressed)
				}
			}
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if gotErr != tc.wantErr {
				t.Errorf("error:\n got %q\nwant %q", gotErr, tc.wantErr)
			}
			if tc.wantErr == "" && string(out) != tc.want {
				t.Errorf("content %q, want %q", out, tc.want)
			}
		})
	}
}

// TestTruncatedEverywhere cuts a gzip file at every length from 2 (the
// magic bytes) to one short of complete: each must fail naming the file
// and saying truncated, never succeed with partial data.
func TestTruncatedEverywhere(t *testing.T) {
	full := gz(readsText)
	for n := 2; n < len(full); n++ {
		z, err := NewReader("R1.fq.gz", bytes.NewReader(full[:n]))
		if err == nil {
			_, err = io.ReadAll(z)
		}
		const want = "R1.fq.gz: gzip: truncated or corrupt stream (unexpected end of file)"
		if err == nil || err.Error() != want {
			t.Errorf("cut at %d of %d bytes: got %v, want %q", n, len(full), err, want)
		}
	}
}

func TestPermissionDenied(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: file permissions do not deny reading")
	}
	path := filepath.Join(t.TempDir(), "secret.fq")
	if err := os.WriteFile(path, []byte(readsText), 0o000); err != nil {
		t.Fatal(err)
	}
	_, err := Open(path)
	if want := path + ": permission denied"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}

// TestOpenError checks errors that are neither "not found" nor
// "permission denied": a path through a regular file is ENOTDIR.
func TestOpenError(t *testing.T) {
	path := filepath.Join("testdata", "reads.fq", "x")
	_, err := Open(path)
	if want := path + ": not a directory"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}

// TestStdin opens "-" with os.Stdin replaced by a gzip file, and checks
// that Close leaves standard input open.
func TestStdin(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "two-members"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	saved := os.Stdin
	os.Stdin = f
	defer func() { os.Stdin = saved }()

	z, err := Open(Stdin)
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(z)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != readsText+moreText || !z.Compressed || z.Name() != "-" {
		t.Errorf("got %q (compressed %v, name %q), want the two members, compressed, name -", out, z.Compressed, z.Name())
	}
	if err := z.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, err := f.Stat(); err != nil {
		t.Errorf("standard input was closed by Close: %v", err)
	}
}

func TestCloseClosesFile(t *testing.T) {
	z, err := Open(filepath.Join("testdata", "reads.fq.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if err := z.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := z.f.Close(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("file still open after Close (closing it again gave %v)", err)
	}
}

type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

// TestReadErrorsNameTheFile covers errors from the underlying stream, at
// open time (sniffing the magic bytes) and when reading.
func TestReadErrorsNameTheFile(t *testing.T) {
	boom := errors.New("input/output error")
	if _, err := NewReader("R1.fq", failingReader{boom}); err == nil || err.Error() != "R1.fq: input/output error" {
		t.Errorf("NewReader: got %v, want %q", err, "R1.fq: input/output error")
	}
	// A stream that fails after the first bytes.
	r := io.MultiReader(strings.NewReader("ACGT"), failingReader{boom})
	z, err := NewReader("R1.fq", r)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(z)
	if err == nil || err.Error() != "R1.fq: input/output error" {
		t.Errorf("Read: got %v, want %q", err, "R1.fq: input/output error")
	}
}

// reservedFlags reports whether data holds what may be a gzip member
// header (magic, deflate) with a reserved FLG bit (0xe0) set.
func reservedFlags(data []byte) bool {
	for i := 0; i+3 < len(data); i++ {
		if data[i] == 0x1f && data[i+1] == 0x8b && data[i+2] == 8 && data[i+3]&0xe0 != 0 {
			return true
		}
	}
	return false
}

func FuzzReader(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "*"))
	for _, path := range paths {
		if st, err := os.Stat(path); err != nil || st.IsDir() {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		z, err := NewReader("fuzz.gz", bytes.NewReader(data))
		var got []byte
		if err == nil {
			// Deflate expands at most 1032:1 (RFC 1951's longest match
			// in the fewest bits), so a fuzz input cannot make this big;
			// the limit is a guard.
			got, err = io.ReadAll(io.LimitReader(z, 64<<20))
			z.Close()
		}
		if err != nil && !strings.HasPrefix(err.Error(), "fuzz.gz: ") {
			t.Fatalf("error %q does not start with the file name", err)
		}
		if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
			// Not gzip: read as is.
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("plain input: got %q, %v; want the input back", got, err)
			}
			return
		}
		// Differential check against the standard library's decoder:
		// where it decodes the whole input, so must zio, to the same bytes.
		var want []byte
		sr, serr := gzip.NewReader(bytes.NewReader(data))
		if serr == nil {
			want, serr = io.ReadAll(io.LimitReader(sr, 64<<20))
		}
		if serr == nil {
			if err != nil && strings.HasSuffix(err.Error(), ": gzip: invalid header") && reservedFlags(data) {
				// RFC 1952 section 2.3.1.2: "A compliant decompressor must
				// give an error indication if any reserved bit is non-zero";
				// compress/gzip ignores them, zio refuses (found by this
				// fuzz target: testdata/fuzz/FuzzReader/5e371b1f32410ccc).
				return
			}
			if err != nil {
				t.Fatalf("compress/gzip reads %q, zio fails: %v", want, err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("content differs from compress/gzip (-std +zio):\n%s", diff)
			}
		}
	})
}

// TestErrorType checks that every failure is an *Error whose parts let a
// reader say where it happened without naming the file twice.
func TestErrorType(t *testing.T) {
	for _, tc := range []struct {
		path, problem string
		is            error
	}{
		{"testdata/missing.fq", "file not found", os.ErrNotExist},
		{"testdata/truncated.gz", "gzip: truncated or corrupt stream (unexpected end of file)", io.ErrUnexpectedEOF},
		{"testdata/badcrc.gz", "gzip: corrupt data (CRC-32 checksum mismatch)", nil},
		{"testdata", "is a directory, not a file", nil},
	} {
		_, _, err := readFile(tc.path)
		var ze *Error
		if !errors.As(err, &ze) {
			t.Errorf("%s: got %v (%T), want a *zio.Error", tc.path, err, err)
			continue
		}
		if ze.File != tc.path || ze.Problem != tc.problem || ze.Error() != tc.path+": "+tc.problem {
			t.Errorf("%s: got File %q Problem %q", tc.path, ze.File, ze.Problem)
		}
		if tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("%s: error does not wrap %v", tc.path, tc.is)
		}
	}
}
