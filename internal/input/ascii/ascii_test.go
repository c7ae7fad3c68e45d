package ascii

import (
	"bytes"
	"testing"
)

// TestFindEveryByteEveryOffset puts every byte value at every offset of
// lines of several lengths (short tails, whole 16-byte steps and both)
// and compares Find with the byte-by-byte oracle.
func TestFindEveryByteEveryOffset(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 100} {
		line := bytes.Repeat([]byte("ACGT"), 26)[:n]
		if got := Find(line); got != -1 {
			t.Fatalf("clean line of %d bytes: Find = %d", n, got)
		}
		for off := 0; off < n; off++ {
			for v := 0; v < 256; v++ {
				b := bytes.Clone(line)
				b[off] = byte(v)
				want := findNaive(b)
				if got := Find(b); got != want {
					t.Fatalf("len %d, byte %#x at %d: Find = %d, want %d", n, v, off, got, want)
				}
			}
		}
	}
}

// TestFindFirstOfTwo checks that of two bad bytes the first is reported,
// including a 0xff whose carry reaches the next byte and a NUL whose
// borrow does.
func TestFindFirstOfTwo(t *testing.T) {
	for _, c := range []struct {
		a, b byte
	}{{0xff, 0x00}, {0x00, 0xff}, {' ', '\t'}, {0x7f, 0x80}, {0x20, 0x7f}} {
		for i := 0; i < 40; i++ {
			for j := i + 1; j < 40; j++ {
				b := bytes.Repeat([]byte("I"), 40)
				b[i], b[j] = c.a, c.b
				if got := Find(b); got != i {
					t.Fatalf("%#x at %d, %#x at %d: Find = %d", c.a, i, c.b, j, got)
				}
			}
		}
	}
}

func TestBounds(t *testing.T) {
	for v := 0; v < 256; v++ {
		want := -1
		if v < '!' || v > '~' {
			want = 0
		}
		if got := Find([]byte{byte(v)}); got != want {
			t.Errorf("byte %#x: Find = %d, want %d", v, got, want)
		}
	}
}

func TestFindControl(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int
	}{
		{"@read1 1:N:0:ACGT\tcomment", -1},
		{"@r\r\n", -1},
		{"@r é", -1},
		{"@r\x00", 2},
		{"\x1b[K", 0},
		{"ab\x7f", 2},
	} {
		if got := FindControl([]byte(c.in)); got != c.want {
			t.Errorf("FindControl(%q) = %d, want %d", c.in, got, c.want)
		}
	}
}

func FuzzFind(f *testing.F) {
	f.Add([]byte("ACGTNACGTNACGTNACGTN"))
	f.Add([]byte("IIII IIII\x00\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := Find(b), findNaive(b); got != want {
			t.Fatalf("Find(%q) = %d, want %d", b, got, want)
		}
	})
}

func BenchmarkFind(b *testing.B) {
	line := bytes.Repeat([]byte("ACGTACGTNNIIIIFF"), 10) // 160 bytes, a 2x150 read's size class
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		if Find(line) != -1 {
			b.Fatal("clean line reported")
		}
	}
}

func BenchmarkFindNaive(b *testing.B) {
	line := bytes.Repeat([]byte("ACGTACGTNNIIIIFF"), 10)
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		if findNaive(line) != -1 {
			b.Fatal("clean line reported")
		}
	}
}

// BenchmarkFindReadLines checks 10x v3's line lengths: 28 (barcode and
// UMI read) and 90 bases, as sequence and quality lines come.
func BenchmarkFindReadLines(b *testing.B) {
	lines := [][]byte{bytes.Repeat([]byte("ACGTN"), 6)[:28], bytes.Repeat([]byte("FFFF:"), 6)[:28],
		bytes.Repeat([]byte("ACGTN"), 18), bytes.Repeat([]byte("FFFF:"), 18)}
	b.SetBytes(int64(2*28 + 2*90))
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range lines {
			if Find(l) != -1 {
				b.Fatal("clean line reported")
			}
		}
	}
}
