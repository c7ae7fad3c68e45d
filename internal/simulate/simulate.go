// Package simulate makes small synthetic RNA-seq data sets with a known
// answer, for gallisto's demo, tests and soak runs: a transcriptome of
// multi-exon genes whose isoforms share exons, and paired-end reads drawn
// from it with a chosen fragment length distribution, substitution error
// rate and library strandedness. Everything derives from one seed, so a
// data set is reproducible byte for byte.
//
// It is a model for exercising the software, not a realistic simulator
// (see ../shared/bench for RSEM-based simulations with learned error
// profiles).
package simulate

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/klauspost/compress/gzip"
)

// Strandedness of the simulated library.
type Strandedness int

const (
	Unstranded Strandedness = iota
	FR                      // read 1 from the transcript's strand
	RF                      // read 1 from the opposite strand (dUTP)
)

// Transcriptome is a set of transcripts grouped in genes.
type Transcriptome struct {
	Names []string
	Genes []string // gene of each transcript
	Seqs  [][]byte
}

// TranscriptomeOptions shapes a transcriptome.
type TranscriptomeOptions struct {
	Genes            int // number of genes
	MaxIsoforms      int // isoforms per gene, 1..MaxIsoforms
	MinExon, MaxExon int
	ExonsPerGene     int
	Seed             uint64
}

// NewTranscriptome draws a transcriptome: each gene has ExonsPerGene random
// exons and up to MaxIsoforms distinct isoforms, each an ordered, non-empty
// subset of the exons (the first isoform uses them all).
func NewTranscriptome(o TranscriptomeOptions) *Transcriptome {
	r := rand.New(rand.NewPCG(o.Seed, 0x7a1))
	t := &Transcriptome{}
	for g := 0; g < o.Genes; g++ {
		exons := make([][]byte, o.ExonsPerGene)
		for e := range exons {
			exons[e] = randomDNA(r, o.MinExon+r.IntN(o.MaxExon-o.MinExon+1))
		}
		gene := fmt.Sprintf("GENE%05d", g+1)
		seen := map[string]bool{}
		niso := 1 + r.IntN(o.MaxIsoforms)
		for i := 0; i < niso; i++ {
			var seq []byte
			for e := range exons {
				if i == 0 || r.IntN(3) > 0 {
					seq = append(seq, exons[e]...)
				}
			}
			if len(seq) == 0 || seen[string(seq)] {
				continue
			}
			seen[string(seq)] = true
			t.Names = append(t.Names, fmt.Sprintf("%s-T%d", gene, len(seen)))
			t.Genes = append(t.Genes, gene)
			t.Seqs = append(t.Seqs, seq)
		}
	}
	return t
}

func randomDNA(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = "ACGT"[r.IntN(4)]
	}
	return b
}

// WriteFASTA writes the transcripts, 60 bases per line.
func (t *Transcriptome) WriteFASTA(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for i, s := range t.Seqs {
		fmt.Fprintf(bw, ">%s gene:%s\n", t.Names[i], t.Genes[i])
		for j := 0; j < len(s); j += 60 {
			bw.Write(s[j:min(j+60, len(s))])
			bw.WriteByte('\n')
		}
	}
	return bw.Flush()
}

// ReadOptions shapes a read set.
type ReadOptions struct {
	Pairs         int
	ReadLen       int
	FragMean      float64
	FragSD        float64
	ErrorRate     float64 // per-base substitution probability
	Strand        Strandedness
	Seed          uint64
	ExpressedFrac float64 // fraction of transcripts with non-zero abundance
}

