package quant_test

// Tests of the options beyond kallisto's default run: --bias, bootstraps
// (-b, --seed, --plaintext), abundance.h5, --strand auto, the explicit
// strand filters and gene-level output. Reference tools (kallisto, h5ls,
// h5dump, R tximport, MultiQC) are used when installed and the tests that
// need them skip otherwise.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gallisto/gallisto/internal/align/pseudo"
	"github.com/gallisto/gallisto/internal/graph/index"
	"github.com/gallisto/gallisto/internal/output/abundanceh5"
	"github.com/gallisto/gallisto/internal/output/hdf5/hdf5test"
	"github.com/gallisto/gallisto/internal/quant"
	"github.com/gallisto/gallisto/internal/simulate"
	"github.com/gallisto/gallisto/internal/testref"
	"github.com/google/go-cmp/cmp"
)

// kallistoCall is the command line stored in the kallisto-written golden
// abundance.h5 (testdata/h5/kallisto-0.48-test); using it makes our
// /aux/call the same size as kallisto's.
const kallistoCall = "kallisto quant -i transcripts.idx -o out -b 3 --seed 42 -t 1 reads_1.fastq.gz reads_2.fastq.gz"

// testIndex returns a gallisto index of kallisto's test transcripts (and a
// kallisto index when kallisto is installed).
func testIndex(t *testing.T) *indexEntry {
	fa := testref.KallistoTestFile(t, "transcripts.fasta.gz")
	return cache.get(t, []string{fa}, testref.Kallisto() != "")
}

func testReads(t *testing.T) []string {
	return []string{testref.KallistoTestFile(t, "reads_1.fastq.gz"), testref.KallistoTestFile(t, "reads_2.fastq.gz")}
}

// run runs gallisto quant with o (Index, Files and switches set by the
// caller) into a new directory and returns it with the log.
func run(t *testing.T, o quant.Options) (string, string) {
	t.Helper()
	o.OutDir = t.TempDir()
	var log bytes.Buffer
	o.Log = &log
	if o.Threads == 0 {
		o.Threads = 1
	}
	if o.Call == "" {
		o.Call = "test"
	}
	o.StartTime = time.Date(2026, 11, 26, 23, 20, 50, 0, time.UTC)
	if err := quant.Run(context.Background(), &o); err != nil {
		t.Fatalf("gallisto quant: %v\n%s", err, log.String())
	}
	return o.OutDir, log.String()
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// kallistoQuant runs kallisto quant with args into a new directory.
func kallistoQuant(t *testing.T, idx string, args ...string) (string, string) {
	t.Helper()
	out := t.TempDir()
	var stderr bytes.Buffer
	cmd := exec.Command("kallisto", append([]string{"quant", "-i", idx, "-o", out}, args...)...)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kallisto quant: %v\n%s", err, stderr.String())
	}
	return out, stderr.String()
}

// TestBiasMatchesKallisto: --bias gives kallisto 0.48's abundance.tsv byte
// for byte (so eff_length and est_counts to its 6 printed digits) and its
// log, paired-end, single-end and stranded. Compared live with kallisto when
// installed, else with testdata/parity/bias-*.
func TestBiasMatchesKallisto(t *testing.T) {
	idx := testIndex(t)
	reads := testReads(t)
	cases := []struct {
		name string
		args []string
		opt  quant.Options
	}{
		{"pe", nil, quant.Options{}},
		{"se", []string{"--single", "-l", "200", "-s", "20"}, quant.Options{Single: true, FragLen: 200, FragSD: 20}},
		{"pe-rf", []string{"--rf-stranded"}, quant.Options{Strand: pseudo.RF}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			files := reads
			if tc.opt.Single {
				files = reads[:1]
			}
			golden := filepath.Join(testref.RepoRoot(), "testdata", "parity", "bias-"+tc.name)
			var want, wantLog string
			if idx.kallisto != "" {
				out, log := kallistoQuant(t, idx.kallisto, append(append([]string{"--bias"}, tc.args...), files...)...)
				want, wantLog = read(t, filepath.Join(out, "abundance.tsv")), placeholders(log)
				if *update {
					os.MkdirAll(golden, 0o755)
					os.WriteFile(filepath.Join(golden, "abundance.tsv"), []byte(want), 0o644)
					os.WriteFile(filepath.Join(golden, "quant.log"), []byte(wantLog), 0o644)
				}
			} else {
				want, wantLog = read(t, filepath.Join(golden, "abundance.tsv")), read(t, filepath.Join(golden, "quant.log"))
			}
			o := tc.opt
			o.Index, o.Files, o.Bias = idx.gallisto, files, true
			out, log := run(t, o)
			got := read(t, filepath.Join(out, "abundance.tsv"))
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("abundance.tsv with --bias differs (-kallisto +gallisto):\n%s", d)
			}
			if d := cmp.Diff(wantLog, kallistoLog(placeholders(log))); d != "" {
				t.Errorf("log differs (-kallisto +gallisto):\n%s", d)
			}
			if tc.name == "pe" {
				// The facts' anchors: eff_length[0] 1718.52, est_counts[0] 100.607.
				if l := strings.Split(got, "\n")[1]; !strings.HasPrefix(l, "ENST00000513300.5\t1924\t1718.52\t100.607\t") {
					t.Errorf("first target with --bias: %q", l)
				}
			}
		})
	}
}

