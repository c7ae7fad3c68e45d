package genes

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseGeneMap(t *testing.T) {
	cases := []struct {
		name, in string
		want     map[string]string
		err      string // substring of the error, "" for success
	}{
		{"two columns", "t1\tg1\nt2\tg1\nt3\tg2\n", map[string]string{"t1": "g1", "t2": "g1", "t3": "g2"}, ""},
		{"extra columns", "t1\tg1\tNAME\tprotein_coding\n", map[string]string{"t1": "g1"}, ""},
		{"header transcript_id", "transcript_id\tgene_id\nt1\tg1\n", map[string]string{"t1": "g1"}, ""},
		{"header TXNAME", "TXNAME\tGENEID\nt1\tg1\n", map[string]string{"t1": "g1"}, ""},
		{"CRLF, comments, blank lines", "# tx2gene\r\n\r\nt1\tg1\r\n", map[string]string{"t1": "g1"}, ""},
		{"repeated identical line", "t1\tg1\nt1\tg1\n", map[string]string{"t1": "g1"}, ""},
		{"no tab", "t1\tg1\nt2 g2\n", nil, "in.tsv line 2: expected transcript_id<TAB>gene_id, found no tab"},
		{"conflict", "t1\tg1\nt2\tg2\nt1\tg3\n", nil, "in.tsv line 3: transcript t1 is mapped to gene g3 here but to g1 on line 1"},
		{"empty gene", "t1\t\n", nil, "in.tsv line 1: empty transcript or gene id"},
		{"header only", "transcript_id\tgene_id\n", nil, "no transcript-to-gene line"},
		{"header not on line 1", "t1\tg1\ntranscript_id\tgene_id\n", map[string]string{"t1": "g1", "transcript_id": "gene_id"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseGeneMap(strings.NewReader(tc.in), "in.tsv")
			check(t, m, err, tc.want, tc.err)
		})
	}
}

func TestParseGTF(t *testing.T) {
	const attrs = `gene_id "G1"; transcript_id "T1"; gene_name "A";`
	line := func(feature, attr string) string {
		return "chr1\tsrc\t" + feature + "\t1\t100\t.\t+\t.\t" + attr + "\n"
	}
	cases := []struct {
		name, in string
		want     map[string]string
		err      string
	}{
		{"transcript and exons", line("gene", `gene_id "G1";`) + line("transcript", attrs) + line("exon", attrs) + line("exon", `gene_id "G1"; transcript_id "T2";`),
			map[string]string{"T1": "G1", "T2": "G1"}, ""},
		{"bare values, no trailing semicolon", line("exon", `gene_id G1; transcript_id T1`), map[string]string{"T1": "G1"}, ""},
		{"escaped quote", line("exon", `gene_id "G\"1"; transcript_id "T1";`), map[string]string{"T1": `G"1`}, ""},
		{"repeated key keeps first", line("exon", `gene_id "G1"; transcript_id "T1"; tag "a"; tag "b";`), map[string]string{"T1": "G1"}, ""},
		{"comments", "##description: x\n#!genome-build GRCh38\n" + line("exon", attrs), map[string]string{"T1": "G1"}, ""},
		{"eight columns", "chr1\tsrc\texon\t1\t100\t.\t+\t" + attrs + "\n", nil, "in.gtf line 1: a GTF line has 9 tab-separated columns, this one has 8"},
		{"unterminated quote", line("exon", attrs) + line("exon", `gene_id "G1; transcript_id "T1";`), nil, "in.gtf line 2: attribute gene_id: expected ';' after its value"},
		{"unterminated at end", line("exon", `gene_id "G1"; transcript_id "T1`), nil, "in.gtf line 1: attribute transcript_id: unterminated quoted value"},
		{"missing gene_id", line("exon", `transcript_id "T1";`), nil, "in.gtf line 1: record of transcript T1 has no gene_id attribute"},
		{"conflict", line("exon", attrs) + line("exon", `gene_id "G2"; transcript_id "T1";`), nil, "in.gtf line 2: transcript T1 is mapped to gene G2 here but to G1 on line 1"},
		{"genes only", line("gene", `gene_id "G1";`), nil, "no record with a transcript_id attribute"},
		{"Ensembl transcript_version", line("transcript", `gene_id "ENSG1"; gene_version "9"; transcript_id "ENST1"; transcript_version "7";`),
			map[string]string{"ENST1": "ENSG1", "ENST1.7": "ENSG1"}, ""},
		{"versioned id keeps its own", line("transcript", `gene_id "G1"; transcript_id "T1.3"; transcript_version "3";`), map[string]string{"T1.3": "G1"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseGTF(strings.NewReader(tc.in), "in.gtf")
			check(t, m, err, tc.want, tc.err)
		})
	}
}

func check(t *testing.T, m *Map, err error, want map[string]string, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("error %v, want one containing %q", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, m.Gene); d != "" {
		t.Errorf("map (-want +got):\n%s", d)
	}
}

// TestLineError: parse errors carry the file and line.
// TestLookupVersions: a target is found by its whole name, its GENCODE
// header's first field, or either without a trailing version.
func TestLookupVersions(t *testing.T) {
	m, _ := ParseGeneMap(strings.NewReader("ENST1\tG1\nENST2.4\tG2\n"), "t2g")
	for name, want := range map[string]string{"ENST1": "G1", "ENST1.7": "G1", "ENST1.7|ENSG1.2|x|": "G1", "ENST2.4": "G2", "ENST2.x": "", "ENST2": "", "ENST1.": ""} {
		if g, _ := m.lookup(name); g != want {
			t.Errorf("lookup(%q) = %q, want %q", name, g, want)
		}
	}
	if n, err := m.Check([]string{"ENST1.7", "X"}); n != 1 || err != nil {
		t.Errorf("Check: %d missing, %v", n, err)
	}
	if _, err := m.Check([]string{"X"}); err == nil {
		t.Error("Check of a map naming no target passed")
	}
}

