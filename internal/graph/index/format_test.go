package index

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"github.com/gallisto/gallisto/internal/graph/kmer"
)

func smallIndex(t *testing.T) (*Index, string) {
	t.Helper()
	dir := t.TempDir()
	fa := filepath.Join(dir, "tx.fa")
	// Three transcripts sharing segments (see internal/graph/debruijn/testdata/three.k5.fa),
	// long enough for k=11, plus lower case, an N and a U.
	data := ">a first\nACGTAGGCTTAGCATTGACCAGTACGATCGA\n>b\nACGTAGGCTTAGGTCAacgtacgatNgatcaUUAC\n>c\nTTGACGTAGGCTTAGCATTGACCAG\n"
	if err := os.WriteFile(fa, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	x, err := Build(context.Background(), []string{fa}, BuildOptions{K: 11})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "tx.idx")
	if err := x.Write(path); err != nil {
		t.Fatal(err)
	}
	return x, path
}

func TestWriteLoadRoundTrip(t *testing.T) {
	x, path := smallIndex(t)
	y, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(x.Names, ",") != strings.Join(y.Names, ",") || x.NumKmers() != y.NumKmers() ||
		x.NumContigs() != y.NumContigs() || x.NumECs() != y.NumECs() {
		t.Fatalf("loaded index differs: %v %d %d %d", y.Names, y.NumKmers(), y.NumContigs(), y.NumECs())
	}
	for i := range x.Lengths {
		if x.Lengths[i] != y.Lengths[i] {
			t.Fatalf("length %d: %d != %d", i, x.Lengths[i], y.Lengths[i])
		}
	}
	// Every k-mer of every contig is found where it is, in both.
	for _, idx := range []*Index{x, y} {
		for c := 0; c < idx.NumContigs(); c++ {
			for p := int32(0); p < idx.ContigLen[c]; p++ {
				km, fw := idx.Shape.Canonical(idx.ContigKmer(uint32(c), p))
				e, ok := idx.Dict.Lookup(km)
				if !ok || e.Contig() != uint32(c) || e.Pos() != p || e.Fw() != fw {
					t.Fatalf("lookup of k-mer %d of contig %d: %v %v", p, c, e, ok)
				}
			}
		}
	}
	// LookupPair answers as two Lookups: every k-mer of every contig paired
	// with the next contig's first k-mer and with an absent one.
	tc, _ := x.Shape.FromBytes([]byte("TTTTTTTTTTC")) // not in the index (checked below)
	absent, _ := x.Shape.Canonical(tc)
	if _, ok := x.Dict.Lookup(absent); ok {
		t.Fatal("TTTTTTTTTTC is in the index")
	}
	for _, idx := range []*Index{x, y} {
		for c := 0; c < idx.NumContigs(); c++ {
			other, _ := idx.Shape.Canonical(idx.ContigKmer(uint32((c+1)%idx.NumContigs()), 0))
			for p := int32(0); p < idx.ContigLen[c]; p++ {
				km, _ := idx.Shape.Canonical(idx.ContigKmer(uint32(c), p))
				for _, pair := range [][2]kmer.Kmer{{km, other}, {absent, km}, {km, absent}} {
					ea, oka, eb, okb := idx.Dict.LookupPair(pair[0], pair[1])
					wa, wka := idx.Dict.Lookup(pair[0])
					wb, wkb := idx.Dict.Lookup(pair[1])
					if ea != wa || oka != wka || eb != wb || okb != wkb {
						t.Fatalf("LookupPair(%s, %s) differs from Lookup", idx.Shape.String(pair[0]), idx.Shape.String(pair[1]))
					}
				}
			}
		}
	}
	// Absent k-mers are absent: every 11-mer of a sequence the index does
	// not hold.
	s := kmer.MustShape(11)
	for it := kmer.NewIterator(s, []byte("TTTTTTTTTTTTTTTTTTTTCCCCCCCCCCCCCCCCCC")); !it.Done(); it.Next() {
		c, _ := it.Canonical()
		if _, ok := y.Dict.Lookup(c); ok {
			t.Fatalf("absent k-mer %s found", s.String(c))
		}
	}
}

