package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gallisto/gallisto/internal/output/abundanceh5"
	"github.com/gallisto/gallisto/internal/output/atomicfile"
	"github.com/gallisto/gallisto/internal/simulate"
)

// sameOutput reports whether two versions of an output file hold the same
// results, ignoring the start time and command line.
func sameOutput(t *testing.T, name string, a, b []byte) bool {
	switch name {
	case "run_info.json":
		return stripVolatile(a) == stripVolatile(b)
	case "abundance.h5":
		fa, err1 := abundanceh5.Read(bytes.NewReader(a), int64(len(a)))
		fb, err2 := abundanceh5.Read(bytes.NewReader(b), int64(len(b)))
		if err1 != nil || err2 != nil {
			return false
		}
		fa.Call, fa.StartTime, fb.Call, fb.StartTime = "", "", "", ""
		return reflect.DeepEqual(fa, fb)
	}
	return bytes.Equal(a, b)
}

// whichSet says which reference set each visible file of dir belongs to
// ("old", "new"), failing the test for a file that is neither (partly
// written) or a hidden file that is not one of atomicfile's temporary
// files. It returns the set of run_info.json ("" if absent) and the sets
// of the other files.
func whichSet(t *testing.T, dir string, old, new map[string][]byte) (marker string, others map[string]string) {
	t.Helper()
	others = map[string]string{}
	for name, data := range quantOutputs(t, dir) {
		if strings.HasPrefix(name, ".") {
			if !atomicfile.IsTemp(name) {
				t.Errorf("unexpected hidden file %s", name)
			}
			continue
		}
		set := ""
		switch {
		case new[name] != nil && sameOutput(t, name, data, new[name]):
			set = "new"
		case old[name] != nil && sameOutput(t, name, data, old[name]):
			set = "old"
		default:
			t.Errorf("%s is neither the earlier run's nor this run's (%d bytes): a partly written file", name, len(data))
			continue
		}
		if name == "run_info.json" {
			marker = set
		} else {
			others[name] = set
		}
	}
	return marker, others
}

// copyDir copies the regular files of src into dst (created).
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	os.MkdirAll(dst, 0o755)
	for name, data := range quantOutputs(t, src) {
		write(t, dst, name, data)
	}
}

// killFixture is a quant run long enough (a few seconds) to be killed in
// any phase: 100,000 pairs on a 1,500-gene transcriptome with 40
// bootstraps, so that reading, the EM, the bootstraps and the writing of
// the outputs each take a while. old is an earlier run's output (on half
// the reads) that the killed runs write over.
type killFixture struct {
	args     []string // without -o
	old, new map[string][]byte
	oldDir   string
	duration time.Duration
}

var (
	killOnce sync.Once
	killFix  killFixture
)

func getKillFixture(t *testing.T) *killFixture {
	fx := getFixture(t)
	killOnce.Do(func() {
		dir := filepath.Join(fx.dir, "kill")
		os.MkdirAll(dir, 0o755)
		tx := bigTranscriptome()
		var fa, b1, b2 bytes.Buffer
		tx.WriteFASTA(&fa)
		if _, err := tx.Reads(simulate.ReadOptions{Pairs: 100000, ReadLen: 100, FragMean: 250, FragSD: 40, ErrorRate: 0.002, Seed: 8, ExpressedFrac: 0.7}, &b1, &b2, true); err != nil {
			t.Fatal(err)
		}
		idx := filepath.Join(dir, "big.idx")
		if r := run(t, nil, "index", "-i", idx, write(t, dir, "big.fa", fa.Bytes())); r.code != 0 {
			t.Fatalf("index: %s", r.stderr)
		}
		r1, r2 := write(t, dir, "R1.fq.gz", b1.Bytes()), write(t, dir, "R2.fq.gz", b2.Bytes())
		// The earlier run: the same index, R1 alone as single-end reads.
		half := filepath.Join(dir, "half")
		if r := run(t, nil, "quant", "-i", idx, "-o", half, "--single", "-l", "250", "-s", "40", r1); r.code != 0 {
			t.Fatalf("old run: %s", r.stderr)
		}
		killFix.args = []string{"quant", "-i", idx, "-b", "40", "-t", "2", r1, r2}
		ref := filepath.Join(dir, "ref")
		r := run(t, nil, append(killFix.args, "-o", ref)...)
		if r.code != 0 {
			t.Fatalf("reference run: %s", r.stderr)
		}
		killFix.duration = r.elapsed
		killFix.old, killFix.new, killFix.oldDir = quantOutputs(t, half), quantOutputs(t, ref), half
	})
	if killFix.new == nil {
		t.Fatal("kill fixture failed")
	}
	return &killFix
}

