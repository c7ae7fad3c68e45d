package abundanceh5_test

// Tests that compare files written by this package with kallisto's own,
// using the HDF Group's tools (h5dump, h5ls; Debian hdf5-tools), h5py
// (python3-h5py) and R's tximport (r-bioc-tximport, which reads through
// r-bioc-rhdf5). Each skips when its tool is not installed.

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gallisto/gallisto/internal/output/abundanceh5"
	"github.com/gallisto/gallisto/internal/output/hdf5/hdf5test"
	"github.com/google/go-cmp/cmp"
)

// rewriteKallisto reads kallisto's golden file and writes the same
// content with Write into a temporary abundance.h5.
func rewriteKallisto(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "abundance.h5")
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := abundanceh5.Write(fh, kallisto(t)); err != nil {
		t.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLayoutMatchesKallisto compares `h5dump -p -H` of our file with the
// listing of kallisto's (testdata): same groups, datasets, types, string
// sizes and padding, dataspaces, chunking, deflate level, fill value and
// allocation time. Only the stored (compressed) sizes may differ.
func TestLayoutMatchesKallisto(t *testing.T) {
	h5dump := hdf5test.Tool(t, "h5dump")
	path := rewriteKallisto(t)
	want, err := os.ReadFile(filepath.Join(kallistoDir, "h5dump-p-H.txt"))
	if err != nil {
		t.Fatal(err)
	}
	got := hdf5test.Run(t, h5dump, "-p", "-H", path)
	if diff := cmp.Diff(hdf5test.NormalizeHeader(string(want)), hdf5test.NormalizeHeader(got)); diff != "" {
		t.Errorf("h5dump -p -H differs from kallisto's (-kallisto +gallisto):\n%s", diff)
	}
	for _, s := range []string{"STRSIZE 18;", "STRPAD H5T_STR_NULLTERM;", "CTYPE H5T_C_S1;", "CHUNKED ( 4096 )", "COMPRESSION DEFLATE { LEVEL 6 }"} {
		if !strings.Contains(got, s) {
			t.Errorf("h5dump -p -H lacks %q", s)
		}
	}
	// Superblock and format versions: what libhdf5 1.10 writes by default.
	sb := hdf5test.Run(t, h5dump, "-B", "-H", path)
	for _, s := range []string{"SUPERBLOCK_VERSION 0", "OBJECTHEADER_VERSION 0", "SYMBOLTABLE_VERSION 0", "OFFSET_SIZE 8", "LENGTH_SIZE 8", "BTREE_RANK 16", "BTREE_LEAF 4", "ISTORE_K 32"} {
		if !strings.Contains(sb, s) {
			t.Errorf("h5dump -B lacks %q", s)
		}
	}
}

// TestValuesMatchKallisto compares h5dump's full listing of our file with
// its listing of kallisto's: every value identical.
func TestValuesMatchKallisto(t *testing.T) {
	h5dump := hdf5test.Tool(t, "h5dump")
	path := rewriteKallisto(t)
	got, err := hdf5test.ParseDump(strings.NewReader(hdf5test.Run(t, h5dump, "-y", "-m", "%.17g", path)))
	if err != nil {
		t.Fatal(err)
	}
	fh, err := os.Open(filepath.Join(kallistoDir, "h5dump-values.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	want, err := hdf5test.ParseDump(fh)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("h5dump values differ (-kallisto +gallisto):\n%s", diff)
	}
	ls, err := os.ReadFile(filepath.Join(kallistoDir, "h5ls-r.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if got := hdf5test.Run(t, hdf5test.Tool(t, "h5ls"), "-r", path); got != string(ls) {
		t.Errorf("h5ls -r differs from kallisto's:\n%s\nwant:\n%s", got, ls)
	}
}

// TestH5pyMatchesKallisto reads both files with h5py: same datasets,
// dtypes, shapes, chunks, compression and values.
func TestH5pyMatchesKallisto(t *testing.T) {
	path := rewriteKallisto(t)
	want := hdf5test.ReadWithH5py(t, filepath.Join(kallistoDir, "abundance.h5"))
	got := hdf5test.ReadWithH5py(t, path)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("h5py view differs (-kallisto +gallisto):\n%s", diff)
	}
	if d := got.Datasets["/aux/ids"]; d == nil || d.Dtype != "|S18" || d.Compression != "gzip" || d.Level != 6 {
		t.Errorf("h5py /aux/ids = %+v", d)
	}
}

// txScript runs tximport on one kallisto abundance.h5 and prints, per
// target, counts, length and abundance (TPM), then the inferential
// replicates (bootstraps).
const txScript = `
suppressPackageStartupMessages(library(tximport))
args <- commandArgs(trailingOnly = TRUE)
files <- c(s1 = args[1])
txi <- suppressMessages(tximport(files, type = "kallisto", txOut = TRUE))
cat(sprintf("tx\t%s\t%.17g\t%.17g\t%.17g\n", rownames(txi$counts), txi$counts[, 1], txi$length[, 1], txi$abundance[, 1]), sep = "")
reps <- txi$infReps$s1
for (j in seq_len(ncol(reps))) cat(sprintf("bs\t%d\t%s\t%.17g\n", j - 1, rownames(txi$counts), reps[, j]), sep = "")
`

// TestTximport reads our file with R's tximport(type = "kallisto"), the
// way users load kallisto output into DESeq2 and friends.
func TestTximport(t *testing.T) {
	rscript := hdf5test.Tool(t, "Rscript")
	if err := exec.Command(rscript, "-e", "suppressPackageStartupMessages({library(tximport); library(rhdf5)})").Run(); err != nil {
		t.Skipf("R packages tximport and rhdf5 not installed (Debian r-bioc-tximport, r-bioc-rhdf5): %v", err)
	}
	f := sampleFile(50, 3)
	path := filepath.Join(t.TempDir(), "abundance.h5")
	var buf bytes.Buffer
	if err := abundanceh5.Write(&buf, f); err != nil {
		t.Fatal(err)
	}
	hdf5test.WriteFileOrFail(t, path, buf.Bytes())
	script := filepath.Join(t.TempDir(), "tx.R")
	hdf5test.WriteFileOrFail(t, script, []byte(txScript))
	out := hdf5test.Run(t, rscript, script, path)

	tp := tpm(f.EstCounts, f.EffLengths)
	var ntx, nbs int
	for _, line := range strings.Split(out, "\n") {
		fs := strings.Split(line, "\t")
		switch {
		case len(fs) == 5 && fs[0] == "tx":
			i := ntx
			ntx++
			if i >= len(f.IDs) {
				t.Fatalf("tximport returned more than %d targets", len(f.IDs))
			}
			c, l, a := parse(t, fs[2]), parse(t, fs[3]), parse(t, fs[4])
			if fs[1] != f.IDs[i] || c != f.EstCounts[i] || l != f.EffLengths[i] || math.Abs(a-tp[i]) > 1e-9*tp[i] {
				t.Errorf("tximport target %d: %s counts %v length %v TPM %v; want %s %v %v %v", i, fs[1], c, l, a, f.IDs[i], f.EstCounts[i], f.EffLengths[i], tp[i])
			}
		case len(fs) == 4 && fs[0] == "bs":
			nbs++
			b, _ := strconv.Atoi(fs[1])
			i := (nbs - 1) % len(f.IDs)
			if v := parse(t, fs[3]); b >= len(f.Bootstraps) || fs[2] != f.IDs[i] || v != f.Bootstraps[b][i] {
				t.Errorf("tximport infRep %d target %s = %v, want bootstrap value of %s", b, fs[2], v, f.IDs[i])
			}
		}
	}
	if ntx != len(f.IDs) || nbs != len(f.IDs)*len(f.Bootstraps) {
		t.Errorf("tximport returned %d targets and %d bootstrap values, want %d and %d:\n%s", ntx, nbs, len(f.IDs), len(f.IDs)*len(f.Bootstraps), out)
	}
}

func parse(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("tximport output: %v", err)
	}
	return v
}

// TestTximportSameAsKallisto runs tximport on kallisto's file and on ours
// with the same content: identical output.
func TestTximportSameAsKallisto(t *testing.T) {
	rscript := hdf5test.Tool(t, "Rscript")
	if err := exec.Command(rscript, "-e", "suppressPackageStartupMessages({library(tximport); library(rhdf5)})").Run(); err != nil {
		t.Skipf("R packages tximport and rhdf5 not installed (Debian r-bioc-tximport, r-bioc-rhdf5): %v", err)
	}
	script := filepath.Join(t.TempDir(), "tx.R")
	hdf5test.WriteFileOrFail(t, script, []byte(txScript))
	want := hdf5test.Run(t, rscript, script, filepath.Join(kallistoDir, "abundance.h5"))
	got := hdf5test.Run(t, rscript, script, rewriteKallisto(t))
	if !strings.Contains(want, fmt.Sprintf("tx\t%s\t", "ENST00000513300.5")) {
		t.Fatalf("tximport output on kallisto's file looks wrong:\n%s", want)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tximport output differs (-kallisto +gallisto):\n%s", diff)
	}
}
