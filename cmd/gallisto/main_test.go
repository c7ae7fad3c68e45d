package main

// The tests of this package run the gallisto binary the way a user does:
// TestMain builds it once into a temporary directory and the tests run it
// with exec.Command, checking exit codes, messages and the files left
// behind. The fixture is a small simulated transcriptome and read set
// (package internal/simulate), so the tests need no data from outside.
// See TESTING.md for the list of cases.

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gallisto/gallisto/internal/simulate"
)

// bin is the gallisto binary built by TestMain.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gallisto-cli-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Chmod(dir, 0o755) // runnable by user nobody too
	bin = filepath.Join(dir, "gallisto")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building gallisto: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	if fixDir != "" {
		os.RemoveAll(fixDir)
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is what one run of the binary did.
type result struct {
	code           int
	stdout, stderr string
	elapsed        time.Duration
}

// errorLines returns the lines of stderr that start with "Error:".
func (r result) errorLines() []string {
	var out []string
	for _, l := range strings.Split(r.stderr, "\n") {
		if strings.HasPrefix(l, "Error:") {
			out = append(out, l)
		}
	}
	return out
}

// run runs gallisto with args and stdin (nil for none), failing the test
// if it does not finish within two minutes.
func run(t testing.TB, stdin io.Reader, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("gallisto %s: %v", strings.Join(args, " "), err)
	}
	if ctx.Err() != nil {
		t.Fatalf("gallisto %s: did not finish in 2 minutes\n%s", strings.Join(args, " "), r.stderr)
	}
	return r
}

// fixture is a small simulated data set shared by the tests (read-only).
type fixture struct {
	dir      string
	fasta    string // transcripts, plain FASTA
	fastaGz  string
	idx      string // gallisto index of fasta
	r1, r2   string // 2,000 pairs, plain FASTQ, names ending /1 and /2
	r1gz     string
	r2gz     string
	fastaRaw []byte
	r1Raw    []byte
	r2Raw    []byte
}

var (
	fixDir  string
	fixOnce sync.Once
	fix     fixture
	fixErr  error
)

const fixPairs = 2000

func getFixture(t testing.TB) *fixture {
	t.Helper()
	fixOnce.Do(func() { fixErr = makeFixture() })
	if fixErr != nil {
		t.Fatalf("fixture: %v", fixErr)
	}
	return &fix
}

func makeFixture() error {
	d, err := os.MkdirTemp("", "gallisto-fixture-")
	if err != nil {
		return err
	}
	fixDir = d
	// World-readable, so that runs as user nobody can read it.
	os.Chmod(d, 0o755)
	tx := simulate.NewTranscriptome(simulate.TranscriptomeOptions{Genes: 40, MaxIsoforms: 3, MinExon: 80, MaxExon: 300, ExonsPerGene: 4, Seed: 11})
	var fa bytes.Buffer
	if err := tx.WriteFASTA(&fa); err != nil {
		return err
	}
	var b1, b2 bytes.Buffer
	if _, err := tx.Reads(simulate.ReadOptions{Pairs: fixPairs, ReadLen: 75, FragMean: 200, FragSD: 30, ErrorRate: 0.002, Seed: 11, ExpressedFrac: 0.8}, &b1, &b2, false); err != nil {
		return err
	}
	fix = fixture{
		dir: d, fasta: filepath.Join(d, "tx.fa"), fastaGz: filepath.Join(d, "tx.fa.gz"), idx: filepath.Join(d, "tx.idx"),
		r1: filepath.Join(d, "R1.fq"), r2: filepath.Join(d, "R2.fq"), r1gz: filepath.Join(d, "R1.fq.gz"), r2gz: filepath.Join(d, "R2.fq.gz"),
		fastaRaw: fa.Bytes(), r1Raw: b1.Bytes(), r2Raw: b2.Bytes(),
	}
	for path, data := range map[string][]byte{
		fix.fasta: fa.Bytes(), fix.fastaGz: gz(fa.Bytes()),
		fix.r1: b1.Bytes(), fix.r2: b2.Bytes(), fix.r1gz: gz(b1.Bytes()), fix.r2gz: gz(b2.Bytes()),
	} {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
	}
	out, err := exec.Command(bin, "index", "-i", fix.idx, fix.fasta).CombinedOutput()
	if err != nil {
		return fmt.Errorf("gallisto index: %v\n%s", err, out)
	}
	return nil
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// write writes data to dir/name and returns the path.
func write(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// listDir returns the names in dir (hidden ones included); nil if dir does
// not exist.
func listDir(t testing.TB, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// records splits FASTQ text into its 4-line records.
func records(fq []byte) [][]byte {
	lines := bytes.SplitAfter(fq, []byte("\n"))
	var recs [][]byte
	for i := 0; i+4 <= len(lines); i += 4 {
		recs = append(recs, bytes.Join(lines[i:i+4], nil))
	}
	return recs
}

// interleave returns the records of r1 and r2 alternated.
func interleave(r1, r2 []byte) []byte {
	a, b := records(r1), records(r2)
	var out []byte
	for i := range a {
		out = append(out, a[i]...)
		out = append(out, b[i]...)
	}
	return out
}

// quantOutputs reads the result files of an output directory.
func quantOutputs(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	for _, n := range listDir(t, dir) {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		m[n] = b
	}
	return m
}

// stripVolatile removes the lines of run_info.json that differ between
// runs of the same inputs: the start time and the command line.
func stripVolatile(runInfo []byte) string {
	var keep []string
	for _, l := range strings.Split(string(runInfo), "\n") {
		if !strings.Contains(l, `"start_time"`) && !strings.Contains(l, `"call"`) {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}