// startAndSignal runs args, sends sig after delay, and waits.
func startAndSignal(t *testing.T, args []string, stdin io.Reader, delay time.Duration, sig syscall.Signal) (result, time.Duration) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdin = stdin
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(delay)
	sent := time.Now()
	cmd.Process.Signal(sig)
	err := cmd.Wait()
	stopped := time.Since(sent)
	r := result{stderr: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			r.code = -int(ws.Signal())
		}
	}
	return r, stopped
}

// TestKillQuant kills quant (SIGKILL, SIGTERM, SIGINT) at moments spread
// over a whole run, writing over an earlier run's results, and checks
// what is left: after SIGTERM/SIGINT either the new results (the run had
// finished) or exactly the earlier ones, nothing else; after SIGKILL no
// partly written file under a final name, and no run_info.json unless
// every file is this run's. The next run into the directory removes the
// temporary files a SIGKILL leaves.
func TestKillQuant(t *testing.T) {
	if testing.Short() {
		t.Skip("kills 15 runs")
	}
	kf := getKillFixture(t)
	t.Logf("a full run takes %v", kf.duration.Round(time.Millisecond))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 15; i++ {
		sig := []syscall.Signal{syscall.SIGKILL, syscall.SIGTERM, syscall.SIGINT}[i%3]
		delay := time.Duration(rng.Int64N(int64(kf.duration) * 11 / 10))
		t.Run(fmt.Sprintf("%v after %v", sig, delay.Round(time.Millisecond)), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			copyDir(t, kf.oldDir, out)
			r, stopped := startAndSignal(t, append(kf.args, "-o", out), nil, delay, sig)
			marker, others := whichSet(t, out, kf.old, kf.new)
			switch {
			case r.code == 0:
				// Finished before the signal: the new set, complete.
				if marker != "new" || len(others) != len(kf.new)-1 {
					t.Errorf("exit 0 but run_info.json is %q and the others %v", marker, others)
				}
				for _, s := range others {
					if s != "new" {
						t.Errorf("exit 0 but %v", others)
					}
				}
			case sig == syscall.SIGKILL:
				if r.code != -int(syscall.SIGKILL) {
					t.Errorf("exit %d after SIGKILL", r.code)
				}
				for name, s := range others {
					if marker == "new" && s != "new" {
						t.Errorf("run_info.json is this run's but %s is the earlier run's", name)
					}
					if marker == "old" && s == "new" {
						t.Errorf("run_info.json is the earlier run's but %s is this run's", name)
					}
				}
				t.Logf("left: run_info.json %q, others %v", marker, others)
			default:
				if r.code != 1 || !strings.Contains(r.stderr, "Error: interrupted: no output was written") {
					t.Errorf("exit %d after %v:\n%s", r.code, sig, r.stderr)
				}
				if stopped > 3*time.Second {
					t.Errorf("took %v to stop after %v", stopped, sig)
				}
				t.Logf("stopped %v after the signal", stopped.Round(time.Millisecond))
				if marker != "old" || len(others) != len(kf.old)-1 {
					t.Errorf("interrupted run changed the directory: run_info.json %q, others %v", marker, others)
				}
				for name, s := range others {
					if s != "old" {
						t.Errorf("interrupted run changed %s", name)
					}
				}
				for _, n := range listDir(t, out) {
					if atomicfile.IsTemp(n) {
						t.Errorf("interrupted run left %s", n)
					}
				}
			}
			if sig != syscall.SIGKILL {
				return
			}
			// A new run into the directory cleans up and completes.
			r2 := run(t, nil, append(kf.args, "-o", out)...)
			if r2.code != 0 {
				t.Fatalf("rerun: %s", r2.stderr)
			}
			for _, n := range listDir(t, out) {
				if strings.HasPrefix(n, ".") {
					t.Errorf("rerun left %s", n)
				}
			}
			if marker, others := whichSet(t, out, kf.old, kf.new); marker != "new" || len(others) != len(kf.new)-1 {
				t.Errorf("after the rerun: run_info.json %q, others %v", marker, others)
			}
		})
	}
}

