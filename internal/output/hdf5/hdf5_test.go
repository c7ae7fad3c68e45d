package hdf5_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/gallisto/gallisto/internal/output/hdf5"
	"github.com/gallisto/gallisto/internal/output/hdf5/hdf5test"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// kallistoDir holds the abundance.h5 written by a real kallisto 0.48.0
// (libhdf5 1.10.8) and its text dumps; see its README.md.
const kallistoDir = "../../../testdata/h5/kallisto-0.48-test"

// goldenDir holds listings of files written by this package.
const goldenDir = "../../../testdata/h5/gallisto"

// sample returns a tree using every feature of the writer.
func sample() *hdf5.Group {
	root := &hdf5.Group{}
	aux := root.AddGroup("aux")
	aux.AddInt32s("ints", []int32{0, 1, -1, math.MaxInt32, math.MinInt32, 42})
	aux.AddFloat64s("floats", []float64{0, math.Copysign(0, -1), 1.5, -2.25, math.Pi, math.MaxFloat64,
		math.SmallestNonzeroFloat64, math.Inf(1), math.Inf(-1), 1e-300})
	aux.AddStrings("strings", []string{"ENST00000513300.5", "", "x", "a b\tc", "~!@#$%^&*()"})
	aux.AddStrings("one", []string{"kallisto quant -i idx -o out"})
	aux.AddInt32s("empty_ints", nil)
	aux.AddFloat64s("empty_floats", []float64{})
	aux.AddStrings("empty_strings", nil)
	aux.Datasets = append(aux.Datasets, &hdf5.Dataset{Name: "padded", Type: hdf5.String, Strings: []string{"ab", "c"}, StrSize: 10})
	root.AddFloat64s("est_counts", []float64{102.32840214314646, 1592.018821073661, 0})
	nested := root.AddGroup("a").AddGroup("b").AddGroup("c")
	nested.AddInt32s("deep", []int32{7})
	root.AddGroup("empty_group")
	big := root.AddGroup("big") // 300 members: 38 symbol table nodes, a 2-level B-tree
	for i := range 300 {
		big.AddFloat64s(fmt.Sprintf("bs%d", i), []float64{float64(i), float64(i) / 3})
	}
	return root
}

// normalized returns g as Read returns it: members sorted by name, StrSize
// set, empty slices non-nil.
func normalized(g *hdf5.Group) *hdf5.Group {
	out := &hdf5.Group{Name: g.Name}
	for _, c := range g.Groups {
		out.Groups = append(out.Groups, normalized(c))
	}
	for _, d := range g.Datasets {
		c := *d
		if c.Type == hdf5.String && c.StrSize == 0 {
			c.StrSize = 1
			for _, s := range c.Strings {
				c.StrSize = max(c.StrSize, len(s)+1)
			}
		}
		out.Datasets = append(out.Datasets, &c)
	}
	sort.Slice(out.Groups, func(i, j int) bool { return out.Groups[i].Name < out.Groups[j].Name })
	sort.Slice(out.Datasets, func(i, j int) bool { return out.Datasets[i].Name < out.Datasets[j].Name })
	return out
}

var treeOpts = cmp.Options{cmpopts.EquateEmpty(), cmpopts.EquateNaNs()}

func write(t testing.TB, g *hdf5.Group) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := hdf5.Write(&buf, g); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

func read(t testing.TB, b []byte) *hdf5.Group {
	t.Helper()
	g, err := hdf5.Read(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return g
}

func TestRoundTrip(t *testing.T) {
	many := &hdf5.Group{} // 9000 members: 1125 symbol table nodes, a 3-level B-tree
	for i := range 9000 {
		many.AddInt32s("d"+strconv.Itoa(i), []int32{int32(i)})
	}
	nan := &hdf5.Group{}
	nan.AddFloat64s("nan", []float64{math.NaN(), 1})
	for _, tc := range []struct {
		name string
		root *hdf5.Group
	}{
		{"empty root", &hdf5.Group{}},
		{"one int", func() *hdf5.Group { g := &hdf5.Group{}; g.AddInt32s("x", []int32{1}); return g }()},
		{"sample", sample()},
		{"nan", nan},
		{"9000 members", many},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := write(t, tc.root)
			got := read(t, b)
			if diff := cmp.Diff(normalized(tc.root), got, treeOpts); diff != "" {
				t.Errorf("Read(Write(tree)) mismatch (-want +got):\n%s", diff)
			}
			if b2 := write(t, tc.root); !bytes.Equal(b, b2) {
				t.Errorf("two writes of the same tree differ")
			}
		})
	}
}

func TestNegativeZeroSurvives(t *testing.T) {
	g := &hdf5.Group{}
	g.AddFloat64s("z", []float64{math.Copysign(0, -1)})
	got := read(t, write(t, g)).Datasets[0].Float64s[0]
	if !math.Signbit(got) {
		t.Errorf("got %v, want -0", got)
	}
}

