package technology

import (
	"strings"
	"testing"
)

func TestBuiltins(t *testing.T) {
	for _, tc := range []struct {
		name          string
		files, bc, um int
		strand        Strand
	}{
		{"10xv1", 3, 14, 10, FR},
		{"10XV2", 2, 16, 10, FR},
		{"10xv3", 2, 16, 12, FR},
		{"visium", 2, 16, 12, FR},
		{"SureCell", 2, 18, 8, FR},
		{"DropSeq", 2, 12, 8, Unstranded},
		{"inDropsv1", 2, 19, 6, Unstranded},
		{"inDropsv2", 2, 19, 6, Unstranded},
		{"inDropsv3", 3, 16, 6, Unstranded},
		{"CELSeq", 2, 8, 4, FR},
		{"CELSeq2", 2, 6, 6, FR},
		{"SPLiT-seq", 2, 24, 10, Unstranded},
		{"SCRBSeq", 2, 6, 10, Unstranded},
		{"BDWTA", 2, 27, 8, FR},
		{"SmartSeq3", 4, 0, 8, FR},
		{"Bulk", 3, 0, 0, Unstranded},
	} {
		x, err := Parse(tc.name, false)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if x.Files != tc.files || x.BarcodeLen() != tc.bc || x.UMILen() != tc.um || x.Strand != tc.strand {
			t.Errorf("%s: files %d barcode %d UMI %d strand %v, want %d %d %d %v", tc.name, x.Files, x.BarcodeLen(), x.UMILen(), x.Strand, tc.files, tc.bc, tc.um, tc.strand)
		}
	}
	if x, err := Parse("bulk", true); err != nil || x.Files != 4 || !x.Paired {
		t.Errorf("Bulk --paired: %+v, %v", x, err)
	}
	if _, err := Parse("10xv2", true); err == nil {
		t.Error("10xv2 --paired accepted")
	}
	for _, want := range []string{"10xv1 ", "SmartSeq3 ", "Visium ", "Bulk RNA-seq or Smart-seq2"} {
		if !strings.Contains(List(), want) {
			t.Errorf("List lacks %q", want)
		}
	}
}

func TestCustom(t *testing.T) {
	x, err := Parse("0,0,8,0,8,16:0,16,26:1,0,0", false)
	if err != nil {
		t.Fatal(err)
	}
	if x.Files != 2 || x.BarcodeLen() != 16 || x.UMILen() != 10 || x.Strand != Unstranded || len(x.Barcode) != 2 {
		t.Errorf("custom: %+v", x)
	}
	if x, err := Parse("0,0,16:0,16,0:1,0,0", false); err != nil || x.UMILen() != 0 {
		t.Errorf("open-ended UMI: %+v %v", x, err)
	}
	if x, err := Parse("0,0,16:0,16,26:1,0,0,2,0,0", true); err != nil || !x.Paired || x.Files != 3 {
		t.Errorf("paired custom: %+v %v", x, err)
	}
	for _, tc := range []struct{ s, want string }{
		{"10xv9", `unknown technology "10xv9"`},
		{"0,0,16", "two colons (:), none found"},
		{"0,0,16:0,16,26", "two colons (:), only one found"},
		{"0,0,16:0,16,26:1,0,0:2", "two colons (:), three found"},
		{"0,0:0,16,26:1,0,0", "multiple of 3"},
		{"0,a,16:0,16,26:1,0,0", `"a" is not an integer`},
		{"0,0,16:0,26,16:1,0,0", "UMI: invalid stop 16: has to be after start 26"},
		{"-1,0,16:0,16,26:1,0,0", "barcode: invalid file number -1"},
		{"0,-2,16:0,16,26:1,0,0", "invalid start -2"},
		{"0,0,16::1,0,0", `UMI: "" is not an integer`},
	} {
		if _, err := Parse(tc.s, false); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want an error with %q", tc.s, err, tc.want)
		}
	}
}

