package quant

import (
	"context"
	"fmt"
	"io"
	"math"
	"path/filepath"

	"github.com/gallisto/gallisto/internal/align/pseudo"
	"github.com/gallisto/gallisto/internal/estimate/bias"
	"github.com/gallisto/gallisto/internal/estimate/bootstrap"
	"github.com/gallisto/gallisto/internal/estimate/em"
	"github.com/gallisto/gallisto/internal/estimate/fraglen"
	"github.com/gallisto/gallisto/internal/estimate/genes"
	"github.com/gallisto/gallisto/internal/estimate/strand"
	"github.com/gallisto/gallisto/internal/graph/index"
	"github.com/gallisto/gallisto/internal/output/abundance"
	"github.com/gallisto/gallisto/internal/output/abundanceh5"
	"github.com/gallisto/gallisto/internal/output/atomicfile"
	"github.com/gallisto/gallisto/internal/output/logfmt"
	"github.com/gallisto/gallisto/internal/output/runinfo"
)

// gaussianFLDCount is the number of fragments kallisto spreads over the
// truncated normal it stores as aux/fld when -l and -s are given
// (trunc_gaussian_counts(..., 10000) in src/main.cpp).
const gaussianFLDCount = 10000

// runResult is what the run computed, for the output files.
type runResult struct {
	idx             *index.Index
	c               *counts
	aligned, unique int64
	means           []float64 // per-target mean fragment length
	fldEffLens      []float64 // effective lengths from the FLD (bootstraps)
	effLens         []float64 // final effective lengths (bias-corrected with --bias)
	alpha           []float64
	bias            *bias.Model  // nil without --bias
	strand          *strand.Call // nil without --strand auto
	libStrand       pseudo.Strand
}

// strandName is a strand filter as run_info.json's library_strand names
// it: the one the reads were quantified with (after --strand auto).
func strandName(s pseudo.Strand) string {
	switch s {
	case pseudo.FR:
		return "fr"
	case pseudo.RF:
		return "rf"
	}
	return "unstranded"
}

// fragLenInfo is run_info.json's fragment_length: the distribution the
// effective lengths came from (the mean is the one the log prints).
type fragLenInfo struct {
	Mean   float64 `json:"mean"`
	SD     float64 `json:"sd"`
	Source string  `json:"source"`          // "estimated" (from pairs) or "given" (-l, -s)
	Pairs  int64   `json:"pairs,omitempty"` // pairs the estimate used
	// Hist10 counts the pairs in 10-base bins (0-9, 10-19, ...) up to
	// the last non-empty one; the full histogram is abundance.h5's aux/fld.
	Hist10 []int64 `json:"hist_10bp,omitempty"`
}

// histBin is the bin width of fragment_length.hist_10bp.
const histBin = 10

func (o *Options) fragmentLengthInfo(hist []int64) fragLenInfo {
	if o.FragLen != 0 {
		return fragLenInfo{Mean: o.FragLen, SD: o.FragSD, Source: "given"}
	}
	var n, sum, sq float64
	for l, c := range hist {
		n += float64(c)
		sum += float64(c) * float64(l)
		sq += float64(c) * float64(l) * float64(l)
	}
	info := fragLenInfo{Source: "estimated", Pairs: int64(n)}
	for l, c := range hist {
		if c > 0 {
			for len(info.Hist10) <= l/histBin {
				info.Hist10 = append(info.Hist10, 0)
			}
			info.Hist10[l/histBin] += c
		}
	}
	if n > 0 {
		m := sum / n
		info.Mean = math.Round(m*1000) / 1000
		info.SD = math.Round(math.Sqrt(max(0, sq/n-m*m))*1000) / 1000
	}
	return info
}

