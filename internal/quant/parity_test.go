package quant_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gallisto/gallisto/internal/graph/index"
	"github.com/gallisto/gallisto/internal/quant"
	"github.com/gallisto/gallisto/internal/testref"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "regenerate testdata/parity from kallisto")

// parityCase is one data set of the parity suite (issue: "Parity with
// kallisto 0.48, k=31"): the same index and reads through kallisto and
// gallisto must give identical abundance.tsv files, read counts, index
// sizes and logs.
type parityCase struct {
	name   string
	fasta  []string // "kallisto:" prefix = kallisto's test data, else under the shared folder
	reads  []string
	single bool // --single -l 200 -s 20
}

const (
	airwayTx = "data/real/human_airway_chr1_10M/transcripts/gencode.v28.transcripts.1.1.10M.fa.gz"
	airwayRd = "data/real/human_airway_chr1_10M/reads/"
	yeastTx  = "data/real/yeast_R64/transcripts/Saccharomyces_cerevisiae.R64-1-1."
	yeastRd  = "data/real/yeast_R64/reads/"
)

var parityCases = []parityCase{
	{"kallisto-test-pe", []string{"kallisto:transcripts.fasta.gz"}, []string{"kallisto:reads_1.fastq.gz", "kallisto:reads_2.fastq.gz"}, false},
	{"kallisto-test-se", []string{"kallisto:transcripts.fasta.gz"}, []string{"kallisto:reads_1.fastq.gz"}, true},
	{"airway-SRR1039508", []string{airwayTx}, []string{airwayRd + "SRR1039508_R1.fastq.gz", airwayRd + "SRR1039508_R2.fastq.gz"}, false},
	{"airway-SRR1039509", []string{airwayTx}, []string{airwayRd + "SRR1039509_R1.fastq.gz", airwayRd + "SRR1039509_R2.fastq.gz"}, false},
	{"airway-SRR1039512", []string{airwayTx}, []string{airwayRd + "SRR1039512_R1.fastq.gz", airwayRd + "SRR1039512_R2.fastq.gz"}, false},
	{"airway-SRR1039513", []string{airwayTx}, []string{airwayRd + "SRR1039513_R1.fastq.gz", airwayRd + "SRR1039513_R2.fastq.gz"}, false},
	{"yeast-pe-SRR6924569", []string{yeastTx + "cdna.all.fa.gz", yeastTx + "ncrna.fa.gz"}, []string{yeastRd + "SRR6924569_S1_L001_R1_001.fastq.gz", yeastRd + "SRR6924569_S1_L001_R2_001.fastq.gz"}, false},
	{"yeast-se-SRR1066657", []string{yeastTx + "cdna.all.fa.gz", yeastTx + "ncrna.fa.gz"}, []string{yeastRd + "SRR1066657_S3_L001_R1_001.fastq.gz"}, true},
	{"yeast-se-SRR4238351", []string{yeastTx + "cdna.all.fa.gz", yeastTx + "ncrna.fa.gz"}, []string{yeastRd + "SRR4238351_subsamp.fastq.gz"}, true},
	{"yeast-se-SRR4238379", []string{yeastTx + "cdna.all.fa.gz", yeastTx + "ncrna.fa.gz"}, []string{yeastRd + "SRR4238379_subsamp.fastq.gz"}, true},
}

