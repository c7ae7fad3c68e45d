package cells

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gallisto/gallisto/internal/output/bus"
)

func enc(s string) uint64 { v, _ := bus.Encode([]byte(s)); return v }

// TestCorrect: bustools correct's rule, on the cases of its source: a
// listed barcode stays, one at distance 1 from exactly one listed barcode
// becomes it, one at distance 1 from two (ambiguous) or 2 from any is
// dropped.
func TestCorrect(t *testing.T) {
	w, err := parseWhitelist(strings.NewReader("AAAAACGT\nAAAAACGA\nTTTTTTTT\n\n"), "wl")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"AAAAACGT", "AAAAACGT", true},
		{"AAAAACGC", "", false},        // one from both ACGT and ACGA
		{"CAAAACGT", "AAAAACGT", true}, // upper half
		{"TTTTTTTA", "TTTTTTTT", true}, // lower half
		{"TTTTTTAA", "", false},        // two away
		{"GGGGGGGG", "", false},
	} {
		for round := 0; round < 2; round++ { // the second answer comes from the memo
			got, ok := w.Correct(enc(tc.in))
			if ok != tc.ok || (ok && got != enc(tc.want)) {
				t.Errorf("Correct(%s) = %s %v, want %s %v", tc.in, bus.Decode(got, 8), ok, tc.want, tc.ok)
			}
		}
	}
	if w.Size() != 3 || w.Len != 8 {
		t.Errorf("size %d len %d", w.Size(), w.Len)
	}
}

func TestWhitelistErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"ACGT\nACG\n", "wl line 2: barcode \"ACG\" has 3 bases, the first line's 4"},
		{"ACGT\nAC-T\n", "wl line 2: \"AC-T\" is not a barcode"},
		{"barcode\nACGT\n", "wl line 1: \"barcode\" is not a barcode"},
		{"\n\n", "holds no barcode"},
		{strings.Repeat("A", 33) + "\n", "33 bases (at most 32)"},
	} {
		if _, err := parseWhitelist(strings.NewReader(tc.in), "wl"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.in, err, tc.want)
		}
	}
	if w, err := parseWhitelist(strings.NewReader("acgt\r\nACGA\r\n"), "wl"); err != nil || !w.Has(enc("ACGT")) {
		t.Errorf("lower case and CRLF: %v", err)
	}
}

func FuzzWhitelist(f *testing.F) {
	f.Add("AAAAACGT\nAAAAACGA\n")
	f.Add("acgt\r\n\nTTTT\n")
	f.Fuzz(func(t *testing.T, s string) {
		w, err := parseWhitelist(strings.NewReader(s), "wl")
		if err != nil {
			return
		}
		for _, line := range strings.Fields(s) {
			if !w.Has(enc(line)) {
				t.Fatalf("%q parsed but %q is not in it", s, line)
			}
			if got, ok := w.Correct(enc(line)); !ok || got != enc(line) {
				t.Fatalf("a listed barcode was corrected to %x", got)
			}
		}
	})
}

// TestSorterSpills: with a budget of a few records, the runs spilled to
// disk merge to what sorting everything in memory gives.
func TestSorterSpills(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	var recs []bus.Record
	for i := 0; i < 20000; i++ {
		recs = append(recs, bus.Record{Barcode: uint64(r.IntN(50)), UMI: uint64(r.IntN(30)), EC: int32(r.IntN(4)), Count: 1, Flags: uint32(r.IntN(2))})
	}
	want := sortMerge(slices.Clone(recs))
	small := &Sorter{Dir: t.TempDir(), Budget: 1 << 16} // 2,048 records
	for _, rc := range recs {
		if err := small.Add(rc); err != nil {
			t.Fatal(err)
		}
	}
	if small.Spills() == 0 {
		t.Fatal("the small budget spilled nothing")
	}
	var got []bus.Record
	if err := small.Each(func(rc bus.Record) error { got = append(got, rc); return nil }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("spilled sort: %d records, in memory %d", len(got), len(want))
	}
	var total uint32
	for _, rc := range got {
		total += rc.Count
	}
	if total != 20000 {
		t.Errorf("counts sum to %d, want 20000", total)
	}
}

// TestSorterChunks: records over several in-memory chunks, and over
// chunks and spilled runs together, come out as one sort and merge.
func TestSorterChunks(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	var recs []bus.Record
	for i := 0; i < 3*chunkRecords+1000; i++ {
		recs = append(recs, bus.Record{Barcode: uint64(r.IntN(3000)), UMI: uint64(r.IntN(500)), EC: int32(r.IntN(8)), Count: 1})
	}
	want := sortMerge(slices.Clone(recs))
	for _, budget := range []int64{1 << 30, 5 * chunkRecords * bus.RecordSize / 2} {
		s := &Sorter{Dir: t.TempDir(), Budget: budget}
		for _, rc := range recs {
			if err := s.Add(rc); err != nil {
				t.Fatal(err)
			}
		}
		var got []bus.Record
		if err := s.Each(func(rc bus.Record) error { got = append(got, rc); return nil }); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("budget %d (%d spills): %d records, want %d", budget, s.Spills(), len(got), len(want))
		}
		if budget < 1<<30 && s.Spills() == 0 {
			t.Errorf("budget %d spilled nothing", budget)
		}
	}
}

