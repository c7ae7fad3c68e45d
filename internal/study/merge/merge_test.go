package merge

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gallisto/gallisto/internal/estimate/genes"
	"github.com/gallisto/gallisto/internal/input/sheet"
	"github.com/gallisto/gallisto/internal/output/abundance"
	"github.com/gallisto/gallisto/internal/study"
	"github.com/gallisto/gallisto/internal/testref"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// writeSample writes a quant folder whose numbers vary with the seed; the
// kallisto flag leaves out gallisto's run_info keys.
func writeSample(t *testing.T, dir string, seed int, kallisto bool) {
	t.Helper()
	os.MkdirAll(dir, 0o755)
	var b strings.Builder
	b.WriteString("target_id\tlength\teff_length\test_counts\ttpm\n")
	for i := 0; i < 6; i++ {
		c := float64((i*7+seed*13)%11) * 12.345678
		g := func(x float64) string { return string(abundance.AppendG(nil, x)) }
		fmt.Fprintf(&b, "T%d\t%d\t%s\t%s\t%s\n", i, 400+100*i, g(250.5+100*float64(i)), g(c), g(c*1000/float64(seed+1)))
	}
	os.WriteFile(filepath.Join(dir, "abundance.tsv"), []byte(b.String()), 0o644)
	ri := fmt.Sprintf(`{"n_targets": 6, "n_bootstraps": %d, "n_processed": %d, "n_pseudoaligned": %d, "n_unique": 50, "p_pseudoaligned": 90.0, "p_unique": 50.0,
		"kallisto_version": "0.48.0", "index_version": 10, "start_time": "x", "call": "y"`, seed, 100*seed, 90*seed)
	if !kallisto {
		ri += fmt.Sprintf(`, "index_version": 3, "gallisto_version": "0.1.0", "model": "full", "n_unaligned": {"no_kmer_match": %d, "mates_conflict": 1, "low_score": 2},
		"library_strand": "unstranded", "fragment_length": {"mean": 18%d.25, "sd": 30, "source": "estimated", "pairs": 10000}`, seed, seed)
	}
	os.WriteFile(filepath.Join(dir, "run_info.json"), []byte(ri+"}\n"), 0o644)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// column returns column c (0-based) of a TSV file's rows after the header.
func column(t *testing.T, path string, c int) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")[1:] {
		out = append(out, strings.Split(l, "\t")[c])
	}
	return out
}

// TestMerge: each matrix column is its sample's abundance.tsv column, text
// for text; gene columns are the sums of their transcripts; samples.tsv
// is the golden file (kallisto runs show NA where they record nothing).
func TestMerge(t *testing.T) {
	dir := t.TempDir()
	names := []string{"ctrl1", "ctrl2", "kal"}
	for i, n := range names {
		writeSample(t, filepath.Join(dir, "q", n), i+1, n == "kal")
	}
	sp := filepath.Join(dir, "s.tsv")
	os.WriteFile(sp, []byte("sample\tr1\tcondition\nctrl2\ta\tcontrol\nctrl1\tb\tcontrol\nkal\tc\ttreated\n"), 0o644)
	sh, err := sheet.Read(sp, sheet.Options{NoFileCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	st, err := study.Load([]string{filepath.Join(dir, "q")}, sh)
	if err != nil {
		t.Fatal(err)
	}
	m, err := genes.ParseGeneMap(strings.NewReader("T0\tG1\nT1\tG1\nT2\tG2\nT3\tG3\nT4\tG3\nT5\tG3\n"), "t2g")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "merged")
	if _, err := Write(out, st, m); err != nil {
		t.Fatal(err)
	}
	for k, s := range st.Samples {
		for c, f := range map[int]string{3: "transcripts_est_counts.tsv", 4: "transcripts_tpm.tsv"} {
			got := column(t, filepath.Join(out, f), k+1)
			want := column(t, filepath.Join(s.Dir, "abundance.tsv"), c)
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("%s column %s: %v, abundance.tsv has %v", f, s.Name, got, want)
			}
		}
		r, _ := genes.Aggregate(m, s.Tab.IDs, s.Tab.Lengths, s.Tab.EffLens, s.Tab.EstCounts, s.Tab.TPM)
		var want bytes.Buffer
		genes.Write(&want, r.Genes)
		os.WriteFile(filepath.Join(dir, "g.tsv"), want.Bytes(), 0o644)
		if got, w := column(t, filepath.Join(out, "genes_est_counts.tsv"), k+1), column(t, filepath.Join(dir, "g.tsv"), 3); strings.Join(got, " ") != strings.Join(w, " ") {
			t.Errorf("genes_est_counts %s: %v, abundance.genes.tsv would hold %v", s.Name, got, w)
		}
	}
	if h := strings.SplitN(readFile(t, filepath.Join(out, "transcripts_tpm.tsv")), "\n", 2)[0]; h != "target_id\tctrl2\tctrl1\tkal" {
		t.Errorf("header %q: want the sheet's order", h)
	}
	got := strings.ReplaceAll(readFile(t, filepath.Join(out, "samples.tsv")), dir+"/", "")
	testref.Golden(t, filepath.Join("testdata", "samples.tsv.golden"), got, *update)
}

// TestMergeAllOrNothing: a failed merge (gene map for another annotation)
// leaves no file.
func TestMergeAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	writeSample(t, filepath.Join(dir, "A"), 1, false)
	st, err := study.Load([]string{filepath.Join(dir, "A")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := genes.ParseGeneMap(strings.NewReader("X1\tG1\n"), "t2g")
	out := filepath.Join(dir, "merged")
	if _, err := Write(out, st, m); err == nil || !strings.Contains(err.Error(), "none of the 6 transcripts of the index is in the gene map") {
		t.Fatalf("got %v", err)
	}
	if ents, _ := os.ReadDir(out); len(ents) > 0 {
		t.Errorf("failed merge left %d files", len(ents))
	}
}
