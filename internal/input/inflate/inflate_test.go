package inflate

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"github.com/gallisto/gallisto/internal/testref"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"testing"
	"testing/iotest"

	kgzip "github.com/klauspost/compress/gzip"
)

// ---- helpers: a tiny hand-written DEFLATE encoder for crafted streams ----

type bitWriter struct {
	buf   []byte
	acc   uint64
	nbits uint
}

func (w *bitWriter) bits(v uint64, n uint) {
	w.acc |= v << w.nbits
	w.nbits += n
	for w.nbits >= 8 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc >>= 8
		w.nbits -= 8
	}
}

// code writes a Huffman code, which RFC 1951 packs most-significant bit first.
func (w *bitWriter) code(c uint16, n uint8) {
	for i := int(n) - 1; i >= 0; i-- {
		w.bits(uint64(c>>uint(i))&1, 1)
	}
}

func (w *bitWriter) flush() []byte {
	if w.nbits > 0 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc, w.nbits = 0, 0
	}
	return w.buf
}

func canonical(lens []uint8) []uint16 {
	var count [16]int
	for _, l := range lens {
		count[l]++
	}
	count[0] = 0
	var next [16]int
	c := 0
	for l := 1; l < 16; l++ {
		c = (c + count[l-1]) << 1
		next[l] = c
	}
	codes := make([]uint16, len(lens))
	for s, l := range lens {
		if l != 0 {
			codes[s] = uint16(next[l])
			next[l]++
		}
	}
	return codes
}

