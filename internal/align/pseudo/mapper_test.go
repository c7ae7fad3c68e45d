package pseudo

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gallisto/gallisto/internal/graph/index"
	"github.com/gallisto/gallisto/internal/graph/kmer"
)

// The test transcriptome is made of random segments (random, so that no
// k-mer repeats by chance) shared between transcripts:
//
//	A = X Y U Z      B = X Y W      C = V Z
//
// so the contigs are X+Y (class {A,B}), U (A), Z ({A,C}), W (B), V (C),
// give or take the k-1 bases around each junction.
const testK = 11

type world struct {
	idx     *index.Index
	seg     map[string]string
	tx      []string // A, B, C
	segLens map[string]int
}

func randDNA(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = "ACGT"[r.IntN(4)]
	}
	return string(b)
}

func rc(s string) string {
	b := []byte(s)
	slices.Reverse(b)
	for i, c := range b {
		b[i] = "TGCA"[strings.IndexByte("ACGT", c)]
	}
	return string(b)
}

func newWorld(t *testing.T) *world {
	t.Helper()
	r := rand.New(rand.NewPCG(11, 13))
	w := &world{seg: map[string]string{}}
	for _, s := range []struct {
		name string
		n    int
	}{{"X", 60}, {"Y", 60}, {"U", 300}, {"Z", 60}, {"W", 60}, {"V", 60}} {
		w.seg[s.name] = randDNA(r, s.n)
	}
	w.tx = []string{
		w.seg["X"] + w.seg["Y"] + w.seg["U"] + w.seg["Z"],
		w.seg["X"] + w.seg["Y"] + w.seg["W"],
		w.seg["V"] + w.seg["Z"],
	}
	fa := filepath.Join(t.TempDir(), "tx.fa")
	var b strings.Builder
	for i, s := range w.tx {
		b.WriteString(">" + string(rune('A'+i)) + "\n" + s + "\n")
	}
	if err := os.WriteFile(fa, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	x, err := index.Build(context.Background(), []string{fa}, index.BuildOptions{K: testK})
	if err != nil {
		t.Fatal(err)
	}
	w.idx = x
	return w
}

// countingDict counts lookups, to observe skipping.
type countingDict struct {
	index.Dict
	n int
}

// countingMapper returns a Mapper over a copy of w's index whose
// dictionary counts lookups.
func countingMapper(w *world) (*Mapper, *countingDict) {
	cd := &countingDict{Dict: w.idx.Dict}
	x := *w.idx
	x.Dict = cd
	return NewMapper(&x, Options{}), cd
}

func (c *countingDict) Lookup(km kmer.Kmer) (index.Entry, bool) {
	c.n++
	return c.Dict.Lookup(km)
}

func (c *countingDict) LookupPair(a, b kmer.Kmer) (index.Entry, bool, index.Entry, bool) {
	c.n += 2
	return c.Dict.LookupPair(a, b)
}

const (
	A = 0
	B = 1
	C = 2
)

func TestMapSingle(t *testing.T) {
	w := newWorld(t)
	a := w.tx[A]
	// Offsets of segments in A: X 0-60, Y 60-120, U 120-420, Z 420-480.
	mut := []byte(a[150:200])
	mut[20] = "CGTA"[strings.IndexByte("ACGT", mut[20])] // a substitution
	withN := []byte(a[130:190])
	withN[30] = 'N'
	for _, tc := range []struct {
		name   string
		read   string
		want   []uint32
		reason Reason
	}{
		{"inside X+Y", a[10:60], []uint32{A, B}, Aligned},
		{"inside X+Y reverse strand", rc(a[10:60]), []uint32{A, B}, Aligned},
		{"across Y|U", a[100:150], []uint32{A}, Aligned},
		{"inside Z", a[425:475], []uint32{A, C}, Aligned},
		{"inside W", w.tx[B][125:175], []uint32{B}, Aligned},
		{"across Y|W", w.tx[B][90:140], []uint32{B}, Aligned},
		// The substitution lies in a stretch the mapper skips over, so the
		// read still aligns (kallisto never looks at those k-mers).
		{"substitution skipped", string(mut), []uint32{A}, Aligned},
		{"N in the middle", string(withN), []uint32{A}, Aligned},
		{"lower case", strings.ToLower(a[10:60]), []uint32{A, B}, Aligned},
		{"chimera W|V", w.seg["W"][:30] + w.seg["V"][:30], nil, Conflict},
		{"shorter than k", a[10 : 10+testK-1], nil, TooShort},
		{"all N", strings.Repeat("N", 40), nil, TooManyN},
		{"N every 8 bases", strings.Repeat("ACGTACGN", 6), nil, TooManyN},
		{"not in index", randDNA(rand.New(rand.NewPCG(1, 1)), 50), nil, NoKmer},
		{"empty read", "", nil, TooShort},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMapper(w.idx, Options{})
			r := m.Map([]byte(tc.read), nil)
			if r.Reason != tc.reason || !slices.Equal(r.Targets, tc.want) {
				t.Errorf("got %v %v, want %v %v", r.Targets, r.Reason, tc.want, tc.reason)
			}
			if r.Reason == Aligned {
				ec, ok, _ := w.idx.FindEC(r.Targets, nil)
				if !ok || int32(ec) != r.EC {
					t.Errorf("EC %d, index says %d,%v", r.EC, ec, ok)
				}
			}
		})
	}
}

