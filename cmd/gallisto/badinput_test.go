package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/gallisto/gallisto/internal/graph/index"
	"github.com/google/go-cmp/cmp"
)

// badCase is one input given to gallisto: the files written into a fresh
// directory (the run's working directory, so that messages name them as
// given), the arguments, and what must happen.
type badCase struct {
	name  string
	files map[string][]byte
	dirs  []string // directories to create
	args  []string
	stdin []byte
	// For a refused input: the exit code and the one "Error:" line, exact
	// (want) or as a regular expression (wantRE).
	code   int
	want   string
	wantRE string
	// For an accepted input: same, if set, names a file whose content must
	// equal the baseline run's abundance.tsv (quant: abundance.tsv, or
	// S1/abundance.tsv for --batch) or index (index: x.idx).
	same string
	// check, if set, inspects an accepted run's output directory.
	check func(t *testing.T, dir string, r result)
	// setup, if set, makes what files cannot: links, FIFOs.
	setup func(t *testing.T, dir string)
	// nobody runs the binary as user nobody (skipped when not root).
	nobody bool
	// note describes an accepted case's behaviour in TESTING.md.
	note string
}

// lines and helpers that build broken inputs from the fixture.
func lines(b []byte) [][]byte { return bytes.SplitAfter(b, []byte("\n")) }

func joinLines(ls [][]byte) []byte { return bytes.Join(ls, nil) }

// editLine returns fq with 1-based line n replaced (nil deletes it).
func editLine(fq []byte, n int, repl []byte) []byte {
	ls := lines(fq)
	out := append([][]byte(nil), ls[:n-1]...)
	if repl != nil {
		out = append(out, repl)
	}
	return joinLines(append(out, ls[n:]...))
}

// mapSeqLines applies f to every sequence line of FASTQ text.
func mapSeqLines(fq []byte, f func([]byte) []byte) []byte {
	ls := lines(fq)
	for i := 1; i+1 < len(ls); i += 4 {
		ls[i] = append(f(bytes.TrimSuffix(ls[i], []byte("\n"))), '\n')
	}
	return joinLines(ls)
}

// truncateReads cuts every read (sequence and quality) to n bases.
func truncateReads(fq []byte, n int, every int) []byte {
	ls := lines(fq)
	for i := 1; i+2 < len(ls); i += 4 {
		if (i/4)%every != 0 {
			continue
		}
		for _, j := range []int{i, i + 2} {
			ls[j] = append(bytes.TrimSuffix(ls[j], []byte("\n"))[:n:n], '\n')
		}
	}
	return joinLines(ls)
}

