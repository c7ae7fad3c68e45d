package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gallisto/gallisto/internal/testref"
)

const finding = "[quant] finding pseudoalignments for the reads ..."

// liveReads is a drawing of the live line of quant, bus and count.
var liveReads = regexp.MustCompile(regexp.QuoteMeta("\r"+finding+" ") + `[0-9,]+ reads, [0-9.]+[kM]? reads/s, [0-9.]+% pseudoaligned\x1b\[K`)

// onTerminal runs cmd with its standard error on a pseudo-terminal and
// returns what the terminal received.
func onTerminal(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	control, term := testref.PTY(t)
	cmd.Stderr = term
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	term.Close()                // the child holds it now: reading control ends when the child exits
	b, _ := io.ReadAll(control) // ends with EIO when the terminal closes
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	return string(b)
}

// TestProgressOnTerminal runs quant with its standard error on a
// pseudo-terminal and the reads arriving through a pipe in two parts,
// 600 ms apart: the live line must be drawn in place while the first part
// is aligned, and end as kallisto's own line. The same run with standard
// error in a file writes no progress at all (MultiQC reads that log).
func TestProgressOnTerminal(t *testing.T) {
	fx := getFixture(t)
	pairs := bytes.Repeat(interleave(fx.r1Raw, fx.r2Raw), 20) // 40,000 pairs: 3 batches
	half := len(pairs) / 2
	half += bytes.Index(pairs[half:], []byte("\n@")) + 1

	control, term := testref.PTY(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, "quant", "-i", fx.idx, "-o", filepath.Join(dir, "tty"), "--interleaved", "-")
	cmd.Stderr = term
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	term.Close() // the child holds it now: reading control ends when the child exits
	screen := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(control) // ends with EIO when the terminal closes
		screen <- b
	}()
	in.Write(pairs[:half])
	time.Sleep(600 * time.Millisecond)
	in.Write(pairs[half:])
	in.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	got := string(<-screen)
	if !liveReads.MatchString(got) {
		t.Errorf("no live progress line on the terminal:\n%q", got)
	}
	if !strings.Contains(got, "\r"+finding+"\x1b[K done\r\n") {
		t.Errorf("the progress line does not end as kallisto's line:\n%q", got)
	}
	if !strings.Contains(got, "[quant] processed 40,000 reads, ") {
		t.Errorf("no processed line:\n%q", got)
	}

	// The same input with standard error in a file.
	log, err := os.Create(filepath.Join(dir, "log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd = exec.Command(bin, "quant", "-i", fx.idx, "-o", filepath.Join(dir, "file"), "--interleaved", "-")
	cmd.Stdin, cmd.Stderr = bytes.NewReader(pairs), log
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	log.Close()
	b, _ := os.ReadFile(log.Name())
	if bytes.ContainsAny(b, "\r\x1b") || bytes.Contains(b, []byte("reads/s")) {
		t.Errorf("a redirected log holds progress:\n%q", b)
	}
	if !bytes.Contains(b, []byte(finding+" done\n")) {
		t.Errorf("a redirected log lacks kallisto's line:\n%s", b)
	}
}

// TestVerbose: --verbose writes kallisto 0.48's layout — a line break
// after the "finding" line, "\rNM reads processed (P% pseudoaligned)" at
// every million reads (kallisto meant to; its counter restarts with each
// 8 MB read buffer, so 0.48 seldom reaches a million), and "[quant] done "
// on a line of its own.
func TestVerbose(t *testing.T) {
	if testing.Short() {
		t.Skip("quantifies 1.2 million reads")
	}
	fx := getFixture(t)
	reads := bytes.Repeat(fx.r1Raw, 600) // 1,200,000 single-end reads
	dir := t.TempDir()
	r := run(t, bytes.NewReader(reads), "quant", "-i", fx.idx, "-o", filepath.Join(dir, "out"), "--verbose", "--single", "-l", "200", "-s", "20", "-")
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	// Every read of the fixture is repeated 600 times in the same order,
	// so the share aligned at the first million is the share of the whole.
	ri := readRunInfo(t, dir)
	pct := 100 * float64(ri.NPseudoaligned) / float64(ri.NProcessed)
	want := finding + "\n\r1M reads processed (" + fmt.Sprintf("%.1f", pct) + "% pseudoaligned)\n[quant] done \n[quant] processed 1,200,000 reads, "
	if !strings.Contains(r.stderr, want) {
		t.Errorf("log:\n%q\nwant it to hold\n%q", r.stderr, want)
	}
}

// TestVerboseLikeKallisto compares the log of quant --verbose with kallisto
// 0.48's on kallisto's test data (fewer than a million reads), from the
// "finding" line to the "processed" line.
func TestVerboseLikeKallisto(t *testing.T) {
	k := testref.Kallisto()
	if k == "" {
		t.Skip("kallisto not installed")
	}
	fa := testref.KallistoTestFile(t, "transcripts.fasta.gz")
	r1, r2 := testref.KallistoTestFile(t, "reads_1.fastq.gz"), testref.KallistoTestFile(t, "reads_2.fastq.gz")
	dir := t.TempDir()
	if out, err := exec.Command(k, "index", "-i", filepath.Join(dir, "k.idx"), fa).CombinedOutput(); err != nil {
		t.Fatalf("kallisto index: %v\n%s", err, out)
	}
	var kerr bytes.Buffer
	kc := exec.Command(k, "quant", "-i", filepath.Join(dir, "k.idx"), "-o", filepath.Join(dir, "k"), "--verbose", r1, r2)
	kc.Stderr = &kerr
	if err := kc.Run(); err != nil {
		t.Fatalf("kallisto quant: %v\n%s", err, kerr.String())
	}
	if r := run(t, nil, "index", "-i", filepath.Join(dir, "g.idx"), fa); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r := run(t, nil, "quant", "-i", filepath.Join(dir, "g.idx"), "-o", filepath.Join(dir, "g"), "--verbose", r1, r2)
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	part := func(log string) string {
		i := strings.Index(log, finding)
		j := strings.Index(log, "[quant] processed")
		if i < 0 || j < i {
			return log
		}
		return log[i:j]
	}
	if g, k := part(r.stderr), part(kerr.String()); g != k {
		t.Errorf("--verbose log:\n got %q\nwant %q (kallisto)", g, k)
	}
}

// TestIndexProgressOnTerminal: index draws the transcripts read so far on
// a terminal and erases that line before kallisto's next log line.
func TestIndexProgressOnTerminal(t *testing.T) {
	fx := getFixture(t)
	got := onTerminal(t, exec.Command(bin, "index", "-i", filepath.Join(t.TempDir(), "x.idx"), fx.fasta))
	live := regexp.MustCompile(regexp.QuoteMeta("\r[build] reading "+fx.fasta+": ") + `[0-9,]+ targets \([0-9,]+ s\)\x1b\[K\r\x1b\[K(\[build\] warning|\[build\] counting k-mers)`)
	if !live.MatchString(got) {
		t.Errorf("no erased live line before the next log line:\n%q", got)
	}
}

// TestBusProgressOnTerminal: bus (and count, which shares its pipeline)
// draw the same live line as quant and end it as kallisto's line.
func TestBusProgressOnTerminal(t *testing.T) {
	fx := getFixture(t)
	dir := t.TempDir()
	wl := []string{"AAACCCAAGAAACACT", "AAACCCAAGAAACCAT"}
	r1 := filepath.Join(dir, "R1.fq")
	r2 := filepath.Join(dir, "R2.fq")
	os.WriteFile(r1, bytes.Repeat(scReads(fx.r1Raw, wl, 28), 10), 0o644)
	os.WriteFile(r2, bytes.Repeat(fx.r1Raw, 10), 0o644)
	got := onTerminal(t, exec.Command(bin, "bus", "-i", fx.idx, "-o", filepath.Join(dir, "out"), "-x", "10xv3", r1, r2))
	if !liveReads.MatchString(got) || !strings.Contains(got, "\r"+finding+"\x1b[K done\r\n") {
		t.Errorf("no live line ending as kallisto's:\n%q", got)
	}
}
