package quant_test

// Downstream readers of gallisto's output: R's tximport (transcript and
// gene level, abundance.h5 with its inferential replicates and
// abundance.tsv) and MultiQC's kallisto module (the log).

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gallisto/gallisto/internal/output/hdf5/hdf5test"
	"github.com/gallisto/gallisto/internal/quant"
	"github.com/gallisto/gallisto/internal/testref"
)

// txiScript prints, from tximport: the transcript-level counts of the h5
// file (tx), of the TSV file (tsv), the inferential replicates (bs),
// gene-level counts, abundance and length from the h5 file with the
// tx2gene table (gene), and gene length from a TSV whose eff_length column
// holds the transcript lengths (glen).
const txiScript = `
suppressPackageStartupMessages(library(tximport))
a <- commandArgs(trailingOnly = TRUE)
t2g <- read.delim(a[4], header = FALSE, stringsAsFactors = FALSE)[, 1:2]
h5 <- suppressMessages(tximport(c(s = a[1]), type = "kallisto", txOut = TRUE, ignoreAfterBar = TRUE))
cat(sprintf("tx\t%s\t%.17g\n", rownames(h5$counts), h5$counts[, 1]), sep = "")
reps <- h5$infReps$s
for (j in seq_len(ncol(reps))) cat(sprintf("bs\t%d\t%s\t%.17g\n", j - 1, rownames(h5$counts), reps[, j]), sep = "")
tsv <- suppressMessages(tximport(c(s = a[2]), type = "kallisto", txOut = TRUE, ignoreAfterBar = TRUE))
cat(sprintf("tsv\t%s\t%.17g\n", rownames(tsv$counts), tsv$counts[, 1]), sep = "")
g <- suppressMessages(tximport(c(s = a[1]), type = "kallisto", tx2gene = t2g, ignoreAfterBar = TRUE))
cat(sprintf("gene\t%s\t%.17g\t%.17g\t%.17g\n", rownames(g$counts), g$counts[, 1], g$abundance[, 1], g$length[, 1]), sep = "")
gl <- suppressMessages(tximport(c(s = a[3]), type = "kallisto", tx2gene = t2g, ignoreAfterBar = TRUE))
cat(sprintf("glen\t%s\t%.17g\n", rownames(gl$length), gl$length[, 1]), sep = "")
`

func requireTximport(t *testing.T) string {
	rscript := hdf5test.Tool(t, "Rscript")
	if err := exec.Command(rscript, "-e", "suppressPackageStartupMessages({library(tximport); library(rhdf5)})").Run(); err != nil {
		t.Skipf("R packages tximport and rhdf5 not installed (Debian r-bioc-tximport, r-bioc-rhdf5): %v", err)
	}
	return rscript
}

// relClose reports whether a and b agree to rel relative error.
func relClose(a, b, rel float64) bool {
	return math.Abs(a-b) <= rel*math.Max(math.Abs(a), math.Abs(b)) || math.Abs(a-b) < 1e-12
}

