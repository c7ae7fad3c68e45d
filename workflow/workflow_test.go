// Package workflow_test runs workflow/Snakefile: locally, and through a
// one-node SLURM cluster started for the test (scripts/slurm-cluster.sh),
// on the four airway samples of the shared data. Every per-sample result
// must equal, byte for byte, what a plain `gallisto quant` and a `quant
// --batch` of the same sheet write (run_info.json's and abundance.h5's
// call and start time aside).
package workflow_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gallisto/gallisto/internal/output/abundanceh5"
	"github.com/gallisto/gallisto/internal/testref"
)

var samples = []string{"SRR1039508", "SRR1039509", "SRR1039512", "SRR1039513"}

// setup builds gallisto and writes a config for the airway data.
type setup struct {
	dir, bin, cfg, sheet, fasta, t2g string
}

func newSetup(t *testing.T) *setup {
	t.Helper()
	if testing.Short() {
		t.Skip("runs Snakemake (-short)")
	}
	if _, err := exec.LookPath("snakemake"); err != nil {
		t.Skip("snakemake not installed (apt-get install snakemake)")
	}
	air := testref.SharedFile(t, "data/real/human_airway_chr1_10M")
	s := &setup{dir: t.TempDir()}
	s.bin = filepath.Join(s.dir, "gallisto")
	if out, err := exec.Command("go", "build", "-o", s.bin, "../cmd/gallisto").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	s.fasta = filepath.Join(air, "transcripts", "gencode.v28.transcripts.1.1.10M.fa.gz")
	s.t2g = filepath.Join(air, "tx2gene.gencode.v28.tsv")
	// the repository's example sheet, with its paths made absolute
	b, err := os.ReadFile("airway-samples.tsv")
	if err != nil {
		t.Fatal(err)
	}
	s.sheet = filepath.Join(s.dir, "samples.tsv")
	os.WriteFile(s.sheet, bytes.ReplaceAll(b, []byte("../../shared/data/real/human_airway_chr1_10M"), []byte(air)), 0o644)
	s.cfg = filepath.Join(s.dir, "config.yaml")
	cfg := fmt.Sprintf("transcripts: %s\nsamples: %s\ngenemap: %s\noutdir: results\ngallisto: %s\nquant_threads: 2\nquant_mem_mb: 1000\nindex_mem_mb: 1000\nbootstraps: 2\n",
		s.fasta, s.sheet, s.t2g, s.bin)
	os.WriteFile(s.cfg, []byte(cfg), 0o644)
	return s
}

// snakemake runs the workflow in workdir with extra arguments.
func (s *setup) snakemake(t *testing.T, workdir string, env []string, extra ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	snakefile, _ := filepath.Abs("Snakefile")
	args := append([]string{"-s", snakefile, "--configfile", s.cfg, "-d", workdir}, extra...)
	cmd := exec.CommandContext(ctx, "snakemake", args...)
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("snakemake %s: %v\n%s", strings.Join(extra, " "), err, out)
	}
}

// reference writes, for comparison, a plain quant of every sample and a
// quant --batch of the sheet (with the workflow's options).
func (s *setup) reference(t *testing.T) (plain, batch string) {
	t.Helper()
	idx := filepath.Join(s.dir, "ref.idx")
	run(t, s.bin, "index", "-i", idx, s.fasta)
	plain = filepath.Join(s.dir, "plain")
	air := filepath.Dir(filepath.Dir(s.fasta))
	for _, smp := range samples {
		r := filepath.Join(air, "reads", smp)
		run(t, s.bin, "quant", "-i", idx, "-o", filepath.Join(plain, smp), "-t", "2", "-b", "2", "--seed", "42", "--model", "kallisto",
			"--genemap", s.t2g, r+"_R1.fastq.gz", r+"_R2.fastq.gz")
	}
	batch = filepath.Join(s.dir, "batch")
	run(t, s.bin, "quant", "-i", idx, "-o", batch, "-t", "2", "-b", "2", "--genemap", s.t2g, "--batch", s.sheet)
	return plain, batch
}

