package lanes

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func fq(t *testing.T, dir, name string, n int, tag string) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "@r%d %s\nACGT%s\n+\nIIII%s\n", i, tag, strings.Repeat("A", len(tag)), strings.Repeat("I", len(tag)))
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// seen is what a test keeps of a batch (whose buffers go back at once).
type seen struct {
	seq, group, n int
	lens          []int // length of the first read of each file
}

func collect(t *testing.T, g Groups) ([]seen, error) {
	out := make(chan *Batch, 4)
	errc := make(chan error, 1)
	go func() { errc <- Produce(context.Background(), g, 2, out) }()
	var bs []seen
	for b := range out {
		s := seen{seq: b.Seq, group: b.Group, n: b.Len()}
		for _, r := range b.Reads {
			s.lens = append(s.lens, len(r.Seq(0)))
		}
		b.Release()
		bs = append(bs, s)
	}
	return bs, <-errc
}

// TestGroupsInLockstep: two groups of three files (barcode, index and cDNA
// reads, say) come in order, each batch holding the same reads of every
// file; batch numbers run on across groups.
func TestGroupsInLockstep(t *testing.T) {
	dir := t.TempDir()
	n := BatchReads + 10 // two batches in the first group
	files := []string{fq(t, dir, "a1", n, "x"), fq(t, dir, "a2", n, "yy"), fq(t, dir, "a3", n, "zzz"),
		fq(t, dir, "b1", 5, "x"), fq(t, dir, "b2", 5, "yy"), fq(t, dir, "b3", 5, "zzz")}
	bs, err := collect(t, Groups{Files: files, PerGroup: 3, CheckNames: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 3 || bs[0].group != 0 || bs[2].group != 1 || bs[2].seq != 2 || bs[2].n != 5 {
		t.Fatalf("batches %+v", bs)
	}
	for _, b := range bs {
		for j, l := range b.lens {
			if want := 4 + j + 1; l != want {
				t.Errorf("batch %d file %d: read length %d, want %d", b.seq, j, l, want)
			}
		}
	}
}

func TestGroupErrors(t *testing.T) {
	dir := t.TempDir()
	a, b := fq(t, dir, "a", 10, "x"), fq(t, dir, "b", 9, "x")
	_, err := collect(t, Groups{Files: []string{a, a, b}, PerGroup: 3})
	if err == nil || !strings.Contains(err.Error(), "the files of a read group have different numbers of reads") {
		t.Errorf("unequal files: %v", err)
	}
	_, err = collect(t, Groups{Files: []string{a, b}, PerGroup: 2})
	if err == nil || !strings.Contains(err.Error(), "paired files have different numbers of reads") {
		t.Errorf("unequal mates: %v", err)
	}
	other := filepath.Join(dir, "c")
	os.WriteFile(other, []byte("@q0\nACGT\n+\nIIII\n"), 0o644)
	one := filepath.Join(dir, "d")
	os.WriteFile(one, []byte("@r0\nACGT\n+\nIIII\n"), 0o644)
	_, err = collect(t, Groups{Files: []string{one, other}, PerGroup: 2, CheckNames: true})
	if err == nil || !strings.Contains(err.Error(), `read name "q0" does not match "r0"`) {
		t.Errorf("names: %v", err)
	}
}