// writeOutputs writes abundance.tsv, run_info.json, abundance.genes.tsv
// (with --genemap/--gtf), then runs the bootstraps and writes abundance.h5
// or, with --plaintext, bs_abundance_N.tsv.
func (o *Options) writeOutputs(ctx context.Context, r *runResult) error {
	idx := r.idx
	tpm := em.TPM(r.alpha, r.effLens)
	tab := &abundance.Table{IDs: idx.Names, Lengths: idx.Lengths, EffLens: r.effLens, EstCounts: r.alpha, TPM: tpm}
	if err := atomicfile.Write(filepath.Join(o.OutDir, "abundance.tsv"), func(w io.Writer) error { return abundance.Write(w, tab) }); err != nil {
		return err
	}
	model := o.Model
	if model == "" {
		model = ModelKallisto
	}
	extra := []runinfo.KV{
		{Key: "gallisto_version", Value: GallistoVersion},
		{Key: "model", Value: model},
		{Key: "n_unaligned", Value: reasonMap(r.c, r.c.full != nil)},
	}
	if r.strand != nil {
		extra = append(extra, runinfo.KV{Key: "strand", Value: r.strand.RunInfo()})
	}
	extra = append(extra, runinfo.KV{Key: "library_strand", Value: strandName(r.libStrand)},
		runinfo.KV{Key: "fragment_length", Value: o.fragmentLengthInfo(r.c.fldHist)})
	info := &runinfo.Info{
		NumTargets: idx.NumTargets(), NumBootstraps: o.Bootstraps, NumProcessed: r.c.processed, NumPseudoaligned: r.aligned, NumUnique: r.unique,
		Version: Version, IndexVersion: index.FormatVersion, StartTime: logfmt.Asctime(o.StartTime), Call: o.Call,
		Extra: extra,
	}
	if err := atomicfile.Write(filepath.Join(o.OutDir, "run_info.json"), func(w io.Writer) error { return runinfo.Write(w, info) }); err != nil {
		return err
	}
	if err := o.writeGenes(tab); err != nil {
		return err
	}

	var boots [][]float64
	if o.Bootstraps > 0 {
		var p *em.Problem
		if r.c.full != nil {
			p = r.c.fullProblem(r.fldEffLens)
		} else {
			off, members := r.c.classes()
			p = &em.Problem{NumTargets: idx.NumTargets(), Off: off, Members: members, Counts: r.c.ecCounts, EffLens: r.fldEffLens}
		}
		if !o.Plaintext {
			boots = make([][]float64, o.Bootstraps)
		}
		err := bootstrap.Run(ctx, p, o.Bootstraps, o.Seed, o.Threads, func(b int, alpha []float64) error {
			o.logf("[bstrp] running EM for the bootstrap: %d\r", b+1)
			if !o.Plaintext {
				boots[b] = alpha
				return nil
			}
			// kallisto's bootstrap TSV: the main run's effective lengths.
			t := &abundance.Table{IDs: idx.Names, Lengths: idx.Lengths, EffLens: r.effLens, EstCounts: alpha, TPM: em.TPM(alpha, r.effLens)}
			name := filepath.Join(o.OutDir, fmt.Sprintf("bs_abundance_%d.tsv", b))
			return atomicfile.Write(name, func(w io.Writer) error { return abundance.Write(w, t) })
		})
		if err != nil {
			o.logf("\n")
			return err
		}
		o.logf("\n")
	}
	if o.Plaintext {
		return nil
	}
	h5 := o.h5File(r, boots)
	return atomicfile.Write(filepath.Join(o.OutDir, "abundance.h5"), func(w io.Writer) error { return abundanceh5.Write(w, h5) })
}

// h5File assembles abundance.h5's content as kallisto 0.48 does
// (H5Writer::init and write_main).
func (o *Options) h5File(r *runResult, boots [][]float64) *abundanceh5.File {
	idx := r.idx
	var fld []int32
	if o.FragLen == 0 {
		fld = make([]int32, len(r.c.fldHist))
		for i, n := range r.c.fldHist {
			fld[i] = int32(n)
		}
	} else {
		fld = fraglen.GaussianCounts(o.FragLen, o.FragSD, gaussianFLDCount)
	}
	obs := make([]int32, bias.NumHexamers)
	norm := make([]float64, bias.NumHexamers)
	for i := range obs {
		obs[i], norm[i] = 1, 1 // kallisto's values without --bias
	}
	if r.bias != nil {
		for i, n := range r.bias.Observed() {
			obs[i] = int32(n)
		}
		if e := r.bias.Expected(); e != nil {
			copy(norm, e)
		}
	}
	return &abundanceh5.File{
		IDs:             idx.Names,
		Lengths:         idx.Lengths,
		EffLengths:      r.effLens,
		EstCounts:       r.alpha,
		NumProcessed:    int32(r.c.processed),
		NumBootstrap:    int32(len(boots)),
		Call:            o.Call,
		StartTime:       logfmt.Asctime(o.StartTime),
		IndexVersion:    int32(index.FormatVersion),
		KallistoVersion: Version,
		FLD:             fld,
		BiasObserved:    obs,
		BiasNormalized:  norm,
		Bootstraps:      boots,
	}
}

// writeGenes writes abundance.genes.tsv when a gene map was given.
func (o *Options) writeGenes(tab *abundance.Table) error {
	if err := o.loadGeneMap(); err != nil {
		return err
	}
	if o.genes == nil {
		return nil
	}
	path := o.geneMapPath()
	res, err := genes.Aggregate(o.genes, tab.IDs, tab.Lengths, tab.EffLens, tab.EstCounts, tab.TPM)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if n := len(res.Unmapped); n > 0 {
		o.logf("[genes] warning: %s of %s transcripts are not in %s (first: %s); each is reported as its own gene\n",
			logfmt.Num(int64(n)), logfmt.Num(int64(len(tab.IDs))), path, res.UnmappedSample(3))
	}
	return atomicfile.Write(filepath.Join(o.OutDir, "abundance.genes.tsv"), func(w io.Writer) error { return genes.Write(w, res.Genes) })
}

// newBiasModel prepares --bias: the observed hexamers from the chosen
// collector and the transcript sequences rebuilt from the index.
func newBiasModel(idx *index.Index, means []float64, c *counts, s pseudo.Strand, call *strand.Call) *bias.Model {
	if call != nil {
		s = call.Strand
	}
	return bias.NewModel(bias.TranscriptSeqs(idx), idx.Lengths, means, c.bias, s)
}
