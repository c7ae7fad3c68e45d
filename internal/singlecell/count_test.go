package singlecell

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gallisto/gallisto/internal/input/technology"
	"github.com/gallisto/gallisto/internal/simulate"
	"github.com/gallisto/gallisto/internal/testref"
)

// countData is a simulated 10xv3 run with its whitelist and t2g.
type countData struct {
	files          []string
	whitelist, t2g string
}

func simulateCount(t *testing.T, w *world, tech string) *countData {
	t.Helper()
	dir := t.TempDir()
	x, err := technology.Parse(tech, false)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(8, 8))
	var wl []string
	var b strings.Builder
	for len(wl) < 300 {
		s := make([]byte, x.BarcodeLen())
		for i := range s {
			s[i] = "ACGT"[r.IntN(4)]
		}
		wl = append(wl, string(s))
		b.WriteString(string(s) + "\n")
	}
	d := &countData{whitelist: filepath.Join(dir, "wl.txt"), t2g: filepath.Join(dir, "t2g.tsv")}
	os.WriteFile(d.whitelist, []byte(b.String()), 0o644)
	var t2g strings.Builder
	for i, n := range w.tx.Names {
		fmt.Fprintf(&t2g, "%s\t%s\n", n, w.tx.Genes[i])
	}
	os.WriteFile(d.t2g, []byte(t2g.String()), 0o644)
	var outs []io.Writer
	for i := 0; i < x.Files; i++ {
		p := filepath.Join(dir, fmt.Sprintf("R%d.fq", i+1))
		f, _ := os.Create(p)
		defer f.Close()
		d.files, outs = append(d.files, p), append(outs, f)
	}
	if _, err := w.tx.CellReads(simulate.CellOptions{Tech: x, Barcodes: wl[:120], Cells: 60, MoleculesPerCell: 60, ReadsPerMolecule: 3, ReadLen: 90,
		ErrorRate: 0.003, BarcodeErrors: 0.08, NoiseReads: 0.05, ThreePrime: true, Seed: 4}, outs, false); err != nil {
		t.Fatal(err)
	}
	return d
}

func runCount(t *testing.T, w *world, d *countData, tech string, threads int, maxMem int64) string {
	t.Helper()
	o := &CountOptions{Options: Options{Index: w.gidx, OutDir: t.TempDir(), Technology: tech, Files: d.files, Threads: threads, Call: "test", StartTime: time.Unix(0, 0)},
		Whitelist: d.whitelist, T2G: d.t2g, MaxMemory: maxMem}
	if err := RunCount(context.Background(), o); err != nil {
		t.Fatalf("gallisto count: %v", err)
	}
	return o.OutDir
}

var matrixFiles = []string{"cells_x_genes.mtx", "cells_x_genes.barcodes.txt", "cells_x_genes.genes.txt"}

// bustoolsChain runs kb-python's chain (kallisto bus, bustools sort,
// correct, sort, count --genecounts) and returns its counts directory.
func bustoolsChain(t *testing.T, w *world, d *countData, tech string) string {
	t.Helper()
	dir := t.TempDir()
	run := func(name string, args ...string) {
		t.Helper()
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
	}
	kb := filepath.Join(dir, "bus")
	run("kallisto", append([]string{"bus", "-i", w.kidx, "-o", kb, "-x", tech, "-t", "1"}, d.files...)...)
	run("bustools", "sort", "-o", filepath.Join(dir, "s.bus"), filepath.Join(kb, "output.bus"))
	run("bustools", "correct", "-w", d.whitelist, "-o", filepath.Join(dir, "sc.bus"), filepath.Join(dir, "s.bus"))
	run("bustools", "sort", "-o", filepath.Join(dir, "scs.bus"), filepath.Join(dir, "sc.bus"))
	counts := filepath.Join(dir, "counts_unfiltered")
	os.MkdirAll(counts, 0o755)
	run("bustools", "count", "-o", filepath.Join(counts, "cells_x_genes"), "-g", d.t2g, "-e", filepath.Join(kb, "matrix.ec"),
		"-t", filepath.Join(kb, "transcripts.txt"), "--genecounts", filepath.Join(dir, "scs.bus"))
	return counts
}

// TestCountMatchesBustools: gallisto count's matrix, barcodes and genes
// are byte for byte those of kallisto bus + bustools correct | sort |
// count --genecounts, on simulated 10xv3 and DropSeq data (barcode errors,
// barcodes off the whitelist, PCR duplicates) and on the real mouse 10xv2
// sample; live when kallisto and bustools are installed, else against
// testdata/count.
func TestCountMatchesBustools(t *testing.T) {
	w := getWorld(t)
	_, errB := exec.LookPath("bustools")
	live := w.kidx != "" && errB == nil
	for _, tech := range []string{"10xv3", "DropSeq"} {
		t.Run(tech, func(t *testing.T) {
			d := simulateCount(t, w, tech)
			got := filepath.Join(runCount(t, w, d, tech, 2, 0), "counts_unfiltered")
			want := filepath.Join("testdata", "count", tech)
			if live {
				want = bustoolsChain(t, w, d, tech)
				if *update {
					os.MkdirAll(filepath.Join("testdata", "count", tech), 0o755)
					for _, f := range matrixFiles {
						b, _ := os.ReadFile(filepath.Join(want, f))
						os.WriteFile(filepath.Join("testdata", "count", tech, f), b, 0o644)
					}
				}
			}
			compareFiles(t, got, want, matrixFiles)
		})
	}
}