// resolve maps a case path to a file, or "" when its data is absent.
func resolve(p string) string {
	if name, ok := strings.CutPrefix(p, "kallisto:"); ok {
		p = filepath.Join(testref.KallistoTestDir, name)
	} else if sh := testref.Shared(); sh != "" {
		p = filepath.Join(sh, p)
	} else {
		return ""
	}
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

// placeholders replaces data directories in logs so that golden logs do not
// depend on where the data lives.
func placeholders(s string) string {
	s = strings.ReplaceAll(s, testref.KallistoTestDir, "$KALLISTO_TEST")
	if sh := testref.Shared(); sh != "" {
		s = strings.ReplaceAll(s, sh, "$SHARED")
	}
	return s
}

// indexCache builds each FASTA set once per test binary run, for both tools.
type indexCache struct {
	mu      sync.Mutex
	dir     string
	entries map[string]*indexEntry
}

type indexEntry struct {
	once       sync.Once
	gallisto   string
	kallisto   string
	kallistoIn string // kallisto inspect output
	err        error
}

var cache = &indexCache{entries: map[string]*indexEntry{}}

func (c *indexCache) get(t *testing.T, fasta []string, wantKallisto bool) *indexEntry {
	c.mu.Lock()
	if c.dir == "" {
		d, err := os.MkdirTemp("", "gallisto-parity-")
		if err != nil {
			t.Fatal(err)
		}
		c.dir = d
	}
	key := strings.Join(fasta, ",")
	e := c.entries[key]
	if e == nil {
		e = &indexEntry{}
		c.entries[key] = e
	}
	dir := filepath.Join(c.dir, fmt.Sprint(len(c.entries)))
	c.mu.Unlock()
	e.once.Do(func() {
		os.MkdirAll(dir, 0o755)
		x, err := index.Build(context.Background(), fasta, index.BuildOptions{K: 31})
		if err == nil {
			e.gallisto = filepath.Join(dir, "g.idx")
			err = x.Write(e.gallisto)
		}
		if err == nil && wantKallisto {
			e.kallisto = filepath.Join(dir, "k.idx")
			args := append([]string{"index", "-i", e.kallisto}, fasta...)
			if out, kerr := exec.Command("kallisto", args...).CombinedOutput(); kerr != nil {
				err = fmt.Errorf("kallisto index: %v\n%s", kerr, out)
			} else {
				out, kerr := exec.Command("kallisto", "inspect", e.kallisto).Output()
				err, e.kallistoIn = kerr, string(out)
			}
		}
		e.err = err
	})
	if e.err != nil {
		t.Fatal(e.err)
	}
	return e
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if cache.dir != "" {
		os.RemoveAll(cache.dir)
	}
	os.Exit(code)
}

// reference is what kallisto produced for a case.
type reference struct {
	abundance string
	runInfo   string
	log       string
	index     string // "kmers N\necs N\ncontigs N\n"
}

func (r *reference) files() map[string]*string {
	return map[string]*string{"abundance.tsv": &r.abundance, "run_info.json": &r.runInfo, "quant.log": &r.log, "index.txt": &r.index}
}

func inspectCounts(inspect string) string {
	var out strings.Builder
	for _, l := range strings.Split(inspect, "\n") {
		for _, p := range []struct{ prefix, key string }{
			{"#[inspect] Number of k-mers in index = ", "kmers"},
			{"#[inspect] number of equivalence classes = ", "ecs"},
			{"#[inspect] number of contigs = ", "contigs"},
		} {
			if v, ok := strings.CutPrefix(l, p.prefix); ok {
				fmt.Fprintf(&out, "%s %s\n", p.key, v)
			}
		}
	}
	return out.String()
}

func runKallisto(t *testing.T, idx *indexEntry, reads []string, single bool) *reference {
	t.Helper()
	out := t.TempDir()
	args := []string{"quant", "-i", idx.kallisto, "-o", out}
	if single {
		args = append(args, "--single", "-l", "200", "-s", "20")
	}
	var stderr bytes.Buffer
	cmd := exec.Command("kallisto", append(args, reads...)...)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kallisto quant: %v\n%s", err, stderr.String())
	}
	ab, _ := os.ReadFile(filepath.Join(out, "abundance.tsv"))
	ri, _ := os.ReadFile(filepath.Join(out, "run_info.json"))
	return &reference{abundance: string(ab), runInfo: string(ri), log: placeholders(stderr.String()), index: inspectCounts(idx.kallistoIn)}
}

func runGallisto(t *testing.T, idx string, reads []string, single bool, threads int) (*reference, []byte) {
	t.Helper()
	out := t.TempDir()
	var log bytes.Buffer
	o := &quant.Options{Index: idx, OutDir: out, Files: reads, Single: single, Threads: threads, Log: &log, StartTime: time.Now(), Call: "test"}
	if single {
		o.FragLen, o.FragSD = 200, 20
	}
	if err := quant.Run(context.Background(), o); err != nil {
		t.Fatalf("gallisto quant: %v\n%s", err, log.String())
	}
	ab, _ := os.ReadFile(filepath.Join(out, "abundance.tsv"))
	ri, _ := os.ReadFile(filepath.Join(out, "run_info.json"))
	return &reference{abundance: string(ab), runInfo: string(ri), log: placeholders(stripExtraLogLines(log.String()))}, ri
}