// A read inside one long contig is resolved with a handful of lookups: the
// first k-mer, the contig's far end, and nothing in between.
func TestSkipping(t *testing.T) {
	w := newWorld(t)
	m, cd := countingMapper(w)
	read := w.tx[A][150:250] // 100 bases inside U: 90 k-mers
	if r := m.Map([]byte(read), nil); !slices.Equal(r.Targets, []uint32{A}) {
		t.Fatalf("got %v", r.Targets)
	}
	if cd.n > 3 {
		t.Errorf("%d lookups for a read inside one contig, want at most 3", cd.n)
	}
}

// A read that runs from contig X+Y into U crosses the junction through the
// index's contig adjacency: the dictionary is consulted once, for the
// first k-mer (then the hint finds X+Y's last k-mer, the adjacency U's
// first, and the hint again the read's last k-mer inside U).
func TestCrossWithoutDictionary(t *testing.T) {
	w := newWorld(t)
	m, cd := countingMapper(w)
	for _, tc := range []struct {
		name string
		read string
	}{
		{"forward", w.tx[A][20:220]},
		{"reverse", rc(w.tx[A][20:220])},
	} {
		cd.n = 0
		if r := m.Map([]byte(tc.read), nil); !slices.Equal(r.Targets, []uint32{A}) {
			t.Fatalf("%s: got %v", tc.name, r.Targets)
		}
		if cd.n != 1 {
			t.Errorf("%s: %d dictionary lookups for a read over two contigs, want 1", tc.name, cd.n)
		}
	}
}

func TestMapPairs(t *testing.T) {
	w := newWorld(t)
	a, b, c := w.tx[A], w.tx[B], w.tx[C]
	for _, tc := range []struct {
		name    string
		r1, r2  string
		want    []uint32
		reason  Reason
		fragLen int32
	}{
		{"X+Y and Z", a[10:60], rc(a[430:480]), []uint32{A}, Aligned, 0},
		{"mate 2 has no hit", a[10:60], strings.Repeat("N", 50), []uint32{A, B}, Aligned, 0},
		{"mate 1 has no hit", randDNA(rand.New(rand.NewPCG(5, 5)), 50), rc(a[430:480]), []uint32{A, C}, Aligned, 0},
		{"mates on different transcripts", b[125:175], rc(c[5:55]), nil, Conflict, 0},
		{"a chimeric mate spoils the pair", a[10:60], w.seg["W"][:30] + w.seg["V"][:30], nil, Conflict, 0},
		// Both mates inside U, unique to A: the fragment runs from 150
		// to 350 on A, so its length is 200.
		{"fragment length measured", a[150:200], rc(a[300:350]), []uint32{A}, Aligned, 200},
		// kallisto does not check that the mates face each other: mates
		// pointing away from each other measure their outer distance.
		{"fragment length, mates facing out", a[300:350], rc(a[150:200]), []uint32{A}, Aligned, 100},
		{"neither mate maps", strings.Repeat("N", 50), strings.Repeat("N", 50), nil, TooManyN, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMapper(w.idx, Options{})
			r := m.Map([]byte(tc.r1), []byte(tc.r2))
			if r.Reason != tc.reason || !slices.Equal(r.Targets, tc.want) || r.FragLen != tc.fragLen {
				t.Errorf("got %v %v fraglen %d, want %v %v %d", r.Targets, r.Reason, r.FragLen, tc.want, tc.reason, tc.fragLen)
			}
		})
	}
}

