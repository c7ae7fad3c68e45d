// Package cells turns BUS records into a cells × genes matrix with
// bustools 0.42's rules (BUStools/bustools v0.42.0, src/bustools_correct.cpp,
// bustools_sort.cpp, bustools_count.cpp; the kb-python 0.27 chain
// correct | sort | count --genecounts):
//
//   - correct: a barcode on the whitelist is kept; one that is not is
//     replaced by the single whitelist barcode at Hamming distance 1 from
//     it, and dropped when there is none or more than one;
//   - sort: records are ordered by barcode, UMI, class and flags, and
//     equal ones merged, their counts summed (package cells sorts in
//     memory up to a budget and merges sorted runs spilled to disk beyond
//     it);
//   - count: the records of one barcode are a cell (a row of the matrix,
//     even if nothing is counted), those of one UMI in it a molecule; a
//     molecule whose classes' genes (each class's transcripts mapped
//     through the transcript-to-gene table) have exactly one gene in
//     common counts one for that gene; with none or several in common it
//     is not counted.
package cells

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gallisto/gallisto/internal/input/zio"
	"github.com/gallisto/gallisto/internal/output/bus"
)

// Whitelist is a set of barcodes of one length.
// Correct remembers its answers, so a Whitelist is for one goroutine.
type Whitelist struct {
	Len  int
	set  map[uint64]struct{}
	memo map[uint64]uint64 // correction of barcodes met: result, or drop
}

// drop marks a barcode that cannot be corrected in the memo (no barcode of
// at most 32 bases has all 64 bits set but all-T of 32, which is
// whitelisted or not like any other).
const drop = ^uint64(0) - 1

// ReadWhitelist reads a whitelist file (plain or gzip): one barcode per
// line, all of one length, upper- or lower-case ACGT; empty lines are
// skipped, a header or any other line is an error naming its line.
func ReadWhitelist(path string) (*Whitelist, error) {
	f, err := zio.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	w, err := parseWhitelist(f, path)
	if err != nil {
		return nil, err
	}
	return w, nil
}

func parseWhitelist(r io.Reader, name string) (*Whitelist, error) {
	w := &Whitelist{set: map[uint64]struct{}{}, memo: map[uint64]uint64{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<16)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimRight(sc.Text(), "\r")
		if s == "" {
			continue
		}
		if len(s) > 32 {
			return nil, fmt.Errorf("whitelist %s line %d: barcode of %d bases (at most 32)", name, line, len(s))
		}
		if w.Len == 0 {
			w.Len = len(s)
		} else if len(s) != w.Len {
			return nil, fmt.Errorf("whitelist %s line %d: barcode %q has %d bases, the first line's %d", name, line, s, len(s), w.Len)
		}
		for i := 0; i < len(s); i++ {
			switch s[i] | 0x20 {
			case 'a', 'c', 'g', 't':
			default:
				return nil, fmt.Errorf("whitelist %s line %d: %q is not a barcode (only A, C, G, T)", name, line, s)
			}
		}
		v, _ := bus.Encode([]byte(s))
		w.set[v] = struct{}{}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("whitelist %s line %d: line too long: not a whitelist", name, line+1)
		}
		return nil, fmt.Errorf("whitelist %s line %d: %w", name, line+1, err)
	}
	if len(w.set) == 0 {
		return nil, fmt.Errorf("whitelist %s holds no barcode", name)
	}
	return w, nil
}

// Size is the number of distinct barcodes.
func (w *Whitelist) Size() int { return len(w.set) }

// Has reports whether bc is on the whitelist.
func (w *Whitelist) Has(bc uint64) bool {
	_, ok := w.set[bc]
	return ok
}

// Correct returns the whitelist barcode for bc: bc itself when listed,
// the one listed barcode at Hamming distance 1 when there is exactly one,
// else false. Results are remembered (barcodes repeat).
func (w *Whitelist) Correct(bc uint64) (uint64, bool) {
	if w.Has(bc) {
		return bc, true
	}
	if v, ok := w.memo[bc]; ok {
		return v, v != drop
	}
	found, hits := uint64(0), 0
	for i := 0; i < w.Len && hits < 2; i++ {
		shift := 2 * uint(w.Len-1-i)
		cur := (bc >> shift) & 3
		for c := uint64(0); c < 4; c++ {
			if c == cur {
				continue
			}
			v := bc&^(3<<shift) | c<<shift
			if w.Has(v) {
				found = v
				hits++
			}
		}
	}
	if hits != 1 {
		w.memo[bc] = drop
		return 0, false
	}
	w.memo[bc] = found
	return found, true
}