var (
	tLenBase  = []int{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	tLenExtra = []uint{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	tDstBase  = []int{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
)

func tDstExtra(i int) uint {
	if i < 4 {
		return 0
	}
	return uint(i/2 - 1)
}

// sym is a literal (dist == 0) or a match.
type sym struct {
	lit    byte
	length int
	dist   int
}

func fixedLens() (lit, dist []uint8) {
	lit = make([]uint8, 288)
	for i := range lit {
		switch {
		case i < 144:
			lit[i] = 8
		case i < 256:
			lit[i] = 9
		case i < 280:
			lit[i] = 7
		default:
			lit[i] = 8
		}
	}
	dist = make([]uint8, 32)
	for i := range dist {
		dist[i] = 5
	}
	return
}

func writeSyms(w *bitWriter, litLens, distLens []uint8, syms []sym) {
	lc, dc := canonical(litLens), canonical(distLens)
	for _, s := range syms {
		if s.dist == 0 {
			w.code(lc[s.lit], litLens[s.lit])
			continue
		}
		li := len(tLenBase) - 1
		if s.length != 258 {
			for li = 0; li+1 < len(tLenBase)-1 && tLenBase[li+1] <= s.length; li++ {
			}
		}
		w.code(lc[257+li], litLens[257+li])
		w.bits(uint64(s.length-tLenBase[li]), tLenExtra[li])
		di := 0
		for di+1 < len(tDstBase) && tDstBase[di+1] <= s.dist {
			di++
		}
		w.code(dc[di], distLens[di])
		w.bits(uint64(s.dist-tDstBase[di]), tDstExtra(di))
	}
	w.code(lc[256], litLens[256])
}

func fixedBlock(w *bitWriter, final bool, syms []sym) {
	w.bits(b2u(final)|1<<1, 3)
	l, d := fixedLens()
	writeSyms(w, l, d, syms)
}

// dynHeader writes a dynamic block's header: the code-length code gives
// symbols 0..15 four bits each, so the literal/length and distance code
// lengths follow without run-length codes.
func dynHeader(w *bitWriter, final bool, litLens, distLens []uint8) {
	w.bits(b2u(final)|2<<1, 3)
	w.bits(uint64(len(litLens)-257), 5)
	w.bits(uint64(len(distLens)-1), 5)
	w.bits(19-4, 4)
	cl := make([]uint8, 19)
	for i := range 16 {
		cl[i] = 4
	}
	// RFC 1951 3.2.7: the order code-length code lengths are sent in.
	for _, s := range []int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15} {
		w.bits(uint64(cl[s]), 3)
	}
	cc := canonical(cl)
	for _, l := range append(append([]uint8{}, litLens...), distLens...) {
		w.code(cc[l], 4)
	}
}

// dynBlock writes a dynamic block whose code-length code gives symbols 0..15
// four bits each (so lengths are sent without run-length codes).
func dynBlock(w *bitWriter, final bool, litLens, distLens []uint8, syms []sym) {
	dynHeader(w, final, litLens, distLens)
	writeSyms(w, litLens, distLens, syms)
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// wrap frames raw DEFLATE data as a gzip member for the given content.
func wrap(deflate, content []byte) []byte {
	b := []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255}
	b = append(b, deflate...)
	b = binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(content))
	return binary.LittleEndian.AppendUint32(b, uint32(len(content)))
}

// expand applies syms to produce the content they encode.
func expand(syms []sym) []byte {
	var out []byte
	for _, s := range syms {
		if s.dist == 0 {
			out = append(out, s.lit)
			continue
		}
		for range s.length {
			out = append(out, out[len(out)-s.dist])
		}
	}
	return out
}

func decode(b []byte) ([]byte, error) {
	r, err := NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// refDecode decodes with the reference decoder, klauspost/compress (the
// project's previous decoder), which agrees with compress/gzip except that
// it refuses reserved header flags, as RFC 1952 requires.
// refDecode decodes b with klauspost/compress's gzip reader (compress/gzip's
// behaviour plus RFC 1952's refusal of reserved flags), member by member,
// with the one rule this package adds: zero bytes after the last member
// are padding, as gzip(1) reads them. Anything else after a member that is
// not another member is an error, as klauspost's says.
func refDecode(b []byte) ([]byte, error) {
	return refDecodeLimit(b, -1)
}

// refDecodeLimit is refDecode stopping after limit output bytes (-1: none).
func refDecodeLimit(b []byte, limit int64) ([]byte, error) {
	br := bytes.NewReader(b)
	r, err := kgzip.NewReader(br)
	if err != nil {
		return nil, err
	}
	var out []byte
	for {
		r.Multistream(false)
		var src io.Reader = r
		if limit >= 0 {
			src = io.LimitReader(r, limit-int64(len(out)))
		}
		m, err := io.ReadAll(src)
		out = append(out, m...)
		if err != nil || (limit >= 0 && int64(len(out)) >= limit) {
			return out, err
		}
		rest := b[len(b)-br.Len():]
		if len(bytes.TrimLeft(rest, "\x00")) == 0 && len(rest) > 0 || len(rest) == 0 {
			return out, nil
		}
		if len(rest) > 0 && rest[0] == 0 {
			return out, ErrTrailing
		}
		if err := r.Reset(br); err != nil {
			return out, err
		}
	}
}

func gzipLevel(tb testing.TB, data []byte, level int) []byte {
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, level)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func randBytes(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func runs(n int) []byte {
	var b []byte
	pats := []string{"A", "AC", "ACG", "ACGT", "ACGTA", "ACGTAC", "ACGTACG", "ACGTACGT", "ACGTACGTA"}
	for i := 0; len(b) < n; i++ {
		p := pats[i%len(pats)]
		for range 40 + i%300 {
			b = append(b, p...)
		}
	}
	return b[:n]
}

var testInputs = []struct {
	name string
	data func() []byte
}{
	{"empty", func() []byte { return nil }},
	{"one", func() []byte { return []byte{'x'} }},
	{"runs", func() []byte { return runs(200000) }},
	{"random", func() []byte { return randBytes(100000, 1) }},
	{"fastq", func() []byte { return fastqLike(300000, 2) }},
	{"32767", func() []byte { return fastqLike(32767, 3) }},
	{"32768", func() []byte { return fastqLike(32768, 4) }},
	{"32769", func() []byte { return fastqLike(32769, 5) }},
	{"5MiB", func() []byte { return fastqLike(5<<20, 6) }},
	{"5MiB-runs", func() []byte { return runs(5<<20 + 3) }},
}

func TestRoundTrip(t *testing.T) {
	levels := []int{flate.HuffmanOnly, flate.NoCompression, flate.BestSpeed, 6, flate.BestCompression}
	for _, in := range testInputs {
		data := in.data()
		for _, lvl := range levels {
			comp := gzipLevel(t, data, lvl)
			got, err := decode(comp)
			if err != nil {
				t.Fatalf("%s level %d: %v", in.name, lvl, err)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("%s level %d: output mismatch (got %d bytes, want %d)", in.name, lvl, len(got), len(data))
			}
		}
	}
}

// TestRawFlateWriter frames compress/flate output directly, including a
// flush mid-stream (empty stored block) and a non-final first block.
func TestRawFlateWriter(t *testing.T) {
	data := fastqLike(100000, 9)
	for _, lvl := range []int{-2, 0, 1, 6, 9} {
		var buf bytes.Buffer
		fw, _ := flate.NewWriter(&buf, lvl)
		fw.Write(data[:50000])
		fw.Flush()
		fw.Write(data[50000:])
		fw.Close()
		got, err := decode(wrap(buf.Bytes(), data))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("level %d: err %v, equal %v", lvl, err, bytes.Equal(got, data))
		}
	}
}

func craftedSyms() []sym {
	var s []sym
	for _, c := range []byte("ACGTACGTN") {
		s = append(s, sym{lit: c})
	}
	for d := 1; d <= 9; d++ {
		for _, l := range []int{3, 4, 7, 8, 9, 15, 16, 17, 31, 64, 100, 257, 258} {
			s = append(s, sym{length: l, dist: d})
		}
	}
	return s
}

func TestFixedHuffman(t *testing.T) {
	syms := craftedSyms()
	// long distances too
	long := make([]sym, 0, 40000)
	rng := rand.New(rand.NewPCG(3, 3))
	for range 33000 {
		long = append(long, sym{lit: byte(rng.Uint32())})
	}
	for _, d := range []int{32768, 32767, 24577, 16385, 1000, 10} {
		long = append(long, sym{length: 258, dist: d}, sym{length: 3, dist: d})
	}
	for _, ss := range [][]sym{syms, long, {}} {
		var w bitWriter
		fixedBlock(&w, false, ss[:len(ss)/2])
		fixedBlock(&w, true, ss[len(ss)/2:])
		content := expand(ss)
		comp := wrap(w.flush(), content)
		got, err := decode(comp)
		if err != nil || !bytes.Equal(got, content) {
			t.Fatalf("fixed: err %v equal %v", err, bytes.Equal(got, content))
		}
		if _, err := refDecode(comp); err != nil {
			t.Fatalf("stdlib rejects crafted stream: %v", err)
		}
	}
}

func TestCraftedErrors(t *testing.T) {
	lit := completeLens(286, 15)
	single := make([]uint8, 1) // one distance code, length 1: incomplete but allowed
	single[0] = 1
	incompleteLit := append([]uint8{}, lit...)
	incompleteLit[0] = 0
	overLit := append([]uint8{}, lit...)
	overLit[1] = 1
	twoDist := []uint8{1, 2} // incomplete with two codes: rejected
	tests := []struct {
		name    string
		stream  func() []byte
		wantErr error
	}{
		{"single-dist-code", func() []byte {
			var w bitWriter
			dynBlock(&w, true, lit, single, []sym{{lit: 'a'}, {length: 10, dist: 1}})
			return wrap(w.flush(), bytes.Repeat([]byte{'a'}, 11))
		}, nil},
		{"no-dist-codes", func() []byte {
			var w bitWriter
			dynBlock(&w, true, lit, []uint8{0}, []sym{{lit: 'a'}})
			return wrap(w.flush(), []byte{'a'})
		}, nil},
		{"incomplete-lit", func() []byte {
			var w bitWriter
			dynBlockLens(&w, incompleteLit, lit, single)
			return wrap(w.flush(), []byte{'a'})
		}, ErrCorrupt},
		{"oversubscribed-lit", func() []byte {
			var w bitWriter
			dynBlockLens(&w, overLit, lit, single)
			return wrap(w.flush(), []byte{'a'})
		}, ErrCorrupt},
		{"incomplete-dist", func() []byte {
			var w bitWriter
			dynBlockLens(&w, lit, lit, twoDist)
			return wrap(w.flush(), []byte{'a'})
		}, ErrCorrupt},
		{"dist-too-far", func() []byte {
			var w bitWriter
			fixedBlock(&w, true, []sym{{lit: 'a'}, {length: 3, dist: 2}})
			return wrap(w.flush(), []byte("aaaa"))
		}, ErrCorrupt},
		{"dist-too-far-fast-path", func() []byte {
			var w bitWriter
			fixedBlock(&w, true, append(litSyms(100), append([]sym{{length: 3, dist: 101}}, litSyms(100)...)...))
			return wrap(w.flush(), make([]byte, 203))
		}, ErrCorrupt},
		{"window-reset-fast-path", func() []byte {
			var w1, w2 bitWriter
			fixedBlock(&w1, true, litSyms(100))
			fixedBlock(&w2, true, append(litSyms(50), append([]sym{{length: 3, dist: 60}}, litSyms(100)...)...))
			return append(wrap(w1.flush(), expand(litSyms(100))), wrap(w2.flush(), make([]byte, 153))...)
		}, ErrCorrupt},
		{"fixed-dist-30", func() []byte {
			var w bitWriter
			w.bits(1|1<<1, 3)
			l, d := fixedLens()
			lc := canonical(l)
			w.code(lc['a'], l['a'])
			w.code(lc[257], l[257])
			w.code(canonical(d)[30], 5)
			return wrap(w.flush(), []byte("aaaa"))
		}, ErrCorrupt},
		{"fixed-lit-286", func() []byte {
			var w bitWriter
			w.bits(1|1<<1, 3)
			l, _ := fixedLens()
			w.code(canonical(l)[286], l[286])
			return wrap(w.flush(), nil)
		}, ErrCorrupt},
		{"block-type-3", func() []byte { return wrap([]byte{0x07, 0, 0}, nil) }, ErrCorrupt},
		{"stored-nlen", func() []byte { return wrap([]byte{0x01, 2, 0, 0xfd, 0xfe, 'a', 'b'}, []byte("ab")) }, ErrCorrupt},
		{"window-reset-between-members", func() []byte {
			var w1, w2 bitWriter
			fixedBlock(&w1, true, []sym{{lit: 'a'}})
			fixedBlock(&w2, true, []sym{{length: 3, dist: 1}})
			return append(wrap(w1.flush(), []byte("a")), wrap(w2.flush(), []byte("aaa"))...)
		}, ErrCorrupt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.stream()
			_, err := decode(s)
			_, stdErr := refDecode(s)
			if (err == nil) != (stdErr == nil) {
				t.Errorf("err %v, stdlib err %v", err, stdErr)
			}
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("err %v, want %v", err, tc.wantErr)
			}
		})
	}
}

