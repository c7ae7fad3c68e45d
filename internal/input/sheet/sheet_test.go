package sheet

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// write puts text in dir/samples.tsv and creates the read files it may name.
func write(t *testing.T, text string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"a_1.fq", "a_2.fq", "b_1.fq", "b_2.fq", "c.fq", "L2_1.fq", "L2_2.fq"} {
		os.WriteFile(filepath.Join(dir, f), []byte("@r\nA\n+\nI\n"), 0o644)
	}
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	p := filepath.Join(dir, "samples.tsv")
	os.WriteFile(p, []byte(text), 0o644)
	return dir, p
}

func TestRead(t *testing.T) {
	dir, p := write(t, "\uFEFF# study X\nSample\tr1\tr2\tcondition\r\n"+
		"A\ta_1.fq\ta_2.fq\ttreated\r\n"+
		"\n"+
		"B\tb_1.fq\tb_2.fq\tcontrol\n"+
		"A\tL2_1.fq\tL2_2.fq\ttreated\n")
	sh, err := Read(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	j := func(f string) string { return filepath.Join(dir, f) }
	want := []Sample{
		{Name: "A", Files: []string{j("a_1.fq"), j("a_2.fq"), j("L2_1.fq"), j("L2_2.fq")}, Meta: map[string]string{"condition": "treated"}, Line: 3},
		{Name: "B", Files: []string{j("b_1.fq"), j("b_2.fq")}, Meta: map[string]string{"condition": "control"}, Line: 5},
	}
	if !reflect.DeepEqual(sh.Samples, want) {
		t.Errorf("samples:\n got %+v\nwant %+v", sh.Samples, want)
	}
	if !reflect.DeepEqual(sh.MetaKeys, []string{"condition"}) || !reflect.DeepEqual(sh.Names(), []string{"A", "B"}) {
		t.Errorf("meta keys %v, names %v", sh.MetaKeys, sh.Names())
	}

	// single-end with l and s; an absolute path; r2 given as "-"
	_, p = write(t, "sample\tr1\tr2\tl\ts\nS\tc.fq\t-\t200\t20\nT\t"+j("a_1.fq")+"\t\t180.5\t15\n")
	sh, err = Read(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s := sh.Samples[0]; !s.Single || s.FragLen != 200 || s.FragSD != 20 || len(s.Files) != 1 {
		t.Errorf("single-end sample: %+v", s)
	}
	if s := sh.Samples[1]; s.Files[0] != j("a_1.fq") || s.FragLen != 180.5 {
		t.Errorf("absolute path: %+v", s)
	}
}

// TestErrors: each malformed sheet is one located error.
func TestErrors(t *testing.T) {
	hdr := "sample\tr1\tr2\n"
	cases := []struct{ name, text, want string }{
		{"empty file", "", "samples.tsv: no header line (sample, r1, r2 or sample, r1, l, s, tab-separated)"},
		{"comments only", "# x\n\n", "samples.tsv: no header line (sample, r1, r2 or sample, r1, l, s, tab-separated)"},
		{"header only", hdr, "samples.tsv: lists no sample"},
		{"no r1 column", "sample\tfastq\nA\ta_1.fq\n", `samples.tsv line 1: header "sample\tfastq": want columns sample and r1 (and r2 for paired-end, l and s for single-end), tab-separated`},
		{"space-separated header", "sample r1 r2\nA a_1.fq a_2.fq\n", `samples.tsv line 1: header "sample r1 r2": want columns sample and r1 (and r2 for paired-end, l and s for single-end), tab-separated`},
		{"duplicate column", "sample\tr1\tR1\n", `samples.tsv line 1: header: column "R1" appears twice`},
		{"empty column name", "sample\t\tr1\n", "samples.tsv line 1: header: column 2 has no name"},
		{"l without s", "sample\tr1\tl\n", "samples.tsv line 1: header: columns l and s go together (fragment length mean and standard deviation)"},
		{"too many fields", hdr + "A\ta_1.fq\ta_2.fq\textra\n", "samples.tsv line 2: 4 fields, the header has 3 (tab-separated)"},
		{"empty name", hdr + "\ta_1.fq\ta_2.fq\n", "samples.tsv line 2: empty sample name"},
		{"name with a slash", hdr + "x/y\ta_1.fq\ta_2.fq\n", `samples.tsv line 2: sample name "x/y" holds '/': use letters, digits and . _ - (names become folder names)`},
		{"name with a space", hdr + "x y\ta_1.fq\ta_2.fq\n", `samples.tsv line 2: sample name "x y" holds ' ': use letters, digits and . _ - (names become folder names)`},
		{"name ..", hdr + "..\ta_1.fq\ta_2.fq\n", `samples.tsv line 2: sample name ".." starts with "." (names become folder names)`},
		{"name starting with -", hdr + "-o\ta_1.fq\ta_2.fq\n", `samples.tsv line 2: sample name "-o" starts with "-" (names become folder names)`},
		{"missing r1", hdr + "A\t\ta_2.fq\n", "samples.tsv line 2: sample A: no r1 file"},
		{"missing file", hdr + "A\ta_1.fq\tnope.fq\n", "samples.tsv line 2: sample A: nope.fq (DIR/nope.fq): file not found"},
		{"directory as file", hdr + "A\ta_1.fq\tsub\n", "samples.tsv line 2: sample A: sub: is a directory, not a read file"},
		{"r1 = r2", hdr + "A\ta_1.fq\ta_1.fq\n", "samples.tsv line 2: sample A: a_1.fq is given as both r1 and r2"},
		{"file of two samples", hdr + "A\ta_1.fq\ta_2.fq\nB\tb_1.fq\ta_2.fq\n", "samples.tsv line 3: sample B: a_2.fq is also sample A's (line 2)"},
		{"lane listed twice", hdr + "A\ta_1.fq\ta_2.fq\nA\ta_1.fq\ta_2.fq\n", "samples.tsv line 3: sample A: a_1.fq is listed twice (also at line 2)"},
		{"lanes mix single and paired", hdr + "A\ta_1.fq\ta_2.fq\nA\tc.fq\t\n", "samples.tsv line 3: sample A: single-end here but paired-end at line 2 (all rows of a sample must agree)"},
		{"l not a number", "sample\tr1\tl\ts\nA\tc.fq\tx\t20\n", `samples.tsv line 2: sample A: l "x" is not a positive number`},
		{"s NaN", "sample\tr1\tl\ts\nA\tc.fq\t200\tNaN\n", `samples.tsv line 2: sample A: s "NaN" is not a positive number`},
		{"l zero", "sample\tr1\tl\ts\nA\tc.fq\t0\t20\n", `samples.tsv line 2: sample A: l "0" is not a positive number`},
		{"l without s value", "sample\tr1\tl\ts\nA\tc.fq\t200\t\n", "samples.tsv line 2: sample A: s is empty (give both l and s, or neither)"},
		{"l and s on a paired sample", "sample\tr1\tr2\tl\ts\nA\ta_1.fq\ta_2.fq\t200\t20\n", "samples.tsv line 2: sample A: l and s are for single-end samples; a paired-end sample's fragment lengths are estimated from its pairs"},
		{"lanes with different l", "sample\tr1\tl\ts\nA\tc.fq\t200\t20\nA\ta_1.fq\t250\t20\n", "samples.tsv line 3: sample A: l and s differ from line 2 (all rows of a sample must agree)"},
		{"binary", "sample\tr1\n\x00\x01\x02", "samples.tsv line 2: holds a NUL byte: not a text file"},
		{"endless line", "sample\tr1\n" + strings.Repeat("A", maxLine+10), "samples.tsv line 2: line longer than 1048576 bytes: not a sample sheet"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir, p := write(t, tc.text)
			_, err := Read(p, Options{})
			want := strings.ReplaceAll(strings.ReplaceAll(tc.want, "samples.tsv", p), "DIR", dir)
			if err == nil || err.Error() != want {
				t.Errorf("got  %v\nwant %s", err, want)
			}
		})
	}
	if _, err := Read(filepath.Join(t.TempDir(), "none.tsv"), Options{}); err == nil || !strings.HasSuffix(err.Error(), "none.tsv: file not found") {
		t.Errorf("missing sheet: %v", err)
	}
	if _, err := Read(t.TempDir(), Options{}); err == nil || !strings.HasSuffix(err.Error(), ": is a directory, not a sample sheet") {
		t.Errorf("directory as sheet: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("sample\tr1\tr2\nA\ta_1.fq\ta_2.fq\n")
	f.Add("sample\tr1\tl\ts\nA\tc.fq\t200\t20\nA\td.fq\t200\t20\n")
	f.Add("\uFEFF# c\r\nSample\tR1\tcondition\r\nx\ty\tz\r\n")
	f.Fuzz(func(t *testing.T, text string) {
		sh, err := Parse(strings.NewReader(text), "s.tsv", "", Options{NoFileCheck: true})
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		for _, s := range sh.Samples {
			if checkName(s.Name) != nil || len(s.Files) == 0 || (!s.Single && len(s.Files)%2 != 0) {
				t.Fatalf("bad sample accepted: %+v", s)
			}
		}
	})
}
