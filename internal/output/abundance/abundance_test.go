package abundance

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"github.com/gallisto/gallisto/internal/testref"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current Write")

// buildCpp compiles a C++ program as kallisto 0.48 is built.
func buildCpp(t *testing.T, src string) string {
	return testref.BuildCpp(t, src, "-O2", "-std=c++11")
}

// runCpp runs bin with stdin as input and returns its standard output.
func runCpp(t *testing.T, bin, stdin string) string {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", bin, err, stderr.String())
	}
	return string(out)
}

// gCpp reads doubles as 16-hex-digit bit patterns, one a line, and prints
// each as "BITS<TAB>" followed by the double written to an ofstream-like
// std::ostream in its default state (precision 6, no floatfield flags),
// which is how kallisto's plaintext_writer writes numbers. It starts with
// NaNs made the way kallisto makes them, by dividing at run time: 0.0/0.0
// (counts_to_tpm of an all-zero sample) and its negation.
const gCpp = `
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iostream>

static void show(double x) {
	std::uint64_t bits;
	std::memcpy(&bits, &x, sizeof bits);
	std::printf("%016llx\t", (unsigned long long)bits);
	std::fflush(stdout);
	std::cout << x << '\n';
	std::cout.flush();
}

int main() {
	volatile double zero = 0.0; // volatile: divide at run time, not fold
	double nan = zero / zero;
	show(nan);
	show(-nan);
	show(-(zero / zero));
	char line[64];
	while (std::fgets(line, sizeof line, stdin)) {
		unsigned long long bits;
		if (std::sscanf(line, "%llx", &bits) != 1) return 2;
		double x;
		std::memcpy(&x, &bits, sizeof x);
		show(x);
	}
	return 0;
}
`

// gInputs returns the doubles to format: edge cases, values next to
// the rounding and notation boundaries of %g with 6 digits, and 10,000
// random ones from a fixed seed.
func gInputs() []float64 {
	xs := []float64{
		0, math.Copysign(0, -1), 1, -1, 0.5, 2.5, 100, 1e5, 1e6, -1e6,
		1e-5, 1e-4, 0.000123456789, 0.0001234565, 123456.5, 123457.5, 999999.5,
		999999.4999999999, 9999995, 1e21, 1e22, 1.5e300, 1e-300,
		math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64,
		0x1p-1022,             // smallest normal
		0x1p-1022 - 0x1p-1074, // largest denormal
		3e-320, -7.5e-310, 4.9406564584124654e-324 * 12345,
		math.Inf(1), math.Inf(-1), math.NaN(), -math.NaN(),
		math.Float64frombits(0x7ff0000000000001), // signalling NaN
		math.Float64frombits(0xfff8000000000000), // x86's default NaN
		// Typical abundance.tsv numbers.
		1817.13, 2.35, 0.000456, 17.0000004, 12.5, 4.5e-11, 1e6 / 3,
	}
	// Notation boundary of %g (precision P=6, exponent X): %e when X < -4
	// or X >= 6, after rounding to 6 digits. So 9.999995e-5 rounds up to
	// 0.0001 (X=-4, %f) and 999999.5 to 1e+06 (X=6, %e). Each boundary
	// value, and its neighbouring doubles, is a case.
	for _, b := range []float64{9.999995e-5, 0.0001, 999999.5, 1e6, 99999.95, 9.999995, 0.99999949999, 1.0000005} {
		xs = append(xs, b, math.Nextafter(b, 0), math.Nextafter(b, math.Inf(1)), -b)
	}
	// Rounding boundaries at every decade: d.dddddd5 x 10^e, which in
	// binary lies just above or below the exact half, and its neighbours.
	for e := -310; e <= 308; e += 7 {
		b := 1.234565 * math.Pow(10, float64(e))
		xs = append(xs, b, math.Nextafter(b, 0), math.Nextafter(b, math.Inf(1)))
	}
	// Exact binary ties at 6 significant digits: n + 0.5 for 6-digit n,
	// where glibc rounds half to even in the default rounding mode.
	for _, n := range []float64{100000, 100001, 123456, 123457, 500000, 999998} {
		xs = append(xs, n+0.5)
	}
	rng := rand.New(rand.NewPCG(20160401, 48)) // any fixed seed
	for i := 0; i < 10000; i++ {
		var x float64
		switch i % 4 {
		case 0: // any bit pattern: NaN payloads, infinities, denormals
			x = math.Float64frombits(rng.Uint64())
		case 1: // any magnitude: mantissa in [1, 10), exponent -320..308
			// (denormals down to 1e-320, up to near MaxFloat64 1.8e308)
			x = (1 + 9*rng.Float64()) * math.Pow(10, float64(rng.IntN(629)-320))
		case 2: // counts and lengths: 0 to 10^7
			x = rng.Float64() * math.Pow(10, float64(rng.IntN(8)))
		case 3: // numbers with few digits, so that ties are common
			x = float64(rng.IntN(20000000)) / float64(int(1)<<rng.IntN(12))
		}
		if rng.IntN(2) == 0 {
			x = -x
		}
		xs = append(xs, x)
	}
	return xs
}