// h5Datasets returns the content of an abundance.h5 without call and
// start_time, which legitimately differ between runs.
func h5Datasets(t *testing.T, path string) *abundanceh5.File {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := abundanceh5.Read(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	f.Call, f.StartTime = "", ""
	return f
}

// TestBootstrapThreads: bootstraps give the same abundance.h5 datasets,
// bs_abundance files and logs with -t 1 and -t 2, and --seed changes them.
func TestBootstrapThreads(t *testing.T) {
	idx := testIndex(t)
	reads := testReads(t)
	const B = 20
	base := quant.Options{Index: idx.gallisto, Files: reads, Bootstraps: B, Seed: 42}
	o1, o2 := base, base
	o1.Threads, o2.Threads = 1, 2
	d1, log1 := run(t, o1)
	d2, log2 := run(t, o2)
	h1, h2 := h5Datasets(t, filepath.Join(d1, "abundance.h5")), h5Datasets(t, filepath.Join(d2, "abundance.h5"))
	if d := cmp.Diff(h1, h2); d != "" {
		t.Errorf("abundance.h5 differs between -t 1 and -t 2:\n%s", d)
	}
	if len(h1.Bootstraps) != B || h1.NumBootstrap != B {
		t.Errorf("%d bootstraps in abundance.h5 (num_bootstrap %d), want %d", len(h1.Bootstraps), h1.NumBootstrap, B)
	}
	if log1 != log2 {
		t.Errorf("logs differ:\n%s\n%s", log1, log2)
	}
	wantLog := "[bstrp] running EM for the bootstrap: 1\r"
	if !strings.Contains(log1, wantLog) || !strings.HasSuffix(log1, fmt.Sprintf("bootstrap: %d\r\n\n", B)) {
		t.Errorf("log lacks kallisto's bootstrap lines:\n%q", log1)
	}

	p1, p2 := o1, o2
	p1.Plaintext, p2.Plaintext = true, true
	t1, _ := run(t, p1)
	t2, _ := run(t, p2)
	if _, err := os.Stat(filepath.Join(t1, "abundance.h5")); err == nil {
		t.Errorf("--plaintext wrote abundance.h5")
	}
	for b := 0; b < B; b++ {
		name := fmt.Sprintf("bs_abundance_%d.tsv", b)
		a := read(t, filepath.Join(t1, name))
		if a != read(t, filepath.Join(t2, name)) {
			t.Errorf("%s differs between -t 1 and -t 2", name)
		}
		// The plaintext bootstrap holds the same counts as the HDF5 one.
		tsv := abundanceTSV(t, a)
		for i, v := range h1.Bootstraps[b] {
			if got := fmtG(v); got != tsv[i][3] {
				t.Fatalf("%s target %d: est_counts %s, abundance.h5 has %s", name, i, tsv[i][3], got)
			}
		}
	}
	o3 := o1
	o3.Seed = 43
	d3, _ := run(t, o3)
	if h3 := h5Datasets(t, filepath.Join(d3, "abundance.h5")); slices.Equal(h3.Bootstraps[0], h1.Bootstraps[0]) {
		t.Errorf("--seed 43 gave seed 42's first bootstrap")
	}
}

// kallistoLog drops the lines gallisto adds to kallisto's log (the causes
// of unaligned reads, notes on removed temporary files; the prefixes of
// quant.ExtraLogPrefixes), leaving the lines kallisto writes.
func kallistoLog(s string) string {
	var keep []string
	for _, l := range strings.SplitAfter(s, "\n") {
		extra := false
		for _, p := range quant.ExtraLogPrefixes {
			extra = extra || strings.HasPrefix(l, p)
		}
		if !extra {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "")
}

// fmtG formats like kallisto's output (%g with 6 digits).
func fmtG(x float64) string { return strconv.FormatFloat(x, 'g', 6, 64) }

func abundanceTSV(t *testing.T, s string) [][]string {
	t.Helper()
	var rows [][]string
	for i, l := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		if i == 0 {
			continue
		}
		rows = append(rows, strings.Split(l, "\t"))
	}
	return rows
}

// TestH5LayoutMatchesKallisto: gallisto's abundance.h5 for kallisto's test
// run (3 bootstraps, kallisto's call) lists like kallisto's golden file
// under h5ls -r, and under h5dump -p -H (types, string sizes, chunking,
// deflate) apart from compressed sizes; its datasets other than the
// bootstraps equal kallisto's values (with kallisto's index version 10
// replaced by gallisto's).
func TestH5LayoutMatchesKallisto(t *testing.T) {
	idx := testIndex(t)
	dir, _ := run(t, quant.Options{Index: idx.gallisto, Files: testReads(t), Bootstraps: 3, Seed: 42, Call: kallistoCall})
	path := filepath.Join(dir, "abundance.h5")
	golden := filepath.Join(testref.RepoRoot(), "testdata", "h5", "kallisto-0.48-test")

	got := h5Datasets(t, path)
	want := h5Datasets(t, filepath.Join(golden, "abundance.h5"))
	want.IndexVersion = int32(index.FormatVersion)
	got.Bootstraps, want.Bootstraps = nil, nil
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("abundance.h5 content differs from kallisto's (-kallisto +gallisto):\n%s", d)
	}

	h5ls := hdf5test.Tool(t, "h5ls")
	if got, want := hdf5test.Run(t, h5ls, "-r", path), read(t, filepath.Join(golden, "h5ls-r.txt")); got != want {
		t.Errorf("h5ls -r:\n%s\nkallisto's:\n%s", got, want)
	}
	h5dump := hdf5test.Tool(t, "h5dump")
	gotH := hdf5test.NormalizeHeader(hdf5test.Run(t, h5dump, "-p", "-H", path))
	wantH := hdf5test.NormalizeHeader(read(t, filepath.Join(golden, "h5dump-p-H.txt")))
	if d := cmp.Diff(wantH, gotH); d != "" {
		t.Errorf("h5dump -p -H differs (-kallisto +gallisto):\n%s", d)
	}
}

