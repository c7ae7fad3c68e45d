// Package abundanceh5 writes and reads kallisto's abundance.h5, the HDF5
// file that `kallisto quant` writes next to abundance.tsv and that sleuth
// and tximport (type = "kallisto") read.
//
// The layout is kallisto 0.48's (src/H5Writer.cpp, src/h5utils.cpp):
//
//	/est_counts              float64 {N}   EM estimated counts
//	/aux/ids                 string  {N}   target names
//	/aux/lengths             int32   {N}   target lengths
//	/aux/eff_lengths         float64 {N}   effective lengths
//	/aux/num_processed       int32   {1}
//	/aux/num_bootstrap       int32   {1}
//	/aux/call                string  {1}   the command line
//	/aux/start_time          string  {1}   e.g. "Thu Nov 26 23:20:50 2026"
//	/aux/index_version       int32   {1}
//	/aux/kallisto_version    string  {1}   e.g. "0.48.0"
//	/aux/fld                 int32   {1000} fragment length distribution
//	/aux/bias_observed       int32   {4096} observed hexamer counts
//	/aux/bias_normalized     float64 {4096} normalized bias weights
//	/bootstrap/bs0 ...       float64 {N}   one per bootstrap; the group
//	                                       exists only if num_bootstrap > 0
//
// Every dataset is one-dimensional and stored as a single chunk holding the
// whole vector, compressed with deflate level 6. Strings are fixed-length
// ASCII, NUL-terminated, of size longest + 1; integers are little-endian
// int32 (H5T_NATIVE_INT), floats little-endian float64. There is no tpm
// dataset: readers compute TPM from est_counts and eff_lengths.
//
// A vector of length 0 (N = 0 targets, or an empty FLD or bias vector)
// cannot be chunked; kallisto's writer fails on it. [Write] stores it as an
// empty contiguous dataset instead, which h5py, rhdf5 and [Read] read as a
// zero-length vector.
//
// The HDF5 encoding itself is package github.com/gallisto/gallisto/hdf5.
package abundanceh5

import (
	"fmt"
	"io"
	"strconv"

	"github.com/gallisto/gallisto/internal/output/hdf5"
)

// File is the content of an abundance.h5 file.
type File struct {
	IDs             []string    // /aux/ids
	Lengths         []int32     // /aux/lengths
	EffLengths      []float64   // /aux/eff_lengths
	EstCounts       []float64   // /est_counts
	NumProcessed    int32       // /aux/num_processed
	NumBootstrap    int32       // /aux/num_bootstrap; must equal len(Bootstraps)
	Call            string      // /aux/call
	StartTime       string      // /aux/start_time
	IndexVersion    int32       // /aux/index_version
	KallistoVersion string      // /aux/kallisto_version
	FLD             []int32     // /aux/fld (1000 values in kallisto)
	BiasObserved    []int32     // /aux/bias_observed (4096 in kallisto)
	BiasNormalized  []float64   // /aux/bias_normalized (4096 in kallisto)
	Bootstraps      [][]float64 // /bootstrap/bs0, bs1, ... (group only when non-empty)
}

// Write writes f to w as an HDF5 file in kallisto's layout. Pass an
// *os.File to have bootstraps compressed straight to disk; write to a
// temporary file and rename it for atomicity. Write checks that the
// per-target vectors have equal lengths and that NumBootstrap matches
// Bootstraps.
func Write(w io.Writer, f *File) error {
	n := len(f.IDs)
	for _, v := range []struct {
		name string
		len  int
	}{{"lengths", len(f.Lengths)}, {"eff_lengths", len(f.EffLengths)}, {"est_counts", len(f.EstCounts)}} {
		if v.len != n {
			return fmt.Errorf("abundanceh5: %s has %d values for %d target ids", v.name, v.len, n)
		}
	}
	if int(f.NumBootstrap) != len(f.Bootstraps) {
		return fmt.Errorf("abundanceh5: num_bootstrap is %d but %d bootstraps are given", f.NumBootstrap, len(f.Bootstraps))
	}
	for i, bs := range f.Bootstraps {
		if len(bs) != n {
			return fmt.Errorf("abundanceh5: bootstrap %d has %d values for %d target ids", i, len(bs), n)
		}
	}
	root := &hdf5.Group{}
	aux := root.AddGroup("aux")
	aux.AddInt32s("num_bootstrap", []int32{f.NumBootstrap})
	aux.AddInt32s("num_processed", []int32{f.NumProcessed})
	aux.AddInt32s("fld", f.FLD)
	aux.AddInt32s("bias_observed", f.BiasObserved)
	aux.AddFloat64s("bias_normalized", f.BiasNormalized)
	aux.AddStrings("kallisto_version", []string{f.KallistoVersion})
	aux.AddInt32s("index_version", []int32{f.IndexVersion})
	aux.AddStrings("call", []string{f.Call})
	aux.AddStrings("start_time", []string{f.StartTime})
	aux.AddStrings("ids", f.IDs)
	aux.AddFloat64s("eff_lengths", f.EffLengths)
	aux.AddInt32s("lengths", f.Lengths)
	root.AddFloat64s("est_counts", f.EstCounts)
	if len(f.Bootstraps) > 0 {
		bs := root.AddGroup("bootstrap")
		for i, v := range f.Bootstraps {
			bs.AddFloat64s("bs"+strconv.Itoa(i), v)
		}
	}
	if err := hdf5.Write(w, root); err != nil {
		return fmt.Errorf("abundanceh5: %w", err)
	}
	return nil
}

