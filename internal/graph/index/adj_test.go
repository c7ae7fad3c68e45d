package index

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// buildFrom builds an index of FASTA text data with k-mer length k.
func buildFrom(t *testing.T, data string, k int) *Index {
	t.Helper()
	fa := filepath.Join(t.TempDir(), "tx.fa")
	if err := os.WriteFile(fa, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	x, err := Build(context.Background(), []string{fa}, BuildOptions{K: k})
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// TestCross: for every end of every contig and every next base, Cross
// gives what the dictionary gives for the k-mer that follows, in indexes
// built and loaded. k=3 makes a tangled graph (most contigs a single
// k-mer, ends with several followers, palindromes); k=11 the contigs of
// shared segments.
func TestCross(t *testing.T) {
	x, path := smallIndex(t)
	y, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	tangled := buildFrom(t, ">a\nACGTAGGCTTAGCATTGACCAGTACGATCGA\n>b\nACGTAGGCTTAGGTCAacgtacgatNgatcaUUAC\n>c\nGCGCATATGCGCAT\n", 3)
	for name, idx := range map[string]*Index{"built": x, "loaded": y, "k=3": tangled} {
		sh := idx.Shape
		found := 0
		for c := uint32(0); c < uint32(idx.NumContigs()); c++ {
			for _, forward := range []bool{false, true} {
				out := sh.RevComp(idx.ContigKmer(c, 0))
				if forward {
					out = idx.ContigKmer(c, idx.ContigLen[c]-1)
				}
				for b := uint8(0); b < 4; b++ {
					y := sh.Append(out, b)
					km, fw := sh.Canonical(y)
					e, ok := idx.Dict.Lookup(km)
					d, q, sense, res := idx.Cross(c, forward, b)
					switch {
					case res == CrossLookup:
						t.Errorf("%s: contig %d forward %v base %d: Build wrote a lookup slot", name, c, forward, b)
					case ok != (res == CrossFound):
						t.Errorf("%s: contig %d forward %v base %d: dictionary says %v, Cross %v", name, c, forward, b, ok, res)
					case ok && (d != e.Contig() || q != e.Pos() || sense != (fw == e.Fw())):
						t.Errorf("%s: contig %d forward %v base %d: Cross gives %d:%d sense %v, dictionary %d:%d fw %v", name, c, forward, b, d, q, sense, e.Contig(), e.Pos(), e.Fw())
					}
					if ok {
						found++
					}
				}
			}
		}
		if found == 0 {
			t.Errorf("%s: no contig end has a follower; the test checks nothing", name)
		}
	}
}

// TestLoadRejectsBadAdjacency: a slot naming a contig the index does not
// have is refused at load, not met while mapping.
func TestLoadRejectsBadAdjacency(t *testing.T) {
	x, _ := smallIndex(t)
	n := uint32(x.NumContigs())
	for _, v := range []uint32{2, 3, (n+1)<<2 | 1} {
		x.adj[5] = v
		p := filepath.Join(t.TempDir(), "bad.idx")
		if err := x.Write(p); err != nil {
			t.Fatal(err)
		}
		_, err := Load(p)
		if err == nil || !strings.Contains(err.Error(), "corrupt index file: adjacency slot 5 names contig") {
			t.Errorf("slot value %#x: Load = %v", v, err)
		}
	}
}