// dynBlockLens declares declLit/distLens in the header but encodes one
// literal 'a' and EOB using encLit codes.
func dynBlockLens(w *bitWriter, declLit, encLit, distLens []uint8) {
	dynHeader(w, true, declLit, distLens)
	lc := canonical(encLit)
	w.code(lc['a'], encLit['a'])
	w.code(lc[256], encLit[256])
	w.bits(0, 16)
}

func TestDynamicCrafted(t *testing.T) {
	// Long (> root bits) litlen and distance codes exercise subtables.
	lit := completeLens(286, 15)
	dist := completeLens(30, 15)
	syms := craftedSyms()
	rng := rand.New(rand.NewPCG(5, 5))
	for range 2000 {
		syms = append(syms, sym{lit: byte(rng.Uint32())})
	}
	for d := 1; d < 3000; d += 97 {
		syms = append(syms, sym{length: 3 + d%256, dist: d})
	}
	var w bitWriter
	dynBlock(&w, false, lit, dist, syms)
	dynBlock(&w, true, lit, dist, syms)
	content := expand(append(append([]sym{}, syms...), syms...))
	comp := wrap(w.flush(), content)
	got, err := decode(comp)
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("err %v equal %v", err, bytes.Equal(got, content))
	}
	if _, err := refDecode(comp); err != nil {
		t.Fatalf("stdlib: %v", err)
	}
}

