package hdf5_test

// Tests that check files written by this package with the HDF Group's own
// tools (h5dump, h5ls; Debian hdf5-tools) and with h5py (python3-h5py).
// Each skips when its tool is not installed.

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gallisto/gallisto/internal/output/hdf5"
	"github.com/gallisto/gallisto/internal/output/hdf5/hdf5test"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func writeTemp(t *testing.T, g *hdf5.Group) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sample.h5")
	hdf5test.WriteFileOrFail(t, path, write(t, g))
	return path
}

// TestH5dumpStructure compares `h5dump -p -H` of the sample file with a
// golden listing (go test -update rewrites it) and spot-checks the
// properties kallisto's layout needs.
func TestH5dumpStructure(t *testing.T) {
	h5dump := hdf5test.Tool(t, "h5dump")
	path := writeTemp(t, sample())
	got := hdf5test.NormalizeHeader(hdf5test.Run(t, h5dump, "-p", "-H", path))
	golden := filepath.Join(goldenDir, "sample-h5dump-p-H.txt")
	if *update {
		if err := os.MkdirAll(goldenDir, 0o755); err != nil {
			t.Fatal(err)
		}
		hdf5test.WriteFileOrFail(t, golden, []byte(got))
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("h5dump -p -H differs from %s (-want +got):\n%s", golden, diff)
	}
	for _, s := range []string{
		"DATATYPE  H5T_STD_I32LE", "DATATYPE  H5T_IEEE_F64LE",
		"STRSIZE 18;", "STRPAD H5T_STR_NULLTERM;", "CSET H5T_CSET_ASCII;", "CTYPE H5T_C_S1;",
		"CHUNKED ( 6 )", "COMPRESSION DEFLATE { LEVEL 6 }", "DATASPACE  SIMPLE { ( 0 ) / ( 0 ) }",
	} {
		if !strings.Contains(got, s) {
			t.Errorf("h5dump -p -H output lacks %q", s)
		}
	}
}

// TestH5dumpValues checks that h5dump reads back every value written.
func TestH5dumpValues(t *testing.T) {
	h5dump := hdf5test.Tool(t, "h5dump")
	root := sample()
	path := writeTemp(t, root)
	want := map[string]*hdf5test.Dump{}
	for p, d := range flatten(root, "", nil) {
		want[p] = asDump(d)
	}
	got, err := hdf5test.ParseDump(strings.NewReader(hdf5test.Run(t, h5dump, "-y", "-m", "%.17g", path)))
	if err != nil {
		t.Fatal(err)
	}
	normFloatDump(got)
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("h5dump values differ (-written +h5dump):\n%s", diff)
	}
	// Opening a dataset by path makes libhdf5 search the group B-tree by
	// name, which checks the keys of the 2-level B-tree of /big.
	for _, name := range []string{"bs0", "bs1", "bs150", "bs255", "bs299", "bs99"} {
		out := hdf5test.Run(t, h5dump, "-y", "-m", "%.17g", "-d", "/big/"+name, path)
		i, _ := strconv.Atoi(strings.TrimPrefix(name, "bs"))
		want := fmt.Sprintf("%d,%s", i, strconv.FormatFloat(float64(i)/3, 'g', 17, 64))
		if !strings.Contains(strings.Join(strings.Fields(out), ""), want) {
			t.Errorf("h5dump -d /big/%s: output lacks %q:\n%s", name, want, out)
		}
	}
	if out := hdf5test.Run(t, hdf5test.Tool(t, "h5ls"), "-r", path); !strings.Contains(out, "/a/b/c/deep              Dataset {1}") {
		t.Errorf("h5ls -r output lacks /a/b/c/deep:\n%s", out)
	}
}