// TestTximport: tximport reads gallisto's abundance.h5 (airway sample,
// GENCODE v28, 5 bootstraps) as kallisto output: the counts equal the h5's
// est_counts and agree with abundance.tsv to its 6 printed digits, and the
// inferential replicates are the bootstraps. abundance.genes.tsv written
// with --genemap agrees with tximport's summarizeToGene on the same
// tx2gene table: counts, abundance (TPM), length (eff_length column) and,
// through a TSV whose eff_length column holds the lengths, the length
// column. gallisto prints 6 significant digits, so values agree to 5e-6
// relative; the length column, which tximport computes from a TSV whose
// TPMs are themselves rounded to 6 digits, to 2e-5.
func TestTximport(t *testing.T) {
	rscript := requireTximport(t)
	tx := testref.SharedFile(t, airwayTx)
	t2g := testref.SharedFile(t, "data/real/human_airway_chr1_10M/tx2gene.gencode.v28.tsv")
	r1 := testref.SharedFile(t, airwayRd+"SRR1039508_R1.fastq.gz")
	r2 := testref.SharedFile(t, airwayRd+"SRR1039508_R2.fastq.gz")
	idx := cache.get(t, []string{tx}, false)
	dir, log := run(t, quant.Options{Index: idx.gallisto, Files: []string{r1, r2}, Bootstraps: 5, Seed: 42, GeneMap: t2g, Threads: 2})
	if strings.Contains(log, "[genes] warning") {
		t.Errorf("unexpected unmapped transcripts:\n%s", log)
	}
	h5 := h5Datasets(t, filepath.Join(dir, "abundance.h5"))
	tsv := abundanceTSV(t, read(t, filepath.Join(dir, "abundance.tsv")))

	// A copy of abundance.tsv with length in the eff_length column.
	var swapped strings.Builder
	swapped.WriteString("target_id\tlength\teff_length\test_counts\ttpm\n")
	for _, r := range tsv {
		swapped.WriteString(strings.Join([]string{r[0], r[1], r[1], r[3], r[4]}, "\t") + "\n")
	}
	swappedPath := filepath.Join(t.TempDir(), "abundance.tsv")
	os.WriteFile(swappedPath, []byte(swapped.String()), 0o644)
	script := filepath.Join(t.TempDir(), "txi.R")
	os.WriteFile(script, []byte(txiScript), 0o644)
	out := hdf5test.Run(t, rscript, script, filepath.Join(dir, "abundance.h5"), filepath.Join(dir, "abundance.tsv"), swappedPath, t2g)

	genes := map[string][]string{}
	for i, r := range abundanceTSV(t, read(t, filepath.Join(dir, "abundance.genes.tsv"))) {
		_ = i
		genes[r[0]] = r
	}
	num := func(s string) float64 {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		return v
	}
	n := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Split(line, "\t")
		kind := f[0]
		n[kind]++
		switch kind {
		case "tx", "tsv":
			i := n[kind] - 1
			want := strings.SplitN(h5.IDs[i], "|", 2)[0]
			if f[1] != want {
				t.Fatalf("%s row %d is %s, want %s", kind, i, f[1], want)
			}
			if kind == "tx" && num(f[2]) != h5.EstCounts[i] {
				t.Errorf("tximport h5 counts of %s = %s, est_counts %v", f[1], f[2], h5.EstCounts[i])
			}
			if kind == "tsv" && !relClose(num(f[2]), h5.EstCounts[i], 5e-6) {
				t.Errorf("tximport TSV counts of %s = %s, h5 est_counts %v", f[1], f[2], h5.EstCounts[i])
			}
		case "bs":
			b, _ := strconv.Atoi(f[1])
			i := (n[kind] - 1) % len(h5.IDs)
			if num(f[3]) != h5.Bootstraps[b][i] {
				t.Errorf("infRep %d of %s = %s, bootstrap %v", b, f[2], f[3], h5.Bootstraps[b][i])
			}
		case "gene":
			g := genes[f[1]]
			if g == nil {
				t.Errorf("tximport gene %s not in abundance.genes.tsv", f[1])
				continue
			}
			for _, c := range []struct {
				name      string
				txi, ours string
			}{{"est_counts", f[2], g[3]}, {"tpm", f[3], g[4]}, {"eff_length", f[4], g[2]}} {
				if !relClose(num(c.txi), num(c.ours), 5e-6) {
					t.Errorf("gene %s %s: tximport %s, gallisto %s", f[1], c.name, c.txi, c.ours)
				}
			}
		case "glen":
			if g := genes[f[1]]; g != nil && !relClose(num(f[2]), num(g[1]), 2e-5) {
				t.Errorf("gene %s length: tximport %s, gallisto %s", f[1], f[2], g[1])
			}
		}
	}
	if n["tx"] != len(h5.IDs) || n["bs"] != 5*len(h5.IDs) || n["gene"] != len(genes) || n["glen"] != len(genes) {
		t.Errorf("tximport rows %v; want %d transcripts, 5 replicates, %d genes", n, len(h5.IDs), len(genes))
	}
}