// completeLens returns n code lengths forming a complete prefix code whose
// longest code has maxLen bits: lengths 1,2,3,... then the remainder equal.
func completeLens(n, maxLen int) []uint8 {
	lens := make([]uint8, n)
	// Greedy: assign length l to one symbol while enough symbols remain to
	// fill the rest of the tree at maxLen.
	left := 1 << maxLen // capacity in units of 2^-maxLen
	for i := range lens {
		rest := n - i - 1
		for l := 1; l <= maxLen; l++ {
			w := 1 << (maxLen - l)
			if w <= left-rest && (rest > 0 || w == left) {
				if rest == 0 || (left-w) <= rest*(1<<(maxLen-1)) {
					lens[i] = uint8(l)
					left -= w
					break
				}
			}
		}
	}
	if left != 0 {
		panic("completeLens failed")
	}
	return lens
}

func TestMultiMember(t *testing.T) {
	a := fastqLike(70000, 11)
	b := runs(40000)
	var comp, want []byte
	for i, d := range [][]byte{a, nil, b, a[:1], a} {
		comp = append(comp, gzipLevel(t, d, []int{1, 6, 9, 0, -2}[i])...)
		want = append(want, d...)
	}
	got, err := decode(comp)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("err %v equal %v", err, bytes.Equal(got, want))
	}
}

