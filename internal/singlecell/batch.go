package singlecell

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gallisto/gallisto/internal/input/lanes"
	"github.com/gallisto/gallisto/internal/input/technology"
	"github.com/gallisto/gallisto/internal/input/zio"
	"github.com/gallisto/gallisto/internal/output/atomicfile"
	"github.com/gallisto/gallisto/internal/output/bus"
	"github.com/gallisto/gallisto/internal/output/logfmt"
)

// Batch mode (kallisto bus -B batch.txt, for Smart-seq2 plates and bulk
// samples): the batch file lists one sample per line, "id R1 [R2]"
// (white-space separated; empty lines and lines starting with # skipped),
// all single-end or all paired as the first line is. Each sample is one
// read group; its reads are pseudoaligned unstranded unless a strand is
// given, and output.bus holds one record per sample and class: barcode =
// the sample's number (0-based, as a 16-base barcode), no UMI, count = the
// sample's reads in the class, as kallisto 0.48's writeBUSMatrix writes
// them. matrix.cells lists the sample ids, matrix.barcodes their
// barcodes. (kallisto also writes index.saved, a copy of its index for
// `kallisto quant-tcc`; gallisto has no quant-tcc, so it does not.)

// fakeBarcodeLen is kallisto's BUSFORMAT_FAKE_BARCODE_LEN.
const fakeBarcodeLen = 16

// batchSample is one line of a batch file.
type batchSample struct {
	id    string
	files []string
}

// readBatchFile parses a batch file.
func readBatchFile(path string) ([]batchSample, bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, fmt.Errorf("batch file %s: %w", path, err)
	}
	defer f.Close()
	var out []batchSample
	paired := false
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		fs := strings.Fields(sc.Text())
		if len(fs) == 0 || strings.HasPrefix(fs[0], "#") {
			continue
		}
		if len(fs) < 2 || len(fs) > 3 {
			return nil, false, fmt.Errorf("batch file %s line %d: want \"id R1\" or \"id R1 R2\", got %d fields", path, line, len(fs))
		}
		if len(out) == 0 {
			paired = len(fs) == 3
		} else if (len(fs) == 3) != paired {
			return nil, false, fmt.Errorf("batch file %s line %d: %d files, but the first sample has %d (all single-end or all paired)", path, line, len(fs)-1, 1+b2i(paired))
		}
		for _, rf := range fs[1:] {
			if err := zio.Check(rf, "read file"); err != nil {
				return nil, false, fmt.Errorf("batch file %s line %d: %w", path, line, err)
			}
		}
		out = append(out, batchSample{id: fs[0], files: fs[1:]})
	}
	if err := sc.Err(); err != nil {
		return nil, false, fmt.Errorf("batch file %s line %d: %w", path, line+1, err)
	}
	if len(out) == 0 {
		return nil, false, fmt.Errorf("batch file %s lists no sample", path)
	}
	return out, paired, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// runBatch is bus -B.
func runBatch(ctx context.Context, o *Options) error {
	samples, paired, err := readBatchFile(o.Batch)
	if err != nil {
		return err
	}
	t := technology.Technology{Name: "BATCH", Files: 1, Seq: []technology.Segment{{}}}
	if paired {
		t.Files, t.Paired = 2, true
		t.Seq = append(t.Seq, technology.Segment{File: 1})
	}
	var files []string
	for _, s := range samples {
		files = append(files, s.files...)
	}
	logf(o.Log, "\n[bus] batch mode: %d samples from %s\n", len(samples), o.Batch)
	idx, err := o.loadIndex()
	if err != nil {
		return err
	}
	out, err := atomicfile.OpenDir(o.OutDir)
	if err != nil {
		return err
	}
	defer out.Close()
	for i, s := range samples {
		logf(o.Log, "[quant] will process sample %d (%s): %s\n", i+1, s.id, strings.Join(s.files, "\n                               "))
	}
	type key struct {
		sample uint64
		ec     int32
	}
	counts := map[key]uint32{}
	in := lanes.Groups{Files: files, PerGroup: t.Files, CheckNames: o.NameCheck}
	logf(o.Log, "%s", logfmt.Finding)
	strand := o.Strand // unstranded unless given
	cl, st, err := runSamples(ctx, idx, t, strand, in, o.Threads, o.Progress, func(recs []bus.Record, _ *stats) error {
		for _, r := range recs {
			counts[key{r.Barcode, r.EC}]++
		}
		return nil
	})
	if err != nil {
		logf(o.Log, "\n")
		return err
	}
	logf(o.Log, " done\n[quant] processed %s reads, %s reads pseudoaligned\n", logfmt.Num(st.processed), logfmt.Num(st.aligned))
	if st.aligned == 0 {
		return fmt.Errorf("no reads pseudoaligned (%s); no output written", describe(st))
	}
	keys := make([]key, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].sample != keys[j].sample {
			return keys[i].sample < keys[j].sample
		}
		return keys[i].ec < keys[j].ec
	})
	if err := atomicfile.Write(filepath.Join(o.OutDir, "output.bus"), func(w io.Writer) error {
		b := bus.AppendHeader(nil, bus.Header{BarcodeLen: fakeBarcodeLen, UMILen: 1, Text: bus.KallistoText})
		for _, k := range keys {
			b = bus.AppendRecord(b, bus.Record{Barcode: k.sample, UMI: bus.NoUMI, EC: k.ec, Count: counts[k]})
		}
		_, err := w.Write(b)
		return err
	}); err != nil {
		return err
	}
	var ids, bcs []string
	for i, s := range samples {
		ids = append(ids, s.id)
		bcs = append(bcs, bus.Decode(uint64(i), fakeBarcodeLen))
	}
	for name, lines := range map[string][]string{"matrix.cells": ids, "matrix.barcodes": bcs} {
		if err := atomicfile.Write(filepath.Join(o.OutDir, name), func(w io.Writer) error { return bus.WriteNames(w, lines) }); err != nil {
			return err
		}
	}
	if err := writeClasses(o.OutDir, idx, cl); err != nil {
		return err
	}
	if err := o.writeRunInfo(idx, st, t, nil); err != nil {
		return err
	}
	return out.Commit("run_info.json")
}
