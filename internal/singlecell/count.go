package singlecell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/gallisto/gallisto/internal/estimate/cells"
	"github.com/gallisto/gallisto/internal/input/zio"
	"github.com/gallisto/gallisto/internal/output/atomicfile"
	"github.com/gallisto/gallisto/internal/output/bus"
	"github.com/gallisto/gallisto/internal/output/h5ad"
	"github.com/gallisto/gallisto/internal/output/logfmt"
	"github.com/gallisto/gallisto/internal/output/runinfo"
)

// CountOptions configures count: bus's options and the counting inputs.
type CountOptions struct {
	Options
	Whitelist string // -w: barcodes, plain or gzip
	T2G       string // -g: transcript-to-gene table
	MaxMemory int64  // --max-memory: bytes of records sorted in memory (0: DefaultMaxMemory)
	KeepBus   bool   // --keep-bus: also write the BUS files
}

// DefaultMaxMemory is count's default sorting budget (kb-python gives
// bustools sort 4G; half that fits a laptop beside the index).
const DefaultMaxMemory = 2 << 30

// countResult is what the count sink saw.
type countResult struct {
	inWhitelist, corrected, dropped int64
}

// RunCount pseudoaligns the reads, corrects barcodes against the whitelist,
// sorts and counts molecules per cell and gene, and writes
// counts_unfiltered/cells_x_genes.{mtx,barcodes.txt,genes.txt,h5ad} and
// run_info.json (and with KeepBus output.bus, output.unfiltered.bus,
// matrix.ec, transcripts.txt), all or nothing.
func RunCount(ctx context.Context, o *CountOptions) error {
	t, err := o.Validate()
	var errs []string
	if err != nil {
		errs = append(errs, err.Error())
	}
	for _, f := range []struct{ path, flag, what string }{{o.Whitelist, "-w", "whitelist"}, {o.T2G, "-g", "transcript-to-gene table"}} {
		if f.path == "" {
			errs = append(errs, fmt.Sprintf("missing %s: give one with %s", f.what, f.flag))
		} else if err := zio.Check(f.path, f.what); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "\n"))
	}
	budget := o.MaxMemory
	if budget == 0 {
		budget = DefaultMaxMemory
	}
	// Cheap checks first: whitelist and gene table before any read.
	wl, err := cells.ReadWhitelist(o.Whitelist)
	if err != nil {
		return err
	}
	if n := t.BarcodeLen(); n > 0 && n != wl.Len {
		return fmt.Errorf("whitelist %s has %d-base barcodes, technology %s %d-base ones: is it this technology's whitelist?", o.Whitelist, wl.Len, t.Name, n)
	}
	logf(o.Log, "\n")
	strand := o.strand(t)
	idx, err := o.loadIndex()
	if err != nil {
		return err
	}
	genes, err := cells.ReadGenes(o.T2G, idx.Names)
	if err != nil {
		return err
	}
	logf(o.Log, "[count] %s barcodes in the whitelist, %s genes in %s\n", comma(wl.Size()), comma(len(genes.Names)), o.T2G)
	out, err := atomicfile.OpenDir(o.OutDir)
	if err != nil {
		return err
	}
	defer out.Close()
	countsDir := filepath.Join(o.OutDir, "counts_unfiltered")
	cout, err := atomicfile.OpenDir(countsDir)
	if err != nil {
		return err
	}
	defer cout.Close()
	o.logInputs(t)

	sorter := &cells.Sorter{Dir: o.OutDir, Budget: budget}
	defer sorter.Close()
	var raw *busWriter
	if o.KeepBus {
		f, err := atomicfile.Create(filepath.Join(o.OutDir, "output.bus"))
		if err != nil {
			return err
		}
		defer f.Abort()
		raw = &busWriter{f: f, t: t}
	}
	var res countResult
	logf(o.Log, "%s", logfmt.Finding)
	cl, st, err := run(ctx, idx, t, strand, o.Num, o.groups(t), o.Threads, o.Progress, func(recs []bus.Record, st *stats) error {
		if raw != nil {
			if err := raw.add(recs, st, false); err != nil {
				return err
			}
		}
		for _, r := range recs {
			bc, ok := wl.Correct(r.Barcode)
			switch {
			case !ok:
				res.dropped++
				continue
			case bc == r.Barcode:
				res.inWhitelist++
			default:
				res.corrected++
			}
			r.Barcode = bc
			if err := sorter.Add(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil && raw != nil {
		if err = raw.add(nil, st, true); err == nil {
			err = raw.f.Commit()
		}
	}
	if err != nil {
		logf(o.Log, "\n")
		return err
	}
	logf(o.Log, " done\n[quant] processed %s reads, %s reads pseudoaligned\n", logfmt.Num(st.processed), logfmt.Num(st.aligned))
	if st.aligned == 0 {
		logf(o.Log, "[~warn] no reads pseudoaligned.\n")
		return fmt.Errorf("no reads pseudoaligned (%s); check the technology (-x), the order of the files and the index; no output written", describe(st))
	}
	logf(o.Log, "[count] barcodes: %s records on the whitelist, %s corrected, %s dropped (not within one base of a single whitelist barcode)\n",
		logfmt.Num(res.inWhitelist), logfmt.Num(res.corrected), logfmt.Num(res.dropped))
	if sorter.Spills() > 0 {
		logf(o.Log, "[count] sorted in %d runs spilled to disk (--max-memory %d MiB)\n", sorter.Spills()+1, budget>>20)
	}
	bcLen, _ := headerLens(t, st)
	counter := cells.NewCounter(genes, func(ec int32) []uint32 { return cl.members(int(ec)) }, int(bcLen))
	var sorted *busWriter
	if o.KeepBus {
		f, err := atomicfile.Create(filepath.Join(o.OutDir, "output.unfiltered.bus"))
		if err != nil {
			return err
		}
		defer f.Abort()
		sorted = &busWriter{f: f, t: t}
	}
	var batch []bus.Record
	if err := sorter.Each(func(r bus.Record) error {
		counter.Add(r)
		if sorted != nil {
			batch = append(batch, r)
			if len(batch) == 4096 {
				err := sorted.add(batch, st, true)
				batch = batch[:0]
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if sorted != nil {
		if err := sorted.add(batch, st, true); err != nil {
			return err
		}
		if err := sorted.f.Commit(); err != nil {
			return err
		}
		if err := writeClasses(o.OutDir, idx, cl); err != nil {
			return err
		}
	}
	m := counter.Matrix()
	if err := writeMatrix(countsDir, m); err != nil {
		return err
	}
	perCell := m.GenesPerCell()
	withCounts := 0
	for _, n := range perCell {
		if n > 0 {
			withCounts++
		}
	}
	logf(o.Log, "[count] %s barcodes (%s with counts), %s molecules, %s counted for one gene; median genes per barcode %g\n",
		comma(len(m.Barcodes)), comma(withCounts), logfmt.Num(counter.Molecules), logfmt.Num(counter.Counted), cells.Median(perCell))
	extra := []runinfo.KV{
		{Key: "n_records_on_whitelist", Value: res.inWhitelist},
		{Key: "n_records_corrected", Value: res.corrected},
		{Key: "n_records_dropped", Value: res.dropped},
		{Key: "n_barcodes", Value: len(m.Barcodes)},
		{Key: "n_barcodes_with_counts", Value: withCounts},
		{Key: "n_molecules", Value: counter.Molecules},
		{Key: "n_molecules_counted", Value: counter.Counted},
		{Key: "median_genes_per_barcode", Value: cells.Median(perCell)},
		{Key: "n_genes", Value: len(m.Genes)},
	}
	if err := o.writeRunInfo(idx, st, t, extra); err != nil {
		return err
	}
	if err := cout.Commit(); err != nil {
		return err
	}
	return out.Commit("run_info.json")
}

// writeMatrix writes kb-python's counts_unfiltered files.
func writeMatrix(dir string, m *cells.Matrix) error {
	base := filepath.Join(dir, "cells_x_genes")
	if err := atomicfile.Write(base+".mtx", m.WriteMTX); err != nil {
		return err
	}
	if err := atomicfile.Write(base+".barcodes.txt", func(w io.Writer) error { return bus.WriteNames(w, m.Barcodes) }); err != nil {
		return err
	}
	if err := atomicfile.Write(base+".genes.txt", func(w io.Writer) error { return bus.WriteNames(w, m.Genes) }); err != nil {
		return err
	}
	data := make([]float32, len(m.Data))
	for i, v := range m.Data {
		data[i] = float32(v)
	}
	hm := &h5ad.Matrix{Obs: m.Barcodes, Var: m.Genes, Indptr: m.Indptr, Indices: m.Indices, Data: data}
	return atomicfile.Write(base+".h5ad", func(w io.Writer) error { return h5ad.Write(w, hm) })
}

func comma(n int) string { return logfmt.Num(int64(n)) }
