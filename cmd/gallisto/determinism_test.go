package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestDeterminism runs the same quantification with -t 1, 2 and 8, twice
// each, and requires the same bytes in every output file (apart from the
// start time and command line in run_info.json and abundance.h5) and the
// same log. The input is 100,000 pairs, seven batches of reads, with
// bootstraps.
func TestDeterminism(t *testing.T) {
	if testing.Short() {
		t.Skip("six runs of 100,000 pairs")
	}
	kf := getKillFixture(t)
	var first map[string][]byte
	var firstLog string
	for _, threads := range []string{"1", "2", "8", "8", "2", "1"} {
		out := filepath.Join(t.TempDir(), "out")
		args := append([]string{}, kf.args...)
		for i, a := range args {
			if a == "-t" {
				args[i+1] = threads
			}
		}
		r := run(t, nil, append(args, "-o", out)...)
		if r.code != 0 {
			t.Fatalf("-t %s: %s", threads, r.stderr)
		}
		got := quantOutputs(t, out)
		log := strings.ReplaceAll(r.stderr, out, "OUT")
		if first == nil {
			first, firstLog = got, log
			if len(got) != 3 {
				t.Fatalf("outputs %v", len(got))
			}
			continue
		}
		for name, data := range first {
			if !sameOutput(t, name, data, got[name]) {
				t.Errorf("-t %s: %s differs from the first run's", threads, name)
			}
		}
		if log != firstLog {
			t.Errorf("-t %s: the log differs:\n%s\n---\n%s", threads, firstLog, log)
		}
	}
}
