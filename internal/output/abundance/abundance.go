// Package abundance writes kallisto's abundance.tsv: a header line
//
//	target_id	length	eff_length	est_counts	tpm
//
// then one line per target in index order, numbers printed as C++'s default
// std::ostream formatting does (printf %g with 6 significant digits; "nan",
// "-nan", "inf" for special values), byte for byte what kallisto 0.48
// writes (src/PlaintextWriter.cpp plaintext_writer). The same layout serves
// bootstrap files (bs_abundance_N.tsv).
package abundance

import (
	"io"
	"math"
	"strconv"
)

// Header is the first line of an abundance file, without the newline.
const Header = "target_id\tlength\teff_length\test_counts\ttpm"

// Table is one abundance file's content. All slices have one entry per target.
type Table struct {
	IDs       []string
	Lengths   []int32
	EffLens   []float64
	EstCounts []float64
	TPM       []float64
}

// Write writes t to w.
func Write(w io.Writer, t *Table) error {
	buf := make([]byte, 0, 1<<16)
	buf = append(buf, Header...)
	buf = append(buf, '\n')
	for i, id := range t.IDs {
		buf = append(buf, id...)
		buf = append(buf, '\t')
		buf = strconv.AppendInt(buf, int64(t.Lengths[i]), 10)
		buf = append(buf, '\t')
		buf = AppendG(buf, t.EffLens[i])
		buf = append(buf, '\t')
		buf = AppendG(buf, t.EstCounts[i])
		buf = append(buf, '\t')
		buf = AppendG(buf, t.TPM[i])
		buf = append(buf, '\n')
		if len(buf) > 1<<15 {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	_, err := w.Write(buf)
	return err
}

// AppendG appends x formatted as C++ std::ostream's default floating-point
// format: %g with precision 6.
func AppendG(dst []byte, x float64) []byte {
	switch {
	case math.IsNaN(x):
		if math.Signbit(x) {
			return append(dst, "-nan"...)
		}
		return append(dst, "nan"...)
	case math.IsInf(x, 1):
		return append(dst, "inf"...)
	case math.IsInf(x, -1):
		return append(dst, "-inf"...)
	}
	return strconv.AppendFloat(dst, x, 'g', 6, 64)
}
