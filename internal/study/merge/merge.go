// Package merge writes the matrices of a study (`gallisto merge`): one
// row per transcript (or gene), one column per sample, and a table of
// per-sample figures. All files are tab-separated with a header line,
// numbers printed as in abundance.tsv (6 significant digits), so a
// transcript's value in a matrix is the text of its sample's
// abundance.tsv:
//
//	transcripts_est_counts.tsv  target_id, then est_counts per sample
//	transcripts_tpm.tsv         target_id, then tpm per sample
//	genes_est_counts.tsv        gene_id, then the sum of its transcripts'
//	genes_tpm.tsv               est_counts / tpm per sample (with a gene
//	                            map; genes in order of first appearance
//	                            in the index, as abundance.genes.tsv)
//	samples.tsv                 one row per sample: the columns of
//	                            SummaryHeader, then the sheet's extra
//	                            columns
//
// Rows are the index's targets in index order; columns the samples in
// the study's order.
package merge

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gallisto/gallisto/internal/estimate/genes"
	"github.com/gallisto/gallisto/internal/output/abundance"
	"github.com/gallisto/gallisto/internal/output/atomicfile"
	"github.com/gallisto/gallisto/internal/study"
)

// SummaryHeader names samples.tsv's fixed columns.
var SummaryHeader = append([]string{"sample", "n_processed", "n_pseudoaligned", "p_pseudoaligned", "n_unique", "p_unique"},
	append(prefixed("unaligned_", study.UnalignedCauses),
		"frag_length_mean", "frag_length_sd", "frag_length_source", "library_strand", "model", "n_bootstraps", "index_version", "folder")...)

func prefixed(p string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = p + n
	}
	return out
}

// Files lists what Write writes, without and with a gene map.
func Files(withGenes bool) []string {
	f := []string{"transcripts_est_counts.tsv", "transcripts_tpm.tsv"}
	if withGenes {
		f = append(f, "genes_est_counts.tsv", "genes_tpm.tsv")
	}
	return append(f, "samples.tsv")
}

// Write writes the study's files into dir, all or nothing; m may be nil
// (no gene matrices). It returns the gene aggregation of the first sample
// (for the caller's warning about unmapped transcripts), or nil.
func Write(dir string, st *study.Study, m *genes.Map) (*genes.Result, error) {
	out, err := atomicfile.OpenDir(dir)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	ids := st.Samples[0].Tab.IDs
	col := func(f func(*abundance.Table) []float64) [][]float64 {
		c := make([][]float64, len(st.Samples))
		for i, s := range st.Samples {
			c[i] = f(s.Tab)
		}
		return c
	}
	counts := col(func(t *abundance.Table) []float64 { return t.EstCounts })
	tpm := col(func(t *abundance.Table) []float64 { return t.TPM })
	if err := writeMatrix(filepath.Join(dir, "transcripts_est_counts.tsv"), "target_id", ids, st, counts); err != nil {
		return nil, err
	}
	if err := writeMatrix(filepath.Join(dir, "transcripts_tpm.tsv"), "target_id", ids, st, tpm); err != nil {
		return nil, err
	}
	var first *genes.Result
	if m != nil {
		gc, gt := make([][]float64, len(st.Samples)), make([][]float64, len(st.Samples))
		var gids []string
		for i, s := range st.Samples {
			t := s.Tab
			r, err := genes.Aggregate(m, t.IDs, t.Lengths, t.EffLens, t.EstCounts, t.TPM)
			if err != nil {
				return nil, err
			}
			if i == 0 {
				first = r
				for _, g := range r.Genes {
					gids = append(gids, g.ID)
				}
			}
			gc[i], gt[i] = make([]float64, len(r.Genes)), make([]float64, len(r.Genes))
			for j, g := range r.Genes {
				gc[i][j], gt[i][j] = g.EstCounts, g.TPM
			}
		}
		if err := writeMatrix(filepath.Join(dir, "genes_est_counts.tsv"), "gene_id", gids, st, gc); err != nil {
			return nil, err
		}
		if err := writeMatrix(filepath.Join(dir, "genes_tpm.tsv"), "gene_id", gids, st, gt); err != nil {
			return nil, err
		}
	}
	if err := atomicfile.Write(filepath.Join(dir, "samples.tsv"), func(w io.Writer) error { return WriteSummary(w, st) }); err != nil {
		return nil, err
	}
	return first, out.Commit("samples.tsv")
}

// writeMatrix writes rows (names) x samples.
func writeMatrix(path, idHeader string, names []string, st *study.Study, cols [][]float64) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		buf := append(make([]byte, 0, 1<<16), idHeader...)
		for _, s := range st.Samples {
			buf = append(append(buf, '\t'), s.Name...)
		}
		buf = append(buf, '\n')
		for r, name := range names {
			buf = append(buf, name...)
			for _, c := range cols {
				buf = abundance.AppendG(append(buf, '\t'), c[r])
			}
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
	})
}

// WriteSummary writes samples.tsv.
func WriteSummary(w io.Writer, st *study.Study) error {
	var b strings.Builder
	b.WriteString(strings.Join(append(append([]string(nil), SummaryHeader...), st.MetaKeys...), "\t"))
	b.WriteByte('\n')
	for _, s := range st.Samples {
		b.WriteString(strings.Join(append(SummaryRow(s), metaRow(s, st.MetaKeys)...), "\t"))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func metaRow(s *study.Sample, keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = s.Meta[k]
	}
	return out
}

// SummaryRow is a sample's values for SummaryHeader ("NA" where a
// kallisto run has no such figure).
func SummaryRow(s *study.Sample) []string {
	in := s.Info
	i64 := func(x int64) string { return strconv.FormatInt(x, 10) }
	f1 := func(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }
	row := []string{s.Name, i64(in.NProcessed), i64(in.NPseudoaligned), f1(in.PPseudoaligned), i64(in.NUnique), f1(in.PUnique)}
	for _, c := range study.UnalignedCauses {
		if v, ok := in.Unaligned[c]; ok {
			row = append(row, i64(v))
		} else {
			row = append(row, na(in.Unaligned == nil, "0"))
		}
	}
	if fl := in.FragmentLength; fl != nil {
		row = append(row, strconv.FormatFloat(fl.Mean, 'f', -1, 64), strconv.FormatFloat(fl.SD, 'f', -1, 64), fl.Source)
	} else {
		row = append(row, "NA", "NA", "NA")
	}
	row = append(row, orNA(s.Strand()), orNA(in.Model), strconv.Itoa(in.NBootstraps), strconv.Itoa(in.IndexVersion), s.Dir)
	return row
}

func na(missing bool, v string) string {
	if missing {
		return "NA"
	}
	return v
}

func orNA(s string) string {
	if s == "" {
		return "NA"
	}
	return s
}

// Describe is the one-line account of a written merge, for the log.
func Describe(st *study.Study, dir string, withGenes bool) string {
	return fmt.Sprintf("[merge] %d samples x %d targets -> %s (%s)", len(st.Samples), len(st.Samples[0].Tab.IDs), dir, strings.Join(Files(withGenes), ", "))
}
