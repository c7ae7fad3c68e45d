package abundance

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// ReadError is a malformed line of an abundance file.
type ReadError struct {
	File string
	Line int
	Msg  string
}

func (e *ReadError) Error() string { return fmt.Sprintf("%s line %d: %s", e.File, e.Line, e.Msg) }

// maxLine bounds a line (a target name is at most a few kilobytes).
const maxLine = 1 << 20

// Read parses an abundance file (kallisto's or gallisto's abundance.tsv,
// a bs_abundance_N.tsv) from r; file names it in errors. Numbers must be
// finite and not negative ("nan" and "inf", which Write can print for a
// broken run, are refused here: nothing downstream can use them).
func Read(r io.Reader, file string) (*Table, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	t := &Table{}
	line := 0
	bad := func(format string, a ...any) error {
		return &ReadError{File: file, Line: line, Msg: fmt.Sprintf(format, a...)}
	}
	for sc.Scan() {
		line++
		s := strings.TrimSuffix(sc.Text(), "\r")
		if line == 1 {
			if s != Header {
				return nil, bad("header %q, want %q: not an abundance.tsv", clip(s), Header)
			}
			continue
		}
		f := strings.Split(s, "\t")
		if len(f) != 5 {
			return nil, bad("%d fields, want 5 (target_id, length, eff_length, est_counts, tpm)", len(f))
		}
		if f[0] == "" {
			return nil, bad("empty target_id")
		}
		l, err := strconv.ParseInt(f[1], 10, 32)
		if err != nil || l <= 0 {
			return nil, bad("length %q is not a positive integer", clip(f[1]))
		}
		var v [3]float64
		for i, name := range []string{"eff_length", "est_counts", "tpm"} {
			x, err := strconv.ParseFloat(f[2+i], 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
				return nil, bad("%s %q is not a finite number >= 0", name, clip(f[2+i]))
			}
			v[i] = x
		}
		t.IDs = append(t.IDs, f[0])
		t.Lengths = append(t.Lengths, int32(l))
		t.EffLens = append(t.EffLens, v[0])
		t.EstCounts = append(t.EstCounts, v[1])
		t.TPM = append(t.TPM, v[2])
	}
	if err := sc.Err(); err != nil {
		line++
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, bad("line longer than %d bytes", maxLine)
		}
		return nil, bad("%v", err)
	}
	if line == 0 {
		return nil, &ReadError{File: file, Line: 1, Msg: "empty file"}
	}
	if len(t.IDs) == 0 {
		return nil, &ReadError{File: file, Line: 2, Msg: "no target after the header"}
	}
	return t, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