func TestSmallReads(t *testing.T) {
	data := append(fastqLike(40000, 12), runs(5000)...)
	comp := append(gzipLevel(t, data, 6), gzipLevel(t, data[:100], 0)...)
	want := append(append([]byte{}, data...), data[:100]...)
	for _, oneByteIn := range []bool{false, true} {
		// Inputs delivered with io.EOF alongside the last data.
		r, err := NewReader(iotest.DataErrReader(bytes.NewReader(comp)))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := io.ReadAll(r); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("DataErrReader: %v", err)
		}
		for _, n := range []int{1, 2, 3, 7, 8, 9, 64, 1000} {
			var src io.Reader = bytes.NewReader(comp)
			if oneByteIn {
				src = iotest.OneByteReader(src)
			}
			r, err := NewReader(src)
			if err != nil {
				t.Fatal(err)
			}
			var got []byte
			p := make([]byte, n)
			for {
				k, err := r.Read(p)
				got = append(got, p[:k]...)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("oneByte=%v n=%d: %v", oneByteIn, n, err)
				}
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("oneByte=%v n=%d: mismatch", oneByteIn, n)
			}
		}
	}
	// iotest.TestReader checks io.Reader conventions.
	r, _ := NewReader(iotest.HalfReader(bytes.NewReader(comp)))
	if err := iotest.TestReader(r, want); err != nil {
		t.Fatal(err)
	}
}