// TestMultiQC: MultiQC's kallisto module reads gallisto's logs (a run with
// --bias and bootstraps, and a --strand auto run) as kallisto samples with
// the read counts and pseudoalignment rates of run_info.json.
func TestMultiQC(t *testing.T) {
	mqc := hdf5test.Tool(t, "multiqc")
	idx := testIndex(t)
	s := simulated(t)
	logs := t.TempDir()
	want := map[string]runInfoStrand{}
	for name, o := range map[string]quant.Options{
		"reads_1": {Index: idx.gallisto, Files: testReads(t), Bias: true, Bootstraps: 3},
		"fr_1":    {Index: s.idx, Files: s.reads["fr"], StrandAuto: true},
	} {
		dir, log := run(t, o)
		want[name] = runInfo(t, dir)
		os.WriteFile(filepath.Join(logs, name+".log"), []byte(log), 0o644)
	}
	out := t.TempDir()
	cmd := exec.Command(mqc, "-q", "-f", logs, "-o", out)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("multiqc: %v\n%s", err, b)
	}
	table := read(t, filepath.Join(out, "multiqc_data", "multiqc_kallisto.txt"))
	lines := strings.Split(strings.TrimSpace(table), "\n")
	head := strings.Split(lines[0], "\t")
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	seen := 0
	for _, l := range lines[1:] {
		f := strings.Split(l, "\t")
		ri, ok := want[f[0]]
		if !ok {
			t.Errorf("MultiQC sample %q is not one of gallisto's", f[0])
			continue
		}
		seen++
		total, _ := strconv.ParseFloat(f[col["total_reads"]], 64)
		aligned, _ := strconv.ParseFloat(f[col["pseudoaligned_reads"]], 64)
		pct, _ := strconv.ParseFloat(f[col["percent_aligned"]], 64)
		if int64(total) != ri.NProcessed || int64(aligned) != ri.NPseudoaligned || math.Abs(pct-100*float64(ri.NPseudoaligned)/float64(ri.NProcessed)) > 0.01 {
			t.Errorf("MultiQC %s: total %v aligned %v (%v%%), run_info %d %d", f[0], total, aligned, pct, ri.NProcessed, ri.NPseudoaligned)
		}
	}
	if seen != len(want) {
		t.Errorf("MultiQC reported %d of %d samples:\n%s", seen, len(want), table)
	}
}

// TestEnsemblGTF (regression): kallisto's own test data pairs FASTA names
// with versions (ENST00000513300.5) and an Ensembl GTF that keeps the
// version apart (transcript_id "ENST00000513300"; transcript_version
// "5"). Every transcript must find its gene; once the run refused the GTF
// as "for another annotation".
func TestEnsemblGTF(t *testing.T) {
	gtf := testref.KallistoTestFile(t, "transcripts.gtf.gz")
	dir, log := run(t, quant.Options{Index: testIndex(t).gallisto, Files: testReads(t), GTF: gtf})
	if strings.Contains(log, "[genes] warning") {
		t.Errorf("transcripts without a gene:\n%s", log)
	}
	rows := abundanceTSV(t, read(t, filepath.Join(dir, "abundance.genes.tsv")))
	var sum float64
	for _, r := range rows {
		if !strings.HasPrefix(r[0], "ENSG") {
			t.Errorf("gene %q: a transcript reported as its own gene", r[0])
		}
		v, _ := strconv.ParseFloat(r[3], 64)
		sum += v
	}
	ri := runInfo(t, dir)
	if math.Abs(sum-float64(ri.NPseudoaligned)) > 0.5 {
		t.Errorf("gene est_counts sum to %v, pseudoaligned %d", sum, ri.NPseudoaligned)
	}
}