// TestH5py reads the sample file with h5py: types, chunking, compression
// and values.
func TestH5py(t *testing.T) {
	root := sample()
	path := writeTemp(t, root)
	got := hdf5test.ReadWithH5py(t, path)
	for p, d := range flatten(root, "", nil) {
		pd := got.Datasets[p]
		if pd == nil {
			t.Errorf("h5py does not see %s", p)
			continue
		}
		n := d.Len()
		var dtype string
		var vals []any
		switch d.Type {
		case hdf5.Int32:
			dtype = "<i4"
			for _, v := range d.Int32s {
				vals = append(vals, v)
			}
		case hdf5.Float64:
			dtype = "<f8"
			for _, v := range d.Float64s {
				vals = append(vals, v)
			}
		case hdf5.String:
			dtype = fmt.Sprintf("|S%d", normalized(&hdf5.Group{Datasets: []*hdf5.Dataset{d}}).Datasets[0].StrSize)
			for _, v := range d.Strings {
				vals = append(vals, v)
			}
		}
		if pd.Dtype != dtype || len(pd.Shape) != 1 || pd.Shape[0] != n {
			t.Errorf("%s: h5py dtype %s shape %v, want %s (%d)", p, pd.Dtype, pd.Shape, dtype, n)
		}
		if n > 0 && (len(pd.Chunks) != 1 || pd.Chunks[0] != n || pd.Compression != "gzip" || pd.Level != 6) {
			t.Errorf("%s: h5py chunks %v compression %q level %d, want [%d] gzip 6", p, pd.Chunks, pd.Compression, pd.Level, n)
		}
		if len(pd.Values) != n {
			t.Errorf("%s: h5py read %d values, want %d", p, len(pd.Values), n)
			continue
		}
		for i, raw := range pd.Values {
			if !sameJSON(raw, vals[i]) {
				t.Errorf("%s[%d]: h5py read %s, want %v", p, i, raw, vals[i])
			}
		}
	}
	if len(got.Datasets) != len(flatten(root, "", nil)) {
		t.Errorf("h5py sees %d datasets, want %d", len(got.Datasets), len(flatten(root, "", nil)))
	}
}

// sameJSON compares a value printed by Python's json module with a Go
// value.
func sameJSON(raw json.RawMessage, v any) bool {
	switch v := v.(type) {
	case float64:
		switch string(raw) { // see h5pyScript
		case `"inf"`:
			return math.IsInf(v, 1)
		case `"-inf"`:
			return math.IsInf(v, -1)
		case `"nan"`:
			return math.IsNaN(v)
		}
		var f float64
		return json.Unmarshal(raw, &f) == nil && f == v && math.Signbit(f) == math.Signbit(v)
	case int32:
		var i int32
		return json.Unmarshal(raw, &i) == nil && i == v
	case string:
		var s string
		return json.Unmarshal(raw, &s) == nil && s == v
	}
	return false
}

// h5pyWriter writes, through h5py and libhdf5, the structures libhdf5
// produces that kallisto's small file does not exercise: a group whose
// symbol table libhdf5 split over many nodes, a dataset of many chunks
// with an overhanging last chunk, a multi-level chunk B-tree, contiguous
// and empty datasets, and NULLPAD strings (numpy's "S" dtype).
const h5pyWriter = `
import h5py, numpy as np, sys
with h5py.File(sys.argv[1], "w") as f:
    g = f.create_group("big")
    for i in range(300):
        g.create_dataset("bs%d" % i, data=np.array([i, i / 3.0]), chunks=(2,), compression="gzip", compression_opts=6)
    f.create_dataset("ids", data=np.array([b"a", b"bcd", b""], dtype="S4"), chunks=(3,), compression="gzip", compression_opts=6)
    f.create_dataset("ints", data=np.arange(-5, 5, dtype="<i4"), chunks=(3,), compression="gzip")
    f.create_dataset("many_chunks", data=np.arange(10000, dtype="<f8") / 7, chunks=(10,), compression="gzip")
    f.create_dataset("contiguous", data=np.array([1.5, 2.5]))
    f.create_dataset("empty", shape=(0,), dtype="<f8")
`

// TestReadH5pyFile reads a file written by libhdf5 through h5py.
func TestReadH5pyFile(t *testing.T) {
	py := hdf5test.H5py(t)
	path := filepath.Join(t.TempDir(), "h5py.h5")
	hdf5test.Run(t, py, "-c", h5pyWriter, path)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := read(t, b)

	want := &hdf5.Group{}
	big := want.AddGroup("big")
	for i := range 300 {
		big.AddFloat64s(fmt.Sprintf("bs%d", i), []float64{float64(i), float64(i) / 3})
	}
	want.Datasets = append(want.Datasets, &hdf5.Dataset{Name: "ids", Type: hdf5.String, Strings: []string{"a", "bcd", ""}, StrSize: 4})
	want.AddInt32s("ints", []int32{-5, -4, -3, -2, -1, 0, 1, 2, 3, 4})
	many := make([]float64, 10000)
	for i := range many {
		many[i] = float64(i) / 7
	}
	want.AddFloat64s("many_chunks", many)
	want.AddFloat64s("contiguous", []float64{1.5, 2.5})
	want.AddFloat64s("empty", nil)
	if diff := cmp.Diff(normalized(want), got, treeOpts); diff != "" {
		t.Errorf("Read of h5py's file differs (-want +got):\n%s", diff)
	}
}