func TestLoadRejects(t *testing.T) {
	_, path := smallIndex(t)
	good, _ := os.ReadFile(path)
	dir := t.TempDir()
	flip := append([]byte(nil), good...)
	flip[len(flip)/2] ^= 0x40
	version := append([]byte(nil), good...)
	version[8] = 1 // format version 1
	v2 := append([]byte(nil), good...)
	v2[8] = 2 // format version 2, before the contig adjacency
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "empty file, not a gallisto index"},
		{"fastq", []byte("@r1\nACGT\n+\nIIII\n"), "looks like a FASTQ file"},
		{"fasta", []byte(">t\nACGT\n"), "looks like a FASTA file"},
		{"gzip", []byte{0x1f, 0x8b, 8, 0}, "gzip-compressed data"},
		{"gzip index", gzipBytes(t, good), "gzip-compressed gallisto index: decompress it first (gunzip -k "},
		{"gzip FASTQ", gzipBytes(t, []byte("@r1\nACGT\n+\nIIII\n")), "gzip-compressed FASTQ file, not a gallisto index"},
		{"gzip FASTA", gzipBytes(t, []byte(">t\nACGT\n")), "gzip-compressed FASTA file, not a gallisto index; build one with 'gallisto index'"},
		{"kallisto", []byte{10, 0, 0, 0, 0, 0, 0, 0, 31, 0, 0, 0}, "looks like a kallisto index (version 10)"},
		{"truncated", good[:len(good)-100], "truncated"},
		{"truncated at a word", good[:len(good)-104], "checksum mismatch"},
		{"header only", good[:40], "truncated index file"},
		{"bit flip", flip, "checksum mismatch"},
		{"other version", version, "unsupported index format version: the file is version 1"},
		{"version 2", v2, "unsupported index format version: the file is version 2, this gallisto reads version 3; rebuild the index"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name)
			os.WriteFile(p, tc.data, 0o644)
			_, err := Load(p)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Load = %v, want an error containing %q", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "index: "+p+": ") {
				t.Errorf("error %q does not name the file", err)
			}
			if tc.name == "other version" && !errors.Is(err, ErrVersion) {
				t.Errorf("not ErrVersion: %v", err)
			}
		})
	}
	if _, err := Load(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "file not found") {
		t.Errorf("missing file: %v", err)
	}
}

// TestLoadAlignsFilter: Load and Decode place the file so that the
// dictionary's Bloom filter starts on a cache line (see fileBuffer).
func TestLoadAlignsFilter(t *testing.T) {
	_, path := smallIndex(t)
	y, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	z, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	for name, x := range map[string]*Index{"Load": y, "Decode": z} {
		f := x.kd.Filter()
		if f == nil {
			t.Fatalf("%s: index has no Bloom filter", name)
		}
		if a := uintptr(unsafe.Pointer(&f.Words()[0])) % cacheLine; a != 0 {
			t.Errorf("%s: filter starts %d bytes past a cache line", name, a)
		}
	}
}

// TestFileBuffer: for every size, the buffer holds the file and puts its
// last word on a 64-byte boundary.
func TestFileBuffer(t *testing.T) {
	for size := int64(8); size <= 8*64; size += 8 {
		w := fileBuffer(size)
		if len(w) != int(size/8) {
			t.Fatalf("size %d: %d words", size, len(w))
		}
		if a := uintptr(unsafe.Pointer(&w[len(w)-1])) % cacheLine; a != 0 {
			t.Fatalf("size %d: last word %d bytes past a cache line", size, a)
		}
	}
}

// TestReadParallel reads a file in parallel parts (small chunks stand in
// for readChunk) and refuses a file shorter than the buffer.
func TestReadParallel(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("one CPU: reads are sequential")
	}
	data := make([]byte, 1<<20+13) // an odd size: parts of unequal length
	for i := range data {
		data[i] = byte(i * 7)
	}
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, len(data))
	if err := readParallel(f, buf, 64<<10); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf, data) {
		t.Fatal("parallel read differs from the file")
	}
	long := make([]byte, len(data)+100)
	if err := readParallel(f, long, 64<<10); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("reading past the end: err = %v, want io.ErrUnexpectedEOF", err)
	}
}

func gzipBytes(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestLoadRejectsBadTargets: a file whose checksum is right (recomputed
// here) but whose targets are not is refused: names and lengths go into
// every output table as they are.
func TestLoadRejectsBadTargets(t *testing.T) {
	x, path := smallIndex(t)
	good, _ := os.ReadFile(path)
	ntr := len(x.Names) // three one-letter names: a, b, c
	namesAt := 8*headerWords + 8*((ntr+1)/2)
	lengthsAt := namesAt + 8*((ntr+7)/8)
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		edit func(b []byte)
		want string
	}{
		{"tab in a name", func(b []byte) { b[namesAt+1] = '\t' }, `corrupt index file: target 2 has name "\t", with a tab`},
		{"line break in a name", func(b []byte) { b[namesAt] = '\n' }, `corrupt index file: target 1 has name "\n", with a line break`},
		{"carriage return in a name", func(b []byte) { b[namesAt+2] = '\r' }, `corrupt index file: target 3 has name "\r", with a carriage return`},
		{"zero length", func(b []byte) { binary.LittleEndian.PutUint32(b[lengthsAt+4:], 0) }, "corrupt index file: target 2 (b) has length 0"},
		{"negative length", func(b []byte) { binary.LittleEndian.PutUint32(b[lengthsAt:], 0xffffffff) }, "corrupt index file: target 1 (a) has length -1"},
		{"empty name", func(b []byte) {
			binary.LittleEndian.PutUint32(b[8*headerWords:], 0)   // a: length 0
			binary.LittleEndian.PutUint32(b[8*headerWords+4:], 2) // b takes "ab"
		}, "corrupt index file: target 1 has an empty name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := bytes.Clone(good)
			tc.edit(b)
			p := filepath.Join(dir, "x.idx")
			os.WriteFile(p, withChecksum(b), 0o644)
			_, err := Load(p)
			if want := "index: " + p + ": " + tc.want; err == nil || err.Error() != want {
				t.Fatalf("Load = %v\nwant %s", err, want)
			}
		})
	}
}
