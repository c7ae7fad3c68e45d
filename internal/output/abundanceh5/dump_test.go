package abundanceh5_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gallisto/gallisto/internal/output/abundanceh5"
	"github.com/google/go-cmp/cmp"
)

// TestDumpMatchesKallisto: Dump of kallisto's golden abundance.h5 writes
// the files and log kallisto's own h5dump wrote from it, byte for byte
// (including run_info.json's n_unique -1 and p_unique -0.0).
func TestDumpMatchesKallisto(t *testing.T) {
	f := kallisto(t)
	out := t.TempDir()
	var log bytes.Buffer
	if err := abundanceh5.Dump(f, out, &log); err != nil {
		t.Fatal(err)
	}
	for name, golden := range map[string]string{
		"abundance.tsv":      "abundance.tsv",
		"bs_abundance_0.tsv": "bs_abundance_0.tsv",
		"bs_abundance_1.tsv": "bs_abundance_1.tsv",
		"bs_abundance_2.tsv": "bs_abundance_2.tsv",
		"run_info.json":      "h5dump-run_info.json",
	} {
		want, err := os.ReadFile(filepath.Join(kallistoDir, golden))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(string(want), string(got)); d != "" {
			t.Errorf("%s differs from kallisto h5dump's (-kallisto +gallisto):\n%s", name, d)
		}
	}
	want, err := os.ReadFile(filepath.Join(kallistoDir, "h5dump.log"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.ReplaceAll(log.String(), out+"/", "$OUT/"); got != string(want) {
		t.Errorf("log:\n%q\nkallisto's:\n%q", got, want)
	}
	if _, err := os.Stat(filepath.Join(out, "bs_abundance_3.tsv")); err == nil {
		t.Errorf("wrote a fourth bootstrap")
	}
}

// TestDumpDots: kallisto prints one dot per bootstrap file, a newline
// every 50, and a final newline unless there was exactly one bootstrap.
func TestDumpDots(t *testing.T) {
	cases := []struct {
		n    int
		tail string
	}{
		{0, "abundance.tsv\n"},
		{1, "bs_abundance_*.tsv\n."},
		{2, "bs_abundance_*.tsv\n..\n"},
		{51, "bs_abundance_*.tsv\n" + strings.Repeat(".", 50) + "\n.\n"},
	}
	for _, tc := range cases {
		f := kallisto(t)
		f.Bootstraps = make([][]float64, tc.n)
		for i := range f.Bootstraps {
			f.Bootstraps[i] = f.EstCounts
		}
		f.NumBootstrap = int32(tc.n)
		var log bytes.Buffer
		if err := abundanceh5.Dump(f, t.TempDir(), &log); err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(log.String(), tc.tail) {
			t.Errorf("%d bootstraps: log ends %q, want %q", tc.n, log.String()[max(0, log.Len()-70):], tc.tail)
		}
	}
}
