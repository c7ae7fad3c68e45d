package quant_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gallisto/gallisto/internal/input/sheet"
	"github.com/gallisto/gallisto/internal/quant"
)

// batchSheet writes a sample sheet over the simulated reads: two paired
// samples, one of two lanes, one single-end with its own l and s.
func batchSheet(t *testing.T, s *simData, extra string) string {
	t.Helper()
	dir := t.TempDir()
	rows := []string{"sample\tr1\tr2\tl\ts",
		fmt.Sprintf("un\t%s\t%s\t\t", s.reads["unstranded"][0], s.reads["unstranded"][1]),
		fmt.Sprintf("lanes\t%s\t%s\t\t", s.reads["fr"][0], s.reads["fr"][1]),
		fmt.Sprintf("lanes\t%s\t%s\t\t", s.reads["mix"][0], s.reads["mix"][1]),
		fmt.Sprintf("se\t%s\t-\t180\t25", s.reads["rf"][0]),
	}
	p := filepath.Join(dir, "samples.tsv")
	os.WriteFile(p, []byte(strings.Join(rows, "\n")+"\n"+extra), 0o644)
	return p
}

func batchOptions(s *simData, out string, log *bytes.Buffer) *quant.Options {
	return &quant.Options{Index: s.idx, OutDir: out, Threads: 2, Bootstraps: 3, Seed: 7, GeneMap: s.t2g,
		Call: "test", StartTime: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Log: log}
}

func runBatch(t *testing.T, o *quant.Options, path string, force bool) error {
	t.Helper()
	sh, err := sheet.Read(path, sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return quant.RunBatch(context.Background(), o, &quant.Batch{Sheet: sh, Force: force})
}

// TestBatchMatchesSeparateRuns: every sample's folder holds, byte for
// byte, what a separate quant of the sample with the same options (and
// the same call and start time) writes; a rerun skips finished samples
// and --force redoes them.
func TestBatchMatchesSeparateRuns(t *testing.T) {
	s := simulated(t)
	path := batchSheet(t, s, "")
	out := filepath.Join(t.TempDir(), "batch")
	var log bytes.Buffer
	if err := runBatch(t, batchOptions(s, out, &log), path, false); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	sh, _ := sheet.Read(path, sheet.Options{})
	files := []string{"abundance.tsv", "abundance.genes.tsv", "run_info.json", "abundance.h5"}
	for _, smp := range sh.Samples {
		o := batchOptions(s, filepath.Join(t.TempDir(), smp.Name), &bytes.Buffer{})
		o.Files, o.Single = smp.Files, smp.Single
		o.FragLen, o.FragSD = smp.FragLen, smp.FragSD
		if err := quant.Run(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if got, want := read(t, filepath.Join(out, smp.Name, f)), read(t, filepath.Join(o.OutDir, f)); got != want {
				t.Errorf("sample %s: %s differs from a separate quant's", smp.Name, f)
			}
		}
	}
	for _, want := range []string{"[batch] 3 samples in " + path + "; 3 to quantify, 0 already done", "[batch] sample 3 of 3: se -> " + filepath.Join(out, "se"),
		"[quant] will process pair 2: " + s.reads["mix"][0], "[quant] fragment length distribution is truncated gaussian with mean = 180, sd = 25"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}

	// A rerun does nothing; --force redoes every sample.
	st, _ := os.Stat(filepath.Join(out, "un", "abundance.tsv"))
	log.Reset()
	if err := runBatch(t, batchOptions(s, out, &log), path, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "3 samples in "+path+"; 0 to quantify, 3 already done") || strings.Contains(log.String(), "[index]") {
		t.Errorf("rerun did not skip every sample (or loaded the index):\n%s", log.String())
	}
	if st2, _ := os.Stat(filepath.Join(out, "un", "abundance.tsv")); !st2.ModTime().Equal(st.ModTime()) {
		t.Error("rerun rewrote a finished sample")
	}
	log.Reset()
	if err := runBatch(t, batchOptions(s, out, &log), path, true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "3 to quantify, 0 already done") {
		t.Errorf("--force did not redo the samples:\n%s", log.String())
	}
}

// TestBatchFailures: a problem of any sample found before the index is
// loaded writes nothing; a sample that fails while running stops the
// batch, leaves nothing of itself and keeps the samples before it.
func TestBatchFailures(t *testing.T) {
	s := simulated(t)
	// single-end sample without l and s (and no -l/-s): refused up front
	dir := t.TempDir()
	se := filepath.Join(dir, "se.fq")
	os.WriteFile(se, []byte(read(t, s.reads["fr"][1])), 0o644)
	bad := batchSheet(t, s, "nolen\t"+se+"\t\t\t\n")
	out := filepath.Join(dir, "o1")
	err := runBatch(t, batchOptions(s, out, &bytes.Buffer{}), bad, false)
	if err == nil || err.Error() != bad+" line 6: sample nolen is single-end: give its l and s columns, or -l and -s" {
		t.Errorf("got %v", err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a refused batch created its output folder")
	}

	// an empty read file in the second sample: the first stays, the
	// second leaves nothing, the third does not run
	empty := filepath.Join(dir, "empty.fq")
	os.WriteFile(empty, nil, 0o644)
	p := filepath.Join(dir, "s.tsv")
	os.WriteFile(p, []byte(fmt.Sprintf("sample\tr1\tr2\nA\t%s\t%s\nB\t%s\t%s\nC\t%s\t%s\n",
		s.reads["fr"][0], s.reads["fr"][1], empty, s.reads["un"+"stranded"][1], s.reads["rf"][0], s.reads["rf"][1])), 0o644)
	out = filepath.Join(dir, "o2")
	err = runBatch(t, batchOptions(s, out, &bytes.Buffer{}), p, false)
	if err == nil || !strings.HasPrefix(err.Error(), "sample B: ") {
		t.Errorf("got %v, want an error naming sample B", err)
	}
	if _, err := os.Stat(filepath.Join(out, "A", "run_info.json")); err != nil {
		t.Error("sample A, finished before the failure, is gone")
	}
	for _, d := range []string{"B", "C"} {
		if ents, _ := os.ReadDir(filepath.Join(out, d)); len(ents) > 0 {
			t.Errorf("sample %s left %d files", d, len(ents))
		}
	}
}
