package abundanceh5

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"

	"github.com/gallisto/gallisto/internal/estimate/em"
	"github.com/gallisto/gallisto/internal/output/abundance"
	"github.com/gallisto/gallisto/internal/output/atomicfile"
	"github.com/gallisto/gallisto/internal/output/runinfo"
)

// Dump writes the plain-text files kallisto 0.48's `h5dump` makes from an
// abundance.h5 (H5Converter in src/H5Writer.cpp) into dir (created if
// needed): abundance.tsv and bs_abundance_N.tsv (TPM recomputed from the
// counts and the file's effective lengths), and a run_info.json rebuilt
// from the aux datasets, with kallisto's quirks: n_pseudoaligned is the sum
// of est_counts rounded, n_unique is -1 and so p_unique prints as -0.0.
// Progress lines go to log (nil for none) in kallisto's words.
//
// The files appear together, run_info.json last, when all are written, or
// not at all (atomicfile.OpenDir): a failed dump leaves an earlier one
// untouched.
func Dump(f *File, dir string, log io.Writer) error {
	out, err := atomicfile.OpenDir(dir)
	if err != nil {
		return err
	}
	defer out.Close()
	logf := func(format string, a ...any) {
		if log != nil {
			fmt.Fprintf(log, format, a...)
		}
	}
	logf("[h5dump] number of targets: %d\n", len(f.IDs))
	logf("[h5dump] number of bootstraps: %d\n", f.NumBootstrap)
	logf("[h5dump] kallisto version: %s\n", f.KallistoVersion)
	logf("[h5dump] index version: %d\n", f.IndexVersion)
	logf("[h5dump] start time: %s\n", f.StartTime)
	logf("[h5dump] shell call: %s\n", f.Call)

	var sum float64
	for _, c := range f.EstCounts {
		sum += c
	}
	info := &runinfo.Info{
		NumTargets:       len(f.IDs),
		NumBootstraps:    int(f.NumBootstrap),
		NumProcessed:     int64(f.NumProcessed),
		NumPseudoaligned: int64(math.Round(sum)),
		NumUnique:        -1,
		Version:          f.KallistoVersion,
		IndexVersion:     int(f.IndexVersion),
		StartTime:        f.StartTime,
		Call:             f.Call,
	}
	if err := atomicfile.Write(filepath.Join(dir, "run_info.json"), func(w io.Writer) error { return runinfo.Write(w, info) }); err != nil {
		return err
	}
	logf("[h5dump] writing abundance file: %s/abundance.tsv\n", dir)
	if err := dumpTSV(f, f.EstCounts, filepath.Join(dir, "abundance.tsv")); err != nil {
		return err
	}
	n := len(f.Bootstraps)
	if n > 0 {
		logf("[h5dump] writing bootstrap abundance files: %s/bs_abundance_*.tsv\n", dir)
	}
	for i, bs := range f.Bootstraps {
		if i%50 == 0 && i > 0 {
			logf("\n")
		}
		logf(".")
		if err := dumpTSV(f, bs, filepath.Join(dir, "bs_abundance_"+strconv.Itoa(i)+".tsv")); err != nil {
			return err
		}
	}
	// kallisto's closing test reads `i-1 % 50 != 0`, that is i != 1: a
	// single bootstrap's dot gets no newline.
	if n > 0 && n != 1 {
		logf("\n")
	}
	return out.Commit("run_info.json")
}

func dumpTSV(f *File, counts []float64, path string) error {
	t := &abundance.Table{IDs: f.IDs, Lengths: f.Lengths, EffLens: f.EffLengths, EstCounts: counts, TPM: em.TPM(counts, f.EffLengths)}
	return atomicfile.Write(path, func(w io.Writer) error { return abundance.Write(w, t) })
}
