package abundance

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestReadRoundTrip: Write of what Read gave is the same bytes, on
// abundance.tsv files kallisto 0.48 wrote (the parity goldens).
func TestReadRoundTrip(t *testing.T) {
	for _, set := range []string{"airway-SRR1039508", "yeast-pe-SRR6924569", "kallisto-test-se"} {
		roundTrip(t, "../../../testdata/parity/"+set+"/abundance.tsv")
	}
}

func roundTrip(t *testing.T, path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := Read(bytes.NewReader(b), "g.tsv")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := Write(&out, tab); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), b) {
		t.Errorf("%s: Write(Read(file)) differs from the file", path)
	}
}

func TestReadErrors(t *testing.T) {
	h := Header + "\n"
	cases := []struct{ text, want string }{
		{"", "a.tsv line 1: empty file"},
		{h, "a.tsv line 2: no target after the header"},
		{"target_id\tlength\n", `a.tsv line 1: header "target_id\tlength", want "target_id\tlength\teff_length\test_counts\ttpm": not an abundance.tsv`},
		{h + "t1\t100\t50\t3\n", "a.tsv line 2: 4 fields, want 5 (target_id, length, eff_length, est_counts, tpm)"},
		{h + "\t100\t50\t3\t1\n", "a.tsv line 2: empty target_id"},
		{h + "t1\t100\t50\t3\t1\nt2\tx\t50\t3\t1\n", `a.tsv line 3: length "x" is not a positive integer`},
		{h + "t1\t100\t50\tnan\t1\n", `a.tsv line 2: est_counts "nan" is not a finite number >= 0`},
		{h + "t1\t100\t50\t3\t-1\n", `a.tsv line 2: tpm "-1" is not a finite number >= 0`},
		{h + "t1\t100\tinf\t3\t1\n", `a.tsv line 2: eff_length "inf" is not a finite number >= 0`},
		{h + strings.Repeat("x", maxLine+1), "a.tsv line 2: line longer than 1048576 bytes"},
	}
	for _, tc := range cases {
		_, err := Read(strings.NewReader(tc.text), "a.tsv")
		if err == nil || err.Error() != tc.want {
			t.Errorf("%.40q:\n got %v\nwant %s", tc.text, err, tc.want)
		}
	}
	if tab, err := Read(strings.NewReader(strings.ReplaceAll(h+"t1\t100\t50\t3\t1\n", "\n", "\r\n")), "a.tsv"); err != nil || tab.IDs[0] != "t1" {
		t.Errorf("CRLF: %v", err)
	}
}

func FuzzRead(f *testing.F) {
	f.Add(Header + "\nt1\t100\t50.5\t3\t1e+06\n")
	f.Fuzz(func(t *testing.T, s string) {
		tab, err := Read(strings.NewReader(s), "f.tsv")
		if err != nil {
			if _, ok := err.(*ReadError); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		n := len(tab.IDs)
		if len(tab.Lengths) != n || len(tab.EffLens) != n || len(tab.EstCounts) != n || len(tab.TPM) != n || n == 0 {
			t.Fatal("columns of different lengths")
		}
	})
}
