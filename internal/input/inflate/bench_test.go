package inflate

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sync"
	"testing"

	kgzip "github.com/klauspost/compress/gzip"
)

const realFile = "/root/.cache/gallisto-bench/sets/chr22-1M/reads_1.fq.gz"

// fastqLike returns n bytes of synthetic FASTQ records.
func fastqLike(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 42))
	var b bytes.Buffer
	const bases = "ACGT"
	quals := []byte("FFFFFFFF:,F")
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "@SIM:1:FCX:1:%d:%d:%d 1:N:0:ATCACG\n", i/1000, rng.IntN(30000), rng.IntN(30000))
		for range 100 {
			b.WriteByte(bases[rng.IntN(4)])
		}
		b.WriteString("\n+\n")
		for range 100 {
			b.WriteByte(quals[rng.IntN(len(quals))])
		}
		b.WriteByte('\n')
	}
	return b.Bytes()[:n]
}

type benchInput struct {
	name string
	comp []byte
	size int64
}

var benchInputs = sync.OnceValue(func() []benchInput {
	raw := fastqLike(32<<20, 1)
	ins := []benchInput{{"fastq-synth", gzipLevel(nil, raw, 6), int64(len(raw))}}
	if b, err := os.ReadFile(realFile); err == nil {
		r, err := kgzip.NewReader(bytes.NewReader(b))
		if err == nil {
			n, err := io.Copy(io.Discard, r)
			if err == nil {
				ins = append(ins, benchInput{"chr22-reads_1", b, n})
			}
		}
	}
	return ins
})

func benchDecoder(b *testing.B, open func(io.Reader) (io.Reader, error)) {
	for _, in := range benchInputs() {
		b.Run(in.name, func(b *testing.B) {
			b.SetBytes(in.size)
			b.ReportAllocs()
			buf := make([]byte, 128<<10)
			for b.Loop() {
				r, err := open(bytes.NewReader(in.comp))
				if err != nil {
					b.Fatal(err)
				}
				n, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{r}, buf)
				if err != nil || n != in.size {
					b.Fatal(n, err)
				}
			}
		})
	}
}

func BenchmarkInflate(b *testing.B) {
	benchDecoder(b, func(r io.Reader) (io.Reader, error) { return NewReader(r) })
}

func BenchmarkKlauspost(b *testing.B) {
	benchDecoder(b, func(r io.Reader) (io.Reader, error) { return kgzip.NewReader(r) })
}