// TestRealFile decodes real gzipped reads (the benchmark set's chr22
// reads when bench/run.sh made them, else an airway sample of the shared
// data) and compares the output with klauspost/compress's.
func TestRealFile(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	path := realFile
	if _, err := os.Stat(path); err != nil {
		path = testref.SharedFile(t, "data/real/human_airway_chr1_10M/reads/SRR1039508_R1.fastq.gz")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h1, h2 := sha256.New(), sha256.New()
	r, err := NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	n1, err := io.Copy(h1, r)
	if err != nil {
		t.Fatal(err)
	}
	kr, err := kgzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	n2, err := io.Copy(h2, kr)
	if err != nil {
		t.Fatal(err)
	}
	if n1 != n2 || !bytes.Equal(h1.Sum(nil), h2.Sum(nil)) {
		t.Fatalf("mismatch: %d vs %d bytes", n1, n2)
	}
}

func TestTruncated(t *testing.T) {
	data := fastqLike(60000, 13)
	for _, lvl := range []int{0, 1, 6, -2} {
		comp := gzipLevel(t, data, lvl)
		step := max(1, len(comp)/300)
		for cut := 0; cut < len(comp); cut += step {
			for _, c := range []int{cut, len(comp) - 1 - cut%9} {
				_, err := decode(comp[:c])
				if c == 0 {
					if err != io.EOF {
						t.Fatalf("empty input: %v, want io.EOF", err)
					}
					continue
				}
				if err != io.ErrUnexpectedEOF {
					t.Fatalf("level %d cut %d/%d: %v", lvl, c, len(comp), err)
				}
			}
		}
	}
}

func TestHeaderAndTrailer(t *testing.T) {
	data := []byte("hello, gzip\n")
	good := gzipLevel(t, data, 6)
	mod := func(f func(b []byte) []byte) []byte { return f(append([]byte{}, good...)) }

	var hb bytes.Buffer
	hw := gzip.NewWriter(&hb)
	hw.Header.Name = "reads.fq"
	hw.Header.Comment = "a comment"
	hw.Header.Extra = []byte("BC\x02\x00\x00\x00")
	hw.Write(data)
	hw.Close()

	// FHCRC: craft header with all flags.
	hdr := []byte{0x1f, 0x8b, 8, 2 | 4 | 8 | 16 | 1, 0, 0, 0, 0, 0, 3, 3, 0, 'x', 'y', 'z', 'n', 0, 'c', 0}
	crc := crc32.ChecksumIEEE(hdr)
	hcrc := binary.LittleEndian.AppendUint16(append([]byte{}, hdr...), uint16(crc))
	body := good[10:]
	withHCRC := append(append([]byte{}, hcrc...), body...)
	badHCRC := append(binary.LittleEndian.AppendUint16(append([]byte{}, hdr...), uint16(crc)^1), body...)
	longName := append([]byte{0x1f, 0x8b, 8, 8, 0, 0, 0, 0, 0, 3}, bytes.Repeat([]byte{'n'}, 600)...)
	longName = append(append(longName, 0), body...)

	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"good", good, nil},
		{"name-comment-extra", hb.Bytes(), nil},
		{"fhcrc", withHCRC, nil},
		{"bad-fhcrc", badHCRC, ErrHeader},
		{"long-name", longName, ErrHeader},
		{"bad-magic", mod(func(b []byte) []byte { b[0] = 0x1e; return b }), ErrHeader},
		{"bad-method", mod(func(b []byte) []byte { b[2] = 7; return b }), ErrHeader},
		{"reserved-flag", mod(func(b []byte) []byte { b[3] |= 0x20; return b }), ErrHeader},
		{"bad-crc", mod(func(b []byte) []byte { b[len(b)-8] ^= 1; return b }), ErrChecksum},
		{"bad-isize", mod(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), ErrLength},
		{"trailing-garbage", mod(func(b []byte) []byte { return append(b, "0123456789abcdef"...) }), ErrTrailing},
		{"trailing-short", mod(func(b []byte) []byte { return append(b, "012"...) }), ErrTrailing},
		{"trailing-zeros", mod(func(b []byte) []byte { return append(b, make([]byte, 20)...) }), nil},
		{"trailing-zeros-then-data", mod(func(b []byte) []byte { return append(append(b, make([]byte, 20)...), 'x') }), ErrTrailing},
		{"trailing-header-start", mod(func(b []byte) []byte { return append(b, 0x1f, 0x8b, 8) }), io.ErrUnexpectedEOF},
		{"trailing-0x1f", mod(func(b []byte) []byte { return append(b, 0x1f) }), ErrTrailing},
		{"empty", nil, io.EOF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decode(tc.in)
			if err != tc.want {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			_, stdErr := refDecode(tc.in)
			if (stdErr == nil) != (err == nil) {
				t.Fatalf("err %v, stdlib %v", err, stdErr)
			}
			if err == nil && !bytes.Equal(got, data) {
				t.Fatal("mismatch")
			}
		})
	}
}

