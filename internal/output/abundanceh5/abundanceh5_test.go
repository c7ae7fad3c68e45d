package abundanceh5_test

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gallisto/gallisto/internal/output/abundanceh5"
	"github.com/gallisto/gallisto/internal/output/hdf5"
	"github.com/gallisto/gallisto/internal/output/hdf5/hdf5test"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// kallistoDir holds the abundance.h5 written by a real kallisto 0.48.0
// (libhdf5 1.10.8) on Debian's kallisto test data, with its text dumps;
// see its README.md.
const kallistoDir = "../../../testdata/h5/kallisto-0.48-test"

func readFile(t testing.TB, path string) *abundanceh5.File {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := abundanceh5.Read(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("Read(%s): %v", path, err)
	}
	return f
}

func kallisto(t testing.TB) *abundanceh5.File {
	return readFile(t, filepath.Join(kallistoDir, "abundance.h5"))
}

// TestReadKallistoGolden checks every field read from kallisto's file
// against h5dump's listing of it.
func TestReadKallistoGolden(t *testing.T) {
	f := kallisto(t)
	df, err := os.Open(filepath.Join(kallistoDir, "h5dump-values.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer df.Close()
	dump, err := hdf5test.ParseDump(df)
	if err != nil {
		t.Fatal(err)
	}
	ints := func(v ...int32) []string {
		var s []string
		for _, x := range v {
			s = append(s, strconv.Itoa(int(x)))
		}
		return s
	}
	floats := func(v []float64) []string {
		var s []string
		for _, x := range v {
			s = append(s, strconv.FormatFloat(x, 'g', 17, 64))
		}
		return s
	}
	got := map[string][]string{
		"/aux/ids":              f.IDs,
		"/aux/lengths":          ints(f.Lengths...),
		"/aux/eff_lengths":      floats(f.EffLengths),
		"/est_counts":           floats(f.EstCounts),
		"/aux/num_processed":    ints(f.NumProcessed),
		"/aux/num_bootstrap":    ints(f.NumBootstrap),
		"/aux/call":             {f.Call},
		"/aux/start_time":       {f.StartTime},
		"/aux/index_version":    ints(f.IndexVersion),
		"/aux/kallisto_version": {f.KallistoVersion},
		"/aux/fld":              ints(f.FLD...),
		"/aux/bias_observed":    ints(f.BiasObserved...),
		"/aux/bias_normalized":  floats(f.BiasNormalized),
	}
	for i, bs := range f.Bootstraps {
		got[fmt.Sprintf("/bootstrap/bs%d", i)] = floats(bs)
	}
	want := map[string][]string{}
	for p, d := range dump {
		want[p] = d.Values
		if d.Type == "H5T_IEEE_F64LE" {
			for i, v := range d.Values {
				x, err := strconv.ParseFloat(v, 64)
				if err != nil {
					t.Fatalf("%s: %v", p, err)
				}
				want[p][i] = strconv.FormatFloat(x, 'g', 17, 64)
			}
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Read differs from h5dump (-h5dump +Read):\n%s", diff)
	}
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"targets", len(f.IDs), 14},
		{"kallisto_version", f.KallistoVersion, "0.48.0"},
		{"num_bootstrap", f.NumBootstrap, int32(3)},
		{"num_processed", f.NumProcessed, int32(10000)},
		{"index_version", f.IndexVersion, int32(10)},
		{"fld", len(f.FLD), 1000},
		{"bias_observed", len(f.BiasObserved), 4096},
		{"bias_normalized", len(f.BiasNormalized), 4096},
		{"call", f.Call, "kallisto quant -i transcripts.idx -o out -b 3 --seed 42 -t 1 reads_1.fastq.gz reads_2.fastq.gz"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// tsvRow is one line of kallisto's abundance.tsv.
type tsvRow struct {
	id                        string
	length                    int32
	effLength, estCounts, tpm float64
}

func readTSV(t *testing.T, path string) []tsvRow {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var rows []tsvRow
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 5 || f[0] == "target_id" {
			continue
		}
		l, err1 := strconv.Atoi(f[1])
		e, err2 := strconv.ParseFloat(f[2], 64)
		c, err3 := strconv.ParseFloat(f[3], 64)
		p, err4 := strconv.ParseFloat(f[4], 64)
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
			t.Fatalf("%s: bad line %q", path, sc.Text())
		}
		rows = append(rows, tsvRow{f[0], int32(l), e, c, p})
	}
	return rows
}

// tpm computes transcripts per million as kallisto does: counts per
// effective length, scaled to sum to 1e6.
func tpm(counts, effLens []float64) []float64 {
	out := make([]float64, len(counts))
	sum := 0.0
	for i := range counts {
		out[i] = counts[i] / effLens[i]
		sum += out[i]
	}
	for i := range out {
		out[i] *= 1e6 / sum
	}
	return out
}

// near reports whether a equals b printed with 6 significant digits.
func near(a, b float64) bool { return math.Abs(a-b) <= 5e-6*math.Abs(b)+1e-9 }

// TestKallistoTSVs compares the file's values with the abundance.tsv that
// kallisto wrote in the same run and with the bs_abundance_N.tsv that
// `kallisto h5dump` derived from the file.
func TestKallistoTSVs(t *testing.T) {
	f := kallisto(t)
	check := func(name string, counts []float64) {
		rows := readTSV(t, filepath.Join(kallistoDir, name))
		if len(rows) != len(f.IDs) {
			t.Fatalf("%s: %d rows, want %d", name, len(rows), len(f.IDs))
		}
		tp := tpm(counts, f.EffLengths)
		for i, r := range rows {
			if r.id != f.IDs[i] || r.length != f.Lengths[i] || !near(r.effLength, f.EffLengths[i]) ||
				!near(r.estCounts, counts[i]) || !near(r.tpm, tp[i]) {
				t.Errorf("%s row %d = %+v, file has %s %d %g %g (tpm %g)", name, i, r, f.IDs[i], f.Lengths[i], f.EffLengths[i], counts[i], tp[i])
			}
		}
	}
	check("abundance.tsv", f.EstCounts)
	for i, bs := range f.Bootstraps {
		check(fmt.Sprintf("bs_abundance_%d.tsv", i), bs)
	}
}

func sampleFile(n, nbs int) *abundanceh5.File {
	f := &abundanceh5.File{
		NumProcessed:    10000,
		NumBootstrap:    int32(nbs),
		Call:            "gallisto quant -i idx -o out -b 2",
		StartTime:       "Thu Nov 26 23:20:50 2026",
		IndexVersion:    10,
		KallistoVersion: "0.48.0",
		FLD:             make([]int32, 1000),
		BiasObserved:    make([]int32, 4096),
		BiasNormalized:  make([]float64, 4096),
	}
	for i := range f.FLD {
		f.FLD[i] = int32(i % 17)
	}
	for i := range f.BiasObserved {
		f.BiasObserved[i] = int32(i)
		f.BiasNormalized[i] = 1 + float64(i)/4096
	}
	for i := range n {
		f.IDs = append(f.IDs, fmt.Sprintf("ENST%011d.%d", i, i%10))
		f.Lengths = append(f.Lengths, int32(1000+i))
		f.EffLengths = append(f.EffLengths, float64(1000+i)-178.02)
		f.EstCounts = append(f.EstCounts, float64(i)*1.25)
	}
	for b := range nbs {
		bs := make([]float64, n)
		for i := range bs {
			bs[i] = float64(i*(b+1)) / 3
		}
		f.Bootstraps = append(f.Bootstraps, bs)
	}
	return f
}

func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    *abundanceh5.File
	}{
		{"kallisto golden", nil},
		{"no bootstraps", sampleFile(5, 0)},
		{"two bootstraps", sampleFile(7, 2)},
		{"zero targets", sampleFile(0, 1)},
		{"empty vectors", &abundanceh5.File{KallistoVersion: "0.48.0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.f == nil {
				tc.f = kallisto(t)
			}
			var buf bytes.Buffer
			if err := abundanceh5.Write(&buf, tc.f); err != nil {
				t.Fatal(err)
			}
			got, err := abundanceh5.Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.f, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Read(Write(f)) differs (-want +got):\n%s", diff)
			}
			root, err := hdf5.Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
			if err != nil {
				t.Fatal(err)
			}
			if hasBS := root.Group("bootstrap") != nil; hasBS != (tc.f.NumBootstrap > 0) {
				t.Errorf("/bootstrap group present = %v with num_bootstrap %d", hasBS, tc.f.NumBootstrap)
			}
			if root.Dataset("tpm") != nil {
				t.Errorf("file has a /tpm dataset; kallisto's has none")
			}
		})
	}
}

func TestWriteErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		modify func(f *abundanceh5.File)
		want   string
	}{
		{"short lengths", func(f *abundanceh5.File) { f.Lengths = f.Lengths[1:] }, "lengths has 2 values for 3 target ids"},
		{"short eff_lengths", func(f *abundanceh5.File) { f.EffLengths = nil }, "eff_lengths has 0 values"},
		{"short est_counts", func(f *abundanceh5.File) { f.EstCounts = append(f.EstCounts, 1) }, "est_counts has 4 values"},
		{"num_bootstrap", func(f *abundanceh5.File) { f.NumBootstrap = 5 }, "num_bootstrap is 5 but 1 bootstraps"},
		{"short bootstrap", func(f *abundanceh5.File) { f.Bootstraps[0] = f.Bootstraps[0][:1] }, "bootstrap 0 has 1 values"},
		{"NUL in id", func(f *abundanceh5.File) { f.IDs[1] = "a\x00b" }, "contains NUL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := sampleFile(3, 1)
			tc.modify(f)
			err := abundanceh5.Write(new(bytes.Buffer), f)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "abundanceh5: ") {
				t.Errorf("Write error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestReadErrors builds files that deviate from kallisto's layout.
func TestReadErrors(t *testing.T) {
	base := func() *hdf5.Group {
		var buf bytes.Buffer
		if err := abundanceh5.Write(&buf, sampleFile(3, 2)); err != nil {
			t.Fatal(err)
		}
		g, err := hdf5.Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	drop := func(g *hdf5.Group, name string) {
		for i, d := range g.Datasets {
			if d.Name == name {
				g.Datasets = append(g.Datasets[:i], g.Datasets[i+1:]...)
				return
			}
		}
		t.Fatalf("no dataset %s", name)
	}
	for _, tc := range []struct {
		name   string
		modify func(g *hdf5.Group)
		want   string
	}{
		{"missing ids", func(g *hdf5.Group) { drop(g.Group("aux"), "ids") }, "no dataset /aux/ids"},
		{"missing bootstrap", func(g *hdf5.Group) { drop(g.Group("bootstrap"), "bs1") }, "no dataset /bootstrap/bs1"},
		{"ids not strings", func(g *hdf5.Group) {
			d := g.Dataset("aux/ids")
			d.Type, d.Strings, d.Int32s = hdf5.Int32, nil, []int32{1, 2, 3}
		}, "/aux/ids is int32, want string"},
		{"two num_processed", func(g *hdf5.Group) { g.Dataset("aux/num_processed").Int32s = []int32{1, 2} }, "/aux/num_processed has 2 values, want 1"},
		{"short est_counts", func(g *hdf5.Group) { g.Dataset("est_counts").Float64s = []float64{1} }, "/est_counts has 1 values for 3 target ids"},
		{"short bootstrap", func(g *hdf5.Group) { g.Dataset("bootstrap/bs0").Float64s = []float64{1} }, "/bootstrap/bs0 has 1 values"},
		{"negative num_bootstrap", func(g *hdf5.Group) { g.Dataset("aux/num_bootstrap").Int32s[0] = -1 }, "negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := base()
			tc.modify(g)
			var buf bytes.Buffer
			if err := hdf5.Write(&buf, g); err != nil {
				t.Fatal(err)
			}
			_, err := abundanceh5.Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "abundanceh5: ") {
				t.Errorf("Read error = %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := abundanceh5.Read(bytes.NewReader([]byte("junk")), 4); err == nil || !strings.HasPrefix(err.Error(), "abundanceh5: hdf5: ") {
		t.Errorf("Read(junk) error = %v", err)
	}
}
