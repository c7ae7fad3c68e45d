package study

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gallisto/gallisto/internal/input/sheet"
)

// writeSample writes a finished quant folder with the given targets.
func writeSample(t *testing.T, dir string, ids []string, lens []int, scale float64) {
	t.Helper()
	os.MkdirAll(dir, 0o755)
	var b strings.Builder
	b.WriteString("target_id\tlength\teff_length\test_counts\ttpm\n")
	for i, id := range ids {
		fmt.Fprintf(&b, "%s\t%d\t%g\t%g\t%g\n", id, lens[i], float64(lens[i])-150, scale*float64(i+1), 1e6/float64(len(ids)))
	}
	os.WriteFile(filepath.Join(dir, "abundance.tsv"), []byte(b.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "run_info.json"), []byte(fmt.Sprintf(`{"n_targets": %d, "n_processed": 100, "n_pseudoaligned": 90, "library_strand": "rf",
		"fragment_length": {"mean": 180.5, "sd": 30, "source": "estimated", "pairs": 10000, "hist_10bp": [0, 1, 2]}}`, len(ids))), 0o644)
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	ids, lens := []string{"t1", "t2", "t3"}, []int{500, 600, 700}
	batch := filepath.Join(dir, "batch")
	for i, n := range []string{"B", "A", "C"} {
		writeSample(t, filepath.Join(batch, n), ids, lens, float64(i+1))
	}
	os.WriteFile(filepath.Join(batch, "notes.txt"), []byte("x"), 0o644)
	other := filepath.Join(dir, "D")
	writeSample(t, other, ids, lens, 9)

	st, err := Load([]string{batch, other}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range st.Samples {
		names = append(names, s.Name)
	}
	if strings.Join(names, ",") != "A,B,C,D" {
		t.Errorf("samples %v, want A,B,C,D (batch folder in name order, then D)", names)
	}
	if s := st.Samples[0]; s.Info.FragmentLength.Mean != 180.5 || s.Strand() != "rf" || s.Tab.EstCounts[2] != 6 {
		t.Errorf("sample A: %+v", s.Info)
	}

	// a sheet orders and annotates, and may leave folders out
	sp := filepath.Join(dir, "s.tsv")
	os.WriteFile(sp, []byte("sample\tr1\tcondition\nC\tx.fq\ttreated\nA\ty.fq\tcontrol\n"), 0o644)
	sh, err := sheet.Read(sp, sheet.Options{NoFileCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	st, err = Load([]string{batch}, sh)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Samples) != 2 || st.Samples[0].Name != "C" || st.Samples[0].Meta["condition"] != "treated" || st.MetaKeys[0] != "condition" {
		t.Errorf("with sheet: %d samples, first %+v", len(st.Samples), st.Samples[0])
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	ids, lens := []string{"t1", "t2"}, []int{500, 600}
	writeSample(t, filepath.Join(dir, "a", "S"), ids, lens, 1)
	writeSample(t, filepath.Join(dir, "b", "S"), ids, lens, 1)
	writeSample(t, filepath.Join(dir, "other"), []string{"t1", "t9"}, lens, 1)
	writeSample(t, filepath.Join(dir, "longer"), ids, []int{500, 601}, 1)
	writeSample(t, filepath.Join(dir, "three"), []string{"t1", "t2", "t3"}, []int{500, 600, 700}, 1)
	os.MkdirAll(filepath.Join(dir, "unfinished", "U"), 0o755)
	os.WriteFile(filepath.Join(dir, "unfinished", "U", "abundance.tsv"), []byte("x"), 0o644)
	os.MkdirAll(filepath.Join(dir, "empty"), 0o755)
	os.WriteFile(filepath.Join(dir, "file"), nil, 0o644)
	p := func(s string) string { return filepath.Join(dir, s) }
	sp := filepath.Join(dir, "s.tsv")
	os.WriteFile(sp, []byte("sample\tr1\nS\tx\nZ\ty\n"), 0o644)
	sh, _ := sheet.Read(sp, sheet.Options{NoFileCheck: true})
	cases := []struct {
		dirs []string
		sh   *sheet.Sheet
		want string
	}{
		{nil, nil, "no sample folder given"},
		{[]string{p("none")}, nil, p("none") + ": no such folder"},
		{[]string{p("file")}, nil, p("file") + ": not a folder (give quant output folders)"},
		{[]string{p("empty")}, nil, p("empty") + ": neither a quant folder (run_info.json, abundance.tsv) nor a folder of them"},
		{[]string{p("unfinished")}, nil, p("unfinished/U") + ": no run_info.json: not a finished quant folder"},
		{[]string{p("a"), p("b")}, nil, "two samples named S: " + p("a/S") + " and " + p("b/S") + " (sample names are folder names)"},
		{[]string{p("a/S"), p("other")}, nil, "samples S and other were quantified with different indexes (target 2 is t2 of length 600 in one, t9 of length 600 in the other)"},
		{[]string{p("a/S"), p("longer")}, nil, "samples S and longer were quantified with different indexes (target 2 is t2 of length 600 in one, t2 of length 601 in the other)"},
		{[]string{p("a/S"), p("three")}, nil, "samples S and three were quantified with different indexes (2 and 3 targets)"},
		{[]string{p("a")}, sh, sp + " line 3: sample Z has no finished quant folder among those given"},
	}
	for _, tc := range cases {
		_, err := Load(tc.dirs, tc.sh)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%v:\n got %v\nwant %s", tc.dirs, err, tc.want)
		}
	}
}
