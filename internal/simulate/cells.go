package simulate

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/gallisto/gallisto/internal/input/technology"
)

// CellOptions shapes a single-cell data set.
type CellOptions struct {
	Tech technology.Technology
	// Barcodes to draw cells from (a whitelist); nil: random barcodes of
	// the technology's length.
	Barcodes []string
	Cells    int
	// MoleculesPerCell is the mean number of captured molecules (UMIs)
	// per cell (log-normal around it); ReadsPerMolecule the mean number
	// of reads of each (1 + Poisson, PCR duplicates).
	MoleculesPerCell int
	ReadsPerMolecule float64
	ReadLen          int     // cDNA read length
	ErrorRate        float64 // per-base substitutions in cDNA reads
	// BarcodeErrors is the fraction of reads with one substituted barcode
	// base (bustools correct fixes those that stay one step from a single
	// whitelist barcode); NoiseReads the fraction of reads from barcodes
	// outside the cells.
	BarcodeErrors, NoiseReads float64
	// ThreePrime draws cDNA fragments from the last 600 bases of a
	// transcript (as 3' protocols do), else from anywhere.
	ThreePrime bool
	Seed       uint64
}

// CellTruth is what a simulated data set holds: the cells' barcodes and,
// per cell, the number of distinct molecules of each gene.
type CellTruth struct {
	Barcodes  []string
	Molecules []map[string]int // per cell: gene -> molecules
	Reads     int
}

// Barcodes returns n distinct random barcodes of length l (a whitelist).
func Barcodes(n, l int, seed uint64) []string {
	r := rand.New(rand.NewPCG(seed, 0xb4c))
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		b := string(randomDNA(r, l))
		if !seen[b] {
			seen[b] = true
			out = append(out, b)
		}
	}
	return out
}

// pieceLen is the length given to an open-ended barcode or UMI segment.
const pieceLen = 8

// segLen is a segment's length when read from a file built by CellReads.
func segLen(g technology.Segment) int {
	if g.Stop == 0 {
		return pieceLen
	}
	return g.Stop - g.Start
}

// CellReads writes the reads of o's technology, one writer per file of a
// read group, and returns the truth. Reads are laid out as the technology
// reads them: barcode and UMI pieces at their segments, cDNA in the
// sequence segment(s) (its strand: the technology's; paired: both mates),
// random bases elsewhere.
func (t *Transcriptome) CellReads(o CellOptions, out []io.Writer, gz bool) (*CellTruth, error) {
	tech := o.Tech
	if len(out) != tech.Files {
		return nil, fmt.Errorf("simulate: technology %s reads %d files, got %d writers", tech.Name, tech.Files, len(out))
	}
	r := rand.New(rand.NewPCG(o.Seed, 0xce11))
	bcLen := 0
	for _, g := range tech.Barcode {
		bcLen += segLen(g)
	}
	truth := &CellTruth{}
	seen := map[string]bool{}
	for len(truth.Barcodes) < o.Cells {
		var bc string
		if o.Barcodes != nil {
			bc = o.Barcodes[r.IntN(len(o.Barcodes))]
		} else {
			bc = string(randomDNA(r, bcLen))
		}
		if len(bc) == bcLen && !seen[bc] {
			seen[bc] = true
			truth.Barcodes = append(truth.Barcodes, bc)
			truth.Molecules = append(truth.Molecules, map[string]int{})
		}
	}
	cum := abundances(r, t, o.ReadLen)
	ws := make([]writerPair, len(out))
	for i, w := range out {
		ws[i].w, ws[i].close = writer(w, gz)
	}
	umiLen := 0
	for _, g := range tech.UMI {
		umiLen += segLen(g)
	}
	n := 0
	for c, bc := range truth.Barcodes {
		mols := max(1, int(float64(o.MoleculesPerCell)*math.Exp(0.5*r.NormFloat64())))
		for m := 0; m < mols; m++ {
			tr, _ := slices.BinarySearch(cum, r.Float64())
			tr = min(tr, len(cum)-1)
			umi := string(randomDNA(r, umiLen))
			truth.Molecules[c][t.Genes[tr]]++
			reads := 1 + poisson(r, o.ReadsPerMolecule-1)
			for k := 0; k < reads; k++ {
				b := bc
				switch x := r.Float64(); {
				case x < o.NoiseReads:
					b = string(randomDNA(r, bcLen))
				case x < o.NoiseReads+o.BarcodeErrors:
					bb := []byte(bc)
					i := r.IntN(len(bb))
					bb[i] = "ACGT"[(indexOf(bb[i])+1+r.IntN(3))%4]
					b = string(bb)
				}
				t.writeCellRead(r, o, ws, n, b, umi, tr)
				n++
			}
		}
	}
	for _, w := range ws {
		if err := w.close(); err != nil {
			return nil, err
		}
	}
	truth.Reads = n
	return truth, nil
}