func TestLineError(t *testing.T) {
	_, err := ParseGeneMap(strings.NewReader("a\tb\nc\n"), "x.tsv")
	var le *LineError
	if !errors.As(err, &le) || le.File != "x.tsv" || le.Line != 2 {
		t.Fatalf("error %#v, want a LineError at x.tsv:2", err)
	}
}

// TestTestdata parses the real excerpts, plain and through Load.
func TestTestdata(t *testing.T) {
	m, err := Load(filepath.Join("testdata", "gencode44-chr22-excerpt.gtf"), true)
	if err != nil {
		t.Fatal(err)
	}
	if g := m.Gene["ENST00000643195.1"]; g != "ENSG00000130538.6" {
		t.Errorf("ENST00000643195.1 -> %q", g)
	}
	for _, f := range []string{"tx2gene-header.tsv", "tx2gene-noheader.tsv"} {
		m, err := Load(filepath.Join("testdata", f), false)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Gene) != 20 {
			t.Errorf("%s: %d transcripts, want 20", f, len(m.Gene))
		}
	}
}

func TestAggregate(t *testing.T) {
	m := &Map{Gene: map[string]string{"t1": "gA", "t2": "gB", "t3": "gA", "t5": "gC", "t6": "gC"}}
	// t4 is missing from the map; t2 is looked up by the part before '|'.
	names := []string{"t1", "t2|x|y|", "t3", "t4", "t5", "t6"}
	lengths := []int32{1000, 2000, 3000, 400, 500, 700}
	eff := []float64{800, 1800, 2800, 200, 300, 500}
	counts := []float64{10, 20, 30, 4, 0, 0}
	tpm := []float64{100, 50, 200, 80, 0, 0}
	res, err := Aggregate(m, names, lengths, eff, counts, tpm)
	if err != nil {
		t.Fatal(err)
	}
	want := []Gene{
		// gA: TPM-weighted (100*1000 + 200*3000)/300, (100*800+200*2800)/300.
		{ID: "gA", Length: 7000.0 / 3, EffLength: 6400.0 / 3, EstCounts: 40, TPM: 300, NumTx: 2},
		{ID: "gB", Length: 2000, EffLength: 1800, EstCounts: 20, TPM: 50, NumTx: 1},
		{ID: "t4", Length: 400, EffLength: 200, EstCounts: 4, TPM: 80, NumTx: 1},
		// gC has no abundance: plain means, as tximport.
		{ID: "gC", Length: 600, EffLength: 400, EstCounts: 0, TPM: 0, NumTx: 2},
	}
	if d := cmp.Diff(want, res.Genes, cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Abs(b) })); d != "" {
		t.Errorf("genes (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"t4"}, res.Unmapped); d != "" {
		t.Errorf("unmapped (-want +got):\n%s", d)
	}
	if _, err := Aggregate(m, []string{"x", "y"}, []int32{1, 1}, []float64{1, 1}, []float64{1, 1}, []float64{1, 1}); err == nil || !strings.Contains(err.Error(), "none of the 2 transcripts") {
		t.Errorf("no transcript mapped: error %v", err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, res.Genes); err != nil {
		t.Fatal(err)
	}
	wantTSV := "gene_id\tlength\teff_length\test_counts\ttpm\n" +
		"gA\t2333.33\t2133.33\t40\t300\n" +
		"gB\t2000\t1800\t20\t50\n" +
		"t4\t400\t200\t4\t80\n" +
		"gC\t600\t400\t0\t0\n"
	if buf.String() != wantTSV {
		t.Errorf("Write:\n%s\nwant:\n%s", buf.String(), wantTSV)
	}
}

func seed(f *testing.F, names ...string) {
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join("testdata", n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzParseGeneMap: the parser never panics, and what it accepts maps
// every transcript to a non-empty gene without tabs.
func FuzzParseGeneMap(f *testing.F) {
	seed(f, "tx2gene-header.tsv", "tx2gene-noheader.tsv")
	f.Add([]byte("t\tg\nt\tg2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseGeneMap(bytes.NewReader(data), "fuzz")
		if err != nil {
			return
		}
		for tr, g := range m.Gene {
			if tr == "" || g == "" || strings.ContainsAny(tr+g, "\t\n") {
				t.Fatalf("bad entry %q -> %q", tr, g)
			}
		}
	})
}

// FuzzParseGTF: the GTF parser never panics, and accepted records map
// non-empty transcript ids to non-empty genes.
func FuzzParseGTF(f *testing.F) {
	seed(f, "gencode44-chr22-excerpt.gtf")
	f.Add([]byte("c\ts\texon\t1\t2\t.\t+\t.\tgene_id \"a\\\"\"; transcript_id b\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseGTF(bytes.NewReader(data), "fuzz")
		if err != nil {
			return
		}
		for tr, g := range m.Gene {
			if tr == "" || g == "" {
				t.Fatalf("bad entry %q -> %q", tr, g)
			}
		}
	})
}