// counts extracts the read counts kallisto and gallisto must agree on.
func counts(t *testing.T, runInfo string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(runInfo), &m); err != nil {
		t.Fatalf("run_info.json: %v\n%s", err, runInfo)
	}
	out := map[string]any{}
	for _, k := range []string{"n_targets", "n_processed", "n_pseudoaligned", "n_unique", "p_pseudoaligned", "p_unique"} {
		out[k] = m[k]
	}
	return out
}

func TestParityWithKallisto(t *testing.T) {
	live := testref.Kallisto() != ""
	for i, pc := range parityCases {
		t.Run(pc.name, func(t *testing.T) {
			if testing.Short() && i > 2 {
				// make test's race pass: the pipeline's concurrency is the
				// same on every data set; the full pass runs them all.
				t.Skip("-short: only the first three cases (the full suite runs all)")
			}
			var fasta, reads []string
			for _, p := range pc.fasta {
				if fasta = append(fasta, resolve(p)); fasta[len(fasta)-1] == "" {
					t.Skipf("data %s not available", p)
				}
			}
			for _, p := range pc.reads {
				if reads = append(reads, resolve(p)); reads[len(reads)-1] == "" {
					t.Skipf("data %s not available", p)
				}
			}
			golden := filepath.Join(testref.RepoRoot(), "testdata", "parity", pc.name)
			idx := cache.get(t, fasta, live)
			var want *reference
			if live {
				want = runKallisto(t, idx, reads, pc.single)
				if *update {
					os.MkdirAll(golden, 0o755)
					for name, v := range want.files() {
						if err := os.WriteFile(filepath.Join(golden, name), []byte(*v), 0o644); err != nil {
							t.Fatal(err)
						}
					}
				}
			} else {
				want = &reference{}
				for name, v := range want.files() {
					b, err := os.ReadFile(filepath.Join(golden, name))
					if err != nil {
						t.Fatalf("%v (regenerate with: go test ./quant -run Parity -update, kallisto installed)", err)
					}
					*v = string(b)
				}
			}
			got1, ri1 := runGallisto(t, idx.gallisto, reads, pc.single, 1)
			got2, ri2 := runGallisto(t, idx.gallisto, reads, pc.single, 2)

			x, err := index.Load(idx.gallisto)
			if err != nil {
				t.Fatal(err)
			}
			st := x.Stats()
			gotIndex := fmt.Sprintf("ecs %d\ncontigs %d\nkmers %d\n", st.ECs, st.Contigs, st.Kmers)
			if d := cmp.Diff(want.index, gotIndex); d != "" {
				t.Errorf("index sizes differ (-kallisto +gallisto):\n%s", d)
			}
			if d := cmp.Diff(counts(t, want.runInfo), counts(t, got1.runInfo)); d != "" {
				t.Errorf("read counts differ (-kallisto +gallisto):\n%s", d)
			}
			if d := cmp.Diff(want.abundance, got1.abundance); d != "" {
				t.Errorf("abundance.tsv differs (-kallisto +gallisto):\n%s", d)
			}
			if d := cmp.Diff(want.log, got1.log); d != "" {
				t.Errorf("log differs (-kallisto +gallisto):\n%s", d)
			}
			// -t 2 must give the same bytes (run_info differs only in call
			// and start time, which are not compared here).
			if got1.abundance != got2.abundance || got1.log != got2.log || !sameCounts(ri1, ri2) {
				t.Errorf("-t 1 and -t 2 outputs differ")
			}
		})
	}
}

// stripExtraLogLines removes the lines gallisto adds to kallisto's log
// (quant.ExtraLogPrefixes), which kallisto's golden logs do not have.
func stripExtraLogLines(s string) string {
	lines := strings.SplitAfter(s, "\n")
	keep := lines[:0]
	for _, l := range lines {
		if !slices.ContainsFunc(quant.ExtraLogPrefixes, func(p string) bool { return strings.HasPrefix(l, p) }) {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "")
}

func sameCounts(a, b []byte) bool {
	strip := func(s []byte) string {
		var keep []string
		for _, l := range strings.Split(string(s), "\n") {
			if !strings.Contains(l, `"start_time"`) && !strings.Contains(l, `"call"`) {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}
	return strip(a) == strip(b)
}
