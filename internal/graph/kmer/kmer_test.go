package kmer

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// naiveRC is the textbook reverse complement, the oracle for RevComp.
func naiveRC(s string) string {
	comp := map[byte]byte{'A': 'T', 'C': 'G', 'G': 'C', 'T': 'A'}
	b := make([]byte, len(s))
	for i := range s {
		b[len(s)-1-i] = comp[s[i]]
	}
	return string(b)
}

func randSeq(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = "ACGT"[r.IntN(4)]
	}
	return string(b)
}

func TestNewShape(t *testing.T) {
	for _, tc := range []struct {
		k  int
		ok bool
	}{{1, false}, {2, false}, {3, true}, {4, false}, {5, true}, {31, true}, {32, false}, {33, false}, {63, false}} {
		_, err := NewShape(tc.k)
		if (err == nil) != tc.ok {
			t.Errorf("NewShape(%d) error = %v, want ok=%v", tc.k, err, tc.ok)
		}
	}
}

// TestEncoding pins the bit layout to kallisto's: A=0 C=1 G=2 T=3, first
// base most significant, so numerical and lexicographic order agree.
func TestEncoding(t *testing.T) {
	s := MustShape(5)
	for _, tc := range []struct {
		seq  string
		want Kmer
	}{
		{"AAAAA", 0},
		{"AAAAC", 1},
		{"CAAAA", 1 << 8},
		{"TTTTT", 1<<10 - 1},
		{"acgta", 0b0001101100},
	} {
		got, ok := s.FromBytes([]byte(tc.seq))
		if !ok || got != tc.want {
			t.Errorf("FromBytes(%q) = %b,%v want %b", tc.seq, got, ok, tc.want)
		}
		if strings.ToUpper(tc.seq) != s.String(got) {
			t.Errorf("String(FromBytes(%q)) = %q", tc.seq, s.String(got))
		}
	}
	if _, ok := s.FromBytes([]byte("ACNGT")); ok {
		t.Error("FromBytes accepted N")
	}
}

func TestRevCompCanonical(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, k := range []int{3, 5, 7, 15, 21, 31} {
		s := MustShape(k)
		for i := 0; i < 500; i++ {
			seq := randSeq(r, k)
			km, _ := s.FromBytes([]byte(seq))
			rc := s.RevComp(km)
			if got, want := s.String(rc), naiveRC(seq); got != want {
				t.Fatalf("k=%d RevComp(%s) = %s want %s", k, seq, got, want)
			}
			if s.RevComp(rc) != km {
				t.Fatalf("k=%d RevComp not an involution on %s", k, seq)
			}
			c, fw := s.Canonical(km)
			wantC := seq
			if naiveRC(seq) < seq {
				wantC = naiveRC(seq)
			}
			if s.String(c) != wantC || fw != (wantC == seq) {
				t.Fatalf("k=%d Canonical(%s) = %s,%v want %s", k, seq, s.String(c), fw, wantC)
			}
		}
	}
}

func TestAppendPrepend(t *testing.T) {
	s := MustShape(5)
	km, _ := s.FromBytes([]byte("ACGTA"))
	if got := s.String(s.Append(km, Code('G'))); got != "CGTAG" {
		t.Errorf("Append = %s", got)
	}
	if got := s.String(s.Prepend(km, Code('T'))); got != "TACGT" {
		t.Errorf("Prepend = %s", got)
	}
	if s.First(km) != 0 || Last(km) != 0 {
		t.Errorf("First/Last = %d/%d", s.First(km), Last(km))
	}
}

// naiveKmers lists (pos, kmer) for every window of only ACGT/acgt bytes.
func naiveKmers(seq string, k int) (pos []int, kms []string) {
	for i := 0; i+k <= len(seq); i++ {
		w := strings.ToUpper(seq[i : i+k])
		if strings.Trim(w, "ACGT") == "" {
			pos = append(pos, i)
			kms = append(kms, w)
		}
	}
	return
}