// TestFlipped corrupts single bytes: the decoder must not panic and must
// agree with the reference decoder (refDecode) on whether the stream is valid.
func TestFlipped(t *testing.T) {
	data := fastqLike(20000, 14)
	for _, lvl := range []int{1, 6, -2} {
		comp := gzipLevel(t, data, lvl)
		rng := rand.New(rand.NewPCG(uint64(lvl+10), 1))
		for range 400 {
			b := append([]byte{}, comp...)
			b[rng.IntN(len(b))] ^= byte(1 + rng.IntN(255))
			_, err := decode(b)
			_, stdErr := refDecode(b)
			if (err == nil) != (stdErr == nil) {
				t.Fatalf("level %d: err %v, stdlib %v", lvl, err, stdErr)
			}
		}
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestReaderError(t *testing.T) {
	boom := errors.New("boom")
	comp := gzipLevel(t, fastqLike(50000, 15), 6)
	r, err := NewReader(io.MultiReader(bytes.NewReader(comp[:len(comp)/2]), errReader{boom}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(r); err != boom {
		t.Fatalf("err %v, want boom", err)
	}
}

func TestNoAllocsPerRead(t *testing.T) {
	comp := gzipLevel(t, fastqLike(1<<20, 16), 6)
	r, err := NewReader(bytes.NewReader(comp))
	if err != nil {
		t.Fatal(err)
	}
	p := make([]byte, 4096)
	allocs := testing.AllocsPerRun(100, func() { r.Read(p) })
	if allocs != 0 {
		t.Fatalf("%v allocs per Read", allocs)
	}
}

// FuzzReader checks that the decoder never panics and agrees with
// klauspost/compress (see refDecode) on the output and on whether an error occurs.
func FuzzReader(f *testing.F) {
	seed := [][]byte{
		gzipLevel(f, nil, 6),
		gzipLevel(f, []byte("a"), 6),
		gzipLevel(f, runs(3000), 6),
		gzipLevel(f, fastqLike(2000, 1), 1),
		gzipLevel(f, fastqLike(1000, 2), 0),
		gzipLevel(f, fastqLike(1000, 3), -2),
		append(gzipLevel(f, []byte("ab"), 9), gzipLevel(f, []byte("cd"), 9)...),
	}
	var w bitWriter
	fixedBlock(&w, true, craftedSyms()[:40])
	seed = append(seed, wrap(w.flush(), expand(craftedSyms()[:40])))
	if files, _ := os.ReadDir("testdata"); files != nil {
		for _, fi := range files {
			if b, err := os.ReadFile("testdata/" + fi.Name()); err == nil {
				seed = append(seed, b)
			}
		}
	}
	for _, s := range seed {
		f.Add(s)
	}
	const limit = 1 << 20
	f.Fuzz(func(t *testing.T, b []byte) {
		var got, want []byte
		var err, stdErr error
		if r, e := NewReader(bytes.NewReader(b)); e != nil {
			err = e
		} else {
			got, err = io.ReadAll(io.LimitReader(r, limit))
		}
		want, stdErr = refDecodeLimit(b, limit)
		if len(got) == limit || len(want) == limit {
			n := min(len(got), len(want))
			if !bytes.Equal(got[:n], want[:n]) {
				t.Fatal("output prefix differs")
			}
			return
		}
		if (err == nil) != (stdErr == nil) {
			t.Fatalf("err %v, stdlib err %v", err, stdErr)
		}
		if err == nil && !bytes.Equal(got, want) {
			t.Fatalf("output differs: %d vs %d bytes", len(got), len(want))
		}
	})
}

func litSyms(n int) []sym {
	s := make([]sym, n)
	for i := range s {
		s[i].lit = byte('a' + i%26)
	}
	return s
}

func TestReset(t *testing.T) {
	a, b := fastqLike(3<<20, 21), runs(100000)
	r, err := NewReader(bytes.NewReader(gzipLevel(t, a, 6)))
	if err != nil {
		t.Fatal(err)
	}
	// Stop part-way through a, then reuse for b.
	if _, err := io.ReadFull(r, make([]byte, 2<<20)); err != nil {
		t.Fatal(err)
	}
	if err := r.Reset(bytes.NewReader(gzipLevel(t, b, 1))); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, b) {
		t.Fatalf("after Reset: err %v equal %v", err, bytes.Equal(got, b))
	}
	if err := r.Reset(bytes.NewReader(nil)); err != io.EOF {
		t.Fatalf("Reset(empty) = %v, want io.EOF", err)
	}
}
