// Package report writes the study report (`gallisto report`): one
// self-contained HTML file for a person to look at, with no network
// access (inline CSS, SVG and a few lines of JavaScript that only add
// tooltips; every chart is drawn without it). It holds, for every sample
// (each named):
//
//   - a table: reads processed, % pseudoaligned, % in one transcript,
//     fragment length mean and sd, library strand (and whether
//     --strand auto chose it), model, the sheet's columns;
//   - reads by outcome (one transcript, several, each cause of not
//     aligning from run_info.json's n_unaligned) and library sizes;
//   - fragment length distributions (run_info.json's hist_10bp);
//   - a sample-to-sample Pearson correlation heatmap of log2(TPM + 1)
//     over the transcripts expressed in any sample;
//   - a PCA of log2(TPM + 1) on the 500 most variable transcripts (genes,
//     with a gene map), as DESeq2's plotPCA chooses them, coloured by the
//     sheet's first extra column;
//   - the most expressed transcripts (and genes) by mean TPM.
//
// The layout is one column, readable from 1200 pixels wide, and prints on
// A4 (charts keep their proportions; sections do not split).
package report

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/gallisto/gallisto/internal/estimate/genes"
	"github.com/gallisto/gallisto/internal/study"
)

// Options are the report's inputs beyond the samples.
type Options struct {
	GeneMap *genes.Map // nil: no gene sections
	Title   string
	Now     time.Time // the date printed; zero leaves it out (tests)
	Version string    // gallisto's version, printed in the footer
}

// topN is the length of the most-expressed tables.
const topN = 25

// page is what the template fills in.
type page struct {
	Title, Generated, Version string
	Samples                   []sampleRow
	MetaKeys                  []string
	NTargets, NGenes          int
	Indexes, Models           string
	Mapping, Sizes, FLD       template.HTML
	FLDShown                  int
	Heatmap, PCA              template.HTML
	HeatLow, HeatHigh         string
	PCAOn                     string
	TopTx, TopGenes           []topRow
	CorrJSON                  template.JS
}

type sampleRow struct {
	Name, Processed, Aligned, Unique, Frag, Strand, Model string
	Meta                                                  []string
	StrandClass                                           string
}

// Write writes the report of st to w.
func Write(w io.Writer, st *study.Study, o Options) error {
	p, err := build(st, o)
	if err != nil {
		return err
	}
	return pageTemplate.Execute(w, p)
}

func build(st *study.Study, o Options) (*page, error) {
	p := &page{Title: o.Title, Version: o.Version, MetaKeys: st.MetaKeys, NTargets: len(st.Samples[0].Tab.IDs)}
	if p.Title == "" {
		p.Title = fmt.Sprintf("gallisto report: %d samples", len(st.Samples))
	}
	if !o.Now.IsZero() {
		p.Generated = o.Now.Format("2006-01-02 15:04 MST")
	}
	idx, models := map[string]bool{}, map[string]bool{}
	for _, s := range st.Samples {
		p.Samples = append(p.Samples, row(s, st.MetaKeys))
		idx[fmt.Sprintf("%s index version %d", versionOf(s), s.Info.IndexVersion)] = true
		models[orDash(s.Info.Model)] = true
	}
	p.Indexes, p.Models = joinKeys(idx), joinKeys(models)
	p.Mapping = template.HTML(mappingChart(st))
	p.Sizes = template.HTML(sizeChart(st))
	fld, shown := fldChart(st)
	p.FLD, p.FLDShown = template.HTML(fld), shown

	tpm := make([][]float64, len(st.Samples))
	for i, s := range st.Samples {
		tpm[i] = s.Tab.TPM
	}
	logTx := logMatrix(tpm)
	corr := correlations(logTx)
	heat, lo, hi := heatmapChart(st, corr)
	p.Heatmap, p.HeatLow, p.HeatHigh = template.HTML(heat), fmt.Sprintf("%.3f", lo), fmt.Sprintf("%.3f", hi)
	p.TopTx = topFeatures(st.Samples[0].Tab.IDs, tpm, topN)
	pcaIn, pcaOn := logTx, "transcripts"
	if o.GeneMap != nil {
		gnames, gtpm, err := geneTPM(st, o.GeneMap)
		if err != nil {
			return nil, err
		}
		p.NGenes = len(gnames)
		p.TopGenes = topFeatures(gnames, gtpm, topN)
		pcaIn, pcaOn = logMatrix(gtpm), "genes"
	}
	coords, frac := pca(pcaIn)
	p.PCA, p.PCAOn = template.HTML(pcaChart(st, coords, frac)), pcaOn
	js, err := corrJSON(st, corr)
	if err != nil {
		return nil, err
	}
	p.CorrJSON = js
	return p, nil
}

func versionOf(s *study.Sample) string {
	if s.Info.GallistoVersion != "" {
		return "gallisto " + s.Info.GallistoVersion
	}
	return "kallisto " + s.Info.KallistoVersion
}

func orDash(s string) string {
	if s == "" {
		return "kallisto (a kallisto run)"
	}
	return s
}

func joinKeys(m map[string]bool) string {
	var k []string
	for x := range m {
		k = append(k, x)
	}
	sort.Strings(k)
	return strings.Join(k, "; ")
}

func row(s *study.Sample, keys []string) sampleRow {
	in := s.Info
	pct := func(a, b int64) string {
		if b == 0 {
			return "–"
		}
		return fmt.Sprintf("%.1f%%", 100*float64(a)/float64(b))
	}
	r := sampleRow{Name: s.Name, Processed: comma(in.NProcessed), Aligned: pct(in.NPseudoaligned, in.NProcessed), Unique: pct(in.NUnique, in.NProcessed),
		Strand: s.Strand(), Model: in.Model, Frag: "–"}
	if fl := in.FragmentLength; fl != nil {
		r.Frag = fmt.Sprintf("%.1f ± %.1f", fl.Mean, fl.SD)
		if fl.Source == "given" {
			r.Frag += " (given)"
		}
	}
	switch {
	case r.Strand == "":
		r.Strand = "–"
	case strings.Contains(r.Strand, "undetermined"):
		r.StrandClass = "warn"
	}
	for _, k := range keys {
		r.Meta = append(r.Meta, s.Meta[k])
	}
	return r
}

// geneTPM sums every sample's TPM to genes.
func geneTPM(st *study.Study, m *genes.Map) ([]string, [][]float64, error) {
	var names []string
	out := make([][]float64, len(st.Samples))
	for i, s := range st.Samples {
		t := s.Tab
		r, err := genes.Aggregate(m, t.IDs, t.Lengths, t.EffLens, t.EstCounts, t.TPM)
		if err != nil {
			return nil, nil, err
		}
		out[i] = make([]float64, len(r.Genes))
		for j, g := range r.Genes {
			if i == 0 {
				names = append(names, g.ID)
			}
			out[i][j] = g.TPM
		}
	}
	return names, out, nil
}

// corrJSON is the data the heatmap tooltip reads.
func corrJSON(st *study.Study, c [][]float64) (template.JS, error) {
	names := make([]string, len(st.Samples))
	for i, s := range st.Samples {
		names[i] = s.Name
	}
	r := make([][]float64, len(c))
	for i := range c {
		r[i] = make([]float64, len(c[i]))
		for j := range c[i] {
			r[i][j] = math.Round(c[i][j]*1e4) / 1e4
		}
	}
	b, err := json.Marshal(map[string]any{"names": names, "r": r})
	if err != nil {
		return "", err
	}
	// inside <script>: keep "</" from closing it
	return template.JS(strings.ReplaceAll(string(b), "</", `<\/`)), nil
}
