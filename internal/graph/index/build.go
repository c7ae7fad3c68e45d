package index

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strconv"

	"github.com/gallisto/gallisto/internal/graph/debruijn"
	"github.com/gallisto/gallisto/internal/graph/kmer"
	"github.com/gallisto/gallisto/internal/graph/mt19937"
	"github.com/gallisto/gallisto/internal/input/fasta"
	"github.com/gallisto/gallisto/internal/input/zio"
	"github.com/gallisto/gallisto/internal/output/logfmt"
	"github.com/gallisto/gallisto/internal/output/progress"
)

// BuildOptions configures Build.
type BuildOptions struct {
	K          int       // k-mer length, odd, 3..31
	MakeUnique bool      // rename repeated target names instead of failing
	Threads    int       // goroutines; <= 0 means GOMAXPROCS
	MaxMemory  int64     // memory budget in bytes; 0 means no limit (see Build)
	TempDir    string    // for temporary files of large builds; "" = system default
	Log        io.Writer // progress lines in kallisto's "[build]" style; nil for none
	Verbose    bool      // also log the builder's timed steps
	// Progress, when Log is a terminal, shows the transcripts read so far
	// while the FASTA files are read (see package progress); nil for none.
	Progress *progress.Line
}

// polyAMin is kallisto's poly-A clipping trigger: a target whose last 10
// bases are all A loses its whole trailing run of A.
const polyAMin = 10

// replacementSeed seeds the std::mt19937 that kallisto draws replacement
// bases for non-ACGTU letters from.
const replacementSeed = 42

// cleaner turns raw FASTA sequence into index sequence exactly as kallisto
// 0.48 does (KmerIndex::BuildTranscripts): upper-case, U to T, any other
// non-ACGT byte to a pseudorandom base, then poly-A clipping.
type cleaner struct {
	rng                  *mt19937.Source
	nonACGT, nU, clipped int
}

func (c *cleaner) clean(raw []byte) []byte {
	seq := make([]byte, len(raw))
	for i, b := range raw {
		if b >= 'a' && b <= 'z' {
			b -= 'a' - 'A'
		}
		switch b {
		case 'A', 'C', 'G', 'T':
		case 'U':
			b = 'T'
			c.nU++
		default:
			b = "ACGT"[c.rng.Uint32()&3]
			c.nonACGT++
		}
		seq[i] = b
	}
	if n := len(seq); n >= polyAMin && allA(seq[n-polyAMin:]) {
		c.clipped++
		for n > 0 && seq[n-1] == 'A' {
			n--
		}
		seq = seq[:n]
	}
	return seq
}

func allA(b []byte) bool {
	for _, c := range b {
		if c != 'A' {
			return false
		}
	}
	return true
}

// Build reads the targets from the FASTA files (plain or gzip) and builds
// the index. Work stops early when ctx is cancelled.
func Build(ctx context.Context, files []string, opt BuildOptions) (*Index, error) {
	s, err := kmer.NewShape(opt.K)
	if err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	// The builder's big arrays hold no pointers, so collecting garbage
	// often costs little, and a heap allowed to grow to twice its live
	// size (the default) would double peak memory.
	defer debug.SetGCPercent(debug.SetGCPercent(25))
	if opt.MaxMemory > 0 {
		// Let the collector work harder rather than exceed the budget; the
		// Go heap gets the budget less 16 MiB for the program's code,
		// stacks and the runtime's own structures, which count in the
		// process's memory too.
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(max(opt.MaxMemory-16<<20, 1<<20)))
	}
	if len(files) == 0 {
		return nil, errors.New("index: no FASTA file given")
	}
	logf := func(format string, args ...any) {
		if opt.Log != nil {
			fmt.Fprintf(opt.Log, format, args...)
		}
	}
	logf("\n")
	for _, f := range files {
		logf("[build] loading fasta file %s\n", f)
	}
	logf("[build] k-mer length: %d\n", opt.K)

	x := &Index{Shape: s, txc: &txCache{}}
	cl := &cleaner{rng: mt19937.New(replacementSeed)}
	var in debruijn.Input
	seen := make(map[string]string) // name -> where first seen
	opt.Progress.Begin("[build] reading")
	for _, path := range files {
		if err := readTargets(path, x, cl, &in, seen, opt); err != nil {
			opt.Progress.Clear()
			return nil, err
		}
	}
	opt.Progress.Clear()
	if cl.clipped > 0 {
		logf("[build] warning: clipped off poly-A tail (longer than 10)\n        from %d target sequences\n", cl.clipped)
	}
	if cl.nonACGT > 0 {
		logf("[build] warning: replaced %d non-ACGUT characters in the input sequence\n        with pseudorandom nucleotides\n", cl.nonACGT)
	}
	if cl.nU > 0 {
		logf("[build] warning: replaced %d U characters with Ts\n", cl.nU)
	}
	logf("[build] counting k-mers ... ")
	logf("done.\n[build] building target de Bruijn graph ... ")
	dopt := debruijn.Options{Threads: opt.Threads, PassBytes: passBytes(opt.MaxMemory), TempDir: opt.TempDir, MaxMemory: opt.MaxMemory}
	if opt.Verbose {
		dopt.Log = opt.Log
	}
	g, err := debruijn.Build(ctx, &in, s, dopt)
	if err != nil {
		logf("\n") // end the progress line before the caller prints the error
		return nil, fmt.Errorf("index: %w", err)
	}
	logf(" done \n[build] creating equivalence classes ...  done\n")
	x.fromGraph(g)
	x.buildAdjacency(opt.Threads)
	logf("[build] target de Bruijn graph has %d contigs and contains %d k-mers \n", x.NumContigs(), x.NumKmers())
	return x, nil
}

// passBytes sizes the graph builder's in-memory gathering from the memory
// budget: a quarter of it, the rest being held by the dictionary, the
// transcripts and the contigs (above it, k-mers are spilled to disk).
// Without a budget, the builder's default.
func passBytes(budget int64) int64 {
	if budget <= 0 {
		return 0
	}
	return max(budget/4, 16<<20)
}

func readTargets(path string, x *Index, cl *cleaner, in *debruijn.Input, seen map[string]string, opt BuildOptions) error {
	f, err := zio.Open(path)
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	defer f.Close()
	r := fasta.NewReader(f, path)
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err // "fasta: FILE line N: ..." says all
		}
		name := string(rec.Name)
		where := path + " line " + strconv.Itoa(rec.Line)
		if first, dup := seen[name]; dup {
			if !opt.MakeUnique {
				return fmt.Errorf("index: %s: repeated target name %q (first at %s); run with --make-unique to rename repeats", where, name, first)
			}
			for i := 1; ; i++ {
				cand := name + "_" + strconv.Itoa(i)
				if _, taken := seen[cand]; !taken {
					name = cand
					break
				}
			}
		}
		seen[name] = where
		x.Names = append(x.Names, name)
		x.Lengths = append(x.Lengths, int32(len(rec.Seq)))
		in.Add(cl.clean(rec.Seq))
		if opt.Progress.Due() {
			opt.Progress.Set(fmt.Sprintf("%s: %s targets (%s s)", path, logfmt.Num(int64(len(x.Names))), logfmt.Num(int64(opt.Progress.Elapsed().Seconds()))))
		}
	}
}
