package naive

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gallisto/gallisto/internal/graph/kmer"
	"github.com/gallisto/gallisto/internal/input/fasta"
	"github.com/gallisto/gallisto/internal/testref"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "regenerate debruijn/testdata/*.golden from kallisto")

// The test graphs live in ../testdata (package debruijn) as NAME.kK.fa, K being the k-mer
// length. Each golden file lists the graph as kallisto 0.48 builds it: a
// header with the numbers of k-mers, contigs and classes, then one line per
// contig, "SEQUENCE<TAB>transcripts", the sequence in whichever orientation
// sorts first. Comparing those lists ignores contig numbering and
// orientation, which legitimately differ (see the package doc).
var caseName = regexp.MustCompile(`^(.*)\.k(\d+)\.fa$`)

func readFASTA(t *testing.T, path string) (names []string, seqs [][]byte) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := fasta.NewReader(f, path)
	for {
		rec, err := r.Next()
		if err != nil {
			break
		}
		names = append(names, string(rec.Name))
		seqs = append(seqs, slices.Clone(rec.Seq))
	}
	return names, seqs
}

func revcomp(s string) string {
	b := []byte(s)
	slices.Reverse(b)
	for i, c := range b {
		b[i] = map[byte]byte{'A': 'T', 'C': 'G', 'G': 'C', 'T': 'A'}[c]
	}
	return string(b)
}

func orient(s string) string { return min(s, revcomp(s)) }

// describe renders a graph in the golden format.
func describe(g *Graph, names []string) string {
	var lines []string
	for _, c := range g.Contigs {
		var trs []string
		for _, tr := range g.ECs[c.EC] {
			trs = append(trs, names[tr])
		}
		slices.Sort(trs)
		lines = append(lines, orient(string(c.Seq))+"\t"+strings.Join(trs, ","))
	}
	slices.Sort(lines)
	return fmt.Sprintf("# kmers %d contigs %d ecs %d\n%s\n", len(g.Kmers), len(g.Contigs), len(g.ECs), strings.Join(lines, "\n"))
}

// kallistoGraph runs kallisto index and inspect -G on the FASTA file and
// renders its graph in the golden format.
func kallistoGraph(t *testing.T, fa string, k int) string {
	t.Helper()
	dir := t.TempDir()
	idx := filepath.Join(dir, "k.idx")
	if out, err := exec.Command("kallisto", "index", "-k", strconv.Itoa(k), "-i", idx, fa).CombinedOutput(); err != nil {
		t.Fatalf("kallisto index: %v\n%s", err, out)
	}
	gfa := filepath.Join(dir, "k.gfa")
	out, err := exec.Command("kallisto", "inspect", "-G", gfa, idx).Output()
	if err != nil {
		t.Fatalf("kallisto inspect: %v", err)
	}
	var nkm, nec int
	for _, l := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(l, "#[inspect] Number of k-mers in index = "); ok {
			nkm, _ = strconv.Atoi(v)
		}
		if v, ok := strings.CutPrefix(l, "#[inspect] number of equivalence classes = "); ok {
			nec, _ = strconv.Atoi(v)
		}
	}
	f, err := os.Open(gfa)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Split(sc.Text(), "\t")
		if fs[0] != "S" {
			continue
		}
		trs := strings.Split(strings.TrimPrefix(fs[3], "XT:S:"), ",")
		slices.Sort(trs)
		lines = append(lines, orient(fs[2])+"\t"+strings.Join(slices.Compact(trs), ","))
	}
	slices.Sort(lines)
	return fmt.Sprintf("# kmers %d contigs %d ecs %d\n%s\n", nkm, len(lines), nec, strings.Join(lines, "\n"))
}

func TestGraphsMatchKallisto(t *testing.T) {
	files, _ := filepath.Glob("../testdata/*.fa")
	if len(files) == 0 {
		t.Fatal("no test graphs in ../testdata")
	}
	live := testref.Kallisto() != ""
	for _, fa := range files {
		m := caseName.FindStringSubmatch(filepath.Base(fa))
		if m == nil {
			t.Fatalf("%s: name must be NAME.kK.fa", fa)
		}
		k, _ := strconv.Atoi(m[2])
		t.Run(m[1]+"/k"+m[2], func(t *testing.T) {
			names, seqs := readFASTA(t, fa)
			g, err := Build(seqs, kmer.MustShape(k))
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, g, seqs)
			got := describe(g, names)
			golden := strings.TrimSuffix(fa, ".fa") + ".golden"
			if *update {
				if !live {
					t.Fatal("-update needs kallisto on PATH")
				}
				if err := os.WriteFile(golden, []byte(kallistoGraph(t, fa, k)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/graph/debruijn/naive -update with kallisto installed)", err)
			}
			if d := cmp.Diff(string(want), got); d != "" {
				t.Errorf("graph differs from golden %s (-want +got):\n%s", golden, d)
			}
			if live && !*update {
				if d := cmp.Diff(kallistoGraph(t, fa, k), got); d != "" {
					t.Errorf("graph differs from kallisto's (-kallisto +gallisto):\n%s", d)
				}
			}
		})
	}
}

// checkInvariants verifies what pseudoalignment relies on: every k-mer is
// where its entry says, classes are uniform along contigs, and each
// transcript is the concatenation of its passes through contigs.
func checkInvariants(t *testing.T, g *Graph, seqs [][]byte) {
	t.Helper()
	s := g.Shape
	for km, e := range g.Kmers {
		c := g.Contigs[e.Contig()]
		if e.Pos() < 0 || e.Pos() >= c.Len {
			t.Fatalf("k-mer %s at offset %d of contig %d (length %d)", s.String(km), e.Pos(), e.Contig(), c.Len)
		}
		at, _ := s.FromBytes(c.Seq[e.Pos():])
		want := km
		if !e.Fw() {
			want = s.RevComp(km)
		}
		if at != want {
			t.Fatalf("contig %d offset %d holds %s, entry says %s", e.Contig(), e.Pos(), s.String(at), s.String(want))
		}
	}
	for ci, c := range g.Contigs {
		if len(c.Seq) != int(c.Len)+s.K-1 {
			t.Fatalf("contig %d: %d bases for %d k-mers", ci, len(c.Seq), c.Len)
		}
		var trs []uint32
		for _, o := range c.Trans {
			trs = append(trs, o.Tr)
			seg := string(c.Seq)
			if !o.Sense {
				seg = revcomp(seg)
			}
			if got := string(seqs[o.Tr][o.Pos : int(o.Pos)+len(seg)]); got != seg {
				t.Fatalf("contig %d pass of transcript %d at %d: transcript has %s, contig %s", ci, o.Tr, o.Pos, got, seg)
			}
		}
		slices.Sort(trs)
		if !slices.Equal(slices.Compact(trs), g.ECs[c.EC]) {
			t.Fatalf("contig %d: class %v but passes %v", ci, g.ECs[c.EC], trs)
		}
	}
}