func TestAppendGMatchesCpp(t *testing.T) {
	bin := buildCpp(t, gCpp)
	var in strings.Builder
	for _, x := range gInputs() {
		fmt.Fprintf(&in, "%016x\n", math.Float64bits(x))
	}
	out := runCpp(t, bin, in.String())
	sc := bufio.NewScanner(strings.NewReader(out))
	n, bad := 0, 0
	for sc.Scan() {
		hex, want, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			t.Fatalf("bad C++ output line %q", sc.Text())
		}
		bits, err := strconv.ParseUint(hex, 16, 64)
		if err != nil {
			t.Fatal(err)
		}
		x := math.Float64frombits(bits)
		n++
		if got := string(AppendG(nil, x)); got != want {
			if bad++; bad <= 20 {
				t.Errorf("AppendG(%v) (bits %s) = %q, C++ ostream writes %q", x, hex, got, want)
			}
		}
	}
	// 3 NaNs made in C++, then one line per input.
	if want := 3 + len(gInputs()); n != want {
		t.Fatalf("C++ printed %d values, want %d", n, want)
	}
	if bad > 0 {
		t.Errorf("%d of %d values differ", bad, n)
	}
}

// TestAppendG pins a few cases so that the package is checked without g++.
// The expected strings are what glibc's printf("%g") prints.
func TestAppendG(t *testing.T) {
	tests := []struct {
		x    float64
		want string
	}{
		{0, "0"},
		{math.Copysign(0, -1), "-0"},
		{1e-5, "1e-05"},
		{0.0001, "0.0001"},
		{0.000123456789, "0.000123457"},
		{123456.5, "123456"}, // an exact tie, rounded to even
		{123457.5, "123458"},
		{999999.5, "1e+06"},
		{1e21, "1e+21"},
		{1817.13, "1817.13"},
		{math.SmallestNonzeroFloat64, "4.94066e-324"},
		{math.NaN(), "nan"},
		{math.Float64frombits(0xfff8000000000000), "-nan"},
		{math.Inf(1), "inf"},
		{math.Inf(-1), "-inf"},
	}
	for _, tc := range tests {
		if got := string(AppendG([]byte("x="), tc.x)); got != "x="+tc.want {
			t.Errorf("AppendG(%v) = %q, want %q", tc.x, got, "x="+tc.want)
		}
	}
}

// writerCpp is kallisto 0.48's plaintext_writer loop reduced to its output
// statements: it reads "ID LEN EFFBITS ESTBITS TPMBITS" lines and writes
// the abundance.tsv that kallisto would for those numbers.
const writerCpp = `
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

static double bits(const std::string& s) {
	std::uint64_t b = std::stoull(s, nullptr, 16);
	double x;
	std::memcpy(&x, &b, sizeof x);
	return x;
}

int main(int argc, char** argv) {
	std::ofstream of(argv[1]);
	of << "target_id" << "\t"
		<< "length" << "\t"
		<< "eff_length" << "\t"
		<< "est_counts" << "\t"
		<< "tpm" << std::endl;
	std::string line;
	while (std::getline(std::cin, line)) {
		std::istringstream in(line);
		std::string id, eff, est, tpm;
		int len;
		in >> id >> len >> eff >> est >> tpm;
		of << id << '\t'
			<< len << '\t'
			<< bits(eff) << '\t'
			<< bits(est) << '\t'
			<< bits(tpm) << std::endl;
	}
	return 0;
}
`

