// Command testsum reads `go test -json` on standard input and prints what a
// person needs from a full run: one line per package (as `go test` does),
// the output of every failed test, and at the end every skipped test with
// the reason it gave (a missing tool to install, GALLISTO_SHARED, -short).
// It exits 1 if any test or package failed, or if no package reported at
// all (a build that never started).
//
//	go test -json ./... | go run ./scripts/testsum
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

type key struct{ pkg, test string }

type summary struct {
	out      io.Writer
	output   map[key][]string // output of tests still running
	skipped  []skip
	failed   int
	packages int
}

type skip struct {
	key
	reason string
}

func main() {
	s := &summary{out: os.Stdout, output: make(map[key][]string)}
	if err := s.read(os.Stdin); err != nil {
		fmt.Fprintln(os.Stderr, "testsum:", err)
		os.Exit(1)
	}
	s.report()
	if s.failed > 0 || s.packages == 0 {
		os.Exit(1)
	}
}

func (s *summary) read(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			fmt.Fprintf(s.out, "%s\n", line) // not an event: a build error, say
			continue
		}
		s.add(e)
	}
	return sc.Err()
}

func (s *summary) add(e event) {
	k := key{e.Package, e.Test}
	switch e.Action {
	case "output", "build-output":
		s.output[k] = append(s.output[k], e.Output)
		if e.Test == "" && e.Action == "output" && isPackageLine(e.Output) {
			fmt.Fprint(s.out, e.Output)
		}
		if e.Action == "build-output" {
			fmt.Fprint(s.out, e.Output)
		}
	case "skip":
		if e.Test != "" {
			s.skipped = append(s.skipped, skip{k, skipReason(s.output[k])})
		}
		delete(s.output, k)
	case "fail", "build-fail":
		s.failed++
		if e.Test != "" {
			fmt.Fprintf(s.out, "--- FAIL: %s (%s)\n", e.Test, e.Package)
			for _, l := range s.output[k] {
				fmt.Fprint(s.out, l)
			}
		} else {
			s.packages++
			for _, l := range s.output[k] {
				if !isPackageLine(l) && !strings.HasPrefix(l, "=== ") {
					fmt.Fprint(s.out, l)
				}
			}
		}
		delete(s.output, k)
	case "pass":
		if e.Test == "" {
			s.packages++
		}
		delete(s.output, k)
	}
}

// isPackageLine reports whether l is go test's one-line package result.
func isPackageLine(l string) bool {
	for _, p := range []string{"ok  \t", "FAIL\t", "?   \t", "--- FAIL", "panic:"} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return strings.HasPrefix(l, "FAIL") && !strings.HasPrefix(l, "FAIL:")
}

// skipReason is the last message a skipped test logged ("file.go:12:
// reason"), without its location.
func skipReason(lines []string) string {
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if l == "" || strings.HasPrefix(l, "=== ") || strings.HasPrefix(l, "--- SKIP") {
			continue
		}
		if _, msg, ok := strings.Cut(l, ": "); ok && strings.Contains(l[:len(l)-len(msg)], ".go:") {
			return msg
		}
		return l
	}
	return "(no reason given)"
}

func (s *summary) report() {
	if len(s.skipped) == 0 {
		fmt.Fprintln(s.out, "\nno test skipped")
		return
	}
	sort.Slice(s.skipped, func(i, j int) bool {
		a, b := s.skipped[i], s.skipped[j]
		if a.pkg != b.pkg {
			return a.pkg < b.pkg
		}
		return a.test < b.test
	})
	fmt.Fprintf(s.out, "\n%d tests skipped:\n", len(s.skipped))
	for _, sk := range s.skipped {
		fmt.Fprintf(s.out, "  %s %s: %s\n", strings.TrimPrefix(sk.pkg, "github.com/gallisto/gallisto/"), sk.test, sk.reason)
	}
}