// Reads draws paired reads and returns the true number of fragments per
// transcript. Reads are written as FASTQ to r1 and r2 (gzip-compressed
// when gz is true).
func (t *Transcriptome) Reads(o ReadOptions, r1, r2 io.Writer, gz bool) ([]int64, error) {
	r := rand.New(rand.NewPCG(o.Seed, 0x5eed))
	// Abundances: log-normal over expressed transcripts, weighted by length
	// so that counts follow abundance x length.
	weights := make([]float64, len(t.Seqs))
	total := 0.0
	for i, s := range t.Seqs {
		if len(s) < o.ReadLen || r.Float64() >= o.ExpressedFrac {
			continue
		}
		weights[i] = math.Exp(r.NormFloat64()*1.5) * float64(len(s))
		total += weights[i]
	}
	if total == 0 {
		return nil, fmt.Errorf("simulate: no transcript is long enough for %d-base reads", o.ReadLen)
	}
	cum := make([]float64, len(weights))
	acc := 0.0
	for i, w := range weights {
		acc += w / total
		cum[i] = acc
	}
	out1, close1 := writer(r1, gz)
	out2, close2 := writer(r2, gz)
	truth := make([]int64, len(t.Seqs))
	qual := make([]byte, o.ReadLen)
	for i := range qual {
		qual[i] = 'I'
	}
	m1, m2 := make([]byte, o.ReadLen), make([]byte, o.ReadLen)
	for p := 0; p < o.Pairs; p++ {
		tr, _ := slices.BinarySearch(cum, r.Float64())
		tr = min(tr, len(cum)-1)
		for weights[tr] == 0 { // guard against rounding at the top end
			tr--
		}
		seq := t.Seqs[tr]
		fl := int(math.Round(o.FragMean + o.FragSD*r.NormFloat64()))
		fl = max(o.ReadLen, min(fl, len(seq)))
		start := r.IntN(len(seq) - fl + 1)
		frag := seq[start : start+fl]
		copy(m1, frag[:o.ReadLen])
		revcompInto(m2, frag[fl-o.ReadLen:])
		switch o.Strand {
		case RF:
			m1, m2 = m2, m1
		case Unstranded:
			if r.IntN(2) == 1 {
				m1, m2 = m2, m1
			}
		}
		mutate(r, m1, o.ErrorRate)
		mutate(r, m2, o.ErrorRate)
		truth[tr]++
		name := "sim" + strconv.Itoa(p+1) + ":" + t.Names[tr] + ":" + strconv.Itoa(start)
		writeRecord(out1, name, "/1", m1, qual)
		writeRecord(out2, name, "/2", m2, qual)
	}
	if err := close1(); err != nil {
		return nil, err
	}
	if err := close2(); err != nil {
		return nil, err
	}
	return truth, nil
}

func writer(w io.Writer, gz bool) (*bufio.Writer, func() error) {
	if !gz {
		bw := bufio.NewWriterSize(w, 1<<16)
		return bw, bw.Flush
	}
	zw, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
	bw := bufio.NewWriterSize(zw, 1<<16)
	return bw, func() error {
		if err := bw.Flush(); err != nil {
			return err
		}
		return zw.Close()
	}
}

func writeRecord(w *bufio.Writer, name, mate string, seq, qual []byte) {
	w.WriteByte('@')
	w.WriteString(name)
	w.WriteString(mate)
	w.WriteByte('\n')
	w.Write(seq)
	w.WriteString("\n+\n")
	w.Write(qual)
	w.WriteByte('\n')
}

func revcompInto(dst, src []byte) {
	for i, c := range src {
		var rc byte
		switch c {
		case 'A':
			rc = 'T'
		case 'C':
			rc = 'G'
		case 'G':
			rc = 'C'
		default:
			rc = 'A'
		}
		dst[len(src)-1-i] = rc
	}
}

func mutate(r *rand.Rand, s []byte, rate float64) {
	if rate <= 0 {
		return
	}
	for i := range s {
		if r.Float64() < rate {
			s[i] = "ACGT"[(indexOf(s[i])+1+r.IntN(3))%4]
		}
	}
}

func indexOf(c byte) int {
	switch c {
	case 'C':
		return 1
	case 'G':
		return 2
	case 'T':
		return 3
	}
	return 0
}