func TestExtract(t *testing.T) {
	bc, umi, cdna := "AAACCCGGGTTTACGT", "ACGTACGTAC", "TTTTGGGGCCCCAAAATTTTGGGG"
	x, _ := Parse("10xv2", false)
	ex := NewExtractor(x)
	r, ok := ex.Extract([][]byte{[]byte(bc + umi + "TTTT"), []byte(cdna)})
	if !ok || string(r.Barcode) != bc || string(r.UMI) != umi || string(r.Seq) != cdna || r.Paired || !r.Stranded {
		t.Errorf("10xv2: %+v %v", r, ok)
	}
	if _, ok := ex.Extract([][]byte{[]byte(bc + "ACGT"), []byte(cdna)}); ok {
		t.Error("a read 1 too short for the UMI was taken")
	}
	// SPLiT-seq's three barcode pieces; cDNA from file 0.
	sp, _ := Parse("SPLiT-seq", false)
	r1 := strings.Repeat("C", 100)
	r2 := []byte(strings.Repeat("A", 100))
	copy(r2[10:], "GGGGGGGG")
	copy(r2[48:], "TTTTTTTT")
	copy(r2[78:], "CCCCCCCC")
	r, ok = NewExtractor(sp).Extract([][]byte{[]byte(r1), r2})
	if !ok || string(r.Barcode) != "GGGGGGGGTTTTTTTTCCCCCCCC" || string(r.UMI) != "AAAAAAAAAA" || string(r.Seq) != r1 {
		t.Errorf("SPLiT-seq: %q %q %q", r.Barcode, r.UMI, r.Seq)
	}
	// Several cDNA segments are joined, each followed by N.
	cu, _ := Parse("0,0,4:0,4,8:1,0,3,1,5,8", false)
	r, ok = NewExtractor(cu).Extract([][]byte{[]byte("AAAACCCC"), []byte("GGGTTAAA")})
	if !ok || string(r.Seq) != "GGGNAAAN" {
		t.Errorf("joined cDNA %q", r.Seq)
	}
	// SmartSeq3: a tagged read has UMI and strand filter; an untagged one
	// is cDNA from position 0 of read 3, without UMI or strand filter.
	ss, _ := Parse("SmartSeq3", false)
	e3 := NewExtractor(ss)
	i7, i5 := "ACGTACGT", "TTGGCCAA"
	tagged := SmartSeq3Tag + "GGGGAAAA" + "TTT" + "CACACACACACACACA"
	r, ok = e3.Extract([][]byte{[]byte(i7), []byte(i5), []byte(tagged), []byte(cdna)})
	if !ok || string(r.Barcode) != i7+i5 || string(r.UMI) != "GGGGAAAA" || string(r.Seq) != "CACACACACACACACA" || !r.Paired || !r.Stranded {
		t.Errorf("SmartSeq3 tagged: %q %q %q %v %v", r.Barcode, r.UMI, r.Seq, r.Paired, r.Stranded)
	}
	oneOff := "ATTGCGGAATG" + "GGGGAAAA" + "TTT" + "CACA" // one mismatch in the tag
	if r, _ := e3.Extract([][]byte{[]byte(i7), []byte(i5), []byte(oneOff), []byte(cdna)}); r.UMI == nil {
		t.Error("a tag one mismatch off was not taken")
	}
	untagged := "GGGGGGGGGGGGGGGGGGGGGGGGGGGGGG"
	r, ok = e3.Extract([][]byte{[]byte(i7), []byte(i5), []byte(untagged), []byte(cdna)})
	if !ok || r.UMI != nil || string(r.Seq) != untagged || r.Stranded {
		t.Errorf("SmartSeq3 untagged: %q %q %v", r.UMI, r.Seq, r.Stranded)
	}
	// Bulk: no UMI.
	bk, _ := Parse("Bulk", false)
	if r, ok := NewExtractor(bk).Extract([][]byte{[]byte("ACGT"), []byte("TTTT"), []byte(cdna)}); !ok || r.UMI != nil || string(r.Barcode) != "ACGTTTTT" {
		t.Errorf("Bulk: %q %q", r.Barcode, r.UMI)
	}
}

func TestBaseCode(t *testing.T) {
	for c, want := range map[byte]uint64{'A': 0, 'C': 1, 'G': 2, 'T': 3, 'a': 0, 'c': 1, 'g': 2, 't': 3, 'N': 2, 'n': 2} {
		if got := BaseCode(c); got != want {
			t.Errorf("BaseCode(%q) = %d, want %d", c, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"10xv2", "0,0,16:0,16,26:1,0,0", "0,0,8,0,8,16:0,16,0:1,0,0,2,0,0", "::", "1,2,3:4,5,6:7,8,9", "smartseq3"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, paired bool) {
		x, err := Parse(s, paired)
		if err != nil {
			return
		}
		if x.Files < 1 || len(x.Barcode) == 0 || len(x.Seq) == 0 {
			t.Fatalf("Parse(%q) = %+v: a technology without files, barcode or cDNA", s, x)
		}
		for _, segs := range [][]Segment{x.Barcode, x.UMI, x.Seq} {
			for _, g := range segs {
				if g.File < 0 || g.File >= x.Files || g.Start < 0 || (g.Stop != 0 && g.Stop <= g.Start) {
					t.Fatalf("Parse(%q): bad segment %+v of %d files", s, g, x.Files)
				}
			}
		}
		// Extract must not panic on reads of any length.
		reads := make([][]byte, x.Files)
		for i := range reads {
			reads[i] = []byte(strings.Repeat("ACGTN", i+1))
		}
		NewExtractor(x).Extract(reads)
	})
}