func TestIterator(t *testing.T) {
	s := MustShape(5)
	for _, seq := range []string{
		"",
		"ACGT",
		"ACGTA",
		"ACGTACGTTGCA",
		"ACGNACGTACGTT",    // N in the first window
		"ACGTACGNNACGTAGG", // N run in the middle
		"acgtaCGTTgcaN",    // lowercase and trailing N
		"NNNNNNNNNN",
		"ACGTRYACGTACGU", // IUPAC and U are not bases in reads
	} {
		wantPos, wantK := naiveKmers(seq, 5)
		var gotPos []int
		var gotK []string
		for it := NewIterator(s, []byte(seq)); !it.Done(); it.Next() {
			gotPos = append(gotPos, it.Pos())
			gotK = append(gotK, s.String(it.Kmer()))
			if s.RevComp(it.Kmer()) != it.RevComp() {
				t.Fatalf("%q: rolling reverse complement wrong at %d", seq, it.Pos())
			}
		}
		if strings.Join(gotK, ",") != strings.Join(wantK, ",") || len(gotPos) != len(wantPos) {
			t.Fatalf("%q: got %v %v want %v %v", seq, gotPos, gotK, wantPos, wantK)
		}
		for i := range gotPos {
			if gotPos[i] != wantPos[i] {
				t.Fatalf("%q: positions %v want %v", seq, gotPos, wantPos)
			}
		}
	}
}

func TestJumpTo(t *testing.T) {
	s := MustShape(3)
	seq := []byte("ACGTNACGTTT")
	for _, tc := range []struct{ to, want int }{
		{0, 0}, {1, 1}, {2, 5}, {3, 5}, {5, 5}, {8, 8}, {9, -1}, {20, -1},
	} {
		it := NewIterator(s, seq)
		it.JumpTo(tc.to)
		got := -1
		if !it.Done() {
			got = it.Pos()
		}
		if got != tc.want {
			t.Errorf("JumpTo(%d) at %d want %d", tc.to, got, tc.want)
		}
	}
}

func FuzzIterator(f *testing.F) {
	f.Add([]byte("ACGTNNacgtACGTRYKM"), uint8(3))
	f.Add([]byte("TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT"), uint8(31))
	f.Fuzz(func(t *testing.T, seq []byte, kk uint8) {
		k := int(kk)%15*2 + 3
		if k > MaxK {
			k = MaxK
		}
		s := MustShape(k)
		wantPos, wantK := naiveKmers(string(seq), k)
		i := 0
		for it := NewIterator(s, seq); !it.Done(); it.Next() {
			if i >= len(wantPos) || it.Pos() != wantPos[i] || s.String(it.Kmer()) != wantK[i] {
				t.Fatalf("mismatch at window %d", i)
			}
			i++
		}
		if i != len(wantPos) {
			t.Fatalf("got %d windows want %d", i, len(wantPos))
		}
	})
}

func BenchmarkIterator(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	seq := []byte(randSeq(r, 100))
	s := MustShape(31)
	b.SetBytes(int64(len(seq)))
	b.ReportAllocs()
	var sink Kmer
	for b.Loop() {
		for it := NewIterator(s, seq); !it.Done(); it.Next() {
			c, _ := it.Canonical()
			sink ^= c
		}
	}
	_ = sink
}

// BenchmarkJumpTo: the mapper jumps to a contig's far end or middle a few
// times per read, each time encoding a k-mer anew. Bytes are k-mers.
func BenchmarkJumpTo(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	seq := []byte(randSeq(r, 100))
	s := MustShape(31)
	it := NewIterator(s, seq)
	b.SetBytes(int64(s.K))
	b.ReportAllocs()
	var sink Kmer
	pos := 0
	for b.Loop() {
		pos = (pos + 37) % 70 // 70 windows of 31 in 100 bases, visited in a scattered order
		it.JumpTo(pos)
		sink ^= it.Kmer()
	}
	_ = sink
}

func TestPacked(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	seq := randSeq(r, 1000)
	var p Packed
	p.AppendBases([]byte(seq[:10]))
	p.AppendBases([]byte(strings.ToLower(seq[10:])))
	if p.Len() != 1000 || string(p.Bases(0, 1000)) != seq {
		t.Fatalf("round trip failed")
	}
	for _, k := range []int{3, 15, 31} {
		s := MustShape(k)
		for i := 0; i+k <= len(seq); i++ {
			want, _ := s.FromBytes([]byte(seq[i:]))
			if got := p.Kmer(s, i); got != want {
				t.Fatalf("k=%d Kmer(%d) = %s want %s", k, i, s.String(got), s.String(want))
			}
		}
	}
}
