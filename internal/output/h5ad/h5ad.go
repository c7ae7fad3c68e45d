// Package h5ad writes a cells × genes count matrix as an AnnData file
// (.h5ad), in the layout anndata 0.8 writes and reads
// (anndata/_io/specs/methods.py at tag 0.8.0; what kb-python 0.27's
// `kb count --h5ad` produces), through the project's own HDF5 writer:
//
//	/            encoding-type "anndata", encoding-version "0.1.0"
//	/X           encoding-type "csr_matrix", encoding-version "0.1.0",
//	             shape [n_obs, n_var]
//	/X/data      float32 (anndata 0.8 casts kb's matrices to float32)
//	/X/indices   int32, the column (gene) of each entry, 0-based
//	/X/indptr    int32, n_obs+1 row starts
//	/obs         encoding-type "dataframe", encoding-version "0.2.0",
//	             _index "barcode", column-order [] (no columns)
//	/obs/barcode the barcodes, encoding-type "string-array" 0.2.0
//	/var         the same with _index "gene_id" and /var/gene_id
//	/layers /obsm /obsp /uns /varm /varp   empty, encoding-type "dict" 0.1.0
//
// Strings are fixed-length ASCII, attributes and datasets alike (anndata
// 0.8 reads those as it reads h5py's variable-length UTF-8 ones); kb's
// categorical var/gene_name column is not written.
package h5ad

import (
	"fmt"
	"io"
	"math"

	"github.com/gallisto/gallisto/internal/output/hdf5"
)

// Matrix is a compressed sparse row matrix with named rows and columns.
type Matrix struct {
	Obs, Var []string // row (cell barcode) and column (gene) names
	Indptr   []int32  // len(Obs)+1
	Indices  []int32
	Data     []float32
}

func encoding(typ, version string) []hdf5.Attribute {
	return []hdf5.Attribute{hdf5.StringAttr("encoding-type", typ), hdf5.StringAttr("encoding-version", version)}
}

// Write writes m as an .h5ad file to w.
func Write(w io.Writer, m *Matrix) error {
	if len(m.Indptr) != len(m.Obs)+1 || len(m.Indices) != len(m.Data) || int(m.Indptr[len(m.Obs)]) != len(m.Data) {
		return fmt.Errorf("h5ad: %d rows, %d row starts, %d indices, %d values: not a CSR matrix", len(m.Obs), len(m.Indptr), len(m.Indices), len(m.Data))
	}
	if len(m.Obs) > math.MaxInt32 || len(m.Var) > math.MaxInt32 {
		return fmt.Errorf("h5ad: %d × %d is too large", len(m.Obs), len(m.Var))
	}
	root := &hdf5.Group{Attrs: encoding("anndata", "0.1.0")}
	x := root.AddGroup("X")
	x.Attrs = append(encoding("csr_matrix", "0.1.0"),
		hdf5.Attribute{Name: "shape", Type: hdf5.Int32, Int32s: []int32{int32(len(m.Obs)), int32(len(m.Var))}})
	x.Datasets = append(x.Datasets,
		&hdf5.Dataset{Name: "data", Type: hdf5.Float32, Float32s: nonNil32(m.Data)},
		&hdf5.Dataset{Name: "indices", Type: hdf5.Int32, Int32s: nonNilI(m.Indices)},
		&hdf5.Dataset{Name: "indptr", Type: hdf5.Int32, Int32s: m.Indptr})
	frame := func(name, index string, values []string) {
		g := root.AddGroup(name)
		g.Attrs = append(encoding("dataframe", "0.2.0"),
			hdf5.StringAttr("_index", index),
			hdf5.Attribute{Name: "column-order", Type: hdf5.Float64, Float64s: []float64{}})
		g.Datasets = append(g.Datasets, &hdf5.Dataset{Name: index, Type: hdf5.String, Strings: nonNilS(values), Attrs: encoding("string-array", "0.2.0")})
	}
	frame("obs", "barcode", m.Obs)
	frame("var", "gene_id", m.Var)
	for _, name := range []string{"layers", "obsm", "obsp", "uns", "varm", "varp"} {
		root.AddGroup(name).Attrs = encoding("dict", "0.1.0")
	}
	return hdf5.Write(w, root)
}

func nonNil32(v []float32) []float32 {
	if v == nil {
		return []float32{}
	}
	return v
}

func nonNilI(v []int32) []int32 {
	if v == nil {
		return []int32{}
	}
	return v
}

func nonNilS(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}