type writerPair struct {
	w     *bufio.Writer
	close func() error
}

// abundances draws log-normal transcript abundances (every transcript long
// enough for a read is expressed) and their cumulative distribution.
func abundances(r *rand.Rand, t *Transcriptome, readLen int) []float64 {
	w := make([]float64, len(t.Seqs))
	total := 0.0
	for i, s := range t.Seqs {
		if len(s) >= readLen {
			w[i] = math.Exp(1.5 * r.NormFloat64())
			total += w[i]
		}
	}
	cum := make([]float64, len(w))
	acc := 0.0
	for i := range w {
		acc += w[i] / total
		cum[i] = acc
	}
	return cum
}

func poisson(r *rand.Rand, lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// writeCellRead writes read group n: barcode bc and UMI umi in their
// segments, a cDNA fragment of transcript tr in the sequence segment(s).
func (t *Transcriptome) writeCellRead(r *rand.Rand, o CellOptions, ws []writerPair, n int, bc, umi string, tr int) {
	tech := o.Tech
	files := make([][]byte, tech.Files)
	grow := func(f, end int) {
		for len(files[f]) < end {
			files[f] = append(files[f], "ACGT"[r.IntN(4)])
		}
	}
	put := func(segs []technology.Segment, s string) {
		for _, g := range segs {
			l := segLen(g)
			grow(g.File, g.Start+l)
			copy(files[g.File][g.Start:], s[:l])
			s = s[l:]
		}
	}
	put(tech.Barcode, bc)
	put(tech.UMI, umi)
	if tech.Tag != "" {
		g := tech.UMI[0]
		copy(files[g.File][g.Start-len(tech.Tag):], tech.Tag)
	}
	seq := t.Seqs[tr]
	fl := min(len(seq), o.ReadLen+100+r.IntN(200))
	lo := 0
	if o.ThreePrime {
		lo = max(0, len(seq)-600)
	}
	start := lo + r.IntN(max(1, len(seq)-fl-lo+1))
	frag := seq[start : start+fl]
	mate1 := append([]byte(nil), frag[:min(o.ReadLen, len(frag))]...)
	mate2 := make([]byte, min(o.ReadLen, len(frag)))
	revcompInto(mate2, frag[len(frag)-len(mate2):])
	if tech.Strand == 0 && r.IntN(2) == 1 { // unstranded: either strand
		mate1, mate2 = mate2, mate1
	}
	mutate(r, mate1, o.ErrorRate)
	mutate(r, mate2, o.ErrorRate)
	for i, g := range tech.Seq {
		m := mate1
		if tech.Paired && i == 1 {
			m = mate2
		}
		grow(g.File, g.Start)
		files[g.File] = append(files[g.File][:g.Start], m...)
		if !tech.Paired {
			break // one cDNA segment is enough for the layouts simulated
		}
	}
	name := "cell" + strconv.Itoa(n+1)
	for f, s := range files {
		if len(s) == 0 {
			s = []byte("A")
		}
		q := make([]byte, len(s))
		for i := range q {
			q[i] = 'I'
		}
		writeRecord(ws[f].w, name, "", s, q)
	}
}