// TestSorterBudgetIsMemory: the budget bounds the memory the chunks hold,
// not the records left after merging. Reads of one molecule often come
// together, so a chunk can merge down to a fraction of its size; the old
// sorter counted what was left and held up to twice its budget
// (regression: a 10 M read count with --max-memory 100M peaked at 460 MB,
// 286 MB after the fix).
func TestSorterBudgetIsMemory(t *testing.T) {
	s := &Sorter{Dir: t.TempDir(), Budget: 4 * chunkRecords * bus.RecordSize}
	var want []bus.Record
	for i := 0; i < 12*chunkRecords; i++ {
		rc := bus.Record{Barcode: uint64(i / 3), UMI: uint64(i / 3 % 7), EC: 1, Count: 1} // three reads a molecule
		if err := s.Add(rc); err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			want = append(want, bus.Record{Barcode: uint64(i / 3), UMI: uint64(i / 3 % 7), EC: 1, Count: 3})
		}
		held := cap(s.cur)
		for _, c := range s.chunks {
			held += cap(c)
		}
		if held > s.capacity() {
			t.Fatalf("after %d records the chunks hold room for %d records, over the budget's %d", i+1, held, s.capacity())
		}
	}
	if s.Spills() == 0 {
		t.Fatal("nothing spilled")
	}
	var got []bus.Record
	if err := s.Each(func(rc bus.Record) error { got = append(got, rc); return nil }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("%d records, want %d", len(got), len(want))
	}
}

// TestCountMolecules: the synthetic cell of bustools count's facts:
// molecules {A} x2, {A} and {B} (nothing in common), {A,B}, {C} through a
// class with an unmapped transcript, an empty class, and {A,B} with
// {B,C} = {B}. Default mode counts A 2, B 1, C 1.
func TestCountMolecules(t *testing.T) {
	txNames := []string{"a", "b", "c", "x"}
	g, err := parseGenes(strings.NewReader("transcript\tgene\na\tA\nb\tB\nc\tC\nx\tX\n"), "t2g", txNames)
	if err != nil {
		t.Fatal(err)
	}
	g.OfTx[3] = -1 // x unmapped, as bustools would have it without a line
	classes := [][]uint32{{0}, {1}, {2}, {3}, {0, 1}, {1, 2}, {2, 3}}
	c := NewCounter(g, func(ec int32) []uint32 { return classes[ec] }, 4)
	bc := enc("ACGT")
	for _, r := range []bus.Record{
		{Barcode: bc, UMI: 1, EC: 0}, {Barcode: bc, UMI: 2, EC: 0}, // A, A
		{Barcode: bc, UMI: 3, EC: 0}, {Barcode: bc, UMI: 3, EC: 1}, // A and B: none
		{Barcode: bc, UMI: 4, EC: 4},                               // {A,B}: two
		{Barcode: bc, UMI: 5, EC: 6},                               // {C} (x unmapped)
		{Barcode: bc, UMI: 6, EC: 3},                               // {}: none
		{Barcode: bc, UMI: 7, EC: 4}, {Barcode: bc, UMI: 7, EC: 5}, // {B}
		{Barcode: enc("TTTT"), UMI: 1, EC: 3}, // a row without counts
	} {
		r.Count = 1
		c.Add(r)
	}
	m := c.Matrix()
	var b bytes.Buffer
	m.WriteMTX(&b)
	want := "%%MatrixMarket matrix coordinate real general\n%\n2 4 3" + strings.Repeat(" ", 61) + "\n1 1 2\n1 2 1\n1 3 1\n"
	if b.String() != want {
		t.Errorf("mtx:\n%q\nwant\n%q", b.String(), want)
	}
	if strings.Join(m.Barcodes, ",") != "ACGT,TTTT" || strings.Join(m.Genes, ",") != "A,B,C,X" {
		t.Errorf("rows %v columns %v", m.Barcodes, m.Genes)
	}
	if c.Molecules != 8 || c.Counted != 4 {
		t.Errorf("%d molecules, %d counted; want 8 and 4", c.Molecules, c.Counted)
	}
}

func TestGenesTable(t *testing.T) {
	tx := []string{"t1", "t2", "t3|ENSG3|x"}
	g, err := parseGenes(strings.NewReader("t2 G2 name\nother G9\nt1 G1\nt3 G3\nt2 G1\n"), "t2g", tx)
	if err != nil {
		t.Fatal(err)
	}
	// G2 first (first line), G9 skipped (not in the index), t2 moved to G1.
	if strings.Join(g.Names, ",") != "G2,G1,G3" || !slices.Equal(g.OfTx, []int32{1, 1, 2}) {
		t.Errorf("genes %v of tx %v", g.Names, g.OfTx)
	}
	for _, tc := range []struct{ in, want string }{
		{"t1 G1\nt2\n", "t2g line 2: \"t2\": want transcript and gene"},
		{"t1 G1\n", "2 of the index's 3 transcripts are not in it (first: t2, t3|ENSG3|x)"},
		{"q G1\n", "none of the index's 3 transcripts is in it"},
	} {
		if _, err := parseGenes(strings.NewReader(tc.in), "t2g", tx); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		v    []int
		want float64
	}{{nil, 0}, {[]int{3}, 3}, {[]int{5, 1, 3}, 3}, {[]int{4, 1, 2, 8}, 3}} {
		if got := Median(tc.v); got != tc.want {
			t.Errorf("Median(%v) = %g, want %g", tc.v, got, tc.want)
		}
	}
}
