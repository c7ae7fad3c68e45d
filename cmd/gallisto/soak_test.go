//go:build soak

package main

// The soak test (make soak; not part of go test ./...) quantifies 1 M,
// 10 M and 50 M simulated read pairs streamed through named pipes, never
// stored, and samples the resident memory of the quant process from
// /proc/PID/status every 100 ms. quant streams: its peak memory must not
// grow with the number of reads. Figures go to the test log; TESTING.md
// records them.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gallisto/gallisto/internal/simulate"
)

// rssKB returns VmRSS and VmHWM (peak) of process pid, in KiB.
func rssKB(pid int) (rss, hwm int64, ok bool) {
	rss, hwm, err := procMemory(fmt.Sprintf("/proc/%d/status", pid))
	return rss >> 10, hwm >> 10, err == nil && rss > 0
}

type soakRun struct {
	pairs   int
	wall    time.Duration
	peakKB  int64
	samples []int64 // VmRSS every second, KiB
	log     string
}

func soakQuant(t *testing.T, tx *simulate.Transcriptome, idx, dir string, pairs int) soakRun {
	f1, f2 := filepath.Join(dir, "R1.fifo"), filepath.Join(dir, "R2.fifo")
	for _, f := range []string{f1, f2} {
		os.Remove(f)
		if err := syscall.Mkfifo(f, 0o600); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
	}
	out := filepath.Join(dir, fmt.Sprintf("out-%d", pairs))
	cmd := exec.Command(bin, "quant", "-i", idx, "-o", out, "-t", "2", "--plaintext", f1, f2)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The writer opens both pipes read-write, which does not wait for the
	// reader, so that the opening order cannot deadlock.
	genErr := make(chan error, 1)
	go func() {
		w1, err1 := os.OpenFile(f1, os.O_RDWR, 0)
		w2, err2 := os.OpenFile(f2, os.O_RDWR, 0)
		if err1 != nil || err2 != nil {
			genErr <- fmt.Errorf("open pipes: %v %v", err1, err2)
			return
		}
		_, err := tx.Reads(simulate.ReadOptions{Pairs: pairs, ReadLen: 100, FragMean: 250, FragSD: 40, ErrorRate: 0.002, Seed: 5, ExpressedFrac: 0.7}, w1, w2, false)
		w1.Close()
		w2.Close()
		genErr <- err
	}()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	r := soakRun{pairs: pairs}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var waitErr error
	n := 0
loop:
	for {
		select {
		case waitErr = <-done:
			break loop
		case <-tick.C:
			if rss, hwm, ok := rssKB(cmd.Process.Pid); ok {
				r.peakKB = max(r.peakKB, hwm, rss)
				if n%10 == 0 {
					r.samples = append(r.samples, rss)
				}
				n++
			}
		}
	}
	r.wall = time.Since(start)
	r.log = stderr.String()
	if err := <-genErr; err != nil {
		t.Fatalf("simulator: %v", err)
	}
	if waitErr != nil {
		t.Fatalf("quant of %d pairs: %v\n%s", pairs, waitErr, r.log)
	}
	if !strings.Contains(r.log, fmt.Sprintf("[quant] processed %s reads", commas(pairs))) {
		t.Errorf("quant of %d pairs: log does not report them:\n%s", pairs, r.log)
	}
	os.RemoveAll(out)
	return r
}

func commas(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func TestSoak(t *testing.T) {
	dir := t.TempDir()
	// About 9,000 transcripts (human chromosome-sized), 100-base reads.
	tx := simulate.NewTranscriptome(simulate.TranscriptomeOptions{Genes: 4000, MaxIsoforms: 4, MinExon: 80, MaxExon: 400, ExonsPerGene: 6, Seed: 3})
	fa, err := os.Create(filepath.Join(dir, "tx.fa"))
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.WriteFASTA(fa); err != nil {
		t.Fatal(err)
	}
	fa.Close()
	idx := filepath.Join(dir, "tx.idx")
	if out, err := exec.Command(bin, "index", "-i", idx, fa.Name()).CombinedOutput(); err != nil {
		t.Fatalf("index: %v\n%s", err, out)
	}
	sizes := []int{1_000_000, 10_000_000, 50_000_000}
	if s := os.Getenv("GALLISTO_SOAK_PAIRS"); s != "" {
		sizes = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(f)
			if err != nil {
				t.Fatalf("GALLISTO_SOAK_PAIRS: %v", err)
			}
			sizes = append(sizes, n)
		}
	}
	var runs []soakRun
	for _, n := range sizes {
		r := soakQuant(t, tx, idx, dir, n)
		runs = append(runs, r)
		var mb []string
		for _, s := range r.samples {
			mb = append(mb, strconv.FormatInt(s>>10, 10))
		}
		t.Logf("%11s pairs: wall %v (%.0f pairs/s), peak RSS %d MiB; RSS each second (MiB): %s",
			commas(n), r.wall.Round(time.Second), float64(n)/r.wall.Seconds(), r.peakKB>>10, strings.Join(mb, " "))
	}
	first, last := runs[0], runs[len(runs)-1]
	// Flat: the largest run may use at most 25% (and 32 MiB) more than the
	// smallest; holding reads would grow memory 50-fold.
	if limit := first.peakKB*5/4 + 32<<10; last.peakKB > limit {
		t.Errorf("peak RSS grows with the input: %d MiB at %s pairs, %d MiB at %s pairs",
			first.peakKB>>10, commas(first.pairs), last.peakKB>>10, commas(last.pairs))
	}
}
