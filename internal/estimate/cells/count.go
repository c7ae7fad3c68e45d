package cells

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/gallisto/gallisto/internal/input/zio"
	"github.com/gallisto/gallisto/internal/output/abundance"
	"github.com/gallisto/gallisto/internal/output/bus"
)

// Genes maps the index's transcripts to genes as bustools count reads a
// transcript-to-gene table: the first two white-space separated columns of
// each line (later ones ignored); genes numbered in order of first
// appearance among the lines whose transcript is in the index; a
// transcript listed twice belongs to the later gene.
type Genes struct {
	Names  []string // gene ids, in column order
	OfTx   []int32  // per index transcript: gene, or -1
	Source string
}

// ReadGenes reads a t2g file (plain or gzip) for the index's transcript
// names. A transcript is looked up by its name, then by the part before
// the first '|' (GENCODE FASTA headers). Every transcript of the index
// must be in it: bustools would silently drop the molecules of those that
// are not, so a table that misses some is refused, with their number and
// the first of them.
func ReadGenes(path string, txNames []string) (*Genes, error) {
	f, err := zio.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseGenes(f, path, txNames)
}

func parseGenes(r io.Reader, name string, txNames []string) (*Genes, error) {
	tx := make(map[string]int, 2*len(txNames))
	for i, n := range txNames {
		tx[n] = i
		if short, _, ok := strings.Cut(n, "|"); ok {
			if _, dup := tx[short]; !dup {
				tx[short] = i
			}
		}
	}
	g := &Genes{OfTx: make([]int32, len(txNames)), Source: name}
	for i := range g.OfTx {
		g.OfTx[i] = -1
	}
	ids := map[string]int32{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	line := 0
	for sc.Scan() {
		line++
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if len(f) < 2 {
			return nil, fmt.Errorf("%s line %d: %q: want transcript and gene, white-space separated", name, line, sc.Text())
		}
		t, ok := tx[f[0]]
		if !ok {
			continue // a header, or a transcript of another index: bustools skips it too
		}
		id, ok := ids[f[1]]
		if !ok {
			id = int32(len(g.Names))
			ids[f[1]] = id
			g.Names = append(g.Names, f[1])
		}
		g.OfTx[t] = id
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s line %d: %w", name, line+1, err)
	}
	var missing []string
	for i, gi := range g.OfTx {
		if gi < 0 {
			missing = append(missing, txNames[i])
		}
	}
	switch {
	case len(g.Names) == 0:
		return nil, fmt.Errorf("%s: none of the index's %d transcripts is in it (is it the index's transcript-to-gene table? first transcript of the index: %s)", name, len(txNames), txNames[0])
	case len(missing) > 0:
		return nil, fmt.Errorf("%s: %d of the index's %d transcripts are not in it (first: %s); their molecules would not be counted", name, len(missing), len(txNames), strings.Join(missing[:min(3, len(missing))], ", "))
	}
	return g, nil
}

// Matrix is a cells × genes count matrix in compressed sparse rows.
type Matrix struct {
	Barcodes []string
	Genes    []string
	Indptr   []int32
	Indices  []int32
	Data     []float64
}

// Counter counts molecules per cell and gene from sorted, merged records.
type Counter struct {
	genes   *Genes
	classes func(ec int32) []uint32
	bcLen   int
	ecGenes map[int32][]int32 // memo of ec2genes
	m       Matrix
	// current cell and molecule
	bc, umi uint64
	inCell  bool
	mol     []int32 // the molecule's gene set so far (intersection)
	molAny  bool
	row     map[int32]float64
	// Stats
	Molecules, Counted int64
}

// NewCounter counts into a matrix whose columns are genes; classes gives
// a class's transcripts; bcLen is the barcode length (for the names).
func NewCounter(g *Genes, classes func(ec int32) []uint32, bcLen int) *Counter {
	return &Counter{genes: g, classes: classes, bcLen: bcLen, ecGenes: map[int32][]int32{}, row: map[int32]float64{},
		m: Matrix{Genes: g.Names, Indptr: []int32{0}}}
}

// ecGenesOf is the sorted genes of class ec (bustools' ec2genes).
func (c *Counter) ecGenesOf(ec int32) []int32 {
	if gs, ok := c.ecGenes[ec]; ok {
		return gs
	}
	var gs []int32
	for _, t := range c.classes(ec) {
		if g := c.genes.OfTx[t]; g >= 0 {
			gs = append(gs, g)
		}
	}
	slices.Sort(gs)
	gs = slices.Compact(gs)
	c.ecGenes[ec] = gs
	return gs
}

// Add takes the next record in sort order.
func (c *Counter) Add(r bus.Record) {
	if !c.inCell || r.Barcode != c.bc {
		c.endMolecule()
		c.endCell()
		c.bc, c.umi, c.inCell = r.Barcode, r.UMI, true
	} else if r.UMI != c.umi {
		c.endMolecule()
		c.umi = r.UMI
	}
	gs := c.ecGenesOf(r.EC)
	if !c.molAny {
		c.mol = append(c.mol[:0], gs...)
		c.molAny = true
		return
	}
	c.mol = intersect(c.mol, gs)
}

func intersect(a, b []int32) []int32 {
	out := a[:0]
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case b[j] < a[i]:
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

func (c *Counter) endMolecule() {
	if !c.molAny {
		return
	}
	c.Molecules++
	if len(c.mol) == 1 {
		c.row[c.mol[0]]++
		c.Counted++
	}
	c.molAny = false
}

func (c *Counter) endCell() {
	if !c.inCell {
		return
	}
	cols := make([]int32, 0, len(c.row))
	for g := range c.row {
		cols = append(cols, g)
	}
	slices.Sort(cols)
	for _, g := range cols {
		c.m.Indices = append(c.m.Indices, g)
		c.m.Data = append(c.m.Data, c.row[g])
	}
	clear(c.row)
	c.m.Barcodes = append(c.m.Barcodes, bus.Decode(c.bc, c.bcLen))
	c.m.Indptr = append(c.m.Indptr, int32(len(c.m.Indices)))
	c.inCell = false
}

// Matrix finishes counting and returns the matrix.
func (c *Counter) Matrix() *Matrix {
	c.endMolecule()
	c.endCell()
	return &c.m
}

// mtxHeaderWidth is the width bustools pads the size line to (it writes a
// 66-character placeholder and overwrites it).
const mtxHeaderWidth = 66

// WriteMTX writes the matrix as bustools count does: MatrixMarket
// coordinate real general, a "%" line, the sizes padded to 66 characters,
// then "row col value" per entry, 1-based, by row then column, values as
// C++ prints a double.
func (m *Matrix) WriteMTX(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString("%%MatrixMarket matrix coordinate real general\n%\n")
	size := fmt.Sprintf("%d %d %d", len(m.Barcodes), len(m.Genes), len(m.Data))
	bw.WriteString(size + strings.Repeat(" ", max(0, mtxHeaderWidth-len(size))) + "\n")
	var b []byte
	for row := range m.Barcodes {
		for k := m.Indptr[row]; k < m.Indptr[row+1]; k++ {
			b = fmt.Appendf(b[:0], "%d %d ", row+1, m.Indices[k]+1)
			b = abundance.AppendG(b, m.Data[k])
			b = append(b, '\n')
			bw.Write(b)
		}
	}
	return bw.Flush()
}

// GenesPerCell returns, per cell, the number of genes with a count.
func (m *Matrix) GenesPerCell() []int {
	out := make([]int, len(m.Barcodes))
	for i := range out {
		out[i] = int(m.Indptr[i+1] - m.Indptr[i])
	}
	return out
}

// Median of non-negative integers (0 for none): the middle value, the
// lower middle one for an even count.
func Median(v []int) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	sort.Ints(s)
	if len(s)%2 == 1 {
		return float64(s[len(s)/2])
	}
	return (float64(s[len(s)/2-1]) + float64(s[len(s)/2])) / 2
}