// TestInterruptWaitingQuant interrupts quant while it waits for reads on
// a pipe that sends nothing: it must stop at once all the same.
func TestInterruptWaitingQuant(t *testing.T) {
	fx := getFixture(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		// An OS pipe (exec passes it as is): some reads, then silence.
		pr, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		go pw.Write(interleave(fx.r1Raw, fx.r2Raw)[:30000])
		out := filepath.Join(t.TempDir(), "out")
		r, stopped := startAndSignal(t, []string{"quant", "-i", fx.idx, "-o", out, "--interleaved", "-"}, pr, 500*time.Millisecond, sig)
		pw.Close()
		pr.Close()
		if r.code != 1 || !strings.Contains(r.stderr, "Error: interrupted: no output was written") {
			t.Errorf("%v: exit %d\n%s", sig, r.code, r.stderr)
		}
		if stopped > 2*time.Second {
			t.Errorf("%v: took %v to stop", sig, stopped)
		}
		t.Logf("%v: stopped %v after the signal", sig, stopped.Round(time.Millisecond))
		if names := listDir(t, out); len(names) != 0 {
			t.Errorf("%v: output directory holds %v", sig, names)
		}
	}
}

// bigTranscriptome is large enough (about 3,500 transcripts, 2 M k-mers)
// that building its index takes a few seconds.
func bigTranscriptome() *simulate.Transcriptome {
	return simulate.NewTranscriptome(simulate.TranscriptomeOptions{Genes: 1500, MaxIsoforms: 4, MinExon: 80, MaxExon: 400, ExonsPerGene: 6, Seed: 9})
}

func bigFASTA(t *testing.T, dir string) string {
	var fa bytes.Buffer
	bigTranscriptome().WriteFASTA(&fa)
	return write(t, dir, "big.fa", fa.Bytes())
}

