package h5ad

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// python is Debian's interpreter, which has python3-anndata (the python3
// first on PATH may be another one).
const python = "/usr/bin/python3"

func writeFile(t *testing.T, m *Matrix) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "x.h5ad")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(f, m); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

// TestAnndataReads: anndata (python3-anndata) reads the file as the
// matrix that was written, with the barcodes as obs names and the genes
// as var names, indexes named barcode and gene_id; also with no cell.
func TestAnndataReads(t *testing.T) {
	if err := exec.Command(python, "-c", "import anndata").Run(); err != nil {
		t.Skip("python3-anndata not installed for /usr/bin/python3 (apt-get install python3-anndata)")
	}
	m := &Matrix{
		Obs:     []string{"AAACCC", "ACGTAC", "TTTTTT"},
		Var:     []string{"ENSG1", "ENSG2", "ENSG3", "ENSG4"},
		Indptr:  []int32{0, 2, 2, 5},
		Indices: []int32{0, 3, 1, 2, 3},
		Data:    []float32{1, 7, 2, 3.5, 1},
	}
	script := `
import sys, anndata, numpy as np
a = anndata.read_h5ad(sys.argv[1])
print(a.shape[0], a.shape[1])
print(",".join(a.obs_names), ",".join(a.var_names), a.obs.index.name, a.var.index.name)
print(a.X.dtype, type(a.X).__name__)
print(" ".join("%g" % v for v in np.asarray(a.X.todense()).ravel()))
`
	for _, tc := range []struct {
		m    *Matrix
		want string
	}{
		{m, "3 4\nAAACCC,ACGTAC,TTTTTT ENSG1,ENSG2,ENSG3,ENSG4 barcode gene_id\nfloat32 csr_matrix\n1 0 0 7 0 0 0 0 0 2 3.5 1\n"},
		{&Matrix{Var: []string{"G1", "G2"}, Indptr: []int32{0}}, "0 2\n G1,G2 barcode gene_id\nfloat32 csr_matrix\n\n"},
	} {
		out, err := exec.Command(python, "-c", script, writeFile(t, tc.m)).CombinedOutput()
		if err != nil {
			t.Fatalf("anndata: %v\n%s", err, out)
		}
		if got := string(out); !strings.HasSuffix(got, tc.want) {
			t.Errorf("anndata read:\n%s\nwant:\n%s", got, tc.want)
		}
	}
}

// TestH5dumpLayout: h5dump lists the groups, datasets and attributes of
// the layout in the package doc.
func TestH5dumpLayout(t *testing.T) {
	h5dump, err := exec.LookPath("h5dump")
	if err != nil {
		t.Skip("h5dump not installed (apt-get install hdf5-tools)")
	}
	path := writeFile(t, &Matrix{Obs: []string{"A"}, Var: []string{"g"}, Indptr: []int32{0, 1}, Indices: []int32{0}, Data: []float32{4}})
	out, err := exec.Command(h5dump, "-A", path).CombinedOutput()
	if err != nil {
		t.Fatalf("h5dump: %v\n%s", err, out)
	}
	s := string(out)
	for _, want := range []string{
		`GROUP "X"`, `ATTRIBUTE "encoding-type"`, `"csr_matrix"`, `ATTRIBUTE "shape"`, `(0): 1, 1`,
		`DATASET "data"`, `H5T_IEEE_F32LE`, `GROUP "obs"`, `"barcode"`, `ATTRIBUTE "column-order"`,
		`DATASPACE  SIMPLE { ( 0 ) / ( 0 ) }`, `GROUP "uns"`, `"dict"`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("h5dump -A lacks %q:\n%s", want, s)
		}
	}
}

func TestNotCSR(t *testing.T) {
	err := Write(&strings.Builder{}, &Matrix{Obs: []string{"a"}, Indptr: []int32{0}})
	if err == nil {
		t.Error("a matrix without a row start per row was written")
	}
}