func crlf(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")) }

func lower(fq []byte) []byte { return mapSeqLines(fq, bytes.ToLower) }

// headerName returns the name of the FASTQ record starting at 1-based line n.
func headerName(fq []byte, n int) string {
	h := strings.TrimSpace(string(lines(fq)[n-1]))
	return strings.Fields(h[1:])[0]
}

// renameMates replaces the /1 and /2 suffixes by Illumina comments.
func renameMates(fq []byte, mate string) []byte {
	ls := lines(fq)
	for i := 0; i+1 < len(ls); i += 4 {
		h := bytes.TrimSuffix(ls[i], []byte("\n"))
		h = h[:len(h)-2]
		ls[i] = []byte(string(h) + " " + mate + ":N:0:ACGTAC\n")
	}
	return joinLines(ls)
}

// swapRecords swaps the 0-based records i and j.
func swapRecords(fq []byte, i, j int) []byte {
	r := records(fq)
	r[i], r[j] = r[j], r[i]
	return bytes.Join(r, nil)
}

func dropLastRecord(fq []byte) []byte {
	r := records(fq)
	return bytes.Join(r[:len(r)-1], nil)
}

// setIndexVersion rewrites the format version of an index file (the low
// half of its second little-endian word; the checksum is not updated,
// as the version is checked first).
func setIndexVersion(idx []byte, v uint32) []byte {
	b := bytes.Clone(idx)
	binary.LittleEndian.PutUint32(b[8:], v)
	return b
}

func flipByte(b []byte, i int) []byte {
	b = bytes.Clone(b)
	b[i] ^= 0x55
	return b
}

// withIndexChecksum recomputes an index file's CRC-32C (its last word),
// so that a field edited after it reaches the checks behind the checksum.
func withIndexChecksum(idx []byte) []byte {
	b := bytes.Clone(idx)
	binary.LittleEndian.PutUint64(b[len(b)-8:], uint64(crc32.Checksum(b[:len(b)-8], crc32.MakeTable(crc32.Castagnoli))))
	return b
}

// setSeqByte puts c at column col (1-based) of the sequence line of the
// 0-based record i; setQualByte, of its quality line.
func setSeqByte(fq []byte, i, col int, c byte) []byte  { return setByte(fq, 4*i+1, col, c) }
func setQualByte(fq []byte, i, col int, c byte) []byte { return setByte(fq, 4*i+3, col, c) }

// setByte puts c at column col (1-based) of the 0-based line n.
func setByte(fq []byte, n, col int, c byte) []byte {
	ls := lines(fq)
	l := bytes.Clone(ls[n])
	l[col-1] = c
	ls[n] = l
	return joinLines(ls)
}

// scReads turns the cDNA reads fq into a 10xv3 pair of files: read 1
// holds a 16-base barcode (cycling through barcodes) and a 12-base UMI
// of each record, cut to bcLen+12 bases; read 2 is fq itself.
func scReads(fq []byte, barcodes []string, r1Len int) []byte {
	rs := records(fq)
	var out bytes.Buffer
	for i, r := range rs {
		name := strings.Fields(string(lines(r)[0]))[0]
		umi := make([]byte, 12)
		for j := range umi {
			umi[j] = "ACGT"[(i>>(2*j))&3]
		}
		seq := (barcodes[i%len(barcodes)] + string(umi))[:r1Len]
		fmt.Fprintf(&out, "%s\n%s\n+\n%s\n", name, seq, strings.Repeat("I", len(seq)))
	}
	return out.Bytes()
}

// badCases returns the cases; fx provides the good inputs they break.
func badCases(t *testing.T, fx *fixture) []badCase {
	baseIdx, err := os.ReadFile(fx.idx)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := os.ReadFile(fx.idx)
	if err != nil {
		t.Fatal(err)
	}
	r1, r2 := fx.r1Raw, fx.r2Raw
	r1gz := gz(r1)
	good := map[string][]byte{"tx.idx": idx, "R1.fq": r1, "R2.fq": r2}
	with := func(extra map[string][]byte) map[string][]byte {
		m := map[string][]byte{}
		for k, v := range good {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	q := func(args ...string) []string { return append([]string{"quant", "-i", "tx.idx", "-o", "out"}, args...) }
	nrec := len(records(r1))
	lastLine := 4*nrec + 1
	fasta := fx.fastaRaw
	faLines := lines(fasta)
	firstName := strings.Fields(string(faLines[0][1:]))[0]
	// The second record's header line.
	secondHdr := 0
	for i := 1; i < len(faLines); i++ {
		if faLines[i][0] == '>' {
			secondHdr = i + 1
			break
		}
	}
	random := mapSeqLines(r1, func(s []byte) []byte {
		out := make([]byte, len(s))
		for i := range out {
			out[i] = "ACGT"[(i*7+len(s)*3+i*i)%4] // a sequence not in the transcripts
		}
		return out
	})
	notInterleaved := append(bytes.Clone(r1), r2...)
	_ = notInterleaved
	// single-cell inputs: 10xv3 reads over the fixture's cDNA, a whitelist
	// of their barcodes and a gene map of the fixture's transcripts
	wl := []string{"AAACCCAAGAAACACT", "AAACCCAAGAAACCAT", "AAACCCAAGAAACCCA", "AAACCCAAGAAACCCG"}
	var t2g []byte
	for _, l := range faLines {
		if len(l) > 0 && l[0] == '>' {
			n := strings.Fields(string(l[1:]))[0]
			t2g = fmt.Appendf(t2g, "%s\tG_%s\n", n, n)
		}
	}
	t2gLines := lines(t2g)
	sc := map[string][]byte{"tx.idx": idx, "R1.fq": scReads(r1, wl, 28), "R2.fq": r1,
		"wl.txt": []byte(strings.Join(wl, "\n") + "\n"), "t2g.tsv": t2g}
	withSC := func(extra map[string][]byte) map[string][]byte {
		m := map[string][]byte{}
		for k, v := range sc {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	bus := func(args ...string) []string { return append([]string{"bus", "-i", "tx.idx", "-o", "out"}, args...) }
	count := func(args ...string) []string {
		return append([]string{"count", "-i", "tx.idx", "-o", "out", "-x", "10xv3", "-w", "wl.txt", "-g", "t2g.tsv"}, args...)
	}
	sheetOK := []byte("sample\tr1\tr2\nS1\tR1.fq\tR2.fq\n")
	return []badCase{
		// --- files that are not there or cannot be read
		{name: "quant/missing read file", files: good, args: q("missing_R1.fq", "R2.fq"), code: 1,
			want: "Error: missing_R1.fq: file not found"},
		{name: "quant/directory as read file", files: good, dirs: []string{"reads"}, args: q("reads", "R2.fq"), code: 1,
			want: "Error: reads: is a directory, not a read file"},
		{name: "quant/unreadable read file", files: good, args: q("R1.fq", "R2.fq"), code: 1, nobody: true,
			want: "Error: R1.fq: permission denied"},
		{name: "quant/missing index", files: good, args: []string{"quant", "-i", "no.idx", "-o", "out", "R1.fq", "R2.fq"}, code: 1,
			want: "Error: index: no.idx: file not found"},
		// --- empty files
		{name: "quant/empty R1", files: with(map[string][]byte{"R1.fq": nil}), args: q("R1.fq", "R2.fq"), code: 1,
			want: "Error: fastq: R1.fq: file holds no reads"},
		{name: "quant/empty gzip R1", files: with(map[string][]byte{"R1.fq.gz": gz(nil)}), args: q("R1.fq.gz", "R2.fq"), code: 1,
			want: "Error: fastq: R1.fq.gz: file holds no reads"},
		{name: "quant/blank lines only", files: with(map[string][]byte{"R1.fq": []byte("\n\n\n")}), args: q("--single", "-l", "200", "-s", "20", "R1.fq"), code: 1,
			want: "Error: fastq: R1.fq: file holds no reads"},
		// --- gzip damage
		{name: "quant/gzip trailer cut", files: with(map[string][]byte{"R1.fq.gz": r1gz[:len(r1gz)-8]}), args: q("R1.fq.gz", "R2.fq"), code: 1,
			want: fmt.Sprintf("Error: fastq: R1.fq.gz line %d: gzip: truncated or corrupt stream (unexpected end of file)", lastLine)},
		{name: "quant/gzip cut in the middle", files: with(map[string][]byte{"R1.fq.gz": r1gz[:len(r1gz)/2]}), args: q("R1.fq.gz", "R2.fq"), code: 1,
			wantRE: `^Error: fastq: R1\.fq\.gz line [1-9][0-9]*: gzip: truncated or corrupt stream \(unexpected end of file\)$`},
		{name: "quant/gzip checksum", files: with(map[string][]byte{"R1.fq.gz": flipByte(r1gz, len(r1gz)-8)}), args: q("R1.fq.gz", "R2.fq"), code: 1,
			want: fmt.Sprintf("Error: fastq: R1.fq.gz line %d: gzip: corrupt data (CRC-32 checksum mismatch)", lastLine)},
		{name: "quant/gzip corrupt deflate data", files: with(map[string][]byte{"R1.fq.gz": flipByte(r1gz, len(r1gz)/2)}), args: q("R1.fq.gz", "R2.fq"), code: 1,
			wantRE: `^Error: fastq: R1\.fq\.gz line [1-9][0-9]*: gzip: `},
		{name: "quant/gzip header only", files: with(map[string][]byte{"R1.fq.gz": r1gz[:10]}), args: q("R1.fq.gz", "R2.fq"), code: 1,
			want: "Error: fastq: R1.fq.gz line 1: gzip: truncated or corrupt stream (unexpected end of file)"},
		// --- malformed FASTQ records
		{name: "quant/missing '+' line", files: with(map[string][]byte{"R1.fq": editLine(r1, 2003, nil)}), args: q("R1.fq", "R2.fq"), code: 1,
			want: `Error: fastq: R1.fq line 2003: expected '+' line after the sequence, found "IIIIIIIIIIIIIIIIIIII..." (multi-line FASTQ is not supported)`},
		{name: "quant/missing quality line at the end", files: with(map[string][]byte{"R1.fq": editLine(r1, 4*nrec, nil)}), args: q("R1.fq", "R2.fq"), code: 1,
			want: fmt.Sprintf("Error: fastq: R1.fq line %d: record truncated: missing quality line", 4*nrec-3)},
		{name: "quant/quality shorter than sequence", files: with(map[string][]byte{"R1.fq": editLine(r1, 4004, []byte(strings.Repeat("I", 74)+"\n"))}), args: q("R1.fq", "R2.fq"), code: 1,
			want: "Error: fastq: R1.fq line 4004: sequence and quality lengths differ (75 != 74)"},
		{name: "quant/quality longer than sequence", files: with(map[string][]byte{"R2.fq": editLine(r2, 8, []byte(strings.Repeat("I", 76)+"\n"))}), args: q("R1.fq", "R2.fq"), code: 1,
			want: "Error: fastq: R2.fq line 8: sequence and quality lengths differ (75 != 76)"},
		{name: "quant/header without '@'", files: with(map[string][]byte{"R1.fq": editLine(r1, 5, []byte("read2\n"))}), args: q("R1.fq", "R2.fq"), code: 1,
			want: "Error: fastq: R1.fq line 5: expected '@' at the start of a record, found 'r'"},
		{name: "quant/blank line between records", files: with(map[string][]byte{"R1.fq": editLine(r1, 9, []byte("\n"+string(lines(r1)[8])))}), args: q("R1.fq", "R2.fq"), code: 1,
			want: "Error: fastq: R1.fq line 9: unexpected blank line between records"},
		// --- accepted variants of good input
		{name: "quant/CRLF line endings", note: "accepted; abundance.tsv byte-identical to the LF run", files: with(map[string][]byte{"R1.fq": crlf(r1), "R2.fq": crlf(r2)}), args: q("R1.fq", "R2.fq"), same: "abundance.tsv"},
		{name: "quant/lower-case reads", note: "accepted; abundance.tsv byte-identical to the upper-case run", files: with(map[string][]byte{"R1.fq": lower(r1), "R2.fq": lower(r2)}), args: q("R1.fq", "R2.fq"), same: "abundance.tsv"},
		{name: "quant/gzip reads", note: "accepted; abundance.tsv byte-identical to the plain run", files: with(map[string][]byte{"R1.fq.gz": r1gz, "R2.fq.gz": gz(r2)}), args: q("R1.fq.gz", "R2.fq.gz"), same: "abundance.tsv"},
		{name: "quant/Illumina comments instead of /1 /2", note: "accepted (names compared after cutting comments and /1 /2); abundance.tsv identical", files: with(map[string][]byte{"R1.fq": renameMates(r1, "1"), "R2.fq": renameMates(r2, "2")}), args: q("R1.fq", "R2.fq"), same: "abundance.tsv"},
		{name: "quant/IUPAC codes and N in reads", note: "accepted; windows holding non-ACGT letters are skipped (as kallisto); ≥ 90% still pseudoalign", files: with(map[string][]byte{"R1.fq": mapSeqLines(r1, func(s []byte) []byte {
			s = bytes.Clone(s)
			s[10], s[40] = 'N', 'R'
			return s
		})}), args: q("R1.fq", "R2.fq"), check: func(t *testing.T, dir string, r result) {
			ri := readRunInfo(t, dir)
			if ri.NProcessed != fixPairs || ri.NPseudoaligned < fixPairs*9/10 {
				t.Errorf("processed %d, pseudoaligned %d", ri.NProcessed, ri.NPseudoaligned)
			}
		}},
		{name: "quant/some reads shorter than k", note: "accepted; run_info.json n_unaligned.too_short = 500 and the log line `[quant] not pseudoaligned: 500 reads (too_short: 500)`", files: with(map[string][]byte{"R1.fq": truncateReads(r1, 20, 4), "R2.fq": truncateReads(r2, 20, 4)}), args: q("R1.fq", "R2.fq"),
			check: func(t *testing.T, dir string, r result) {
				ri := readRunInfo(t, dir)
				if ri.Unaligned["too_short"] != fixPairs/4 {
					t.Errorf("too_short = %d, want %d", ri.Unaligned["too_short"], fixPairs/4)
				}
				if !strings.Contains(r.stderr, "[quant] not pseudoaligned: ") || !strings.Contains(r.stderr, "too_short: 500") {
					t.Errorf("the log does not break the unaligned reads down:\n%s", r.stderr)
				}
			}},
		// --- reads that cannot be quantified
		{name: "quant/all reads shorter than k", files: with(map[string][]byte{"R1.fq": truncateReads(r1, 20, 1)}), args: q("--single", "-l", "200", "-s", "20", "R1.fq"), code: 1,
			want: "Error: no reads pseudoaligned (too_short: 2,000); check that the reads and the index belong together; no output written"},
		{name: "quant/all reads N", files: with(map[string][]byte{"R1.fq": mapSeqLines(r1, func(s []byte) []byte { return bytes.Repeat([]byte("N"), len(s)) })}), args: q("--single", "-l", "200", "-s", "20", "R1.fq"), code: 1,
			want: "Error: no reads pseudoaligned (too_many_n: 2,000); check that the reads and the index belong together; no output written"},
		{name: "quant/reads of another transcriptome", files: with(map[string][]byte{"R1.fq": random}), args: q("--single", "-l", "200", "-s", "20", "R1.fq"), code: 1,
			want: "Error: no reads pseudoaligned (no_kmer_match: 2,000); check that the reads and the index belong together; no output written"},
		// --- mates that do not belong together
		{name: "quant/R2 has fewer reads", files: with(map[string][]byte{"R2.fq": dropLastRecord(r2)}), args: q("R1.fq", "R2.fq"), code: 1,
			want: fmt.Sprintf("Error: paired files have different numbers of reads: R2.fq ends after %d reads, R1.fq has more", nrec-1)},
		{name: "quant/R1 has fewer reads", files: with(map[string][]byte{"R1.fq": dropLastRecord(r1)}), args: q("R1.fq", "R2.fq"), code: 1,
			want: fmt.Sprintf("Error: paired files have different numbers of reads: R1.fq ends after %d reads, R2.fq has more", nrec-1)},
		{name: "quant/mates out of order", files: with(map[string][]byte{"R2.fq": swapRecords(r2, 100, 101)}), args: q("R1.fq", "R2.fq"), code: 1,
			want: fmt.Sprintf(`Error: R2.fq line 401: read name %q does not match %q at R1.fq line 401: the files are not mates or not in the same order (--no-name-check skips this check)`,
				headerName(r2, 405), headerName(r1, 401))},
		{name: "quant/mates out of order, --no-name-check", note: "accepted: the name check is skipped on request", files: with(map[string][]byte{"R2.fq": swapRecords(r2, 100, 101)}), args: q("--no-name-check", "R1.fq", "R2.fq"),
			check: func(t *testing.T, dir string, r result) {
				if ri := readRunInfo(t, dir); ri.NProcessed != fixPairs {
					t.Errorf("processed %d", ri.NProcessed)
				}
			}},
		{name: "quant/same file as both mates", files: good, args: q("R1.fq", "R1.fq"), code: 1,
			want: "Error: pair 1: R1.fq is given as both mates (R1 R2); for one file holding both mates use --interleaved"},
		{name: "quant/odd number of paired files", files: good, args: q("R1.fq", "R2.fq", "R1.fq"), code: 2,
			want: "Error: paired-end mode needs an even number of read files (R1 R2 ...), got 3; use --single for single-end reads (see 'gallisto quant --help')"},
		// --- interleaved and standard input
		{name: "quant/interleaved file", note: "accepted; abundance.tsv byte-identical to the two-file run", files: with(map[string][]byte{"il.fq": interleave(r1, r2)}), args: q("--interleaved", "il.fq"), same: "abundance.tsv"},
		{name: "quant/interleaved standard input", note: "accepted (`--interleaved -`); abundance.tsv byte-identical to the two-file run", files: good, stdin: interleave(r1, r2), args: q("--interleaved", "-"), same: "abundance.tsv"},
		{name: "quant/gzip standard input", note: "accepted (`--single ... -`, gzip recognised by content)", files: good, stdin: gz(r1), args: q("--single", "-l", "200", "-s", "20", "-"),
			check: func(t *testing.T, dir string, r result) {
				if ri := readRunInfo(t, dir); ri.NProcessed != fixPairs {
					t.Errorf("processed %d", ri.NProcessed)
				}
			}},
		{name: "quant/interleaved file with an unpaired last read", files: with(map[string][]byte{"il.fq": dropLastRecord(interleave(r1, r2))}), args: q("--interleaved", "il.fq"), code: 1,
			want: fmt.Sprintf("Error: fastq: il.fq line %d: interleaved input ends with an unpaired read (record %d has no mate)", 8*nrec-7, 2*nrec-1)},
		{name: "quant/interleaved flag on a non-interleaved file", files: good, args: q("--interleaved", "R1.fq"), code: 1,
			want: fmt.Sprintf(`Error: R1.fq line 5: read name %q does not match %q at line 1: the file is not interleaved (each record followed by its mate) (--no-name-check skips this check)`,
				headerName(r1, 5), headerName(r1, 1))},
		{name: "quant/--interleaved with --single", files: good, args: q("--interleaved", "--single", "-l", "200", "-s", "20", "R1.fq"), code: 2,
			want: "Error: --interleaved and --single cannot be combined: an interleaved file holds pairs (see 'gallisto quant --help')"},
		{name: "quant/standard input twice", files: good, args: q("-", "-"), code: 2,
			want: "Error: standard input (-) is given 2 times; it can be read only once (see 'gallisto quant --help')"},
		{name: "quant/empty standard input", files: good, stdin: []byte{}, args: q("--single", "-l", "200", "-s", "20", "-"), code: 1,
			want: "Error: fastq: -: file holds no reads"},
		// --- wrong index files
		{name: "quant/read file as index", files: good, args: []string{"quant", "-i", "R1.fq", "-o", "out", "R1.fq", "R2.fq"}, code: 1,
			want: "Error: index: R1.fq: looks like a FASTQ file, not a gallisto index"},
		{name: "quant/gzip read file as index", files: with(map[string][]byte{"R1.fq.gz": r1gz}), args: []string{"quant", "-i", "R1.fq.gz", "-o", "out", "R1.fq", "R2.fq"}, code: 1,
			want: "Error: index: R1.fq.gz: gzip-compressed FASTQ file, not a gallisto index"},
		{name: "quant/FASTA as index", files: with(map[string][]byte{"tx.fa": fasta}), args: []string{"quant", "-i", "tx.fa", "-o", "out", "R1.fq", "R2.fq"}, code: 1,
			want: "Error: index: tx.fa: looks like a FASTA file, not a gallisto index; build one with 'gallisto index'"},
		{name: "quant/kallisto index", files: with(map[string][]byte{"k.idx": append(binary.LittleEndian.AppendUint64(nil, 10), make([]byte, 64)...)}), args: []string{"quant", "-i", "k.idx", "-o", "out", "R1.fq", "R2.fq"}, code: 1,
			want: "Error: index: k.idx: looks like a kallisto index (version 10), not a gallisto index; build one with 'gallisto index'"},
		{name: "quant/index of another format version", files: with(map[string][]byte{"tx.idx": setIndexVersion(idx, 99)}), args: q("R1.fq", "R2.fq"), code: 1,
			want: fmt.Sprintf("Error: index: tx.idx: unsupported index format version: the file is version 99, this gallisto reads version %d; rebuild the index with this gallisto's 'index' command", index.FormatVersion)},
		{name: "quant/index with a failed checksum", files: with(map[string][]byte{"tx.idx": flipByte(idx, len(idx)/2)}), args: q("R1.fq", "R2.fq"), code: 1,
			wantRE: `^Error: index: tx\.idx: corrupt index file: checksum mismatch \(stored [0-9a-f]{8}, computed [0-9a-f]{8}\); the file is damaged or truncated$`},
		{name: "quant/truncated index", files: with(map[string][]byte{"tx.idx": idx[:len(idx)/2]}), args: q("R1.fq", "R2.fq"), code: 1,
			wantRE: `^Error: index: tx\.idx: corrupt index file: `},
		{name: "quant/index cut to a few bytes", files: with(map[string][]byte{"tx.idx": idx[:20]}), args: q("R1.fq", "R2.fq"), code: 1,
			want: "Error: index: tx.idx: truncated index file (shorter than its header)"},
		{name: "quant/empty index", files: with(map[string][]byte{"tx.idx": nil}), args: q("R1.fq", "R2.fq"), code: 1,
			want: "Error: index: tx.idx: empty file, not a gallisto index"},
		{name: "quant/gzip index", files: with(map[string][]byte{"tx.idx.gz": gz(idx)}), args: []string{"quant", "-i", "tx.idx.gz", "-o", "out", "R1.fq", "R2.fq"}, code: 1,
			want: "Error: index: tx.idx.gz: gzip-compressed gallisto index: decompress it first (gunzip -k tx.idx.gz)"},
		{name: "quant/index with a tab in a name, checksum right", files: with(map[string][]byte{"tx.idx": withIndexChecksum(bytes.Replace(idx, []byte(firstName), []byte("\t"+firstName[1:]), 1))}), args: q("R1.fq", "R2.fq"), code: 1,
			want: fmt.Sprintf(`Error: index: tx.idx: corrupt index file: target 1 has name %q, with a tab`, "\t"+firstName[1:])},
		// --- output directory
		{name: "quant/output directory is a file", files: with(map[string][]byte{"out": []byte("x")}), args: q("R1.fq", "R2.fq"), code: 1,
			want: "Error: output directory out exists and is not a directory"},
		// --- command lines that cannot be understood (exit 2)
		{name: "quant/-t 0", files: good, args: q("-t", "0", "R1.fq", "R2.fq"), code: 2,
			want: "Error: -t must be between 1 and 1024 (number of threads), got 0 (see 'gallisto quant --help')"},
		{name: "quant/-t 99999999", files: good, args: q("-t", "99999999", "R1.fq", "R2.fq"), code: 2,
			want: "Error: -t must be between 1 and 1024 (number of threads), got 99999999 (see 'gallisto quant --help')"},
		{name: "quant/-t not a number", files: good, args: q("-t", "two", "R1.fq", "R2.fq"), code: 2,
			want: `Error: invalid argument "two" for "-t, --threads" flag: want a whole number (see 'gallisto quant --help')`},
		{name: "quant/-b -5", files: good, args: q("-b", "-5", "R1.fq", "R2.fq"), code: 2,
			want: "Error: -b must be between 0 and 100000 (number of bootstrap samples), got -5 (see 'gallisto quant --help')"},
		{name: "quant/-b 1000000000", files: good, args: q("-b", "1000000000", "R1.fq", "R2.fq"), code: 2,
			want: "Error: -b must be between 0 and 100000 (number of bootstrap samples), got 1000000000 (see 'gallisto quant --help')"},
		{name: "quant/--seed -1", files: good, args: q("--seed", "-1", "R1.fq", "R2.fq"), code: 2,
			want: `Error: invalid argument "-1" for "--seed" flag: want a whole number, 0 or more (see 'gallisto quant --help')`},
		{name: "quant/--single -l without -s", files: good, args: q("--single", "-l", "200", "R1.fq"), code: 2,
			want: "Error: single-end reads need the fragment length mean and sd: give -l and -s, both positive (e.g. -l 200 -s 20) (see 'gallisto quant --help')"},
		{name: "quant/--single -l 0", files: good, args: q("--single", "-l", "0", "-s", "20", "R1.fq"), code: 2,
			want: "Error: single-end reads need the fragment length mean and sd: give -l and -s, both positive (e.g. -l 200 -s 20) (see 'gallisto quant --help')"},
		{name: "quant/-l NaN", files: good, args: q("--single", "-l", "NaN", "-s", "20", "R1.fq"), code: 2,
			want: "Error: -l must be a positive number (mean fragment length), got NaN (see 'gallisto quant --help')"},
		{name: "quant/-s Inf", files: good, args: q("--single", "-l", "200", "-s", "Inf", "R1.fq"), code: 2,
			wantRE: `^Error: -s must be .*Inf \(see 'gallisto quant --help'\)$`},
		{name: "quant/-l 1e400", files: good, args: q("--single", "-l", "1e400", "-s", "20", "R1.fq"), code: 2,
			want: `Error: invalid argument "1e400" for "-l, --fragment-length" flag: out of range (want a number that fits) (see 'gallisto quant --help')`},
		{name: "quant/bad --strand", files: good, args: q("--strand", "up", "R1.fq", "R2.fq"), code: 2,
			want: "Error: --strand takes auto, fr, rf or unstranded, not up (see 'gallisto quant --help')"},
		{name: "quant/no read files", files: good, args: q(), code: 2,
			want: "Error: missing read files (FASTQ: R1.fq.gz R2.fq.gz for paired-end, reads.fq.gz with --single): give them after the options (see 'gallisto quant --help')"},
		{name: "quant/no -i", files: good, args: []string{"quant", "-o", "out", "R1.fq", "R2.fq"}, code: 2,
			want: `Error: required flag(s) "index" not set (see 'gallisto quant --help')`},
		{name: "quant/unknown flag", files: good, args: q("--frobnicate", "R1.fq", "R2.fq"), code: 2,
			want: "Error: unknown flag: --frobnicate (see 'gallisto quant --help')"},
		{name: "gallisto/unknown command", args: []string{"frobnicate"}, code: 2,
			want: `Error: unknown command "frobnicate" for "gallisto" (see 'gallisto --help')`},
		{name: "gallisto/kallisto's pseudo", args: []string{"pseudo", "-i", "tx.idx"}, code: 2,
			wantRE: `^Error: 'pseudo' is a kallisto command that gallisto does not have: .* \(see 'gallisto --help'\)$`},
		{name: "quant/kallisto's --pseudobam", files: good, args: q("--pseudobam", "R1.fq", "R2.fq"), code: 2,
			wantRE: `^Error: --pseudobam is not supported by gallisto: .* \(see 'gallisto quant --help'\)$`},
		{name: "index/-t 0", files: map[string][]byte{"tx.fa": fasta}, args: []string{"index", "-i", "x.idx", "-t", "0", "tx.fa"}, code: 2,
			want: "Error: -t must be between 1 and 1024 (number of threads), got 0 (see 'gallisto index --help')"},
		{name: "index/no FASTA files", args: []string{"index", "-i", "x.idx"}, code: 2,
			want: "Error: missing FASTA files of transcript sequences: give them after the options (see 'gallisto index --help')"},
		{name: "bus/-t 0", files: sc, args: bus("-x", "10xv3", "-t", "0", "R1.fq", "R2.fq"), code: 2,
			want: "Error: -t must be between 1 and 1024 (number of threads), got 0 (see 'gallisto bus --help')"},
		{name: "count/-t -1", files: sc, args: count("-t", "-1", "R1.fq", "R2.fq"), code: 2,
			want: "Error: -t must be between 1 and 1024 (number of threads), got -1 (see 'gallisto count --help')"},
		{name: "h5dump/two files", args: []string{"h5dump", "-o", "out", "a.h5", "b.h5"}, code: 2,
			want: "Error: h5dump takes one abundance.h5 file, got 2 (see 'gallisto h5dump --help')"},
		{name: "merge/no sample folders", args: []string{"merge", "-o", "out"}, code: 2,
			want: "Error: missing sample folders (quant output folders, or a --batch output folder): give them after the options (see 'gallisto merge --help')"},
		// --- bytes a read cannot hold, endless and binary input
		{name: "quant/space in a read", files: with(map[string][]byte{"R1.fq": setSeqByte(r1, 7, 5, ' ')}), args: q("R1.fq", "R2.fq"), code: 1,
			want: "Error: fastq: R1.fq line 30: byte ' ' at column 5 cannot be in a sequence line (only printable ASCII '!' to '~')"},
		{name: "quant/tab in a quality line", files: with(map[string][]byte{"R2.fq": setQualByte(r2, 0, 3, '\t')}), args: q("R1.fq", "R2.fq"), code: 1,
			want: `Error: fastq: R2.fq line 4: byte '\t' at column 3 cannot be in a quality line (only printable ASCII '!' to '~')`},
		{name: "quant/control byte in a read", files: with(map[string][]byte{"R1.fq": setSeqByte(r1, 1, 1, 0x07)}), args: q("R1.fq", "R2.fq"), code: 1,
			want: `Error: fastq: R1.fq line 6: byte '\a' at column 1 cannot be in a sequence line (only printable ASCII '!' to '~')`},
		{name: "quant/quality byte above '~'", files: with(map[string][]byte{"R1.fq": setQualByte(r1, 2, 9, 0xff)}), args: q("R1.fq", "R2.fq"), code: 1,
			want: `Error: fastq: R1.fq line 12: byte '\xff' at column 9 cannot be in a quality line (only printable ASCII '!' to '~')`},
		{name: "quant/NUL stream", files: with(map[string][]byte{"R1.fq": make([]byte, 3<<20)}), args: q("R1.fq", "R2.fq"), code: 1,
			want: `Error: fastq: R1.fq line 1: expected '@' at the start of a record, found '\x00'`},
		{name: "quant/binary data after the reads", files: with(map[string][]byte{"R1.fq": append(bytes.Clone(r1), bytes.Repeat([]byte{0x8b, 0x00}, 2<<20)...)}), args: q("R1.fq", "R2.fq"), code: 1,
			want: fmt.Sprintf(`Error: fastq: R1.fq line %d: binary data (byte '\x00' at column 2): not a FASTQ or FASTA file`, lastLine)},
		{name: "quant/byte-order mark", note: "accepted (a UTF-8 byte-order mark before the first record is skipped); abundance.tsv identical", files: with(map[string][]byte{"R1.fq": append([]byte("\xef\xbb\xbf"), r1...)}), args: q("R1.fq", "R2.fq"), same: "abundance.tsv"},
		// --- gzip as gzip(1) reads it, and other compressors
		{name: "quant/gzip with zero padding", note: "accepted (zero bytes after the last member are skipped, as gzip(1) does); abundance.tsv identical", files: with(map[string][]byte{"R1.fq.gz": append(bytes.Clone(r1gz), make([]byte, 4096)...)}), args: q("R1.fq.gz", "R2.fq"), same: "abundance.tsv"},
		{name: "quant/gzip with trailing garbage", files: with(map[string][]byte{"R1.fq.gz": append(bytes.Clone(r1gz), "garbage"...)}), args: q("R1.fq.gz", "R2.fq"), code: 1,
			want: fmt.Sprintf("Error: fastq: R1.fq.gz line %d: gzip: trailing data after the gzip stream (not gzip data, nor zero padding)", lastLine)},
		{name: "quant/gzip ISIZE wrong", files: with(map[string][]byte{"R1.fq.gz": flipByte(r1gz, len(r1gz)-2)}), args: q("R1.fq.gz", "R2.fq"), code: 1,
			want: fmt.Sprintf("Error: fastq: R1.fq.gz line %d: gzip: length mismatch: the trailer's ISIZE is not the decompressed size", lastLine)},
		{name: "quant/bzip2 reads", files: with(map[string][]byte{"R1.fq.bz2": []byte("BZh91AY&SY\x4e\xec\xe8\x36\x00\x00")}), args: q("R1.fq.bz2", "R2.fq"), code: 1,
			want: "Error: R1.fq.bz2: bzip2-compressed data: gallisto reads plain or gzip files (convert it: bzip2 -dc R1.fq.bz2 | gzip > R1.fq.gz)"},
		{name: "quant/zstd reads", files: with(map[string][]byte{"R1.fq.zst": []byte("\x28\xb5\x2f\xfd\x24\x00\x01\x00")}), args: q("R1.fq.zst", "R2.fq"), code: 1,
			want: "Error: R1.fq.zst: zstd-compressed data: gallisto reads plain or gzip files (convert it: zstd -dc R1.fq.zst | gzip > R1.fq.gz)"},
		{name: "quant/symlink loop", files: good, setup: func(t *testing.T, dir string) {
			os.Symlink("loop2.fq", filepath.Join(dir, "loop1.fq"))
			os.Symlink("loop1.fq", filepath.Join(dir, "loop2.fq"))
		}, args: q("loop1.fq", "R2.fq"), code: 1,
			want: "Error: loop1.fq: symlink loop (too many levels of symbolic links)"},
		{name: "quant/same file twice, single-end", files: good, args: q("--single", "-l", "200", "-s", "20", "R1.fq", "R1.fq"), code: 1,
			want: "Error: R1.fq is given twice (files 1 and 2): its reads would be counted twice"},
		{name: "quant/same file under two names, single-end", files: good, setup: func(t *testing.T, dir string) {
			os.Link(filepath.Join(dir, "R1.fq"), filepath.Join(dir, "again.fq"))
		}, args: q("--single", "-l", "200", "-s", "20", "R1.fq", "again.fq"), code: 1,
			want: "Error: R1.fq and again.fq are the same file: its reads would be counted twice"},

		// --- index: transcripts
		{name: "index/missing FASTA", args: []string{"index", "-i", "x.idx", "no.fa"}, code: 1,
			want: "Error: index: no.fa: file not found"},
		{name: "index/empty FASTA", files: map[string][]byte{"e.fa": nil}, args: []string{"index", "-i", "x.idx", "e.fa"}, code: 1,
			want: "Error: fasta: e.fa: no FASTA records (the file is empty)"},
		{name: "index/FASTA without header", files: map[string][]byte{"n.fa": fasta[bytes.IndexByte(fasta, '\n')+1:]}, args: []string{"index", "-i", "x.idx", "n.fa"}, code: 1,
			wantRE: `^Error: fasta: n\.fa line 1: expected '>' at the start of a record, found '[ACGT]'$`},
		{name: "index/empty sequence", files: map[string][]byte{"e.fa": append([]byte(">empty\n"), fasta...)}, args: []string{"index", "-i", "x.idx", "e.fa"}, code: 1,
			want: `Error: fasta: e.fa line 1: record "empty" has an empty sequence`},
		{name: "index/empty name", files: map[string][]byte{"e.fa": append([]byte(">\nACGTACGTACGTACGTACGTACGTACGTACGTACGT\n"), fasta...)}, args: []string{"index", "-i", "x.idx", "e.fa"}, code: 1,
			want: `Error: fasta: e.fa line 1: record has an empty name`},
		{name: "index/duplicate names", files: map[string][]byte{"d.fa": append(bytes.Clone(fasta), fasta[:bytes.IndexByte(fasta[1:], '>')+1]...)}, args: []string{"index", "-i", "x.idx", "d.fa"}, code: 1,
			want: fmt.Sprintf(`Error: index: d.fa line %d: repeated target name %q (first at d.fa line 1); run with --make-unique to rename repeats`, len(faLines), firstName)},
		{name: "index/duplicate names across files", files: map[string][]byte{"a.fa": fasta, "b.fa": fasta}, args: []string{"index", "-i", "x.idx", "a.fa", "b.fa"}, code: 1,
			want: fmt.Sprintf(`Error: index: b.fa line 1: repeated target name %q (first at a.fa line 1); run with --make-unique to rename repeats`, firstName)},
		{name: "index/duplicate names, --make-unique", note: "accepted; repeats renamed NAME_1, ...", files: map[string][]byte{"a.fa": fasta, "b.fa": fasta}, args: []string{"index", "-i", "x.idx", "--make-unique", "a.fa", "b.fa"},
			check: func(t *testing.T, dir string, r result) {
				if _, err := os.Stat(filepath.Join(dir, "x.idx")); err != nil {
					t.Error(err)
				}
			}},
		{name: "index/truncated gzip FASTA", files: map[string][]byte{"t.fa.gz": gz(fasta)[:len(gz(fasta))*2/3]}, args: []string{"index", "-i", "x.idx", "t.fa.gz"}, code: 1,
			wantRE: `^Error: fasta: t\.fa\.gz line [1-9][0-9]*: gzip: truncated or corrupt stream \(unexpected end of file\)$`},
		{name: "index/FASTQ instead of FASTA", files: map[string][]byte{"R1.fq": r1}, args: []string{"index", "-i", "x.idx", "R1.fq"}, code: 1,
			want: "Error: fasta: R1.fq line 1: expected '>' at the start of a record, found '@'"},
		{name: "index/record without sequence in the middle", files: map[string][]byte{"s.fa": editLine(fasta, secondHdr, append([]byte(">nothing here\n"), faLines[secondHdr-1]...))}, args: []string{"index", "-i", "x.idx", "s.fa"}, code: 1,
			want: fmt.Sprintf(`Error: fasta: s.fa line %d: record "nothing" has an empty sequence`, secondHdr)},
		{name: "index/CRLF FASTA", note: "accepted; index file byte-identical to the LF FASTA's", files: map[string][]byte{"c.fa": crlf(fasta)}, args: []string{"index", "-i", "x.idx", "c.fa"}, same: "x.idx"},
		{name: "index/lower-case FASTA", note: "accepted (letters upper-cased as kallisto does)", files: map[string][]byte{"l.fa": bytes.ToLower(fasta)}, args: []string{"index", "-i", "x.idx", "l.fa"},
			check: func(t *testing.T, dir string, r result) {
				// Names are lower-cased too, so compare the graph only.
				if !strings.Contains(r.stderr, "[build] target de Bruijn graph has") {
					t.Errorf("no graph summary in the log:\n%s", r.stderr)
				}
			}},
		{name: "index/IUPAC codes in transcripts", note: "accepted; replaced by kallisto's pseudorandom bases, logged: `[build] warning: replaced 15 non-ACGUT characters ...`", files: map[string][]byte{"u.fa": bytes.Replace(fasta, []byte("\nACG"), []byte("\nRYK"), 5)}, args: []string{"index", "-i", "x.idx", "u.fa"},
			check: func(t *testing.T, dir string, r result) {
				if !strings.Contains(r.stderr, "[build] warning: replaced 15 non-ACGUT characters in the input sequence") {
					t.Errorf("no replacement warning in the log:\n%s", r.stderr)
				}
			}},
		{name: "index/even k", files: map[string][]byte{"tx.fa": fasta}, args: []string{"index", "-i", "x.idx", "-k", "30", "tx.fa"}, code: 2,
			want: "Error: -k must be odd, from 3 to 31 (k-mer length), got 30 (see 'gallisto index --help')"},
		{name: "index/space in a sequence", files: map[string][]byte{"tx.fa": editLine(fasta, 2, []byte("ACGT ACGT\n"))}, args: []string{"index", "-i", "x.idx", "tx.fa"}, code: 1,
			want: "Error: fasta: tx.fa line 2: byte ' ' at column 5 cannot be in a sequence line (only printable ASCII '!' to '~')"},
		{name: "index/binary file", files: map[string][]byte{"tx.fa": append(bytes.Clone(fasta), bytes.Repeat([]byte{1, 2, 3, 0}, 1<<20)...)}, args: []string{"index", "-i", "x.idx", "tx.fa"}, code: 1,
			want: fmt.Sprintf(`Error: fasta: tx.fa line %d: binary data (byte '\x01' at column 1): not a FASTA file`, len(faLines))},
		{name: "index/byte-order mark", note: "accepted; index file byte-identical to the one without", files: map[string][]byte{"b.fa": append([]byte("\xef\xbb\xbf"), fasta...)}, args: []string{"index", "-i", "x.idx", "b.fa"}, same: "x.idx"},
		{name: "index/-i is an input", files: map[string][]byte{"tx.fa": fasta}, args: []string{"index", "-i", "tx.fa", "tx.fa"}, code: 1,
			want: "Error: index: tx.fa is also an input: writing the index would destroy it"},
		{name: "index/-i is a directory", files: map[string][]byte{"tx.fa": fasta}, dirs: []string{"d"}, args: []string{"index", "-i", "d", "tx.fa"}, code: 1,
			wantRE: `^Error: index: .*d.*directory`},
		{name: "index/-i is a FIFO", files: map[string][]byte{"tx.fa": fasta}, setup: func(t *testing.T, dir string) {
			if err := syscall.Mkfifo(filepath.Join(dir, "f.idx"), 0o644); err != nil {
				t.Skip(err)
			}
		}, args: []string{"index", "-i", "f.idx", "tx.fa"}, code: 1,
			wantRE: `^Error: index: .*f\.idx.*FIFO`},
		{name: "index/-i is a symlink", note: "accepted; the index is written to the file the link points to (logged: `[note] x.idx is a symlink: ...`), the link stays", files: map[string][]byte{"tx.fa": fasta}, setup: func(t *testing.T, dir string) {
			os.Mkdir(filepath.Join(dir, "real"), 0o755)
			os.WriteFile(filepath.Join(dir, "real", "x.idx"), []byte("an older index"), 0o644)
			os.Symlink("real/x.idx", filepath.Join(dir, "x.idx"))
		}, args: []string{"index", "-i", "x.idx", "tx.fa"}, check: func(t *testing.T, dir string, r result) {
			if st, err := os.Lstat(filepath.Join(dir, "x.idx")); err != nil || st.Mode()&os.ModeSymlink == 0 {
				t.Errorf("x.idx is no longer a symlink: %v", err)
			}
			if got, _ := os.ReadFile(filepath.Join(dir, "real", "x.idx")); !bytes.Equal(got, baseIdx) {
				t.Error("the link's target does not hold the new index")
			}
			if !strings.Contains(r.stderr, "[note] x.idx is a symlink") {
				t.Errorf("the log does not say so:\n%s", r.stderr)
			}
		}},
		{name: "index/bad --max-memory", files: map[string][]byte{"tx.fa": fasta}, args: []string{"index", "-i", "x.idx", "--max-memory", "4X", "tx.fa"}, code: 2,
			want: `Error: invalid argument "4X" for "--max-memory" flag: "4X" is not a size: give a number with an optional unit K, M, G or T (for example 4G or 512M) (see 'gallisto index --help')`},
		{name: "index/--max-memory 4G", note: "accepted; index byte-identical to the one built without a budget", files: map[string][]byte{"tx.fa": fasta}, args: []string{"index", "-i", "x.idx", "--max-memory", "4G", "tx.fa"}, same: "x.idx"},
		{name: "index/output in a missing directory", files: map[string][]byte{"tx.fa": fasta}, args: []string{"index", "-i", "no/x.idx", "tx.fa"}, code: 1,
			want: "Error: index: cannot create no/x.idx: no such file or directory"},
		// --- quant --batch
		{name: "quant/--batch good sheet", note: "accepted; out/S1/abundance.tsv byte-identical to the plain run", files: with(map[string][]byte{"s.tsv": sheetOK}), args: q("--batch", "s.tsv"), same: "S1/abundance.tsv"},
		{name: "quant/--batch missing sheet", files: good, args: q("--batch", "none.tsv"), code: 1,
			want: "Error: none.tsv: file not found"},
		{name: "quant/--batch with read files", files: with(map[string][]byte{"s.tsv": sheetOK}), args: q("--batch", "s.tsv", "R1.fq"), code: 2,
			want: "Error: --batch takes its read files from the sheet: give no read files (see 'gallisto quant --help')"},
		{name: "quant/--batch with --single", files: with(map[string][]byte{"s.tsv": sheetOK}), args: q("--batch", "s.tsv", "--single", "-l", "200", "-s", "20"), code: 2,
			want: "Error: --single does not apply to --batch: a sample is single-end when its sheet row has no r2 (see 'gallisto quant --help')"},
		{name: "quant/--force without --batch", files: good, args: q("--force", "R1.fq", "R2.fq"), code: 2,
			want: "Error: --force goes with --batch (see 'gallisto quant --help')"},
		{name: "quant/--batch sheet with a missing file", files: with(map[string][]byte{"s.tsv": []byte("sample\tr1\tr2\nS1\tR1.fq\tR2.fq\nS2\tR1.fq.gz\tR2.fq\n")}), args: q("--batch", "s.tsv"), code: 1,
			want: "Error: s.tsv line 3: sample S2: R1.fq.gz: file not found"},
		{name: "quant/--batch sheet without header", files: with(map[string][]byte{"s.tsv": []byte("S1\tR1.fq\tR2.fq\n")}), args: q("--batch", "s.tsv"), code: 1,
			want: `Error: s.tsv line 1: header "S1\tR1.fq\tR2.fq": want columns sample and r1 (and r2 for paired-end, l and s for single-end), tab-separated`},
		{name: "quant/--batch single-end sample without l, s", files: with(map[string][]byte{"s.tsv": []byte("sample\tr1\nS1\tR1.fq\n")}), args: q("--batch", "s.tsv"), code: 1,
			want: "Error: s.tsv line 2: sample S1 is single-end: give its l and s columns, or -l and -s"},
		// --- single cell: bus and count
		{name: "bus/good 10xv3 input", note: "accepted; output.bus, matrix.ec, transcripts.txt, run_info.json written", files: sc, args: bus("-x", "10xv3", "R1.fq", "R2.fq"),
			check: func(t *testing.T, dir string, r result) {
				for _, f := range []string{"output.bus", "matrix.ec", "transcripts.txt", "run_info.json"} {
					if _, err := os.Stat(filepath.Join(dir, "out", f)); err != nil {
						t.Error(err)
					}
				}
			}},
		{name: "count/good 10xv3 input", note: "accepted; counts_unfiltered/cells_x_genes.mtx written", files: sc, args: count("R1.fq", "R2.fq"),
			check: func(t *testing.T, dir string, r result) {
				if _, err := os.Stat(filepath.Join(dir, "out", "counts_unfiltered", "cells_x_genes.mtx")); err != nil {
					t.Error(err)
				}
			}},
		{name: "bus/unknown technology", files: sc, args: bus("-x", "10xv9", "R1.fq", "R2.fq"), code: 2,
			want: `Error: unknown technology "10xv9": give one of kallisto's names (gallisto bus --list) or a custom bc:umi:seq string such as 0,0,16:0,16,26:1,0,0 (see 'gallisto bus --help')`},
		{name: "bus/no technology", files: sc, args: bus("R1.fq", "R2.fq"), code: 2,
			want: "Error: missing technology: give one with -x (gallisto bus --list shows them) (see 'gallisto bus --help')"},
		{name: "bus/bad custom technology", files: sc, args: bus("-x", "0,0,16:0,16,x:1,0,0", "R1.fq", "R2.fq"), code: 2,
			want: `Error: technology "0,0,16:0,16,x:1,0,0": UMI: "x" is not an integer (see 'gallisto bus --help')`},
		{name: "bus/files not a multiple of the technology's", files: sc, args: bus("-x", "10xv3", "R1.fq", "R2.fq", "R1.fq"), code: 2,
			want: "Error: technology 10XV3 reads 2 files per group, got 3 files (give each lane's 2 files in order) (see 'gallisto bus --help')"},
		{name: "bus/R1 shorter than barcode and UMI", files: withSC(map[string][]byte{"R1.fq": scReads(r1, wl, 20)}), args: bus("-x", "10xv3", "R1.fq", "R2.fq"), code: 1,
			want: "Error: R1.fq line 1: read of 20 bases, shorter than the 28 technology 10XV3 takes its barcode and UMI from; so are 2000 of the first 2000 reads (check -x and the order of the files)"},
		{name: "bus/-B with -x", files: withSC(map[string][]byte{"b.txt": []byte("s1 R2.fq\n")}), args: bus("-B", "b.txt", "-x", "10xv3"), code: 2,
			want: "Error: -B takes its read files from the batch file: give neither -x nor read files (see 'gallisto bus --help')"},
		{name: "bus/-B malformed line", files: withSC(map[string][]byte{"b.txt": []byte("s1 R2.fq\ns2\n")}), args: bus("-B", "b.txt"), code: 1,
			want: `Error: batch file b.txt line 2: want "id R1" or "id R1 R2", got 1 fields`},
		{name: "count/whitelist with the wrong barcode length", files: withSC(map[string][]byte{"wl.txt": []byte("ACGTACGTACGT\nACGTACGTACGA\n")}), args: count("R1.fq", "R2.fq"), code: 1,
			want: "Error: whitelist wl.txt has 12-base barcodes, technology 10XV3 16-base ones: is it this technology's whitelist?"},
		{name: "count/whitelist malformed line", files: withSC(map[string][]byte{"wl.txt": []byte(wl[0] + "\n" + wl[1] + " x\n")}), args: count("R1.fq", "R2.fq"), code: 1,
			want: `Error: whitelist wl.txt line 2: barcode "AAACCCAAGAAACCAT x" has 18 bases, the first line's 16`},
		{name: "count/missing whitelist", files: sc, args: []string{"count", "-i", "tx.idx", "-o", "out", "-x", "10xv3", "-g", "t2g.tsv", "R1.fq", "R2.fq"}, code: 2,
			want: "Error: missing whitelist: give one with -w (see 'gallisto count --help')"},
		{name: "count/t2g missing a transcript", files: withSC(map[string][]byte{"t2g.tsv": joinLines(t2gLines[1:])}), args: count("R1.fq", "R2.fq"), code: 1,
			wantRE: `^Error: t2g\.tsv: 1 of the index's [0-9]+ transcripts are not in it \(first: [^)]+\); their molecules would not be counted$`},
		{name: "count/t2g malformed line", files: withSC(map[string][]byte{"t2g.tsv": append([]byte("only-one-field\n"), t2g...)}), args: count("R1.fq", "R2.fq"), code: 1,
			want: `Error: t2g.tsv line 1: "only-one-field": want transcript and gene, white-space separated`},
		{name: "count/bad --max-memory", files: sc, args: count("--max-memory", "1K", "R1.fq", "R2.fq"), code: 2,
			want: "Error: --max-memory 1K is below the 64 MiB the sort needs (see 'gallisto count --help')"},
	}
}

// runInfo is the part of run_info.json the tests read.
type runInfo struct {
	NProcessed     int64            `json:"n_processed"`
	NPseudoaligned int64            `json:"n_pseudoaligned"`
	Unaligned      map[string]int64 `json:"n_unaligned"`
}

func readRunInfo(t *testing.T, dir string) runInfo {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "out", "run_info.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ri runInfo
	if err := json.Unmarshal(b, &ri); err != nil {
		t.Fatal(err)
	}
	return ri
}

// nobodyCred returns credentials of user nobody, or skips.
func nobodyCred(t *testing.T) *syscall.Credential {
	if os.Geteuid() != 0 {
		t.Skip("running as another user needs root")
	}
	return &syscall.Credential{Uid: 65534, Gid: 65534}
}

func TestBadInputs(t *testing.T) {
	fx := getFixture(t)
	// Baselines for the accepted variants.
	base := t.TempDir()
	if r := run(t, nil, "quant", "-i", fx.idx, "-o", filepath.Join(base, "q"), fx.r1, fx.r2); r.code != 0 {
		t.Fatalf("baseline quant: %s", r.stderr)
	}
	baseTSV, _ := os.ReadFile(filepath.Join(base, "q", "abundance.tsv"))
	baseIdx, _ := os.ReadFile(fx.idx)
	_ = baseIdx

	var rows []docRow
	for _, tc := range badCases(t, fx) {
		t.Run(tc.name, func(t *testing.T) {
			row := docRow{name: tc.name, code: tc.code, text: tc.note}
			defer func() {
				if !t.Failed() && !t.Skipped() {
					rows = append(rows, row)
				}
			}()
			dir := t.TempDir()
			if tc.nobody {
				// t.TempDir's parents are private to root: use one that
				// user nobody can reach.
				var err error
				if dir, err = os.MkdirTemp("", "gallisto-nobody-"); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { os.RemoveAll(dir) })
			}
			os.Chmod(dir, 0o777)
			for name, data := range tc.files {
				mode := os.FileMode(0o644)
				if tc.nobody && strings.HasPrefix(name, "R1") {
					mode = 0o600 // unreadable for nobody
				}
				if err := os.WriteFile(filepath.Join(dir, name), data, mode); err != nil {
					t.Fatal(err)
				}
			}
			for _, d := range tc.dirs {
				os.Mkdir(filepath.Join(dir, d), 0o755)
			}
			if tc.setup != nil {
				tc.setup(t, dir)
			}
			before := listDir(t, dir)
			cmd := exec.Command(bin, tc.args...)
			cmd.Dir = dir
			if tc.stdin != nil {
				cmd.Stdin = bytes.NewReader(tc.stdin)
			}
			if tc.nobody {
				cmd.SysProcAttr = &syscall.SysProcAttr{Credential: nobodyCred(t)}
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			r := result{stderr: stderr.String()}
			if ee, ok := err.(*exec.ExitError); ok {
				r.code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if r.code != tc.code {
				t.Fatalf("exit code %d, want %d\n%s", r.code, tc.code, r.stderr)
			}
			if tc.code != 0 {
				errs := r.errorLines()
				if len(errs) != 1 {
					t.Fatalf("want exactly one Error: line, got %d:\n%s", len(errs), r.stderr)
				}
				t.Logf("exit %d: %s", r.code, errs[0])
				row.text = "`" + errs[0] + "`"
				if tc.want != "" && errs[0] != tc.want {
					t.Errorf("message:\n got %s\nwant %s", errs[0], tc.want)
				}
				if tc.wantRE != "" && !regexp.MustCompile(tc.wantRE).MatchString(errs[0]) {
					t.Errorf("message:\n got %s\nwant match for %s", errs[0], tc.wantRE)
				}
				// Nothing new may be left: no output directory with files,
				// no index, no temporary file.
				after := listDir(t, dir)
				if fmt.Sprint(after) != fmt.Sprint(before) {
					if got := listDir(t, filepath.Join(dir, "out")); len(got) > 0 || !slicesEqualIgnoring(after, before, "out") {
						t.Errorf("the failed run left files: before %v, after %v, out/ %v", before, after, got)
					}
				}
				return
			}
			t.Logf("exit 0: accepted")
			switch tc.same {
			case "abundance.tsv", "S1/abundance.tsv":
				got, _ := os.ReadFile(filepath.Join(dir, "out", tc.same))
				if !bytes.Equal(got, baseTSV) {
					t.Errorf("abundance.tsv differs from the baseline run's")
				}
			case "x.idx":
				got, _ := os.ReadFile(filepath.Join(dir, "x.idx"))
				if !bytes.Equal(got, baseIdx) {
					t.Errorf("the index differs from the baseline index")
				}
			}
			if tc.check != nil {
				tc.check(t, dir, r)
			}
		})
	}
	checkTestingDoc(t, rows, len(badCases(t, fx)))
}

var updateDoc = flag.Bool("update-doc", false, "rewrite TESTING.md's bad-input table from TestBadInputs")

// docRow is a line of TESTING.md's bad-input table.
type docRow struct {
	name, text string
	code       int
}

const docBegin, docEnd = "<!-- badinput table: made by TestBadInputs -update-doc -->\n", "<!-- end of badinput table -->\n"

// checkTestingDoc compares TESTING.md's table with the cases as they ran
// (every message as gallisto printed it), or rewrites it with
// -update-doc. It needs every case to have run and passed.
func checkTestingDoc(t *testing.T, rows []docRow, cases int) {
	if len(rows) != cases {
		t.Logf("TESTING.md not compared: %d of %d cases ran and passed", len(rows), cases)
		return
	}
	var b strings.Builder
	b.WriteString("| command | case | exit | message / behaviour |\n|---|---|---|---|\n")
	for _, r := range rows {
		cmd, name, _ := strings.Cut(r.name, "/")
		fmt.Fprintf(&b, "| %s | %s | %d | %s |\n", cmd, name, r.code, strings.ReplaceAll(r.text, "|", "\\|"))
	}
	path := "../../TESTING.md"
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i, j := bytes.Index(doc, []byte(docBegin)), bytes.Index(doc, []byte(docEnd))
	if i < 0 || j < i {
		t.Fatalf("TESTING.md lacks the markers %q and %q", docBegin, docEnd)
	}
	got := string(doc[i+len(docBegin) : j])
	if got == b.String() {
		return
	}
	if *updateDoc {
		out := append(append(append([]byte(nil), doc[:i+len(docBegin)]...), b.String()...), doc[j:]...)
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("TESTING.md's bad-input table differs from the cases (go test ./cmd/gallisto -run TestBadInputs -update-doc rewrites it):\n%s",
		cmp.Diff(got, b.String()))
}

// slicesEqualIgnoring compares two name lists, ignoring name in the second.
func slicesEqualIgnoring(after, before []string, name string) bool {
	var a []string
	for _, n := range after {
		if n != name {
			a = append(a, n)
		}
	}
	return fmt.Sprint(a) == fmt.Sprint(before)
}

// peakMiB reads the peak resident memory a run wrote with --peak-memory,
// in MiB. (The ru_maxrss of a child is no measure: Linux carries the
// test process's own high-water mark over the child's exec.)
func peakMiB(t *testing.T, file string) int64 {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n >> 20
}

// TestIndexMaxMemory builds the same index with and without a memory
// budget: the files must be identical and the budget must lower the peak
// memory. An impossible budget must be refused up front with an estimate,
// or met; until the builder refuses, the test only reports the figures.
func TestIndexMaxMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds three indexes")
	}
	dir := t.TempDir()
	fa := bigFASTA(t, dir)
	build := func(name string, extra ...string) (int64, []byte, result) {
		peak := filepath.Join(dir, name+".peak")
		cmd := exec.Command(bin, append([]string{"index", "-i", filepath.Join(dir, name), "--peak-memory", peak}, append(extra, fa)...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		r := result{stderr: stderr.String()}
		if ee, ok := err.(*exec.ExitError); ok {
			r.code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(filepath.Join(dir, name))
		if r.code != 0 {
			return 0, b, r
		}
		return peakMiB(t, peak), b, r
	}
	free, want, r := build("free.idx")
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	// 48 MiB: enough to build this index (the builder needs what it holds,
	// a 16 MiB gathering buffer and a 16 MiB margin), small enough to make
	// it spill its k-mers to disk instead of gathering them in memory.
	capped, got, r := build("capped.idx", "--max-memory", "48M")
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	t.Logf("peak RSS: %d MiB without a budget, %d MiB with --max-memory 48M", free, capped)
	if !bytes.Equal(got, want) {
		t.Errorf("the index built under a budget differs")
	}
	if capped > free || capped > 48 {
		t.Errorf("--max-memory 48M: peak %d MiB (without a budget: %d MiB)", capped, free)
	}
	_, _, r = build("tiny.idx", "--max-memory", "1K")
	if lines := r.errorLines(); r.code != 1 || len(lines) != 1 || !strings.Contains(lines[0], "not enough memory") || !strings.Contains(lines[0], "building needs about") {
		t.Errorf("--max-memory 1K: want a one-line refusal with an estimate, got exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "tiny.idx")); err == nil {
		t.Errorf("a refused build left an index")
	}
}