// TestWriteSeekerSameBytes checks that streaming to a file and buffering
// for a plain io.Writer produce identical files.
func TestWriteSeekerSameBytes(t *testing.T) {
	want := write(t, sample())
	path := filepath.Join(t.TempDir(), "x.h5")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := hdf5.Write(f, sample()); err != nil {
		t.Fatal(err)
	}
	if pos, _ := f.Seek(0, 1); pos != int64(len(want)) {
		t.Errorf("file position after Write = %d, want %d (end of file)", pos, len(want))
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("file written through io.WriteSeeker (%d bytes) differs from buffered output (%d bytes)", len(got), len(want))
	}
}

func TestWriteErrors(t *testing.T) {
	ds := func(d *hdf5.Dataset) *hdf5.Group { return &hdf5.Group{Datasets: []*hdf5.Dataset{d}} }
	shared := &hdf5.Group{Name: "s"}
	for _, tc := range []struct {
		name string
		root *hdf5.Group
		want string
	}{
		{"nil root", nil, "nil root group"},
		{"empty name", ds(&hdf5.Dataset{Type: hdf5.Int32}), `invalid member name ""`},
		{"slash in name", ds(&hdf5.Dataset{Name: "a/b", Type: hdf5.Int32}), `invalid member name "a/b"`},
		{"dot name", &hdf5.Group{Groups: []*hdf5.Group{{Name: "."}}}, `invalid member name "."`},
		{"duplicate", &hdf5.Group{Groups: []*hdf5.Group{{Name: "x"}}, Datasets: []*hdf5.Dataset{{Name: "x", Type: hdf5.Int32}}}, `duplicate member name "x"`},
		{"group twice", &hdf5.Group{Groups: []*hdf5.Group{shared, {Name: "t", Groups: []*hdf5.Group{shared}}}}, "appears twice"},
		{"NUL in string", ds(&hdf5.Dataset{Name: "s", Type: hdf5.String, Strings: []string{"a\x00b"}}), "contains NUL"},
		{"StrSize too small", ds(&hdf5.Dataset{Name: "s", Type: hdf5.String, Strings: []string{"abc"}, StrSize: 3}), "StrSize 3 is shorter"},
		{"bad type", ds(&hdf5.Dataset{Name: "s"}), "invalid type"},
		{"mismatched slice", ds(&hdf5.Dataset{Name: "s", Type: hdf5.Int32, Float64s: []float64{1}}), "does not match type int32"},
		{"nil dataset", &hdf5.Group{Datasets: []*hdf5.Dataset{nil}}, "nil dataset"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := hdf5.Write(new(bytes.Buffer), tc.root)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "hdf5: ") {
				t.Errorf("Write error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n -= len(p); w.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestWriteReportsWriterErrors(t *testing.T) {
	for _, n := range []int{0, 100, 5000} {
		if err := hdf5.Write(&failWriter{n}, sample()); err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("after %d bytes: Write error = %v, want disk full", n, err)
		}
	}
}

func readKallisto(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(kallistoDir, "abundance.h5"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// flatten maps dataset paths to datasets.
func flatten(g *hdf5.Group, dir string, out map[string]*hdf5.Dataset) map[string]*hdf5.Dataset {
	if out == nil {
		out = map[string]*hdf5.Dataset{}
	}
	for _, d := range g.Datasets {
		out[dir+"/"+d.Name] = d
	}
	for _, c := range g.Groups {
		flatten(c, dir+"/"+c.Name, out)
	}
	return out
}

// asDump renders a dataset the way `h5dump -y -m %.17g` prints it.
func asDump(d *hdf5.Dataset) *hdf5test.Dump {
	out := &hdf5test.Dump{Values: []string{}}
	switch d.Type {
	case hdf5.Int32:
		out.Type = "H5T_STD_I32LE"
		for _, v := range d.Int32s {
			out.Values = append(out.Values, strconv.Itoa(int(v)))
		}
	case hdf5.Float64:
		out.Type = "H5T_IEEE_F64LE"
		for _, v := range d.Float64s {
			out.Values = append(out.Values, strconv.FormatFloat(v, 'g', 17, 64))
		}
	case hdf5.String:
		out.Type = "H5T_STRING"
		out.Values = append(out.Values, d.Strings...)
	}
	return out
}

// normFloatDump rewrites numbers in h5dump's %.17g output (which may say
// 1.0000000000000000e+300 or 1) into Go's %.17g form for comparison.
func normFloatDump(m map[string]*hdf5test.Dump) {
	for _, d := range m {
		if d.Type != "H5T_IEEE_F64LE" {
			continue
		}
		for i, v := range d.Values {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				d.Values[i] = strconv.FormatFloat(f, 'g', 17, 64)
			}
		}
	}
}

// TestReadKallistoGolden reads the file written by real kallisto/libhdf5
// and compares every dataset with h5dump's listing of it.
func TestReadKallistoGolden(t *testing.T) {
	got := flatten(read(t, readKallisto(t)), "", nil)
	f, err := os.Open(filepath.Join(kallistoDir, "h5dump-values.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want, err := hdf5test.ParseDump(f)
	if err != nil {
		t.Fatal(err)
	}
	normFloatDump(want)
	gotDump := map[string]*hdf5test.Dump{}
	for p, d := range got {
		gotDump[p] = asDump(d)
	}
	if len(want) != 16 { // 12 in /aux, 3 bootstraps, /est_counts
		t.Errorf("h5dump listing has %d datasets, want 16", len(want))
	}
	if diff := cmp.Diff(want, gotDump); diff != "" {
		t.Errorf("datasets differ from h5dump's (-h5dump +Read):\n%s", diff)
	}
	if d := got["/aux/ids"]; d == nil || d.StrSize != 18 {
		t.Errorf("/aux/ids StrSize = %v, want 18 (longest id + 1)", d)
	}
}

// TestReadErrors checks malformed input is reported, never panics, and
// that every error names the package and an offset.
func TestReadErrors(t *testing.T) {
	good := write(t, sample())
	sb2 := bytes.Clone(good)
	sb2[8] = 2
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "no HDF5 signature"},
		{"not hdf5", []byte("hello, world, this is not an HDF5 file at all"), "no HDF5 signature"},
		{"signature only", []byte("\x89HDF\r\n\x1a\n"), "beyond end of file"},
		{"superblock v2", sb2, "superblock version 2 not supported"},
		{"truncated", good[:len(good)/2], "file truncated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := hdf5.Read(bytes.NewReader(tc.b), int64(len(tc.b)))
			var fe *hdf5.FormatError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), " at offset ") {
				t.Errorf("Read error = %v, want a *FormatError containing %q", err, tc.want)
			}
		})
	}
}