// Read reads an abundance.h5 of size bytes from r: one written by [Write]
// or by kallisto (libhdf5). Datasets the layout does not name are ignored;
// a missing or mistyped one is an error naming its path.
func Read(r io.ReaderAt, size int64) (*File, error) {
	root, err := hdf5.Read(r, size)
	if err != nil {
		return nil, fmt.Errorf("abundanceh5: %w", err)
	}
	rd := reader{root: root}
	f := &File{
		IDs:             rd.strings("aux/ids"),
		Lengths:         rd.int32s("aux/lengths"),
		EffLengths:      rd.float64s("aux/eff_lengths"),
		EstCounts:       rd.float64s("est_counts"),
		NumProcessed:    rd.int32("aux/num_processed"),
		NumBootstrap:    rd.int32("aux/num_bootstrap"),
		Call:            rd.string("aux/call"),
		StartTime:       rd.string("aux/start_time"),
		IndexVersion:    rd.int32("aux/index_version"),
		KallistoVersion: rd.string("aux/kallisto_version"),
		FLD:             rd.int32s("aux/fld"),
		BiasObserved:    rd.int32s("aux/bias_observed"),
		BiasNormalized:  rd.float64s("aux/bias_normalized"),
	}
	if rd.err != nil {
		return nil, rd.err
	}
	n := len(f.IDs)
	for _, v := range []struct {
		name string
		len  int
	}{{"/aux/lengths", len(f.Lengths)}, {"/aux/eff_lengths", len(f.EffLengths)}, {"/est_counts", len(f.EstCounts)}} {
		if v.len != n {
			return nil, fmt.Errorf("abundanceh5: %s has %d values for %d target ids", v.name, v.len, n)
		}
	}
	if f.NumBootstrap < 0 {
		return nil, fmt.Errorf("abundanceh5: /aux/num_bootstrap is negative (%d)", f.NumBootstrap)
	}
	for i := range int(f.NumBootstrap) {
		path := "bootstrap/bs" + strconv.Itoa(i)
		v := rd.float64s(path)
		if rd.err != nil {
			return nil, rd.err
		}
		if len(v) != n {
			return nil, fmt.Errorf("abundanceh5: /%s has %d values for %d target ids", path, len(v), n)
		}
		f.Bootstraps = append(f.Bootstraps, v)
	}
	return f, nil
}

// reader looks datasets up by path and keeps the first error.
type reader struct {
	root *hdf5.Group
	err  error
}

func (r *reader) get(path string, t hdf5.Type) *hdf5.Dataset {
	if r.err != nil {
		return nil
	}
	d := r.root.Dataset(path)
	switch {
	case d == nil:
		r.err = fmt.Errorf("abundanceh5: no dataset /%s", path)
	case d.Type != t:
		r.err = fmt.Errorf("abundanceh5: /%s is %v, want %v", path, d.Type, t)
	default:
		return d
	}
	return nil
}

func (r *reader) int32s(path string) []int32 {
	if d := r.get(path, hdf5.Int32); d != nil {
		return d.Int32s
	}
	return nil
}

func (r *reader) float64s(path string) []float64 {
	if d := r.get(path, hdf5.Float64); d != nil {
		return d.Float64s
	}
	return nil
}

func (r *reader) strings(path string) []string {
	if d := r.get(path, hdf5.String); d != nil {
		return d.Strings
	}
	return nil
}

// one checks that a scalar-valued dataset has exactly one element.
func (r *reader) one(path string, n int) bool {
	if r.err == nil && n != 1 {
		r.err = fmt.Errorf("abundanceh5: /%s has %d values, want 1", path, n)
	}
	return r.err == nil
}

func (r *reader) int32(path string) int32 {
	if v := r.int32s(path); r.one(path, len(v)) {
		return v[0]
	}
	return 0
}

func (r *reader) string(path string) string {
	if v := r.strings(path); r.one(path, len(v)) {
		return v[0]
	}
	return ""
}