// TestKillIndex interrupts and kills index builds: an interrupted build
// stops within seconds and leaves the earlier index as it was; a killed
// one leaves either the earlier index or the complete new one, and at
// most hidden temporary files.
func TestKillIndex(t *testing.T) {
	if testing.Short() {
		t.Skip("builds several indexes")
	}
	dir := t.TempDir()
	fa := bigFASTA(t, dir)
	ref := filepath.Join(dir, "ref.idx")
	r := run(t, nil, "index", "-i", ref, fa)
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	full := r.elapsed
	t.Logf("a full build takes %v", full.Round(time.Millisecond))
	want, _ := os.ReadFile(ref)
	oldIdx, _ := os.ReadFile(getFixture(t).idx)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 9; i++ {
		sig := []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL, syscall.SIGINT}[i%3]
		delay := time.Duration(rng.Int64N(int64(full)))
		t.Run(fmt.Sprintf("%v after %v", sig, delay.Round(time.Millisecond)), func(t *testing.T) {
			d := t.TempDir()
			idx := write(t, d, "x.idx", oldIdx)
			r, stopped := startAndSignal(t, []string{"index", "-i", idx, fa}, nil, delay, sig)
			got, err := os.ReadFile(idx)
			if err != nil {
				t.Fatal(err)
			}
			isNew, isOld := bytes.Equal(got, want), bytes.Equal(got, oldIdx)
			switch {
			case r.code == 0:
				if !isNew {
					t.Errorf("exit 0 but the index is not the complete new one")
				}
			case sig == syscall.SIGKILL:
				if !isNew && !isOld {
					t.Errorf("after SIGKILL the index file is neither the old nor the new one (%d bytes)", len(got))
				}
				for _, n := range listDir(t, d) {
					if n != "x.idx" && !atomicfile.IsTemp(n) {
						t.Errorf("left %s", n)
					}
				}
			default:
				if r.code != 1 || !strings.Contains(r.stderr, "Error: interrupted: no output was written") {
					t.Errorf("exit %d:\n%s", r.code, r.stderr)
				}
				if stopped > 3*time.Second {
					t.Errorf("took %v to stop after %v (index.Build must watch its context)", stopped, sig)
				}
				t.Logf("stopped %v after the signal", stopped.Round(time.Millisecond))
				if !isOld {
					t.Errorf("the interrupted build changed the index file")
				}
				if names := listDir(t, d); len(names) != 1 {
					t.Errorf("directory holds %v", names)
				}
			}
		})
	}
}

// mountTmpfs mounts a tmpfs of the given size on a new directory, or skips.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size+",mode=0777"); err != nil {
		t.Skipf("cannot mount a tmpfs: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// TestFullDisk writes quant's outputs and an index to a tmpfs of one page
// (4 KiB).
func TestFullDisk(t *testing.T) {
	fx := getFixture(t)
	mnt := mountTmpfs(t, "4k")
	out := filepath.Join(mnt, "out")
	r := run(t, nil, "quant", "-i", fx.idx, "-o", out, fx.r1, fx.r2)
	if r.code != 1 || len(r.errorLines()) != 1 || !strings.HasSuffix(r.errorLines()[0], ": no space left on device") ||
		!strings.HasPrefix(r.errorLines()[0], "Error: cannot write "+out+"/") {
		t.Errorf("quant on a full disk: exit %d\n%s", r.code, r.stderr)
	}
	if names := listDir(t, out); len(names) != 0 {
		t.Errorf("quant on a full disk left %v", names)
	}
	t.Logf("quant: %s", r.errorLines())

	// An earlier run's results survive a failed run into the same directory.
	write(t, mnt, "pad", nil)
	os.MkdirAll(out, 0o755)
	old := write(t, out, "run_info.json", []byte("earlier run\n"))
	r = run(t, nil, "quant", "-i", fx.idx, "-o", out, fx.r1, fx.r2)
	if got, _ := os.ReadFile(old); r.code != 1 || string(got) != "earlier run\n" {
		t.Errorf("exit %d, run_info.json now %q", r.code, got)
	}
	if names := listDir(t, out); len(names) != 1 {
		t.Errorf("directory holds %v", names)
	}

	idx := filepath.Join(mnt, "big.idx")
	r = run(t, nil, "index", "-i", idx, fx.fasta)
	if r.code != 1 || len(r.errorLines()) != 1 || r.errorLines()[0] != "Error: index: cannot write "+idx+": no space left on device" {
		t.Errorf("index on a full disk: exit %d\n%s", r.code, r.stderr)
	}
	for _, n := range listDir(t, mnt) {
		if n != "out" && n != "pad" {
			t.Errorf("index on a full disk left %s", n)
		}
	}
}

// TestReadOnlyDirectory writes to a read-only file system (a tmpfs
// remounted read-only), where root's privileges do not help.
func TestReadOnlyDirectory(t *testing.T) {
	fx := getFixture(t)
	mnt := mountTmpfs(t, "1m")
	os.Mkdir(filepath.Join(mnt, "existing"), 0o755)
	if err := syscall.Mount("", mnt, "", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
		t.Skipf("cannot remount read-only: %v", err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"quant", "-i", fx.idx, "-o", mnt + "/out", fx.r1, fx.r2}, "Error: cannot create output directory " + mnt + "/out: " + mnt + " is not writable: read-only file system"},
		{[]string{"quant", "-i", fx.idx, "-o", mnt + "/existing", fx.r1, fx.r2}, "Error: output directory " + mnt + "/existing is not writable: read-only file system"},
		{[]string{"index", "-i", mnt + "/x.idx", fx.fasta}, "Error: index: cannot create " + mnt + "/x.idx: read-only file system"},
	} {
		r := run(t, nil, tc.args...)
		if r.code != 1 || len(r.errorLines()) != 1 || r.errorLines()[0] != tc.want {
			t.Errorf("%s: exit %d, want 1 and %q\n%s", tc.args[0], r.code, tc.want, r.stderr)
		}
	}
}