func compareFiles(t *testing.T, got, want string, names []string) {
	t.Helper()
	for _, f := range names {
		g, err1 := os.ReadFile(filepath.Join(got, f))
		wb, err2 := os.ReadFile(filepath.Join(want, f))
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v %v", f, err1, err2)
		}
		if string(g) != string(wb) {
			gl, wl := strings.Split(string(g), "\n"), strings.Split(string(wb), "\n")
			t.Errorf("%s differs from bustools' (%d lines vs %d):\n%s", f, len(gl), len(wl), firstDiffs(gl, wl))
		}
	}
}

// TestCountRealMouse: on the mouse 10xv2 sample of the shared data, the
// chain's figures (59 barcodes, 560 genes, 55 entries) and files.
func TestCountRealMouse(t *testing.T) {
	dir := testref.SharedFile(t, "data/real/mouse_10xv2_SRR8599150")
	if _, err := exec.LookPath("bustools"); err != nil || testref.Kallisto() == "" {
		t.Skip("kallisto and bustools needed (apt-get install kallisto bustools)")
	}
	tmp := t.TempDir()
	fasta := filepath.Join(dir, "reference", "Mus_musculus.GRCm38.chr19subset.fa.gz")
	gidx, kidx := filepath.Join(tmp, "g.idx"), filepath.Join(tmp, "k.idx")
	if out, err := exec.Command("kallisto", "index", "-i", kidx, fasta).CombinedOutput(); err != nil {
		t.Fatalf("kallisto index: %v\n%s", err, out)
	}
	w := &world{kidx: kidx, gidx: gidx}
	buildIndex(t, fasta, gidx)
	wlGz := filepath.Join(dir, "whitelist", "10xv2_whitelist.txt.gz")
	wl := filepath.Join(tmp, "wl.txt") // bustools reads a plain whitelist
	out, err := exec.Command("sh", "-c", "zcat "+wlGz+" > "+wl).CombinedOutput()
	if err != nil {
		t.Fatalf("zcat: %v %s", err, out)
	}
	d := &countData{files: []string{filepath.Join(dir, "reads", "SRR8599150_2500_R1.fastq.gz"), filepath.Join(dir, "reads", "SRR8599150_2500_R2.fastq.gz")},
		whitelist: wlGz, t2g: filepath.Join(dir, "reference", "tx2gene.tsv")}
	got := filepath.Join(runCount(t, w, d, "10xv2", 2, 0), "counts_unfiltered")
	d.whitelist = wl
	compareFiles(t, got, bustoolsChain(t, w, d, "10xv2"), matrixFiles)
	head, _ := os.ReadFile(filepath.Join(got, "cells_x_genes.mtx"))
	if !strings.Contains(string(head), "\n59 560 55 ") {
		t.Errorf("size line: %q", strings.SplitN(string(head), "\n", 4)[2])
	}
}

// TestCountSpillsAndThreads: a sort budget small enough to spill runs to
// disk, and every -t, give the same files.
func TestCountSpillsAndThreads(t *testing.T) {
	w := getWorld(t)
	d := simulateCount(t, w, "10xv3")
	base := filepath.Join(runCount(t, w, d, "10xv3", 1, 0), "counts_unfiltered")
	for _, tc := range []struct {
		threads int
		mem     int64
	}{{3, 0}, {2, 1 << 16}} { // 2,048 records in memory: several runs on disk
		got := filepath.Join(runCount(t, w, d, "10xv3", tc.threads, tc.mem), "counts_unfiltered")
		compareFiles(t, got, base, append(matrixFiles, "cells_x_genes.h5ad"))
	}
}

// TestCountH5ad: anndata reads cells_x_genes.h5ad as the matrix of the
// .mtx, with the barcodes and genes of the text files.
func TestCountH5ad(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import anndata, scipy.io").Run(); err != nil {
		t.Skip("python3-anndata not installed for /usr/bin/python3")
	}
	w := getWorld(t)
	d := simulateCount(t, w, "10xv3")
	dir := filepath.Join(runCount(t, w, d, "10xv3", 2, 0), "counts_unfiltered")
	script := `
import sys, anndata, scipy.io, numpy as np
d = sys.argv[1]
a = anndata.read_h5ad(d + "/cells_x_genes.h5ad")
m = scipy.io.mmread(d + "/cells_x_genes.mtx").tocsr()
bc = open(d + "/cells_x_genes.barcodes.txt").read().split()
g = open(d + "/cells_x_genes.genes.txt").read().split()
assert a.shape == m.shape, (a.shape, m.shape)
assert list(a.obs_names) == bc and list(a.var_names) == g
assert (abs(a.X - m) > 0).nnz == 0
print("ok", a.shape[0], a.shape[1], a.X.nnz)
`
	out, err := exec.Command("/usr/bin/python3", "-c", script, dir).CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "ok ") {
		t.Fatalf("anndata: %v\n%s", err, out)
	}
}