// TestH5DumpRoundTrip: gallisto h5dump of gallisto's abundance.h5 gives
// back quant's abundance.tsv and, with --plaintext, its bootstrap files.
func TestH5DumpRoundTrip(t *testing.T) {
	idx := testIndex(t)
	o := quant.Options{Index: idx.gallisto, Files: testReads(t), Bootstraps: 4, Seed: 7}
	dir, _ := run(t, o)
	o.Plaintext = true
	plain, _ := run(t, o)
	b, err := os.ReadFile(filepath.Join(dir, "abundance.h5"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := abundanceh5.Read(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if err := abundanceh5.Dump(f, out, nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"abundance.tsv", "bs_abundance_0.tsv", "bs_abundance_3.tsv"} {
		src := dir
		if name != "abundance.tsv" {
			src = plain
		}
		if d := cmp.Diff(read(t, filepath.Join(src, name)), read(t, filepath.Join(out, name))); d != "" {
			t.Errorf("h5dump %s differs from quant's (-quant +h5dump):\n%s", name, d)
		}
	}
}

// simData is a simulated data set: transcripts, gallisto index, gene map
// and read files per library type.
type simData struct {
	dir, fasta, idx, t2g string
	reads                map[string][]string // "unstranded", "fr", "rf", "mix"
}

var (
	simOnce sync.Once
	sim     simData
	simErr  error
)

// simulated makes (once per test binary) 150 genes and 30,000 read pairs
// for each library type; "mix" is 15,000 FR pairs followed by 15,000
// unstranded ones.
func simulated(t *testing.T) *simData {
	simOnce.Do(func() {
		// Under the index cache's folder, which TestMain removes.
		cache.mu.Lock()
		if cache.dir == "" {
			cache.dir, simErr = os.MkdirTemp("", "gallisto-parity-")
		}
		sim.dir = filepath.Join(cache.dir, "sim")
		cache.mu.Unlock()
		if simErr != nil {
			return
		}
		if simErr = os.MkdirAll(sim.dir, 0o755); simErr != nil {
			return
		}
		tx := simulate.NewTranscriptome(simulate.TranscriptomeOptions{Genes: 150, MaxIsoforms: 4, MinExon: 60, MaxExon: 400, ExonsPerGene: 5, Seed: 11})
		sim.fasta = filepath.Join(sim.dir, "tx.fa")
		var fa, t2g bytes.Buffer
		if simErr = tx.WriteFASTA(&fa); simErr != nil {
			return
		}
		os.WriteFile(sim.fasta, fa.Bytes(), 0o644)
		for i, n := range tx.Names {
			fmt.Fprintf(&t2g, "%s\t%s\n", n, tx.Genes[i])
		}
		sim.t2g = filepath.Join(sim.dir, "t2g.tsv")
		os.WriteFile(sim.t2g, t2g.Bytes(), 0o644)
		sim.reads = map[string][]string{}
		gen := func(name string, s simulate.Strandedness, pairs int, seed uint64) ([]byte, []byte) {
			var r1, r2 bytes.Buffer
			if _, err := tx.Reads(simulate.ReadOptions{Pairs: pairs, ReadLen: 75, FragMean: 200, FragSD: 30, ErrorRate: 0.002, Strand: s, Seed: seed, ExpressedFrac: 0.7}, &r1, &r2, false); err != nil {
				simErr = err
			}
			return r1.Bytes(), r2.Bytes()
		}
		write := func(name string, r1, r2 []byte) {
			p1, p2 := filepath.Join(sim.dir, name+"_1.fq"), filepath.Join(sim.dir, name+"_2.fq")
			os.WriteFile(p1, r1, 0o644)
			os.WriteFile(p2, r2, 0o644)
			sim.reads[name] = []string{p1, p2}
		}
		for i, s := range []struct {
			name string
			st   simulate.Strandedness
		}{{"unstranded", simulate.Unstranded}, {"fr", simulate.FR}, {"rf", simulate.RF}} {
			r1, r2 := gen(s.name, s.st, 30000, uint64(21+i))
			write(s.name, r1, r2)
		}
		a1, a2 := gen("mixfr", simulate.FR, 15000, 31)
		b1, b2 := gen("mixun", simulate.Unstranded, 15000, 32)
		write("mix", append(a1, b1...), append(a2, b2...))
	})
	if simErr != nil {
		t.Fatal(simErr)
	}
	sim.idx = cache.get(t, []string{sim.fasta}, testref.Kallisto() != "").gallisto
	return &sim
}

type runInfoStrand struct {
	NProcessed      int64          `json:"n_processed"`
	NPseudoaligned  int64          `json:"n_pseudoaligned"`
	NUnique         int64          `json:"n_unique"`
	NUnaligned      map[string]int `json:"n_unaligned"`
	Strand          map[string]any `json:"strand"`
	NumBootstraps   int            `json:"n_bootstraps"`
	KallistoVersion string         `json:"kallisto_version"`
}

func runInfo(t *testing.T, dir string) runInfoStrand {
	t.Helper()
	var ri runInfoStrand
	if err := json.Unmarshal([]byte(read(t, filepath.Join(dir, "run_info.json"))), &ri); err != nil {
		t.Fatal(err)
	}
	return ri
}

// TestStrandAuto: --strand auto calls unstranded, FR and RF libraries right
// and a 50/50 mix of FR and unstranded fragments (FR fraction about 0.75)
// undetermined; when it picks a filter, every output equals the explicit
// option's (abundance.tsv, the counts in run_info.json, the log apart from
// the strand line), and undetermined runs equal unstranded ones.
func TestStrandAuto(t *testing.T) {
	s := simulated(t)
	cases := []struct {
		reads, want string
		strand      pseudo.Strand
	}{
		{"unstranded", "unstranded", pseudo.Unstranded},
		{"fr", "fr", pseudo.FR},
		{"rf", "rf", pseudo.RF},
		{"mix", "undetermined", pseudo.Unstranded},
	}
	for _, tc := range cases {
		t.Run(tc.reads, func(t *testing.T) {
			auto, alog := run(t, quant.Options{Index: s.idx, Files: s.reads[tc.reads], StrandAuto: true, Threads: 2})
			ri := runInfo(t, auto)
			if got := ri.Strand["chosen"]; got != tc.want {
				t.Fatalf("--strand auto chose %v, want %s; run_info strand %v\n%s", got, tc.want, ri.Strand, alog)
			}
			if !strings.Contains(alog, "[quant] strand auto: ") {
				t.Errorf("log does not report the call:\n%s", alog)
			}
			if tc.want == "undetermined" && !strings.Contains(alog, "strandedness undetermined (the evidence is mixed); quantifying as unstranded") {
				t.Errorf("log does not say undetermined:\n%s", alog)
			}
			expl, elog := run(t, quant.Options{Index: s.idx, Files: s.reads[tc.reads], Strand: tc.strand, Threads: 1})
			if d := cmp.Diff(read(t, filepath.Join(expl, "abundance.tsv")), read(t, filepath.Join(auto, "abundance.tsv"))); d != "" {
				t.Errorf("abundance.tsv of --strand auto differs from the explicit run (-explicit +auto):\n%s", d)
			}
			re := runInfo(t, expl)
			ri.Strand = nil
			if d := cmp.Diff(re, ri); d != "" {
				t.Errorf("run_info.json counts differ (-explicit +auto):\n%s", d)
			}
			var kept []string
			for _, l := range strings.SplitAfter(alog, "\n") {
				if !strings.Contains(l, "strand auto") {
					kept = append(kept, l)
				}
			}
			if d := cmp.Diff(elog, strings.Join(kept, "")); d != "" {
				t.Errorf("log differs beyond the strand lines (-explicit +auto):\n%s", d)
			}
		})
	}
}

// TestStrandedParity: --fr-stranded and --rf-stranded give kallisto's
// abundance.tsv and counts on simulated stranded reads, each with the
// matching and the wrong filter.
func TestStrandedParity(t *testing.T) {
	if testref.Kallisto() == "" {
		t.Skip("kallisto not installed")
	}
	s := simulated(t)
	kidx := cache.get(t, []string{s.fasta}, true).kallisto
	// Stranded reads with their filter, and unstranded reads with each
	// filter (about half align). A stranded library with the wrong filter
	// aligns nothing, where kallisto gives up.
	for _, c := range [][2]string{{"fr", "--fr-stranded"}, {"rf", "--rf-stranded"}, {"unstranded", "--fr-stranded"}, {"unstranded", "--rf-stranded"}} {
		reads, flag := c[0], c[1]
		{
			t.Run(reads+flag, func(t *testing.T) {
				kout, klog := kallistoQuant(t, kidx, append([]string{flag}, s.reads[reads]...)...)
				st := pseudo.FR
				if flag == "--rf-stranded" {
					st = pseudo.RF
				}
				gout, glog := run(t, quant.Options{Index: s.idx, Files: s.reads[reads], Strand: st})
				if d := cmp.Diff(read(t, filepath.Join(kout, "abundance.tsv")), read(t, filepath.Join(gout, "abundance.tsv"))); d != "" {
					t.Errorf("abundance.tsv differs (-kallisto +gallisto):\n%s", d)
				}
				if d := cmp.Diff(counts(t, read(t, filepath.Join(kout, "run_info.json"))), counts(t, read(t, filepath.Join(gout, "run_info.json")))); d != "" {
					t.Errorf("counts differ (-kallisto +gallisto):\n%s", d)
				}
				if d := cmp.Diff(klog, kallistoLog(glog)); d != "" {
					t.Errorf("log differs (-kallisto +gallisto):\n%s", d)
				}
			})
		}
	}
}

// TestStrandFilterWarning (regression): a strand filter that removes most
// reads says so, naming the filter and --strand auto, instead of leaving
// the user to suspect the index; a filter of the library's own kind
// stays quiet.
func TestStrandFilterWarning(t *testing.T) {
	s := simulated(t)
	_, log := run(t, quant.Options{Index: s.idx, Files: s.reads["unstranded"], Strand: pseudo.RF})
	if !strings.Contains(log, "[quant] warning: the strand filter (--rf-stranded) removed ") || !strings.Contains(log, "--strand auto decides from the reads") {
		t.Errorf("no strand filter warning for unstranded reads under --rf-stranded:\n%s", log)
	}
	_, log = run(t, quant.Options{Index: s.idx, Files: s.reads["fr"], Strand: pseudo.FR})
	if strings.Contains(log, "warning: the strand filter") {
		t.Errorf("warning for FR reads under --fr-stranded:\n%s", log)
	}
	o := quant.Options{Index: s.idx, Files: s.reads["fr"], Strand: pseudo.RF, OutDir: t.TempDir(), Threads: 1}
	err := quant.Run(context.Background(), &o)
	if err == nil || !strings.Contains(err.Error(), "the strand filter (--rf-stranded) removed 29,997 of them; is the library stranded the other way, or not at all?") {
		t.Errorf("FR reads under --rf-stranded: %v", err)
	}
}