// TestConcurrentRunsRefused starts a run that waits for reads on a pipe,
// then a second run into the same directory: the second must be refused
// at once, and the first must still complete.
func TestConcurrentRunsRefused(t *testing.T) {
	fx := getFixture(t)
	out := filepath.Join(t.TempDir(), "out")
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	first := exec.Command(bin, "quant", "-i", fx.idx, "-o", out, "--interleaved", "-")
	first.Stdin = pr
	var stderr bytes.Buffer
	first.Stderr = &stderr
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	pr.Close()
	data := interleave(fx.r1Raw, fx.r2Raw)
	pw.Write(data[:len(data)/2])
	// Wait until the first run holds the directory (it logs its files).
	for i := 0; i < 100 && !strings.Contains(stderr.String(), "will process"); i++ {
		time.Sleep(50 * time.Millisecond)
	}
	r := run(t, nil, "quant", "-i", fx.idx, "-o", out, fx.r1, fx.r2)
	want := "Error: output directory " + out + " is being written by another running gallisto; wait for it to finish or choose another directory"
	if r.code != 1 || len(r.errorLines()) != 1 || r.errorLines()[0] != want {
		t.Errorf("second run: exit %d, want 1 and %q\n%s", r.code, want, r.stderr)
	}
	pw.Write(data[len(data)/2:])
	pw.Close()
	if err := first.Wait(); err != nil {
		t.Fatalf("first run: %v\n%s", err, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(out, "run_info.json")); err != nil {
		t.Errorf("first run: %v", err)
	}
}

// TestMemoryLimitRefused: under an address-space limit (ulimit -v) that
// cannot hold the index, quant refuses with one line before reading it,
// instead of dying in the Go runtime ("fatal error: out of memory"). The
// index is a sparse 3 GiB file with a real index's first bytes.
func TestMemoryLimitRefused(t *testing.T) {
	fx := getFixture(t)
	head, err := os.ReadFile(fx.idx)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	big := filepath.Join(dir, "big.idx")
	if err := os.WriteFile(big, head[:64], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, 3<<30); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "-c", `ulimit -v 2500000 && exec "$@"`, "sh", bin, "quant", "-i", big, "-o", filepath.Join(dir, "out"), fx.r1, fx.r2)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("exit %v, want 1\n%s", err, stderr.String())
	}
	r := result{stderr: stderr.String()}
	errs := r.errorLines()
	re := regexp.MustCompile(`^Error: index: .*big\.idx: loading it needs about 3072 MiB of memory, and the address-space limit \(ulimit -v\) leaves [0-9]+ MiB: raise the limit or use a machine with more memory$`)
	if len(errs) != 1 || !re.MatchString(errs[0]) {
		t.Errorf("want one Error line matching %s, got:\n%s", re, r.stderr)
	}
	if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "fatal error") {
		t.Errorf("a runtime dump:\n%s", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); err == nil {
		if ents, _ := os.ReadDir(filepath.Join(dir, "out")); len(ents) > 0 {
			t.Errorf("the failed run left files in out/")
		}
	}
}