// smallTable is the golden test's table: typical values and the special
// ones kallisto can produce (zero counts, NaN TPM of an empty sample).
func smallTable() *Table {
	return &Table{
		IDs:       []string{"ENST00000456328.2", "ENST00000450305.2", "short", "unexpressed", "nan_tpm"},
		Lengths:   []int32{1657, 632, 20, 3000, 500},
		EffLens:   []float64{1457.84, 432.841, 20, 2800.16, 300.5},
		EstCounts: []float64{2.5, 1234567.8, 1e-9, 0, 0},
		TPM:       []float64{0.123456789, 999999.5, 4.2e-7, 0, math.Float64frombits(0xfff8000000000000)},
	}
}

// randomTable has n targets with random values; n large enough that Write
// flushes its buffer several times (it writes every 32 KiB).
func randomTable(n int) *Table {
	rng := rand.New(rand.NewPCG(7, 11)) // any fixed seed
	t := &Table{}
	for i := 0; i < n; i++ {
		l := int32(rng.IntN(100000) + 1)
		t.IDs = append(t.IDs, fmt.Sprintf("ENST%011d.%d", rng.IntN(1e9), rng.IntN(20)))
		t.Lengths = append(t.Lengths, l)
		t.EffLens = append(t.EffLens, float64(l)-rng.Float64()*300)
		t.EstCounts = append(t.EstCounts, rng.ExpFloat64()*math.Pow(10, float64(rng.IntN(7))))
		t.TPM = append(t.TPM, rng.Float64()*1000)
	}
	return t
}

func cppTable(t *testing.T, bin string, tab *Table) string {
	var in strings.Builder
	for i, id := range tab.IDs {
		fmt.Fprintf(&in, "%s %d %016x %016x %016x\n", id, tab.Lengths[i],
			math.Float64bits(tab.EffLens[i]), math.Float64bits(tab.EstCounts[i]), math.Float64bits(tab.TPM[i]))
	}
	outFile := filepath.Join(t.TempDir(), "abundance.tsv")
	cmd := exec.Command(bin, outFile)
	cmd.Stdin = strings.NewReader(in.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	return string(want)
}

func TestWriteGolden(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, smallTable()); err != nil {
		t.Fatal(err)
	}
	testref.Golden(t, filepath.Join("testdata", "abundance.tsv.golden"), b.String(), *update)
}

// TestGoldenMatchesCpp checks the golden file itself against the C++
// writer, so that -update cannot bless a wrong output.
func TestGoldenMatchesCpp(t *testing.T) {
	bin := buildCpp(t, writerCpp)
	golden, err := os.ReadFile(filepath.Join("testdata", "abundance.tsv.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(cppTable(t, bin, smallTable()), string(golden)); diff != "" {
		t.Errorf("golden file differs from kallisto's C++ writer (-C++ +golden):\n%s", diff)
	}
}

func TestWriteMatchesCpp(t *testing.T) {
	bin := buildCpp(t, writerCpp)
	tab := randomTable(5000) // about 250 KB, several 32 KiB chunks
	var b bytes.Buffer
	if err := Write(&b, tab); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(cppTable(t, bin, tab), b.String()); diff != "" {
		t.Errorf("Write differs from kallisto's C++ writer (-C++ +Write):\n%s", diff)
	}
}

func TestWriteEmpty(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, &Table{}); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), Header+"\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// failWriter accepts limit bytes, then fails.
type failWriter struct {
	limit int
	err   error
}

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.limit {
		n := w.limit
		w.limit = 0
		return n, w.err
	}
	w.limit -= len(p)
	return len(p), nil
}

func TestWriteError(t *testing.T) {
	boom := errors.New("no space left on device")
	tests := []struct {
		name  string
		tab   *Table
		limit int // bytes accepted before the writer fails
	}{
		{"first and only chunk", smallTable(), 0},
		// 40 KiB: past the first 32 KiB chunk Write hands over.
		{"a later chunk", randomTable(5000), 40 << 10},
	}
	for _, tc := range tests {
		err := Write(&failWriter{limit: tc.limit, err: boom}, tc.tab)
		if !errors.Is(err, boom) {
			t.Errorf("%s: got %v, want %v", tc.name, err, boom)
		}
	}
}

func BenchmarkWrite(b *testing.B) {
	tab := randomTable(200000) // about the number of human transcripts
	var buf bytes.Buffer
	Write(&buf, tab)
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := Write(&buf, tab); err != nil {
			b.Fatal(err)
		}
	}
}