func TestStrandFilter(t *testing.T) {
	w := newWorld(t)
	a := w.tx[A]
	fwd, rev := a[10:60], rc(a[430:480]) // read 1 on A's strand, read 2 opposite
	for _, tc := range []struct {
		strand Strand
		r1, r2 string
		want   []uint32
		reason Reason
	}{
		{FR, fwd, rev, []uint32{A}, Aligned},
		{RF, fwd, rev, nil, StrandFilter},
		{FR, rc(a[430:480]), a[10:60], nil, StrandFilter},
		{RF, rc(a[10:60]), a[430:480], []uint32{A}, Aligned},
		{FR, fwd, "", []uint32{A, B}, Aligned},
		{RF, fwd, "", nil, StrandFilter},
	} {
		m := NewMapper(w.idx, Options{Strand: tc.strand})
		var r2 []byte
		if tc.r2 != "" {
			r2 = []byte(tc.r2)
		}
		r := m.Map([]byte(tc.r1), r2)
		if r.Reason != tc.reason || !slices.Equal(r.Targets, tc.want) {
			t.Errorf("strand %d: got %v %v, want %v %v", tc.strand, r.Targets, r.Reason, tc.want, tc.reason)
		}
	}
}

// With a known mean fragment length, a single read is kept on a transcript
// only if a fragment that long starting at the read fits in it. A has 480
// bases; a forward read starting at 0-based p keeps A when p+1+fl <= 480.
func TestOverhangFilter(t *testing.T) {
	w := newWorld(t)
	a := w.tx[A]
	for _, tc := range []struct {
		p, fl  int
		want   []uint32
		reason Reason
	}{
		{150, 329, []uint32{A}, Aligned},
		{150, 330, nil, Overhang},
		{150, 0, []uint32{A}, Aligned}, // filter off
	} {
		m := NewMapper(w.idx, Options{MeanFragLen: tc.fl})
		r := m.Map([]byte(a[tc.p:tc.p+50]), nil)
		if r.Reason != tc.reason || !slices.Equal(r.Targets, tc.want) {
			t.Errorf("p=%d fl=%d: got %v %v, want %v %v", tc.p, tc.fl, r.Targets, r.Reason, tc.want, tc.reason)
		}
	}
	m := NewMapper(w.idx, Options{MeanFragLen: 330, SingleOverhang: true})
	if r := m.Map([]byte(a[150:200]), nil); r.Reason != Aligned {
		t.Errorf("--single-overhang: got %v", r.Reason)
	}
}

func BenchmarkMap(b *testing.B) {
	t := &testing.T{}
	w := newWorld(t)
	r := rand.New(rand.NewPCG(2, 3))
	var reads [][]byte
	for i := 0; i < 1000; i++ {
		tx := w.tx[r.IntN(3)]
		p := r.IntN(len(tx) - 100)
		reads = append(reads, []byte(tx[p:p+100]))
	}
	m := NewMapper(w.idx, Options{})
	b.ReportAllocs()
	b.SetBytes(100)
	i := 0
	for b.Loop() {
		m.Map(reads[i%len(reads)], nil)
		i++
	}
}
