package abundanceh5_test

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/gallisto/gallisto/internal/output/abundanceh5"
)

// bigFile models a human-transcriptome run: n targets, nbs bootstraps.
// About 35% of targets get no reads (as in typical kallisto output);
// the others get log-normally distributed full-precision EM estimates,
// and each bootstrap perturbs them. Effective lengths are non-integral.
func bigFile(n, nbs int) *abundanceh5.File {
	rng := rand.New(rand.NewPCG(1, 2))
	f := sampleFile(0, 0)
	f.NumBootstrap = int32(nbs)
	f.IDs = make([]string, n)
	f.Lengths = make([]int32, n)
	f.EffLengths = make([]float64, n)
	f.EstCounts = make([]float64, n)
	for i := range n {
		f.IDs[i] = fmt.Sprintf("ENST%011d.%d", 200000+i*7, rng.IntN(20))
		f.Lengths[i] = int32(300 + rng.IntN(8000))
		f.EffLengths[i] = float64(f.Lengths[i]) - 178.0234 + rng.Float64()
		if rng.Float64() >= 0.35 {
			f.EstCounts[i] = math.Exp(rng.NormFloat64()*2.5 + 1.5)
		}
	}
	for range nbs {
		bs := make([]float64, n)
		for i, c := range f.EstCounts {
			if c > 0 {
				bs[i] = c * math.Exp(rng.NormFloat64()*0.2)
			}
		}
		f.Bootstraps = append(f.Bootstraps, bs)
	}
	return f
}

// BenchmarkWrite200k writes a 200,000-target file with 100 bootstraps to
// disk, the case where cgo libhdf5 (kallisto's writer) took 7.2 s and
// produced 109.7 MB.
//
//	go test ./abundanceh5/ -run '^$' -bench Write200k -benchtime 3x
func BenchmarkWrite200k(b *testing.B) {
	f := bigFile(200000, 100)
	path := filepath.Join(b.TempDir(), "abundance.h5")
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		fh, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		if err := abundanceh5.Write(fh, f); err != nil {
			b.Fatal(err)
		}
		if err := fh.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if fi, err := os.Stat(path); err == nil {
		b.ReportMetric(float64(fi.Size())/1e6, "MB/file")
	}
}

// BenchmarkRead200k reads the file BenchmarkWrite200k writes.
func BenchmarkRead200k(b *testing.B) {
	var buf bytes.Buffer
	if err := abundanceh5.Write(&buf, bigFile(200000, 100)); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := abundanceh5.Read(bytes.NewReader(data), int64(len(data))); err != nil {
			b.Fatal(err)
		}
	}
}