func run(t *testing.T, bin string, args ...string) {
	t.Helper()
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("gallisto %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// sameResults compares two samples' quant folders: abundance.tsv and
// abundance.genes.tsv byte for byte, run_info.json and abundance.h5 but
// for the call and start time.
func sameResults(t *testing.T, a, b string) {
	t.Helper()
	for _, f := range []string{"abundance.tsv", "abundance.genes.tsv"} {
		x, err1 := os.ReadFile(filepath.Join(a, f))
		y, err2 := os.ReadFile(filepath.Join(b, f))
		if err1 != nil || err2 != nil || !bytes.Equal(x, y) {
			t.Errorf("%s: %s and %s differ (%v, %v)", f, a, b, err1, err2)
		}
	}
	ri := func(d string) map[string]any {
		var m map[string]any
		b, _ := os.ReadFile(filepath.Join(d, "run_info.json"))
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		delete(m, "call")
		delete(m, "start_time")
		return m
	}
	if x, y := ri(a), ri(b); !reflect.DeepEqual(x, y) {
		t.Errorf("run_info.json: %s and %s differ beyond call and start_time:\n%v\n%v", a, b, x, y)
	}
	h5 := func(d string) *abundanceh5.File {
		b, err := os.ReadFile(filepath.Join(d, "abundance.h5"))
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
	if !reflect.DeepEqual(h5(a), h5(b)) {
		t.Errorf("abundance.h5: %s and %s differ beyond call and start_time", a, b)
	}
}

// checkStudy checks the merged matrices and the report.
func checkStudy(t *testing.T, results string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(results, "merged", "samples.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 1+len(samples) || !strings.HasSuffix(lines[0], "\ttreatment\tcell_line") {
		t.Errorf("merged/samples.tsv: %d lines, header %q", len(lines), lines[0])
	}
	for _, f := range []string{"genes_est_counts.tsv", "transcripts_tpm.tsv"} {
		if _, err := os.Stat(filepath.Join(results, "merged", f)); err != nil {
			t.Error(err)
		}
	}
	page, err := os.ReadFile(filepath.Join(results, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range samples {
		if !bytes.Contains(page, []byte(`data-sample="`+s+`"`)) {
			t.Errorf("report.html does not name %s", s)
		}
	}
}

// TestWorkflowLocal: the workflow on this machine (--cores 2).
func TestWorkflowLocal(t *testing.T) {
	s := newSetup(t)
	work := filepath.Join(s.dir, "local")
	s.snakemake(t, work, nil, "--cores", "2", "-q")
	plain, batch := s.reference(t)
	for _, smp := range samples {
		got := filepath.Join(work, "results", "quant", smp)
		sameResults(t, got, filepath.Join(plain, smp))
		sameResults(t, got, filepath.Join(batch, smp))
	}
	checkStudy(t, filepath.Join(work, "results"))
	log, _ := os.ReadFile(filepath.Join(work, "results", "logs", "quant", samples[0]+".log"))
	if !bytes.Contains(log, []byte("[quant] processed ")) {
		t.Errorf("the quant log lacks kallisto's lines:\n%s", log)
	}
}

// TestWorkflowSLURM: the workflow through SLURM (--profile
// profiles/slurm) on a one-node cluster this test starts and stops; every
// rule but all must have run as a SLURM job, and the results equal a
// local run's.
func TestWorkflowSLURM(t *testing.T) {
	s := newSetup(t)
	conf := startCluster(t)
	work := filepath.Join(s.dir, "slurm")
	profile, _ := filepath.Abs("profiles/slurm")
	env := []string{"SLURM_CONF=" + conf}
	s.snakemake(t, work, env, "--profile", profile)

	sc := exec.Command("scontrol", "show", "job", "-o")
	sc.Env = append(os.Environ(), env...)
	out, err := sc.CombinedOutput()
	if err != nil {
		t.Fatalf("scontrol: %v\n%s", err, out)
	}
	jobs := string(out)
	want := []string{"gallisto.index.", "gallisto.merge.", "gallisto.report."}
	for _, smp := range samples {
		want = append(want, "gallisto.quant.sample="+smp)
	}
	for _, w := range want {
		line := ""
		for _, l := range strings.Split(jobs, "\n") {
			if strings.Contains(l, "JobName="+w+" ") {
				line = l
			}
		}
		if !strings.Contains(line, "JobState=COMPLETED") {
			t.Errorf("job %s did not complete through SLURM: %q", w, line)
		}
	}
	if ents, _ := os.ReadDir(filepath.Join(work, "slurm-logs")); len(ents) != len(want) {
		t.Errorf("%d SLURM job logs in slurm-logs/, want %d", len(ents), len(want))
	}
	plain, _ := s.reference(t)
	for _, smp := range samples {
		sameResults(t, filepath.Join(work, "results", "quant", smp), filepath.Join(plain, smp))
	}
	checkStudy(t, filepath.Join(work, "results"))
}

// startCluster returns the SLURM_CONF of the cluster to use: the one
// GALLISTO_SLURM_CONF names (.ci/run starts one), or a one-node cluster
// started here (root only) and stopped when the test ends.
func startCluster(t *testing.T) string {
	t.Helper()
	if c := os.Getenv("GALLISTO_SLURM_CONF"); c != "" {
		cmd := exec.Command("sinfo", "-h", "-o", "%a")
		cmd.Env = append(os.Environ(), "SLURM_CONF="+c)
		if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "up") {
			t.Fatalf("GALLISTO_SLURM_CONF=%s: the cluster does not answer: %v\n%s", c, err, out)
		}
		return c
	}
	if os.Geteuid() != 0 {
		t.Skip("starting a SLURM cluster needs root (slurmd runs jobs as their users)")
	}
	for _, b := range []string{"/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/sbin/munged"} {
		if _, err := os.Stat(b); err != nil {
			t.Skipf("%s not installed (apt-get install slurm-wlm munge): the SLURM workflow test cannot run", b)
		}
	}
	dir, err := os.MkdirTemp("", "gallisto-slurm-")
	if err != nil {
		t.Fatal(err)
	}
	script, _ := filepath.Abs("../scripts/slurm-cluster.sh")
	out, err := exec.Command(script, "start", dir).CombinedOutput()
	t.Cleanup(func() {
		if o, err := exec.Command(script, "stop", dir).CombinedOutput(); err != nil {
			t.Logf("stopping the cluster: %v\n%s", err, o)
		}
		os.RemoveAll(dir)
	})
	if err != nil {
		logs, _ := exec.Command("sh", "-c", "tail -n 20 "+dir+"/log/*.log").CombinedOutput()
		t.Fatalf("starting the cluster: %v\n%s\n%s", err, out, logs)
	}
	return strings.TrimSpace(string(out[bytes.LastIndexByte(bytes.TrimSpace(out), '\n')+1:]))
}