// TestCorruptionIsAnError flips bytes all over a small file written by
// Write and over the kallisto file: Read must return (an error or a tree),
// never panic, and allocate memory in proportion to the input.
func TestCorruptionIsAnError(t *testing.T) {
	small := &hdf5.Group{}
	aux := small.AddGroup("aux")
	aux.AddStrings("ids", []string{"a", "bb"})
	aux.AddInt32s("n", []int32{3})
	small.AddFloat64s("x", []float64{1, 2})
	for _, tc := range []struct {
		name string
		b    []byte
		step int
	}{
		{"gallisto", write(t, small), 5},
		{"kallisto", readKallisto(t), 29},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := 0
			var ms0, ms1 runtime.MemStats
			for i := 0; i < len(tc.b); i += tc.step {
				for _, x := range []byte{0xff, 0x01} {
					b := bytes.Clone(tc.b)
					b[i] ^= x
					runtime.ReadMemStats(&ms0)
					_, err := hdf5.Read(bytes.NewReader(b), int64(len(b)))
					runtime.ReadMemStats(&ms1)
					if err != nil {
						errs++
						if !strings.HasPrefix(err.Error(), "hdf5: ") {
							t.Fatalf("byte %d ^ %#x: error %q lacks the hdf5: prefix", i, x, err)
						}
					}
					if alloc := ms1.TotalAlloc - ms0.TotalAlloc; alloc > 2*1032*uint64(len(b))+1<<20 {
						t.Fatalf("byte %d ^ %#x: Read allocated %d bytes for a %d-byte file", i, x, alloc, len(b))
					}
				}
			}
			if errs == 0 {
				t.Errorf("no corruption was detected")
			}
			t.Logf("%d of %d corrupted files rejected (the rest changed unused or ignored bytes)", errs, 2*((len(tc.b)+tc.step-1)/tc.step))
		})
	}
	// Every truncation of the small file is an error.
	b := write(t, small)
	for n := range len(b) {
		if _, err := hdf5.Read(bytes.NewReader(b[:n]), int64(n)); err == nil {
			t.Errorf("file truncated to %d of %d bytes read without error", n, len(b))
		}
	}
}

func TestGroupLookup(t *testing.T) {
	g := sample()
	if d := g.Dataset("/a/b/c/deep"); d == nil || d.Int32s[0] != 7 {
		t.Errorf("Dataset(/a/b/c/deep) = %v", d)
	}
	if d := g.Dataset("aux/strings"); d == nil || d.Len() != 5 {
		t.Errorf("Dataset(aux/strings) = %v", d)
	}
	if g.Dataset("aux/nope") != nil || g.Dataset("nope/x") != nil || g.Group("aux/ints") != nil {
		t.Errorf("lookups of missing paths returned something")
	}
	if g.Group("/") != g || g.Group("a/b").Name != "b" {
		t.Errorf("Group lookups wrong")
	}
}
