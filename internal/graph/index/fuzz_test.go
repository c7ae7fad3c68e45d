package index

import (
	"context"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"
)

// fuzzSeedIndex builds a small index (k=7, transcripts sharing segments,
// lower case, N, U) and returns its file's bytes.
func fuzzSeedIndex(f *testing.F, k int) []byte {
	dir := f.TempDir()
	fa := filepath.Join(dir, "tx.fa")
	data := ">a first\nACGTAGGCTTAGCATTGACCAGTACGATCGA\n>b\nACGTAGGCTTAGGTCAacgtacgatNgatcaUUAC\n>c\nTTGACGTAGGCTTAGCATTGACCAG\n>d\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACCC\n"
	if err := os.WriteFile(fa, []byte(data), 0o644); err != nil {
		f.Fatal(err)
	}
	x, err := Build(context.Background(), []string{fa}, BuildOptions{K: k})
	if err != nil {
		f.Fatal(err)
	}
	path := filepath.Join(dir, "tx.idx")
	if err := x.Write(path); err != nil {
		f.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// withChecksum returns data with its last 8-byte word replaced by the
// CRC-32C of everything before it, as Write stores it, so that the fuzzer
// reaches the structural checks behind the checksum test.
func withChecksum(data []byte) []byte {
	if len(data) < 16 || len(data)%8 != 0 {
		return nil
	}
	b := append([]byte(nil), data...)
	binary.LittleEndian.PutUint64(b[len(b)-8:], uint64(crc32.Checksum(b[:len(b)-8], castagnoli)))
	return b
}

// FuzzDecode feeds the index loader arbitrary bytes: it must return an
// index or an error, never panic or allocate without bound, and an index
// it returns must be usable: every class, contig, pass and sequence it
// refers to must be in range.
func FuzzDecode(f *testing.F) {
	for _, k := range []int{3, 7, 31} {
		f.Add(fuzzSeedIndex(f, k))
	}
	for _, pattern := range []string{"../../input/fasta/testdata/*", "../../input/fastq/testdata/*", "../../input/zio/testdata/*", "testdata/fuzz/FuzzDecode/*"} {
		paths, _ := filepath.Glob(pattern)
		for _, p := range paths {
			if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Size() < 1<<20 {
				if b, err := os.ReadFile(p); err == nil {
					f.Add(b)
				}
			}
		}
	}
	f.Add([]byte{})
	f.Add([]byte("GALLIDX\x1a"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, in := range [][]byte{data, withChecksum(data)} {
			if in == nil {
				continue
			}
			x, err := Decode(in)
			if err != nil {
				if x != nil {
					t.Fatalf("Decode returned an index and the error %v", err)
				}
				continue
			}
			useIndex(t, x)
		}
	})
}

// useIndex touches everything a quantification reads.
func useIndex(t *testing.T, x *Index) {
	for e := 0; e < x.NumECs(); e++ {
		for _, tr := range x.EC(uint32(e)) {
			if int(tr) >= x.NumTargets() {
				t.Fatalf("class %d holds target %d of %d", e, tr, x.NumTargets())
			}
		}
	}
	for c := 0; c < x.NumContigs(); c++ {
		seq := x.ContigSeq(uint32(c))
		if len(seq) < x.Shape.K {
			t.Fatalf("contig %d has %d bases, k = %d", c, len(seq), x.Shape.K)
		}
		if int(x.ContigEC[c]) >= x.NumECs() {
			t.Fatalf("contig %d in class %d of %d", c, x.ContigEC[c], x.NumECs())
		}
		for _, o := range x.Occurrences(uint32(c)) {
			if int(o.Tr()) >= x.NumTargets() {
				t.Fatalf("contig %d passes through target %d of %d", c, o.Tr(), x.NumTargets())
			}
		}
		for _, forward := range []bool{false, true} {
			for b := uint8(0); b < 4; b++ {
				if d, q, _, res := x.Cross(uint32(c), forward, b); res == CrossFound && (int(d) >= x.NumContigs() || q < 0 || q >= x.ContigLen[d]) {
					t.Fatalf("contig %d is followed by k-mer %d of contig %d of %d", c, q, d, x.NumContigs())
				}
			}
		}
		km, _ := x.Shape.Canonical(x.ContigKmer(uint32(c), 0))
		if e, ok := x.Dict.Lookup(km); ok && int(e.Contig()) >= x.NumContigs() {
			t.Fatalf("k-mer of contig %d maps to contig %d of %d", c, e.Contig(), x.NumContigs())
		}
	}
	x.Stats()
}
