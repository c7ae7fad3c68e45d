package singlecell

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gallisto/gallisto/internal/simulate"
	"github.com/gallisto/gallisto/internal/testref"
)

// writeBatch simulates n bulk samples (each with its own seed) into dir
// and writes a batch file listing them.
func writeBatch(t *testing.T, w *world, dir string, n int, paired bool) string {
	t.Helper()
	var lines []string
	for s := 0; s < n; s++ {
		var files []string
		var ws []io.Writer
		for i := 0; i < 2; i++ {
			p := filepath.Join(dir, fmt.Sprintf("s%d_R%d.fq", s, i+1))
			f, err := os.Create(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			files, ws = append(files, p), append(ws, f)
		}
		if _, err := w.tx.Reads(simulate.ReadOptions{Pairs: 300 + 100*s, ReadLen: 75, FragMean: 200, FragSD: 30,
			ErrorRate: 0.003, ExpressedFrac: 0.7, Seed: uint64(10 + s)}, ws[0], ws[1], false); err != nil {
			t.Fatal(err)
		}
		if !paired {
			files = files[:1]
		}
		lines = append(lines, fmt.Sprintf("sample_%d\t%s", s+1, strings.Join(files, " ")))
	}
	p := filepath.Join(dir, "batch.txt")
	os.WriteFile(p, []byte("# id R1 [R2]\n"+strings.Join(lines, "\n")+"\n"), 0o644)
	return p
}

// batchCanonical is canonical plus the two files only batch mode writes.
func batchCanonical(t *testing.T, dir string) string {
	s := canonical(t, dir)
	for _, f := range []string{"matrix.cells", "matrix.barcodes"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		s += "== " + f + "\n" + string(b)
	}
	return s
}

// TestBusBatchMatchesKallisto: bus -B (one sample per line, barcode =
// sample number) gives kallisto 0.48's records, matrix.cells and
// matrix.barcodes, single-end and paired; live with kallisto, else
// against testdata/bus/Batch*.golden.
func TestBusBatchMatchesKallisto(t *testing.T) {
	w := getWorld(t)
	for _, paired := range []bool{false, true} {
		name := "Batch"
		if paired {
			name += "-paired"
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			batch := writeBatch(t, w, dir, 3, paired)
			o := &Options{Index: w.gidx, OutDir: filepath.Join(dir, "g"), Batch: batch, Threads: 2, Call: "test", StartTime: time.Unix(0, 0)}
			if err := RunBus(context.Background(), o); err != nil {
				t.Fatal(err)
			}
			got := batchCanonical(t, o.OutDir)
			golden := filepath.Join("testdata", "bus", name+".golden")
			var want string
			if w.kidx != "" && testref.Kallisto() != "" {
				kout := filepath.Join(dir, "k")
				if out, err := exec.Command("kallisto", "bus", "-i", w.kidx, "-o", kout, "-B", batch, "-t", "1").CombinedOutput(); err != nil {
					t.Fatalf("kallisto bus -B: %v\n%s", err, out)
				}
				want = strings.ReplaceAll(batchCanonical(t, kout), dir+"/", "")
				if *update {
					os.WriteFile(golden, []byte(want), 0o644)
				}
			} else {
				b, err := os.ReadFile(golden)
				if err != nil {
					t.Skipf("kallisto not installed and no golden file: %v", err)
				}
				want = string(b)
			}
			got = strings.ReplaceAll(got, dir+"/", "")
			if got != want {
				gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
				t.Errorf("batch output differs from kallisto's: %d lines vs %d; first differences:\n%s", len(gl), len(wl), firstDiffs(gl, wl))
			}
		})
	}
}

// TestBatchFileErrors: each malformed batch file is one located error.
func TestBatchFileErrors(t *testing.T) {
	dir := t.TempDir()
	r1 := filepath.Join(dir, "a.fq")
	os.WriteFile(r1, []byte("@r\nACGT\n+\nIIII\n"), 0o644)
	cases := []struct{ text, want string }{
		{"", "lists no sample"},
		{"# only a comment\n", "lists no sample"},
		{"s1\n", "line 1: want \"id R1\" or \"id R1 R2\", got 1 fields"},
		{"s1 " + r1 + "\ns2 " + r1 + " " + r1 + "\n", "line 2: 2 files, but the first sample has 1"},
		{"s1 " + r1 + "\n\ns2 missing.fq\n", "line 3: missing.fq: file not found"},
		{"s1 " + dir + "\n", "is a directory"},
	}
	for i, tc := range cases {
		p := filepath.Join(dir, fmt.Sprintf("b%d.txt", i))
		os.WriteFile(p, []byte(tc.text), 0o644)
		_, _, err := readBatchFile(p)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%q: got %v, want an error naming %s and %q", tc.text, err, p, tc.want)
		}
	}
}
